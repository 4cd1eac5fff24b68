"""The backend formats (SPEC "Output formats") end to end: otlp, loki and
splunk_hec, each against the test receiver's strict decoder for it
(otlp_decode, decode_loki, decode_hec), over HTTPS, gzip.

For each format (parametrized), with [metadata] (kubernetes.namespace,
kubernetes.container.name, k8s.pod.name) and an input's fields.env:

- every line arrives exactly once, in the shape the backend documents
  (OTLP: resource, scope, body, attributes, times, a stable
  log.record.uid; Loki: labels, structured metadata, one stream per
  label set, each in time order; HEC: host, source, sourcetype, fields,
  the Splunk token);
- 400 for a poison record: bisected, the record in dead_letter, the rest
  delivered once;
- 413: batches split, every line once;
- 429 with Retry-After (and for HEC "server is busy", 503 code 9):
  retried after the delay, every line once;
- kill -9 five times while an application writes: no line lost, the
  checkpoint never ahead of the backend, duplicates no more than what was
  received past the checkpoint at each kill;
- the dead letter keeps the line's [metadata] (for otlp and loki it is a
  request of its own, the resource and the stream with the record).

And for one format each: OTLP partialSuccess (refused records counted,
logged with the backend's message, never sent again), Loki labels from a
parse = json member (two streams a request, each in time order).

Every test also checks that the decoder found nothing to refuse
(rx.decode_errors stays empty) and that the sanitizers said nothing.
"""
import datetime
import json
import random
import re
import subprocess
import time

import pytest

import decode_loki
from receiver import Fault, Receiver
from sidelogtest import (Pod, Writer, binary, count, free_port, scrape,
                         ship_https, wait_for)

N = 1000
FORMATS = {"otlp": "otlp", "loki": "loki", "hec": "splunk_hec"}
PATHS = {"otlp": "/v1/logs", "loki": "/loki/api/v1/push",
         "hec": "/services/collector/event"}
META = {"kubernetes.namespace": "prod", "kubernetes.container.name": "app",
        "k8s.pod.name": "web-0"}
SEED = "web-0-uid-7"
TOKEN = "0b1c2d3e-hec-token"
HEX32 = re.compile(r"[0-9a-f]{32}\Z")


def metadata():
    return "[metadata]\n" + "".join("%s = %s\n" % kv for kv in META.items())


def output_keys(rx, fmt, tmp_path):
    """The [output] keys every test here shares: the format, its URL,
    the pod's id_seed, and for HEC the Splunk token."""
    keys = ("url = https://localhost:%d%s\n"
            "format = %s\n"
            "id_seed = %s\n" % (rx.port, PATHS[fmt], FORMATS[fmt], SEED))
    if fmt == "hec":
        tok = tmp_path / "hec.token"
        tok.write_text(TOKEN)
        keys += ("auth.scheme = Splunk\n"
                 "auth.bearer_token_file = %s\n" % tok)
    return keys


def receiver(pki, fmt, **kw):
    if fmt == "hec":
        kw.setdefault("hec_token", TOKEN)
    return Receiver(tls=pki["server"], fmt=fmt, **kw).start()


def stop(rx):
    rx.stop()
    if rx.otlp is not None:
        rx.otlp.close()


def ship(tmp_path, pki, rx, fmt, extra="", n=N, extra_sidelog="",
         extra_input=""):
    """app.log with lines 0..n-1, shipped in `fmt` to rx; started."""
    return ship_https(tmp_path, rx.port, pki["ca"][0], n,
                      "batch_max_records = 200\n"
                      "retry_initial = 50ms\n"
                      "retry_max = 1s\n" + output_keys(rx, fmt, tmp_path) +
                      extra, extra_sidelog,
                      "fields.env = e2e\n" + extra_input + metadata())


def finish(pod, rx, n, timeout=30):
    """Waits for n distinct lines at rx, then stops sidelog (exit 0)."""
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= n, timeout), \
            (count(rx.seqs(), N)[0][:20], rx.codes, rx.decode_errors,
             pod.stderr()[-3000:])
        assert pod.stop() == 0
    finally:
        stop(rx)


