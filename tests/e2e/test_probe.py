"""`sidelog probe`: the configured output tried once, each step named.

1. A backend over HTTPS (Python's ssl, so OpenSSL, not sidelog's TLS)
   that keeps each request and answers with a set status and body; the
   config names its CA and a bearer token from a file (a Secret).
2. Success for each format: the request is the format's no-op (ndjson
   an empty POST, elasticsearch GET /, loki {"streams":[]}, otlp an
   empty ExportLogsServiceRequest, splunk_hec an empty POST answered
   400 "No data", HEC code 5).
3. Failures: a certificate from another CA, for another name, expired;
   a server that requires a client certificate; 401; 404; a closed
   port; a backend that accepts TCP and never answers (timeout = 1s).
4. Through tinyproxy (CONNECT), and through one that wants credentials
   and has none (407); through squid as an https:// proxy, with its
   password right, then wrong (407).
5. No [output] section; a config error.
Check the exit status (0 accepted, 1 not, 2 config), the failing step's
name and the reason's words, that the request reached the backend with
the configured Authorization, and that the token never appears in
stdout or stderr.
"""
import http.server
import json
import socket
import ssl
import threading

import pytest

from sidelogtest import Squid, Tinyproxy, free_port

TOKEN = "probe-s3cret-t0ken-4711"


