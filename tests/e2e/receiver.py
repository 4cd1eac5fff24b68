"""A log backend for tests and the demo: HTTPS (OpenSSL, through Python's
ssl module, so a TLS stack that is not sidelog's), gzip NDJSON,
Elasticsearch _bulk, Loki push, Splunk HEC or OTLP/HTTP JSON, with faults
injected on demand.

In a test:
    rx = Receiver(tls=certs).start()
    rx.faults = [Fault(status=503, retry_after=1), Fault(reset=True)]
    ... rx.records, rx.requests, rx.codes ...
    rx.stop()

With fmt="loki", "hec" or "otlp", each body is decoded by a strict
decoder written from the backend's documents (decode_loki, decode_hec,
otlp_decode); a body it refuses is answered 400 in the backend's own
shape and its error kept in rx.decode_errors, which a test expects empty.

Standalone (the demo): python3 receiver.py --port 8443 --cert c --key k
"""
import argparse
import gzip
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time
import zlib

import decode_hec
import decode_loki

FORMATS = ("ndjson", "bulk", "loki", "hec", "otlp")
TYPED = ("loki", "hec", "otlp")     # decoded by a strict decoder
JSON = [("Content-Type", "application/json")]
TEXT = [("Content-Type", "text/plain; charset=utf-8")]
# HEC codes for a fault's status (decode_hec.STATUS the other way round).
HEC_CODE = {400: 6, 401: 2, 403: 4, 500: 8, 503: 9}
# google.rpc.Code for an OTLP error reply's Status (OTLP/HTTP "Failures").
GRPC_CODE = {400: 3, 401: 16, 403: 7, 404: 5, 408: 4, 413: 8, 429: 8,
             500: 13, 502: 14, 503: 14, 504: 4}


class Fault:
    """What to do with one request instead of accepting it."""

    def __init__(self, status=None, retry_after=None, reset=False,
                 delay=0.0, garbage=None, body=b"", close=False):
        self.status = status
        self.retry_after = retry_after
        self.reset = reset
        self.delay = delay
        self.garbage = garbage
        self.body = body
        self.close = close


