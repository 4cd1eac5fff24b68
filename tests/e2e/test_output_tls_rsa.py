"""HTTPS backends with an RSA certificate on TLS 1.2 and 1.3.

1. openssl s_server with the test CA's RSA server certificate, limited
   to one protocol version and one signature algorithm: rsa_pss_rsae_*
   (what OpenSSL picks for an RSA key on TLS 1.2 when offered) or
   rsa_pkcs1_sha256.  s_server answers no HTTP itself: it writes what it
   decrypted to its stdout and sends its stdin, so the test reads each
   POST there and writes a 200 back.
2. nginx with the same certificate and its defaults, TLS 1.2 only or
   TLS 1.3 only, proxying to the Python receiver.
3. sidelog ships 100 numbered lines to each.
Check that every handshake completes and every line arrives exactly
once.  mbedtls 3.6.6 unpatched rejects a TLS 1.2 ServerKeyExchange
signed with rsa_pss_rsae_* ("A field in a message was incorrect"),
see src/deps/mbedtls-tls12-rsa-pss.patch.
"""
import gzip
import json
import os
import subprocess
import threading

import pytest

from receiver import Receiver
from sidelogtest import (Nginx, count, free_port, listening, ship_https,
                         wait_for)

N = 100
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"


def ship(tmp_path, port, pki):
    return ship_https(tmp_path, port, pki["ca"][0], N)


class SServer:
    """openssl s_server as an HTTPS backend that answers 200 to every
    POST it receives, keeping the records as Receiver does."""

    def __init__(self, tmp_path, cert, *args):
        self.port = free_port()
        self.records = []
        self.err = tmp_path / "s_server.err"
        # -quiet: stdout carries the decrypted bytes and nothing else.
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-quiet", "-accept",
             "127.0.0.1:%d" % self.port, "-cert", cert[0], "-key", cert[1],
             *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(self.err, "wb"))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        assert wait_for(lambda: listening(self.port), 10), self.stderr()

    def _serve(self):
        buf = b""
        while True:
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                return
            buf += data
            while True:
                req, buf = self._request(buf)
                if req is None:
                    break
                self.records.extend(json.loads(l) for l in req.splitlines())
                try:
                    self.proc.stdin.write(OK)
                    self.proc.stdin.flush()
                except OSError:     # s_server was stopped
                    return

    @staticmethod
    def _request(buf):
        """(body, rest) of the first whole request in buf, or (None, buf)."""
        end = buf.find(b"\r\n\r\n")
        if end == -1:
            return None, buf
        head = buf[:end].decode("latin-1").split("\r\n")[1:]
        hdrs = {k.strip().lower(): v.strip() for k, v in
                (h.split(":", 1) for h in head)}
        n = int(hdrs.get("content-length", "0"))
        if len(buf) < end + 4 + n:
            return None, buf
        body = buf[end + 4:end + 4 + n]
        if hdrs.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return body, buf[end + 4 + n:]

    def seqs(self):
        import re
        return [int(re.search(r"seq=(\d+)", r["message"]).group(1))
                for r in self.records]

    def stderr(self):
        return self.err.read_text(errors="replace")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


@pytest.mark.parametrize("version,sigalg", [
    ("1.2", "rsa_pss_rsae_sha256"),
    ("1.2", "rsa_pss_rsae_sha384"),
    ("1.2", "rsa_pss_rsae_sha512"),
    ("1.2", "rsa_pkcs1_sha256"),
    ("1.3", "rsa_pss_rsae_sha256"),
])
def test_openssl_rsa_server_gets_every_line(tmp_path, pki, version,
                                            sigalg):
    srv = SServer(tmp_path, pki["server-rsa"],
                  "-tls" + version.replace(".", "_"), "-sigalgs", sigalg)
    pod = ship(tmp_path, srv.port, pki)
    try:
        assert wait_for(lambda: len(srv.records) >= N, 15), \
            pod.stderr() + srv.stderr()
        assert pod.stop() == 0
    finally:
        srv.stop()
    assert count(srv.seqs(), N) == ([], 0)
    assert "handshake failed" not in pod.stderr()
    pod.assert_clean_stderr()


@pytest.fixture
def nginx_rsa(tmp_path, pki, request):
    """nginx terminating TLS (request.param: its ssl_protocols) with the
    RSA certificate, in front of a Receiver; yields (port, receiver)."""
    rx = Receiver().start()
    try:
        nginx = Nginx(tmp_path / "nginx", rx.port, pki["server-rsa"],
                      request.param)
        yield nginx.port, rx
        nginx.stop()
    finally:
        rx.stop()


@pytest.mark.parametrize("nginx_rsa", ["TLSv1.2", "TLSv1.3"],
                         indirect=True)
def test_nginx_rsa_front_gets_every_line(tmp_path, pki, nginx_rsa):
    port, rx = nginx_rsa
    pod = ship(tmp_path, port, pki)
    assert wait_for(lambda: len(rx.records) >= N, 15), pod.stderr()
    assert pod.stop() == 0
    assert count(rx.seqs(), N) == ([], 0)
    assert "handshake failed" not in pod.stderr()
    pod.assert_clean_stderr()
