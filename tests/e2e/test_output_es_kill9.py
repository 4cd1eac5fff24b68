"""kill -9 with format = elasticsearch: the re-sent lines carry the same
_id, so the backend keeps each document once.

1. A writer appends 30k numbered lines; sidelog ships them as _bulk
   create actions (es.id = auto) to a receiver that answers 409 to a
   create whose _id it already holds, as Elasticsearch does.
2. sidelog is killed with SIGKILL 8 times mid-stream and restarted.
Check that the stored documents are exactly the 30k lines, once each,
and that the duplicates sent were answered 409 and counted as delivered.
"""
import random
import time

from receiver import Receiver
from sidelogtest import Pod, Writer, count, wait_for

N = 30_000


def test_kill9_with_bulk_ids_stores_each_line_once(tmp_path, pki):
    rx = Receiver(tls=pki["server"], bulk=True).start()
    pod = Pod(tmp_path, stdout=False, paths="app.log", output=(
        "url = https://localhost:%d/_bulk\n"
        "format = elasticsearch\n"
        "tls.ca_file = %s\n"
        "batch_max_records = 500\n"
        "batch_timeout = 100ms\n"
        "retry_initial = 50ms\n" % (rx.port, pki["ca"][0])))
    w = Writer(pod.logs / "app.log", N, pause_every=500,
               pause=0.02).start()
    rnd = random.Random(7)
    try:
        for _ in range(8):
            pod.start()
            time.sleep(rnd.uniform(0.3, 0.8))
            assert pod.kill() == -9
        w.join()
        pod.start()
        assert wait_for(lambda: len(rx.ids) >= N, 60), pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), N) == ([], 0)
    assert len(rx.ids) == N
    print("409 answers (duplicates the ids made harmless): %d"
          % rx.conflicts)
