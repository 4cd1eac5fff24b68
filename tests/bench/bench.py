#!/usr/bin/python3
"""make bench: sidelog's speed and memory, next to ceilings and peers
measured in the same run on the same machine.  It prints figures and
ratios; it asserts nothing (targets are judged by people, not by a
timed test that could flake).

Reading: one 1 GiB file of ~200-byte lines re-emitted on stdout
(/dev/null), raw and json; `cat` and `wc -l` over the same file are the
ceiling.

Shipping: the same bytes in 4 files, gzip NDJSON over HTTPS to a
loopback receiver (tests/bench/sink.c: OpenSSL, one thread per
connection, inflates and counts); `gzip -1` over the same bytes is the
ceiling, and zlib level 1 over the records sidelog sends (written by its
[stdout] json re-emitter first) the floor of its CPU; rsyslog (imfile -> omelasticsearch) and syslog-ng
(wildcard-file -> http) from Debian do the same job as closely as their
features allow (neither compresses: rsyslog 8.2302's omelasticsearch
and syslog-ng 3.38's http() have no gzip).  Batches wait at most 100 ms
(sidelog's batch_timeout, syslog-ng's batch-timeout), so the last
batch's wait does not dominate a run of a few seconds.

Formats: the same 4 files shipped by sidelog in each [output] format
(ndjson, elasticsearch, otlp, loki, splunk_hec) to the same sink: CPU
seconds per GiB of log, and the bytes each puts on the wire (gzip) and
in its bodies, in all and per line.  A run ends when sidelog's /metrics
counts every line delivered (the sink counts lines, and only ndjson
and _bulk bodies have one a record).

Proxy: the same files over HTTPS directly and through tinyproxy's
CONNECT tunnel (TLS end to end inside it): sidelog's CPU per GiB each
way, and the proxy's own.

Stages: the processing of SPEC "Processing" (include_lines, the
email, bearer and password redaction rules, parse = logfmt, time.key
and level.key), each alone and all together, on the same lines made
logfmt throughout (ts= before the time, a mail address and a bearer
token in one line of 20), shipped as in Formats: CPU seconds per GiB,
the cost of each stage per line against no processing, and the ratio
of all of them on to none (the target: at most 1.5), with the line kept
as the message beside its fields (SPEC's default) and with logfmt's msg
as the message instead (parse.message = msg).

Steady state: what a sidecar costs in a pod that logs, not catching up:
100, 1,000 and 10,000 lines/s of the same lines, each stamped with its
write time, appended to one file for 60 s (tests/bench/writer.c) and
shipped by sidelog, rsyslog and syslog-ng with default settings
(batching as sidelog's defaults where a peer lacks them, see below):
each one's CPU in millicores, peak RSS, requests per second and
write-to-backend latency (p50, p99, max), and the sink's CPU.

    python3 tests/bench/bench.py [--size-mib N] [--steady-seconds N]
        [--steady-rates 100,1000,10000] [--steady-shippers sidelog,...]
        [--only read|ship|peers|syslog-ng|rsyslog|formats|proxy|stages|
                steady|all]
"""
import argparse
import array
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "bench"
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from sidelogtest import free_port  # noqa: E402 (the path above first)


def log(msg):
    print(msg, flush=True)


# --- data ----------------------------------------------------------------

DATA_SHAPE = "v2"      # in the cached files' names: change with the lines


def make_data(path, size, stages=False):
    """~200-byte lines that compress like real logs (about 4:1 to 6:1);
    with stages, logfmt throughout (ts=) and a secret in one in 20."""
    if path.exists() and path.stat().st_size == size:
        return count_lines(path)
    rnd = random.Random(42)
    paths = ["/api/v1/orders", "/api/v1/users", "/healthz", "/static/app.js",
             "/api/v2/cart", "/login"]
    levels = ["info"] * 8 + ["warn", "error"]
    agents = ["kube-probe/1.30", "curl/8.5.0", "Go-http-client/1.1",
              "Mozilla/5.0 (X11; Linux x86_64; rv:128.0)"]
    n = 0
    with open(path, "wb", buffering=1 << 20) as f:
        written = 0
        while written < size:
            chunk = []
            for _ in range(10000):
                s = ("2026-11-24T12:%02d:%02d.%06dZ level=%s req=%016x "
                     "method=GET path=%s status=%d bytes=%d dur_ms=%d "
                     "user=u%05d ua=\"%s\" node=node-%02d "
                     "msg=\"request handled by worker %d\"\n" % (
                         rnd.randrange(60), rnd.randrange(60),
                         rnd.randrange(1000000), rnd.choice(levels),
                         rnd.getrandbits(64), rnd.choice(paths),
                         rnd.choice([200, 200, 200, 201, 404, 500]),
                         rnd.randrange(100000), rnd.randrange(3000),
                         rnd.randrange(100000), rnd.choice(agents),
                         rnd.randrange(40), rnd.randrange(16)))
                if stages:
                    s = "ts=" + s
                    if rnd.randrange(20) == 0:
                        s = s[:-1] + (" from=jane.doe%d@example.com "
                                      "auth=\"Bearer %016x\"\n" % (
                                          rnd.randrange(100),
                                          rnd.getrandbits(64)))
                chunk.append(s.encode())
            data = b"".join(chunk)
            if written + len(data) > size:
                data = data[:size - written]
                data = data[:data.rfind(b"\n") + 1]
                if not data:
                    break
            f.write(data)
            written += len(data)
            n += data.count(b"\n")
            if written >= size - 300:
                break
    return n


