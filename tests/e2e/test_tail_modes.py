"""Watching without inotify, and with an inotify queue that overflows.

1. With watch = poll, a writer rotates app.log every 2000 lines, each
   file living about two poll intervals (a poller cannot see a file that
   comes and goes between two scans).
2. With inotify, sidelog is stopped (SIGSTOP) while 200 files get 100
   lines each, written round-robin so that no two events coalesce:
   20000 events, more than the default queue of 16384; then SIGCONT.
Check that every line comes out once, and that the overflow was noticed
(a full rescan) rather than silently missing files.
"""
import signal

from sidelogtest import Pod, Writer, count, line, wait_seqs


def test_forced_polling_follows_rotation(tmp_path):
    pod = Pod(tmp_path, extra_sidelog="watch = poll", paths="app.log")
    pod.start()
    # A poller cannot see a file that lives less than poll_interval
    # (500 ms here): each file lives about two of them.
    w = Writer(pod.logs / "app.log", 20_000, every=2000, pause_every=1000,
               pause=0.5).start()
    w.join()
    assert wait_seqs(pod, 20_000, timeout=60), pod.stderr()[-2000:]
    assert pod.stop() == 0
    lost, dup = count(pod.seqs(), 20_000)
    assert (len(lost), dup) == (0, 0), lost[:10]
    assert "polling" in pod.stderr()


def test_inotify_queue_overflow_triggers_a_rescan(tmp_path):
    pod = Pod(tmp_path)
    pod.start()
    assert wait_seqs(pod, 0)
    import time
    time.sleep(0.5)
    pod.proc.send_signal(signal.SIGSTOP)
    files = [open(pod.logs / ("app-%03d.log" % k), "ab", buffering=0)
             for k in range(200)]
    seq = 0
    for _ in range(100):
        for f in files:
            f.write(line(seq))
            seq += 1
    for f in files:
        f.close()
    pod.proc.send_signal(signal.SIGCONT)
    assert wait_seqs(pod, seq, timeout=60), pod.stderr()[-2000:]
    assert pod.stop() == 0
    assert count(pod.seqs(), seq) == ([], 0)
    assert "overflow" in pod.stderr()
