"""The real proxies that the proxy tests put between sidelog and the
receiver (sidelogtest.Tinyproxy and Squid, from Debian's packages),
proved here with curl rather than sidelog: through each of them, with
and without basic auth, and through squid as an https:// proxy itself,
an https POST goes through a CONNECT tunnel and an http one as an
absolute-form request; the receiver gets the body and the proxy's log
shows the request; bad credentials are refused before anything reaches
the receiver; and a proxy stopped and started again comes back on the
same port.
"""
import json
import subprocess
import uuid

import pytest

from receiver import Receiver
from sidelogtest import Squid, Tinyproxy, wait_for

# Tinyproxy's config takes no other characters; squid's htpasswd takes
# any, so its password has a colon and what a URL must percent-encode
# (the user name none, since squid's log would show it as it is).
AUTH = {"tinyproxy": ("shipper", "pr0xy-s3cret.1"),
        "squid": ("shipper", "pr0xy:s3cret/@% x")}
KINDS = ("tinyproxy", "tinyproxy-auth", "squid", "squid-auth",
         "squid-https", "squid-https-auth")


@pytest.fixture(scope="module")
def receivers(pki):
    """(https receiver, http receiver), both on 127.0.0.1."""
    rxs = Receiver(tls=pki["server"]).start()
    rxp = Receiver().start()
    yield rxs, rxp
    rxs.stop()
    rxp.stop()


@pytest.fixture(scope="module", params=KINDS)
def proxy(request, tmp_path_factory, pki):
    kind = request.param
    d = tmp_path_factory.mktemp(kind)
    auth = AUTH[kind.split("-")[0]] if kind.endswith("-auth") else None
    if kind.startswith("tinyproxy"):
        p = Tinyproxy(d, auth=auth)
    else:
        p = Squid(d, auth=auth,
                  tls=pki["server"] if "https" in kind else None)
    p.kind = kind
    p.tls = "https" in kind
    yield p
    p.stop(kill=True)


def curl(proxy, url, body, ca, auth=True):
    """POSTs body to url through proxy; (curl's exit status, the final
    status, the proxy's status to the CONNECT or 0)."""
    cmd = ["curl", "-sS", "-o", "/dev/null", "--max-time", "10",
           "-w", "%{http_code} %{http_connect}",
           # An explicit proxy, and no NO_PROXY from the environment.
           "--proxy", proxy.url(auth=auth, tls=proxy.tls), "--noproxy", "",
           "-H", "Content-Type: application/x-ndjson",
           "--data-binary", body, url]
    if proxy.tls:
        cmd[1:1] = ["--proxy-cacert", ca]
    if url.startswith("https:"):
        cmd[1:1] = ["--cacert", ca]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    code, connect = (int(x) for x in p.stdout.split())
    return p.returncode, code, connect


def message():
    return "via-proxy-" + uuid.uuid4().hex


def body(msg):
    return json.dumps({"message": msg}) + "\n"


def got(rx, msg):
    return any(r.get("message") == msg for r in rx.records)


def test_https_goes_through_connect(proxy, receivers, pki):
    rxs, _ = receivers
    msg = message()
    n = rxs.requests
    rc, code, connect = curl(proxy, "https://localhost:%d/ingest" % rxs.port,
                             body(msg), pki["ca"][0])
    assert (rc, code, connect) == (0, 200, 200), proxy.log()
    assert got(rxs, msg)
    # A tunnel: the receiver saw the request as curl sent it, with no
    # trace of the proxy and no proxy credentials.
    h = rxs.headers[n]
    assert "Via" not in h and "Proxy-Authorization" not in h, h
    target = "CONNECT localhost:%d" % rxs.port
    # squid logs a tunnel once it is closed.
    assert wait_for(lambda: target in proxy.log(), 5), proxy.log()
    if proxy.kind.startswith("squid"):
        assert "TCP_TUNNEL/200" in [l for l in proxy.log().splitlines()
                                    if target in l][-1].split()[3]


def test_http_goes_absolute_form(proxy, receivers, pki):
    _, rxp = receivers
    msg = message()
    n = rxp.requests
    url = "http://localhost:%d/ingest" % rxp.port
    rc, code, connect = curl(proxy, url, body(msg), pki["ca"][0])
    assert (rc, code, connect) == (0, 200, 0), proxy.log()
    assert got(rxp, msg)
    # The proxy made the request: origin-form to the receiver, its Via
    # added, the proxy credentials kept to itself.
    assert rxp.paths[n] == "/ingest"
    h = rxp.headers[n]
    assert "Via" in h and "Proxy-Authorization" not in h, h
    assert wait_for(lambda: "POST " + url in proxy.log(), 5), proxy.log()
    if proxy.kind.startswith("squid"):
        assert [l for l in proxy.log().splitlines()
                if "POST " + url in l][-1].split()[3] == "TCP_MISS/200"


def test_bad_credentials_are_refused(proxy, receivers, pki):
    if proxy.auth is None:
        pytest.skip("this proxy asks for no credentials")
    rxs, rxp = receivers
    before = rxs.requests + rxp.requests
    wrong = (proxy.auth[0], "not-" + proxy.auth[1])
    ca = pki["ca"][0]
    https = "https://localhost:%d/ingest" % rxs.port
    http = "http://localhost:%d/ingest" % rxp.port
    # Tinyproxy 1.11.1 answers wrong credentials 401 rather than 407
    # (tinyproxy issue #532): a client must take a 401 from its proxy as
    # the proxy's refusal too.
    bad = 401 if proxy.kind.startswith("tinyproxy") else 407
    # CONNECT refused: curl fails (56) with the proxy's status.
    assert curl(proxy, https, body(message()), ca, wrong)[1:] == (0, bad)
    assert curl(proxy, https, body(message()), ca, False)[1:] == (0, 407)
    # Absolute-form refused: the status only, since tinyproxy answers
    # and closes without reading the body, so curl may see a reset (56)
    # after the status.
    assert curl(proxy, http, body(message()), ca, wrong)[1:] == (bad, 0)
    assert curl(proxy, http, body(message()), ca, False)[1:] == (407, 0)
    assert rxs.requests + rxp.requests == before
    if proxy.kind.startswith("squid"):
        assert wait_for(lambda: proxy.log().count("TCP_DENIED/407") >= 4,
                        5), proxy.log()


def test_stop_and_start_on_the_same_port(proxy, receivers, pki):
    rxs, _ = receivers
    url = "https://localhost:%d/ingest" % rxs.port
    ca = pki["ca"][0]
    for kill in (False, True):
        proxy.stop(kill=kill)
        rc, code, _ = curl(proxy, url, body(message()), ca)
        assert rc == 7 and code == 0    # connection refused
        proxy.start()
        msg = message()
        assert curl(proxy, url, body(msg), ca) == (0, 200, 200), proxy.log()
        assert got(rxs, msg)