def count_lines(path):
    out = subprocess.run(["wc", "-l", str(path)], capture_output=True,
                         text=True).stdout
    return int(out.split()[0])


# --- measuring a process ------------------------------------------------

class Proc:
    def __init__(self, args, **kw):
        self.p = subprocess.Popen(args, **kw)
        self.hwm = 0

    def sample(self):
        try:
            with open("/proc/%d/status" % self.p.pid) as f:
                for l in f:
                    if l.startswith("VmHWM:"):
                        self.hwm = max(self.hwm, int(l.split()[1]))
        except OSError:
            pass

    def cpu(self):
        return cpu_of(self.p.pid)


def cpu_of(pid):
    """utime + stime in seconds, from /proc (children included)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        tck = os.sysconf("SC_CLK_TCK")
        return sum(int(x) for x in fields[11:15]) / tck
    except OSError:
        return float("nan")


def timed(cmd, stdout=subprocess.DEVNULL):
    t0 = time.monotonic()
    r0 = os.times()
    subprocess.run(cmd, stdout=stdout, check=True)
    r1 = os.times()
    return (time.monotonic() - t0,
            (r1.children_user - r0.children_user) +
            (r1.children_system - r0.children_system))


def scrape(port, name):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                      timeout=2).read().decode()
    except OSError:
        return None
    for l in body.splitlines():
        if l.startswith(name + " "):
            return float(l.split()[1])
    return None


# --- reading ------------------------------------------------------------

def bench_read(binary, data, nlines, tmp):
    size = data.stat().st_size
    res = {}
    for name, cmd in (("cat", ["cat", str(data)]),
                      ("wc -l", ["wc", "-l", str(data)])):
        wall, cpu = timed(cmd)
        res[name] = (wall, cpu, None)
    for fmt in ("raw", "json"):
        port = free_port()
        d = tmp / ("read-" + fmt)
        d.mkdir()
        conf = d / "sidelog.ini"
        conf.write_text(
            "[sidelog]\ncheckpoint_dir = %s\nlisten = 127.0.0.1:%d\n"
            "[input.bench]\npaths = %s\n[stdout]\nenabled = true\n"
            "format = %s\n" % (d / "pvc", port, data, fmt))
        t0 = time.monotonic()
        p = Proc([binary, "run", "-c", str(conf)],
                 stdout=subprocess.DEVNULL, stderr=open(d / "err", "w"))
        while True:
            p.sample()
            v = scrape(port, "sidelog_records_delivered_total")
            if v is not None and v >= nlines:
                break
            if p.p.poll() is not None:
                raise RuntimeError("sidelog exited: %s" %
                                   (d / "err").read_text()[-2000:])
            time.sleep(0.05)
        wall = time.monotonic() - t0
        p.sample()
        cpu = p.cpu()
        p.p.send_signal(signal.SIGTERM)
        p.p.wait(60)
        res["sidelog " + fmt] = (wall, cpu, p.hwm)
    log("\nReading: %d lines, %.0f MiB in one file, stdout to /dev/null"
        % (nlines, size / 2**20))
    log("%-14s %9s %10s %9s %9s %10s" % ("", "wall s", "lines/s", "MB/s",
                                          "CPU s", "peak RSS"))
    for k, (wall, cpu, hwm) in res.items():
        log("%-14s %9.2f %10.0f %9.1f %9.2f %10s" % (
            k, wall, nlines / wall, size / 1e6 / wall, cpu,
            "%.1f MiB" % (hwm / 1024) if hwm else "-"))
    return res


# --- shipping -------------------------------------------------------------

def tool(name, libs=()):
    """tests/bench/NAME.c, built for the machine (not with musl)."""
    out = BUILD / name
    src = ROOT / "tests" / "bench" / (name + ".c")
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        subprocess.run(["gcc", "-O2", "-o", str(out), str(src), *libs],
                       check=True)
    return out


def sink_binary():
    return tool("sink", ["-lssl", "-lcrypto", "-lz", "-lpthread"])


def start_sink(tmp, certs, latfile=None):
    port = free_port()
    stats = tmp / ("sink-%d.stats" % port)
    p = subprocess.Popen([str(sink_binary()), str(port), str(stats),
                          certs["server"][0], certs["server"][1],
                          *([str(latfile)] if latfile else [])])
    time.sleep(0.3)
    return p, port, stats


def sink_count(stats):
    try:
        return [int(x) for x in stats.read_text().split()]
    except (OSError, ValueError):
        return [0, 0, 0, 0, 0]


def run_shipper(name, cmd, stats, nlines, env=None, timeout=1800,
                done=None):
    """Runs a shipper until the sink counted every record (or until
    done() says how many were delivered, when the sink cannot count
    them)."""
    t0 = time.monotonic()
    p = Proc(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
             env=env)
    last, stall = -1, time.monotonic()
    while True:
        p.sample()
        recs = done() if done else sink_count(stats)[0]
        if recs is not None and recs >= nlines:
            break
        if recs != last:
            last, stall = recs, time.monotonic()
        if p.p.poll() is not None or time.monotonic() - stall > 60 or \
                time.monotonic() - t0 > timeout:
            p.p.kill()
            err = p.p.stderr.read().decode(errors="replace")[-1500:]
            log("%s: stopped at %d of %d records\n%s" % (name, recs,
                                                         nlines, err))
            return None
        time.sleep(0.05)
    wall = time.monotonic() - t0
    p.sample()
    cpu = p.cpu()
    p.p.send_signal(signal.SIGTERM)
    try:
        p.p.wait(60)
    except subprocess.TimeoutExpired:
        p.p.kill()
    return wall, cpu, p.hwm


def ship_conf(d, files, port, certs, path="/ingest", sidelog="",
              output="", metadata=""):
    """A sidelog config in d (made) shipping files to the sink at port
    over HTTPS, batches waiting at most 100 ms; its path."""
    d.mkdir()
    conf = d / "sidelog.ini"
    conf.write_text(
        "[sidelog]\ncheckpoint_dir = %s\n%s"
        "[input.bench]\npaths = %s/bench-*.log\n"
        "[metadata]\n%s"
        "[output]\nurl = https://localhost:%d%s\n"
        "tls.ca_file = %s\nbatch_timeout = 100ms\n%s"
        % (d / "pvc", sidelog, files[0].parent, metadata, port, path,
           certs["ca"][0], output))
    return conf


# zlib level 1, gzip framing, over a file in one process: the floor of
# the compression sidelog must do (python's zlib module is zlib's C).
ZLIB1 = ("import sys, zlib\n"
         "z = zlib.compressobj(1, zlib.DEFLATED, 31)\n"
         "with open(sys.argv[1], 'rb') as f:\n"
         "    for b in iter(lambda: f.read(1 << 20), b''):\n"
         "        z.compress(b)\n"
         "z.flush()\n")


def records_of(binary, files, nlines, tmp):
    """The records sidelog ships for files, NDJSON as the [stdout] json
    re-emitter writes them (the same record), in a file."""
    d = tmp / "records"
    d.mkdir()
    out = d / "records.json"
    (d / "conf").mkdir()
    conf = d / "conf" / "sidelog.ini"
    conf.write_text("[sidelog]\ncheckpoint_dir = %s\n[input.bench]\n"
                    "paths = %s/bench-*.log\n[metadata]\n[stdout]\n"
                    "enabled = true\nformat = json\n"
                    % (d / "pvc", files[0].parent))
    with open(out, "wb") as f:
        p = subprocess.Popen([binary, "run", "-c", str(conf)], stdout=f,
                             stderr=subprocess.DEVNULL)
    last, stall = -1, time.monotonic()
    while time.monotonic() - stall < 30:
        time.sleep(0.5)
        n = out.stat().st_size
        if n != last:
            last, stall = n, time.monotonic()
        elif n > 0 and lines_in(out) >= nlines:
            break
    p.send_signal(signal.SIGTERM)
    p.wait(60)
    return out


def lines_in(path):
    n = 0
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            n += b.count(b"\n")
    return n


def bench_ship(binary, files, nlines, tmp, certs, peers):
    size = sum(f.stat().st_size for f in files)
    res, rx_cpu = {}, {}
    wall, cpu = timed(["gzip", "-1", "-c", *map(str, files)])
    res["gzip -1"] = (wall, cpu, None)
    records = records_of(binary, files, nlines, tmp)
    wall, cpu = timed([sys.executable, "-c", ZLIB1, str(records)])
    res["zlib -1 of the records"] = (wall, cpu, None)
    rec_mib = records.stat().st_size / 2**20
    records.unlink()
    sink, port, stats = start_sink(tmp, certs)
    try:
        conf = ship_conf(tmp / "ship-sidelog", files, port, certs)
        res["sidelog"] = run_shipper("sidelog", [binary, "run", "-c",
                                                 str(conf)], stats, nlines)
        rx_cpu["sidelog"] = cpu_of(sink.pid)
    finally:
        sink.kill()
    for peer in peers:
        sink, port, stats = start_sink(tmp, certs)
        try:
            res[peer.__name__] = peer(files, port, stats, nlines, tmp, certs)
            rx_cpu[peer.__name__] = cpu_of(sink.pid)
        finally:
            sink.kill()
    log("\nShipping: %d lines, %.0f MiB in 4 files, over HTTPS to a "
        "loopback receiver" % (nlines, size / 2**20))
    # The receiver's CPU over the shipper's wall time: far below one core
    # per connection means it waited for the shipper, not the reverse.
    log("%-22s %9s %9s %12s %10s %12s" % ("", "wall s", "MB/s", "CPU s/GiB",
                                           "peak RSS", "receiver CPU"))
    for k, v in res.items():
        if v is None:
            log("%-22s %9s" % (k, "failed"))
            continue
        wall, cpu, hwm = v
        log("%-22s %9.2f %9.1f %12.2f %10s %12s" % (
            k, wall, size / 1e6 / wall, cpu / (size / 2**30),
            "%.1f MiB" % (hwm / 1024) if hwm else "-",
            "%.0f%%" % (100 * rx_cpu[k] / wall) if k in rx_cpu else "-"))
    if res.get("sidelog") and res.get("gzip -1"):
        log("sidelog / gzip -1 rate: %.2f" % (res["gzip -1"][0] /
                                              res["sidelog"][0]))
    floor = res["zlib -1 of the records"][1]
    if res.get("sidelog"):
        log("sidelog CPU / the floor (zlib -1 of its %.0f MiB of records): "
            "%.2f (target at most 1.25)" % (rec_mib,
                                            res["sidelog"][1] / floor))
    for peer in peers:
        v = res.get(peer.__name__)
        if v and res.get("sidelog"):
            log("sidelog / %s rate: %.2f" % (peer.__name__,
                                             v[0] / res["sidelog"][0]))
    return res


FORMATS = [("ndjson", "/ingest"), ("elasticsearch", "/_bulk"),
           ("otlp", "/v1/logs"), ("loki", "/loki/api/v1/push"),
           ("splunk_hec", "/services/collector/event")]


def bench_formats(binary, files, nlines, tmp, certs):
    """The same files shipped in each format: CPU per GiB of log, and
    the bytes each puts on the wire (gzip) and in its bodies."""
    size = sum(f.stat().st_size for f in files)
    rows = []
    for fmt, path in FORMATS:
        sink, port, stats = start_sink(tmp, certs)
        listen = free_port()
        try:
            conf = ship_conf(tmp / ("fmt-" + fmt), files, port, certs, path,
                             "listen = 127.0.0.1:%d\n" % listen,
                             "format = %s\n" % fmt,
                             "kubernetes.namespace = bench\n"
                             "kubernetes.container.name = app\n")
            r = run_shipper(fmt, [binary, "run", "-c", str(conf)], stats,
                            nlines, done=lambda: scrape(
                                listen, "sidelog_records_delivered_total"))
            c = sink_count(stats)
            rows.append((fmt, r, c[4], c[1]))
        finally:
            sink.kill()
    log("\nFormats: the same %d lines, %.0f MiB in 4 files, shipped by "
        "sidelog in each format (gzip, HTTPS)" % (nlines, size / 2**20))
    log("%-14s %8s %8s %11s %10s %9s %10s %9s" % (
        "", "wall s", "MB/s", "CPU s/GiB", "wire MiB", "wire B/l",
        "body MiB", "body B/l"))
    for fmt, r, wire, body in rows:
        if r is None:
            log("%-14s %8s" % (fmt, "failed"))
            continue
        wall, cpu, _ = r
        log("%-14s %8.2f %8.1f %11.2f %10.1f %9.1f %10.1f %9.1f" % (
            fmt, wall, size / 1e6 / wall, cpu / (size / 2**30),
            wire / 2**20, wire / nlines, body / 2**20, body / nlines))
    return rows


STAGES = [
    ("none", ""),
    ("include_lines", "include_lines = status=[0-9]+ \n"),
    ("redact", "redact = email, bearer, password\n"),
    ("logfmt", "parse = logfmt\n"),
    ("logfmt+time+level", "parse = logfmt\ntime.key = ts\n"
     "level.key = level\n"),
    ("all", "include_lines = status=[0-9]+ \n"
     "redact = email, bearer, password\nparse = logfmt\ntime.key = ts\n"
     "level.key = level\n"),
    ("all, msg as message", "include_lines = status=[0-9]+ \n"
     "redact = email, bearer, password\nparse = logfmt\ntime.key = ts\n"
     "level.key = level\nparse.message = msg\n"),
]


def bench_stages(binary, files, nlines, tmp, certs):
    """The same logfmt files shipped with each stage on, alone and all
    together: CPU per GiB, per line against none, and all / none."""
    size = sum(f.stat().st_size for f in files)
    rows = []
    for name, keys in STAGES:
        sink, port, stats = start_sink(tmp, certs)
        listen = free_port()
        d = tmp / ("stage-%d" % len(rows))
        try:
            conf = ship_conf(d, files, port, certs, "/ingest",
                             "listen = 127.0.0.1:%d\n" % listen)
            text = conf.read_text().replace("[metadata]\n",
                                            keys + "[metadata]\n")
            conf.write_text(text)
            r = run_shipper(name, [binary, "run", "-c", str(conf)], stats,
                            nlines)
            rows.append((name, r, sink_count(stats)[4]))
        finally:
            sink.kill()
    log("\nStages: %d logfmt lines, %.0f MiB in 4 files, shipped (gzip "
        "NDJSON, HTTPS) with each stage on" % (nlines, size / 2**20))
    log("%-22s %8s %11s %12s %10s %10s" % ("", "wall s", "CPU s/GiB",
                                           "ns/line +", "wire MiB",
                                           "peak RSS"))
    base = rows[0][1][1] if rows and rows[0][1] else None
    for name, r, wire in rows:
        if r is None:
            log("%-22s %8s" % (name, "failed"))
            continue
        wall, cpu, hwm = r
        extra = "%.0f" % (1e9 * (cpu - base) / nlines) if base else "-"
        log("%-22s %8.2f %11.2f %12s %10.1f %10s" % (
            name, wall, cpu / (size / 2**30), extra, wire / 2**20,
            "%.1f MiB" % (hwm / 1024)))
    for name, r, _ in rows[-2:]:
        if base and r:
            log("%s / none CPU: %.2f (target at most 1.5)" % (name,
                                                              r[1] / base))
    return rows


def bench_proxy(binary, files, nlines, tmp, certs):
    """The same files shipped over HTTPS directly and through tinyproxy's
    CONNECT tunnel (TLS end to end inside it): what the tunnel costs
    sidelog, and what the proxy spends relaying."""
    from sidelogtest import Tinyproxy
    size = sum(f.stat().st_size for f in files)
    rows = []
    for mode in ("direct", "tinyproxy CONNECT"):
        sink, port, stats = start_sink(tmp, certs)
        px = Tinyproxy(tmp / ("px-" + mode.split()[0])) \
            if mode != "direct" else None
        try:
            conf = ship_conf(tmp / ("proxy-" + mode.split()[0]), files,
                             port, certs, output="proxy = %s\n" % (
                                 "http://127.0.0.1:%d" % px.port if px
                                 else "none"))
            c0 = cpu_of(px.proc.pid) if px else 0.0
            r = run_shipper(mode, [binary, "run", "-c", str(conf)], stats,
                            nlines)
            pcpu = cpu_of(px.proc.pid) - c0 if px else None
            rows.append((mode, r, pcpu))
        finally:
            sink.kill()
            if px:
                px.stop()
    log("\nProxy: the same %d lines, %.0f MiB in 4 files, over HTTPS "
        "directly and through a CONNECT tunnel" % (nlines, size / 2**20))
    log("%-20s %8s %8s %11s %10s %15s" % ("", "wall s", "MB/s",
                                          "CPU s/GiB", "peak RSS",
                                          "proxy CPU s/GiB"))
    for mode, r, pcpu in rows:
        if r is None:
            log("%-20s %8s" % (mode, "failed"))
            continue
        wall, cpu, hwm = r
        log("%-20s %8.2f %8.1f %11.2f %10s %15s" % (
            mode, wall, size / 1e6 / wall, cpu / (size / 2**30),
            "%.1f MiB" % (hwm / 1024),
            "%.2f" % (pcpu / (size / 2**30)) if pcpu is not None else "-"))
    return rows


# --- peers ----------------------------------------------------------------

PEERS = BUILD / "root"
PEER_DEBS = ["rsyslog", "rsyslog-elasticsearch", "syslog-ng-core",
             "syslog-ng-mod-http"]


def unpack_peers():
    """rsyslog and syslog-ng from Debian, unpacked (not installed: as
    packages they conflict, and the machine's own logger stays)."""
    if (PEERS / "usr" / "sbin" / "rsyslogd").exists() and \
            (PEERS / "usr" / "sbin" / "syslog-ng").exists():
        return
    debs = BUILD / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", *PEER_DEBS], cwd=debs,
                   check=True, capture_output=True)
    for d in debs.glob("*.deb"):
        subprocess.run(["dpkg", "-x", str(d), str(PEERS)], check=True)


