"""Helpers for end-to-end tests that run `sidelog run` on real files.

A test lays out a pod in a temporary directory (the emptyDir with the
application's logs, the PVC with the checkpoint, the config), starts the
real binary with [stdout] enabled, writes numbered lines, and counts what
came out: every line carries a unique sequence number, so lost and
duplicated lines are exact figures.
"""
import os
import pathlib
import re
import signal
import socket
import subprocess
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]


def binary():
    """The binary under test: $SIDELOG_BIN (make e2e runs the suite once
    with the static musl binary and once with the ASan/UBSan glibc one),
    else build/sidelog."""
    return os.environ.get("SIDELOG_BIN", str(ROOT / "build" / "sidelog"))

SEQ = re.compile(rb"seq=(\d+)")


def line(seq, width=100):
    """A log line of about `width` bytes carrying its sequence number."""
    head = b"seq=%09d " % seq
    return head + b"x" * max(0, width - len(head) - 1) + b"\n"


LIVE = []     # started sidelogs, killed after each test (conftest)


def reap():
    """Kills what a failed test left running of LIVE."""
    while LIVE:
        p = LIVE.pop()
        if p.poll() is None:
            p.kill()
            p.wait()


class Pod:
    """A pod's directories and a running sidelog."""

    def __init__(self, tmp, extra_sidelog="", extra_input="",
                 stdout_format="raw", paths="app*.log", output=None,
                 stdout=True, shutdown_timeout="20s", poll_interval="500ms"):
        self.tmp = tmp
        self.logs = tmp / "emptydir"
        self.pvc = tmp / "pvc"
        self.logs.mkdir(exist_ok=True)
        self.conf = tmp / "sidelog.ini"
        self.out = tmp / "stdout.log"
        self.err = tmp / "stderr.log"
        self.proc = None
        globs = ", ".join(str(self.logs / p.strip())
                          for p in paths.split(","))
        self.conf.write_text(
            "[sidelog]\n"
            "checkpoint_dir = %s\n"
            "checkpoint_interval = 200ms\n"
            "poll_interval = %s\n"
            "shutdown_timeout = %s\n"
            "%s\n"
            "[input.app]\n"
            "paths = %s\n"
            "%s\n"
            "[stdout]\n"
            "enabled = %s\n"
            "format = %s\n" % (self.pvc, poll_interval, shutdown_timeout,
                                extra_sidelog, globs, extra_input,
                                "true" if stdout else "false",
                                stdout_format))
        if output is not None:
            with open(self.conf, "a") as f:
                f.write("[output]\n" + output + "\n")

    def start(self, env=None, ready=True, wrap=()):
        """Starts sidelog (behind the command `wrap`, if given); with
        ready, returns once its loop runs (a signal sent before sidelog
        has even started would kill it)."""
        e = dict(os.environ)
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        e.update(env or {})
        before = self.err.stat().st_size if self.err.exists() else 0
        self.proc = subprocess.Popen(
            [*wrap, binary(), "run", "-c", str(self.conf)], env=e,
            stdout=open(self.out, "ab"), stderr=open(self.err, "ab"))
        LIVE.append(self.proc)
        if ready:
            wait_for(lambda: b" watching with " in
                     self.err.read_bytes()[before:] or
                     self.proc.poll() is not None, 10, 0.01)
        return self.proc

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals sidelog and returns its exit status."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.proc = None
        return rc

    def kill(self):
        return self.stop(signal.SIGKILL)

    def stderr(self):
        return self.err.read_text(errors="replace")

    def output(self):
        """What sidelog wrote to stdout, up to its last whole line: a line
        it is still writing is not read half (seq=0000 would count as
        a duplicate of line 0)."""
        data = self.out.read_bytes()
        return data[:data.rfind(b"\n") + 1]

    def records(self):
        """stdout's lines as JSON records ([stdout] format = json)."""
        import json
        return [json.loads(l) for l in self.output().splitlines()]

    def seqs(self):
        return [int(m) for m in SEQ.findall(self.output())]

    def assert_clean_stderr(self):
        err = self.stderr()
        assert "Sanitizer" not in err and "runtime error" not in err, err