def clean(pod, rx):
    assert rx.decode_errors == []
    pod.assert_clean_stderr()


def seq_of(message):
    return int(re.search(r"seq=(\d+)", message).group(1))


# --- 1. every line once, in the backend's shape ----------------------------

def check_otlp(pod, rx, t0, t1):
    path = str(pod.logs / "app.log")
    uids = {}
    for r in rx.records:
        assert r["resource"] == META, r["resource"]
        assert r["scope"]["name"] == "sidelog" and r["scope"]["version"]
        assert r["message"].startswith("seq=") and len(r["message"]) == 99
        a = r["attrs"]
        assert a["log.file.path"] == path, a
        assert a["env"] == "e2e", a
        assert a["log.offset"] == 100 * seq_of(r["message"]), a
        assert HEX32.match(a["log.record.uid"]), a
        assert t0 <= r["time_ns"] <= t1, (t0, r["time_ns"], t1)
        assert t0 <= r["observed_ns"] <= t1, (t0, r["observed_ns"], t1)
        uids[seq_of(r["message"])] = a["log.record.uid"]
    assert len(set(uids.values())) == N       # one uid a line
    return uids


def check_loki(pod, rx, t0, t1):
    path = str(pod.logs / "app.log")
    for r in rx.records:
        assert r["labels"] == {"kubernetes_namespace": "prod",
                               "kubernetes_container_name": "app"}, r
        m = r["metadata"]
        assert m["log.file.path"] == path, m
        assert m["k8s.pod.name"] == "web-0", m
        assert m["env"] == "e2e", m
        assert m["log.offset"] == str(100 * seq_of(r["message"])), m
        assert t0 <= r["time_ns"] <= t1, (t0, r["time_ns"], t1)
    for body in rx.bodies:
        # One label set in the whole batch: grouped into one stream,
        # and that stream's entries in time order.
        assert len(json.loads(body)["streams"]) == 1
        assert decode_loki.in_order(decode_loki.decode(body))


def check_hec(pod, rx, t0, t1):
    path = str(pod.logs / "app.log")
    for r in rx.records:
        assert r["host"] == SEED, r
        assert r["source"] == path, r
        assert r["sourcetype"] == "sidelog", r
        assert r["index"] is None, r          # hec.index unset: left out
        assert isinstance(r["event"], str), r
        f = r["fields"]
        for k, v in META.items():
            assert f[k] == v, f
        assert f["env"] == "e2e", f
        assert f["log.offset"] == str(100 * seq_of(r["message"])), f
        assert t0 / 1e9 <= r["time"] <= t1 / 1e9, (t0, r["time"], t1)
        # <sec>.<micros>, as "Format events for HEC" writes it
        assert re.match(r"[0-9]+\.[0-9]{6}\Z", r["time_str"]), r
    auth = {next((v for k, v in h.items() if k.lower() == "authorization"),
                 None) for h in rx.headers}
    assert auth == {"Splunk " + TOKEN}, auth


CHECKS = {"otlp": check_otlp, "loki": check_loki, "hec": check_hec}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_line_once_in_the_backend_shape(tmp_path, pki, fmt):
    """1,000 numbered lines with [metadata] and fields.env. Check that
    each arrives once, with its fields where the backend's documents put
    them, times within the run. OTLP: after a restart on an empty
    checkpoint, each line is sent again with the same log.record.uid."""
    rx = receiver(pki, fmt)
    t0 = time.time_ns() - 10**9
    pod = ship(tmp_path, pki, rx, fmt)
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= N, 30), \
            (rx.codes, rx.decode_errors, pod.stderr()[-3000:])
        assert pod.stop() == 0
        t1 = time.time_ns() + 10**9
        assert count(rx.seqs(), N) == ([], 0)
        assert set(p.split("?")[0] for p in rx.paths) == {PATHS[fmt]}
        uids = CHECKS[fmt](pod, rx, t0, t1)
        if fmt == "otlp":
            # The same lines again, from a forgotten checkpoint.
            for f in pod.pvc.iterdir():
                f.unlink()
            first = len(rx.records)
            pod.start()
            assert wait_for(lambda: len(rx.records) >= 2 * N, 30), \
                pod.stderr()[-3000:]
            assert pod.stop() == 0
            again = {seq_of(r["message"]): r["attrs"]["log.record.uid"]
                     for r in rx.records[first:]}
            assert again == uids
    finally:
        stop(rx)
    clean(pod, rx)


