"""The decoder the OTLP e2e tests judge sidelog by, judged on its own
(otlp_decode.py, otlp/decode.mjs). Bodies are written by hand from the
OTLP specification and opentelemetry-proto's examples/logs.json.

1. The example request is accepted and normalized; records() flattens it.
2. An empty request is valid, and reported as empty.
3. 64-bit integers keep every bit, as strings and as bare numbers.
4. What proto3 JSON allows is accepted: null fields, numbers as strings,
   exponent forms of integers, hex in either case, URL-safe base64;
   escaped and raw UTF-8, and bodies of megabytes.
5. What the OTLP spec forbids is rejected, with the reason: an unknown
   key, a snake_case key, a timeUnixNano that is no integer, an AnyValue
   with two values, a base64 or malformed traceId/spanId, a duplicated
   attribute key, an enum by name, a body that is not JSON.
6. decode() from several threads pairs each body with its answer.
Check each.
"""
import json
import threading

import pytest

from otlp_decode import records

# opentelemetry-proto examples/logs.json (Apache-2.0), as it stands.
EXAMPLE = {"resourceLogs": [{
    "resource": {"attributes": [
        {"key": "service.name", "value": {"stringValue": "my.service"}}]},
    "scopeLogs": [{
        "scope": {"name": "my.library", "version": "1.0.0", "attributes": [
            {"key": "my.scope.attribute",
             "value": {"stringValue": "some scope attribute"}}]},
        "logRecords": [{
            "timeUnixNano": 1544712660300000000,
            "observedTimeUnixNano": 1544712660300000000,
            "severityText": "Information",
            "traceId": "5B8EFFF798038103D269B633813FC60C",
            "spanId": "EEE19B7EC3C1B174",
            "body": {"stringValue": "Example log record"},
            "attributes": [
                {"key": "string.attribute",
                 "value": {"stringValue": "some string"}},
                {"key": "boolean.attribute", "value": {"boolValue": True}},
                {"key": "int.attribute", "value": {"intValue": 10}},
                {"key": "double.attribute",
                 "value": {"doubleValue": 637.704}},
                {"key": "array.attribute", "value": {"arrayValue": {
                    "values": [{"stringValue": "many"},
                               {"stringValue": "values"}]}}},
                {"key": "map.attribute", "value": {"kvlistValue": {
                    "values": [{"key": "some.map.key",
                                "value": {"stringValue": "some value"}}]}}},
            ]}]}]}]}


def body(record=None, resource=None):
    """A request with one log record (and resource attributes)."""
    rl = {"scopeLogs": [{"logRecords": [record or {}]}]}
    if resource is not None:
        rl["resource"] = {"attributes": resource}
    return json.dumps({"resourceLogs": [rl]}).encode()


def one(decoder, record, resource=None):
    return records(decoder.decode(body(record, resource)))[0]


def test_spec_example_is_accepted_and_normalized(otlp_decoder):
    req = otlp_decoder.decode(json.dumps(EXAMPLE).encode())
    assert req["empty"] is False
    sl = req["resourceLogs"][0]["scopeLogs"][0]
    assert req["resourceLogs"][0]["resource"] == {
        "service.name": "my.service"}
    assert sl["scope"] == {"name": "my.library", "version": "1.0.0",
                           "attributes": {"my.scope.attribute":
                                          "some scope attribute"}}
    assert sl["logRecords"] == [{
        "timeUnixNano": "1544712660300000000",
        "observedTimeUnixNano": "1544712660300000000",
        "severityNumber": None, "severityText": "Information",
        "body": "Example log record",
        "attributes": {"string.attribute": "some string",
                       "boolean.attribute": True, "int.attribute": 10,
                       "double.attribute": 637.704,
                       "array.attribute": ["many", "values"],
                       "map.attribute": {"some.map.key": "some value"}},
        "flags": 0, "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174"}]
    attrs = sl["logRecords"][0]["attributes"]
    assert type(attrs["int.attribute"]) is int
    assert type(attrs["double.attribute"]) is float

    [r] = records(req)
    assert r["message"] == "Example log record"
    assert r["time_ns"] == r["observed_ns"] == 1544712660300000000
    assert r["resource"] == {"service.name": "my.service"}
    assert r["scope"] == {"name": "my.library", "version": "1.0.0"}


