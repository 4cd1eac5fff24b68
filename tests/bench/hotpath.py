#!/usr/bin/python3
"""The per-line path's leftovers (review 2026-12, section 2), one figure
each: the CPU sidelog spends on a workload, as instructions counted by
callgrind (the default: the same on a busy machine) or as CPU seconds
(--cpu).  It asserts nothing but that the records came out.

  multiline  one multiline record of 2,000 lines, one write(2) each, the
             reader done with each write before the next comes
  append     2,000 plain lines, one write(2) each, the same way: a read
             round per line (with --cpu, also the read syscalls a line)
  both       20,000 lines with [stdout] format = json and [output] on
             (ndjson, no compression, id_key set) to a local receiver
  json100    5,000 lines that are each a JSON object of 100 members,
             parse = json, [stdout] format = json
  stages     20,000 of the bench's logfmt lines (bench.py --only stages)
             with [stdout] format = json, under bench.py's list of
             stages: each alone and all together (include_lines; the
             email, bearer and password rules; parse = logfmt; time.key
             and level.key; parse.message): each one's cost a line more
             than none

    python3 tests/bench/hotpath.py [--bin build/static/sidelog]
        [--only multiline,append,both,json100,stages] [--cpu]
"""
import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from receiver import Receiver  # noqa: E402


def conf(tmp, extra_input="", stdout_format="json", output=None):
    text = ("[sidelog]\n"
            "checkpoint_dir = %s/pvc\n"
            "checkpoint_interval = 1s\n"
            "poll_interval = 10s\n"
            "shutdown_timeout = 60s\n"
            "[input.app]\n"
            "paths = %s/logs/app.log\n"
            "%s\n"
            "[stdout]\n"
            "enabled = true\n"
            "format = %s\n" % (tmp, tmp, extra_input, stdout_format))
    if output:
        text += "[output]\n" + output
    # A directory of its own: sidelog watches the config's directory, and
    # stdout written beside it would wake it for every line.
    path = tmp / "conf" / "sidelog.ini"
    path.write_text(text)
    return path


class Run:
    """sidelog under callgrind (or not), its stdout in a file."""

    def __init__(self, args, tmp, cfg):
        self.tmp = tmp
        self.out = tmp / "run" / "stdout"
        self.err = tmp / "run" / "stderr"
        self.cg = tmp / "run" / "callgrind.out"
        cmd = [args.bin, "run", "-c", str(cfg)]
        if not args.cpu:
            cmd = ["valgrind", "--tool=callgrind", "--dump-instr=no",
                   "--callgrind-out-file=%s" % self.cg] + cmd
        self.proc = subprocess.Popen(cmd, stdout=open(self.out, "wb"),
                                     stderr=open(self.err, "wb"))
        self.callgrind = not args.cpu
        self.wait(lambda: b" watching with " in self.err.read_bytes(), 60)

    def wait(self, pred, timeout=600.0):
        end = time.monotonic() + timeout
        while not pred():
            if self.proc.poll() is not None or time.monotonic() > end:
                sys.exit("sidelog: %s" % self.err.read_text()[-2000:])
            time.sleep(0.002)

    def io(self):
        """(read syscalls, bytes read) of the process so far."""
        f = dict(l.split(": ") for l in
                 open("/proc/%d/io" % self.proc.pid).read().splitlines())
        return int(f["syscr"]), int(f["rchar"])

    def sleeping(self):
        stat = open("/proc/%d/stat" % self.proc.pid).read()
        return stat[stat.rindex(")") + 2] == "S"

    def write_settled(self, fd, data):
        """Writes data and waits until sidelog read it and sleeps again:
        one read round per write."""
        _, rchar = self.io()
        os.write(fd, data)
        self.wait(lambda: self.io()[1] - rchar >= len(data) and
                  self.sleeping())

    def records(self):
        data = self.out.read_bytes()
        return data[:data.rfind(b"\n") + 1].count(b"\n")

    def stop(self):
        """SIGTERM; returns (instructions or CPU seconds, unit)."""
        self.proc.send_signal(signal.SIGTERM)
        _, status, ru = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        if self.proc.returncode != 0:
            sys.exit("sidelog exited %d: %s" % (
                self.proc.returncode, self.err.read_text()[-2000:]))
        if not self.callgrind:
            return ru.ru_utime + ru.ru_stime, "CPU s"
        for l in self.cg.read_text().splitlines():
            if l.startswith("summary:") or l.startswith("totals:"):
                return int(l.split()[1]), "instructions"
        sys.exit("no totals in %s" % self.cg)