# --- 2. 400: the poison record bisected out --------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_400_bisects_the_poison_line_to_dead_letter(tmp_path, pki, fmt):
    """The receiver refuses (400, in its format's error shape) any request
    holding seq=500. Check that the other 999 lines arrive once each, and
    that seq=500 alone is in dead_letter, as one valid JSON line."""
    rx = receiver(pki, fmt, reject_mark="seq=000000500")
    dead = tmp_path / "dead.ndjson"
    pod = ship(tmp_path, pki, rx, fmt, "dead_letter = %s\n" % dead)
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= N - 1, 30), \
            (rx.codes, rx.decode_errors, pod.stderr()[-3000:])
        assert wait_for(dead.exists, 10), pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        stop(rx)
    assert count(rx.seqs(), N) == ([500], 0)
    lines = dead.read_text().splitlines()
    assert len(lines) == 1, lines
    rec = json.loads(lines[0])
    assert "seq=000000500" in json.dumps(rec)
    assert rx.codes[400] <= 10      # bisection, not a request per record
    clean(pod, rx)


def leaves(v):
    """Every string in a JSON value, keys and values."""
    if isinstance(v, dict):
        return set(v) | set().union(*map(leaves, v.values()))
    if isinstance(v, list):
        return set().union(*map(leaves, v))
    return {v} if isinstance(v, str) else set()


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_dead_letter_keeps_the_metadata(tmp_path, pki, fmt):
    """As the 400 test: the one refused line goes to dead_letter. Check
    that the dead letter still says where the line came from: the
    [metadata] values (namespace, container, pod) and the input's
    fields.env are in it, under whatever names the format gives them
    (SPEC: the record, metadata included, is the same in every format;
    a refused record goes to dead_letter)."""
    rx = receiver(pki, fmt, reject_mark="seq=000000007")
    dead = tmp_path / "dead.ndjson"
    pod = ship(tmp_path, pki, rx, fmt, "dead_letter = %s\n" % dead, n=20)
    try:
        assert wait_for(lambda: dead.exists() and dead.stat().st_size, 10), \
            pod.stderr()[-3000:]
        assert pod.stop() == 0
    finally:
        stop(rx)
    (rec,) = [json.loads(l) for l in dead.read_text().splitlines()]
    got = leaves(rec)
    assert any("seq=000000007" in x for x in got), rec
    missing = {v for v in list(META.values()) + ["e2e"] if v not in got}
    assert missing == set(), rec
    clean(pod, rx)


# --- 3. 413: batches split --------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_413_splits_batches(tmp_path, pki, fmt):
    """The receiver answers 413 to any body over 20,000 bytes (inflated):
    a batch of 200 lines is several times that in every format. Check
    that sidelog splits, and every line arrives once."""
    rx = receiver(pki, fmt, max_body=20_000)
    pod = ship(tmp_path, pki, rx, fmt)
    finish(pod, rx, N)
    assert count(rx.seqs(), N) == ([], 0)
    assert rx.codes.get(413, 0) > 0
    assert max(len(b) for b in rx.bodies) <= 20_000
    assert "splitting" in pod.stderr()
    clean(pod, rx)


# --- 4. 429 with Retry-After (and HEC's busy) -------------------------------

@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_429_retry_after_is_honoured(tmp_path, pki, fmt):
    """The first request is answered 429 with Retry-After: 1 (for HEC,
    the next two also 503 "Server is busy", code 9). Check that the
    batch goes again no sooner than a second later, and every line
    arrives once."""
    rx = receiver(pki, fmt, hec_busy=2 if fmt == "hec" else 0)
    rx.faults = [Fault(status=429, retry_after=1)]
    t0 = time.monotonic()
    pod = ship(tmp_path, pki, rx, fmt)
    finish(pod, rx, N)
    assert time.monotonic() - t0 >= 1.0
    assert count(rx.seqs(), N) == ([], 0)
    assert rx.faults == [] and rx.codes[429] == 1
    if fmt == "hec":
        assert rx.hec_busy == 0 and rx.codes[503] == 2
        assert "Server is busy" in pod.stderr()
    assert "sent again" in pod.stderr()
    clean(pod, rx)


