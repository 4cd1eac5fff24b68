"""Redaction, parsing, the event's time and level, and the throttle
(SPEC "Processing"), end to end through the real binary.

1. Lines carrying secrets of every built-in kind and of a rule of the
   user's, some of them refused by the backend (400, so they go to the
   dead letter file), shipped over HTTPS with stdout on (raw, then json).
   Check: no secret's text is in anything any sink got (the receiver's
   bytes, stdout, the dead letter file); each is replaced by its
   [REDACTED:rule]; an order id that fails Luhn is left alone;
   sidelog_redactions_total counts each rule, once a record even when a
   full sink makes it wait and be done again.
2. With redact.hash_key_file: the replacement is the first 16 hex digits
   of HMAC-SHA256(key, match), computed here with Python's hmac; a new
   key in the file changes it without a restart.
3. parse = logfmt with time.key and level.key, to ndjson and to OTLP
   (decoded by the independent decoder): the event's time is the
   record's @timestamp / timeUnixNano, the level is log.level /
   severityNumber and severityText; a line that does not parse is shipped
   as it is and counted in sidelog_parse_errors_total.  With
   parse.message = msg, msg is the message and the line is not shipped.
4. max_read_rate: over 30 s the bytes read per second stay within 10% of
   the limit, then every line is delivered once; a file deleted while
   held is read past the limit (sidelog_throttle_bypassed_bytes_total).
5. `sidelog check` names file, line and key for each processing mistake.
"""
import hashlib
import hmac
import json
import re
import subprocess
import time

from receiver import Receiver
from sidelogtest import LIVE, Pod, binary, free_port, scrape, wait_for

SECRETS = {
    "email": [b"jane.doe+ops@example.co.uk", b"x_y@corp-mail.example.org"],
    "bearer": [b"eyJhbGciOiJub25lIn0xyzABCDEF0123456789abcdef"],
    "password": [b"hunter2!", b"s3cr3t with space", b'p\\"q'],
    "credit_card": [b"4111 1111 1111 1111", b"5500-0000-0000-0004"],
    "jwt": [b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ."
            b"dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk"],
    "aws_key": [b"AKIAIOSFODNN7EXAMPLE"],
    "ipv4": [b"203.0.113.77"],
    "order": [b"ORD-482913"],
}
LUHN_FAIL = b"1234567812345678"


def secret_lines():
    """(lines, secrets in them, rules expected to match) for one file."""
    e, b, p, c, j, a, ip, o = (SECRETS[k] for k in (
        "email", "bearer", "password", "credit_card", "jwt", "aws_key",
        "ipv4", "order"))
    lines = []
    for i in range(40):
        lines += [
            b"seq=%09d mail to %s and <%s>" % (4 * i, e[0], e[1]),
            b"seq=%09d Authorization: Bearer %s from %s" % (4 * i + 1,
                                                             b[0], ip[0]),
            b'seq=%09d {"user":"u","password":"%s","pwd":1} '
            b'password="%s" passwd: %s' % (4 * i + 2, p[2], p[1], p[0]),
            b"seq=%09d paid %s then %s id %s jwt=%s key %s %s%s" % (
                4 * i + 3, c[0], c[1], LUHN_FAIL, j[0], a[0], o[0],
                b" REJECT" if i % 10 == 0 else b""),
        ]
    return lines


def all_secrets():
    return [s for k in SECRETS for s in SECRETS[k]]


def assert_no_secret(data, where):
    for s in all_secrets():
        assert s not in data, "%s holds %r" % (where, s)
    # The password's escaped quote must not leave its tail behind either.
    assert b"hunter2" not in data and b"s3cr3t" not in data, where


def messages(records):
    return "\n".join(r["message"] for r in records).encode()


def shape_pod(tmp_path, rx, ca, listen, stdout_format, extra=""):
    return Pod(tmp_path, paths="app.log", stdout_format=stdout_format,
               extra_sidelog="listen = 127.0.0.1:%d\n" % listen,
               extra_input="redact = email, bearer, password, credit_card, "
               "jwt, aws_key, ipv4\nredact.order = ORD-[0-9]{6}\n" + extra,
               output="url = https://localhost:%d/ingest\n"
               "tls.ca_file = %s\nbatch_timeout = 100ms\n"
               "batch_max_records = 20\ndead_letter = %s\n"
               % (rx.port, ca, tmp_path / "dead.ndjson"))


