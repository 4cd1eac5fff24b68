"""Reloads that meet other events: a second ConfigMap update while the
first reload waits, a change of a secret header alone, the counters
across a reload, a reload that runs out of memory.

Each test ships to a plain HTTP receiver, its configuration laid out as
the kubelet lays out a ConfigMap, /metrics on a free port.  memory_limit
and batch_max_bytes are set so that max_line_bytes = 64m is valid.
"""
import signal
import time

from conftest import sanitized
from receiver import Fault, Receiver
from sidelogtest import ConfigMap, Pod, free_port, line, scrape, wait_for


def config(pod, rx, port, version="1", key="old-key", max_line="64k"):
    return ("[sidelog]\ncheckpoint_dir = %s\ncheckpoint_interval = 200ms\n"
            "listen = 127.0.0.1:%d\nmemory_limit = 1g\n"
            "[input.app]\npaths = %s/app.log\nfields.version = %s\n"
            "max_line_bytes = %s\n"
            "[output]\nurl = http://127.0.0.1:%d/ingest\n"
            "batch_timeout = 100ms\nretry_initial = 100ms\n"
            "batch_max_bytes = 64m\nheaders.X-Api-Key = %s\n"
            "[stdout]\nenabled = false\n"
            % (pod.pvc, port, pod.logs, version, max_line, rx.port, key))


def start(tmp_path, rx, env=None, wrap=(), **kw):
    """A pod whose config is a ConfigMap; returns (pod, cm, render)."""
    port = free_port()
    pod = Pod(tmp_path, stdout=False)
    cm = ConfigMap(tmp_path / "config",
                   {"sidelog.ini": config(pod, rx, port, **kw)})
    pod.conf = tmp_path / "config" / "sidelog.ini"
    pod.port = port
    pod.start(env=env, wrap=wrap)
    return pod, cm, lambda **k: {"sidelog.ini": config(pod, rx, port, **k)}


def append(pod, first, n=1):
    with open(pod.logs / "app.log", "ab") as f:
        for i in range(first, first + n):
            f.write(line(i))


def header(rx, i, name):
    """Header `name` of request i, whatever its case on the wire."""
    return {k.lower(): v for k, v in rx.headers[i].items()}.get(name.lower())


def test_configmap_swap_during_a_reload_applies_after_it(tmp_path):
    """1. Ship line 0 with version = 1.
    2. Make the next request take 3 s; append line 1, so that request is
       in flight.
    3. Swap the ConfigMap to version = 2: a reload starts and waits for
       the request.
    4. While it waits, swap the ConfigMap to version = 3.
    5. Once the slow request is answered, append line 2.
    Check that line 2 carries version 3 (the file as it is now, not the
    one the first reload loaded), that two reloads were applied, and that
    every line arrived exactly once."""
    rx = Receiver().start()
    try:
        pod, cm, render = start(tmp_path, rx)
        append(pod, 0)
        assert wait_for(lambda: len(rx.records) == 1, 10), pod.stderr()
        rx.faults = [Fault(delay=3.0)]
        append(pod, 1)
        assert wait_for(lambda: rx.requests == 2, 10), pod.stderr()
        cm.update(render(version="2"))
        assert wait_for(lambda: ": reloading" in pod.stderr(), 10)
        time.sleep(0.3)
        cm.update(render(version="3"))
        assert wait_for(lambda: len(rx.records) == 2, 10), pod.stderr()
        time.sleep(1.0)
        append(pod, 2)
        assert wait_for(lambda: len(rx.records) >= 3, 10), pod.stderr()
        m = scrape(pod.port)
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert sorted(rx.seqs()) == [0, 1, 2], rx.seqs()
    assert rx.records[-1]["version"] == "3", pod.stderr()
    assert m["sidelog_reloads_total"] == 2, pod.stderr()
    pod.assert_clean_stderr()