def rsyslog(files, port, stats, nlines, tmp, certs):
    d = tmp / "rsyslog"
    d.mkdir()
    conf = d / "rsyslog.conf"
    conf.write_text("""
global(workDirectory="%(d)s")
module(load="imfile" mode="inotify")
module(load="omelasticsearch")
template(name="doc" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
  property(outname="path" name="$!metadata!filename" format="jsonf")
}
input(type="imfile" File="%(dir)s/bench-*.log" Tag="bench" addMetadata="on"
      readMode="0" freshStartTail="off")
action(type="omelasticsearch" server="localhost" serverport="%(port)d"
       usehttps="on" tls.cacert="%(ca)s" template="doc" bulkmode="on"
       maxbytes="1m" searchIndex="bench" errorFile="%(d)s/errors.json"
       queue.type="linkedlist" queue.size="100000"
       queue.dequeueBatchSize="10000" action.resumeRetryCount="-1")
""" % {"d": d, "dir": files[0].parent, "port": port, "ca": certs["ca"][0]})
    return run_shipper("rsyslog", rsyslog_cmd(d, conf), stats, nlines)


def rsyslog_cmd(d, conf):
    return [str(PEERS / "usr/sbin/rsyslogd"), "-n", "-f", str(conf), "-i",
            str(d / "pid"), "-M",
            str(PEERS / "usr/lib/x86_64-linux-gnu/rsyslog")]


