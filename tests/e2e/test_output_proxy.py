"""Shipping through proxies (SPEC "Proxies"), real ones from Debian.

1. tinyproxy: an https backend through CONNECT (proxy = key), an http
   backend in absolute form, basic auth from proxy.user and
   proxy.password_file.
2. squid: CONNECT with basic auth from HTTPS_PROXY's user:password.
3. NO_PROXY: the backend's host matches, the proxy (a dead port) is not
   used; `sidelog check` says so.
4. Faults: a wrong proxy password (407, retried, counted as
   code="proxy_407", the password never in stderr) then the right one
   (re-read from its file); the proxy down then up; a proxy that answers
   CONNECT with 200 and closes, then one that answers garbage, then
   tunnels.
5. An https:// proxy: TLS to the proxy, CONNECT and the backend's TLS
   inside it.
Each time every line arrives exactly once, and the proxy's own log shows
the CONNECT (or the absolute-form POST), so the tunnel was really used.
"""
import os
import socket
import threading
import time

from receiver import Receiver
from sidelogtest import (Squid, Tinyproxy, count, free_port, line,
                         scrape, ship_https, wait_for)

N = 500


def ship(tmp_path, pki, rx, extra="", env=None, n=N, tls=True,
         sidelog_extra=""):
    if tls:
        pod = ship_https(tmp_path, rx.port, pki["ca"][0], n,
                         "batch_max_records = 100\n" + extra, sidelog_extra,
                         start=False)
    else:
        pod = ship_https(tmp_path, rx.port, pki["ca"][0], n,
                         "url = http://localhost:%d/ingest\n"
                         "batch_max_records = 100\n" % rx.port + extra,
                         sidelog_extra, start=False)
    pod.start(env=env)
    return pod


def done(pod, rx, n=N, timeout=30):
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= n, timeout), \
            pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), n) == ([], 0)


def test_tinyproxy_connect_by_key(tmp_path, pki):
    px = Tinyproxy(tmp_path / "px")
    rx = Receiver(tls=pki["server"]).start()
    try:
        pod = ship(tmp_path, pki, rx, "proxy = http://127.0.0.1:%d\n"
                   % px.port)
        done(pod, rx)
        assert "CONNECT" in px.log() and ":%d" % rx.port in px.log()
        assert "proxy: [output] proxy: http://127.0.0.1:%d" % px.port in \
            pod.stderr()
        pod.assert_clean_stderr()
    finally:
        px.stop()


def test_tinyproxy_absolute_form_for_http(tmp_path, pki):
    px = Tinyproxy(tmp_path / "px")
    rx = Receiver().start()
    try:
        pod = ship(tmp_path, pki, rx, "proxy = http://127.0.0.1:%d\n"
                   % px.port, tls=False)
        done(pod, rx)
        assert "POST http://localhost:%d/ingest" % rx.port in px.log()
        assert "CONNECT localhost" not in px.log()
        pod.assert_clean_stderr()
    finally:
        px.stop()


def test_wrong_proxy_password_then_right(tmp_path, pki):
    """squid answers a wrong password 407 (tinyproxy 1.11.1 says 401)."""
    px = Squid(tmp_path / "px", auth=("sl", "right-pass"))
    rx = Receiver(tls=pki["server"]).start()
    pw = tmp_path / "proxy-password"
    pw.write_text("wrong-pass\n")
    listen = free_port()
    try:
        pod = ship(tmp_path, pki, rx, "proxy = http://127.0.0.1:%d\n"
                   "proxy.user = sl\nproxy.password_file = %s\n"
                   "retry_max = 300ms\n" % (px.port, pw),
                   sidelog_extra="listen = 127.0.0.1:%d\n" % listen)
        assert wait_for(lambda: "407" in pod.stderr(), 15), \
            pod.stderr()[-2000:]
        assert wait_for(lambda: (scrape(listen).get(
            'sidelog_requests_total{code="proxy_407"}') or 0) > 0, 10)
        assert rx.seqs() == []
        pw.write_text("right-pass\n")
        done(pod, rx)
        err = pod.stderr()
        assert "wrong-pass" not in err and "right-pass" not in err
        assert "refused the tunnel" in err
    finally:
        px.stop(kill=True)


