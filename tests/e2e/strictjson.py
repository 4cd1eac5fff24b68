"""JSON as the backends' Go decoders take it, for decode_loki and decode_hec.

Python's json module lets through what those would refuse or silently
change: NaN and Infinity, duplicate keys (the last one wins without a
word), lone surrogates from \\ud800 escapes (Go turns them into U+FFFD,
so the line would not arrive as sent). Each of these in sidelog's output
would be a bug, so here each is an error. Numbers keep their text in
.raw, so that a decoder can report a time exactly as it was written.
"""
import json


class Int(int):
    raw = ""


class Float(float):
    raw = ""


def _int(s):
    n = Int(s)
    n.raw = s
    return n


def _float(s):
    n = Float(s)
    if n in (float("inf"), float("-inf")):
        raise ValueError("number out of range: %s" % s)
    n.raw = s
    return n


def _constant(name):
    raise ValueError("%s is not JSON" % name)


def _pairs(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key %r" % k)
        obj[k] = v
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_int,
                            parse_float=_float, parse_constant=_constant)
_SPACE = " \t\r\n"


def _check_text(v):
    """A lone surrogate cannot be encoded as UTF-8: that is the test."""
    if isinstance(v, str):
        v.encode("utf-8")
    elif isinstance(v, list):
        for x in v:
            _check_text(x)
    elif isinstance(v, dict):
        for k, x in v.items():
            _check_text(k)
            _check_text(x)


def text(body):
    """The body as text; invalid UTF-8 is an error, as it is for Go."""
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError("invalid UTF-8: %s" % e) from None


def loads(body):
    """Exactly one JSON value, with nothing but white space around it."""
    values = list(iterate(body))
    if len(values) != 1:
        raise ValueError("expected one JSON value, found %d" % len(values))
    return values[0]


def iterate(body):
    """Each JSON value of a concatenation (white space allowed between),
    in order. Raises ValueError naming the value's index on bad input."""
    s = text(body)
    pos, n = 0, 0
    while True:
        while pos < len(s) and s[pos] in _SPACE:
            pos += 1
        if pos == len(s):
            return
        try:
            v, pos = _DECODER.raw_decode(s, pos)
            _check_text(v)
        except (ValueError, UnicodeEncodeError) as e:
            raise IndexedError(n, "JSON value %d: %s" % (n, e)) from None
        yield v
        n += 1


class IndexedError(ValueError):
    """A JSON error in the n-th value of a concatenation."""

    def __init__(self, index, msg):
        super().__init__(msg)
        self.index = index
