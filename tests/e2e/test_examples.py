"""The examples users copy: Kubernetes manifests and backend configs.

1. Every YAML document in examples/kubernetes validates offline against
   the Kubernetes API schema (npm's kubernetes-models, pinned in
   tests/e2e/k8s-validate/package.json, installed under build/), and
   every pod meets the restricted Pod Security profile.
2. A broken manifest and an unrestricted pod are rejected.
3. Every INI (the ConfigMaps', examples/backends/*, examples/sidelog.ini)
   has its paths remapped into a temporary pod layout, passes
   `sidelog check`, and ships ten lines to a TLS receiver.
4. Every INI as written passes `sidelog check --offline` with an empty
   environment and none of its files present, and lists what the pod
   must provide: each ${VAR} without a default, each file, each
   directory.  For a ConfigMap's INI, the containers that mount it are
   given each of those variables, and mount each of those paths.
Check each outcome.
"""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT
from receiver import Receiver
from sidelogtest import LIVE, line, npm_tool, wait_for

SRC = ROOT / "tests" / "e2e" / "k8s-validate"
DEST = ROOT / "build" / "k8s-validate"
MANIFESTS = sorted((ROOT / "examples" / "kubernetes").glob("*.yaml"))


@pytest.fixture(scope="module")
def validator():
    """node validate.mjs, with its npm packages installed once."""
    npm_tool(SRC, DEST, "validate.mjs")

    def run(*args):
        return subprocess.run(["node", str(DEST / "validate.mjs"), *args],
                              capture_output=True, text=True, timeout=120)
    return run


def test_manifests_validate_and_are_restricted(validator):
    assert len(MANIFESTS) >= 5
    p = validator(*map(str, MANIFESTS))
    assert p.returncode == 0, p.stderr


BROKEN = """apiVersion: apps/v1
kind: Deployment
metadata: {name: broken}
spec:
  replicas: two
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers: [{name: c, image: i}]
"""


