"""A Java stack trace is one record.

1. multiline.start = ^[0-9]{4}- ; the application logs two events, the
   first with a 30-line stack trace (at ..., Caused by:, ... 12 more).
2. The second event stays pending until the next event starts or
   multiline.timeout (300 ms) passes.
Check that the trace is one record with its lines in order, and that the
last event comes out after the timeout without a following line.

The other tests write a record a line at a time, sidelog reading after
each write, so that it is pending over many read rounds, and then cut
it by timeout, truncate the file under it, rotate the file or reload
another multiline.start: the record comes out whole, and only what the
file holds now is cut.
"""
import os
import signal
import time

from sidelogtest import Pod, wait_for

TRACE = (
    "2026-11-22 08:00:00.123 ERROR [main] c.e.Service - request failed\n"
    "java.lang.IllegalStateException: boom\n"
    + "".join("\tat com.example.Service.method%d(Service.java:%d)\n" % (i, i)
              for i in range(25))
    + "Caused by: java.io.IOException: disk\n"
    "\tat com.example.Disk.write(Disk.java:7)\n"
    "\t... 12 more\n")
NEXT = "2026-11-22 08:00:01.000 INFO [main] c.e.Service - recovered\n"


def test_stack_trace_is_one_record(tmp_path):
    pod = Pod(tmp_path, stdout_format="json",
              extra_input="multiline.start = ^[0-9]{4}-\n"
                          "multiline.timeout = 300ms")
    (pod.logs / "app.log").write_text(TRACE + NEXT)
    pod.start()
    assert wait_for(lambda: pod.output().count(b"\n") >= 2, 10)
    assert pod.stop() == 0
    recs = pod.records()
    assert len(recs) == 2
    assert recs[0]["message"] == TRACE.rstrip("\n")
    assert recs[0]["log"]["offset"] == 0
    assert recs[1]["message"] == NEXT.rstrip("\n")
    assert recs[1]["log"]["offset"] == len(TRACE)


def test_pending_record_waits_for_the_timeout(tmp_path):
    pod = Pod(tmp_path, stdout_format="json",
              extra_input="multiline.start = ^[0-9]{4}-\n"
                          "multiline.timeout = 1s")
    pod.start()
    time.sleep(0.5)
    t0 = time.monotonic()
    with open(pod.logs / "app.log", "w") as f:
        f.write(TRACE)
    assert wait_for(lambda: pod.output().count(b"\n") >= 1, 10)
    waited = time.monotonic() - t0
    assert waited >= 0.9, "shipped before multiline.timeout: %.2fs" % waited
    assert pod.stop() == 0
    recs = pod.records()
    assert [r["message"] for r in recs] == [TRACE.rstrip("\n")]


def rchar(pod):
    for l in open("/proc/%d/io" % pod.proc.pid):
        if l.startswith("rchar:"):
            return int(l.split()[1])
    return 0


def write_read(pod, fd, data):
    """Writes data and waits until sidelog read as many bytes and sleeps
    again: a read round between two writes."""
    before = rchar(pod)
    os.write(fd, data)

    def idle():
        stat = open("/proc/%d/stat" % pod.proc.pid).read()
        return stat[stat.rindex(")") + 2] == "S"
    assert wait_for(lambda: rchar(pod) - before >= len(data) and idle(),
                    10, 0.0005)


def multiline_pod(tmp_path, start="^[0-9]{4}-", timeout="1h"):
    pod = Pod(tmp_path, stdout_format="json",
              extra_input="multiline.start = %s\n"
                          "multiline.timeout = %s\n"
                          "max_line_bytes = 1m" % (start, timeout))
    pod.start()
    fd = os.open(pod.logs / "app.log", os.O_WRONLY | os.O_CREAT |
                 os.O_APPEND, 0o644)
    return pod, fd


def messages(pod):
    return [r["message"] for r in pod.records()]


