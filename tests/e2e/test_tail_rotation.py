"""Rotation under a writer at full speed.

1. Start sidelog on app.log (the glob matches app.log only).
2. A writer appends 200k numbered lines as fast as it can (>= 50k lines/s
   is checked), renaming app.log to app.log.1 every 5000 lines (logrotate's
   numbering, 3 copies kept, older deleted) or deleting the rotated file
   right after the rename.
3. SIGTERM once everything came out.
Check that no line is lost and none is duplicated.
"""
import os
import signal

import pytest

from sidelogtest import Pod, Writer, count, line, wait_seqs

N = 200_000


@pytest.mark.parametrize("delete_rotated", [False, True],
                         ids=["rename", "rename-then-delete"])
def test_rotation_by_rename_loses_and_duplicates_nothing(tmp_path,
                                                         delete_rotated):
    pod = Pod(tmp_path, paths="app.log")
    pod.start()
    w = Writer(pod.logs / "app.log", N, every=5000,
               delete_rotated=delete_rotated).start()
    w.join()
    assert w.rate >= 50_000, "writer too slow for the test: %.0f/s" % w.rate
    assert wait_seqs(pod, N, timeout=60), pod.stderr()[-2000:]
    assert pod.stop() == 0
    lost, dup = count(pod.seqs(), N)
    assert (len(lost), dup) == (0, 0), (lost[:10], dup)
    assert w.rotations == N // 5000 - 1
    pod.assert_clean_stderr()


def test_rotation_with_glob_matching_rotated_names(tmp_path):
    """app.log* also matches app.log.1: the renamed file must be
    recognised as the one already followed, not read twice."""
    pod = Pod(tmp_path, paths="app.log*")
    pod.start()
    w = Writer(pod.logs / "app.log", 100_000, every=5000).start()
    w.join()
    assert wait_seqs(pod, 100_000, timeout=60), pod.stderr()[-2000:]
    assert pod.stop() == 0
    lost, dup = count(pod.seqs(), 100_000)
    assert (len(lost), dup) == (0, 0), (lost[:10], dup)


def test_rename_chain_while_stopped_reads_every_file(tmp_path):
    """Files created and rotated twice while sidelog does not run (SIGSTOP;
    CPU throttling does the same): the events come late, when the names
    they carry lead to other files.

    1. sidelog follows app.log (the glob matches app.log only), which
       holds lines 0..99; it is stopped.
    2. logrotate's numbering three times over: app.log -> .1, a new
       app.log gets 3,000 lines, .1 -> .2, app.log -> .1, a new app.log
       gets 1,000 lines, .2 -> .3, .1 -> .2, app.log -> .1, and a last
       app.log gets 100 lines.
    3. sidelog continues.
    Check that every line of every file comes out exactly once: the file
    renamed twice before sidelog saw it is found under the name it has
    now."""
    pod = Pod(tmp_path, paths="app.log")
    log = pod.logs / "app.log"
    seq = 0

    def write(n):
        nonlocal seq
        with open(log, "ab") as f:
            for _ in range(n):
                f.write(line(seq))
                seq += 1

    def mv(a, b):
        os.rename(pod.logs / a, pod.logs / b)

    write(100)
    pod.start()
    assert wait_seqs(pod, 100)
    pod.proc.send_signal(signal.SIGSTOP)
    try:
        mv("app.log", "app.log.1")
        write(3000)
        mv("app.log.1", "app.log.2")
        mv("app.log", "app.log.1")
        write(1000)
        mv("app.log.2", "app.log.3")
        mv("app.log.1", "app.log.2")
        mv("app.log", "app.log.1")
        write(100)
    finally:
        pod.proc.send_signal(signal.SIGCONT)
    assert wait_seqs(pod, seq, timeout=30), pod.stderr()[-2000:]
    assert pod.stop() == 0
    assert count(pod.seqs(), seq) == ([], 0)
    pod.assert_clean_stderr()
