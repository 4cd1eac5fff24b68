#!/usr/bin/python3
"""make demo: sidelog's main job on this machine, no Kubernetes needed.

A pretend pod: an application writes two log files into an "emptyDir"
(rotating one of them by rename halfway), sidelog follows them with its
checkpoint on a "PVC", and ships gzip NDJSON over HTTPS to a local
receiver (Python's ssl, that is OpenSSL) with a certificate made for the
occasion.  At the end sidelog gets SIGTERM, and the demo shows what was
written, what arrived, and a few records as the backend saw them.
"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import pki  # noqa: E402
from receiver import Receiver  # noqa: E402

LINES = 200          # per file
RATE = 100           # lines per second per file


def application(logs, stop):
    """Writes numbered lines to two files; rotates app.log halfway."""
    counts = {}
    files = {name: open(logs / name, "a") for name in ("app.log",
                                                        "worker.log")}
    for i in range(LINES):
        for name, f in files.items():
            f.write("2026-11-24T12:00:%02d level=info file=%s seq=%d "
                    "msg=\"request handled\"\n" % (i % 60, name, i))
            f.flush()
            counts[name] = counts.get(name, 0) + 1
        if i == LINES // 2:
            files["app.log"].close()
            os.rename(logs / "app.log", logs / "app.log.1")
            files["app.log"] = open(logs / "app.log", "a")
        time.sleep(1.0 / RATE)
    for f in files.values():
        f.close()
    stop.set()
    return counts


def main():
    binary = str(ROOT / "build" / "sidelog")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sidelog-demo-"))
    logs, pvc = tmp / "emptydir", tmp / "pvc"
    logs.mkdir()
    print("demo: pod laid out in %s" % tmp)
    certs = pki.make(tmp / "pki")
    rx = Receiver(tls=certs["server"]).start()
    print("demo: HTTPS receiver on https://localhost:%d" % rx.port)
    conf = tmp / "sidelog.ini"
    conf.write_text(
        "[sidelog]\ncheckpoint_dir = %s\ncheckpoint_interval = 500ms\n\n"
        "[input.app]\npaths = %s/*.log\n\n"
        "[metadata]\nkubernetes.pod.name = demo-7d9f\n"
        "kubernetes.namespace = demo\nkubernetes.container.name = app\n\n"
        "[output]\nurl = https://localhost:%d/ingest\ntls.ca_file = %s\n"
        "batch_timeout = 500ms\n"
        % (pvc, logs, rx.port, certs["ca"][0]))
    print("demo: sidelog check says:")
    subprocess.run([binary, "check", "-c", str(conf)], check=True,
                   stdout=subprocess.DEVNULL)
    print("  %s is valid" % conf)
    proc = subprocess.Popen([binary, "run", "-c", str(conf)],
                            stderr=open(tmp / "sidelog.err", "w"))
    stop = threading.Event()
    result = {}
    t = threading.Thread(target=lambda: result.update(
        application(logs, stop)))
    print("demo: the application writes %d lines to each of app.log and "
          "worker.log, rotating app.log halfway" % LINES)
    t.start()
    t.join()
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)
    rx.stop()
    written = sum(result.values())
    print("demo: sidelog exited with status %d" % rc)
    print("demo: lines written %d, records received %d in %d requests"
          % (written, len(rx.records), rx.requests))
    print("demo: a few records as the backend received them:")
    for r in rx.records[:2] + rx.records[-1:]:
        print("  " + json.dumps(r))
    print("demo: sidelog status:")
    subprocess.run([binary, "status", "-c", str(conf)])
    print("demo: sidelog's own log is in %s" % (tmp / "sidelog.err"))
    ok = rc == 0 and len(rx.records) == written
    print("demo: %s" % ("every line arrived exactly once" if ok else
                        "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
