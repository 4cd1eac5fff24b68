"""Helpers for the image tests: podman, the test app image, and pods
derived from examples/kubernetes/.

Every podman call reads tests/image/containers.conf (CONTAINERS_CONF):
runc, and rlimits within the machine's own.

A pod is an example manifest made playable by `podman kube play`
(podman 4.3, Debian 12), changing only what a cluster would supply and
podman cannot:
- images: registry.example.com/sidelog:* -> localhost/sidelog:VERSION,
  any other -> the test app image (busybox-static and tests/image/app.sh);
- the ConfigMap's url -> the receiver on the host, reached as
  host.containers.internal (podman puts it in every container's
  /etc/hosts: the gateway of the pod's bridge network);
- the Secret "sidelog" (in native-sidecar.yaml) -> a podman secret of
  the same name holding a Secret manifest (podman 4.3 plays no
  kind: Secret), with our CA and a token (its data not base64: podman
  4.3 writes the values as they are); each secret volume gets
  `optional: false` (podman 4.3 dereferences a missing one: "panic:
  runtime error: invalid memory address or nil pointer dereference" in
  kube.VolumeFromSecret);
- Downward API env from metadata.namespace and spec.nodeName -> fixed
  values ("fieldPath metadata.namespace is either not valid or not
  supported");
- probes dropped: podman runs them as healthchecks through systemd
  timers, and inside the container (no curl in a FROM scratch image);
  the tests ask /healthz from the host instead;
- an init container with restartPolicy: Always (native sidecar) -> an
  ordinary container: podman 4.3 would wait for it to finish.
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import yaml

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from sidelogtest import wait_for  # noqa: E402

CONF = HERE / "containers.conf"
VERSION = os.environ.get("SIDELOG_VERSION") or \
    (ROOT / "src" / "VERSION").read_text().strip()
IMAGE = "localhost/sidelog:" + VERSION
APP_IMAGE = "localhost/sidelog-test-app:latest"
EXAMPLES = ROOT / "examples" / "kubernetes"
HOST = "host.containers.internal"


def podman(*args, check=True, timeout=180, input=None):
    """Runs podman with the project's containers.conf; returns the
    CompletedProcess (text, unless input is bytes)."""
    env = dict(os.environ, CONTAINERS_CONF=str(CONF))
    p = subprocess.run(["podman", *args], env=env, capture_output=True,
                       text=not isinstance(input, bytes), timeout=timeout,
                       input=input)
    if check and p.returncode != 0:
        raise AssertionError("podman %s: exit %d\n%s" % (
            " ".join(args), p.returncode, p.stderr[-3000:]))
    return p


def inspect(name, fmt):
    return podman("inspect", "--format", fmt, name).stdout.strip()


def state(name):
    """The container's State as a dict (Status, ExitCode, Pid, ...)."""
    return json.loads(inspect(name, "{{json .State}}"))


def tee_process(name, run_args):
    """Starts the image as a long-lived `tee` in container name (podman
    run's arguments before the command in run_args) and gives its
    process as the host sees it: (pid, /proc status fields).  The
    caller removes the container."""
    podman("rm", "-f", name, check=False)
    # tee waits on its stdin, which -i keeps open.
    podman("run", "-d", "-i", "--name", name, *run_args, "tee", "--out",
           "/dev/shm/t.log")
    assert wait_for(lambda: state(name)["Pid"] > 0, 10)
    pid = state(name)["Pid"]
    with open("/proc/%d/status" % pid) as f:
        return pid, dict(l.rstrip("\n").split(":\t", 1) for l in f)


def app_image(cache):
    """The test application's image: Debian's busybox-static with a
    symlink per applet, tests/image/app.sh as /app/web and /app/worker;
    made once into the image store (remade when app.sh changes)."""
    script = (HERE / "app.sh").read_bytes()
    import hashlib
    tag = hashlib.sha256(script).hexdigest()[:16]
    have = podman("image", "inspect", "--format",
                  '{{index .Labels "sidelog.app"}}', APP_IMAGE,
                  check=False).stdout.strip()
    if have == tag:
        return APP_IMAGE
    cache.mkdir(parents=True, exist_ok=True)
    debs = sorted(cache.glob("busybox-static_*.deb"))
    if not debs:
        get = ["apt-get", "-q", "download", "busybox-static"]
        if subprocess.run(get, cwd=cache, capture_output=True).returncode:
            subprocess.run(["apt-get", "-q", "update"], check=True,
                           capture_output=True)
            subprocess.run(get, cwd=cache, check=True, capture_output=True)
        debs = sorted(cache.glob("busybox-static_*.deb"))
    root = cache / "app-root"
    subprocess.run(["rm", "-rf", str(root)], check=True)
    for d in ("bin", "app", "tmp"):
        (root / d).mkdir(parents=True)
    os.chmod(root / "tmp", 0o1777)
    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(debs[-1])],
                         check=True, capture_output=True).stdout
    bb = subprocess.run(["tar", "-xO", "./bin/busybox"], input=tar,
                        check=True, capture_output=True).stdout
    (root / "bin" / "busybox").write_bytes(bb)
    os.chmod(root / "bin" / "busybox", 0o755)
    applets = subprocess.run([str(root / "bin" / "busybox"), "--list"],
                             check=True, capture_output=True,
                             text=True).stdout.split()
    for a in applets:
        if a != "busybox":
            os.symlink("busybox", root / "bin" / a)
    (root / "app" / "web").write_bytes(script)
    os.chmod(root / "app" / "web", 0o755)
    os.symlink("web", root / "app" / "worker")
    subprocess.run(["tar", "-C", str(root), "--numeric-owner", "--owner=0",
                    "--group=0", "-cf", str(cache / "app.tar"), "."],
                   check=True)
    podman("rmi", "-f", APP_IMAGE, check=False)   # left untagged else
    podman("import", "--change", "LABEL sidelog.app=" + tag,
           "--change", "ENV PATH=/bin", "--change",
           'ENTRYPOINT ["/app/web"]', "--change", "USER 65532:65532",
           str(cache / "app.tar"), APP_IMAGE)
    return APP_IMAGE