def count(seqs, n):
    """(lost, duplicated) for expected sequence numbers 0..n-1."""
    seen = set(seqs)
    lost = [s for s in range(n) if s not in seen]
    return lost, len(seqs) - len(seen)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(pred, timeout=20.0, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


def wait_seqs(pod, n, timeout=30.0):
    """Waits until n distinct sequence numbers came out."""
    return wait_for(lambda: len(set(pod.seqs())) >= n, timeout)


class Writer:
    """Appends numbered lines to `path` from a thread, as an application
    would, rotating by rename every `every` lines (keeping `keep` old
    copies named path.1 .. path.N, deleting older ones), or after each
    rotation deleting the rotated file at once (`delete_rotated`)."""

    def __init__(self, path, n, every=0, keep=3, delete_rotated=False,
                 start=0, pause_every=0, pause=0.0):
        import threading
        self.path = str(path)
        self.n = n
        self.every = every
        self.keep = keep
        self.delete_rotated = delete_rotated
        self.start_seq = start
        self.pause_every = pause_every
        self.pause = pause
        self.rotations = 0
        self.elapsed = 0.0
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _rotate(self):
        if self.delete_rotated:
            os.rename(self.path, self.path + ".1")
            os.unlink(self.path + ".1")
        else:
            for k in range(self.keep, 0, -1):
                src = self.path + (".%d" % (k - 1) if k > 1 else "")
                if os.path.exists(src):
                    if k == self.keep and os.path.exists(
                            self.path + ".%d" % k):
                        os.unlink(self.path + ".%d" % k)
                    os.rename(src, self.path + ".%d" % k)
        self.rotations += 1

    def _run(self):
        try:
            t0 = time.monotonic()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                         0o644)
            for i in range(self.n):
                if self.every and i and i % self.every == 0:
                    os.close(fd)
                    self._rotate()
                    fd = os.open(self.path, os.O_WRONLY | os.O_APPEND |
                                 os.O_CREAT, 0o644)
                if self.pause_every and i and i % self.pause_every == 0:
                    time.sleep(self.pause)
                os.write(fd, line(self.start_seq + i))
            os.close(fd)
            self.elapsed = time.monotonic() - t0
        except Exception as e:  # surfaced by join()
            self.error = e

    def start(self):
        self.thread.start()
        return self

    def join(self, timeout=120):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "writer did not finish"
        if self.error:
            raise self.error

    @property
    def rate(self):
        return self.n / self.elapsed if self.elapsed else 0.0


class ConfigMap:
    """A directory written as the kubelet's atomic writer writes it
    (D/..TIMESTAMP/NAME, D/..data -> ..TIMESTAMP, D/NAME -> ..data/NAME);
    update() swaps the ..data symlink by rename, as the kubelet does."""

    def __init__(self, d, files):
        self.d = d
        d.mkdir()
        self.n = 0
        self.update(files)
        for name in files:
            os.symlink("..data/" + name, d / name)

    def update(self, files):
        self.n += 1
        ts = self.d / ("..2026_11_24_12_00_%02d.%09d" % (self.n, self.n))
        ts.mkdir()
        for name, text in files.items():
            (ts / name).write_text(text)
        tmp = self.d / "..data_tmp"
        os.symlink(ts.name, tmp)
        old = os.readlink(self.d / "..data") if self.n > 1 else None
        os.rename(tmp, self.d / "..data")
        if old:
            for f in (self.d / old).iterdir():
                f.unlink()
            (self.d / old).rmdir()