def syslog_ng(files, port, stats, nlines, tmp, certs):
    d = tmp / "syslog-ng"
    d.mkdir()
    conf = d / "syslog-ng.conf"
    conf.write_text("""@version: 3.38
options { keep-hostname(yes); log-msg-size(65536); };
source s { wildcard-file(base-dir("%(dir)s") filename-pattern("bench-*.log")
           flags(no-parse) max-files(16) follow-freq(1)
           log-iw-size(100000) log-fetch-limit(10000)); };
destination d { http(url("https://localhost:%(port)d/ingest")
                method("POST") batch-lines(10000) batch-bytes(1048576)
                batch-timeout(100) workers(2) body-suffix("\\n")
                body("$(format-json @timestamp=${ISODATE} message=${MESSAGE} path=${FILE_NAME})")
                tls(ca-file("%(ca)s") peer-verify(yes))); };
log { source(s); destination(d); flags(flow-control); };
""" % {"dir": files[0].parent, "port": port, "ca": certs["ca"][0]})
    return run_shipper("syslog-ng", syslog_ng_cmd(d, conf), stats, nlines,
                       env=syslog_ng_env())


def syslog_ng_cmd(d, conf):
    return [str(PEERS / "usr/sbin/syslog-ng"), "-F", "-f", str(conf),
            "--persist-file", str(d / "persist"), "--pidfile",
            str(d / "pid"), "--control", str(d / "ctl"), "--module-path",
            str(PEERS / "usr/lib/syslog-ng/3.38")]


