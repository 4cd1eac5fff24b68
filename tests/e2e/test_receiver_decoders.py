"""The test receiver's Loki and HEC decoders, and its loki/hec/otlp modes.

1. Bodies copied from the backends' documents (each cited by title) are
   decoded; every class of body the documents forbid, or the backend is
   known to refuse, is decoded too.
2. A Receiver in each mode is sent valid bodies (plain and gzip), poison
   bodies and faults over http.client.
Check that the documents' examples decode to what they say; that each
forbidden body is refused (for HEC, with the code and event number HEC
gives); that the receiver stores one record per entry or event, answers
as the backend does (Loki 204, HEC {"text":"Success","code":0}, OTLP {}),
and answers poison in the backend's error shape, counted in
rx.decode_errors.
"""
import gzip
import http.client
import json

import pytest

import decode_hec
import decode_loki
from receiver import Fault, Receiver

NS = "1570818238000000000"


def push(streams):
    return json.dumps({"streams": streams})


def one(value, stream=None):
    stream = {"foo": "bar2"} if stream is None else stream
    return push([{"stream": stream, "values": [value]}])


# -- Loki ---------------------------------------------------------------

def test_loki_docs_curl_example_decodes():
    # "Loki HTTP API", Ingest logs, Examples: the cURL body, as given.
    body = ('{"streams": [{ "stream": { "foo": "bar2" }, "values": '
            '[ [ "1570818238000000000", "fizzbuzz" ] ] }]}')
    assert decode_loki.decode(body.encode()) == [
        {"labels": {"foo": "bar2"}, "time_ns": 1570818238000000000,
         "line": "fizzbuzz", "metadata": {}}]


def test_loki_structured_metadata_decodes():
    # "Loki HTTP API", Ingest logs: the structured metadata example.
    meta = {"trace_id": "0242ac120002", "user_id": "superUser123"}
    (e,) = decode_loki.decode(one([NS, "fizzbuzz", meta]))
    assert e["metadata"] == meta and e["line"] == "fizzbuzz"


def test_loki_empty_push_is_valid():
    # sidelog's probe (SPEC "Operations"): nothing to store, no error.
    assert decode_loki.decode(b'{"streams":[]}') == []


def test_loki_entries_keep_body_order_and_order_is_per_stream():
    a, b = {"app": "a"}, {"app": "b"}
    body = push([{"stream": a, "values": [["3", "a3"], ["5", "a5"]]},
                 {"stream": b, "values": [["1", "b1"]]},
                 {"stream": a, "values": [["4", "a4"]]}])
    entries = decode_loki.decode(body)
    assert [e["line"] for e in entries] == ["a3", "a5", "b1", "a4"]
    assert decode_loki.order_errors(entries[:3]) == []
    assert len(decode_loki.order_errors(entries)) == 1
    assert not decode_loki.in_order(entries)