def test_record_written_line_by_line_is_one_record(tmp_path):
    """1. Write a record of 2,000 lines, one write(2) each, sidelog
       reading after each.
    2. Let multiline.timeout (2 s) pass: it comes out.
    3. Write TRACE and NEXT at once.
    Check that the 2,000 lines are one record, then TRACE, then NEXT."""
    pod, fd = multiline_pod(tmp_path, timeout="2s")
    big = ["2026-11-22 08:00:00.000 ERROR [main] c.e.Service - failed"] + [
        "\tat com.example.Service.method%04d(Service.java:%d)" % (i, i)
        for i in range(1, 2000)]
    for l in big:
        write_read(pod, fd, (l + "\n").encode())
    assert wait_for(lambda: pod.output().count(b"\n") >= 1, 20)
    os.write(fd, (TRACE + NEXT).encode())
    assert wait_for(lambda: pod.output().count(b"\n") >= 2, 10)
    os.close(fd)
    assert pod.stop() == 0
    assert messages(pod) == ["\n".join(big), TRACE.rstrip("\n"),
                             NEXT.rstrip("\n")]
    pod.assert_clean_stderr()


def test_pending_record_truncated_away_is_not_continued(tmp_path):
    """1. A record of four lines is pending.
    2. Truncate the file, write a record of two lines and the next start.
    Check that the new record comes out at once, without the old lines."""
    pod, fd = multiline_pod(tmp_path)
    for l in ["2026-11-22 A", "\tat a1", "\tat a2", "\tat a3"]:
        write_read(pod, fd, (l + "\n").encode())
    os.ftruncate(fd, 0)
    os.write(fd, b"2026-11-22 B\n\tat b1\n2026-11-22 C\n")
    assert wait_for(lambda: pod.output().count(b"\n") >= 1, 10), \
        pod.stderr()
    os.close(fd)
    assert pod.stop() == 0
    assert messages(pod) == ["2026-11-22 B\n\tat b1", "2026-11-22 C"]
    assert "truncated" in pod.stderr()


def test_pending_record_goes_on_in_the_rotated_file(tmp_path):
    """1. A record of three lines is pending in app.log.
    2. Rename app.log to app.log.1 (out of the glob); the application
       writes two more lines of it there, then the next start.
    Check that the five lines are one record."""
    pod, fd = multiline_pod(tmp_path)
    for l in ["2026-11-22 A", "\tat a1", "\tat a2"]:
        write_read(pod, fd, (l + "\n").encode())
    os.rename(pod.logs / "app.log", pod.logs / "app.log.1")
    for l in ["\tat a3", "\tat a4", "2026-11-22 B"]:
        write_read(pod, fd, (l + "\n").encode())
    assert wait_for(lambda: pod.output().count(b"\n") >= 1, 10)
    os.close(fd)
    assert pod.stop() == 0
    assert messages(pod) == ["2026-11-22 A\n\tat a1\n\tat a2\n\tat a3\n\tat a4",
                             "2026-11-22 B"]


def test_reload_cuts_a_pending_record_by_the_new_start(tmp_path):
    """1. multiline.start = ^A; A1, B1, B2 are pending as one record.
    2. Reload with multiline.start = ^B.
    3. Write B3.
    Check that the records are A1, B1, B2 and B3: what was matched under
    ^A is matched again."""
    pod, fd = multiline_pod(tmp_path, start="^A")
    for l in ["A1", "B1", "B2"]:
        write_read(pod, fd, (l + "\n").encode())
    pod.conf.write_text(pod.conf.read_text().replace(
        "multiline.start = ^A", "multiline.start = ^B"))
    pod.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "configuration reloaded" in pod.stderr(), 10)
    assert wait_for(lambda: pod.output().count(b"\n") >= 2, 10)
    write_read(pod, fd, b"B3\n")
    assert wait_for(lambda: pod.output().count(b"\n") >= 3, 10)
    os.close(fd)
    assert pod.stop() == 0
    assert messages(pod) == ["A1", "B1", "B2", "B3"]
