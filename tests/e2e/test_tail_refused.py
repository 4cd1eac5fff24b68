"""Files sidelog may not read are said once, not once per scan.

1. sidelog scans every 200 ms, as root without CAP_DAC_OVERRIDE and
   CAP_DAC_READ_SEARCH (so file modes bind it, as they bind the non-root
   user of a real pod), beside a readable app.log and an app-locked.log
   of mode 000.
2. After several scans app-locked.log is made readable; then it is
   replaced by a new file of mode 000; then by a symlink leading out of
   the directory.
3. Elsewhere, 200 symlinks leading out of the directory sit beside
   app.log for several scans (more than the 64 names sidelog remembered
   before).
4. Elsewhere, the log directory itself is unreadable for several scans,
   then readable (a file in it is read), then unreadable again.
Check that each refused file is warned about exactly once per cause
however many scans pass; again once it was read and then replaced, or
when its cause changes; that /metrics counts the refused files; that
nothing refused is ever read; and that the directory's failures (to
watch it, to read it) are said once each, and again only after it was
read.
"""
import os
import re
import time
import urllib.request

from sidelogtest import Pod, free_port, line, wait_seqs

NODAC = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
POLL = 0.2
SCANS = 7 * POLL        # long enough for five scans or more


def warnings(pod, name):
    return [l for l in pod.stderr().splitlines()
            if " warn " in l and name in l]


def test_unreadable_file_is_warned_once_per_cause(tmp_path):
    pod = Pod(tmp_path, poll_interval="200ms")
    (pod.logs / "app.log").write_bytes(line(0))
    locked = pod.logs / "app-locked.log"
    locked.write_bytes(line(1))
    locked.chmod(0)
    pod.start(wrap=NODAC)
    assert wait_seqs(pod, 1)
    time.sleep(SCANS)
    w = warnings(pod, "app-locked.log")
    assert len(w) == 1, pod.stderr()
    assert "Permission denied" in w[0]

    locked.chmod(0o644)         # fixed: read at the next scan
    assert wait_seqs(pod, 2)
    locked.unlink()             # broken again: a new file, mode 000
    fd = os.open(locked, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0)
    os.write(fd, line(2))
    os.close(fd)
    time.sleep(SCANS)
    w = warnings(pod, "app-locked.log")
    assert len(w) == 2, pod.stderr()
    assert "Permission denied" in w[1]

    secret = tmp_path / "secret.txt"
    secret.write_bytes(line(3))
    locked.unlink()             # another cause: a symlink leading out
    os.symlink(secret, locked)
    time.sleep(SCANS)
    w = warnings(pod, "app-locked.log")
    assert len(w) == 3, pod.stderr()
    assert "symlink to a target outside" in w[2]
    assert pod.stop() == 0
    assert sorted(pod.seqs()) == [0, 1]
    pod.assert_clean_stderr()


def test_hundreds_of_outside_symlinks_are_each_warned_once(tmp_path):
    port = free_port()
    pod = Pod(tmp_path, poll_interval="200ms",
              extra_sidelog="listen = 127.0.0.1:%d" % port)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"seq=999999999 the database password\n")
    evil = ["app-evil%03d.log" % i for i in range(200)]
    for name in evil:
        os.symlink(secret, pod.logs / name)
    (pod.logs / "app.log").write_bytes(line(0))
    pod.start()
    assert wait_seqs(pod, 1)
    time.sleep(SCANS)
    w = [l for l in pod.stderr().splitlines()
         if "symlink to a target outside" in l]
    said = sorted(re.search(r"app-evil\d+\.log", l).group(0) for l in w)
    assert said == evil, "%d warnings for 200 symlinks" % len(w)
    metrics = urllib.request.urlopen(
        "http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    assert re.search(r"^sidelog_files_refused 200$", metrics, re.M), metrics
    assert pod.stop() == 0
    assert b"password" not in pod.output()
    assert pod.seqs() == [0]
    pod.assert_clean_stderr()


def test_unreadable_directory_is_warned_once(tmp_path):
    pod = Pod(tmp_path, poll_interval="200ms")
    pod.logs.chmod(0)
    try:
        pod.start(wrap=NODAC)
        time.sleep(SCANS)
        w = warnings(pod, "Permission denied")
        assert len(w) == 2, pod.stderr()    # inotify, and opendir
        pod.logs.chmod(0o755)
        (pod.logs / "app.log").write_bytes(line(0))
        assert wait_seqs(pod, 1)
        pod.logs.chmod(0)
        time.sleep(SCANS)
        w = warnings(pod, "Permission denied")
        assert len(w) == 3, pod.stderr()    # watched now: opendir only
        assert pod.stop() == 0
    finally:
        pod.logs.chmod(0o755)
    assert pod.seqs() == [0]
    pod.assert_clean_stderr()