BAD_LOKI = {
    # "Troubleshoot log ingestion (WRITE)", missing_labels.
    "no-labels": one([NS, "x"], {}),
    # Prometheus "Data model": an empty value is no label at all.
    "only-empty-label": one([NS, "x"], {"app": ""}),
    # Same page, invalid_labels: its own three wrong names.
    "name-digit-first": one([NS, "x"], {"123-app": "v"}),
    "name-hyphen": one([NS, "x"], {"app-name": "v"}),
    "name-reserved": one([NS, "x"], {"__internal": "v"}),
    # grafana/loki#19673: Loki answers 400 to a colon.
    "name-colon": one([NS, "x"], {"bad:label": "v"}),
    "name-dot": one([NS, "x"], {"k8s.pod": "v"}),
    # Same page, duplicate_label_names.
    "name-twice": '{"streams":[{"stream":{"a":"1","a":"2"},"values":[]}]}',
    "value-number": one([NS, "x"], {"app": 1}),
    "value-null": one([NS, "x"], {"app": None}),
    "value-object": one([NS, "x"], {"app": {"a": "b"}}),
    # "Loki HTTP API", Timestamps: a number is a 400 on push.
    "ts-number": one([int(NS), "x"]),
    "ts-fraction": one(["1570818238.5", "x"]),
    "ts-negative": one(["-1", "x"]),
    "ts-space": one([" 1", "x"]),
    "ts-exponent": one(["1e18", "x"]),
    "ts-empty": one(["", "x"]),
    "ts-rfc3339": one(["2019-10-11T18:23:58Z", "x"]),
    "ts-over-int64": one([str(2**63), "x"]),
    "ts-arabic-digits": one(["\u0661\u0662", "x"]),
    "arity-1": one([NS]),
    "arity-4": one([NS, "x", {}, "y"]),
    "value-not-array": one(NS + " x"),
    "line-number": one([NS, 7]),
    "line-null": one([NS, None]),
    # "Loki HTTP API", Ingest logs: string values, no nested object.
    "meta-number": one([NS, "x", {"n": 1}]),
    "meta-nested": one([NS, "x", {"o": {"a": "b"}}]),
    "meta-array": one([NS, "x", ["a", "b"]]),
    "top-unknown-key": '{"streams":[],"format":"loki"}',
    "top-no-streams": "{}",
    "top-array": "[]",
    "streams-object": '{"streams":{}}',
    "stream-unknown-key": push([{"stream": {"a": "b"}, "values": [],
                                 "labels": "{a=\"b\"}"}]),
    "stream-no-values": push([{"stream": {"a": "b"}}]),
    # The first API's shape, long gone from the documents.
    "legacy-entries": push([{"labels": "{foo=\"bar\"}", "entries": [
        {"ts": "2018-12-18T08:28:06.801064-04:00", "line": "baz"}]}]),
    "two-bodies": one([NS, "x"]) + one([NS, "y"]),
    "nan": '{"streams":[{"stream":{"a":"b"},"values":[],"x":NaN}]}',
    "lone-surrogate": one([NS, "\ud800"]),
    "not-utf8": one([NS, "x"]).encode().replace(b"x", b"\xff"),
    # Default limits_config, "Troubleshoot log ingestion (WRITE)".
    "16-labels": one([NS, "x"], {"l%d" % i: "v" for i in range(16)}),
    "line-over-256k": one([NS, "x" * (256 * 1024 + 1)]),
    "meta-129-entries": one([NS, "x", {"m%d" % i: "v" for i in range(129)}]),
}


@pytest.mark.parametrize("name", sorted(BAD_LOKI))
def test_loki_refuses(name):
    body = BAD_LOKI[name]
    with pytest.raises(decode_loki.LokiError):
        decode_loki.decode(body if isinstance(body, bytes) else
                           body.encode())


def test_loki_limits_can_be_lifted_and_time_window_checked():
    assert decode_loki.decode(BAD_LOKI["line-over-256k"], limits={})
    now = int(NS)
    day = 24 * 3600 * 10**9
    decode_loki.decode(one([str(now - day), "x"]), now_ns=now)
    for ts in (now - 8 * day, now + 3600 * 10**9):
        with pytest.raises(decode_loki.LokiError, match="too (old|new)"):
            decode_loki.decode(one([str(ts), "x"]), now_ns=now)


# -- Splunk HEC ---------------------------------------------------------

# "HTTP Event Collector examples", Basic example and Batching example.
HEC_BASIC = b'{"event": "Hello, world!", "sourcetype": "manual"}'
HEC_BATCH = (b'{"event": "Pony 1 has left the barn"}{"event": "Pony 2 has '
             b'left the barn"}{"event": "Pony 3 has left the barn", '
             b'"nested": {"key1": "value1"}}')


def test_hec_docs_basic_example_decodes():
    assert decode_hec.decode(HEC_BASIC) == [
        {"time": None, "time_str": None, "host": None, "source": None,
         "sourcetype": "manual", "index": None, "event": "Hello, world!",
         "fields": None}]


def test_hec_docs_batch_example_needs_unknown_keys():
    # Splunk takes the "nested" key; sidelog's envelope must not have one.
    with pytest.raises(decode_hec.HecError) as e:
        decode_hec.decode(HEC_BATCH)
    assert (e.value.code, e.value.event) == (6, 2)
    events = decode_hec.decode(HEC_BATCH, unknown_keys=True)
    assert [x["event"][:6] for x in events] == ["Pony 1", "Pony 2", "Pony 3"]


