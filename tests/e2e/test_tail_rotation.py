"""Rotation under a writer at full speed.

1. Start sidelog on app.log (the glob matches app.log only).
2. A writer appends 200k numbered lines as fast as it can (>= 50k lines/s
   is checked), renaming app.log to app.log.1 every 5000 lines (logrotate's
   numbering, 3 copies kept, older deleted) or deleting the rotated file
   right after the rename.
3. SIGTERM once everything came out.
Check that no line is lost and none is duplicated.
"""
import pytest

from sidelogtest import Pod, Writer, count, wait_seqs

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