class Backend:
    """Answers every request with status and body; keeps (method, path,
    headers, body) of each."""

    def __init__(self, cert=None, client_ca=None, status=200,
                 body=b'{"ok":true}'):
        self.seen = []
        rx = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                rx.seen.append((self.command, self.path,
                                dict(self.headers), self.rfile.read(n)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*cert)
            if client_ca:
                ctx.load_verify_locations(client_ca)
                ctx.verify_mode = ssl.CERT_REQUIRED
            self.server.socket = ctx.wrap_socket(self.server.socket,
                                                 server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def backend(pki):
    made = []

    def make(cert="server", **kw):
        b = Backend(pki[cert] if cert else None, **kw)
        made.append(b)
        return b
    yield make
    for b in made:
        b.stop()


def config(tmp_path, pki, url, extra="", proxy="none"):
    (tmp_path / "logs").mkdir(exist_ok=True)
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    conf = tmp_path / "sidelog.ini"
    conf.write_text(
        "[sidelog]\ncheckpoint_dir = %s\n\n"
        "[input.app]\npaths = %s/*.log\n\n"
        "[output]\nurl = %s\ntls.ca_file = %s\ntimeout = 1s\n"
        "auth.bearer_token_file = %s\nproxy = %s\n%s"
        % (tmp_path / "pvc", tmp_path / "logs", url, pki["ca"][0], token,
           proxy, extra))
    return conf


def probe(sidelog, conf, env=None):
    rc, out, err = sidelog("probe", "-c", str(conf), env=env, timeout=20)
    assert TOKEN not in out and TOKEN not in err
    return rc, out, err


def step(out, name):
    """The line of step name."""
    lines = [l for l in out.splitlines() if l.split(" ", 1)[0] == name]
    assert len(lines) == 1, out
    return lines[0]


def accepted(rc, out, err):
    assert rc == 0, out + err
    assert out.endswith("probe: records would be accepted\n"), out
    assert "FAILED" not in out


def failed_at(rc, out, err, name, *words):
    assert rc == 1, out + err
    summary = out.splitlines()[-1]
    assert summary.startswith("probe: FAILED at %s: " % name), out
    line = step(out, name)
    for w in words:
        assert w in summary and w in line, (w, out)


def https(b, path="/ingest"):
    return "https://localhost:%d%s" % (b.port, path)


def test_ndjson_over_https_is_accepted(tmp_path, pki, sidelog, backend):
    b = backend()
    rc, out, err = probe(sidelog, config(tmp_path, pki, https(b)))
    accepted(rc, out, err)
    for name in ("proxy", "resolve", "connect", "tls", "request"):
        step(out, name)
    assert "localhost -> 127.0.0.1" in step(out, "resolve")
    assert "127.0.0.1:%d" % b.port in step(out, "connect")
    assert "CN=server" in step(out, "tls") and \
        "issued by CN=ca" in step(out, "tls")
    assert "POST /ingest (empty body) -> 200" in step(out, "request")
    method, path, headers, body = b.seen[0]
    assert (method, path, body) == ("POST", "/ingest", b"")
    assert headers["Authorization"] == "Bearer " + TOKEN
    assert headers["Content-Type"] == "application/x-ndjson"
    assert "Content-Encoding" not in headers
    assert len(b.seen) == 1


FORMATS = {
    # format: (url path, expected method, path, body, content type)
    "elasticsearch": ("/_bulk", "GET", "/", b"", None),
    "loki": ("/loki/api/v1/push", "POST", "/loki/api/v1/push",
             b'{"streams":[]}', "application/json"),
    "otlp": ("/v1/logs", "POST", "/v1/logs", b'{"resourceLogs":[]}',
             "application/json"),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_format_sends_its_no_op(tmp_path, pki, sidelog, backend, fmt):
    upath, method, path, body, ctype = FORMATS[fmt]
    b = backend()
    rc, out, err = probe(sidelog, config(tmp_path, pki, https(b, upath),
                                         "format = %s\n" % fmt))
    accepted(rc, out, err)
    seen = b.seen[0]
    assert seen[:2] == (method, path) and seen[3] == body
    assert seen[2].get("Content-Type") == ctype
    assert seen[2]["Authorization"] == "Bearer " + TOKEN
    if fmt == "otlp":
        assert json.loads(body) == {"resourceLogs": []}


def test_splunk_hec_no_data_reply_is_accepted(tmp_path, pki, sidelog,
                                              backend):
    b = backend(status=400, body=b'{"text":"No data","code":5}')
    rc, out, err = probe(sidelog, config(
        tmp_path, pki, https(b, "/services/collector/event"),
        "format = splunk_hec\nauth.scheme = Splunk\n"))
    accepted(rc, out, err)
    assert "-> 400" in step(out, "request")
    method, path, headers, body = b.seen[0]
    assert (method, path, body) == ("POST", "/services/collector/event",
                                    b"")
    assert headers["Authorization"] == "Splunk " + TOKEN


def test_splunk_hec_invalid_token_fails(tmp_path, pki, sidelog, backend):
    b = backend(status=403, body=b'{"text":"Invalid token","code":4}')
    rc, out, err = probe(sidelog, config(
        tmp_path, pki, https(b, "/services/collector/event"),
        "format = splunk_hec\nauth.scheme = Splunk\n"))
    failed_at(rc, out, err, "request", "403 from the backend",
              "auth.bearer_token_file", "Invalid token")


TLS_REFUSALS = {
    "stranger": ("unknown CA", "not signed by a CA in", "CN=other-ca"),
    "wrong-host": ("name mismatch", "localhost was expected",
                   "logs.other.example"),
    "expired": ("expired certificate", "expired on 2021-01-01"),
}


@pytest.mark.parametrize("cert", sorted(TLS_REFUSALS))
def test_bad_server_certificate_fails_at_tls(tmp_path, pki, sidelog,
                                             backend, cert):
    b = backend(cert)
    rc, out, err = probe(sidelog, config(tmp_path, pki, https(b)))
    failed_at(rc, out, err, "tls", *TLS_REFUSALS[cert])
    assert "request" not in out
    assert b.seen == []


def test_unknown_ca_names_the_ca_file(tmp_path, pki, sidelog, backend):
    b = backend("stranger")
    rc, out, err = probe(sidelog, config(tmp_path, pki, https(b)))
    failed_at(rc, out, err, "tls", "not signed by a CA in %s" % pki["ca"][0])


def test_unusable_ca_file_fails_at_tls_before_connecting(tmp_path, pki,
                                                        sidelog):
    bad = tmp_path / "bad-ca.crt"
    bad.write_text("not a certificate\n")
    conf = config(tmp_path, pki, "https://localhost:1/ingest")
    conf.write_text(conf.read_text().replace(pki["ca"][0], str(bad)))
    rc, out, err = probe(sidelog, conf)
    failed_at(rc, out, err, "tls", "the TLS files cannot be used")
    assert "resolve" not in out
    assert str(bad) in err


def test_mtls_without_client_certificate_fails(tmp_path, pki, sidelog,
                                               backend):
    b = backend(client_ca=pki["ca"][0])
    rc, out, err = probe(sidelog, config(tmp_path, pki, https(b)))
    # TLS 1.3 says so after the handshake, on the first read: the step
    # is the request's then, the tls one with TLS 1.2.
    assert rc == 1, out + err
    assert "mTLS: the server requires a client certificate and none is " \
        "configured" in out.splitlines()[-1], out
    assert b.seen == []


def test_mtls_with_client_certificate_is_accepted(tmp_path, pki, sidelog,
                                                  backend):
    b = backend(client_ca=pki["ca"][0])
    rc, out, err = probe(sidelog, config(
        tmp_path, pki, https(b),
        "tls.cert_file = %s\ntls.key_file = %s\n" % pki["client"]))
    accepted(rc, out, err)


def test_401_names_the_credentials(tmp_path, pki, sidelog, backend):
    b = backend(status=401, body=b'{"error":"unauthorized"}')
    rc, out, err = probe(sidelog, config(tmp_path, pki, https(b)))
    failed_at(rc, out, err, "request", "401 from the backend",
              "credentials (auth.bearer_token_file) were refused")


def test_404_says_check_the_url(tmp_path, pki, sidelog, backend):
    b = backend(status=404, body=b"no such route")
    rc, out, err = probe(sidelog, config(tmp_path, pki, https(b, "/nope")))
    failed_at(rc, out, err, "request", "404 from the backend", "check url",
              "no such route")
    assert "POST /nope" in step(out, "request")


def test_refused_port_names_the_address(tmp_path, pki, sidelog):
    port = free_port()
    rc, out, err = probe(sidelog, config(
        tmp_path, pki, "https://127.0.0.1:%d/ingest" % port))
    failed_at(rc, out, err, "connect",
              "connection refused at 127.0.0.1:%d" % port)
    assert "tls" not in out.split("connect", 1)[1]


def test_unknown_host_fails_at_resolve(tmp_path, pki, sidelog):
    # .invalid never resolves (RFC 6761); a resolver that cannot be
    # reached runs into the timeout instead: the step is the same.
    rc, out, err = probe(sidelog, config(
        tmp_path, pki, "https://no-such-host.invalid/ingest"))
    failed_at(rc, out, err, "resolve", "no-such-host.invalid")
    assert "connect" not in out


def test_backend_that_never_answers_times_out(tmp_path, pki, sidelog):
    # The kernel completes the TCP handshake into the backlog; nothing
    # ever reads or answers.
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen(8)
    try:
        rc, out, err = probe(sidelog, config(
            tmp_path, pki, "http://127.0.0.1:%d/ingest"
            % mute.getsockname()[1]))
    finally:
        mute.close()
    step(out, "connect")
    failed_at(rc, out, err, "request", "no answer after 1 s")


def test_through_tinyproxy_is_accepted(tmp_path, pki, sidelog, backend):
    px = Tinyproxy(tmp_path / "px")
    b = backend()
    try:
        rc, out, err = probe(sidelog, config(
            tmp_path, pki, https(b), proxy="http://127.0.0.1:%d" % px.port))
        log = px.log()
    finally:
        px.stop()
    accepted(rc, out, err)
    assert "[output] proxy: http://127.0.0.1:%d" % px.port in \
        step(out, "proxy")
    assert "127.0.0.1:%d" % px.port in step(out, "connect")
    assert "CONNECT localhost:%d -> " % b.port in step(out, "tunnel")
    assert "CONNECT localhost:%d" % b.port in log
    assert b.seen[0][2]["Authorization"] == "Bearer " + TOKEN


def test_proxy_without_credentials_fails_at_tunnel_with_407(
        tmp_path, pki, sidelog, backend):
    """tinyproxy with BasicAuth answers a CONNECT without credentials
    407; the proxy comes from the environment, as curl reads it."""
    px = Tinyproxy(tmp_path / "px", auth=("sl", "pw123"))
    b = backend()
    env = {"https_proxy": "http://127.0.0.1:%d" % px.port,
           "HTTPS_PROXY": None, "no_proxy": None, "NO_PROXY": None}
    try:
        rc, out, err = probe(sidelog, config(tmp_path, pki, https(b),
                                             proxy=""), env=env)
    finally:
        px.stop()
    assert "https_proxy" in step(out, "proxy")
    step(out, "connect")
    failed_at(rc, out, err, "tunnel", "407 from the proxy",
              "proxy credentials refused or missing")
    assert b.seen == []


@pytest.mark.parametrize("password", ["right-pass", "wrong-pass"])
def test_through_an_https_proxy_with_credentials(tmp_path, pki, sidelog,
                                                 backend, password):
    """squid's https_port: TLS to the proxy, verified against tls.ca_file,
    CONNECT with Proxy-Authorization from proxy.password_file, then the
    backend's TLS inside; a wrong password is squid's 407."""
    px = Squid(tmp_path / "px", auth=("sl", "right-pass"),
               tls=pki["server"])
    b = backend()
    pw = tmp_path / "proxy-password"
    pw.write_text(password + "\n")
    try:
        rc, out, err = probe(sidelog, config(
            tmp_path, pki, https(b), "proxy.user = sl\n"
            "proxy.password_file = %s\n" % pw,
            proxy="https://127.0.0.1:%d" % px.tls_port))
    finally:
        px.stop()
    assert password not in out and password not in err
    assert "CN=server" in step(out, "proxy-tls")
    if password == "right-pass":
        accepted(rc, out, err)
        assert "CONNECT localhost:%d -> " % b.port in step(out, "tunnel")
        assert b.seen[0][2]["Authorization"] == "Bearer " + TOKEN
        assert "Proxy-Authorization" not in b.seen[0][2]
    else:
        failed_at(rc, out, err, "tunnel", "407 from the proxy")
        assert b.seen == []


def test_no_output_section_says_so(tmp_path, sidelog):
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "sidelog.ini"
    conf.write_text("[sidelog]\ncheckpoint_dir = %s\n\n[input.app]\n"
                    "paths = %s/*.log\n\n[stdout]\nenabled = true\n"
                    % (tmp_path / "pvc", tmp_path / "logs"))
    rc, out, err = sidelog("probe", "-c", str(conf))
    assert rc == 1
    assert out == "probe: %s has no [output] section: nothing to probe\n" \
        % conf


def test_config_error_exits_2(tmp_path, pki, sidelog):
    conf = config(tmp_path, pki, "https://localhost:1/x", "no_such_key = 1\n")
    rc, out, err = sidelog("probe", "-c", str(conf))
    assert rc == 2 and out == ""
    assert "no_such_key" in err
