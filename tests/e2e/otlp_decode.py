"""An independent decoder of OTLP/HTTP JSON log requests, for the tests.

tests/e2e/otlp/decode.mjs does the work (protobufjs and the official
opentelemetry-proto files, npm packages pinned in its package.json and
installed under build/otlp-decode/); this module starts it once and
talks to it over pipes: 4-byte big-endian length and body in, one JSON
line out. Give it the body after any Content-Encoding: gzip is undone.

    dec = OtlpDecoder()
    req = dec.decode(body)   # normalized request, or ValueError(why)
    for r in records(req): ...
"""
import json
import os
import select
import struct
import subprocess
import tempfile
import threading

from sidelogtest import ROOT, npm_tool

SRC = ROOT / "tests" / "e2e" / "otlp"
DEST = ROOT / "build" / "otlp-decode"


def install():
    """decode.mjs and its npm packages under build/."""
    npm_tool(SRC, DEST, "decode.mjs")


class OtlpDecoder:
    """One long-lived `node decode.mjs`; decode() may be called from
    several threads (a lock keeps each request and its answer paired)."""

    def __init__(self, timeout=30):
        install()
        self.timeout = timeout
        self.lock = threading.Lock()
        self.err = tempfile.TemporaryFile()     # a pipe could fill and block
        self.proc = subprocess.Popen(["node", str(DEST / "decode.mjs")],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self.err, cwd=DEST)
        self.pending = b""

    def decode(self, body):
        """The normalized request (see decode.mjs), or ValueError."""
        with self.lock:
            self.proc.stdin.write(struct.pack(">I", len(body)) + body)
            self.proc.stdin.flush()
            answer = json.loads(self._line())
        if not answer["ok"]:
            raise ValueError(answer["error"])
        return answer["request"]

    def _line(self):
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.pending:
            if not select.select([fd], [], [], self.timeout)[0]:
                raise RuntimeError("decode.mjs: no answer in %ss"
                                   % self.timeout)
            chunk = os.read(fd, 65536)
            if not chunk:
                self.err.seek(0)
                raise RuntimeError("decode.mjs exited: %s"
                                   % self.err.read().decode(errors="replace"))
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.err.close()


def records(req):
    """One dict per log record, with its resource and scope beside it."""
    out = []
    for rl in req["resourceLogs"]:
        for sl in rl["scopeLogs"]:
            for r in sl["logRecords"]:
                out.append({
                    "message": r["body"],
                    "time_ns": int(r["timeUnixNano"]),
                    "observed_ns": int(r["observedTimeUnixNano"]),
                    "severity_number": r["severityNumber"],
                    "severity_text": r["severityText"],
                    "attrs": r["attributes"],
                    "resource": rl["resource"],
                    "scope": {"name": sl["scope"]["name"],
                              "version": sl["scope"]["version"]},
                    "flags": r["flags"],
                    "trace_id": r["traceId"],
                    "span_id": r["spanId"],
                })
    return out
