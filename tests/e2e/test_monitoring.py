"""examples/monitoring against a real Prometheus scraping a real sidelog.

1. promtool (Debian's prometheus package): the rules check and pass
   their unit tests; prometheus.yml checks, its kubernetes_sd job turned
   into a static one (Debian builds Prometheus without Kubernetes
   discovery) and its commented static job uncommented.
2. The PodMonitor validates against prometheus-operator's schema.
3. sidelog tails a file and ships it to the test receiver, which answers
   503 twice and refuses one record for good, so that failures, retries
   and rejections have data.  Prometheus, in the foreground on a free
   port, scrapes it every second through prometheus.yml's own relabeling,
   fed the labels Kubernetes discovery gives the example pod's containers
   (the sidelog native sidecar's "metrics" port, and decoys it must drop),
   with the rules loaded.
Check that only the sidelog container's metrics port is scraped, with
namespace, pod and container labels; that every query of the dashboard
returns data, with its variables substituted; that every rule evaluates
without error and every metric it names has data; that every metric
named in examples/monitoring is one sidelog serves, counters in rate()
and the like, labels it serves or the scrape adds; that the dashboard's
variables find the pod; that the refused record makes
SidelogRecordsRejected pending; and that sidelog serves memory_limit.
"""
import copy
import json
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
import yaml

from conftest import ROOT
from receiver import Fault, Receiver
from sidelogtest import (LIVE, Pod, free_port, line, npm_tool, scrape,
                         wait_for)

MON = ROOT / "examples" / "monitoring"
RULES = MON / "sidelog-rules.yaml"
DASHBOARD = MON / "grafana-dashboard.json"
NS, POD = "shop", "web-0"
# What Grafana puts in for the dashboard's variables.
SUBST = {"$__rate_interval": "10s", "$__interval": "2s", "$__range": "1m",
         "${namespace}": NS, "$namespace": NS, "${pod}": POD, "$pod": POD}
# Labels the scrape adds (prometheus.yml, the PodMonitor, Prometheus).
TARGET_LABELS = {"job", "instance", "namespace", "pod", "container", "node",
                 "app"}
KEYWORDS = {"and", "or", "unless", "bool", "offset"}
FUNCTIONS = {"sum", "min", "max", "avg", "count", "topk", "bottomk",
             "rate", "irate", "increase", "deriv", "delta", "idelta",
             "changes", "resets", "predict_linear", "time", "vector",
             "scalar", "abs", "clamp_min", "clamp_max", "min_over_time",
             "max_over_time", "avg_over_time", "count_over_time",
             "last_over_time", "absent", "label_replace", "timestamp"}
COUNTER_FUNCS = {"rate", "irate", "increase", "resets"}
GAUGE_FUNCS = {"deriv", "delta", "idelta", "predict_linear"}
N = 300
MARK = "seq=000000150"      # the record the receiver refuses for good


def tool(name):
    path = shutil.which(name)
    assert path, ("%s missing: src/deps/install-tools.sh test installs "
                  "Debian's prometheus package" % name)
    return path


