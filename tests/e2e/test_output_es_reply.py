"""_bulk replies longer than what sidelog keeps of them (8 MiB).

A reply is read whole only up to 8 MiB; one longer was "unreadable", and
the batch was sent again, for ever, since every retry got the same
reply: with es.action = index and no ids, each retry stored every
document again.

1. The receiver pads each item of its reply with 1,000 bytes, so the
   reply to a batch of 10,000 records is about 11 MB, unless it honours
   filter_path as Elasticsearch does (then ~40 bytes an item).
2. 20,000 lines are shipped as index actions without ids, in batches of
   10,000; one record may be refused (400).
Check that requests ask for only the fields sidelog reads (filter_path);
that a reply cut short which says "errors":false means every item was
taken (each document once); that with filter_path honoured the refused
record goes to dead_letter and every other document is stored once; and
that a server ignoring filter_path whose long reply has errors gets the
batch once more, cut in two so that each half's reply fits: bounded
duplicates, never an endless loop.
"""
import pytest

from receiver import Receiver
from sidelogtest import Pod, count, line, wait_for

N = 20_000


@pytest.mark.parametrize("refused,honour", [
    (None, False), (7_000, True), (7_000, False)],
    ids=["ok-unfiltered", "one-refused", "one-refused-unfiltered"])
def test_long_bulk_reply_is_never_sent_again_for_ever(tmp_path, pki, refused,
                                                      honour):
    faults = {"seq=%09d" % refused: 400} if refused is not None else {}
    rx = Receiver(tls=pki["server"], bulk=True, bulk_pad=1000,
                  item_faults=faults, filter_path=honour).start()
    dead = tmp_path / "dead.ndjson"
    pod = Pod(tmp_path, stdout=False, paths="app.log", output=(
        "url = https://localhost:%d/_bulk\n"
        "format = elasticsearch\n"
        "es.action = index\n"
        "es.id = none\n"
        "tls.ca_file = %s\n"
        "dead_letter = %s\n"
        "batch_max_records = 10000\n"
        "batch_max_bytes = 16m\n"
        "batch_timeout = 200ms\n"
        "retry_initial = 50ms\n"
        "retry_max = 200ms\n" % (rx.port, pki["ca"][0], dead)),
        extra_sidelog="memory_limit = 64m\n")
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(N):
            f.write(line(i))
    want = N - (refused is not None)
    pod.start()
    try:
        assert wait_for(lambda: len(rx.records) >= want, 60), \
            pod.stderr()[-2000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    lost, dup = count(rx.seqs(), N)
    assert lost == ([refused] if refused is not None else [])
    if honour or refused is None:
        assert dup == 0
    else:
        # The batch whose reply could not be read was sent again once,
        # in halves whose replies fit: bounded, not for ever.
        assert dup <= 10_000
    if refused is not None:
        assert "seq=%09d" % refused in dead.read_text()
    assert all("filter_path=errors,items.*.status,items.*.error.type" in p
               for p in rx.paths)
    pod.assert_clean_stderr()
