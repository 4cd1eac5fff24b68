"""A strict decoder of Splunk HTTP Event Collector bodies for
/services/collector/event, written from Splunk's documents, not from any
encoder:

- "Format events for HTTP Event Collector": a body is one or more JSON
  event objects, one after the other (stacked, no separator needed); the
  metadata keys are time ("epoch time format, in the format <sec>.<ms>"),
  host, source, sourcetype, index, fields ("a flat (not nested) list of
  explicit custom fields"); the data goes in event.
- "Automate indexed field extractions with HTTP Event Collector": a field
  value is a string or an array of strings ("Only strings can be used as
  field values").
- Splunk's HEC status codes table ("Troubleshoot HTTP Event Collector"):
  TEXT and STATUS below; a nested fields object gets code 15 (what Splunk
  answers, in open-telemetry/opentelemetry-collector-contrib#17308).

Other keys in an event object are refused by default, although HEC takes
them: "HTTP Event Collector examples" batches {"event": ..., "nested":
{...}}. The rule is sidelog's (SPEC "Output formats" fixes the envelope's
keys), so an encoder that adds one fails here; unknown_keys=True lifts it.
"""
import json
import math
import re

import strictjson

KEYS = {"time", "host", "source", "sourcetype", "index", "event", "fields"}
SECONDS = re.compile(r"[0-9]+(\.[0-9]+)?\Z")

TEXT = {0: "Success", 1: "Token disabled", 2: "Token is required",
        3: "Invalid authorization", 4: "Invalid token", 5: "No data",
        6: "Invalid data format", 7: "Incorrect index",
        8: "Internal server error", 9: "Server is busy",
        10: "Data channel is missing", 11: "Invalid data channel",
        12: "Event field is required", 13: "Event field cannot be blank",
        14: "ACK is disabled", 15: "Error in handling indexed fields"}
STATUS = {0: 200, 1: 403, 2: 401, 3: 401, 4: 403, 5: 400, 6: 400, 7: 400,
          8: 500, 9: 503, 10: 400, 11: 400, 12: 400, 13: 400, 14: 400,
          15: 400}


def reply(code, event=None):
    """(HTTP status, body) of HEC's answer with this code; event is the
    invalid-event-number, counted from 0, for the codes that name one."""
    body = {"text": TEXT[code], "code": code}
    if event is not None:
        body["invalid-event-number"] = event
    return STATUS[code], json.dumps(body, separators=(",", ":")).encode()


class HecError(ValueError):
    """A body HEC refuses: code and the index of the event at fault."""

    def __init__(self, code, event=None, why=""):
        self.code = code
        self.event = event
        where = "" if event is None else " in event %d" % event
        super().__init__("%s (code %d)%s%s" % (
            TEXT[code], code, where, ": " + why if why else ""))

    def reply(self):
        return reply(self.code, self.event)


def _time(n, v):
    if isinstance(v, str):
        if not SECONDS.match(v):
            raise HecError(6, n, "time %r is not epoch seconds" % v)
        return float(v), v
    if isinstance(v, (strictjson.Int, strictjson.Float)) and v >= 0 \
            and math.isfinite(v):
        return float(v), v.raw
    raise HecError(6, n, "time %r is not epoch seconds" % (v,))


def _fields(n, v):
    if not isinstance(v, dict):
        raise HecError(15, n, "fields is not an object")
    for k, x in v.items():
        if isinstance(x, list) and all(isinstance(y, str) for y in x):
            continue
        if not isinstance(x, str):
            raise HecError(15, n, "field %s: not a string or an array of "
                           "strings" % k)
    return dict(v)


def _event(n, obj, unknown_keys):
    if not isinstance(obj, dict):
        raise HecError(6, n, "not a JSON object")
    unknown = set(obj) - KEYS
    if unknown and not unknown_keys:
        raise HecError(6, n, "unknown keys %s" % sorted(unknown))
    if obj.get("event") is None:
        raise HecError(12, n)
    if obj["event"] in ("", {}, []):
        raise HecError(13, n)
    out = {"time": None, "time_str": None, "event": obj["event"],
           "fields": None}
    if "time" in obj:
        out["time"], out["time_str"] = _time(n, obj["time"])
    for k in ("host", "source", "sourcetype", "index"):
        if k in obj and not isinstance(obj[k], str):
            raise HecError(6, n, "%s is not a string" % k)
        out[k] = obj.get(k)
    if "fields" in obj:
        out["fields"] = _fields(n, obj["fields"])
    return out


def decode(body, unknown_keys=False):
    """The events of a body, in order, each a dict with time (float
    seconds, or None when absent), time_str (the time as written), host,
    source, sourcetype, index (None when absent), event, fields (None when
    absent). Raises HecError: code 5 for an empty body, 6 for bad JSON or
    an event object of the wrong shape, 12/13 for a missing or blank
    event, 15 for fields that are not flat strings."""
    try:
        s = strictjson.text(body)
    except ValueError as e:
        raise HecError(6, 0, str(e)) from None
    if not s.strip(" \t\r\n"):
        raise HecError(5)
    out = []
    try:
        for n, obj in enumerate(strictjson.iterate(s)):
            out.append(_event(n, obj, unknown_keys))
    except strictjson.IndexedError as e:
        raise HecError(6, e.index, str(e)) from None
    return out