def promtool(*args, cwd=MON):
    return subprocess.run([tool("promtool"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def get(url, **params):
    if params:
        url += "?" + urllib.parse.urlencode(params, doseq=True)
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def query(base, expr):
    """/api/v1/query: (status, result), an error's text as the result."""
    try:
        body = get(base + "/api/v1/query", query=expr)
    except urllib.error.HTTPError as e:
        body = json.loads(e.read())
        return body.get("status"), body.get("error")
    return body["status"], body["data"]["result"]


def substitute(expr):
    for k in sorted(SUBST, key=len, reverse=True):
        expr = expr.replace(k, SUBST[k])
    assert "$" not in expr, expr
    return expr


def strip(expr):
    """expr without strings, matchers, ranges and label lists: what is
    left are numbers, operators, functions, keywords and metric names."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    return re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*"
                  r"\([^)]*\)", " ", e)


def metric_names(expr):
    e = strip(expr)
    names = set()
    for m in re.finditer(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*", e):
        tok = m.group(0)
        if tok in KEYWORDS:
            continue
        if e[m.end():].lstrip().startswith("("):
            assert tok in FUNCTIONS, "unknown function %s in %s" % (tok, expr)
            continue
        names.add(tok)
    return names


def wrapped(expr, funcs):
    """Metric names given straight to one of funcs in expr."""
    names = set()
    for m in re.finditer(r"\b(\w+)\s*\((?=\s*([A-Za-z_:][A-Za-z0-9_:]*))",
                         strip(expr)):
        if m.group(1) in funcs:
            names.add(m.group(2))
    return names


def label_names(expr):
    """Label names expr matches on or groups by."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    out = set()
    for m in re.finditer(r"\{([^}]*)\}", e):
        out |= set(re.findall(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)", m.group(1)))
    for m in re.finditer(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", e):
        out |= {x.strip() for x in m.group(1).split(",") if x.strip()}
    return out


def rule_exprs():
    doc = yaml.safe_load(RULES.read_text())
    return [(r["alert"], r["expr"]) for g in doc["groups"]
            for r in g["rules"]]


def dashboard():
    return json.loads(DASHBOARD.read_text())


def panel_exprs():
    out = []
    for p in dashboard()["panels"]:
        for t in p.get("targets", []):
            out.append((p["title"], t["expr"]))
    return out


def served(port):
    """{metric name: (type, {label names})} of sidelog's /metrics."""
    body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                  timeout=5).read().decode()
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", body, re.M))
    labels = {n: set() for n in types}
    for name, lbl in re.findall(r"^([A-Za-z_:][\w:]*)\{([^}]*)\}", body,
                                re.M):
        labels[name] |= set(re.findall(r'(\w+)="', lbl))
    return {n: (types[n], labels[n]) for n in types}


def derived_config(job_overrides, targets=None, rules=None):
    """prometheus.yml with its kubernetes_sd job made static (targets:
    static_configs) and its commented static job uncommented."""
    text = (MON / "prometheus.yml").read_text()
    cfg = yaml.safe_load(text)
    static = re.search(r"^  # - job_name: sidelog-static\n((?:  #.*\n)+)",
                       text, re.M)
    assert static, "the static example is gone from prometheus.yml"
    extra = yaml.safe_load("- job_name: sidelog-static\n" + "".join(
        l[4:] + "\n" for l in static.group(1).splitlines()))
    job = cfg["scrape_configs"][0]
    assert job["kubernetes_sd_configs"] == [{"role": "pod"}]
    del job["kubernetes_sd_configs"]
    job["static_configs"] = targets or [{"targets": ["127.0.0.1:1"]}]
    job.update(job_overrides)
    cfg["scrape_configs"].append(extra[0])
    cfg["rule_files"] = [str(MON / f) for f in cfg["rule_files"]]
    if rules is not None:
        cfg["rule_files"] = rules
    return cfg


def test_promtool_checks_the_rules():
    p = promtool("check", "rules", RULES)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "SUCCESS: %d rules found" % len(rule_exprs()) in p.stdout
    assert {a for a, _ in rule_exprs()} == {
        "SidelogDeliveryFailing", "SidelogLagGrowing",
        "SidelogRecordsRejected", "SidelogCheckpointStale",
        "SidelogRestarting", "SidelogMemoryNearLimit"}


def test_promtool_runs_the_rules_unit_tests():
    p = promtool("test", "rules", "sidelog-rules.test.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    tests = yaml.safe_load((MON / "sidelog-rules.test.yaml").read_text())
    tested = {}
    for t in tests["tests"]:
        for a in t["alert_rule_test"]:
            tested.setdefault(a["alertname"], set()).add(
                bool(a["exp_alerts"]))
    # Each alert both fires and stays quiet somewhere.
    assert tested == {a: {True, False} for a, _ in rule_exprs()}


def test_every_rule_has_a_severity_a_for_and_annotations():
    doc = yaml.safe_load(RULES.read_text())
    for r in (r for g in doc["groups"] for r in g["rules"]):
        assert r["labels"]["severity"] in ("critical", "warning"), r["alert"]
        assert re.fullmatch(r"\d+[smh]", r["for"]), r["alert"]
        assert r["annotations"]["summary"] and \
            r["annotations"]["description"], r["alert"]


def test_promtool_checks_prometheus_yml(tmp_path):
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(yaml.safe_dump(derived_config({})))
    p = promtool("check", "config", cfg, cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "SUCCESS: 6 rules found" in p.stdout


def test_podmonitor_validates():
    src = ROOT / "tests" / "e2e" / "k8s-validate"
    dest = ROOT / "build" / "k8s-validate"
    npm_tool(src, dest, "validate.mjs")
    p = subprocess.run(["node", str(dest / "validate.mjs"),
                        str(MON / "podmonitor.yaml")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    pm = yaml.safe_load((MON / "podmonitor.yaml").read_text())
    ep = pm["spec"]["podMetricsEndpoints"][0]
    # The port the example pods name, and their app labels.
    for name in ("native-sidecar", "classic-sidecar", "egress-proxy"):
        docs = list(yaml.safe_load_all(
            (ROOT / "examples" / "kubernetes" / (name + ".yaml")).read_text()))
        dep = [d for d in docs if d and d["kind"] == "Deployment"][0]
        tpl = dep["spec"]["template"]
        spec = tpl["spec"]
        side = [c for c in spec.get("initContainers", []) +
                spec["containers"] if c["name"] == "sidelog"][0]
        assert ep["port"] in [p["name"] for p in side["ports"]], name
        sel = pm["spec"]["selector"]["matchExpressions"][0]
        assert tpl["metadata"]["labels"][sel["key"]] in sel["values"], name


def meta(port, container, port_name, pod=POD, phase="Running", init="false",
         scrape=None):
    """A target as Kubernetes pod discovery gives it."""
    labels = {"__meta_kubernetes_namespace": NS,
              "__meta_kubernetes_pod_name": pod,
              "__meta_kubernetes_pod_container_name": container,
              "__meta_kubernetes_pod_container_port_name": port_name,
              "__meta_kubernetes_pod_container_init": init,
              "__meta_kubernetes_pod_phase": phase,
              "__meta_kubernetes_pod_node_name": "node-1",
              "__meta_kubernetes_pod_label_app": "web"}
    if scrape is not None:
        labels["__meta_kubernetes_pod_annotation_prometheus_io_scrape"] = \
            scrape
    return {"targets": ["127.0.0.1:%d" % port], "labels": labels}


class Prometheus:
    def __init__(self, tmp, cfg):
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        conf = tmp / "prometheus.yml"
        conf.write_text(yaml.safe_dump(cfg))
        self.log = tmp / "prometheus.log"
        self.proc = subprocess.Popen(
            [tool("prometheus"), "--config.file=%s" % conf,
             "--storage.tsdb.path=%s" % (tmp / "tsdb"),
             "--web.listen-address=127.0.0.1:%d" % self.port,
             "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"))

    def ready(self):
        try:
            return urllib.request.urlopen(self.base + "/-/ready",
                                          timeout=1).status == 200
        except OSError:
            return False

    def values(self, expr):
        st, res = query(self.base, expr)
        return [float(r["value"][1]) for r in res] if st == "success" else []

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """sidelog shipping to the receiver, scraped by Prometheus."""
    tmp = tmp_path_factory.mktemp("monitoring")
    rx = Receiver(reject_mark=MARK).start()
    port = free_port()
    dead = tmp / "dead.ndjson"
    pod = Pod(tmp, stdout=False,
              extra_sidelog="listen = 127.0.0.1:%d\nmemory_limit = 4m" % port,
              output="url = http://127.0.0.1:%d/ingest\nbatch_timeout = 100ms\n"
                     "retry_initial = 100ms\nretry_max = 500ms\n"
                     "dead_letter = %s\n" % (rx.port, dead))
    prom = None
    try:
        pod.start()
        # The fixture outlives a test: conftest's reaper must leave it.
        LIVE.remove(pod.proc)
        decoys = [meta(free_port(), "app", "http"),
                  meta(free_port(), "app", "metrics"),
                  meta(free_port(), "sidelog", "debug"),
                  meta(free_port(), "sidelog", "metrics", pod="web-old",
                       phase="Succeeded"),
                  meta(free_port(), "sidelog", "metrics", pod="web-off",
                       scrape="false")]
        targets = [meta(port, "sidelog", "metrics", init="true")] + decoys
        cfg = derived_config({"scrape_interval": "1s",
                              "scrape_timeout": "1s"}, targets)
        cfg["global"]["evaluation_interval"] = "1s"
        prom = Prometheus(tmp, cfg)
        assert wait_for(prom.ready, 15), prom.log.read_text()[-3000:]
        sel = '{namespace="%s",pod="%s"}' % (NS, POD)
        # Two scrapes before anything is shipped: the counters' increases
        # are seen.
        assert wait_for(lambda: prom.values(
            "count_over_time(sidelog_build_info%s[1m])" % sel) and
            prom.values("count_over_time(sidelog_build_info%s[1m])"
                        % sel)[0] >= 2, 15), prom.log.read_text()[-3000:]
        rx.faults = [Fault(status=503), Fault(status=503)]
        with open(pod.logs / "app.log", "wb") as f:
            for i in range(N):
                f.write(line(i))
        assert wait_for(lambda: len(set(rx.seqs())) >= N - 1, 20), \
            pod.stderr()[-3000:]
        assert wait_for(lambda: prom.values(
            "sidelog_records_delivered_total%s" % sel) == [N - 1] and
            prom.values("sidelog_records_rejected_total%s" % sel) == [1],
            10), pod.stderr()[-3000:]
        # The series of each code came with the first request: two
        # scrapes of each, so that rate() has them.
        assert wait_for(lambda: prom.values(
            "min(count_over_time(sidelog_requests_total%s[1m])) >= 2"
            % sel), 10)
        yield {"prom": prom, "port": port, "pod": pod, "rx": rx,
               "dead": dead}
    finally:
        if prom is not None:
            prom.stop()
        if pod.proc is not None and pod.proc.poll() is None:
            pod.proc.kill()
            pod.proc.wait()
        rx.stop()


def test_only_the_sidelog_metrics_port_is_scraped(stack):
    t = get(stack["prom"].base + "/api/v1/targets")["data"]
    active = [a for a in t["activeTargets"] if a["scrapePool"] == "sidelog"]
    assert len(active) == 1, active
    assert active[0]["health"] == "up", active[0]
    lbl = active[0]["labels"]
    assert {k: lbl[k] for k in ("namespace", "pod", "container", "node",
                                "app", "instance")} == {
        "namespace": NS, "pod": POD, "container": "sidelog",
        "node": "node-1", "app": "web",
        "instance": "127.0.0.1:%d" % stack["port"]}
    dropped = [d for d in t["droppedTargets"]
               if d["discoveredLabels"].get("job") == "sidelog"]
    assert len(dropped) == 5, dropped


def test_every_dashboard_query_returns_data(stack):
    base = stack["prom"].base
    exprs = panel_exprs()
    assert len(exprs) >= 15
    empty = []
    for title, expr in exprs:
        st, res = query(base, substitute(expr))
        assert st == "success", (title, expr, res)
        if not res:
            empty.append((title, expr))
    assert empty == []
    # The panels the on-call person looks at first.
    text = " ".join(e for _, e in exprs)
    for name in ("sidelog_lag_bytes", "sidelog_records_delivered_total",
                 "sidelog_requests_total", "sidelog_retries_total",
                 "sidelog_records_rejected_total",
                 "process_resident_memory_bytes",
                 "sidelog_memory_limit_bytes", "process_cpu_seconds_total",
                 "sidelog_checkpoint_age_seconds",
                 "sidelog_last_delivery_timestamp_seconds",
                 "sidelog_files_open", "sidelog_watch_mode"):
        assert name in text, name


def test_the_dashboard_variables_find_the_pod(stack):
    d = dashboard()
    var = {v["name"]: v for v in d["templating"]["list"]}
    assert var["datasource"]["type"] == "datasource"
    assert var["datasource"]["query"] == "prometheus"
    assert d["schemaVersion"] >= 36
    want = {"namespace": NS, "pod": POD}
    for name in ("namespace", "pod"):
        m = re.fullmatch(r"label_values\((.+), *(\w+)\)",
                         var[name]["query"]["query"])
        assert m and m.group(2) == name, var[name]
        series = get(stack["prom"].base + "/api/v1/series",
                     **{"match[]": substitute(m.group(1))})["data"]
        assert want[name] in {s.get(name) for s in series}, (name, series)
    for p in d["panels"]:
        if p["type"] != "row":
            assert p["datasource"]["uid"] == "${datasource}", p["title"]


def test_every_rule_evaluates_and_its_metrics_have_data(stack):
    prom = stack["prom"]
    for alert, expr in rule_exprs():
        st, res = query(prom.base, expr)
        assert st == "success", (alert, res)
        for name in metric_names(expr):
            assert prom.values('count(%s{namespace="%s",pod="%s"})'
                               % (name, NS, POD)), (alert, name)

    def evaluated():
        groups = get(prom.base + "/api/v1/rules")["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        return len(rules) == len(rule_exprs()) and all(
            r["health"] == "ok" and r["lastEvaluation"] > "2000"
            for r in rules) and rules
    assert wait_for(evaluated, 10), get(prom.base + "/api/v1/rules")


def test_a_refused_record_makes_sidelog_records_rejected_pending(stack):
    def alert():
        for a in get(stack["prom"].base + "/api/v1/alerts")["data"][
                "alerts"]:
            if a["labels"]["alertname"] == "SidelogRecordsRejected":
                return a
        return None
    assert wait_for(alert, 10), get(stack["prom"].base + "/api/v1/alerts")
    a = alert()
    assert a["state"] == "pending"      # for: 1m
    assert a["labels"]["namespace"] == NS and a["labels"]["pod"] == POD
    assert a["labels"]["severity"] == "warning"
    assert "refused about 1 records" in a["annotations"]["description"]


def test_every_metric_named_is_one_sidelog_serves(stack):
    have = served(stack["port"])
    # The files' text: rules, tests, dashboard, scrape configs, README.
    named = set()
    for f in sorted(MON.iterdir()):
        named |= set(re.findall(r"\b(?:sidelog|process)_[a-z0-9_]+\b",
                                f.read_text()))
    exprs = rule_exprs() + panel_exprs()
    for _, expr in exprs:
        named |= metric_names(expr)
    assert sorted(named - set(have)) == []
    for where, expr in exprs:
        for name in wrapped(expr, COUNTER_FUNCS):
            assert have[name][0] == "counter", (where, name)
        for name in wrapped(expr, GAUGE_FUNCS):
            assert have[name][0] == "gauge", (where, name)
        known = set(TARGET_LABELS)
        for name in metric_names(expr):
            known |= have[name][1]
        assert label_names(expr) <= known, (where, expr)


def test_sidelog_serves_its_memory_limit(stack):
    m = scrape(stack["port"])
    assert m["sidelog_memory_limit_bytes"] == 4 << 20
    assert 0 <= m["sidelog_memory_held_bytes"] <= 4 << 20
    assert m['sidelog_requests_total{code="503"}'] == 2
    assert m['sidelog_requests_total{code="400"}'] >= 1
    assert m["sidelog_records_rejected_total"] == 1
    assert m["sidelog_retries_total"] >= 2
    assert stack["prom"].values(
        'sidelog_memory_limit_bytes{namespace="%s",pod="%s"}'
        % (NS, POD)) == [4 << 20]


def test_sidelog_stops_cleanly(stack):
    pod = stack["pod"]
    assert pod.stop() == 0
    pod.assert_clean_stderr()
    assert count_dead(stack["dead"]) == 1


def count_dead(path):
    return len(path.read_text().splitlines())
