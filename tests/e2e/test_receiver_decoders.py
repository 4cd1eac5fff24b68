"""The test receiver's Loki decoder.

1. Bodies copied from Loki's documents (each cited by title) are decoded;
   every class of body the documents forbid, or Loki is known to refuse,
   is decoded too.
Check that the documents' examples decode to what they say and that each
forbidden body is refused.
"""
import json

import pytest

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
