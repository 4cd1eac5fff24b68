"""The checkpoint: corrupt, held by another sidelog, and its interval.

1. A checkpoint full of garbage: sidelog warns, sets it aside as
   .corrupt, reads from the start (duplicates, not loss) and writes a
   good one.
2. A second sidelog on the same checkpoint exits 1 with a clear error
   while the first keeps running.
Check each outcome.
"""
import subprocess

from conftest import binary
from sidelogtest import Pod, count, line, wait_for, wait_seqs


def test_corrupt_checkpoint_is_set_aside_and_ignored(tmp_path):
    pod = Pod(tmp_path)
    pod.pvc.mkdir()
    (pod.pvc / "sidelog.ckpt").write_bytes(b"\x00garbage\xffnot a checkpoint")
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(100):
            f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 100)
    assert pod.stop() == 0
    assert count(pod.seqs(), 100) == ([], 0)
    assert (pod.pvc / "sidelog.ckpt.corrupt").exists()
    assert "treated as absent" in pod.stderr()
    # The new checkpoint is good: a restart sends nothing again.
    pod.start()
    with open(pod.logs / "app.log", "ab") as f:
        f.write(line(100))
    assert wait_seqs(pod, 101)
    assert pod.stop() == 0
    assert count(pod.seqs(), 101) == ([], 0)


def test_second_instance_on_the_same_checkpoint_exits_1(tmp_path):
    pod = Pod(tmp_path)
    (pod.logs / "app.log").write_bytes(line(0))
    pod.start()
    assert wait_seqs(pod, 1)
    p = subprocess.run([binary(), "run", "-c", str(pod.conf)],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 1
    assert "in use by another sidelog" in p.stderr
    assert p.stdout == ""
    assert pod.proc.poll() is None
    assert pod.stop() == 0


def test_offset_past_the_end_rereads_a_file_truncated_while_down(tmp_path):
    """copytruncate ran while sidelog was down, and the application wrote
    its banner (the same first bytes) and a few lines again: the file is
    the same inode with the same fingerprint, but shorter than the
    checkpoint's offset.

    1. A file with a 1,100-byte banner and lines 0..999 is shipped; stop.
    2. The file is truncated and gets the banner and lines 1000..1039.
    3. Restart.
    Check that lines 1000..1039 are shipped (read again from 0), with a
    warning, and that no line is lost."""
    pod = Pod(tmp_path)
    banner = b"banner " + b"b" * 1092 + b"\n"
    log = pod.logs / "app.log"
    with open(log, "wb") as f:
        f.write(banner)
        for i in range(1000):
            f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 1000)
    assert pod.stop() == 0
    ino = log.stat().st_ino
    with open(log, "r+b") as f:
        f.truncate(0)
        f.write(banner)
        for i in range(1000, 1040):
            f.write(line(i))
    assert log.stat().st_ino == ino
    pod.start()
    assert wait_seqs(pod, 1040)
    assert pod.stop() == 0
    assert count(pod.seqs(), 1040)[0] == []
    assert "past its end" in pod.stderr()
