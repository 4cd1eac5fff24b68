"""Memory stays within the ceiling `sidelog check` states, whatever the
lines and the backlog.

1. An input with max_line_bytes = 2m, memory_limit = 16m, batches of
   4m, [stdout] as JSON too (its buffer is sized by max_line_bytes).
2. The backend answers 503 while the application writes 40 lines of
   0.5 to 2 MB of random (incompressible) text, about 50 MB; then it
   recovers.
Check that every line arrives exactly once, and that the peak resident
memory (VmHWM) stays within the ceiling `sidelog check` printed for the
same configuration (on the static binary: ASan's shadow memory is not
ours to bound).
"""
import base64
import os
import random
import re
import subprocess

import pytest

from conftest import binary, sanitized
from receiver import Fault, Receiver
from sidelogtest import Pod, count, proc_kib, wait_for


def test_peak_memory_stays_within_the_stated_ceiling(tmp_path, pki):
    if sanitized():
        pytest.skip("ASan's memory is not sidelog's")
    rx = Receiver(tls=pki["server"]).start()
    rx.faults = [Fault(status=503) for _ in range(10**6)]
    pod = Pod(tmp_path, paths="app.log", stdout_format="json",
              extra_sidelog="memory_limit = 16m\n",
              extra_input="max_line_bytes = 2m\n",
              output="url = https://localhost:%d/ingest\n"
                     "tls.ca_file = %s\n"
                     "retry_initial = 50ms\nretry_max = 200ms\n"
                     "batch_max_bytes = 4m\n" % (rx.port, pki["ca"][0]))
    p = subprocess.run([binary(), "check", "-c", str(pod.conf)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    ceiling = int(re.search(r"memory: at most (\d+) KiB", p.stdout)[1])
    rnd = random.Random(7)
    n = 40
    try:
        pod.start()
        with open(pod.logs / "app.log", "wb") as f:
            for i in range(n):
                size = rnd.randrange(500_000, 2_000_000)
                body = base64.b64encode(os.urandom(size * 3 // 4))
                f.write(b"seq=%09d " % i + body[:size - 15] + b"\n")
        wait_for(lambda: False, 3)      # the outage goes on a while
        rx.faults = []
        assert wait_for(lambda: len(rx.records) >= n, 120), \
            pod.stderr()[-2000:]
        peak = proc_kib(pod.proc.pid, "VmHWM")
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), n) == ([], 0)
    print("peak RSS %d KiB, ceiling %d KiB" % (peak, ceiling))
    assert peak <= ceiling


def test_long_error_replies_are_not_kept_whole(tmp_path, pki):
    """A backend (or a proxy in front of it) answers 503 with a 6 MB
    error page, on 8 connections at once.  Up to 8 MiB of every reply
    used to be kept, per connection: 48 MB for the pages alone, over a
    memory_limit of 8m.  Only a _bulk reply is read whole; of others an
    excerpt is logged, and 64 KiB are kept.

    Check that the peak resident memory stays within the ceiling `sidelog
    check` printed, and that every line arrives once the backend
    recovers."""
    if sanitized():
        pytest.skip("ASan's memory is not sidelog's")
    rx = Receiver(tls=pki["server"]).start()
    page = b"<html>" + b"x" * 6_000_000 + b"</html>"
    rx.faults = [Fault(status=503, body=page) for _ in range(40)]
    pod = Pod(tmp_path, stdout=False, paths="app.log",
              extra_sidelog="memory_limit = 8m\n",
              output="url = https://localhost:%d/ingest\n"
                     "tls.ca_file = %s\n"
                     "max_in_flight = 8\n"
                     "batch_max_records = 100\n"
                     "retry_initial = 10ms\nretry_max = 50ms\n"
                     % (rx.port, pki["ca"][0]))
    p = subprocess.run([binary(), "check", "-c", str(pod.conf)],
                       capture_output=True, text=True)
    ceiling = int(re.search(r"memory: at most (\d+) KiB", p.stdout)[1])
    n = 5000
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(n):
            f.write(b"seq=%09d %s\n" % (i, b"y" * 100))
    try:
        pod.start()
        assert wait_for(lambda: len(rx.records) >= n, 120), \
            pod.stderr()[-2000:]
        peak = proc_kib(pod.proc.pid, "VmHWM")
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), n) == ([], 0)
    assert rx.faults == []
    print("peak RSS %d KiB, ceiling %d KiB" % (peak, ceiling))
    assert peak <= ceiling