def syslog_ng_env():
    return dict(os.environ, LD_LIBRARY_PATH=str(PEERS / "usr/lib/syslog-ng"))


# --- steady state -----------------------------------------------------------
#
# A sidecar spends its life tailing a trickle, not catching up: what it
# costs then is CPU and memory in every pod, and what it gives is how
# soon a line reaches the backend.  tests/bench/writer.c appends the
# bench's lines at a fixed rate, each stamped with its write time; the
# sink (given a latency file) takes each line's arrival less that stamp.
#
# Each shipper runs with its defaults, save what the bench must set
# (paths, URL, CA, state directories) and, for the peers, the batching
# that makes the job the same as sidelog's default one: a request when
# the batch holds 10,000 records or 1 MiB, or is 1 s old.  Without it
# both would send a request per line (omelasticsearch's bulkmode is
# off, http()'s batch-lines 0 by default), a different job.  rsyslog
# has no batch timeout as
# such: an action queue whose worker waits up to 1 s for 10,000
# messages (queue.minDequeueBatchSize and its .timeout) gives one, and
# omelasticsearch's maxbytes the 1 MiB.  syslog-ng's http() has all
# three (batch-lines, batch-bytes, batch-timeout); its one worker by
# default (sidelog allows two requests in flight) is left as it is, as
# a request a second or so keeps one far from busy.  Its file source
# looks at a followed file every follow-freq (1 s by default), also
# left as it is: that second shows in its latency.