@pytest.mark.parametrize("text", [b"{}", b'{"resourceLogs": []}',
                                  b' {"resourceLogs": null}\n'])
def test_empty_request_is_valid(otlp_decoder, text):
    assert otlp_decoder.decode(text) == {"resourceLogs": [], "empty": True}


def test_64_bit_integers_keep_every_bit(otlp_decoder):
    r = one(otlp_decoder, {
        "timeUnixNano": "18446744073709551615",
        "observedTimeUnixNano": 1544712660300000001,   # past 2**53, bare
        "body": {"intValue": "-9223372036854775808"},
        "attributes": [{"key": "n", "value": {"intValue":
                                              9223372036854775807}}]})
    assert r["time_ns"] == 2**64 - 1
    assert r["observed_ns"] == 1544712660300000001
    assert r["message"] == -2**63
    assert r["attrs"] == {"n": 2**63 - 1}


def test_what_proto3_json_allows_is_accepted(otlp_decoder):
    r = one(otlp_decoder, {
        "timeUnixNano": "1e3", "observedTimeUnixNano": "2000.0",
        "severityNumber": 9, "severityText": None, "flags": "1",
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "EEE19B7EC3C1B174",
        "body": {"stringValue": None, "doubleValue": "NaN"},
        "attributes": [
            {"key": "b", "value": {"bytesValue": "_-8"}},
            {"key": "e", "value": {}},
            {"key": "i", "value": {"intValue": 7.0}},
            {"key": "d", "value": {"doubleValue": 2}}]},
        resource=[])
    assert (r["time_ns"], r["observed_ns"]) == (1000, 2000)
    assert (r["severity_number"], r["severity_text"]) == (9, None)
    assert r["flags"] == 1
    assert r["message"] != r["message"]                 # NaN
    assert r["attrs"] == {"b": "/+8=", "e": None, "i": 7, "d": 2.0}
    assert type(r["attrs"]["d"]) is float
    assert r["trace_id"] == "5b8efff798038103d269b633813fc60c"
    assert r["span_id"] == "eee19b7ec3c1b174"


def test_unicode_and_large_bodies(otlp_decoder):
    text = "caf\u00e9 \U0001f600 \"q\" \\ \t"
    for ascii_only in (True, False):   # \u escapes, then raw UTF-8
        b = json.dumps({"resourceLogs": [{"scopeLogs": [{"logRecords": [
            {"body": {"stringValue": text}}]}]}]}, ensure_ascii=ascii_only)
        r = records(otlp_decoder.decode(b.encode()))[0]
        assert r["message"] == text
    big = ["%d" % i + "x" * (1 << 20) for i in range(4)]
    req = otlp_decoder.decode(json.dumps({"resourceLogs": [{"scopeLogs": [
        {"logRecords": [{"body": {"stringValue": m}} for m in big]}]}]}
    ).encode())
    assert [r["message"] for r in records(req)] == big


DUP = [{"key": "k", "value": {"stringValue": "a"}},
       {"key": "k", "value": {"stringValue": "b"}}]