def multiline(args, tmp):
    cfg = conf(tmp, "multiline.start = ^[0-9]{4}-\n"
                    "multiline.timeout = 1h\n"
                    "max_line_bytes = 1m\n")
    app = tmp / "logs" / "app.log"
    fd = os.open(app, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    r = Run(args, tmp, cfg)
    r.write_settled(fd, b"2026-11-22 08:00:00.123 ERROR [main] failed\n")
    for i in range(1, 2000):
        r.write_settled(fd, b"\tat com.example.Service.method%04d"
                            b"(Service.java:%d)\n" % (i, i))
    r.write_settled(fd, b"2026-11-22 08:00:01.000 INFO [main] next\n")
    r.wait(lambda: r.records() >= 1)
    os.close(fd)
    cost, unit = r.stop()
    import json
    recs = [json.loads(l) for l in r.out.read_bytes().splitlines()]
    assert len(recs) == 2 and recs[0]["message"].count("\n") == 1999, \
        [len(recs)] + [x["message"][:80] for x in recs]
    return cost, unit, "1 record of 2,000 lines", None


def append(args, tmp):
    cfg = conf(tmp, stdout_format="raw")
    app = tmp / "logs" / "app.log"
    fd = os.open(app, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    r = Run(args, tmp, cfg)
    r.write_settled(fd, b"first line\n")
    syscr0, _ = r.io()
    for i in range(2000):
        r.write_settled(fd, (b"2026-11-24T12:00:00.%06dZ level=info "
                             b"req=%016x method=GET path=/api/v1/orders "
                             b"status=200 bytes=%d dur_ms=%d msg=\"request "
                             b"handled\"\n" % (i, i * 7919, i, i % 300)))
    syscr = r.io()[0] - syscr0
    r.wait(lambda: r.records() >= 2001)
    os.close(fd)
    cost, unit = r.stop()
    # valgrind reads for itself: the count is sidelog's only without it.
    return cost, unit, "2,000 lines", "%.2f read syscalls a line" % (
        syscr / 2000) if args.cpu else None


def both(args, tmp):
    rx = Receiver().start()
    n = 20000
    with open(tmp / "logs" / "app.log", "wb") as f:
        for i in range(n):
            f.write(b"2026-11-24T12:00:00.%06dZ level=info seq=%09d "
                    b"method=GET path=/api/v1/orders status=200 bytes=%d "
                    b"ua=\"curl/8.5.0\" msg=\"request handled by worker "
                    b"%d\"\n" % (i, i, i * 7, i % 16))
    cfg = conf(tmp, output="url = http://127.0.0.1:%d/ingest\n"
                           "compression = none\n"
                           "batch_timeout = 50ms\n"
                           "id_key = event.id\n" % rx.port)
    try:
        r = Run(args, tmp, cfg)
        r.wait(lambda: r.records() >= n and len(rx.records) >= n)
        cost, unit = r.stop()
    finally:
        rx.stop()
    return cost, unit, "%d lines to both sinks" % n, None


def json100(args, tmp):
    n = 5000
    with open(tmp / "logs" / "app.log", "wb") as f:
        for i in range(n):
            members = ",".join('"attr_%03d":%d' % (k, i + k)
                               for k in range(100))
            f.write(b'{"msg":"request %d",%s}\n' % (i, members.encode()))
    cfg = conf(tmp, "parse = json\n")
    r = Run(args, tmp, cfg)
    r.wait(lambda: r.records() >= n)
    cost, unit = r.stop()
    return cost, unit, "%d lines of 100 members" % n, None


def stages(args, tmp):
    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    import bench
    n = 20000
    data = tmp / "stages.log"
    bench.make_data(data, 5 * 2**20, stages=True)
    with open(data, "rb") as f:
        lines = [next(f) for _ in range(n)]
    rows = []
    for name, keys in bench.STAGES:
        for sub in ("logs", "pvc", "conf", "run"):
            shutil.rmtree(tmp / sub, ignore_errors=True)
            (tmp / sub).mkdir()
        (tmp / "logs" / "app.log").write_bytes(b"".join(lines))
        r = Run(args, tmp, conf(tmp, keys))
        r.wait(lambda: r.records() >= n)
        cost, unit = r.stop()
        rows.append((name, cost))
    base = rows[0][1]
    more = "; ".join("%s %s" % (name, "{:,}".format((c - base) // n)
                                if isinstance(c, int) else
                                "%.0f ns" % (1e9 * (c - base) / n))
                     for name, c in rows[1:])
    return rows[-1][1], unit, "%d logfmt lines, all stages on; none: %s" % (
        n, "{:,}".format(base) if isinstance(base, int) else
        "%.3f" % base), "a line more than none: " + more


SCENARIOS = {"multiline": multiline, "append": append, "both": both,
             "json100": json100, "stages": stages}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=str(ROOT / "build" / "static" /
                                         "sidelog"))
    ap.add_argument("--only", default=",".join(SCENARIOS))
    ap.add_argument("--cpu", action="store_true",
                    help="CPU seconds instead of callgrind instructions")
    args = ap.parse_args()
    if not args.cpu and shutil.which("valgrind") is None:
        sys.exit("valgrind not found: install it, or use --cpu")
    for name in args.only.split(","):
        with tempfile.TemporaryDirectory(prefix="sidelog-hot-") as d:
            tmp = pathlib.Path(d)
            (tmp / "logs").mkdir()
            for sub in ("pvc", "conf", "run"):
                (tmp / sub).mkdir()
            cost, unit, what, more = SCENARIOS[name](args, tmp)
            line = "%-10s %14s %s  (%s)" % (
                name, "{:,}".format(cost) if isinstance(cost, int) else
                "%.3f" % cost, unit, what)
            print(line + ("; " + more if more else ""), flush=True)


if __name__ == "__main__":
    main()