# --- 5. OTLP partialSuccess --------------------------------------------------

def test_otlp_partial_success_is_counted_not_sent_again(tmp_path, pki):
    """The receiver answers 200 with partialSuccess rejecting the records
    of lines 500..599 (partial_mark). Check that those lines are in the
    request bodies exactly once each (never sent again), the other 900
    are delivered once, the refusal is logged with the backend's
    errorMessage, and sidelog_records_rejected_total is 100."""
    rx = receiver(pki, "otlp", partial_mark="seq=0000005")
    port = free_port()
    pod = ship(tmp_path, pki, rx, "otlp",
               extra_sidelog="listen = 127.0.0.1:%d\n" % port)
    marked = range(500, 600)
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= N - len(marked), 30), \
            (rx.codes, pod.stderr()[-3000:])
        assert wait_for(lambda: scrape(port).get(
            "sidelog_records_rejected_total", 0) >= len(marked), 10)
        # A few checkpoint intervals: a resend would have gone by now.
        time.sleep(1.0)
        metrics = scrape(port)
        assert pod.stop() == 0
    finally:
        stop(rx)
    assert count(rx.seqs(), N) == (list(marked), 0)
    sent = []
    for body in rx.bodies:
        for rl in json.loads(body)["resourceLogs"]:
            for sl in rl["scopeLogs"]:
                for r in sl["logRecords"]:
                    sent.append(seq_of(r["body"]["stringValue"]))
    assert count(sent, N) == ([], 0)           # marked ones too, once
    assert metrics["sidelog_records_rejected_total"] == len(marked)
    err = pod.stderr()
    refusals = re.findall(r"(\d+) of \d+ records refused: (\d+) log records "
                          r"hold the partial mark", err)
    assert refusals, err[-3000:]
    assert all(a == b for a, b in refusals)
    assert sum(int(a) for a, _ in refusals) == len(marked)
    clean(pod, rx)


# --- 6. kill -9 mid-stream ---------------------------------------------------

def acked_lines(pod):
    """How many lines of app.log the checkpoint holds as delivered
    (`sidelog status`; 0 before the first checkpoint)."""
    p = subprocess.run([binary(), "status", "-c", str(pod.conf)],
                       capture_output=True, text=True, timeout=10)
    for l in p.stdout.splitlines():
        f = l.split()
        if len(f) >= 7 and f[1] == str(pod.logs / "app.log"):
            return int(f[4]) // 100     # 100-byte lines
    return 0


