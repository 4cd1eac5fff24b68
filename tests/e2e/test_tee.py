"""`sidelog tee`: pass-through, the lines in rotating files, the child's
fate, and a file that fails.

1. A command writes random binary data, several MiB, to stdout and
   stderr; another writes numbered lines; a pipe feeds stdin.
2. The out file rotates at a small --max-size, raw and cri formats.
3. Children exit 0, 3, are not found, are not executable, are killed, or
   trap the SIGTERM sidelog forwards.
4. The out directory is a tmpfs too small for the lines; or it fills up
   in the middle of a line, then space is freed and more lines come; or
   PATH cannot be renamed to PATH.1 for a while.
5. The command is a pipeline whose reader quits early, or reads its own
   signal state, started by a parent that ignores and blocks signals.
Check that stdout and stderr come through byte-exact, that every line is
in the files once, whole, in order, that the exit status is the child's
(128+N for signal N), that a full disk leaves no torn or glued line and
is logged once, its end once, and that the command starts with every signal at
its default disposition and none blocked.
"""
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from conftest import binary
from sidelogtest import Tmpfs


def tee(args, cmd=None, stdin=None, timeout=60, **kw):
    argv = [binary(), "tee", *args]
    if cmd is not None:
        argv += ["--", *cmd]
    return subprocess.run(argv, input=stdin, capture_output=True,
                          timeout=timeout, **kw)


def test_binary_pass_through_is_byte_exact(tmp_path):
    data = os.urandom(3 * 2**20)
    (tmp_path / "blob").write_bytes(data)
    p = tee(["--out", str(tmp_path / "o.log")],
            ["sh", "-c", "cat %s; cat %s >&2" % (tmp_path / "blob",
                                                 tmp_path / "blob")])
    assert p.returncode == 0
    assert p.stdout == data
    assert p.stderr == data


def test_stdin_pass_through_and_lines(tmp_path):
    lines = b"".join(b"line %d\n" % i for i in range(5000))
    out = tmp_path / "o.log"
    p = tee(["--out", str(out)], stdin=lines + b"no newline")
    assert p.returncode == 0
    assert p.stdout == lines + b"no newline"
    assert out.read_bytes() == lines + b"no newline\n"


def test_cri_format_lines(tmp_path):
    out = tmp_path / "o.log"
    long = "x" * 40000
    p = tee(["--out", str(out), "--format", "cri"],
            ["sh", "-c", "echo hello; echo oops >&2; echo %s" % long])
    assert p.returncode == 0
    got = out.read_text().splitlines()
    cri = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z "
                     r"(stdout|stderr) ([PF]) (.*)$")
    parsed = [cri.match(l).groups() for l in got]
    assert ("stdout", "F", "hello") in parsed
    assert ("stderr", "F", "oops") in parsed
    frags = [m for m in parsed if m[2].startswith("x")]
    assert [f[1] for f in frags] == ["P", "P", "F"]
    assert "".join(f[2] for f in frags) == long


def test_rotation_keeps_whole_lines_and_max_files(tmp_path):
    out = tmp_path / "o.log"
    n = 20000
    p = tee(["--out", str(out), "--max-size", "64k", "--max-files", "3"],
            ["sh", "-c", "i=0; while [ $i -lt %d ]; do echo line-$i; "
             "i=$((i+1)); done" % n])
    assert p.returncode == 0
    files = sorted(tmp_path.glob("o.log*"))
    names = sorted(f.name for f in files)
    assert names == ["o.log", "o.log.1", "o.log.2", "o.log.3"]
    seen = []
    for name in ("o.log.3", "o.log.2", "o.log.1", "o.log"):
        data = (tmp_path / name).read_bytes()
        assert len(data) <= 64 * 1024
        assert data.endswith(b"\n")
        seen += [int(l.split(b"-")[1]) for l in data.splitlines()]
    # The oldest were rotated away; what is kept is the newest, in order.
    assert seen == list(range(n - len(seen), n))
    assert len(p.stdout.splitlines()) == n


@pytest.mark.parametrize("cmd,status", [
    (["true"], 0),
    (["sh", "-c", "exit 3"], 3),
    (["/nonexistent/command"], 127),
    (["NOTEXEC"], 126),
    (["sh", "-c", "kill -9 $$"], 137),
])
def test_exit_status_is_the_childs(tmp_path, cmd, status):
    if cmd == ["NOTEXEC"]:
        f = tmp_path / "data.txt"
        f.write_text("not a program\n")
        f.chmod(0o644)
        cmd = [str(f)]
    p = tee(["--out", str(tmp_path / "o.log")], cmd)
    assert p.returncode == status