def scrape(port):
    """/metrics on 127.0.0.1:port as {"name{labels}": value}."""
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                  timeout=5).read().decode()
    out = {}
    for l in body.splitlines():
        if l and not l.startswith("#"):
            k, v = l.rsplit(" ", 1)
            out[k] = float(v)
    return out


def proc_kib(pid, key="VmRSS"):
    """A /proc/PID/status figure in KiB: VmRSS now, VmHWM the peak."""
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            if l.startswith(key + ":"):
                return int(l.split()[1])
    return 0


def listening(port):
    """Whether something accepts connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True
    except OSError:
        return False


NGINX_CONF = """
daemon off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    upstream up { server 127.0.0.1:%(up)d; keepalive 4; }
    server {
        listen 127.0.0.1:%(port)d ssl;
        %(protocols)s
        ssl_certificate %(cert)s;
        ssl_certificate_key %(key)s;
        client_max_body_size 64m;
        # Bodies in memory: the workers run as another user and could
        # not write the temporary files under the test directory.
        client_body_buffer_size 64m;
        location / {
            proxy_pass http://up;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
"""


class Nginx:
    """Debian's nginx terminating TLS with (cert, key) in front of the
    plain HTTP server on upstream_port; protocols: its ssl_protocols."""

    def __init__(self, d, upstream_port, cert_key, protocols=None):
        import shutil
        assert shutil.which("nginx"), "nginx missing"
        d.mkdir(exist_ok=True)
        self.port = free_port()
        (d / "nginx.conf").write_text(NGINX_CONF % {
            "d": d, "up": upstream_port, "port": self.port,
            "protocols": "ssl_protocols %s;" % protocols if protocols
            else "", "cert": cert_key[0], "key": cert_key[1]})
        self.proc = subprocess.Popen(["nginx", "-c", str(d / "nginx.conf"),
                                      "-p", str(d)], stderr=subprocess.PIPE)
        assert wait_for(lambda: listening(self.port), 20)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def _tail(path, n=2000):
    """The end of a log file, for an assertion's message."""
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _userinfo(auth):
    """"user:password@" for a URL, percent-encoded; "" without auth."""
    from urllib.parse import quote
    return "%s:%s@" % (quote(auth[0], safe=""),
                       quote(auth[1], safe="")) if auth else ""


PROXIES = []  # started proxies, killed when Python exits


def _spawn(proxy, cmd, stderr):
    """Starts proxy's process, its stderr appended to a file; one that a
    failed test left running is killed at exit (atexit)."""
    import atexit
    if not PROXIES:
        atexit.register(_kill_proxies)
    if proxy not in PROXIES:
        PROXIES.append(proxy)
    with open(stderr, "ab") as err:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)


def _kill_proxies():
    for p in PROXIES:
        p.stop(kill=True)


def _kill_live(proc, kill):
    """Ends a proxy's process: SIGTERM (its orderly shutdown) or, with
    kill, SIGKILL (a proxy that dies under its clients)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


TINYPROXY_CONF = """
User %(user)s
Group %(group)s
Port %(port)d
Listen 127.0.0.1
Timeout 60
LogFile "%(d)s/tinyproxy.log"
LogLevel Info
MaxClients 64
Allow 127.0.0.1
Allow ::1
%(auth)s
"""


class Tinyproxy:
    """Debian's tinyproxy on 127.0.0.1:port (a free one by default), in
    the foreground with its config and log in directory d, as the
    current user (root stays root: User/Group name the current ones).
    No ConnectPort line, so CONNECT goes to any port; with auth=(user,
    password), BasicAuth (both of [-A-Za-z0-9._], all that its config
    takes).  At LogLevel Info its log has a line per request as it
    arrives, whatever then becomes of it (each on one line):
      CONNECT   Dec 03 08:52:59.741 [8593]: Request (file descriptor 5):
        CONNECT localhost:35783 HTTP/1.1
      CONNECT   Dec 03 08:52:59.796 [8593]: Request (file descriptor 5):
        POST http://localhost:46259/ingest HTTP/1.1
    then 'Established connection to host "localhost" ...' if it went
    on; a refusal for credentials is not logged.

    Tinyproxy 1.11.1 (Debian 12) answers a request without credentials
    407, but wrong credentials "HTTP/1.0 401 Unauthorized" with
    WWW-Authenticate (tinyproxy issue #532, fixed after 1.11.1), and
    closes without reading a request's body."""

    def __init__(self, d, auth=None, port=None):
        import grp
        import pwd
        import shutil
        assert shutil.which("tinyproxy"), "tinyproxy missing " \
            "(sh src/deps/install-tools.sh test)"
        # Its config's grammar takes no other characters there.
        assert auth is None or all(re.fullmatch(r"[-A-Za-z0-9._]+", a)
                                   for a in auth), \
            "tinyproxy's BasicAuth takes only [-A-Za-z0-9._]: %r" % (auth,)
        d.mkdir(exist_ok=True)
        self.d = d
        self.auth = auth
        self.port = port or free_port()
        self.logfile = d / "tinyproxy.log"
        self.conf = d / "tinyproxy.conf"
        self.conf.write_text(TINYPROXY_CONF % {
            "user": pwd.getpwuid(os.geteuid()).pw_name,
            "group": grp.getgrgid(os.getegid()).gr_name,
            "port": self.port, "d": d,
            "auth": "BasicAuth %s %s" % auth if auth else ""})
        self.proc = None
        self.start()

    def url(self, auth=True, tls=False):
        """http://[user:password@]127.0.0.1:port; auth: True for the
        proxy's own credentials, False for none, or a (user, password);
        tinyproxy speaks no TLS itself (tls must be False)."""
        assert not tls, "tinyproxy is no https:// proxy"
        cred = _userinfo(self.auth if auth is True else auth)
        return "http://%s127.0.0.1:%d" % (cred, self.port)

    def start(self):
        """Starts it (again, on the same port) and waits until it
        accepts connections."""
        assert self.proc is None or self.proc.poll() is not None
        before = self.logfile.stat().st_size if self.logfile.exists() else 0
        self.proc = _spawn(self, ["tinyproxy", "-d", "-c", str(self.conf)],
                           self.d / "tinyproxy.stderr")

        # Its own word, not a TCP probe: that would log a "closed
        # socket before read" error.
        def up():
            return self.proc.poll() is not None or \
                self.logfile.exists() and b"Accepting connections" in \
                self.logfile.read_bytes()[before:]
        ok = wait_for(up, 20, 0.01)
        assert ok and self.proc.poll() is None, \
            "tinyproxy did not start:\n" + _tail(self.logfile) + \
            _tail(self.d / "tinyproxy.stderr")
        return self

    def stop(self, kill=False):
        """Stops it (SIGTERM, or SIGKILL with kill); start() again
        brings it back on the same port."""
        if self.proc is not None:
            _kill_live(self.proc, kill)

    def log(self):
        return self.logfile.read_text(errors="replace") \
            if self.logfile.exists() else ""


SQUID_CONF = """
http_port 127.0.0.1:%(port)d
%(https_port)s
%(auth)s
acl local src 127.0.0.1/32 ::1
%(access)s
http_access deny all
cache deny all
pinger_enable off
access_log stdio:%(d)s/access.log
cache_log %(d)s/cache.log
cache_store_log none
buffered_logs off
pid_filename %(d)s/squid.pid
coredump_dir %(d)s
shutdown_lifetime 0 seconds
"""


class Squid:
    """Debian's squid (5.7, built with GnuTLS) on 127.0.0.1:port, in the
    foreground (squid -N) with its config and logs in directory d: no
    cache, no cache_dir (so no squid -z), CONNECT to any port allowed,
    clients on localhost allowed; with auth=(user, password), basic auth
    through basic_ncsa_auth and an htpasswd file made with openssl
    passwd -apr1 (wrong or missing credentials: 407); with tls=(cert,
    key), also an https_port on tls_port, so that squid is itself an
    https:// proxy.

    Squid refuses to run as root and, started as root, switches to
    cache_effective_user (proxy), which could not reach the logs in a
    pytest directory (/tmp/pytest-of-root is 0700); so as root it runs
    in a user namespace of its own (unshare --user) as uid proxy mapped
    to root outside: it is not root in its own eyes, and outside its
    files are root's (this needs user namespaces, which this machine
    allows).  Its service name (-n) is unique per port, so that its
    shared memory segments (/dev/shm) do not collide.

    access.log has a line per transaction once it is over (a tunnel's
    once it is closed): time, ms, client, result/status, bytes, method,
    target, user, ...:
      1796287982.187 3 127.0.0.1 TCP_TUNNEL/200 1495 CONNECT
        localhost:35783 shipper HIER_DIRECT/127.0.0.1 -
      1796287982.195 0 127.0.0.1 TCP_MISS/200 221 POST
        http://localhost:46259/ingest shipper HIER_DIRECT/127.0.0.1 -
      1796287982.201 0 127.0.0.1 TCP_DENIED/407 3470 CONNECT
        localhost:35783 - HIER_NONE/- text/html
    (each on one line)."""

    def __init__(self, d, auth=None, port=None, tls=None):
        import shutil
        assert shutil.which("squid"), "squid missing " \
            "(sh src/deps/install-tools.sh test)"
        d.mkdir(exist_ok=True)
        self.d = d
        self.auth = auth
        self.port = port or free_port()
        self.tls_port = free_port() if tls else None
        self.service = "sidelogsq%d" % self.port
        self.logfile = d / "access.log"
        self.cachelog = d / "cache.log"
        self.conf = d / "squid.conf"
        if auth:
            hashed = subprocess.run(
                ["openssl", "passwd", "-apr1", "-stdin"], input=auth[1],
                capture_output=True, text=True, check=True).stdout.strip()
            (d / "htpasswd").write_text("%s:%s\n" % (auth[0], hashed))
            auth_conf = (
                "auth_param basic program /usr/lib/squid/basic_ncsa_auth "
                "%s/htpasswd\n"
                "auth_param basic children 2 startup=1\n"
                "auth_param basic realm sidelog-test\n"
                "acl authed proxy_auth REQUIRED" % d)
            access = "http_access allow local authed"
        else:
            auth_conf = ""
            access = "http_access allow local"
        self.conf.write_text(SQUID_CONF % {
            "port": self.port, "d": d, "auth": auth_conf, "access": access,
            "https_port": "https_port 127.0.0.1:%d tls-cert=%s tls-key=%s"
            % (self.tls_port, tls[0], tls[1]) if tls else ""})
        self.proc = None
        self.start()

    def url(self, auth=True, tls=False):
        """http(s)://[user:password@]127.0.0.1:port (tls: the https_port);
        auth: True for the proxy's own credentials, False for none, or a
        (user, password)."""
        cred = _userinfo(self.auth if auth is True else auth)
        if tls:
            return "https://%s127.0.0.1:%d" % (cred, self.tls_port)
        return "http://%s127.0.0.1:%d" % (cred, self.port)

    def _shm_cleanup(self):
        """Removes the shared memory segments that a killed squid of this
        service name left (a new one would fail on them with EEXIST)."""
        import glob
        for f in glob.glob("/dev/shm/%s-*" % self.service):
            os.unlink(f)

    def start(self):
        """Starts it (again, on the same ports) and waits until it
        accepts connections."""
        assert self.proc is None or self.proc.poll() is not None
        self._shm_cleanup()
        before = self.cachelog.stat().st_size \
            if self.cachelog.exists() else 0
        cmd = ["squid", "-N", "-n", self.service, "-f", str(self.conf)]
        if os.geteuid() == 0:
            import grp
            import pwd
            cmd = ["unshare", "--user",
                   "--map-user=%d" % pwd.getpwnam("proxy").pw_uid,
                   "--map-group=%d" % grp.getgrnam("proxy").gr_gid] + cmd
        self.proc = _spawn(self, cmd, self.d / "squid.stderr")
        # Its own word, not a TCP probe: that would log a line
        # ("error:transaction-end-before-headers") in access.log.
        want = [b"Accepting HTTP Socket connections at "]
        if self.tls_port:
            want.append(b"Accepting HTTPS Socket connections at ")

        def up():
            if self.proc.poll() is not None:
                return True
            text = self.cachelog.read_bytes()[before:] \
                if self.cachelog.exists() else b""
            return all(w in text for w in want)
        ok = wait_for(up, 20, 0.01)
        assert ok and self.proc.poll() is None, \
            "squid did not start:\n" + _tail(self.cachelog) + \
            _tail(self.d / "squid.stderr")
        return self

    def stop(self, kill=False):
        """Stops it: SIGTERM (its listening ports close at once, the
        process is gone two seconds later: squid's shutdown waits
        shutdown_lifetime + 1 s), or SIGKILL with kill (at once);
        start() again brings it back on the same ports."""
        if self.proc is not None:
            _kill_live(self.proc, kill)
            self._shm_cleanup()

    def log(self):
        """access.log's text."""
        return self.logfile.read_text(errors="replace") \
            if self.logfile.exists() else ""


class Tmpfs:
    """A small tmpfs mounted at path (a full disk on demand, with no harm
    to the machine's own); skips the test where mounting is not
    allowed."""

    def __init__(self, path, size="64k"):
        import pytest
        path.mkdir(exist_ok=True)
        self.path = path
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size,
                           "tmpfs", str(path)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root or "
                        "CAP_SYS_ADMIN)")

    def fill(self, name="filler"):
        """Fills the disk with one file, which is returned."""
        f = self.path / name
        with open(f, "wb", buffering=0) as fp:
            try:
                while True:
                    fp.write(b"x" * 512)
            except OSError:
                pass
        return f

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        subprocess.run(["umount", "-l", str(self.path)])


def ship_https(tmp_path, port, ca, n, extra="", extra_sidelog="",
               extra_input="", start=True):
    """A pod whose app.log holds lines 0..n-1, shipping them over HTTPS to
    localhost:port (certificates from ca) with short timers; started.
    extra holds more [output] keys (or others that replace the
    defaults: a key may be given only once)."""
    keys = {"url": "https://localhost:%d/ingest" % port, "tls.ca_file": ca,
            "batch_timeout": "100ms", "retry_initial": "100ms",
            "retry_max": "500ms", "timeout": "2s"}
    for l in extra.splitlines():
        if "=" in l:
            k, v = l.split("=", 1)
            keys[k.strip()] = v.strip()
    pod = Pod(tmp_path, stdout=False, extra_sidelog=extra_sidelog,
              extra_input=extra_input,
              output="".join("%s = %s\n" % kv for kv in keys.items()))
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(n):
            f.write(line(i))
    if start:
        pod.start()
    return pod


def npm_tool(src, dest, script):
    """A Node.js tool of the tests: src's package.json and script copied
    to dest (under build/), npm install run when there are no
    node_modules yet or package.json changed."""
    import shutil
    assert shutil.which("node") and shutil.which("npm"), "node/npm missing"
    dest.mkdir(parents=True, exist_ok=True)
    old = dest / "package.json"
    fresh = not (dest / "node_modules").exists() or not old.exists() or \
        old.read_bytes() != (src / "package.json").read_bytes()
    for f in ("package.json", script):
        shutil.copy(src / f, dest / f)
    if fresh:
        subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                        "--no-package-lock"], cwd=dest, check=True,
                       capture_output=True, timeout=600)