def settled(rx, quiet=0.3):
    """Every request so far answered, and none new for quiet seconds."""
    before = rx.requests
    if sum(rx.codes.values()) != before:
        return False
    time.sleep(quiet)
    return rx.requests == before and sum(rx.codes.values()) == before


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_kill9_mid_stream_loses_nothing(tmp_path, pki, fmt):
    """A writer appends 20,000 lines while sidelog is killed (SIGKILL) 5
    times at random moments and restarted on its checkpoint. Check that
    every line arrives at least once; that at each kill the checkpoint
    holds no line the backend had not received; that the duplicates are
    no more than the lines received past the checkpoint at each kill
    (what a restart may re-send); and that the backend never got a body
    it could not decode. OTLP: a re-sent line carries the uid it had the
    first time."""
    n = 20_000
    rx = receiver(pki, fmt)
    pod = Pod(tmp_path, stdout=False, paths="app.log",
              extra_input="fields.env = e2e\n" + metadata(),
              output=output_keys(rx, fmt, tmp_path) +
              "tls.ca_file = %s\n"
              "batch_max_records = 500\n"
              "batch_timeout = 100ms\n"
              "retry_initial = 50ms\n"
              "retry_max = 500ms\n" % pki["ca"][0])
    w = Writer(pod.logs / "app.log", n, pause_every=500, pause=0.02).start()
    rnd = random.Random(fmt)
    resendable = 0
    try:
        for _ in range(5):
            pod.start()
            time.sleep(rnd.uniform(0.2, 0.7))
            assert pod.kill() == -9
            # The bodies that came before the kill are all decoded and
            # answered (the OTLP decoder takes its time), and no more
            # come: a body the kernel still held is counted too.
            assert wait_for(lambda: settled(rx), 10)
            acked = acked_lines(pod)
            got = set(rx.seqs())
            assert count(got, acked)[0] == [], \
                "checkpointed %d lines, some never received" % acked
            resendable += sum(1 for s in got if s >= acked)
        w.join()
        pod.start()
        assert wait_for(lambda: len(set(rx.seqs())) >= n, 60), \
            (count(rx.seqs(), n)[0][:20], pod.stderr()[-3000:])
        assert pod.stop() == 0
    finally:
        stop(rx)
    lost, dup = count(rx.seqs(), n)
    assert lost == []
    print("%s: %d duplicates after 5 kills, %d re-sendable"
          % (fmt, dup, resendable))
    assert dup <= resendable
    if fmt == "otlp":
        uid = {}
        for r in rx.records:
            s = seq_of(r["message"])
            assert uid.setdefault(s, r["attrs"]["log.record.uid"]) == \
                r["attrs"]["log.record.uid"], s
        assert len(set(uid.values())) == n
    clean(pod, rx)


# --- 7. Loki: labels from a parsed member ------------------------------------

def test_loki_labels_from_json_member_group_two_streams(tmp_path, pki):
    """loki.labels = level, parse = json; the lines alternate level info
    (even seq) and error (odd), and carry their own @timestamp (which
    takes the read time's place), swapped pairwise within each level, so
    that the file is not in time order. Check that each request holds exactly one stream per
    level present, the label matching the line, level not repeated as
    structured metadata, each stream's entries in time order, each entry
    with its line's own time, and every line once."""
    rx = receiver(pki, "loki")
    base = int(time.time()) - 60
    want_ns = {}
    with open(tmp_path / "app.log.tmp", "w") as f:
        for s in range(N):
            ms = s ^ 2          # 0<->2, 1<->3, 4<->6 ...: same parity
            ts = datetime.datetime.fromtimestamp(
                base + ms / 1000, datetime.timezone.utc)
            want_ns[s] = (base * 1000 + ms) * 10**6
            f.write(json.dumps({
                "@timestamp": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "level": "info" if s % 2 == 0 else "error",
                "message": "seq=%09d json line" % s}) + "\n")
    pod = Pod(tmp_path, stdout=False, paths="app.log",
              extra_input="parse = json\n" + metadata(),
              output=output_keys(rx, "loki", tmp_path) +
              "tls.ca_file = %s\n"
              "loki.labels = level\n"
              "batch_max_records = 200\n"
              "batch_timeout = 100ms\n" % pki["ca"][0])
    (tmp_path / "app.log.tmp").rename(pod.logs / "app.log")
    pod.start()
    finish(pod, rx, N)
    assert count(rx.seqs(), N) == ([], 0)
    for r in rx.records:
        s = seq_of(r["message"])
        assert r["labels"] == {"level": "info" if s % 2 == 0 else "error"}
        assert "level" not in r["metadata"], r["metadata"]
        assert r["metadata"]["k8s.pod.name"] == "web-0", r["metadata"]
        assert r["time_ns"] == want_ns[s], (s, r["time_ns"], want_ns[s])
    two = 0
    for body in rx.bodies:
        streams = json.loads(body)["streams"]
        entries = decode_loki.decode(body)
        levels = {e["labels"]["level"] for e in entries}
        assert len(streams) == len(levels), [s["stream"] for s in streams]
        assert decode_loki.order_errors(entries) == []
        two += len(streams) == 2
    assert two >= 1 and two >= len(rx.bodies) - 2, \
        [len(json.loads(b)["streams"]) for b in rx.bodies]
    clean(pod, rx)
