"""copytruncate, and new content shorter or longer than the old offset.

1. Write 1000 lines, let sidelog read them all.
2. Truncate the file to 0 and write 10 new lines (shorter than the old
   offset), or 2000 new lines at once (longer than the old offset, so the
   size alone cannot tell: the fingerprint of the first bytes must).
Check that the new lines all come out, once, after the old ones, also
when sidelog (stopped) sees the file only once the new content is past
the old offset.
3. While reads of a growing file wait for the open batch, copytruncate
   it, the copy going to another directory: nothing written before the
   copy began is lost.
"""
import os
import signal
import time

import pytest

from receiver import Receiver
from sidelogtest import Pod, count, line, wait_for, wait_seqs


def write(path, seqs, mode="ab"):
    with open(path, mode) as f:
        for i in seqs:
            f.write(line(i))


@pytest.mark.parametrize("new", [10, 2000], ids=["shorter", "longer"])
def test_copytruncate_reads_the_new_content_from_zero(tmp_path, new):
    pod = Pod(tmp_path)
    app = pod.logs / "app.log"
    write(app, range(1000), "wb")
    pod.start()
    assert wait_seqs(pod, 1000)
    # Truncate and rewrite in one go, as fast as a copytruncate can.
    with open(app, "r+b") as f:
        f.truncate(0)
        for i in range(1000, 1000 + new):
            f.write(line(i))
    assert wait_seqs(pod, 1000 + new), pod.stderr()
    assert pod.stop() == 0
    assert count(pod.seqs(), 1000 + new) == ([], 0)
    assert "truncated" in pod.stderr()


def test_copytruncate_unseen_until_past_the_old_offset(tmp_path):
    """As above, longer, with sidelog stopped (SIGSTOP) from before the
    truncation until the new content is twice the old offset: its first
    look finds a file that only grew, and the new content must still be
    read from 0, once."""
    pod = Pod(tmp_path)
    app = pod.logs / "app.log"
    write(app, range(1000), "wb")
    pod.start()
    assert wait_seqs(pod, 1000)
    pod.proc.send_signal(signal.SIGSTOP)
    try:
        with open(app, "r+b") as f:
            f.truncate(0)
            for i in range(1000, 3000):
                f.write(line(i))
    finally:
        pod.proc.send_signal(signal.SIGCONT)
    assert wait_seqs(pod, 3000), pod.stderr()
    assert pod.stop() == 0
    assert count(pod.seqs(), 3000) == ([], 0)
    assert "truncated (size 200000, read to 100000)" in pod.stderr()


def test_truncate_while_stopped_is_detected_at_start(tmp_path):
    """The same inode with other first bytes is another file: what an
    inode reused by a new file looks like to the checkpoint."""
    pod = Pod(tmp_path)
    app = pod.logs / "app.log"
    write(app, range(500), "wb")
    pod.start()
    assert wait_seqs(pod, 500)
    assert pod.stop() == 0
    ino = os.stat(app).st_ino
    with open(app, "r+b") as f:
        f.truncate(0)
        for i in range(500, 1500):
            f.write(line(i))
    assert os.stat(app).st_ino == ino
    pod.start()
    assert wait_seqs(pod, 1500)
    assert pod.stop() == 0
    assert count(pod.seqs(), 1500) == ([], 0)


def test_copytruncate_while_reads_wait_loses_nothing(tmp_path, pki):
    """With [output] only, a growing file is read just before the open
    batch leaves (batch_timeout 5 s here), not as it grows.  logrotate's
    copytruncate opens the file, copies it (elsewhere: olddir), then
    cuts it: the open has sidelog read what it had not, so the cut
    loses nothing written before the copy began."""
    rx = Receiver(tls=pki["server"]).start()
    # The scan (poll_interval) would find the growth too: not here.
    pod = Pod(tmp_path, stdout=False, paths="app.log", poll_interval="30s",
              output="url = https://localhost:%d/ingest\ntls.ca_file = %s\n"
              "batch_timeout = 5s\n" % (rx.port, pki["ca"][0]))
    app = pod.logs / "app.log"
    olddir = tmp_path / "olddir"
    olddir.mkdir()
    try:
        pod.start()
        with open(app, "ab", buffering=0) as f:
            for i in range(60):         # a second of growth: reads wait
                f.write(line(i))
                time.sleep(0.02)
        with open(app, "rb") as src:
            time.sleep(0.3)             # a large file takes a while
            (olddir / "app.log.1").write_bytes(src.read())
            os.truncate(app, 0)
        write(app, range(60, 70))
        assert wait_for(lambda: len(rx.records) >= 70, 20), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert count(rx.seqs(), 70) == ([], 0), pod.stderr()
    assert "truncated" in pod.stderr()
