"""The examples users copy: Kubernetes manifests and backend configs.

1. Every YAML document in examples/kubernetes validates offline against
   the Kubernetes API schema (npm's kubernetes-models, pinned in
   tests/e2e/k8s-validate/package.json, installed under build/), and
   every pod meets the restricted Pod Security profile.
2. A broken manifest and an unrestricted pod are rejected.
3. Every INI (the ConfigMaps', examples/backends/*, examples/sidelog.ini)
   has its paths remapped into a temporary pod layout, passes
   `sidelog check`, and ships ten lines to a TLS receiver.
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


def example_inis(validator):
    p = validator("--configmaps", *map(str, MANIFESTS))
    assert p.returncode == 0, p.stderr
    out = [("%s:%s" % (pathlib.Path(c["file"]).name, c["name"]), c["ini"])
           for c in json.loads(p.stdout)]
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