@pytest.mark.parametrize("sep", [b"", b"\n", b"\r\n", b" \n\t"])
def test_hec_events_may_be_stacked_with_or_without_white_space(sep):
    body = sep.join(b'{"event": "e%d"}' % i for i in range(3)) + sep
    assert [x["event"] for x in decode_hec.decode(body)] == ["e0", "e1", "e2"]


@pytest.mark.parametrize("raw,seconds", [
    # "Format events for HTTP Event Collector": "<sec>.<ms>", its example.
    (b"1433188255.500", 1433188255.5),
    (b'"1433188255.500"', 1433188255.5),
    (b"1426279439", 1426279439.0),
    (b'"1700000000.123456"', 1700000000.123456)])
def test_hec_time_keeps_its_text(raw, seconds):
    (e,) = decode_hec.decode(b'{"time": %s, "event": "x"}' % raw)
    assert e["time"] == seconds
    assert e["time_str"] == raw.strip(b'"').decode()


def test_hec_fields_flat_strings_and_string_arrays_decode():
    # "Automate indexed field extractions with HTTP Event Collector".
    fields = {"club": "glee", "wins": ["regionals", "nationals"]}
    body = json.dumps({"event": "x", "fields": fields, "host": "h",
                       "source": "/var/log/app.log", "index": "main"})
    (e,) = decode_hec.decode(body.encode())
    assert (e["fields"], e["host"], e["source"], e["index"]) == \
        (fields, "h", "/var/log/app.log", "main")


BAD_HEC = {
    "empty": (b"", 5, None),
    "white-space": (b" \n", 5, None),
    "no-event": (b'{"event":"a"}\n{"host":"h"}', 12, 1),
    "null-event": (b'{"event":null}', 12, 0),
    "blank-event": (b'{"event":""}', 13, 0),
    "empty-object-event": (b'{"event":{}}', 13, 0),
    "unknown-key": (b'{"event":"a","level":"info"}', 6, 0),
    "time-iso": (b'{"event":"a","time":"2015-06-01T19:50:55Z"}', 6, 0),
    "time-bool": (b'{"event":"a","time":true}', 6, 0),
    "time-negative": (b'{"event":"a","time":-1}', 6, 0),
    "time-null": (b'{"event":"a","time":null}', 6, 0),
    "time-nan": (b'{"event":"a","time":NaN}', 6, 0),
    "host-number": (b'{"event":"a","host":1}', 6, 0),
    "index-null": (b'{"event":"a","index":null}', 6, 0),
    # open-telemetry/opentelemetry-collector-contrib#17308: what Splunk
    # answers to nested fields.
    "fields-nested-object": (
        b'{"fields":{"keyMap":{"field": "value"}}, "event": "hello world"}',
        15, 0),
    "fields-nested-array": (
        b'{"fields":{"keyArray":["A", [1]]}, "event": "hello world"}',
        15, 0),
    "fields-number": (b'{"event":"a","fields":{"n":1}}', 15, 0),
    "fields-not-object": (b'{"event":"a","fields":"k=v"}', 15, 0),
    "truncated-second": (b'{"event":"a"}\n{"event":"b"', 6, 1),
    "junk-between": (b'{"event":"a"},{"event":"b"}', 6, 1),
    "top-array": (b'[{"event":"a"}]', 6, 0),
    "top-string": (b'"a"', 6, 0),
    "duplicate-key": (b'{"event":"a","event":"b"}', 6, 0),
    "lone-surrogate": (b'{"event":"\\udc00"}', 6, 0),
    "not-utf8": (b'{"event":"\xff"}', 6, 0),
}


@pytest.mark.parametrize("name", sorted(BAD_HEC))
def test_hec_refuses_with_code_and_event(name):
    body, code, event = BAD_HEC[name]
    with pytest.raises(decode_hec.HecError) as e:
        decode_hec.decode(body)
    assert (e.value.code, e.value.event) == (code, event)


def test_hec_replies_are_the_documented_ones():
    assert decode_hec.reply(0) == (200, b'{"text":"Success","code":0}')
    assert decode_hec.reply(6, 3) == (
        400, b'{"text":"Invalid data format","code":6,'
             b'"invalid-event-number":3}')
    assert decode_hec.reply(9) == (503, b'{"text":"Server is busy","code":9}')
    assert [decode_hec.reply(c)[0] for c in (2, 3, 4, 5)] == \
        [401, 401, 403, 400]


