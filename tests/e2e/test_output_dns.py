"""A slow DNS never stalls the loop.

1. The backend's host name is answered by a DNS server of the test's
   own, which holds every answer for 3 s; sidelog runs in a mount
   namespace whose /etc/resolv.conf names that server.
2. While the first answer is held, lines are written to the log file.
Check that those lines come out on stdout and /healthz answers within a
second, while the output is still resolving; and that once the answer
comes, every line reaches the backend exactly once.  A name the server
does not know is an error that is retried, never a crash.
"""
import socket
import struct
import subprocess
import threading
import time
import urllib.request

import pytest

from receiver import Receiver
from sidelogtest import Pod, count, free_port, line, wait_for

NAME = "logs.sidelog.test"
DNS_ADDR = "127.0.0.77"


class SlowDNS:
    """Answers A queries for NAME with 127.0.0.1 after `delay` seconds,
    AAAA with no address, any other name with NXDOMAIN."""

    def __init__(self, delay):
        self.delay = delay
        self.queries = 0
        self.done = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((DNS_ADDR, 53))
        self.sock.settimeout(0.1)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.done:
            try:
                q, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.queries += 1
            threading.Timer(self.delay, self._answer, (q, peer)).start()

    def _answer(self, q, peer):
        qid, = struct.unpack("!H", q[:2])
        i, labels = 12, []
        while q[i]:
            labels.append(q[i + 1:i + 1 + q[i]].decode())
            i += 1 + q[i]
        qtype, = struct.unpack("!H", q[i + 1:i + 3])
        question = q[12:i + 5]
        known = ".".join(labels).lower() == NAME
        answer = b""
        if known and qtype == 1:
            answer = struct.pack("!HHHIH4s", 0xc00c, 1, 1, 60, 4,
                                 socket.inet_aton("127.0.0.1"))
        flags = 0x8180 | (0 if known else 3)
        head = struct.pack("!HHHHHH", qid, flags, 1, 1 if answer else 0,
                           0, 0)
        try:
            self.sock.sendto(head + question + answer, peer)
        except OSError:
            pass

    def close(self):
        self.done = True
        self.thread.join()
        self.sock.close()


@pytest.fixture
def dns(tmp_path):
    if subprocess.run(["unshare", "--mount", "true"],
                      capture_output=True).returncode != 0:
        pytest.skip("unshare --mount is not permitted here")
    try:
        srv = SlowDNS(3.0)
    except OSError as e:
        pytest.skip("cannot serve DNS on %s:53: %s" % (DNS_ADDR, e))
    conf = tmp_path / "resolv.conf"
    conf.write_text("nameserver %s\noptions timeout:5 attempts:1\n"
                    % DNS_ADDR)
    wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            'mount --bind "$0" /etc/resolv.conf && exec "$@"', str(conf)]
    yield srv, wrap
    srv.close()


def healthz_ms(port):
    t0 = time.monotonic()
    with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port,
                                timeout=5) as r:
        assert r.status == 200
    return (time.monotonic() - t0) * 1000


def test_slow_dns_does_not_stall_reading_or_health(tmp_path, pki, dns):
    srv, wrap = dns
    rx = Receiver(tls=pki["server"]).start()
    port = free_port()
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="listen = 127.0.0.1:%d" % port,
              output="url = https://%s:%d/ingest\ntls.ca_file = %s\n"
                     "tls.server_name = localhost\nbatch_timeout = 100ms\n"
                     % (NAME, rx.port, pki["ca"][0]))
    try:
        pod.start(wrap=wrap)
        with open(pod.logs / "app.log", "ab") as f:
            f.write(line(0))
        assert wait_for(lambda: srv.queries > 0, 5), pod.stderr()
        t0 = time.monotonic()
        with open(pod.logs / "app.log", "ab") as f:
            for i in range(1, 100):
                f.write(line(i))
        # The answer is held for 3 s: all of this must happen before.
        assert wait_for(lambda: len(set(pod.seqs())) == 100, 1.5)
        shown = time.monotonic() - t0
        slowest = max(healthz_ms(port) for _ in range(5))
        assert not rx.records, "delivered before DNS answered"
        assert time.monotonic() - t0 < 2.5
        assert wait_for(lambda: len(rx.records) >= 100, 20), \
            pod.stderr()[-2000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    print("while resolving: stdout in %.0f ms, /healthz at most %.0f ms"
          % (shown * 1000, slowest))
    assert slowest < 1000
    assert count(rx.seqs(), 100) == ([], 0)
    pod.assert_clean_stderr()


def test_unknown_name_is_an_error_that_is_retried(tmp_path, pki, dns):
    """...and at SIGTERM, with nothing delivered, the shutdown deadline
    ends it with status 1 and the lines stay for the next run."""
    srv, wrap = dns
    srv.delay = 0.0
    pod = Pod(tmp_path, paths="app.log", shutdown_timeout="1s",
              output="url = https://nowhere.sidelog.test:9/ingest\n"
                     "tls.ca_file = %s\nretry_initial = 100ms\n"
                     "retry_max = 200ms\n" % pki["ca"][0])
    pod.start(wrap=wrap)
    with open(pod.logs / "app.log", "ab") as f:
        f.write(line(0))
    assert wait_for(lambda: pod.stderr().count("cannot resolve host") >= 3,
                    10), pod.stderr()[-2000:]
    assert "Name does not resolve" in pod.stderr() or \
        "Name or service not known" in pod.stderr()
    assert pod.stop() == 1
    assert "100 bytes in 1 files not delivered" in pod.stderr()
    pod.assert_clean_stderr()


def test_kill9_while_resolving_leaves_no_lock_behind(tmp_path, pki, dns):
    """The resolver child holds no descriptor of sidelog's and dies with
    it: a restart right after kill -9 gets the checkpoint's lock."""
    srv, wrap = dns
    pod = Pod(tmp_path, paths="app.log", shutdown_timeout="1s",
              output="url = https://%s:9/ingest\ntls.ca_file = %s\n"
                     % (NAME, pki["ca"][0]))
    pod.start(wrap=wrap)
    with open(pod.logs / "app.log", "ab") as f:
        f.write(line(0))
    assert wait_for(lambda: srv.queries > 0, 5), pod.stderr()
    assert pod.kill() == -9
    pod.start(wrap=wrap)
    time.sleep(0.5)
    assert pod.proc.poll() is None, pod.stderr()[-2000:]
    assert "in use by another sidelog" not in pod.stderr()
    assert pod.stop() == 1      # still resolving at the deadline
