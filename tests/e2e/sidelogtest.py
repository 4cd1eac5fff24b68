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
