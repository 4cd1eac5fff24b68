"""kill -9 and restart, over and over, while the application writes.

1. A writer appends 150k numbered lines (rotating every 10k).
2. sidelog is killed with SIGKILL 20 times at random moments between
   0.1 s and 0.5 s apart, and restarted on the same checkpoint each time.
3. Once the writer is done, a last run drains with SIGTERM.
Check that no line is lost, and that duplicates stay within what one
checkpoint interval (200 ms) can hold per kill; report them.
"""
import random

from sidelogtest import Pod, Writer, count, wait_seqs

N = 150_000
KILLS = 20


def test_kill9_cycles_lose_nothing(tmp_path):
    rnd = random.Random(1234)
    pod = Pod(tmp_path, paths="app.log")
    w = Writer(pod.logs / "app.log", N, every=10_000, pause_every=1000,
               pause=0.01).start()
    for _ in range(KILLS):
        pod.start()
        import time
        time.sleep(rnd.uniform(0.1, 0.5))
        assert pod.kill() == -9
    w.join()
    pod.start()
    assert wait_seqs(pod, N, timeout=60), pod.stderr()[-3000:]
    assert pod.stop() == 0
    lost, dup = count(pod.seqs(), N)
    print("kill -9 x%d: %d lines, %d duplicates (%.2f%%)" % (
        KILLS, N, dup, 100.0 * dup / N))
    assert lost == []
    # At most one checkpoint interval of lines per kill (200 ms at the
    # writer's rate), plus what was in the pipe.
    assert dup <= KILLS * max(1, w.rate) * 0.25 + KILLS * 1000
