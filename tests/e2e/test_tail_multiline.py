"""A Java stack trace is one record.

1. multiline.start = ^[0-9]{4}- ; the application logs two events, the
   first with a 30-line stack trace (at ..., Caused by:, ... 12 more).
2. The second event stays pending until the next event starts or
   multiline.timeout (300 ms) passes.
Check that the trace is one record with its lines in order, and that the
last event comes out after the timeout without a following line.
"""
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