def secret(name, files):
    """A podman secret `name` holding a Secret manifest of files, as
    podman 4.3's kube play reads a secret volume."""
    podman("secret", "rm", name, check=False)
    # podman 4.3 writes each of data's values into its file as it is,
    # not base64-decoded, and ignores stringData: so data holds the
    # files' text itself.
    doc = {"apiVersion": "v1", "kind": "Secret",
           "metadata": {"name": name}, "type": "Opaque", "data": files}
    podman("secret", "create", name, "-", input=yaml.safe_dump(doc))


FIXED_ENV = {"metadata.namespace": "default", "spec.nodeName": "podman"}


def derive(example, url, app_env=None, pvcs=True, volumes=None,
           ini_extra="", restart=None):
    """The documents of examples/kubernetes/EXAMPLE made playable (see
    the top); url replaces the output URL, app_env is added to every
    container not running sidelog's image; pvcs False leaves out the
    PersistentVolumeClaims (played once, their volumes are reused by
    name: podman refuses to create them again); volumes maps a volume's
    name to a replacement source; ini_extra is appended to [sidelog];
    restart replaces the pod's restartPolicy (a Deployment's is Always:
    "Never" stands for a pod being deleted, whose containers the kubelet
    no longer restarts, while podman would restart one that exits on
    `podman kill -s TERM`)."""
    docs = [d for d in yaml.safe_load_all((EXAMPLES / example).read_text())
            if d]
    out = []
    for d in docs:
        kind = d["kind"]
        if kind in ("Namespace", "Secret"):
            continue
        if kind == "PersistentVolumeClaim" and not pvcs:
            continue
        if kind == "ConfigMap":
            ini = d["data"]["sidelog.ini"]
            ini = re.sub(r"(?m)^url = .*$", "url = " + url, ini)
            if ini_extra:
                ini = ini.replace("[sidelog]\n", "[sidelog]\n" + ini_extra
                                  + "\n", 1)
            d["data"]["sidelog.ini"] = ini
        if kind in ("Deployment", "StatefulSet", "Pod"):
            spec = d["spec"] if kind == "Pod" else d["spec"]["template"]["spec"]
            _pod_spec(spec, app_env or {}, volumes or {})
            if restart:
                spec["restartPolicy"] = restart
        out.append(d)
    return out


def _pod_spec(spec, app_env, volumes):
    native = [c for c in spec.get("initContainers", [])
              if c.pop("restartPolicy", None) == "Always"]
    spec["initContainers"] = [c for c in spec.get("initContainers", [])
                              if c not in native]
    if not spec["initContainers"]:
        del spec["initContainers"]
    spec["containers"] = native + spec["containers"]
    for c in spec.get("initContainers", []) + spec["containers"]:
        sidelog = "/sidelog:" in c["image"]
        c["image"] = IMAGE if sidelog else APP_IMAGE
        for p in ("livenessProbe", "readinessProbe", "startupProbe"):
            c.pop(p, None)
        for e in c.get("env", []):
            fp = e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
            if fp in FIXED_ENV:
                del e["valueFrom"]
                e["value"] = FIXED_ENV[fp]
        if not sidelog:
            c.setdefault("env", []).extend(
                {"name": k, "value": str(v)} for k, v in app_env.items())
    for v in spec["volumes"]:
        if "secret" in v:
            v["secret"]["optional"] = False
        if v["name"] in volumes:
            for k in [k for k in v if k != "name"]:
                del v[k]
            v.update(volumes[v["name"]])