# -- the receiver's modes ----------------------------------------------

def post(rx, body, gz=False, ctype="application/json", headers=None):
    h = dict(headers or {})
    if ctype:
        h["Content-Type"] = ctype
    if gz:
        body = gzip.compress(body)
        h["Content-Encoding"] = "gzip"
    c = http.client.HTTPConnection("127.0.0.1", rx.port, timeout=10)
    try:
        c.request("POST", "/", body, h)
        r = c.getresponse()
        return r.status, r, r.read()
    finally:
        c.close()


@pytest.fixture
def rx(request):
    r = Receiver(**request.param).start()
    yield r
    r.stop()


def loki_body(n, start=0):
    return push([{"stream": {"app": "web"}, "values": [
        [str(int(NS) + i), "seq=%09d" % i, {"log_offset": str(i)}]
        for i in range(start, start + n)]}]).encode()


@pytest.mark.parametrize("rx", [{"fmt": "loki"}], indirect=True)
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_loki_mode_stores_entries_and_answers_204(rx, gz):
    status, resp, body = post(rx, loki_body(3), gz=gz)
    assert (status, body) == (204, b"")
    assert resp.getheader("Content-Length") is None
    assert rx.seqs() == [0, 1, 2] and rx.decode_errors == []
    r = rx.records[2]
    assert (r["labels"], r["metadata"], r["time_ns"], r["line"]) == \
        ({"app": "web"}, {"log_offset": "2"}, int(NS) + 2, r["message"])
    assert post(rx, b'{"streams":[]}')[0] == 204


@pytest.mark.parametrize("rx", [{"fmt": "loki"}], indirect=True)
def test_loki_mode_answers_poison_400_in_text(rx):
    status, resp, body = post(rx, BAD_LOKI["no-labels"].encode())
    assert status == 400
    assert resp.getheader("Content-Type").startswith("text/plain")
    assert b"at least one label pair is required" in body
    status, _, body = post(rx, loki_body(1), ctype="application/x-protobuf")
    assert status == 400 and b"Content-Type" in body
    assert len(rx.decode_errors) == 2 and rx.records == []


@pytest.mark.parametrize("rx", [{"fmt": "loki", "reject_mark": "seq=000000001",
                                 "max_body": 2000}], indirect=True)
def test_loki_mode_reject_mark_and_max_body(rx):
    status, resp, body = post(rx, loki_body(3))
    assert status == 400 and resp.getheader("Content-Type").startswith(
        "text/plain")
    assert post(rx, loki_body(100, 10), gz=True)[0] == 413
    assert rx.records == [] and rx.decode_errors == []


def hec_body(n):
    return b"\n".join(json.dumps({
        "time": "1700000000.%06d" % i, "host": "web-0",
        "source": "/var/log/app.log", "sourcetype": "sidelog",
        "event": "seq=%09d" % i, "fields": {"stream": "stdout"}}).encode()
        for i in range(n)) + b"\n"


@pytest.mark.parametrize("rx", [{"fmt": "hec"}], indirect=True)
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_hec_mode_stores_events_and_answers_success(rx, gz):
    status, resp, body = post(rx, hec_body(3), gz=gz, ctype=None)
    assert (status, json.loads(body)) == (200, {"text": "Success", "code": 0})
    assert rx.seqs() == [0, 1, 2] and rx.decode_errors == []
    r = rx.records[1]
    assert (r["time_str"], r["host"], r["source"], r["fields"]) == \
        ("1700000000.000001", "web-0", "/var/log/app.log",
         {"stream": "stdout"})


@pytest.mark.parametrize("rx", [{"fmt": "hec",
                                 "reject_mark": "seq=000000002"}],
                         indirect=True)