def steady_sidelog(binary, d, logs, port, certs):
    conf = d / "sidelog.ini"
    conf.write_text(
        "[sidelog]\ncheckpoint_dir = %s\n"
        "[input.app]\npaths = %s/*.log\n"
        "[output]\nurl = https://localhost:%d/ingest\ntls.ca_file = %s\n"
        % (d / "pvc", logs, port, certs["ca"][0]))
    return [binary, "run", "-c", str(conf)], None


def steady_rsyslog(binary, d, logs, port, certs):
    conf = d / "rsyslog.conf"
    # queue.size: the action queue's default (1,000) is below the
    # minimum batch, which would then leave at most 1,000 lines a second.
    conf.write_text("""
global(workDirectory="%(d)s")
module(load="imfile" mode="inotify")
module(load="omelasticsearch")
template(name="doc" type="list" option.jsonf="on") {
  property(outname="@timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="message" name="msg" format="jsonf")
  property(outname="path" name="$!metadata!filename" format="jsonf")
}
input(type="imfile" File="%(logs)s/*.log" Tag="app" addMetadata="on")
action(type="omelasticsearch" server="localhost" serverport="%(port)d"
       usehttps="on" tls.cacert="%(ca)s" template="doc" bulkmode="on"
       maxbytes="1m" searchIndex="bench" errorFile="%(d)s/errors.json"
       queue.type="linkedlist" queue.size="100000"
       queue.dequeueBatchSize="10000" queue.minDequeueBatchSize="10000"
       queue.minDequeueBatchSize.timeout="1000"
       action.resumeRetryCount="-1")
""" % {"d": d, "logs": logs, "port": port, "ca": certs["ca"][0]})
    return rsyslog_cmd(d, conf), None