def test_sigterm_is_forwarded(tmp_path):
    proc = subprocess.Popen(
        [binary(), "tee", "--out", str(tmp_path / "o.log"), "--", "sh",
         "-c", "trap 'echo got-term; exit 42' TERM; echo ready; "
         "while :; do sleep 0.05; done"], stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 42
    assert proc.stdout.read() == b"got-term\n"
    assert b"got-term\n" in (tmp_path / "o.log").read_bytes()


def test_child_pipeline_dies_quietly_of_sigpipe(tmp_path):
    """An ignored SIGPIPE inherited through exec turns `yes | head -n1`
    into a "Broken pipe" error instead of a quiet death of `yes`."""
    p = tee(["--out", str(tmp_path / "o.log")],
            ["sh", "-c", "yes | head -n1"], timeout=30)
    assert p.returncode == 0
    assert p.stdout == b"y\n"
    assert p.stderr == b""
    assert (tmp_path / "o.log").read_bytes() == b"y\n"


def ignore_and_block():
    """Run in sidelog's parent before exec: state the command must not
    inherit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGALRM})


@pytest.mark.parametrize("parent", [None, ignore_and_block])
def test_child_starts_with_default_signals_and_empty_mask(tmp_path, parent):
    p = tee(["--out", str(tmp_path / "o.log")],
            ["grep", "-E", "^Sig(Ign|Blk):", "/proc/self/status"],
            preexec_fn=parent, restore_signals=parent is None)
    assert p.returncode == 0, p.stderr
    masks = dict(l.split(b":\t") for l in p.stdout.splitlines())
    assert int(masks[b"SigBlk"], 16) == 0
    assert int(masks[b"SigIgn"], 16) & 1 << (signal.SIGPIPE - 1) == 0
    assert int(masks[b"SigIgn"], 16) == 0


def test_full_disk_does_not_disturb_pass_through(tmpfs64k):
    lines = b"".join(b"a line of some length %06d\n" % i
                     for i in range(20000))
    p = tee(["--out", str(tmpfs64k / "o.log"), "--max-files", "0"],
            stdin=lines)
    assert p.returncode == 0
    assert p.stdout == lines
    assert b"lines are passed through but not written" in p.stderr


@pytest.fixture
def tmpfs64k(tmp_path):
    """A 64 KiB tmpfs: a full disk, and a disk with room again, with no
    harm to the machine's own."""
    with Tmpfs(tmp_path / "small") as t:
        yield t.path


class Reader(threading.Thread):
    """Drains a pipe so that sidelog never blocks on it."""

    def __init__(self, f):
        super().__init__(daemon=True)
        self.f = f
        self.data = b""
        self.start()

    def run(self):
        for chunk in iter(lambda: self.f.read1(65536), b""):
            self.data += chunk


def wait_for(what, timeout=20):
    end = time.monotonic() + timeout
    while not what():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


# 101 bytes: lines straddle the 4 KiB pages tmpfs allocates, so the disk
# fills in the middle of one.
LINE = re.compile(rb"line (\d{6}) x{88}")


def numbered(first, count):
    return [b"line %06d %s\n" % (i, b"x" * 88)
            for i in range(first, first + count)]


@pytest.mark.parametrize("args,files", [
    (["--max-files", "0"], ["o.log"]),
    (["--max-size", "8k", "--max-files", "1"], ["o.log.1", "o.log"]),
], ids=["one-file", "rotating"])
def test_full_disk_cuts_the_torn_line_and_logs_once(tmpfs64k, args, files):
    """1. A filler leaves 12 KiB free; 300 lines fill it, one is torn.
    2. For 2.5 s a line each 0.1 s: the retries find the disk full still.
    3. The filler goes; after the once-a-second retry, 60 more lines,
       few enough that the file with the torn line is not rotated away.
    Check that every line in the files is whole, none glued to a torn
    one, the kept ones in order; each rotation at --max-size; stdout got
    every line; the failure and its end are logged once."""
    filler = tmpfs64k / "filler"
    filler.write_bytes(b"f" * 52 * 1024)
    first, full, second = (numbered(0, 300), numbered(500, 25),
                           numbered(1000, 60))
    proc = subprocess.Popen(
        [binary(), "tee", "--out", str(tmpfs64k / "o.log"), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    out, err = Reader(proc.stdout), Reader(proc.stderr)
    try:
        proc.stdin.write(b"".join(first))
        proc.stdin.flush()
        wait_for(lambda: len(out.data) == len(b"".join(first)))
        wait_for(lambda: b"not written until it works again" in err.data)
        for line in full:
            proc.stdin.write(line)
            proc.stdin.flush()
            time.sleep(0.1)
        filler.unlink()
        time.sleep(1.2)
        proc.stdin.write(b"".join(second))
        proc.stdin.close()
        assert proc.wait(30) == 0
    finally:
        proc.kill()
    out.join(10)
    err.join(10)
    assert out.data == b"".join(first + full + second)
    assert err.data.count(b"not written until it works again") == 1
    assert err.data.count(b"works again;") == 1, err.data
    kept = []
    for name in files:
        data = (tmpfs64k / name).read_bytes()
        assert data.endswith(b"\n")
        if name == "o.log.1":
            assert 8 * 1024 - 101 < len(data) <= 8 * 1024
        for line in data.splitlines():
            m = LINE.fullmatch(line)
            assert m, "torn or glued line %r in %s" % (line, name)
            kept.append(int(m.group(1)))
    assert kept == sorted(set(kept))
    # Once the disk had room again, no line was lost.
    early = [n for n in kept if n < 1000]
    assert [n for n in kept if n >= 1000] == list(range(1000, 1060))
    assert 0 < len(early) < 300 and early[-1] < 300
    assert early == list(range(early[0], early[0] + len(early)))
    if len(files) == 1:
        assert early[0] == 0
        assert b"works again; %d lines were not written" % (
            300 - len(early) + 25) in err.data


def test_rotation_that_fails_keeps_max_size_and_logs_once(tmp_path):
    """1. PATH.1 is a directory with a file in it: PATH cannot become it.
    2. 200 lines, twice what --max-size holds.
    3. The directory goes; after the once-a-second retry, 10 more lines.
    Check that PATH never passed --max-size, that the failure is logged
    once (not a warning per line), its end once with the lines skipped,
    and that the rotation then happened: PATH.1 the full file, PATH the
    new lines."""
    out = tmp_path / "o.log"
    (tmp_path / "o.log.1").mkdir()
    (tmp_path / "o.log.1" / "in-the-way").write_text("")
    first = [b"rot %06d %s\n" % (i, b"y" * 39) for i in range(200)]
    second = [b"rot %06d %s\n" % (i, b"y" * 39) for i in range(1000, 1010)]
    fits = 4096 // len(first[0])
    proc = subprocess.Popen(
        [binary(), "tee", "--out", str(out), "--max-size", "4k",
         "--max-files", "1"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = Reader(proc.stdout), Reader(proc.stderr)
    try:
        proc.stdin.write(b"".join(first))
        proc.stdin.flush()
        wait_for(lambda: len(stdout.data) == len(b"".join(first)))
        time.sleep(0.2)
        assert out.stat().st_size <= 4096
        (tmp_path / "o.log.1" / "in-the-way").unlink()
        (tmp_path / "o.log.1").rmdir()
        time.sleep(1.2)
        proc.stdin.write(b"".join(second))
        proc.stdin.close()
        assert proc.wait(30) == 0
    finally:
        proc.kill()
    stdout.join(10)
    stderr.join(10)
    assert stdout.data == b"".join(first + second)
    assert stderr.data.count(b"tee: rotating") == 1, stderr.data
    assert stderr.data.count(b"not written until it works again") == 1
    assert stderr.data.count(b"works again; %d lines were not written" %
                             (200 - fits)) == 1, stderr.data
    assert (tmp_path / "o.log.1").read_bytes() == b"".join(first[:fits])
    assert out.read_bytes() == b"".join(second)


def test_unwritable_path_does_not_disturb_pass_through(tmp_path):
    (tmp_path / "file").write_text("a regular file, not a directory")
    p = tee(["--out", str(tmp_path / "file" / "o.log")],
            ["sh", "-c", "echo one; echo two >&2; exit 5"])
    assert p.returncode == 5
    assert p.stdout == b"one\n"
    assert p.stderr.endswith(b"two\n")


def test_zombies_of_orphans_are_reaped(tmp_path):
    """sidelog as a subreaper stands in for PID 1: orphans of the command
    end up as its children and must not stay zombies."""
    if subprocess.run(["unshare", "--pid", "--fork", "--mount-proc",
                       "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare --pid is not permitted here")
    script = ("for i in 1 2 3 4 5; do (sleep 0.2 &) ; done; sleep 1; "
              "ps -eo stat= | grep -c Z || true")
    p = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc",
                        binary(), "tee", "--out", str(tmp_path / "o.log"),
                        "--", "sh", "-c", script], capture_output=True,
                       timeout=30)
    assert p.returncode == 0
    assert p.stdout.strip().splitlines()[-1] == b"0"