def test_secrets_reach_no_sink(tmp_path, pki):
    for fmt in ("raw", "json"):
        d = tmp_path / fmt
        d.mkdir()
        rx = Receiver(tls=pki["server"], reject_mark="REJECT").start()
        listen = free_port()
        pod = shape_pod(d, rx, pki["ca"][0], listen, fmt)
        lines = secret_lines()
        (pod.logs / "app.log").write_bytes(b"\n".join(lines) + b"\n")
        try:
            pod.start()
            assert wait_for(lambda: len(rx.seqs()) >= 156, 30), \
                pod.stderr()[-3000:]
            dead = d / "dead.ndjson"
            assert wait_for(lambda: dead.exists() and
                            dead.read_bytes().count(b"\n") == 4, 20)
            m = scrape(listen)
            assert pod.stop() == 0
        finally:
            rx.stop()
        sent = b"\n".join(rx.raw)
        dead_docs = [json.loads(l) for l in dead.read_bytes().splitlines()]
        # The bytes as sent, and the messages as a backend decodes them
        # (a secret with a quote in it is escaped in the JSON).
        texts = [(sent, "the receiver"), (pod.output(), "stdout"),
                 (dead.read_bytes(), "the dead letters"),
                 (messages(rx.records), "the receiver's records"),
                 (messages(dead_docs), "the dead letters' records")]
        if fmt == "json":
            texts.append((messages(pod.records()), "stdout's records"))
        for data, where in texts:
            assert_no_secret(data, where)
        for rule in SECRETS:
            assert b"[REDACTED:%s]" % rule.encode() in sent, rule
        assert LUHN_FAIL in sent
        assert b"Bearer [REDACTED:bearer]" in sent
        assert sorted(rx.seqs()) == [s for s in range(160) if s % 40 != 3]
        label = 'sidelog_redactions_total{input="app",rule="%s"}'
        assert m[label % "email"] == 80
        assert m[label % "credit_card"] == 80
        assert m[label % "aws_key"] == 40
        assert m[label % "order"] == 40
        assert m[label % "password"] >= 120
        if fmt == "json":
            recs = pod.records()
            assert len(recs) == 160
            assert all("[REDACTED" in r["message"] for r in recs)
        pod.assert_clean_stderr()


def test_counts_hold_while_a_sink_is_full(tmp_path):
    """stdout is a pipe nobody reads for a while: records wait and are
    done again, but each is counted once."""
    listen = free_port()
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="listen = 127.0.0.1:%d\n" % listen,
              extra_input="redact = email\nparse = logfmt\n")
    n = 50000
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(n):
            f.write(b"seq=%09d to=u%d@example.com %s\n" % (
                i, i, b"plain" if i % 2 else b'bad="'))
    p = subprocess.Popen([binary(), "run", "-c", str(pod.conf)],
                         stdout=subprocess.PIPE,
                         stderr=open(pod.err, "wb"))
    LIVE.append(p)
    try:
        time.sleep(2.0)         # nobody reads: the pipe is full at once
        out = b""
        while out.count(b"\n") < n:
            chunk = p.stdout.read1(1 << 20)
            assert chunk, "stdout ended early"
            out += chunk
        m = scrape(listen)
    finally:
        p.terminate()
        assert p.wait(30) == 0
    assert out.count(b"[REDACTED:email]") == n
    assert m['sidelog_redactions_total{input="app",rule="email"}'] == n
    assert m['sidelog_parse_errors_total{input="app"}'] == n // 2
    pod.assert_clean_stderr()


def test_hashed_redaction_follows_its_key(tmp_path):
    key = tmp_path / "key"
    key.write_bytes(b"k1\n")
    pod = Pod(tmp_path, paths="app.log",
              extra_input="redact = email\nredact.hash_key_file = %s\n" % key)
    log = pod.logs / "app.log"
    log.write_bytes(b"seq=000000000 from a.b@example.com\n"
                    b"seq=000000001 again a.b@example.com\n")
    pod.start()
    try:
        assert wait_for(lambda: len(pod.seqs()) == 2, 10)

        def mark(k):
            h = hmac.new(k, b"a.b@example.com", hashlib.sha256)
            return b"[REDACTED:email:%s]" % h.hexdigest()[:16].encode()
        out = pod.output()
        assert out.count(mark(b"k1")) == 2, out
        time.sleep(1.1)         # the file's mtime must move
        key.write_bytes(b"k2")
        time.sleep(1.5)         # looked at once a second
        with open(log, "ab") as f:
            f.write(b"seq=000000002 then a.b@example.com\n")
        assert wait_for(lambda: len(pod.seqs()) == 3, 10)
        assert pod.output().count(mark(b"k2")) == 1
        assert b"a.b@example.com" not in pod.output()
    finally:
        assert pod.stop() == 0
    pod.assert_clean_stderr()


