"""sidelog's life in a pod: ConfigMap updates, SIGTERM, labels, metrics.

1. The config is laid out as the kubelet's atomic writer does
   (CONFIG/..TIMESTAMP/sidelog.ini, CONFIG/..data -> ..TIMESTAMP,
   CONFIG/sidelog.ini -> ..data/sidelog.ini).  While a writer appends
   numbered lines, the ConfigMap is swapped to one adding a field; later
   a broken one is swapped in.
2. SIGTERM after the application stopped (native sidecar), and while it
   still writes, with shutdown_grace (classic sidecar).
3. A Downward API labels file, updated the same way.
4. /metrics scraped after delivery to a TLS receiver.
Check that no line is lost or duplicated across the reload, that later
lines carry the new field, that the broken config is refused while
shipping goes on, that every line written before the end is delivered
before exit 0, that labels reach the records, that the metrics agree
with what the receiver got, and that the process, last-delivery and
checkpoint-age metrics say what the kernel and the checkpoint do.
"""
import os
import pathlib
import signal
import time
import urllib.request

from receiver import Receiver
from sidelogtest import (ConfigMap, Pod, Writer, count, free_port, line,
                         proc_kib, scrape, wait_for, wait_seqs)


def pod_config(pod, fields="", extra="", listen=""):
    return ("[sidelog]\ncheckpoint_dir = %s\ncheckpoint_interval = 200ms\n"
            "%s%s\n[input.app]\npaths = %s/app.log\n%s\n"
            "[stdout]\nenabled = true\nformat = json\n"
            % (pod.pvc, listen, extra, pod.logs, fields))


def start_with_configmap(tmp_path, text, files=None):
    pod = Pod(tmp_path)
    cm = ConfigMap(tmp_path / "config", dict(files or {}, **{
        "sidelog.ini": text(pod)}))
    pod.conf = tmp_path / "config" / "sidelog.ini"
    return pod, cm


def records(pod):
    return pod.records()


def test_configmap_swap_mid_stream_applies_to_later_lines(tmp_path):
    pod, cm = start_with_configmap(tmp_path, lambda p: pod_config(p))
    pod.start()
    w = Writer(pod.logs / "app.log", 20000, pause_every=500,
               pause=0.05).start()
    time.sleep(1.0)
    cm.update({"sidelog.ini": pod_config(pod, "fields.version = 2")})
    w.join()
    assert wait_seqs(pod, 20000), pod.stderr()[-2000:]
    assert pod.stop() == 0
    assert count(pod.seqs(), 20000) == ([], 0)
    versions = [r.get("version") for r in records(pod)]
    first = versions.index("2")
    assert 0 < first < 20000
    assert all(v == "2" for v in versions[first:])
    assert "configuration reloaded" in pod.stderr()


def test_broken_configmap_swap_is_refused_and_shipping_goes_on(tmp_path):
    pod, cm = start_with_configmap(tmp_path, lambda p: pod_config(p))
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(100):
            f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 100)
    cm.update({"sidelog.ini": pod_config(pod, "fields.version = 2\n"
                                              "frobnicate = yes")})
    assert wait_for(lambda: "the new configuration is invalid" in
                    pod.stderr(), 10), pod.stderr()
    with open(pod.logs / "app.log", "ab") as f:
        for i in range(100, 200):
            f.write(line(i))
    assert wait_seqs(pod, 200)
    assert pod.stop() == 0
    assert count(pod.seqs(), 200) == ([], 0)
    assert all("version" not in r for r in records(pod))
    assert "frobnicate: unknown key" in pod.stderr()


def test_sighup_reloads(tmp_path):
    pod = Pod(tmp_path, stdout_format="json")
    with open(pod.logs / "app.log", "wb") as f:
        f.write(line(0))
    pod.start()
    assert wait_seqs(pod, 1)
    text = pod.conf.read_text().replace("[input.app]\n",
                                        "[input.app]\nfields.team = blue\n")
    pod.conf.write_text(text)
    pod.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: "configuration reloaded" in pod.stderr(), 10)
    with open(pod.logs / "app.log", "ab") as f:
        f.write(line(1))
    assert wait_seqs(pod, 2)
    assert pod.stop() == 0
    recs = records(pod)
    assert "team" not in recs[0] and recs[1]["team"] == "blue"


def test_sigterm_after_the_app_stopped_delivers_everything(tmp_path):
    """Native sidecar: the application has exited when SIGTERM comes."""
    pod = Pod(tmp_path, paths="app.log")
    pod.start()
    w = Writer(pod.logs / "app.log", 100_000).start()
    w.join()
    assert pod.stop() == 0
    assert count(pod.seqs(), 100_000) == ([], 0)


def test_sigterm_while_the_app_writes_waits_for_the_grace(tmp_path):
    """Classic sidecar: SIGTERM comes while the application still writes
    for a second; shutdown_grace = 2s keeps tailing until it stopped."""
    pod = Pod(tmp_path, paths="app.log",
              extra_sidelog="shutdown_grace = 2s")
    pod.start()
    w = Writer(pod.logs / "app.log", 30_000, pause_every=1000,
               pause=0.05).start()
    time.sleep(0.3)
    pod.proc.send_signal(signal.SIGTERM)
    w.join()
    assert pod.proc.wait(30) == 0
    pod.proc = None
    assert count(pod.seqs(), 30_000) == ([], 0)
    assert "no file grew for 2000ms" in pod.stderr()


