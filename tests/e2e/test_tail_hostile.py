"""Files the application controls are hostile input.

1. A symlink in the log directory pointing outside it (to a "secret").
2. A FIFO named like a log file.
3. Invalid UTF-8, NUL bytes and control characters in lines, and a
   10 MiB line without a newline, with format = json.
Check that the symlink and the FIFO are never read, that sidelog does
not hang, and that every output line is valid JSON carrying the bytes.
"""
import os
import time

from sidelogtest import Pod, line, wait_for, wait_seqs


def test_symlink_outside_the_directory_is_not_followed(tmp_path):
    pod = Pod(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"seq=999999999 the database password\n")
    os.symlink(secret, pod.logs / "app-evil.log")
    inside = pod.logs / "real.txt"
    inside.write_bytes(line(0) + line(1))
    os.symlink(inside, pod.logs / "app-ok.log")
    os.mkfifo(pod.logs / "app-fifo.log")
    pod.start()
    assert wait_seqs(pod, 2)
    # A symlink planted while running is refused too.
    os.symlink(secret, pod.logs / "app-late.log")
    with open(inside, "ab") as f:
        f.write(line(2))
    assert wait_seqs(pod, 3)
    assert pod.stop() == 0
    assert b"password" not in pod.output()
    assert sorted(pod.seqs()) == [0, 1, 2]
    err = pod.stderr()
    assert "app-evil.log: symlink to a target outside" in err
    assert "app-late.log: symlink to a target outside" in err


HOSTILE = [
    b"plain ascii",
    b"bad utf-8: \xff\xfe \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82",
    b"nul: a\x00b\x00c",
    b"controls: \x01\x02\x1b[31mred\x1b[0m \x7f tab\t cr\r",
    b"quotes \" and backslashes \\ and </script>",
    "unicode: h\u00e9llo \u4e16\u754c \U0001f600".encode(),
]


def test_hostile_bytes_give_valid_json(tmp_path):
    pod = Pod(tmp_path, stdout_format="json")
    with open(pod.logs / "app.log", "wb") as f:
        for i, h in enumerate(HOSTILE):
            f.write(b"seq=%09d " % i + h + b"\n")
    pod.start()
    assert wait_seqs(pod, len(HOSTILE))
    assert pod.stop() == 0
    recs = pod.records()
    msgs = [r["message"] for r in recs]
    assert msgs[0].endswith("plain ascii")
    assert "\ufffd" in msgs[1]
    assert msgs[2].endswith("a\x00b\x00c")
    assert "\x1b[31mred" in msgs[3]
    assert msgs[4].endswith("quotes \" and backslashes \\ and </script>")
    assert msgs[5].endswith("h\u00e9llo \u4e16\u754c \U0001f600")


def test_ten_mib_line_without_newline_is_shipped_in_pieces(tmp_path):
    pod = Pod(tmp_path, stdout_format="json",
              extra_input="max_line_bytes = 1m")
    # Every byte value but the newline, and no valid multi-byte UTF-8
    # sequence, so the cuts fall at exact MiB offsets.
    pattern = bytes(b for b in range(256) if b != 10)
    big = (pattern * (10 * 1024 * 1024 // len(pattern) + 1))[:10 * 2**20]
    with open(pod.logs / "app.log", "wb") as f:
        f.write(big)
    pod.start()
    # Nine pieces go at once; the last, exactly max_line_bytes with no
    # newline after it, may still grow: it is held until SIGTERM ships it.
    assert wait_for(lambda: pod.output().count(b"\n") >= 9, 20)
    time.sleep(0.3)
    assert pod.output().count(b"\n") == 9
    assert pod.stop() == 0
    recs = pod.records()
    assert len(recs) == 10
    assert all(r["log"]["offset"] == i * 1024 * 1024
               for i, r in enumerate(recs))
    # The pieces are whole: every byte came out, the invalid UTF-8 ones
    # as U+FFFD, each piece at most max_line_bytes.
    total = sum(len(r["message"].encode("utf-8", "surrogatepass"))
                for r in recs)
    assert total >= len(big)
