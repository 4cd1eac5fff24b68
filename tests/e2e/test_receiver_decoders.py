"""The test receiver's Loki and HEC decoders.

1. Bodies copied from the backends' documents (each cited by title) are
   decoded; every class of body the documents forbid, or the backend is
   known to refuse, is decoded too.
Check that the documents' examples decode to what they say, and that each
forbidden body is refused (for HEC, with the code and event number HEC
gives).
"""
import json

import pytest

import decode_hec
import decode_loki

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