def test_labels_file_reaches_records_and_follows_updates(tmp_path):
    def text(p):
        return pod_config(p, extra="") + \
            "[metadata]\nlabels_file = %s/labels/labels\n" % tmp_path

    pod = Pod(tmp_path)
    cm = ConfigMap(tmp_path / "labels", {"labels": 'app="web"\n'
                                         'tier="front\\"end"\n'})
    pod.conf.write_text(text(pod))
    with open(pod.logs / "app.log", "wb") as f:
        f.write(line(0))
    pod.start()
    assert wait_seqs(pod, 1)
    cm.update({"labels": 'app="web"\nversion="2"\n'})
    assert wait_for(lambda: "configuration reloaded" in pod.stderr(), 15)
    with open(pod.logs / "app.log", "ab") as f:
        f.write(line(1))
    assert wait_seqs(pod, 2)
    assert pod.stop() == 0
    recs = records(pod)
    assert recs[0]["kubernetes"]["labels"] == {"app": "web",
                                               "tier": 'front"end'}
    assert recs[1]["kubernetes"]["labels"] == {"app": "web", "version": "2"}


def test_metrics_agree_with_the_receiver(tmp_path, pki):
    rx = Receiver(tls=pki["server"]).start()
    port = free_port()
    pod = Pod(tmp_path, stdout=False,
              extra_sidelog="listen = 127.0.0.1:%d" % port,
              output="url = https://localhost:%d/ingest\ntls.ca_file = %s\n"
                     "batch_max_records = 300\nbatch_timeout = 100ms\n"
                     % (rx.port, pki["ca"][0]))
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(1000):
            f.write(line(i))
    try:
        pod.start()
        assert wait_for(lambda: len(rx.records) >= 1000, 20)
        time.sleep(0.3)
        m = scrape(port)
        health = urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port,
                                        timeout=5)
        assert health.status == 200
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert m["sidelog_records_delivered_total"] == len(rx.records) == 1000
    assert m["sidelog_lines_read_total"] == 1000
    assert m['sidelog_requests_total{code="200"}'] == rx.requests
    assert m['sidelog_lag_bytes{input="app"}'] == 0
    assert m["sidelog_files_open"] == 1
    assert m["sidelog_watch_mode"] == 1
    assert m["sidelog_records_rejected_total"] == 0


def proc_fields(pid):
    """(CPU seconds, VmRSS bytes, open fds, soft RLIMIT_NOFILE) of pid, as
    the kernel says them."""
    with open("/proc/%d/stat" % pid) as f:
        ticks = f.read().rsplit(")", 1)[1].split()[11:13]
    cpu = sum(int(x) for x in ticks) / os.sysconf("SC_CLK_TCK")
    rss = proc_kib(pid) * 1024
    fds = len(os.listdir("/proc/%d/fd" % pid))
    with open("/proc/%d/limits" % pid) as f:
        soft = [l.split()[3] for l in f if l.startswith("Max open files")]
    return cpu, rss, fds, int(soft[0])


def test_process_delivery_and_checkpoint_age_metrics(tmp_path, pki):
    """The process metrics match what the kernel says of the process; the
    last delivery's time falls between the first write and the scrape;
    the checkpoint's age is 0 while saves succeed, grows while they fail
    (its temporary file's name is taken by a directory) with lines
    acknowledged meanwhile, and is 0 again once a save succeeds."""
    rx = Receiver(tls=pki["server"]).start()
    port = free_port()
    pod = Pod(tmp_path, stdout=False,
              extra_sidelog="listen = 127.0.0.1:%d" % port,
              output="url = https://localhost:%d/ingest\ntls.ca_file = %s\n"
                     "batch_timeout = 100ms\n" % (rx.port, pki["ca"][0]))
    with open(pod.logs / "app.log", "wb") as f:
        for i in range(100):
            f.write(line(i))
    t0 = time.time()
    try:
        pod.start()
        assert wait_for(lambda: len(rx.records) >= 100, 20)
        assert wait_for(lambda: scrape(port)[
            "sidelog_checkpoint_age_seconds"] == 0, 10)
        m = scrape(port)
        cpu, rss, fds, soft = proc_fields(pod.proc.pid)
        t1 = time.time()
        blocker = pod.pvc / "sidelog.ckpt.tmp"
        blocker.mkdir()
        with open(pod.logs / "app.log", "ab") as f:
            f.write(line(100))
        assert wait_for(lambda: len(rx.records) >= 101, 20)
        time.sleep(2.5)
        stuck = scrape(port)
        blocker.rmdir()
        assert wait_for(lambda: scrape(port)[
            "sidelog_checkpoint_age_seconds"] == 0, 10)
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert 0 < m["process_cpu_seconds_total"] <= cpu + 0.02
    assert abs(m["process_resident_memory_bytes"] - rss) < 1 << 20
    assert m["process_virtual_memory_bytes"] >= \
        m["process_resident_memory_bytes"]
    assert abs(m["process_open_fds"] - fds) <= 2
    assert m["process_max_fds"] == soft
    assert t0 - 2 <= m["process_start_time_seconds"] <= t1
    assert t0 <= m["sidelog_last_delivery_timestamp_seconds"] <= t1
    version = (pathlib.Path(__file__).resolve().parents[2] / "src" /
               "VERSION").read_text().strip()
    assert m['sidelog_build_info{version="%s"}' % version] == 1
    assert stuck["sidelog_checkpoint_age_seconds"] >= 2.0
    assert stuck["sidelog_checkpoint_errors_total"] >= 1
    assert stuck["sidelog_last_delivery_timestamp_seconds"] > \
        m["sidelog_last_delivery_timestamp_seconds"]
