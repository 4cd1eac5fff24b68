// decode.mjs: an independent check of OTLP/HTTP JSON log requests, for
// the e2e tests. It reads frames from stdin (4-byte big-endian length,
// then the body, already gunzipped) and writes one JSON line per frame:
// {"ok":false,"error":"<where>: <why>"} or {"ok":true,"request":
// {"resourceLogs":[{"resource":{attrs},"scopeLogs":[{"scope":{"name",
// "version","attributes"},"logRecords":[{"timeUnixNano":"<decimal>",
// "observedTimeUnixNano","severityNumber","severityText","body",
// "attributes":{...},"flags","traceId":hex,"spanId":hex}]}]}],
// "empty":<no log record at all>}}. AnyValues become plain JSON, with
// ints as exact integers, doubles always written as floats, bytes base64.
//
// Written from the OTLP specification ("JSON Protobuf Encoding") and the
// official opentelemetry-proto .proto files, tag v1.4.0, as the npm
// package @elastic/mockotlpserver 0.10.0 ships them (its opentelemetry/
// folder), not from sidelog's encoder. The body is walked against the
// reflected protobufjs Type first, because fromObject is lenient where
// OTLP is not. Deliberately stricter than a receiver: an unknown field is
// an error (the spec tells receivers to ignore one, for forward
// compatibility; here we check a sender against a pinned schema).
import path from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";

const PROTO = path.join(path.dirname(fileURLToPath(import.meta.url)),
    "node_modules", "@elastic", "mockotlpserver");
const root = new protobuf.Root();
root.resolvePath = (origin, target) => path.join(PROTO, target);
// keepCase: reflect the original snake_case names, so that we, not
// protobufjs, derive the lowerCamelCase JSON names and can tell them apart.
root.loadSync("opentelemetry/proto/collector/logs/v1/logs_service.proto",
    { keepCase: true });
root.resolveAll();
const REQUEST = root.lookupType(
    "opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest");
const KEYVALUE = root.lookupType("opentelemetry.proto.common.v1.KeyValue");

class Bad extends Error {}
const fail = (where, what) => { throw new Bad(`${where}: ${what}`); };

// A JSON number kept as its source text: JSON.parse would round 64-bit
// integers to doubles.
class Num { constructor(text) { this.text = text; } }

