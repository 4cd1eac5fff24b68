"""Fixtures of the image tests (make image-check): the image, the test
app's image, certificates for the host as pods see it, and a receiver
on the host that pods reach."""
import re
import shutil
import subprocess

import pytest

import podtest
from podtest import HOST, IMAGE, ROOT, podman

import pki  # tests/e2e, on sys.path through podtest
from receiver import Receiver


@pytest.fixture(scope="session")
def image():
    """sidelog:VERSION, built by `make image`; one that docker built is
    copied into podman's store."""
    if podman("image", "exists", IMAGE, check=False).returncode != 0:
        assert shutil.which("docker"), IMAGE + " missing: run make image"
        tar = subprocess.run(["docker", "save", "sidelog:" +
                              podtest.VERSION], check=True,
                             capture_output=True).stdout
        out = podman("load", input=tar).stdout.decode()
        loaded = re.search(r"Loaded image(?:\(s\))?: (\S+)", out)
        assert loaded, out
        podman("tag", loaded.group(1), IMAGE)
    return IMAGE


@pytest.fixture(scope="session")
def app_image():
    return podtest.app_image(ROOT / "build" / "image" / "app")


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """A CA, and a server certificate for the name pods give the host."""
    d = str(tmp_path_factory.mktemp("pki"))
    pki._ca(d, "ca")
    pki._ca(d, "other-ca")
    pki._leaf(d, "server", "ca", "DNS:%s,DNS:localhost" % HOST)
    return {n: (d + "/" + n + ".crt", d + "/" + n + ".key")
            for n in ("ca", "other-ca", "server")}


@pytest.fixture
def rx(certs):
    """An HTTPS receiver on the host, for pods at
    https://host.containers.internal:PORT/ingest, stopped after the
    test.  Podman writes that name into every container's /etc/hosts as
    the gateway of the pod's bridge (podman-default-kube-network, which
    the first kube play creates, so the receiver cannot bind to its
    address beforehand: it listens on every address).  Pods keep their
    own network namespace, as in a cluster, rather than hostNetwork:
    their /healthz is asked on the pod's own address."""
    r = Receiver(tls=certs["server"], host="0.0.0.0").start()
    r.url = "https://%s:%d/ingest" % (HOST, r.port)
    yield r
    r.stop()


@pytest.fixture
def sidelog_secret(certs):
    """The Secret the examples mount (native-sidecar.yaml defines it),
    as a podman secret: our CA and a token."""
    with open(certs["ca"][0]) as f:
        podtest.secret("sidelog", {"ca.crt": f.read(), "token": "t0ken\n"})
    yield "sidelog"
    podtest.cleanup(secrets=["sidelog"])
