"""The arm64 binary ships over HTTPS through rotation, kill -9 and a
drain (make check-arm64 runs it under qemu-aarch64-static).

1. A writer appends 20,000 numbered lines to app.log, rotating it by
   rename every 5,000; sidelog ships them as gzip NDJSON over HTTPS to
   the test receiver (TLS with the test CA), and gets SIGTERM once all
   arrived.
2. The same, but sidelog is killed with SIGKILL 3 times mid-stream,
   restarted on the same checkpoint each time, and drained with SIGTERM
   once the writer is done.
Check that the process shipping is the emulated aarch64 binary; that in
1 every line arrives exactly once and sidelog exits 0; that in 2 no line
is lost, the lines sent again stay within what a checkpoint interval
and the batches in flight hold per kill, and the drain exits 0.  The
figures are printed.
"""
import os
import random
import time

from receiver import Receiver
from sidelogtest import Pod, Writer, count, wait_for

N = 20_000
EVERY = 5_000           # lines between rotations
BATCH = 500             # batch_max_records
KILLS = 3
EM_AARCH64 = 183        # ELF e_machine


def assert_aarch64(proc):
    """The process is qemu-aarch64 (the wrapper exec'd it), or, on an
    arm64 host, an aarch64 ELF itself."""
    exe = os.readlink("/proc/%d/exe" % proc.pid)
    if os.path.basename(exe).startswith("qemu-aarch64"):
        with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
            guest = f.read().split(b"\0")[1].decode()
    else:
        guest = exe
    with open(guest, "rb") as f:
        head = f.read(20)
    assert head[:4] == b"\x7fELF" and \
        int.from_bytes(head[18:20], "little") == EM_AARCH64, (exe, guest)
    return exe


def https_pod(tmp_path, pki, rx):
    return Pod(tmp_path, stdout=False, paths="app.log", output=(
        "url = https://localhost:%d/ingest\n"
        "tls.ca_file = %s\n"
        "batch_max_records = %d\n"
        "batch_timeout = 100ms\n"
        "retry_initial = 100ms\n"
        "retry_max = 500ms\n" % (rx.port, pki["ca"][0], BATCH)))


def test_20k_lines_over_https_through_rotation_arrive_once(tmp_path, pki):
    rx = Receiver(tls=pki["server"]).start()
    pod = https_pod(tmp_path, pki, rx)
    t0 = time.monotonic()
    try:
        exe = assert_aarch64(pod.start())
        w = Writer(pod.logs / "app.log", N, every=EVERY, pause_every=1000,
                   pause=0.05).start()
        w.join()
        assert wait_for(lambda: len(set(rx.seqs())) >= N, 120), \
            pod.stderr()[-3000:]
        took = time.monotonic() - t0
        assert pod.stop() == 0
    finally:
        rx.stop()
    lost, dup = count(rx.seqs(), N)
    print("\n%s: %d lines over HTTPS, %d rotations, in %.1fs (writer "
          "%.0f lines/s), %d requests: %d lost, %d duplicated" % (
              exe, N, w.rotations, took, w.rate, rx.requests, len(lost),
              dup))
    assert (lost, dup) == ([], 0)
    pod.assert_clean_stderr()


def test_kill9_mid_stream_and_restart_lose_nothing(tmp_path, pki):
    rnd = random.Random(64)
    rx = Receiver(tls=pki["server"]).start()
    pod = https_pod(tmp_path, pki, rx)
    try:
        # About 6 s of writing: every kill falls mid-stream.
        w = Writer(pod.logs / "app.log", N, every=EVERY, pause_every=200,
                   pause=0.06).start()
        at = []
        for _ in range(KILLS):
            exe = assert_aarch64(pod.start())
            time.sleep(rnd.uniform(0.8, 1.5))
            assert pod.kill() == -9
            at.append(len(set(rx.seqs())))
        w.join()
        pod.start()
        assert wait_for(lambda: len(set(rx.seqs())) >= N, 120), \
            pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    lost, dup = count(rx.seqs(), N)
    print("\n%s: kill -9 x%d mid-stream (after %s of %d lines had "
          "arrived), %d lines over HTTPS at %.0f/s, %d rotations: %d lost, "
          "%d sent again (%.0f a kill)" % (
              exe, KILLS, ", ".join(map(str, at)), N, N, w.rate,
              w.rotations, len(lost), dup, dup / KILLS))
    assert all(0 < a < N for a in at), at
    assert lost == []
    # A kill sends again what was acknowledged since the last save (one
    # checkpoint_interval, 200 ms, at the writer's rate) and what was in
    # flight (max_in_flight 2 batches), with some slack for the pipe.
    assert dup <= KILLS * (w.rate * 0.25 + 2 * BATCH + 1000)