def test_tinyproxy_basic_auth_from_keys(tmp_path, pki):
    px = Tinyproxy(tmp_path / "px", auth=("sl", "pw123"))
    rx = Receiver(tls=pki["server"]).start()
    pw = tmp_path / "proxy-password"
    pw.write_text("pw123\n")
    try:
        pod = ship(tmp_path, pki, rx, "proxy = http://127.0.0.1:%d\n"
                   "proxy.user = sl\nproxy.password_file = %s\n"
                   % (px.port, pw))
        done(pod, rx)
        assert "CONNECT localhost:%d" % rx.port in px.log()
        assert "pw123" not in pod.stderr()
    finally:
        px.stop()


def test_squid_connect_with_auth_from_environment(tmp_path, pki):
    px = Squid(tmp_path / "px", auth=("sl", "s3cr3t"))
    rx = Receiver(tls=pki["server"]).start()
    env = dict(os.environ, HTTPS_PROXY="http://sl:s3cr3t@127.0.0.1:%d"
               % px.port, NO_PROXY="example.com")
    try:
        pod = ship(tmp_path, pki, rx, env=env)
        done(pod, rx)
        # squid logs a tunnel once it closes.
        assert wait_for(lambda: "CONNECT localhost:%d" % rx.port in
                        px.log(), 10)
        err = pod.stderr()
        assert "s3cr3t" not in err
        assert "HTTPS_PROXY" in err
    finally:
        px.stop(kill=True)


def test_no_proxy_goes_direct(tmp_path, pki):
    dead = free_port()
    rx = Receiver(tls=pki["server"]).start()
    env = dict(os.environ, HTTPS_PROXY="http://127.0.0.1:%d" % dead,
               NO_PROXY="example.com,.internal,LOCALHOST")
    pod = ship(tmp_path, pki, rx, env=env)
    done(pod, rx)
    assert "NO_PROXY" in pod.stderr()


def test_proxy_down_then_up_loses_nothing(tmp_path, pki):
    px = Tinyproxy(tmp_path / "px")
    port = px.port
    px.stop()
    rx = Receiver(tls=pki["server"]).start()
    try:
        pod = ship(tmp_path, pki, rx, "proxy = http://127.0.0.1:%d\n"
                   "retry_max = 300ms\n" % port)
        assert wait_for(lambda: "cannot connect to proxy" in pod.stderr(),
                        15), pod.stderr()[-2000:]
        px.start()
        done(pod, rx)
    finally:
        px.stop()


class FakeProxy:
    """A CONNECT proxy that misbehaves first: per connection, the next
    of `acts` ("close": 200 then close; "garbage": a non-HTTP reply),
    then tunnels properly."""

    def __init__(self, acts):
        self.acts = list(acts)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.seen = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(c,),
                             daemon=True).start()

    def _one(self, c):
        head = b""
        while b"\r\n\r\n" not in head:
            b = c.recv(4096)
            if not b:
                c.close()
                return
            head += b
        self.seen.append(head.split(b"\r\n")[0].decode())
        act = self.acts.pop(0) if self.acts else "tunnel"
        if act == "close":
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            c.close()
            return
        if act == "garbage":
            c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\x00\xff garbage\r\n\r\n")
            c.close()
            return
        host, port = head.split(b" ")[1].decode().rsplit(":", 1)
        up = socket.create_connection(("127.0.0.1", int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for a, b in ((c, up), (up, c)):
            threading.Thread(target=self._pipe, args=(a, b),
                             daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.sock.close()


def test_proxy_that_closes_or_babbles_is_retried(tmp_path, pki):
    px = FakeProxy(["close", "garbage", "close"])
    rx = Receiver(tls=pki["server"]).start()
    try:
        pod = ship(tmp_path, pki, rx, "proxy = http://127.0.0.1:%d\n"
                   "retry_max = 300ms\nmax_in_flight = 1\n" % px.port)
        done(pod, rx)
        err = pod.stderr()
        assert "not an HTTP reply to CONNECT" in err
        assert all(s.startswith("CONNECT localhost:") for s in px.seen)
        assert len(px.seen) >= 4
    finally:
        px.stop()


def test_https_proxy_tunnels_tls_in_tls(tmp_path, pki):
    px = Squid(tmp_path / "px", tls=pki["server"])
    rx = Receiver(tls=pki["server"]).start()
    try:
        pod = ship(tmp_path, pki, rx, "proxy = https://localhost:%d\n"
                   "proxy.tls.ca_file = %s\n" % (px.tls_port, pki["ca"][0]))
        done(pod, rx)
        assert wait_for(lambda: "TCP_TUNNEL/200" in px.log() and
                        "CONNECT localhost:%d" % rx.port in px.log(), 10)
        pod.assert_clean_stderr()
    finally:
        px.stop(kill=True)