REJECTED = [
    ("unknown key", body({"timeUnixNano": "1", "colour": "red"}),
     "$.resourceLogs[0].scopeLogs[0].logRecords[0].colour: unknown field"),
    ("snake_case key", body({"time_unix_nano": "1"}),
     'original field name; OTLP/JSON keys are lowerCamelCase '
     '("timeUnixNano")'),
    ("snake_case at the top", b'{"resource_logs": []}',
     "original field name"),
    ("time as a fraction", body({"timeUnixNano": "1.5"}),
     '"1.5" is not an integer'),
    ("time as words", body({"timeUnixNano": "soon"}), "is not an integer"),
    ("time as empty string", body({"timeUnixNano": ""}), "not an integer"),
    ("time with spaces", body({"timeUnixNano": " 1"}), "not an integer"),
    ("time negative", body({"timeUnixNano": "-1"}), "out of range"),
    ("time past 64 bits", body({"timeUnixNano": str(2**64)}),
     "out of range for fixed64"),
    ("time as a bool", body({"timeUnixNano": True}), "not an integer"),
    ("AnyValue with two values",
     body({"body": {"stringValue": "a", "intValue": "1"}}),
     "stringValue and intValue both set in oneof value"),
    ("base64 traceId",
     body({"traceId": "W47/95gDgQPSabYzgT/GDA=="}), "want 32 hex digits"),
    ("base64 spanId", body({"spanId": "7uGbfsPBsXQ="}),
     "want 16 hex digits"),
    ("short traceId", body({"traceId": "5b8efff7"}), "want 32 hex digits"),
    ("empty traceId", body({"traceId": ""}), "want 32 hex digits"),
    ("all-zero spanId", body({"spanId": "0" * 16}), "all-zero id"),
    ("duplicated attribute key", body({"attributes": DUP}),
     'attributes: duplicate key "k"'),
    ("duplicated resource attribute key", body({}, resource=DUP),
     'resource.attributes: duplicate key "k"'),
    ("duplicated kvlist key",
     body({"body": {"kvlistValue": {"values": DUP}}}), 'duplicate key "k"'),
    ("severity by name", body({"severityNumber": "SEVERITY_NUMBER_INFO"}),
     "an enum must be an integer"),
    ("severity out of the enum", body({"severityNumber": 25}),
     "25 is not a value of SeverityNumber"),
    ("reserved flag bits", body({"flags": 256}), "sets reserved bits"),
    ("bytes not base64", body({"body": {"bytesValue": "a!"}}),
     "is not base64"),
    ("int as a bool", body({"body": {"intValue": True}}), "not an integer"),
    ("string as a number", body({"severityText": 3}), "want a string"),
    ("null in a list", b'{"resourceLogs": [null]}', "null element"),
    ("a list for a message", b'{"resourceLogs": [[]]}', "want an object"),
    ("not JSON", b"not json", 'unexpected "n" in JSON'),
    ("empty body", b"", "unexpected end of JSON"),
    ("cut short", b'{"resourceLogs": [', "unexpected end of JSON"),
    ("trailing data", b"{} {}", "data after the JSON value"),
    ("duplicated JSON key", b'{"resourceLogs": [], "resourceLogs": []}',
     'duplicate key "resourceLogs"'),
    ("not UTF-8", b'{"resourceLogs": "\xff"}', "not valid UTF-8"),
    ("a BOM", b"\xef\xbb\xbf{}", "unexpected"),
    ("a top-level array", b"[]", "want an object"),
    ("a raw newline in a string", b'{"x\n": 1}', "control character"),
    ("an unpaired surrogate", body({"severityText": "\ud800"}),
     "unpaired surrogate"),
]


@pytest.mark.parametrize("text,why", [r[1:] for r in REJECTED],
                         ids=[r[0] for r in REJECTED])
def test_what_otlp_forbids_is_rejected(otlp_decoder, text, why):
    with pytest.raises(ValueError) as e:
        otlp_decoder.decode(text)
    assert why in str(e.value)


def test_decode_from_several_threads(otlp_decoder):
    got, errors = {}, []

    def work(t):
        try:
            for i in range(50):
                n = t * 1000 + i
                got[n] = one(otlp_decoder, {"timeUnixNano": str(n)})
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(got) == 200
    assert all(r["time_ns"] == n for n, r in got.items())
