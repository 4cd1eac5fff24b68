"""A strict decoder of Loki push requests (POST /loki/api/v1/push, JSON),
written from Grafana Loki's documents, not from any encoder:

- "Loki HTTP API", section "Ingest logs": the body is
  {"streams":[{"stream":{label:value},"values":[[ts, line], ...]}]};
  a value may end with a structured-metadata object "with string keys and
  string values" that "should not contain any nested object".
  Section "Timestamps": epochs are nanoseconds, and on push "you must send
  the timestamp as a string and not a number, otherwise the endpoint will
  return a 400 error".
- "Troubleshoot log ingestion (WRITE)": label names must match
  [a-zA-Z_][a-zA-Z0-9_]* and cannot start with __ (invalid_labels), a
  stream needs at least one label pair (missing_labels), no label name
  twice (duplicate_label_names); the default limits in LIMITS; all 400.
  "Understand labels" also allows colons, but Loki answers 400 to them
  (grafana/loki#19673), so the troubleshooting page's rule is the one.
- Prometheus "Data model": a label with an empty value is the same as no
  label, so it does not count towards the one label a stream needs.

Only "streams" at the top and "stream"/"values" in a stream are known;
anything else is refused, as nothing documents it.
"""
import re

import strictjson

LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
DECIMAL = re.compile(r"[0-9]+\Z")
INT64_MAX = 2**63 - 1

# Loki's default limits_config ("Troubleshoot log ingestion (WRITE)").
# Sizes are in bytes of UTF-8, as Go's len() counts them.
LIMITS = {
    "max_label_names_per_series": 15,
    "max_label_name_length": 1024,
    "max_label_value_length": 2048,
    "max_line_size": 256 * 1024,
    "max_structured_metadata_entries_count": 128,
    "max_structured_metadata_size": 64 * 1024,
}
# Checked only when decode() is given now_ns: reject_old_samples_max_age
# (168h) and creation_grace_period (10m), same page.
MAX_AGE_NS = 168 * 3600 * 10**9
GRACE_NS = 10 * 60 * 10**9


class LokiError(ValueError):
    """A body Loki answers 400 to; str() is the text for the reply."""


def _size(s):
    return len(s.encode("utf-8"))


def _labels(where, stream, limits):
    if not isinstance(stream, dict):
        raise LokiError("%s.stream: not an object" % where)
    for name, value in stream.items():
        if not LABEL_NAME.match(name) or name.startswith("__"):
            raise LokiError("%s: error parsing labels: invalid label name "
                            "%r" % (where, name))
        if not isinstance(value, str):
            raise LokiError("%s: label %s: value is not a string"
                            % (where, name))
        if _size(name) > limits.get("max_label_name_length", 1 << 62):
            raise LokiError("%s has label name too long: %s" % (where, name))
        if _size(value) > limits.get("max_label_value_length", 1 << 62):
            raise LokiError("%s has label value too long: %s"
                            % (where, name))
    if not any(stream.values()):
        raise LokiError("%s: error at least one label pair is required per "
                        "stream" % where)
    if len(stream) > limits.get("max_label_names_per_series", 1 << 62):
        raise LokiError("%s has %d label names; limit %d" % (
            where, len(stream), limits["max_label_names_per_series"]))
    return dict(stream)


def _metadata(where, meta, limits):
    if not isinstance(meta, dict):
        raise LokiError("%s: structured metadata is not an object" % where)
    for k, v in meta.items():
        if not isinstance(v, str):
            raise LokiError("%s: structured metadata %s: value is not a "
                            "string" % (where, k))
    if len(meta) > limits.get("max_structured_metadata_entries_count",
                              1 << 62):
        raise LokiError("%s has too many structured metadata labels: %d"
                        % (where, len(meta)))
    size = sum(_size(k) + _size(v) for k, v in meta.items())
    if size > limits.get("max_structured_metadata_size", 1 << 62):
        raise LokiError("%s has structured metadata too large: %d bytes"
                        % (where, size))
    return dict(meta)


def _time(where, ts, now_ns):
    if not isinstance(ts, str):
        raise LokiError("%s: timestamp is not a string" % where)
    if not DECIMAL.match(ts) or int(ts) > INT64_MAX:
        raise LokiError("%s: timestamp %r is not a decimal count of "
                        "nanoseconds" % (where, ts))
    ns = int(ts)
    if now_ns is not None and ns < now_ns - MAX_AGE_NS:
        raise LokiError("%s has timestamp too old: %s" % (where, ts))
    if now_ns is not None and ns > now_ns + GRACE_NS:
        raise LokiError("%s has timestamp too new: %s" % (where, ts))
    return ns


def _entry(where, labels, value, limits, now_ns):
    if not isinstance(value, list) or len(value) not in (2, 3):
        raise LokiError("%s: not [timestamp, line] or [timestamp, line, "
                        "{metadata}]" % where)
    ns = _time(where, value[0], now_ns)
    line = value[1]
    if not isinstance(line, str):
        raise LokiError("%s: line is not a string" % where)
    if _size(line) > limits.get("max_line_size", 1 << 62):
        raise LokiError("%s: max entry size %d bytes exceeded" % (
            where, limits["max_line_size"]))
    meta = _metadata(where, value[2], limits) if len(value) == 3 else {}
    return {"labels": labels, "time_ns": ns, "line": line, "metadata": meta}


def decode(body, limits=None, now_ns=None):
    """The entries of a push body, in body order, each a dict with
    labels, time_ns, line, metadata. Raises LokiError on what Loki
    refuses. limits: LIMITS by default; {} checks none of them."""
    limits = LIMITS if limits is None else limits
    try:
        doc = strictjson.loads(body)
    except ValueError as e:
        raise LokiError("invalid JSON: %s" % e) from None
    if not isinstance(doc, dict) or set(doc) != {"streams"}:
        raise LokiError("the body must be {\"streams\": [...]} and nothing "
                        "else")
    if not isinstance(doc["streams"], list):
        raise LokiError("streams: not an array")
    out = []
    for i, s in enumerate(doc["streams"]):
        where = "streams[%d]" % i
        if not isinstance(s, dict) or set(s) != {"stream", "values"}:
            raise LokiError("%s: must have exactly stream and values" % where)
        labels = _labels(where, s["stream"], limits)
        if not isinstance(s["values"], list):
            raise LokiError("%s.values: not an array" % where)
        for j, v in enumerate(s["values"]):
            out.append(_entry("%s.values[%d]" % (where, j), labels, v,
                              limits, now_ns))
    return out


def order_errors(entries):
    """Where, within one stream (one label set), an entry is older than
    the one before it; [] when every stream is in non-decreasing order."""
    last = {}
    out = []
    for n, e in enumerate(entries):
        key = tuple(sorted(e["labels"].items()))
        if key in last and e["time_ns"] < last[key]:
            out.append("entry %d of stream %s: %d after %d" % (
                n, dict(key), e["time_ns"], last[key]))
        last[key] = e["time_ns"]
    return out


def in_order(entries):
    return not order_errors(entries)