class Receiver:
    def __init__(self, tls=None, client_ca=None, bulk=False,
                 max_body=None, reject_mark=None, item_faults=None,
                 host="127.0.0.1", port=0, versions=None, bulk_pad=0,
                 filter_path=True, fmt="ndjson", partial_mark=None,
                 hec_busy=0, hec_token=None, loki_limits=None):
        self.fmt = "bulk" if bulk else fmt
        if self.fmt not in FORMATS:
            raise ValueError("fmt: %r is not one of %s" % (fmt, FORMATS))
        self.records = []          # every accepted document, parsed
        self.raw = []              # every accepted line, bytes (ndjson, bulk)
        self.bodies = []           # every accepted body, inflated (TYPED)
        self.decode_errors = []    # why each refused TYPED body was refused
        self.requests = 0
        self.codes = {}
        self.faults = []           # consumed one per request, in order
        self.bulk = self.fmt == "bulk"
        self.partial_mark = partial_mark  # otlp: partialSuccess rejects it
        self.hec_busy = hec_busy   # hec: answer this many requests 503
        self.hec_token = hec_token  # hec: "Authorization: Splunk <token>"
        self.loki_limits = loki_limits  # None: Loki's defaults; {}: none
        self.otlp = None
        if self.fmt == "otlp":
            # Another helper's module; imported only here, so the other
            # formats work without it.
            from otlp_decode import OtlpDecoder
            self.otlp = OtlpDecoder()
        self.max_body = max_body   # 413 when the decoded body is larger
        self.reject_mark = reject_mark  # 400 when a record holds it
        self.item_faults = item_faults or {}  # message substring -> status
        self.ids = set()
        self.conflicts = 0         # creates answered 409
        self.headers = []
        self.paths = []            # every request's target
        self.bulk_pad = bulk_pad   # bytes of noise in each _bulk item reply
        self.filter_path = filter_path  # honour ?filter_path= as ES does
        self.lock = threading.Lock()
        handler = self._handler()
        self.server = http.server.ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        # Clients killed mid-request (the kill -9 tests) are expected.
        self.server.handle_error = lambda request, address: None
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls[0], tls[1])
            if versions:
                ctx.minimum_version, ctx.maximum_version = versions
            if client_ca:
                ctx.load_verify_locations(client_ca)
                ctx.verify_mode = ssl.CERT_REQUIRED
            self.server.socket = ctx.wrap_socket(self.server.socket,
                                                 server_side=True,
                                                 do_handshake_on_connect=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def seqs(self):
        import re
        out = []
        for r in self.records:
            m = re.search(r"seq=(\d+)", r.get("message", ""))
            if m:
                out.append(int(m.group(1)))
        return out

    def _records(self, body, headers):
        """The records of one inflated TYPED body, each with "message";
        raises ValueError (decode_hec.HecError for hec) if refused."""
        ctype = (headers.get("Content-Type") or "").split(";")[0]
        if self.fmt in ("loki", "otlp") and \
                ctype.strip().lower() != "application/json":
            # Loki reads anything else as protobuf, OTLP/HTTP too.
            raise ValueError("Content-Type %r is not application/json"
                             % ctype)
        if self.fmt == "loki":
            return [dict(e, message=e["line"]) for e in
                    decode_loki.decode(body, self.loki_limits)]
        if self.fmt == "hec":
            return [dict(e, message=_hec_message(e["event"])) for e in
                    decode_hec.decode(body)]
        from otlp_decode import records
        return records(self.otlp.decode(body))

    def _refusal(self, status, msg, event=None):
        """(body, headers) of an error reply in this format's shape."""
        if self.fmt == "hec" and status in HEC_CODE:
            ev = event if status == 400 else None
            return decode_hec.reply(HEC_CODE[status], ev)[1], JSON
        if self.fmt == "otlp":
            st = {"code": GRPC_CODE.get(status, 2), "message": msg}
            return json.dumps(st).encode(), JSON
        return msg.encode(), TEXT

    def _next_fault(self):
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def _count(self, code):
        with self.lock:
            self.codes[code] = self.codes.get(code, 0) + 1

    def _handler(rx):
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The head and the body go out in two writes: without this,
            # Nagle holds the body for the client's delayed ACK (40 ms).
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=()):
                # Counted first, so that a client holding the reply sees it.
                rx._count(status)
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if status != 204:   # RFC 9110 8.6: never with a 204
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                with rx.lock:
                    rx.requests += 1
                    rx.headers.append(dict(self.headers))
                    rx.paths.append(self.path)
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                if len(body) < n:
                    # The client went away mid-body (a kill -9 between
                    # the head and the body): no request, as for an HTTP
                    # server; nothing to decode, no one to answer.
                    rx._count("aborted")
                    self.close_connection = True
                    return
                f = rx._next_fault()
                if f is not None and self._fault(f):
                    return
                if rx.fmt in TYPED:
                    self._typed(body)
                    return
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if rx.max_body is not None and len(body) > rx.max_body:
                    self._reply(413, b"too large")
                    return
                lines = body.splitlines()
                if rx.reject_mark and any(rx.reject_mark.encode() in l
                                          for l in lines):
                    self._reply(400, b'{"error":"bad record"}')
                    return
                if rx.bulk:
                    self._bulk(lines)
                    return
                docs = [json.loads(l) for l in lines]
                with rx.lock:
                    rx.records.extend(docs)
                    rx.raw.extend(lines)
                self._reply(200, b"{}")

            def _fault(self, f):
                if f.delay:
                    time.sleep(f.delay)
                if f.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER,
                        b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    self.connection.close()
                    self.close_connection = True
                    rx._count("reset")
                    return True
                if f.garbage is not None:
                    self.wfile.write(f.garbage)
                    self.wfile.flush()
                    self.close_connection = True
                    rx._count("garbage")
                    return True
                if f.status is not None:
                    hdrs = []
                    body = f.body
                    if not body and rx.fmt in TYPED and f.status >= 400:
                        body, hdrs = rx._refusal(
                            f.status, self.responses.get(
                                f.status, ("error",))[0])
                        hdrs = list(hdrs)
                    if f.retry_after is not None:
                        hdrs.append(("Retry-After", str(f.retry_after)))
                    if f.close:
                        hdrs.append(("Connection", "close"))
                        self.close_connection = True
                    self._reply(f.status, body, hdrs)
                    return True
                return False

            def _refuse(self, status, msg, event=None):
                self._reply(status, *rx._refusal(status, msg, event))

            def _decode_error(self, err):
                with rx.lock:
                    rx.decode_errors.append("%s: %s" % (rx.fmt, err))
                if isinstance(err, decode_hec.HecError):
                    self._reply(*err.reply(), JSON)
                else:
                    self._refuse(400, str(err), 0)

            def _hec_gate(self):
                """Splunk's token check, then hec_busy; True if it
                answered."""
                code = None
                if rx.hec_token is not None:
                    auth = self.headers.get("Authorization")
                    if auth is None:
                        code = 2
                    elif not auth.startswith("Splunk "):
                        code = 3
                    elif auth[len("Splunk "):] != rx.hec_token:
                        code = 4
                with rx.lock:
                    if code is None and rx.hec_busy > 0:
                        rx.hec_busy -= 1
                        code = 9
                if code is None:
                    return False
                self._reply(*decode_hec.reply(code), JSON)
                return True

            def _typed(self, body):
                if rx.fmt == "hec" and self._hec_gate():
                    return
                try:
                    body = _inflate(body,
                                    self.headers.get("Content-Encoding"))
                    if rx.max_body is not None and len(body) > rx.max_body:
                        self._refuse(413, "request body too large")
                        return
                    recs = rx._records(body, self.headers)
                except decode_hec.HecError as e:
                    if e.code == 5:   # the probe's empty POST (SPEC)
                        self._reply(*e.reply(), JSON)
                    else:
                        self._decode_error(e)
                    return
                except ValueError as e:
                    self._decode_error(e)
                    return
                mark = rx.reject_mark
                bad = [i for i, r in enumerate(recs)
                       if mark and mark in r["message"]]
                if bad:
                    self._refuse(400, "record %d refused" % bad[0], bad[0])
                    return
                mark = rx.partial_mark if rx.fmt == "otlp" else None
                kept = [r for r in recs if not (mark and mark in
                                                r["message"])]
                with rx.lock:
                    rx.records.extend(kept)
                    rx.bodies.append(body)
                self._accepted(len(recs) - len(kept))

            def _accepted(self, rejected):
                if rx.fmt == "loki":
                    self._reply(204)
                elif rx.fmt == "hec":
                    self._reply(*decode_hec.reply(0), JSON)
                elif rejected:
                    # OTLP "Partial Success"; int64 is a string in JSON.
                    ps = {"rejectedLogRecords": str(rejected),
                          "errorMessage": "%d log records hold the "
                          "partial mark" % rejected}
                    self._reply(200, json.dumps(
                        {"partialSuccess": ps}).encode(), JSON)
                else:
                    self._reply(200, b"{}", JSON)

            def _filtered(self, reply):
                """Elasticsearch's filter_path for the paths sidelog asks
                for (errors, items.*.status, items.*.error.type)."""
                from urllib.parse import parse_qs, urlsplit
                want = parse_qs(urlsplit(self.path).query)["filter_path"]
                want = want[0].split(",")
                out = {}
                if "errors" in want:
                    out["errors"] = reply["errors"]
                items = []
                for it in reply["items"]:
                    (kind, meta), = it.items()
                    m = {}
                    if "items.*.status" in want:
                        m["status"] = meta["status"]
                    if "items.*.error.type" in want and "error" in meta:
                        m["error"] = {"type": meta["error"]["type"]}
                    items.append({kind: m})
                out["items"] = items
                return out

            def _bulk(self, lines):
                items = []
                errors = False
                accepted = []
                for i in range(0, len(lines) - 1, 2):
                    action = json.loads(lines[i])
                    kind = next(iter(action))
                    meta = action[kind]
                    doc = json.loads(lines[i + 1])
                    status = 201
                    msg = doc.get("message", "")
                    for mark, st in rx.item_faults.items():
                        if mark in msg:
                            status = st
                    _id = meta.get("_id")
                    with rx.lock:
                        if status == 201 and kind == "create" and \
                                _id is not None and _id in rx.ids:
                            status = 409
                            rx.conflicts += 1
                        if status == 201:
                            if _id is not None:
                                rx.ids.add(_id)
                            accepted.append((doc, lines[i + 1]))
                    item = {"_index": meta.get("_index"), "_id": _id,
                            "status": status}
                    if rx.bulk_pad:
                        item["_shards"] = {"note": "x" * rx.bulk_pad}
                    if status >= 300:
                        errors = True
                        item["error"] = {"type": {
                            409: "version_conflict_engine_exception",
                            429: "es_rejected_execution_exception",
                            400: "mapper_parsing_exception"}.get(
                                status, "error"), "reason": "test"}
                    items.append({kind: item})
                with rx.lock:
                    for doc, raw in accepted:
                        rx.records.append(doc)
                        rx.raw.append(raw)
                reply = {"took": 1, "errors": errors, "items": items}
                if rx.filter_path and "filter_path=" in self.path:
                    reply = self._filtered(reply)
                body = json.dumps(reply).encode()
                self._reply(200, body,
                            [("Content-Type", "application/json")])

        return Handler


def _hec_message(event):
    """What rx.seqs() reads of a HEC event: the string itself, or an
    object's message, or the object as JSON."""
    if isinstance(event, str):
        return event
    if isinstance(event, dict) and isinstance(event.get("message"), str):
        return event["message"]
    return json.dumps(event)


def _inflate(body, encoding):
    """The body as the backend reads it: gzip (the only Content-Encoding
    Loki's documents name) or none."""
    if encoding in (None, "", "identity"):
        return body
    if encoding != "gzip":
        raise ValueError("unsupported Content-Encoding %r" % encoding)
    try:
        return gzip.decompress(body)
    except (OSError, EOFError, zlib.error) as e:
        raise ValueError("gzip: %s" % e) from None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8443)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--format", default="ndjson", choices=FORMATS)
    args = ap.parse_args()
    rx = Receiver(tls=(args.cert, args.key) if args.cert else None,
                  port=args.port, fmt=args.format).start()
    print("receiver: listening on %d" % rx.port, flush=True)
    try:
        end = time.time() + args.seconds if args.seconds else None
        while end is None or time.time() < end:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    print("receiver: %d requests, %d records" % (rx.requests,
                                                 len(rx.records)))


if __name__ == "__main__":
    main()
