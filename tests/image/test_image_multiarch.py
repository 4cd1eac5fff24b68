"""One image name for amd64 and arm64: the manifest list `make image`
makes.

1. podman manifest inspect sidelog:VERSION and sidelog:latest.
2. For each architecture, `podman run --platform` runs the list's image
   for it with `version`, then starts it as a long-lived `tee` whose
   process is read on the host, and whose image and files are read.  The host's own architecture runs as it
   is; the other with the host's qemu user-mode emulator bind-mounted as
   the entrypoint, running the image's own /sidelog (no binfmt_misc, no
   emulator in the image), under the image's USER.
Check that both names list linux/amd64 and linux/arm64 and nothing
else; that `sidelog version` runs in each; that each one's process runs
as uid and gid 65532 on the host; and that the image run says its
architecture, has user 65532:65532 and /sidelog as entrypoint, and
holds a static ELF of that machine of at most 1 MiB.
"""
import json
import os
import platform
import re
import shutil
import subprocess

import pytest

from podtest import podman, tee_process

ARCHES = ("amd64", "arm64")
ELF_MACHINE = {"amd64": 62, "arm64": 183}       # EM_X86_64, EM_AARCH64
QEMU = {"amd64": "qemu-x86_64-static", "arm64": "qemu-aarch64-static"}
HOST = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine())


@pytest.fixture(scope="module", autouse=True)
def podman_built(image):
    """docker's classic image store holds no manifest list: build.sh
    builds the host's architecture only there."""
    if shutil.which("docker") and subprocess.run(
            ["docker", "info"], capture_output=True).returncode == 0:
        pytest.skip("docker built the image: the host's architecture only")


def run_args(image, arch):
    """podman run's arguments before the command: the platform, and for
    another architecture than the host's, its emulator as entrypoint
    (the image's /sidelog then its first argument)."""
    args = ["--pull=never", "--platform", "linux/" + arch]
    if arch == HOST:
        return args + [image], []
    qemu = shutil.which(QEMU[arch])
    assert qemu, QEMU[arch] + " missing (install-tools.sh image)"
    return args + ["-v", qemu + ":/qemu:ro", "--entrypoint", "/qemu",
                   image], ["/sidelog"]


@pytest.mark.parametrize("name", ["latest", "VERSION"])
def test_both_names_list_amd64_and_arm64(image, name):
    ref = image if name == "VERSION" else image.rsplit(":", 1)[0] + \
        ":latest"
    m = json.loads(podman("manifest", "inspect", ref).stdout)
    found = sorted((e["platform"]["os"], e["platform"]["architecture"])
                   for e in m["manifests"])
    print("\n%s: %s" % (ref, ", ".join("/".join(p) for p in found)))
    assert found == [("linux", a) for a in ARCHES], m


def elf_of(path):
    """(e_type, e_machine, size) of the ELF file at path."""
    with open(path, "rb") as f:
        head = f.read(20)
    assert head[:4] == b"\x7fELF", head
    return (int.from_bytes(head[16:18], "little"),
            int.from_bytes(head[18:20], "little"), os.path.getsize(path))


@pytest.mark.parametrize("arch", ARCHES)
def test_each_architecture_runs_version_as_65532(image, arch):
    args, pre = run_args(image, arch)
    p = podman("run", "--rm", *args, *pre, "version")
    assert re.match(r"sidelog \d+\.\d+\.\d+ \(mbedtls ", p.stdout), \
        (p.stdout, p.stderr)

    name = "sidelog-image-uid-" + arch
    try:
        pid, st = tee_process(name, [*args, *pre])
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")[:-1]
        # The image run picked from the list (podman 4.3's `create
        # --platform` would pick the host's, with a warning; run does not).
        iid = podman("container", "inspect", "--format", "{{.Image}}",
                     name).stdout.strip()
        cfg = podman("image", "inspect", "--format",
                     "{{.Os}} {{.Architecture}} {{.Config.User}} "
                     "{{json .Config.Entrypoint}}", iid).stdout.split()
        root = podman("container", "mount", name).stdout.strip()
        etype, machine, size = elf_of(os.path.join(root, "sidelog"))
    finally:
        podman("rm", "-f", "-t", "0", name, check=False)
    assert cfg == ["linux", arch, "65532:65532", '["/sidelog"]'], cfg
    # A static executable (musl-gcc -static: ET_EXEC, no interpreter).
    assert (etype, machine) == (2, ELF_MACHINE[arch])
    assert size <= 1024 * 1024
    want = [b"/qemu", b"/sidelog"] if pre else [b"/sidelog"]
    assert argv[:len(want)] == want and argv[len(want)] == b"tee", argv
    assert st["Uid"].split() == ["65532"] * 4, st["Uid"]
    assert st["Gid"].split() == ["65532"] * 4, st["Gid"]
    print("\n%s: image %s, /sidelog ELF machine %d, %d bytes; ran %s as "
          "uid %s; %s" % (arch, iid[:12], machine, size,
                          b" ".join(argv).decode(), st["Uid"].split()[0],
                          p.stdout.strip()))