class Pod:
    """A derived example played with `podman kube play`; its first
    workload's pod is named NAME-pod-0 (podman's name for a Deployment's
    one replica), its containers POD-CONTAINER."""

    def __init__(self, tmp, docs):
        self.docs = docs
        self.file = tmp / ("pod-%d.yaml" % time.monotonic_ns())
        self.file.write_text(yaml.safe_dump_all(docs))
        work = [d for d in docs if d["kind"] in ("Deployment", "Pod")][0]
        self.name = work["metadata"]["name"] + \
            ("" if work["kind"] == "Pod" else "-pod-0")
        # podman 4.3 makes a named volume of each ConfigMap and Secret a
        # pod mounts, and keeps it after the pod.
        spec = work["spec"] if work["kind"] == "Pod" else \
            work["spec"]["template"]["spec"]
        self.volumes = [v["configMap"]["name"] for v in spec["volumes"]
                        if "configMap" in v] + \
            [v["secret"]["secretName"] for v in spec["volumes"]
             if "secret" in v]

    def c(self, container):
        return "%s-%s" % (self.name, container)

    def play(self):
        # A pod a failed run left is removed, and so are the volumes
        # the last play made of ConfigMaps and Secrets: podman would
        # mount them as they were.
        podman("pod", "rm", "-f", self.name, check=False)
        rm_volumes(self.volumes)
        p = podman("kube", "play", str(self.file), check=False)
        assert p.returncode == 0, "kube play: %s" % p.stderr[-3000:]
        return self

    def down(self):
        podman("kube", "down", str(self.file), check=False)
        rm_volumes(self.volumes)

    def logs(self, container):
        p = podman("logs", self.c(container))
        return p.stdout, p.stderr

    def ip(self):
        """The pod's address on podman's bridge (its infra container's)."""
        infra = podman("pod", "inspect", "--format",
                       "{{.InfraContainerID}}", self.name).stdout.strip()
        nets = json.loads(inspect(infra,
                                  "{{json .NetworkSettings.Networks}}"))
        return next(iter(nets.values()))["IPAddress"]

    def stop(self, containers, grace):
        """SIGTERM to the containers at once, SIGKILL after grace
        seconds, as the kubelet does; returns the seconds until the last
        one exited.

        Neither podman 4.3's `kube down` nor `pod stop` nor `stop` will
        do.  `kube down` stops the pod with no grace at all: every
        container exits 137 at once.  `pod stop -t N` stops the infra
        container, and with it the pod's network, as soon as the others:
        sidelog's drain meets "Network unreachable".  `stop -t N` marks
        the containers "stopping", so when the app exits first, the
        pod's exit policy (kube play makes pods with exit policy "stop")
        finds no container running and stops the pod: sidelog gets a
        second SIGTERM ("SIGTERM again: stopping now") and the network
        goes.  `podman kill -s TERM` signals without that mark."""
        names = [self.c(c) for c in containers]
        t0 = time.monotonic()
        podman("kill", "-s", "TERM", *names)

        def exited():
            return all(state(n)["Status"] in ("exited", "stopped")
                       for n in names)
        if not wait_for(exited, grace, 0.05):
            podman("kill", "-s", "KILL", *names, check=False)
            wait_for(exited, 10, 0.05)
        return time.monotonic() - t0


def rm_volumes(names):
    """Removes the volumes of these exact names that exist.  Never
    `podman volume rm` a name that may be gone: podman 4.3 then takes
    it for the prefix of another one's (sidelog-classic, removed, would
    remove sidelog-classic-checkpoint)."""
    have = set(podman("volume", "ls", "--format", "{{.Name}}")
               .stdout.split())
    for v in names:
        if v in have:
            podman("volume", "rm", "-f", v)


def cleanup(volumes=(), secrets=()):
    """Removes what a scenario, or a test run that failed, left."""
    rm_volumes(volumes)
    for s in secrets:
        podman("secret", "rm", s, check=False)


def delivered(rx):
    """(seqs, END totals) from the receiver's records."""
    ends = []
    for r in rx.records:
        m = re.search(r"END lines=(\d+)", r.get("message", ""))
        if m:
            ends.append(int(m.group(1)))
    return rx.seqs(), ends


def grace(docs):
    """The pod template's terminationGracePeriodSeconds (30 unset)."""
    for d in docs:
        if d["kind"] == "Deployment":
            return d["spec"]["template"]["spec"].get(
                "terminationGracePeriodSeconds", 30)
    return 30


def healthz(ip, port=2020):
    """(status of /healthz, /metrics text) asked from the host."""
    import urllib.request
    base = "http://%s:%d" % (ip, port)
    st = urllib.request.urlopen(base + "/healthz", timeout=5).status
    return st, urllib.request.urlopen(base + "/metrics",
                                      timeout=5).read().decode()


def wait_records(rx, n, timeout=60):
    return wait_for(lambda: len(set(rx.seqs())) >= n, timeout, 0.1)
