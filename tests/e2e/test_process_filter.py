"""include_lines and exclude_lines (SPEC "Processing").

1. app.log holds 900 numbered lines; every third is a health check
   ("GET /healthz"), and 100 more lines carry no sequence number at all.
   The input keeps lines matching include_lines ("seq=") and drops those
   matching exclude_lines ("GET /healthz"); both sinks are on (HTTPS
   output, stdout raw).
   Check: the receiver and stdout got exactly the 600 kept lines, once
   each; sidelog_lines_filtered_total{input="app"} is 400; the
   checkpoint holds the whole file as delivered, even though its last
   lines were all dropped.
2. sidelog is started again on the same checkpoint.
   Check: nothing is read or sent again (no request at all).
3. A file whose every line is dropped.
   Check: its checkpoint reaches its end, and the log says nothing of it.
4. `sidelog check` names file, line and key for a bad regex.
"""
import re
import subprocess
import time

from receiver import Receiver
from sidelogtest import Pod, binary, free_port, scrape, wait_for


def write_lines(path):
    kept = []
    with open(path, "wb") as f:
        for i in range(900):
            if i % 3 == 0:
                f.write(b"GET /healthz seq=%09d 200\n" % i)
            else:
                f.write(b"seq=%09d request handled\n" % i)
                kept.append(i)
        for i in range(100):
            f.write(b"no sequence here %d\n" % i)
    return kept


def delivered(pod, name="app.log"):
    p = subprocess.run([binary(), "status", "-c", str(pod.conf)],
                       capture_output=True, text=True, timeout=10)
    for l in p.stdout.splitlines():
        f = l.split()
        if len(f) >= 7 and f[1].endswith("/" + name):
            return int(f[4])
    return -1


def test_filtered_lines_are_consumed_and_stay_consumed(tmp_path, pki):
    rx = Receiver(tls=pki["server"]).start()
    listen = free_port()
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="listen = 127.0.0.1:%d\n" % listen,
              extra_input="include_lines = seq=\n"
              "exclude_lines = ^GET /healthz\n",
              output="url = https://localhost:%d/ingest\n"
              "tls.ca_file = %s\nbatch_timeout = 100ms\n"
              % (rx.port, pki["ca"][0]))
    kept = write_lines(pod.logs / "app.log")
    size = (pod.logs / "app.log").stat().st_size
    try:
        pod.start()
        assert wait_for(lambda: len(rx.seqs()) >= len(kept), 20), \
            pod.stderr()[-2000:]
        m = scrape(listen)
        assert m['sidelog_lines_filtered_total{input="app"}'] == 400
        assert wait_for(lambda: delivered(pod) == size, 10)
        assert pod.stop() == 0
        assert sorted(rx.seqs()) == kept
        out = pod.output()
        assert sorted(int(x) for x in re.findall(rb"seq=(\d+)", out)) == kept
        assert b"healthz" not in out and b"no sequence" not in out
        before = rx.requests
        pod.start()
        time.sleep(1.0)
        assert pod.stop() == 0
        assert rx.requests == before
        assert sorted(rx.seqs()) == kept
    finally:
        rx.stop()
    pod.assert_clean_stderr()


def test_a_file_of_only_dropped_lines_reaches_its_end(tmp_path):
    pod = Pod(tmp_path, paths="noise.log",
              extra_input="exclude_lines = .\n")
    with open(pod.logs / "noise.log", "wb") as f:
        for i in range(1000):
            f.write(b"debug %d\n" % i)
    size = (pod.logs / "noise.log").stat().st_size
    pod.start()
    try:
        assert wait_for(lambda: delivered(pod, "noise.log") == size, 10)
    finally:
        assert pod.stop() == 0
    assert pod.output() == b""
    pod.assert_clean_stderr()


def test_bad_regex_is_named(tmp_path):
    conf = tmp_path / "c.ini"
    conf.write_text("[input.a]\npaths = /x/*.log\ninclude_lines = (a\n"
                    "[stdout]\nenabled = true\n")
    p = subprocess.run([binary(), "check", "-c", str(conf)],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2
    assert "c.ini:3: [input.a] include_lines: bad regular expression" \
        in p.stderr