LOGFMT = (b'ts=2024-02-29T23:30:00.123456789+01:00 level=WARNING '
          b'msg="disk \\"sda\\" full" seq=000000000\n'
          b'ts=1709245800 level=30 seq=000000001 msg=ok\n'
          b'this "line" is not logfmt seq=000000002\n'
          b'ts=not-a-time level=chatty seq=000000003\n')


def test_logfmt_time_and_level_to_ndjson(tmp_path, pki):
    rx = Receiver(tls=pki["server"]).start()
    listen = free_port()
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="listen = 127.0.0.1:%d\n" % listen,
              extra_input="parse = logfmt\ntime.key = ts\nlevel.key = level\n",
              output="url = https://localhost:%d/ingest\ntls.ca_file = %s\n"
              "batch_timeout = 100ms\n" % (rx.port, pki["ca"][0]))
    (pod.logs / "app.log").write_bytes(LOGFMT)
    try:
        pod.start()
        assert wait_for(lambda: len(rx.records) == 4, 20), pod.stderr()
        m = scrape(listen)
        assert pod.stop() == 0
    finally:
        rx.stop()
    r = sorted(rx.records, key=lambda r: r["log"]["offset"])
    assert r[0]["@timestamp"] == "2024-02-29T22:30:00.123456789Z"
    assert r[0]["log"]["level"] == "warn"
    assert r[0]["msg"] == 'disk "sda" full' and r[0]["seq"] == "000000000"
    assert r[1]["@timestamp"] == "2024-02-29T22:30:00.000000Z"
    assert r[1]["log"]["level"] == "info"
    assert "level" not in r[2]["log"] and "seq" not in r[2]
    assert r[2]["message"] == 'this "line" is not logfmt seq=000000002'
    assert r[3]["log"]["level"] == "chatty"
    assert r[3]["@timestamp"] != "not-a-time"
    # The line that is not logfmt, and the time that is not a time.
    assert m['sidelog_parse_errors_total{input="app"}'] == 2
    pod.assert_clean_stderr()


def test_parse_message_ships_each_value_once(tmp_path):
    """parse.message = msg: logfmt's msg is the message, the line is not
    shipped beside its fields; a line without msg keeps the line."""
    pod = Pod(tmp_path, paths="app.log", stdout_format="json",
              extra_input="parse = logfmt\nparse.message = msg\n")
    (pod.logs / "app.log").write_bytes(
        b'level=info msg="user 7 logged in" seq=000000000\n'
        b'level=info seq=000000001\n')
    pod.start()
    try:
        assert wait_for(lambda: len(pod.records()) == 2, 10)
    finally:
        assert pod.stop() == 0
    r = pod.records()
    assert r[0]["message"] == "user 7 logged in" and "msg" not in r[0]
    assert r[0]["seq"] == "000000000" and r[0]["level"] == "info"
    assert r[1]["message"] == "level=info seq=000000001"
    pod.assert_clean_stderr()


def test_logfmt_time_and_level_to_otlp(tmp_path):
    rx = Receiver(fmt="otlp").start()
    pod = Pod(tmp_path, paths="app.log", stdout=False,
              extra_input="parse = logfmt\ntime.key = ts\nlevel.key = level\n",
              output="url = http://127.0.0.1:%d/v1/logs\nformat = otlp\n"
              "batch_timeout = 100ms\n" % rx.port)
    (pod.logs / "app.log").write_bytes(LOGFMT)
    try:
        pod.start()
        assert wait_for(lambda: len(rx.records) == 4, 30), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert rx.decode_errors == []
    by = {}
    for r in rx.records:
        seq = re.search(r"seq=(\d+)", json.dumps(r)).group(1)
        by[int(seq)] = r
    assert by[0]["time_ns"] == 1709245800123456789
    assert by[0]["severity_number"] == 13
    assert by[0]["severity_text"] == "WARNING"
    assert by[1]["time_ns"] == 1709245800 * 10**9
    assert by[1]["severity_number"] == 9
    # Unknown (UNSPECIFIED, 0) is left out, as proto3's JSON does.
    assert by[2]["severity_number"] in (0, None)
    assert by[2]["severity_text"] in ("", None)
    assert by[3]["severity_number"] in (0, None)
    assert by[3]["severity_text"] == "chatty"
    keys = list(by[0]["attrs"])
    assert "log.level" not in keys and "level" in keys
    pod.assert_clean_stderr()