def steady_syslog_ng(binary, d, logs, port, certs):
    conf = d / "syslog-ng.conf"
    # flow-control, as sidelog never drops a line (without it syslog-ng
    # drops when its queue is full); then the source's window must hold
    # a whole batch, as http() acknowledges a line only once its batch
    # is sent: the window is shared among max-files files.
    conf.write_text("""@version: 3.38
source s { wildcard-file(base-dir("%(logs)s") filename-pattern("*.log")
           flags(no-parse) max-files(16) log-iw-size(100000)); };
destination d { http(url("https://localhost:%(port)d/ingest")
                method("POST") batch-lines(10000) batch-bytes(1048576)
                batch-timeout(1000) body-suffix("\\n")
                body("$(format-json @timestamp=${ISODATE} message=${MESSAGE} path=${FILE_NAME})")
                tls(ca-file("%(ca)s") peer-verify(yes))); };
log { source(s); destination(d); flags(flow-control); };
""" % {"logs": logs, "port": port, "ca": certs["ca"][0]})
    return syslog_ng_cmd(d, conf), syslog_ng_env()


STEADY = (("sidelog", steady_sidelog), ("rsyslog", steady_rsyslog),
          ("syslog-ng", steady_syslog_ng))


def percentile(sorted_v, q):
    return sorted_v[min(len(sorted_v) - 1, int(q * len(sorted_v)))]


def steady_run(binary, name, start, rate, seconds, tmp, certs, template):
    """One shipper under one rate: None if it failed to start."""
    d = tmp / ("steady-%s-%d" % (name, rate))
    logs = d / "logs"
    logs.mkdir(parents=True)
    app = logs / "app.log"
    app.touch()
    # Not beside the shipper's config: sidelog re-reads its config on
    # any event in that directory, and the sink's files change there
    # every 100 ms, which a pod's ConfigMap never does.
    sinkdir = d / "sink"
    sinkdir.mkdir()
    sink, port, stats = start_sink(sinkdir, certs, sinkdir / "latency")
    cmd, env = start(binary, d, logs, port, certs)
    p = Proc(cmd, stdout=subprocess.DEVNULL, stderr=open(d / "err", "w"),
             env=env)
    # The window leaves out the first and last seconds of the writer's
    # run: the first connection's TLS handshake, and the last batch,
    # which waits out its timeout once the lines stop, are not the
    # steady state.  Lines written in it give the latencies; requests
    # that arrived in it the rate.
    edge = min(5.0, seconds / 10)
    try:
        time.sleep(1.0)      # watching the file before its first line
        if p.p.poll() is not None:
            log("%s: exited: %s" % (name, (d / "err").read_text()[-1500:]))
            return None
        w0 = time.monotonic()
        w = subprocess.Popen([str(tool("writer")), str(app), str(rate),
                              str(seconds), str(template)],
                             stdout=subprocess.PIPE, text=True)
        time.sleep(edge)
        c0, s0, t0 = p.cpu(), cpu_of(sink.pid), time.monotonic_ns()
        time.sleep(max(0.0, w0 + seconds - edge - time.monotonic()))
        c1, s1, t1 = p.cpu(), cpu_of(sink.pid), time.monotonic_ns()
        out = w.communicate()[0].split()
        sent, wsecs, late_us = int(out[0]), float(out[1]), int(out[2])
        last, stall = -1, time.monotonic()
        while time.monotonic() - stall < 15:
            recs = sink_count(stats)[0]
            if recs >= sent:
                break
            if recs != last:
                last, stall = recs, time.monotonic()
            time.sleep(0.1)
        time.sleep(0.2)      # the sink's totals are written every 100 ms
        p.sample()
    finally:
        p.p.send_signal(signal.SIGTERM)
        try:
            p.p.wait(30)
        except subprocess.TimeoutExpired:
            p.p.kill()
        sink.kill()
        sink.wait()
    recs, _, _, unstamped = sink_count(stats)[:4]
    size = app.stat().st_size
    shutil.rmtree(logs)
    pairs = array.array("q")
    pairs.frombytes((sinkdir / "latency").read_bytes())
    wrote, arrived = pairs[0::2], pairs[1::2]
    lat = sorted(a - w for w, a in zip(wrote, arrived) if t0 <= w < t1)
    reqs = len(set(a for a in arrived if t0 <= a < t1))
    win = (t1 - t0) / 1e9
    nan = float("nan")
    return {"rate": sent / wsecs, "bytes": size / max(sent, 1),
            "cpu": 1000 * (c1 - c0) / win, "sink": 1000 * (s1 - s0) / win,
            "rss": p.hwm, "rps": reqs / win, "sent": sent, "recv": recs,
            "timed": len(wrote), "unstamped": unstamped, "late": late_us,
            "p50": percentile(lat, 0.50) / 1e6 if lat else nan,
            "p99": percentile(lat, 0.99) / 1e6 if lat else nan,
            "max": lat[-1] / 1e6 if lat else nan}


