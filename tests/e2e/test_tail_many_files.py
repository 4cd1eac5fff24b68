"""More matching files than sidelog may hold open.

1. 3,000 files of 10 numbered lines each wait in the emptyDir; sidelog
   runs under RLIMIT_NOFILE 256, which leaves it under 200 descriptors
   for files.
2. Once all is shipped, 100 of the files (long closed) get a line more.
3. sidelog stops, and starts again on its checkpoint.
Check that every line comes out exactly once, that each file is
announced once (not once per scan), that sidelog never holds more
descriptors than the limit, that the appended lines come out, and that
the restart sends nothing again.
"""
import os

from sidelogtest import Pod, count, line, wait_for, wait_seqs

FILES = 3000
LINES = 10


def open_fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except FileNotFoundError:
        return 0


def test_every_file_is_read_whatever_their_number(tmp_path):
    pod = Pod(tmp_path, paths="app*.log")
    for f in range(FILES):
        with open(pod.logs / ("app%04d.log" % f), "wb") as fp:
            for i in range(LINES):
                fp.write(line(f * LINES + i))
    n = FILES * LINES
    pod.start(wrap=("prlimit", "--nofile=256:256"))
    most = 0

    def done():
        nonlocal most
        most = max(most, open_fds(pod.proc.pid))
        return len(set(pod.seqs())) >= n

    assert wait_for(done, 120, 0.05), pod.stderr()[-2000:]
    assert most <= 256
    # Files closed while idle are opened again when they grow.
    for f in range(0, FILES, FILES // 100):
        with open(pod.logs / ("app%04d.log" % f), "ab") as fp:
            fp.write(line(n + f))
    extra = [n + f for f in range(0, FILES, FILES // 100)]
    assert wait_for(lambda: set(extra) <= set(pod.seqs()), 60), \
        pod.stderr()[-2000:]
    assert pod.stop() == 0
    seqs = pod.seqs()
    assert count([s for s in seqs if s < n], n) == ([], 0)
    assert sorted(s for s in seqs if s >= n) == extra
    err = pod.stderr()
    assert err.count("new, reading from the start") == FILES
    assert len(err.splitlines()) < FILES + 100, err[-2000:]
    pod.assert_clean_stderr()

    # The checkpoint holds every file, open or not: nothing again.
    before = len(pod.seqs())
    pod.start(wrap=("prlimit", "--nofile=256:256"))
    with open(pod.logs / "app0001.log", "ab") as fp:
        fp.write(line(n + FILES))
    assert wait_seqs(pod, n + len(extra) + 1)
    assert pod.stop() == 0
    assert len(pod.seqs()) == before + 1
    assert "resuming at offset" in pod.stderr()


def test_too_few_descriptors_is_a_clear_error(tmp_path):
    pod = Pod(tmp_path)
    (pod.logs / "app.log").write_bytes(line(0))
    p = pod.start(wrap=("prlimit", "--nofile=40:40"), ready=False)
    assert p.wait(20) == 1
    assert "RLIMIT_NOFILE is 40" in pod.stderr()