def test_secret_header_change_alone_is_applied(tmp_path):
    """1. Ship line 0 with headers.X-Api-Key = old-key.
    2. Swap the ConfigMap to one that differs only in that header's
       value (a rotated API key); send no SIGHUP.
    3. Append line 1.
    Check that line 1 goes out with the new key, and that the key shows
    in no log line."""
    rx = Receiver().start()
    try:
        pod, cm, render = start(tmp_path, rx)
        append(pod, 0)
        assert wait_for(lambda: len(rx.records) == 1, 10), pod.stderr()
        cm.update(render(key="new-key"))
        assert wait_for(lambda: "configuration reloaded" in pod.stderr() or
                        "configuration is the same" in pod.stderr(), 10)
        append(pod, 1)
        assert wait_for(lambda: len(rx.records) == 2, 10), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert header(rx, 0, "X-Api-Key") == "old-key"
    assert header(rx, rx.requests - 1, "X-Api-Key") == "new-key", \
        pod.stderr()
    assert "old-key" not in pod.stderr() and "new-key" not in pod.stderr()
    pod.assert_clean_stderr()


def test_counters_keep_growing_across_a_reload(tmp_path):
    """1. Ship 100 lines; the first request gets a 503, so there is a
       retry.
    2. Scrape /metrics.
    3. SIGHUP (a forced reload); scrape again.
    4. Ship 100 more lines; scrape again.
    Check that no counter of the three scrapes goes down, and that the
    last one counts every record, request and retry of the whole run."""
    names = ("sidelog_records_delivered_total", "sidelog_retries_total",
             "sidelog_lines_read_total", 'sidelog_requests_total{code="200"}',
             'sidelog_requests_total{code="503"}')
    rx = Receiver().start()
    rx.faults = [Fault(status=503)]
    try:
        pod, cm, render = start(tmp_path, rx)
        append(pod, 0, 100)
        assert wait_for(lambda: len(rx.records) == 100, 10), pod.stderr()
        time.sleep(0.3)
        before = scrape(pod.port)
        pod.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: "configuration reloaded" in pod.stderr(), 10)
        after = scrape(pod.port)
        append(pod, 100, 100)
        assert wait_for(lambda: len(rx.records) == 200, 10), pod.stderr()
        time.sleep(0.3)
        last = scrape(pod.port)
        assert pod.stop() == 0
    finally:
        rx.stop()
    for k in names:
        assert before.get(k, 0) <= after.get(k, 0) <= last.get(k, 0), \
            (k, before.get(k), after.get(k), last.get(k))
    assert last["sidelog_records_delivered_total"] == 200
    assert last["sidelog_lines_read_total"] == 200
    assert last["sidelog_retries_total"] == 1
    assert last['sidelog_requests_total{code="503"}'] == 1
    assert last['sidelog_requests_total{code="200"}'] == rx.requests - 1
    assert last["sidelog_reloads_total"] == 1
    pod.assert_clean_stderr()


def memory_cap():
    """(env, wrap) under which no block of 100 MiB or more can be had:
    ASan's allocator is told so (its shadow memory rules out ulimit -v);
    the static binary runs under ulimit -v."""
    if sanitized():
        return ({"ASAN_OPTIONS": "detect_leaks=1:allocator_may_return_null=1"
                 ":max_allocation_size_mb=100"}, ())
    return None, ("sh", "-c", 'ulimit -v 200000 && exec "$0" "$@"')


def test_reload_out_of_memory_stops_with_the_checkpoint(tmp_path):
    """1. Ship lines 0-2 with max_line_bytes = 64k, with no block of
       100 MiB or more to be had (see memory_cap).
    2. Swap the ConfigMap to max_line_bytes = 64m: the reader's buffers
       for it (128 MiB and 192 MiB) cannot be allocated, after the old
       sinks were freed.
    3. Restart without the cap on the same checkpoint; append line 3.
    Check that the reload fails and sidelog stops with exit 1, without a
    sanitizer error (before: a use-after-free in reader_free on the ASan
    build), and that after the restart every line arrived exactly
    once."""
    rx = Receiver().start()
    env, wrap = memory_cap()
    try:
        pod, cm, render = start(tmp_path, rx, env=env, wrap=wrap)
        append(pod, 0, 3)
        assert wait_for(lambda: len(rx.records) == 3, 10), pod.stderr()
        time.sleep(0.5)     # the checkpoint is saved every 200ms
        cm.update(render(max_line="64m"))
        assert pod.proc.wait(10) == 1, pod.stderr()
        pod.proc = None
        err = pod.stderr()
        assert "reload failed for lack of memory; stopping" in err
        assert "ERROR: AddressSanitizer" not in err, err
        assert "runtime error" not in err, err
        pod.start()
        append(pod, 3)
        assert wait_for(lambda: len(rx.records) >= 4, 10), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert sorted(rx.seqs()) == [0, 1, 2, 3], rx.seqs()
