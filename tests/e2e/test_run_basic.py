"""`sidelog run` follows files and re-emits their lines on stdout.

1. Write 1000 numbered lines into app.log, start sidelog.
2. Append 1000 more while it runs; create app-2.log with 500 lines.
3. SIGTERM.
Check that every line came out exactly once, in order per file, that the
exit status is 0 and that the checkpoint holds both files' full sizes.
"""
import pytest

from receiver import Receiver
from sidelogtest import Pod, count, line, wait_for, wait_seqs


def test_lines_written_before_and_during_the_run_come_out_once(tmp_path):
    pod = Pod(tmp_path)
    app = pod.logs / "app.log"
    with open(app, "wb") as f:
        for i in range(1000):
            f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 1000)
    with open(app, "ab") as f:
        for i in range(1000, 2000):
            f.write(line(i))
    with open(pod.logs / "app-2.log", "wb") as f:
        for i in range(2000, 2500):
            f.write(line(i))
    assert wait_seqs(pod, 2500)
    assert pod.stop() == 0
    seqs = pod.seqs()
    assert count(seqs, 2500) == ([], 0)
    first = [s for s in seqs if s < 2000]
    assert first == sorted(first)
    pod.assert_clean_stderr()


def test_json_format_gives_one_valid_record_per_line(tmp_path):
    pod = Pod(tmp_path, stdout_format="json")
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(10):
            f.write(line(i, 40))
    pod.start()
    assert wait_seqs(pod, 10)
    assert pod.stop() == 0
    recs = pod.records()
    assert len(recs) == 10
    assert list(recs[0])[:3] == ["@timestamp", "message", "log"]
    assert recs[3]["log"]["offset"] == 3 * 40
    assert recs[3]["log"]["file"]["path"] == str(pod.logs / "app.log")
    assert recs[3]["message"] == line(3, 40).decode().rstrip("\n")


@pytest.mark.parametrize("fmt", ["ndjson", "elasticsearch"])
def test_json_stdout_beside_an_output_gets_the_backends_documents(tmp_path,
                                                                  fmt):
    """[stdout] format = json with [output] on (ndjson, or elasticsearch,
    whose bodies hold an action line before each document), 200 lines:
    stdout holds the documents the backend got, byte for byte, and no
    action line."""
    rx = Receiver(bulk=fmt == "elasticsearch").start()
    pod = Pod(tmp_path, stdout_format="json",
              output="url = http://127.0.0.1:%d/_bulk\nformat = %s\n"
                     "batch_timeout = 100ms\nid_key = event.id\n"
                     % (rx.port, fmt))
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(200):
            f.write(line(i))
    try:
        pod.start()
        assert wait_seqs(pod, 200)
        assert wait_for(lambda: len(rx.raw) >= 200, 10)
        assert pod.stop() == 0
    finally:
        rx.stop()
    out = pod.output().splitlines()
    assert out == rx.raw
    assert not any(b"_index" in l for l in out)
    assert pod.records()[5]["event"]["id"]
    pod.assert_clean_stderr()


def test_restart_resumes_from_the_checkpoint(tmp_path):
    pod = Pod(tmp_path)
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(300):
            f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 300)
    assert pod.stop() == 0
    with open(pod.logs / "app.log", "ab") as f:
        for i in range(300, 600):
            f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 600)
    assert pod.stop() == 0
    assert count(pod.seqs(), 600) == ([], 0)


def test_status_shows_the_delivered_offset(tmp_path, sidelog):
    pod = Pod(tmp_path)
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(50):
            f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 50)
    assert pod.stop() == 0
    rc, out, err = sidelog("status", "-c", str(pod.conf))
    assert rc == 0, err
    rows = out.splitlines()
    assert rows[0].endswith(": 1 file")
    assert rows[1].split() == ["INPUT", "PATH", "INODE", "FINGERPRINT",
                               "DELIVERED", "SIZE", "LAG"]
    cols = rows[2].split()
    assert cols[0] == "app"
    assert cols[1] == str(pod.logs / "app.log")
    assert cols[4] == cols[5] == "5000"
    assert cols[6] == "0"
    assert rows[3] == "lag: 0 bytes in 0 files"
