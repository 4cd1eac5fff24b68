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
ceiling; rsyslog (imfile -> omelasticsearch) and syslog-ng
(wildcard-file -> http) from Debian do the same job as closely as their
features allow (neither compresses: rsyslog 8.2302's omelasticsearch
and syslog-ng 3.38's http() have no gzip).  Batches wait at most 100 ms
(sidelog's batch_timeout, syslog-ng's batch-timeout), so the last
batch's wait does not dominate a run of a few seconds.

    python3 tests/bench/bench.py [--size-mib N] [--only read|ship|peers]
"""
import argparse
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


def make_data(path, size):
    """~200-byte lines that compress like real logs (about 4:1 to 6:1)."""
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

def sink_binary():
    out = BUILD / "sink"
    src = ROOT / "tests" / "bench" / "sink.c"
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        subprocess.run(["gcc", "-O2", "-o", str(out), str(src), "-lssl",
                        "-lcrypto", "-lz", "-lpthread"], check=True)
    return out


def start_sink(tmp, certs):
    port = free_port()
    stats = tmp / ("sink-%d.stats" % port)
    p = subprocess.Popen([str(sink_binary()), str(port), str(stats),
                          certs["server"][0], certs["server"][1]])
    time.sleep(0.3)
    return p, port, stats


def sink_count(stats):
    try:
        return [int(x) for x in stats.read_text().split()]
    except (OSError, ValueError):
        return [0, 0, 0]


def run_shipper(name, cmd, stats, nlines, env=None, timeout=1800):
    """Runs a shipper until the sink counted every record."""
    t0 = time.monotonic()
    p = Proc(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
             env=env)
    last, stall = -1, time.monotonic()
    while True:
        p.sample()
        recs = sink_count(stats)[0]
        if recs >= nlines:
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


def bench_ship(binary, files, nlines, tmp, certs, peers):
    size = sum(f.stat().st_size for f in files)
    res, rx_cpu = {}, {}
    wall, cpu = timed(["gzip", "-1", "-c", *map(str, files)])
    res["gzip -1"] = (wall, cpu, None)
    sink, port, stats = start_sink(tmp, certs)
    try:
        d = tmp / "ship-sidelog"
        d.mkdir()
        conf = d / "sidelog.ini"
        conf.write_text(
            "[sidelog]\ncheckpoint_dir = %s\n"
            "[input.bench]\npaths = %s/bench-*.log\n"
            "[output]\nurl = https://localhost:%d/ingest\n"
            "tls.ca_file = %s\nbatch_timeout = 100ms\n"
            % (d / "pvc", files[0].parent, port, certs["ca"][0]))
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
    for peer in peers:
        v = res.get(peer.__name__)
        if v and res.get("sidelog"):
            log("sidelog / %s rate: %.2f" % (peer.__name__,
                                             v[0] / res["sidelog"][0]))
    return res


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
    return run_shipper("rsyslog", [
        str(PEERS / "usr/sbin/rsyslogd"), "-n", "-f", str(conf), "-i",
        str(d / "pid"), "-M", str(PEERS / "usr/lib/x86_64-linux-gnu/rsyslog")],
        stats, nlines)


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
    env = dict(os.environ, LD_LIBRARY_PATH=str(PEERS / "usr/lib/syslog-ng"))
    return run_shipper("syslog-ng", [
        str(PEERS / "usr/sbin/syslog-ng"), "-F", "-f", str(conf),
        "--persist-file", str(d / "persist"), "--pidfile", str(d / "pid"),
        "--control", str(d / "ctl"), "--module-path",
        str(PEERS / "usr/lib/syslog-ng/3.38")], stats, nlines, env=env)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--only", choices=["read", "ship", "peers", "syslog-ng",
                                       "rsyslog", "all"],
                    default="all")
    args = ap.parse_args()
    binary = os.environ.get("SIDELOG_BIN", str(ROOT / "build" / "sidelog"))
    BUILD.mkdir(parents=True, exist_ok=True)
    size = args.size_mib * 2**20
    data_dir = BUILD / "data"
    data_dir.mkdir(exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="sidelog-bench-"))
    try:
        import pki
        certs = pki.make(tmp)
        log("bench: making %d MiB of log lines (cached in %s)" %
            (args.size_mib, data_dir))
        one = data_dir / ("one-%s-%d.log" % (DATA_SHAPE, args.size_mib))
        nlines = make_data(one, size)
        if args.only in ("read", "all"):
            bench_read(binary, one, nlines, tmp)
        files = []
        total = 0
        for i in range(4):
            f = data_dir / ("bench-%s-%d-%d.log" % (DATA_SHAPE, args.size_mib, i))
            total += make_data(f, size // 4)
            files.append(f)
        ship_dir = tmp / "logs"
        ship_dir.mkdir()
        links = []
        for i, f in enumerate(files):
            link = ship_dir / ("bench-%d.log" % i)
            os.link(f, link) if os.stat(f).st_dev == os.stat(
                ship_dir).st_dev else shutil.copy(f, link)
            links.append(link)
        if args.only not in ("read",):
            peers = {"ship": [], "syslog-ng": [syslog_ng],
                     "rsyslog": [rsyslog]}.get(args.only,
                                               [rsyslog, syslog_ng])
            if peers:
                unpack_peers()
            bench_ship(binary, links, total, tmp, certs, peers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
