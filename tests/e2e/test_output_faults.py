"""Delivery through faults injected by a TLS receiver (OpenSSL).

For each fault: 1000 numbered lines in app.log, sidelog ships them over
HTTPS (gzip NDJSON) to the receiver, which first answers with the fault:
503 or 429 with Retry-After, a connection reset, a reply slower than
[output] timeout, garbage, 413 for large bodies, 400 for any request
holding a marked record.
Check that every line reaches the receiver exactly once (a retried
request the receiver had not stored is not a duplicate), except the
marked record, which goes to the dead-letter file.
"""
import json
import time

import pytest

from receiver import Fault, Receiver
from sidelogtest import Tmpfs, count, ship_https, wait_for

N = 1000


def ship(tmp_path, pki, rx, extra="", n=N, extra_sidelog="",
         extra_input=""):
    return ship_https(tmp_path, rx.port, pki["ca"][0], n,
                      "batch_max_records = 200\n"
                      "retry_initial = 50ms\n"
                      "retry_max = 1s\n" + extra, extra_sidelog,
                      extra_input)


FAULTS = {
    "503-retry-after": [Fault(status=503, retry_after=1)],
    "429-retry-after": [Fault(status=429, retry_after=1)],
    "reset": [Fault(reset=True), Fault(reset=True)],
    "slow": [Fault(delay=3.0, status=200)],
    "garbage": [Fault(garbage=b"\x15\x03\x03\x00\x02\x02\x28garbage\r\n")],
    "not-http": [Fault(garbage=b"HTTP/9.9 ok\r\n\r\n")],
    "401": [Fault(status=401), Fault(status=403), Fault(status=404)],
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_fault_loses_and_duplicates_nothing(tmp_path, pki, name):
    rx = Receiver(tls=pki["server"]).start()
    rx.faults = list(FAULTS[name])
    t0 = time.monotonic()
    pod = ship(tmp_path, pki, rx)
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= N, 30), \
            pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), N) == ([], 0)
    assert rx.faults == []
    if "retry-after" in name:
        assert time.monotonic() - t0 >= 1.0
    assert "sent again" in pod.stderr()
    pod.assert_clean_stderr()


def test_413_splits_the_batch(tmp_path, pki):
    rx = Receiver(tls=pki["server"], max_body=20_000).start()
    pod = ship(tmp_path, pki, rx)
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= N, 30), \
            pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), N) == ([], 0)
    assert rx.codes.get(413, 0) > 0
    assert "splitting" in pod.stderr()


def test_400_bisects_to_the_refused_record(tmp_path, pki):
    rx = Receiver(tls=pki["server"], reject_mark="seq=000000500").start()
    dead = tmp_path / "dead.ndjson"
    pod = ship(tmp_path, pki, rx, "dead_letter = %s\n" % dead)
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= N - 1, 30), \
            pod.stderr()[-3000:]
        assert wait_for(dead.exists, 10)
        assert pod.stop() == 0
    finally:
        rx.stop()
    lost, dup = count(rx.seqs(), N)
    assert (lost, dup) == ([500], 0)
    recs = [json.loads(l) for l in dead.read_text().splitlines()]
    assert len(recs) == 1 and "seq=000000500" in recs[0]["message"]
    # Bisection: log2(200) rounds at most, not one request per record.
    assert rx.codes[400] <= 10


def test_bulk_item_failures(tmp_path, pki):
    rx = Receiver(tls=pki["server"], bulk=True,
                  item_faults={"seq=000000100": 400}).start()
    # 429 for a few items, once: they go again alone.
    rx.item_faults["seq=000000200"] = 429
    dead = tmp_path / "dead.ndjson"
    pod = ship(tmp_path, pki, rx,
               "format = elasticsearch\n"
               "dead_letter = %s\n" % dead)
    try:
        assert wait_for(lambda: 200 in rx.seqs() or
                        len(set(rx.seqs())) >= N - 2, 30)
        rx.item_faults.pop("seq=000000200")
        assert wait_for(lambda: len(set(rx.seqs())) >= N - 1, 30), \
            pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    lost, dup = count(rx.seqs(), N)
    assert (lost, dup) == ([100], 0)
    assert "seq=000000100" in dead.read_text()
    assert len(rx.ids) == N - 1


def test_outage_with_more_small_batches_than_a_queue_held(tmp_path, pki):
    """Batches of about twenty records (batch_max_bytes = 4k) under the
    default memory_limit, which holds some 5,000 of them: the queue once
    held 4,096, and a request that failed with the queue full was
    dropped unacknowledged, so its file's delivered offset never moved
    again.

    1. 90,000 lines wait; the backend answers 503 to the first 12
       requests (a few seconds of backoff) while sidelog fills its queue.
    2. The backend recovers.
    Check that every line arrives exactly once and that sidelog then
    stops with 0 (everything delivered and checkpointed)."""
    n = 90_000
    rx = Receiver(tls=pki["server"]).start()
    rx.faults = [Fault(status=503) for _ in range(12)]
    pod = ship(tmp_path, pki, rx, "batch_max_bytes = 4k\n"
               "max_in_flight = 4\n", n=n,
               extra_input="max_line_bytes = 1k\n")
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= n, 120), \
            pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), n) == ([], 0)
    assert "dropped" not in pod.stderr()
    pod.assert_clean_stderr()


def test_dead_letter_that_cannot_be_written_is_not_acknowledged(tmp_path,
                                                                pki):
    """The dead-letter file sits on a full disk (a 64 KiB tmpfs).

    1. 1,000 lines; the backend refuses the one holding seq=500 (400).
    2. Once the 999 others arrived, sidelog is killed (SIGKILL); the disk
       gets room; sidelog starts again on its checkpoint.
    Check that the refused record was not acknowledged while it could
    not be written (the failure is logged, the file holds no torn
    record), and that after the restart it is in the dead-letter file,
    with no line lost."""
    with Tmpfs(tmp_path / "small") as small:
        filler = small.fill()
        rx = Receiver(tls=pki["server"], reject_mark="seq=000000500").start()
        dead = small.path / "dead.ndjson"
        pod = ship(tmp_path, pki, rx, "dead_letter = %s\n" % dead)
        try:
            assert wait_for(lambda: len(set(rx.seqs())) >= N - 1, 30), \
                pod.stderr()[-3000:]
            assert wait_for(lambda: "dead-letter" in pod.stderr() or
                            "dead_letter" in pod.stderr(), 10)
            assert not dead.exists() or dead.stat().st_size == 0
            # Five checkpoint intervals: a checkpoint that was to pass
            # the record has been written by then.
            time.sleep(1.0)
            assert not dead.exists() or dead.stat().st_size == 0
            pod.kill()
            filler.unlink()
            pod.start()
            assert wait_for(lambda: dead.exists() and
                            b"seq=000000500" in dead.read_bytes(), 30), \
                pod.stderr()[-3000:]
            assert pod.stop() == 0
        finally:
            rx.stop()
        assert count(rx.seqs(), N)[0] == [500]
        recs = [json.loads(l) for l in dead.read_text().splitlines()]
        assert len(recs) == 1 and "seq=000000500" in recs[0]["message"]
        assert "No space left on device" in pod.stderr()
        pod.assert_clean_stderr()
