"""A stdout nobody reads holds back the backend too, and loses nothing.

1. 100k lines (~10 MB) wait in app.log; sidelog runs with [stdout] on a
   pipe nobody reads and [output] to a healthy backend.
2. Nobody reads the pipe for 6.5 s (past the 5 s after which sidelog
   says stdout is stuck).
3. The pipe is drained.
Check that while stdout is stuck the backend got at most what fit in
the pipe and sidelog's stdout buffer, and nothing more in the last
second; that /metrics shows the lag; that the stall is said once, and
its end; that memory stays bounded (static binary); and that in the end
every line reached both sinks exactly once.
"""
import fcntl
import re
import subprocess
import time
import urllib.request

from conftest import binary, sanitized
from receiver import Receiver
from sidelogtest import LIVE, Pod, proc_kib, count, free_port, line, wait_for

F_GETPIPE_SZ = 1032
EMIT_CAP = 1 << 20      # run.c emit_cap() with max_line_bytes = 64k


def lag(port):
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                               timeout=5).read().decode()
    return int(re.search(r'^sidelog_lag_bytes\{input="app"\} (\d+)$', m,
                         re.M).group(1))


def test_stuck_stdout_holds_back_the_backend_without_loss(tmp_path):
    rx = Receiver().start()
    port = free_port()
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="listen = 127.0.0.1:%d" % port,
              output="url = http://127.0.0.1:%d/ingest\n"
                     "batch_timeout = 100ms\n" % rx.port)
    n = 100_000
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(n):
            f.write(line(i))
    try:
        p = subprocess.Popen([binary(), "run", "-c", str(pod.conf)],
                             stdout=subprocess.PIPE,
                             stderr=open(pod.err, "wb"))
        LIVE.append(p)
        fit = (fcntl.fcntl(p.stdout, F_GETPIPE_SZ) + EMIT_CAP) // 100 + 1
        time.sleep(5.5)
        before = len(rx.records)
        time.sleep(1.0)
        stuck = len(rx.records)
        stuck_lag = lag(port)
        stuck_rss = proc_kib(p.pid)
        out = b""
        while out.count(b"\n") < n:
            chunk = p.stdout.read1(1 << 20)
            assert chunk, "stdout ended early"
            out += chunk
        assert wait_for(lambda: len(rx.records) >= n, 60), \
            pod.stderr()[-2000:]
        p.terminate()
        assert p.wait(30) == 0
    finally:
        rx.stop()
    print("backend while stdout stuck: %d records (%d fit), lag %d bytes, "
          "RSS %d KiB" % (stuck, fit, stuck_lag, stuck_rss))
    assert 0 < stuck <= fit
    assert stuck == before, "the backend kept getting records"
    assert stuck_lag >= (n - fit) * 100
    assert sanitized() or stuck_rss < 12 * 1024, stuck_rss
    err = pod.stderr()
    assert err.count("stdout: not read for") == 1, err
    assert err.count("stdout: read again after") == 1, err
    seqs = [int(l[4:13]) for l in out.splitlines()]
    assert count(seqs, n) == ([], 0)
    assert count(rx.seqs(), n) == ([], 0)
    assert "Sanitizer" not in err and "runtime error" not in err, err