def counter(listen, name):
    return scrape(listen).get(name, 0)


def test_throttle_holds_its_rate_and_loses_nothing(tmp_path):
    rate = 256 * 1024
    listen = free_port()
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="listen = 127.0.0.1:%d\n" % listen,
              extra_input="max_read_rate = 256k\nmax_line_bytes = 4k\n")
    n = 100000                  # 100 bytes a line: 10 MB, 38 s at the rate
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(n):
            f.write(b"seq=%09d %s\n" % (i, b"x" * 86))
    pod.start()
    try:
        name = "sidelog_bytes_read_total"
        assert wait_for(lambda: counter(listen, name) > 0, 10)
        time.sleep(2)           # past the first second's burst
        t0, b0 = time.monotonic(), counter(listen, name)
        time.sleep(30)
        t1, b1 = time.monotonic(), counter(listen, name)
        measured = (b1 - b0) / (t1 - t0)
        print("throttle: %.0f bytes/s over %.1f s, limit %d (%.1f%%)"
              % (measured, t1 - t0, rate, 100.0 * measured / rate))
        assert abs(measured - rate) <= 0.10 * rate
        assert scrape(listen)['sidelog_lag_bytes{input="app"}'] > 0
        assert wait_for(lambda: len(pod.seqs()) >= n, 30)
    finally:
        assert pod.stop() == 0
    seqs = pod.seqs()
    assert sorted(seqs) == list(range(n))
    pod.assert_clean_stderr()


def test_a_deleted_file_is_read_past_the_throttle(tmp_path):
    listen = free_port()
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="listen = 127.0.0.1:%d\n" % listen,
              extra_input="max_read_rate = 8k\nmax_line_bytes = 1k\n")
    n = 20000                   # 2 MB: four minutes at the rate
    log = pod.logs / "app.log"
    with open(log, "wb") as f:
        for i in range(n):
            f.write(b"seq=%09d %s\n" % (i, b"y" * 86))
    pod.start()
    try:
        assert wait_for(lambda: len(pod.seqs()) > 0, 10)
        log.unlink()            # the app's rotation deleted it
        assert wait_for(lambda: len(pod.seqs()) >= n, 30), \
            len(pod.seqs())
        assert counter(listen,
                       "sidelog_throttle_bypassed_bytes_total") > 1000000
    finally:
        assert pod.stop() == 0
    assert sorted(pod.seqs()) == list(range(n))
    pod.assert_clean_stderr()


def check(tmp_path, text):
    conf = tmp_path / "c.ini"
    conf.write_text("[input.a]\npaths = /x/*.log\n" + text +
                    "[stdout]\nenabled = true\n")
    p = subprocess.run([binary(), "check", "-c", str(conf)],
                       capture_output=True, text=True, timeout=10)
    return p.returncode, p.stderr


def test_processing_mistakes_are_named(tmp_path):
    cases = [
        ("redact = email, emial\n", "c.ini:3: [input.a] redact: "),
        ("redact.card = [0-9\n", "c.ini:3: [input.a] redact.card: "),
        ("redact.hash_keyfile = /k\n",
         "c.ini:3: [input.a] redact.hash_keyfile: unknown key (did you "
         "mean redact.hash_key_file?)"),
        ("parse = regex\nparse.regex = ^(a)(b)$\nparse.fields = x\n",
         "c.ini:5: [input.a] parse.fields: names 1 fields but parse.regex "
         "has 2 groups"),
        ("parse = regex\n", "c.ini:3: [input.a] parse: regex needs"),
        ("parse.regex = (a)\n", "c.ini:3: [input.a] parse.regex: only with "
         "parse = regex"),
        ("time.key = ts\n", "c.ini:3: [input.a] time.key: names a parsed "
         "field"),
        ("parse = json\ntime.key = ts\ntime.format = weekly\n",
         "c.ini:5: [input.a] time.format: "),
        ("max_read_rate = 10\n", "c.ini:3: [input.a] max_read_rate: "),
        ("redact.hash_key_file = /nonexistent/key\nredact = email\n",
         "c.ini:3: [input.a] redact.hash_key_file: cannot read"),
    ]
    for text, want in cases:
        rc, err = check(tmp_path, text)
        assert rc == 2 and want in err, (text, err)
    rc, err = check(tmp_path, "parse = logfmt\ntime.key = ts\n"
                    "level.key = lvl\nredact = email,jwt\nredact.x = a+b\n"
                    "max_read_rate = 4m\n")
    assert rc == 0, err