def bench_steady(binary, rates, seconds, tmp, certs, template, shippers):
    res = {}
    for rate in rates:
        rows = {}
        for name, start in STEADY:
            if name not in shippers:
                continue
            rows[name] = steady_run(binary, name, start, rate, seconds,
                                    tmp, certs, template)
        res[rate] = rows
        ok = [r for r in rows.values() if r]
        log("\nSteady state: %d lines/s of ~%.0f bytes for %d s into one "
            "file, to the sink over HTTPS; figures over the middle %.0f s"
            % (rate, ok[0]["bytes"] if ok else 0, seconds,
               seconds - 2 * min(5.0, seconds / 10)))
        # mcores: CPU time over the window, in thousandths of a core.
        # Latency: from the writer's write(2) to the sink having the
        # request's whole body.
        log("%-10s %8s %7s %9s %6s %7s %7s %7s %15s %6s" % (
            "", "lines/s", "mcores", "peak RSS", "req/s", "p50 ms",
            "p99 ms", "max ms", "sent/received", "sink"))
        for name, r in rows.items():
            if r is None:
                log("%-10s %8s" % (name, "failed"))
                continue
            log("%-10s %8.0f %7.1f %9s %6.2f %7.0f %7.0f %7.0f %15s %6.1f" % (
                name, r["rate"], r["cpu"], "%.1f MiB" % (r["rss"] / 1024),
                r["rps"], r["p50"], r["p99"], r["max"],
                "%d/%d" % (r["sent"], r["recv"]), r["sink"]))
            if r["timed"] != r["recv"] or r["unstamped"]:
                log("%-10s %d lines timed of %d received, %d not" % (
                    "", r["timed"], r["recv"], r["unstamped"]))
        if ok:
            log("writer: at most %.1f ms behind its schedule; sink in "
                "mcores" % (max(r["late"] for r in ok) / 1000))
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--only", choices=["read", "ship", "peers", "syslog-ng",
                                       "rsyslog", "formats", "proxy",
                                       "stages", "steady", "all"],
                    default="all")
    ap.add_argument("--steady-seconds", type=int, default=60)
    ap.add_argument("--steady-rates", default="100,1000,10000",
                    help="lines/s, comma-separated")
    ap.add_argument("--steady-shippers", default="sidelog,rsyslog,syslog-ng",
                    help="which to run, comma-separated")
    args = ap.parse_args()
    rates = [int(x) for x in args.steady_rates.split(",")]
    binary = os.environ.get("SIDELOG_BIN", str(ROOT / "build" / "sidelog"))
    BUILD.mkdir(parents=True, exist_ok=True)
    size = args.size_mib * 2**20
    data_dir = BUILD / "data"
    data_dir.mkdir(exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sidelog-bench-"))
    try:
        import pki
        certs = pki.make(tmp)
        if args.only in ("read", "all"):
            log("bench: making %d MiB of log lines (cached in %s)" %
                (args.size_mib, data_dir))
            one = data_dir / ("one-%s-%d.log" % (DATA_SHAPE, args.size_mib))
            nlines = make_data(one, size)
            bench_read(binary, one, nlines, tmp)
        if args.only in ("stages", "all"):
            bench_stages_all(binary, args, data_dir, size, tmp, certs)
        if args.only not in ("read", "steady", "stages"):
            bench_ship_all(binary, args, data_dir, size, tmp, certs)
        if args.only in ("steady", "all"):
            unpack_peers()
            # The writer cycles through the first MiB of the same lines.
            template = data_dir / ("steady-%s.log" % DATA_SHAPE)
            make_data(template, 2**20)
            bench_steady(binary, rates, args.steady_seconds, tmp, certs,
                         template, args.steady_shippers.split(","))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def link_files(files, d):
    """Hard links (or copies) of the cached files in d, for a run."""
    d.mkdir()
    links = []
    for i, f in enumerate(files):
        link = d / ("bench-%d.log" % i)
        os.link(f, link) if os.stat(f).st_dev == os.stat(
            d).st_dev else shutil.copy(f, link)
        links.append(link)
    return links


def bench_stages_all(binary, args, data_dir, size, tmp, certs):
    log("bench: making %d MiB of logfmt lines in 4 files (cached in %s)" %
        (args.size_mib, data_dir))
    files, total = [], 0
    for i in range(4):
        f = data_dir / ("stages-%s-%d-%d.log" % (DATA_SHAPE, args.size_mib,
                                                 i))
        total += make_data(f, size // 4, stages=True)
        files.append(f)
    bench_stages(binary, link_files(files, tmp / "stage-logs"), total, tmp,
                 certs)


def bench_ship_all(binary, args, data_dir, size, tmp, certs):
    """The same bytes as the reading part's, in 4 files: sidelog, then
    the peers --only asks for."""
    log("bench: making %d MiB of log lines in 4 files (cached in %s)" %
        (args.size_mib, data_dir))
    files = []
    total = 0
    for i in range(4):
        f = data_dir / ("bench-%s-%d-%d.log" % (DATA_SHAPE, args.size_mib, i))
        total += make_data(f, size // 4)
        files.append(f)
    links = link_files(files, tmp / "logs")
    if args.only in ("formats", "all"):
        bench_formats(binary, links, total, tmp, certs)
    if args.only in ("proxy", "all"):
        bench_proxy(binary, links, total, tmp, certs)
    if args.only in ("formats", "proxy"):
        return
    peers = {"ship": [], "syslog-ng": [syslog_ng],
             "rsyslog": [rsyslog]}.get(args.only, [rsyslog, syslog_ng])
    if peers:
        unpack_peers()
    bench_ship(binary, links, total, tmp, certs, peers)


if __name__ == "__main__":
    main()