def test_hec_mode_poison_mark_and_probe(rx):
    status, _, body = post(rx, b'{"event":"a"}\n{"host":"h"}\n')
    assert (status, json.loads(body)) == (400, {
        "text": "Event field is required", "code": 12,
        "invalid-event-number": 1})
    status, _, body = post(rx, hec_body(4))
    assert (status, json.loads(body)) == (400, {
        "text": "Invalid data format", "code": 6,
        "invalid-event-number": 2})
    # sidelog's probe: "No data" proves the token, and is no decode error.
    status, _, body = post(rx, b"")
    assert (status, json.loads(body)["code"]) == (400, 5)
    assert len(rx.decode_errors) == 1 and rx.records == []


@pytest.mark.parametrize("rx", [{"fmt": "hec", "hec_busy": 2,
                                 "hec_token": "t0k"}], indirect=True)
def test_hec_mode_token_and_busy(rx):
    ok = {"Authorization": "Splunk t0k"}
    codes = [json.loads(post(rx, hec_body(1), headers=h)[2])["code"]
             for h in ({}, {"Authorization": "Bearer t0k"},
                       {"Authorization": "Splunk nope"})]
    assert codes == [2, 3, 4]
    for _ in range(2):
        status, _, body = post(rx, hec_body(1), headers=ok)
        assert (status, json.loads(body)) == (
            503, {"text": "Server is busy", "code": 9})
    assert post(rx, hec_body(1), headers=ok)[0] == 200
    assert rx.codes == {401: 2, 403: 1, 503: 2, 200: 1}
    assert rx.seqs() == [0]


@pytest.mark.parametrize("rx", [{"fmt": "hec"}], indirect=True)
def test_hec_mode_faults_speak_hec(rx):
    rx.faults = [Fault(status=503, retry_after=1), Fault(status=429),
                 Fault(status=400, body=b"custom")]
    status, resp, body = post(rx, hec_body(1))
    assert (status, resp.getheader("Retry-After")) == (503, "1")
    assert json.loads(body)["code"] == 9
    assert post(rx, hec_body(1))[::2] == (429, b"Too Many Requests")
    assert post(rx, hec_body(1))[::2] == (400, b"custom")
    assert post(rx, hec_body(1))[0] == 200 and rx.seqs() == [0]


def otlp_body(n):
    return json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"timeUnixNano": str(int(NS) + i),
         "body": {"stringValue": "seq=%09d" % i}}
        for i in range(n)]}]}]}).encode()


@pytest.fixture
def otlp_rx():
    """The receiver in otlp mode, with the real decoder (otlp_decode)."""
    r = Receiver(fmt="otlp", partial_mark="seq=000000001",
                 reject_mark="seq=000000007").start()
    yield r
    r.stop()


def test_otlp_mode_success_partial_reject_and_poison(otlp_rx):
    rx = otlp_rx
    assert post(rx, otlp_body(1))[::2] == (200, b"{}")
    status, _, body = post(rx, otlp_body(3), gz=True)
    assert status == 200
    ps = json.loads(body)["partialSuccess"]
    assert ps["rejectedLogRecords"] == "1" and ps["errorMessage"]
    assert rx.seqs() == [0, 0, 2]
    status, _, body = post(rx, otlp_body(8))
    assert (status, json.loads(body)["code"]) == (400, 3)
    status, _, body = post(rx, b'{"resourceSpans":[]}')
    assert (status, json.loads(body)["code"]) == (400, 3)
    assert len(rx.decode_errors) == 1
    rx.faults = [Fault(status=503)]
    assert json.loads(post(rx, otlp_body(1))[2])["code"] == 14


def test_formats_and_the_old_bulk_switch():
    for kw, fmt in (({"bulk": True}, "bulk"), ({}, "ndjson")):
        r = Receiver(**kw)
        r.server.server_close()
        assert (r.fmt, r.bulk) == (fmt, fmt == "bulk")
    with pytest.raises(ValueError):
        Receiver(fmt="syslog")


@pytest.mark.parametrize("rx", [{}], indirect=True)
def test_ndjson_mode_is_unchanged(rx):
    lines = b'{"message":"seq=000000001"}\n{"message":"seq=000000002"}\n'
    assert post(rx, lines, gz=True, ctype="application/x-ndjson")[::2] == \
        (200, b"{}")
    assert rx.seqs() == [1, 2] and rx.raw == lines.splitlines()
    assert rx.bodies == [] and rx.decode_errors == []