def test_validator_rejects_broken_manifests(validator, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    p = validator(str(bad))
    assert p.returncode == 1
    assert "replicas must be integer" in p.stderr
    assert "runAsNonRoot must be true" in p.stderr
    assert "c: allowPrivilegeEscalation must be false" in p.stderr


def example_inis(validator, pods=None):
    """(name, INI text) of every example; pods, if given, gets what each
    ConfigMap's containers are given, by name."""
    p = validator("--configmaps", *map(str, MANIFESTS))
    assert p.returncode == 0, p.stderr
    out = []
    for c in json.loads(p.stdout):
        name = "%s:%s" % (pathlib.Path(c["file"]).name, c["name"])
        out.append((name, c["ini"]))
        if pods is not None:
            pods[name] = c["pod"]
    for f in sorted((ROOT / "examples" / "backends").glob("*.ini")):
        out.append((f.name, f.read_text()))
    out.append(("sidelog.ini", (ROOT / "examples" / "sidelog.ini")
                .read_text()))
    return out


def remap(ini, tmp, pki, port):
    """Paths into tmp, the URL to the receiver; returns ini and the log
    file a line must go to."""
    secret = tmp / "secret"
    secret.mkdir()
    shutil.copy(pki["ca"][0], secret / "ca.crt")
    (secret / "token").write_text("t0ken\n")
    (secret / "password").write_text("s3cret\n")
    (secret / "tenant").write_text("team-a\n")
    (tmp / "podinfo").mkdir()
    (tmp / "podinfo" / "labels").write_text('app="web"\n')
    ini = ini.replace("/etc/sidelog-secret", str(secret))
    ini = ini.replace("/etc/podinfo", str(tmp / "podinfo"))
    ini = ini.replace("/var/lib/sidelog", str(tmp / "pvc"))
    ini = re.sub(r"/var/log/", str(tmp / "logs") + "/", ini)
    ini = re.sub(r"(url = )https://[^/]+", r"\1https://localhost:%d" % port,
                 ini)
    if not re.search(r"tls.ca_file = \S", ini):
        ini = re.sub(r"\ntls.ca_file =[ \t]*\n", "\n", ini)
        ini = ini.replace("[output]\n", "[output]\ntls.ca_file = %s\n" %
                          pki["ca"][0], 1)
    glob = re.search(r"paths = (\S+?)(,|\n)", ini).group(1)
    target = pathlib.Path(glob.replace("*", "example"))
    target.parent.mkdir(parents=True, exist_ok=True)
    return ini, target


ENV = {"POD_NAME": "web-0", "POD_NAMESPACE": "shop", "NODE_NAME": "n1",
       "POD_UID": "3f1e2d4c-0000-4000-8000-000000000001",
       "HOSTNAME": "web-0"}


def test_every_example_ini_checks_and_ships(validator, tmp_path, pki,
                                            sidelog):
    for i, (name, ini) in enumerate(example_inis(validator)):
        d = tmp_path / ("ex%d" % i)
        d.mkdir()
        fmt = re.search(r"^format = (\w+)", ini, re.M)
        fmt = {"elasticsearch": "bulk", "splunk_hec": "hec"}.get(
            fmt.group(1), fmt.group(1)) if fmt else "ndjson"
        rx = Receiver(tls=pki["server"], fmt=fmt).start()
        try:
            text, target = remap(ini, d, pki, rx.port)
            conf = d / "sidelog.ini"
            conf.write_text(text)
            rc, out, err = sidelog("check", "-c", str(conf), env=ENV)
            assert rc == 0, "%s: %s" % (name, err)
            with open(target, "wb") as f:
                for n in range(10):
                    f.write(line(n, 60))
            p = subprocess.Popen([sidelog.path, "run", "-c", str(conf)],
                                 env=dict(os.environ, **ENV),
                                 stdout=subprocess.DEVNULL,
                                 stderr=open(d / "err", "w"))
            LIVE.append(p)
            # Counted in messages: a multiline input joins the ten lines.
            got = wait_for(lambda: sum(json.dumps(r).count("seq=")
                                       for r in list(rx.records)) >= 10, 20)
            p.terminate()
            assert p.wait(30) == 0, name
            assert got, "%s: %s" % (name, (d / "err").read_text()[-1500:])
            assert rx.decode_errors == [], name
        finally:
            rx.stop()


def empty_env():
    """Nothing of the pod, nor of this machine: only the sanitizers'
    options are kept."""
    return {k: None for k in os.environ
            if not k.startswith(("ASAN_", "UBSAN_"))}


EXPECT = re.compile(r"^#   (?P<file>[^:]+):(?:(?P<line>\d+):)? "
                    r"\[(?P<sec>[^\]]+)\] (?P<key>\S+): (?P<what>.*)$")


def expectations(out):
    return [m.groupdict() for m in map(EXPECT.match, out.splitlines())
            if m]


def under(path, mounts):
    return any(path == m["path"] or path.startswith(m["path"].rstrip("/")
               + "/") for m in mounts)


def test_every_example_ini_checks_offline(validator, sidelog):
    pods = {}
    for name, ini in example_inis(validator, pods):
        f = sidelog.write("offline.ini", ini)
        rc, out, err = sidelog("check", "--offline", "-c", str(f),
                               env=empty_env())
        assert rc == 0, "%s: %s" % (name, err)
        assert all(": warning: " in l for l in err.splitlines()), err
        assert out.startswith("# %s: valid offline; the pod must "
                              "provide:\n" % f), name
        exp = expectations(out)
        # Every ${VAR} without a default, every file and directory.
        values = "\n".join(l for l in ini.splitlines()
                           if not l.lstrip().startswith((";", "#")))
        wanted = set(re.findall(r"(?<!\$)\$\{(\w+)\}", values))
        env = {v for e in exp
               if e["what"].startswith("environment variable")
               for v in e["what"].split(" ", 2)[2].split(",")}
        assert env == wanted, name
        files = {e["what"].split(": ", 1)[1] for e in exp
                 if e["what"].startswith("a file the pod mounts: ")}
        assert files == set(re.findall(
            r"^(?:[\w.]+_file|headers_file\.[\w-]+) = (/\S+)", values,
            re.M)), name
        dirs = [e["what"].split(": ", 1)[1] for e in exp
                if e["what"].startswith("a directory ")]
        assert dirs, name
        if name not in pods:
            continue
        pod = pods[name]
        assert env <= set(pod["env"]), name
        for path in files | set(dirs):
            assert under(path, pod["mounts"]), "%s: %s" % (name, path)
        ckpt = [e["what"].split(": ", 1)[1] for e in exp
                if e["key"] == "checkpoint_dir"]
        assert [m["kind"] for m in pod["mounts"] if m["path"] == ckpt[0]] \
            == ["persistentVolumeClaim"], name


BROKEN_OFFLINE = """[input.app]
paths = /var/log/${APP}/*.log
exclude_lines = (
[metadata]
kubernetes.pod.name = ${POD_NAME}
[output]
url = https://${ES_HOST}:9200/
batch_max_bytes = ${BATCH}
max_in_flight = 0
tls.ca_file = /etc/nowhere/ca.crt
"""


def test_offline_check_still_fails_on_what_it_can_judge(sidelog):
    f = sidelog.write("bad.ini", BROKEN_OFFLINE)
    rc, out, err = sidelog("check", "--offline", "-c", str(f),
                           env=empty_env())
    assert rc == 2
    assert out == ""
    assert err.splitlines() == [
        "%s:9: [output] max_in_flight: must be between 1 and 64, got 0" % f]
    f = sidelog.write("bad.ini", BROKEN_OFFLINE.replace(
        "max_in_flight = 0\n", ""))
    rc, out, err = sidelog("check", "--offline", "-c", str(f),
                           env=empty_env())
    assert rc == 2
    # The reason is the C library's words (musl's or glibc's).
    assert len(err.splitlines()) == 1
    assert err.startswith("%s:3: [input.app] exclude_lines: bad regular "
                          "expression: " % f)


def test_offline_lists_what_the_pod_provides(sidelog):
    f = sidelog.write("ok.ini", BROKEN_OFFLINE.replace(
        "max_in_flight = 0\n", "").replace("exclude_lines = (\n", ""))
    rc, out, err = sidelog("check", "--offline", "-c", str(f),
                           env=empty_env())
    assert rc == 0, err
    exp = ["%s:%s: [%s] %s: %s" % (e["file"], e["line"], e["sec"], e["key"],
                                   e["what"]) for e in expectations(out)
           if e["line"] is not None]
    assert exp == [
        "%s:2: [input.app] paths: environment variable APP" % f,
        "%s:2: [input.app] paths: a directory the pod mounts, shared with "
        "the app: /var/log/${APP}" % f,
        "%s:4: [metadata] kubernetes.pod.name: environment variable "
        "POD_NAME" % f,
        "%s:6: [output] url: environment variable ES_HOST" % f,
        "%s:7: [output] batch_max_bytes: environment variable BATCH" % f,
        "%s:7: [output] batch_max_bytes: checked only where BATCH is set "
        "(without it: expected a size such as 512, 64k, 10m or 1g (powers "
        "of 1024), got \"${BATCH}\")" % f,
        "%s:8: [output] tls.ca_file: a file the pod mounts: "
        "/etc/nowhere/ca.crt" % f,
    ]
    # The checkpoint directory is the file's as a whole (the default).
    assert "#   %s: [sidelog] checkpoint_dir: a directory the pod keeps (a " \
        "PersistentVolumeClaim; created if missing): /var/lib/sidelog\n" \
        % f in out
    # The printout keeps the references, so it checks the same offline.
    assert "\nkubernetes.pod.name = ${POD_NAME}\n" in out
    again = sidelog.write("again.ini", out)
    rc2, out2, _ = sidelog("check", "--offline", "-c", str(again),
                           env=empty_env())
    assert rc2 == 0
    assert out2.split("# the effective configuration")[1] == \
        out.split("# the effective configuration")[1]
    # Online, the same file fails on the first unset variable.
    rc, _, err = sidelog("check", "-c", str(f), env=empty_env())
    assert rc == 2
    assert "environment variable APP is not set" in err
