"""Backpressure: a slow or absent consumer stalls reading, never memory.

1. sidelog's stdout is a pipe nobody reads for two seconds while 200k
   lines (~20 MB) wait in the file.
2. The backend answers 503 to everything for a while (an outage) while
   a writer appends ~50 MB; then it recovers.
3. The bearer token file is replaced (a Secret update) mid-stream.
Check that sidelog's resident memory stays within memory_limit plus a
fixed margin during the stall (on the static binary: ASan's shadow and
quarantine are not ours to bound), that every line arrives exactly once
after it, and that requests after the Secret update carry the new
token.
"""
import os
import subprocess
import time

from conftest import binary, sanitized
from receiver import Fault, Receiver
from sidelogtest import LIVE, Pod, proc_kib, Writer, count, line, wait_for


def test_blocked_stdout_stalls_reading_without_loss(tmp_path):
    pod = Pod(tmp_path, paths="app.log")
    n = 200_000
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(n):
            f.write(line(i))
    p = subprocess.Popen([binary(), "run", "-c", str(pod.conf)],
                         stdout=subprocess.PIPE,
                         stderr=open(pod.err, "wb"))
    LIVE.append(p)
    time.sleep(2.0)             # nobody reads: the pipe is full at once
    stalled = proc_kib(p.pid)
    out = p.stdout.read(10 * 2**20)
    while len(out.splitlines()) < n:
        chunk = p.stdout.read1(1 << 20)
        assert chunk, "stdout ended early"
        out += chunk
    p.terminate()
    assert p.wait(30) == 0
    seqs = [int(l[4:13]) for l in out.splitlines()]
    assert count(seqs, n) == ([], 0)
    # The file is 20 MB; the stdout buffer is bounded at a few MiB.
    print("RSS while stdout blocked: %d KiB" % stalled)
    assert sanitized() or stalled < 12 * 1024, "RSS %d KiB while stdout blocked" % stalled


def test_outage_keeps_memory_flat_and_loses_nothing(tmp_path, pki):
    rx = Receiver(tls=pki["server"]).start()
    rx.faults = [Fault(status=503) for _ in range(10**6)]
    pod = Pod(tmp_path, stdout=False, paths="app.log",
              extra_sidelog="memory_limit = 8m",
              output="url = https://localhost:%d/ingest\ntls.ca_file = %s\n"
                     "retry_initial = 50ms\nretry_max = 200ms\n"
                     "batch_max_bytes = 1m\n" % (rx.port, pki["ca"][0]))
    n = 500_000
    try:
        pod.start()
        w = Writer(pod.logs / "app.log", n).start()
        w.join()
        samples = []
        for _ in range(20):
            samples.append(proc_kib(pod.proc.pid))
            time.sleep(0.1)
        rx.faults = []          # the backend is back
        assert wait_for(lambda: len(rx.records) >= n, 120), \
            pod.stderr()[-2000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), n) == ([], 0)
    # 50 MB waited in the file; memory stayed near memory_limit (8 MiB).
    print("RSS during the outage: %d..%d KiB" % (min(samples), max(samples)))
    assert sanitized() or max(samples) < 20 * 1024, samples


def test_rotated_bearer_token_is_used_without_restart(tmp_path, pki):
    rx = Receiver(tls=pki["server"]).start()
    secret = tmp_path / "secret"
    secret.mkdir()
    token = secret / "token"
    token.write_text("first-token\n")
    pod = Pod(tmp_path, stdout=False, paths="app.log", output=(
        "url = https://localhost:%d/ingest\ntls.ca_file = %s\n"
        "auth.bearer_token_file = %s\nbatch_timeout = 100ms\n"
        % (rx.port, pki["ca"][0], token)))
    try:
        pod.start()
        with open(pod.logs / "app.log", "ab") as f:
            f.write(line(0))
        assert wait_for(lambda: len(rx.records) >= 1, 10)
        tmp = secret / ".token.new"
        tmp.write_text("second-token\n")
        os.rename(tmp, token)
        time.sleep(1.2)         # sidelog looks at the file once a second
        with open(pod.logs / "app.log", "ab") as f:
            f.write(line(1))
        assert wait_for(lambda: len(rx.records) >= 2, 10)
        assert pod.stop() == 0
    finally:
        rx.stop()
    auth = [h.get("Authorization") for h in rx.headers]
    assert auth[0] == "Bearer first-token"
    assert auth[-1] == "Bearer second-token"