// RFC 8259 JSON to Map (ordered; a duplicated key is an error), Array,
// string, Num, true, false, null.
function parseJson(s) {
    let i = 0;
    const bad = (what) => fail("body", `${what} at offset ${i}`);
    const ws = () => { while (i < s.length && " \t\n\r".includes(s[i])) i++; };
    function value() {
        ws();
        const c = s[i];
        if (c === "{") return object();
        if (c === "[") return array();
        if (c === '"') return string();
        const n = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
        n.lastIndex = i;
        const m = n.exec(s);
        if (m) { i = n.lastIndex; return new Num(m[0]); }
        for (const [w, v] of [["true", true], ["false", false], ["null", null]])
            if (s.startsWith(w, i)) { i += w.length; return v; }
        return bad(c === undefined ? "unexpected end of JSON" :
            `unexpected ${JSON.stringify(c)} in JSON`);
    }
    function object() {
        const m = new Map();
        i++; ws();
        if (s[i] === "}") { i++; return m; }
        for (;;) {
            ws();
            if (s[i] !== '"') bad("expected a key");
            const k = string();
            if (m.has(k)) bad(`duplicate key "${k}"`);
            ws();
            if (s[i++] !== ":") bad("expected ':'");
            m.set(k, value());
            ws();
            if (s[i] === "}") { i++; return m; }
            if (s[i++] !== ",") bad("expected ',' or '}'");
        }
    }
    function array() {
        const a = [];
        i++; ws();
        if (s[i] === "]") { i++; return a; }
        for (;;) {
            a.push(value());
            ws();
            if (s[i] === "]") { i++; return a; }
            if (s[i++] !== ",") bad("expected ',' or ']'");
        }
    }
    function string() {
        const start = i++;
        for (;;) {
            const c = s.charCodeAt(i);
            if (Number.isNaN(c)) bad("unterminated string");
            if (c === 0x22) break;
            if (c < 0x20) bad("control character in string");
            if (c !== 0x5c) { i++; continue; }
            if (/^(?:["\\/bfnrt]|u[0-9a-fA-F]{4})/.test(s.slice(i + 1, i + 6)))
                i += s[i + 1] === "u" ? 6 : 2;
            else
                bad("bad escape in string");
        }
        const v = JSON.parse(s.slice(start, ++i));
        if (!v.isWellFormed()) bad("unpaired surrogate in string");
        return v;
    }
    const v = value();
    ws();
    if (i !== s.length) bad("data after the JSON value");
    return v;
}

// lowerCamelCase as protoc derives json_name: drop '_', upper the next.
const jsonName = (f) => (f.options && f.options.json_name) ||
    f.name.replace(/_(.)/g, (_, c) => c.toUpperCase());

const RANGE = {
    int32: [-(2n ** 31n), 2n ** 31n - 1n], sint32: [-(2n ** 31n), 2n ** 31n - 1n],
    sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
    uint32: [0n, 2n ** 32n - 1n], fixed32: [0n, 2n ** 32n - 1n],
    int64: [-(2n ** 63n), 2n ** 63n - 1n], sint64: [-(2n ** 63n), 2n ** 63n - 1n],
    sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
    uint64: [0n, 2n ** 64n - 1n], fixed64: [0n, 2n ** 64n - 1n],
};

// Proto3 JSON integers: a number or a decimal string; exponent or
// fraction forms only where the value is still an exact integer.
function integer(where, type, v) {
    const text = v instanceof Num ? v.text : v;
    const shown = v instanceof Num ? v.text : JSON.stringify(v);
    const m = typeof text === "string" &&
        /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m) fail(where, `${shown} is not an integer`);
    const frac = m[3] || "", exp = BigInt(m[4] || 0) - BigInt(frac.length);
    const digits = BigInt(m[2].length + frac.length);
    let n = BigInt(m[2] + frac);
    // Bound the exponent before raising 10 to it: 1e-999999999 must not
    // hang; a non-zero n has fewer than `digits` trailing zeros.
    if (n !== 0n && exp > 40n) fail(where, `${shown} is out of range for ${type}`);
    if (n !== 0n && exp < 0n && (-exp >= digits || n % 10n ** -exp !== 0n))
        fail(where, `${shown} is not an integer`);
    if (n !== 0n) n = exp < 0n ? n / 10n ** -exp : n * 10n ** exp;
    if (m[1]) n = -n;
    const [lo, hi] = RANGE[type];
    if (n < lo || n > hi) fail(where, `${shown} is out of range for ${type}`);
    return n;
}

function double(where, v) {
    if (["NaN", "Infinity", "-Infinity"].includes(v)) return Number(v);
    const text = v instanceof Num ? v.text : v;
    const shown = v instanceof Num ? v.text : JSON.stringify(v);
    if (typeof text !== "string" ||
        !/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text))
        fail(where, `${shown} is not a number`);
    const d = Number(text);
    if (!Number.isFinite(d)) fail(where, `${shown} is out of range for double`);
    return d;
}

// The OTLP exception to proto3 JSON: trace and span ids are hex, not
// base64; an empty, all-zero or wrong-length id is invalid (logs.proto).
function hexId(where, v, bytes) {
    if (typeof v !== "string" || !/^[0-9a-fA-F]*$/.test(v) ||
        v.length !== 2 * bytes)
        fail(where, `want ${2 * bytes} hex digits, got ${JSON.stringify(v)}`);
    if (/^0+$/.test(v)) fail(where, "an all-zero id is invalid");
    return Buffer.from(v, "hex");
}

// Proto3 JSON bytes: standard or URL-safe base64, padded or not.
function base64(where, v) {
    if (typeof v !== "string" || !(/^[A-Za-z0-9+/]*={0,2}$/.test(v) ||
        /^[A-Za-z0-9_-]*={0,2}$/.test(v)) ||
        (v.includes("=") ? v.length % 4 !== 0 : v.length % 4 === 1))
        fail(where, `${JSON.stringify(v)} is not base64`);
    return Buffer.from(v, "base64");
}

function scalar(f, where, v) {
    const e = f.resolvedType;
    if (e instanceof protobuf.Enum) {
        // OTLP: enums MUST be integers, never names.
        if (!(v instanceof Num)) fail(where, "an enum must be an integer");
        const n = Number(integer(where, "int32", v));
        if (!Object.values(e.values).includes(n))
            fail(where, `${n} is not a value of ${e.name}`);
        return n;
    }
    if (e) return message(e, v, where);
    switch (f.type) {
    case "string":
        if (typeof v !== "string") fail(where, "want a string");
        return v;
    case "bool":
        if (typeof v !== "boolean") fail(where, "want true or false");
        return v;
    case "double": case "float":
        return double(where, v);
    case "bytes":
        if (f.name === "trace_id") return hexId(where, v, 16);
        if (f.name === "span_id") return hexId(where, v, 8);
        return base64(where, v);
    default: {
        const n = integer(where, f.type, v);
        return /64/.test(f.type) ? n.toString() : Number(n);
    }
    }
}

// Walk one JSON object against a reflected Type; returns the object
// protobufjs's fromObject takes (original field names).
function message(type, v, where) {
    if (!(v instanceof Map)) fail(where, `want an object for ${type.name}`);
    const byJson = new Map(type.fieldsArray.map((f) => [jsonName(f), f]));
    const out = {}, oneof = {};
    for (const [k, x] of v) {
        const f = byJson.get(k), at = `${where}.${k}`;
        if (!f && type.fields[k])
            fail(at, `the original field name; OTLP/JSON keys are lowerCamelCase ("${jsonName(type.fields[k])}")`);
        if (!f) fail(at, `unknown field of ${type.name}`);
        if (x === null) continue;      // proto3 JSON: null is the default
        if (f.partOf) {
            if (oneof[f.partOf.name])
                fail(where, `${oneof[f.partOf.name]} and ${k} both set in oneof ${f.partOf.name}`);
            oneof[f.partOf.name] = k;
        }
        if (!f.repeated) { out[f.name] = scalar(f, at, x); continue; }
        if (!Array.isArray(x)) fail(at, "want an array");
        out[f.name] = x.map((y, n) => y === null ? fail(`${at}[${n}]`, "null element")
            : scalar(f, `${at}[${n}]`, y));
        if (f.resolvedType === KEYVALUE) uniqueKeys(at, out[f.name]);
    }
    // logs.proto: the 24 high bits of flags are reserved, must be 0.
    if (type.name === "LogRecord" && out.flags > 0xff)
        fail(`${where}.flags`, `${out.flags} sets reserved bits`);
    return out;
}

// common.proto and logs.proto: attribute and kvlist keys MUST be unique.
function uniqueKeys(where, kvs) {
    const seen = new Set();
    for (const kv of kvs) {
        const k = kv.key ?? "";
        if (seen.has(k)) fail(where, `duplicate key ${JSON.stringify(k)}`);
        seen.add(k);
    }
}

// A double from an AnyValue, kept apart so that dump() writes 1.0, not 1.
class Dbl { constructor(d) { this.d = d; } }

// AnyValue, as protobufjs's toObject gave it, to a plain value; int as
// BigInt so that it is written as an exact JSON integer.
function plain(av) {
    if (!av || !av.value) return null;     // an empty AnyValue is valid
    const x = av[av.value];
    switch (av.value) {
    case "int_value": return BigInt(x);
    case "double_value": return new Dbl(x);
    case "array_value": return (x.values || []).map(plain);
    case "kvlist_value": return attrs(x.values);
    default: return x;                  // string, bool, base64
    }
}

const attrs = (kvs) => new Map((kvs || []).map((kv) => [kv.key || "", plain(kv.value)]));
const hex = (b) => b ? Buffer.from(b, "base64").toString("hex") : null;

function record(r) {
    return {
        timeUnixNano: r.time_unix_nano || "0",
        observedTimeUnixNano: r.observed_time_unix_nano || "0",
        severityNumber: r.severity_number || null,
        severityText: r.severity_text || null,
        body: plain(r.body),
        attributes: attrs(r.attributes),
        flags: r.flags || 0,
        traceId: hex(r.trace_id),
        spanId: hex(r.span_id),
    };
}

function normalize(req) {
    let n = 0;
    const resourceLogs = (req.resource_logs || []).map((rl) => ({
        resource: attrs(rl.resource && rl.resource.attributes),
        scopeLogs: (rl.scope_logs || []).map((sl) => {
            const s = sl.scope || {};
            n += (sl.log_records || []).length;
            return {
                scope: { name: s.name || null, version: s.version || null,
                    attributes: attrs(s.attributes) },
                logRecords: (sl.log_records || []).map(record),
            };
        }),
    }));
    return { resourceLogs, empty: n === 0 };
}

function decode(body) {
    let text;
    try {
        // fatal: invalid UTF-8 is an error; ignoreBOM: a BOM stays, and fails.
        text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
        fail("body", "not valid UTF-8");
    }
    const obj = REQUEST.fromObject(message(REQUEST, parseJson(text), "$"));
    const err = REQUEST.verify(obj);
    if (err) fail("protobufjs verify", err);
    // Through the binary encoding and back: what a receiver would hold.
    const back = REQUEST.decode(REQUEST.encode(obj).finish());
    return normalize(REQUEST.toObject(back,
        { longs: String, enums: Number, bytes: String, oneofs: true }));
}

// JSON out, with BigInt as an exact integer, a Dbl always with a '.'
// or exponent (so Python reads float, not int), NaN and Infinity bare
// (Python's json reads them).
function dump(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Dbl) {
        if (!Number.isFinite(v.d)) return String(v.d);
        if (Object.is(v.d, -0)) return "-0.0";
        const s = JSON.stringify(v.d);
        return /^-?\d+$/.test(s) ? s + ".0" : s;
    }
    if (Array.isArray(v)) return `[${v.map(dump).join(",")}]`;
    if (typeof v !== "object") return JSON.stringify(v);
    const kv = v instanceof Map ? [...v] : Object.entries(v);
    return `{${kv.map(([k, x]) => JSON.stringify(k) + ":" + dump(x)).join(",")}}`;
}

function answer(body) {
    try {
        return dump({ ok: true, request: decode(body) });
    } catch (e) {
        return JSON.stringify({ ok: false, error: e instanceof Bad ? e.message : String(e) });
    }
}

// Frames: 4-byte big-endian length, then the body. Chunks are joined
// only once a whole header or body is there (joining on every chunk is
// quadratic in a large body). len is -1 while the header is awaited.
let chunks = [], have = 0, len = -1;
process.stdin.on("data", (chunk) => {
    chunks.push(chunk);
    have += chunk.length;
    while (have >= 4 + Math.max(len, 0)) {
        const buf = Buffer.concat(chunks, have);
        chunks = [buf];
        if (len < 0) {
            len = buf.readUInt32BE(0);
            continue;
        }
        process.stdout.write(answer(buf.subarray(4, 4 + len)) + "\n");
        chunks = [buf.subarray(4 + len)];
        have -= 4 + len;
        len = -1;
    }
});
