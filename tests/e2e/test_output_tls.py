"""TLS refusals and acceptances against an OpenSSL server.

1. sidelog trusts the test CA; the server presents, in turn, a
   certificate from another CA, one for another host name, an expired
   one, or speaks TLS 1.1 only.
2. mTLS: the server requires a client certificate; sidelog has one, or
   has none.
3. The CA file is wrong at start and replaced (as a Secret update does)
   while sidelog runs.
Check that each refusal is logged with its reason and delivers nothing,
that each acceptance delivers everything, and that the rotated CA is
used without a restart.
"""
import os
import ssl
import time

import pytest

from receiver import Receiver
from sidelogtest import count, ship_https, wait_for

N = 100


def run_against(tmp_path, rx, pki, extra="", ca=None):
    return ship_https(tmp_path, rx.port, ca or pki["ca"][0], N, extra)


REFUSALS = {
    "unknown-ca": ("stranger", "not correctly signed by the trusted CA"),
    "wrong-host": ("wrong-host", "does not match"),
    "expired": ("expired", "has expired"),
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_bad_server_certificate_is_refused(tmp_path, pki, name):
    cert, reason = REFUSALS[name]
    rx = Receiver(tls=pki[cert]).start()
    pod = run_against(tmp_path, rx, pki)
    try:
        assert wait_for(lambda: reason in pod.stderr(), 10), pod.stderr()
        time.sleep(0.5)
        assert pod.stop() == 1      # shutdown_timeout: nothing delivered
    finally:
        rx.stop()
    assert rx.records == []
    assert "certificate verification failed" in pod.stderr()


def test_tls_1_1_only_server_is_refused(tmp_path, pki):
    rx = Receiver(tls=pki["server"],
                  versions=(ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1))
    try:
        rx.server.socket.context.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (AttributeError, ssl.SSLError):
        pass
    rx.start()
    pod = run_against(tmp_path, rx, pki)
    try:
        assert wait_for(lambda: "tls: localhost:" in pod.stderr() or
                        "tls: localhost" in pod.stderr(), 10), pod.stderr()
        pod.stop()
    finally:
        rx.stop()
    assert rx.records == []
    assert "handshake" in pod.stderr() or "TLS version" in pod.stderr()


@pytest.mark.parametrize("cert", ["server", "server-rsa"])
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_server_certificates_and_versions_accepted(tmp_path, pki, cert,
                                                   version):
    rx = Receiver(tls=pki[cert]).start()
    pod = run_against(tmp_path, rx, pki, "tls.min_version = %s\n" % version)
    try:
        assert wait_for(lambda: len(rx.records) >= N, 15), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), N) == ([], 0)


def test_mtls_with_client_certificate(tmp_path, pki):
    rx = Receiver(tls=pki["server"], client_ca=pki["ca"][0]).start()
    pod = run_against(tmp_path, rx, pki,
                      "tls.cert_file = %s\ntls.key_file = %s\n"
                      % pki["client"])
    try:
        assert wait_for(lambda: len(rx.records) >= N, 15), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), N) == ([], 0)


def test_mtls_without_client_certificate_is_refused(tmp_path, pki):
    rx = Receiver(tls=pki["server"], client_ca=pki["ca"][0]).start()
    pod = run_against(tmp_path, rx, pki)
    try:
        assert wait_for(lambda: "tls: localhost" in pod.stderr(), 10), \
            pod.stderr()
        pod.stop()
    finally:
        rx.stop()
    assert rx.records == []


def test_rotated_ca_file_is_used_without_restart(tmp_path, pki):
    rx = Receiver(tls=pki["server"]).start()
    secret = tmp_path / "secret"
    secret.mkdir()
    ca = secret / "ca.crt"
    ca.write_bytes(open(pki["other-ca"][0], "rb").read())
    pod = run_against(tmp_path, rx, pki, ca=str(ca))
    try:
        assert wait_for(lambda: "not correctly signed" in pod.stderr(), 10)
        # The kubelet writes a new file and renames it into place.
        tmp = secret / ".ca.crt.new"
        tmp.write_bytes(open(pki["ca"][0], "rb").read())
        os.rename(tmp, ca)
        assert wait_for(lambda: len(rx.records) >= N, 15), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), N) == ([], 0)
    assert "certificate files changed" in pod.stderr()
