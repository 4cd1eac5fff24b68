"""The examples' restricted security context, for real: read-only root
filesystem, every capability dropped, no privilege escalation, uid and
gid 65532, seccomp RuntimeDefault (classic-sidecar.yaml as a pod).

1. Play the pod; the app writes 2,000 lines and idles.
2. Read both containers' settings (podman inspect) and their processes'
   credentials on the host (/proc/PID/status).
3. In the sidelog container, try to write a file (`sidelog install`,
   the only tool there) to its root filesystem, to its read-only logs
   mount, and to its checkpoint volume.
4. SIGTERM to both.
Check that the kernel holds both processes to uid/gid 65532 with no
capability, no_new_privs and a seccomp filter, that only sidelog's
volume takes a file, and that sidelog shipped every line, left no lag
in its checkpoint and exited 0 all the same.
"""
from podtest import Pod, cleanup, derive, inspect, podman, state, \
    wait_for, wait_records
from sidelogtest import count

PVC = "sidelog-classic-checkpoint"
N = 2000


def status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f)


def test_restricted_pod_ships_with_only_its_volumes_writable(
        image, app_image, rx, sidelog_secret, tmp_path):
    cleanup(volumes=[PVC])
    docs = derive("classic-sidecar.yaml", rx.url,
                  app_env={"APP_LINES": N, "APP_BURST": 10},
                  restart="Never")
    pod = Pod(tmp_path, docs)
    try:
        pod.play()
        assert wait_records(rx, N, 60)
        for c in ("app", "sidelog"):
            name = pod.c(c)
            assert inspect(name, "{{.HostConfig.ReadonlyRootfs}} "
                           "{{.Config.User}} {{.EffectiveCaps}}") == \
                "true 65532:65532 []"
            st = status(state(name)["Pid"])
            assert st["Uid"].split() == ["65532"] * 4, (c, st["Uid"])
            assert st["Gid"].split() == ["65532"] * 4, (c, st["Gid"])
            for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
                assert int(st[cap], 16) == 0, (c, cap, st[cap])
            assert st["NoNewPrivs"] == "1" and st["Seccomp"] == "2", c

        sl = pod.c("sidelog")

        def install(path):
            p = podman("exec", sl, "/sidelog", "install", path, check=False)
            return p.returncode, (p.stdout + p.stderr).strip()
        root = install("/sidelog-copy")
        logs = install("/var/log/app/sidelog-copy")
        pvc = install("/var/lib/sidelog/sidelog-copy")
        assert root[0] != 0 and "Read-only file system" in root[1], root
        assert logs[0] != 0 and "Read-only file system" in logs[1], logs
        assert pvc[0] == 0, pvc

        def caught_up():
            return "lag: 0 bytes" in podman(
                "exec", sl, "/sidelog", "status", "-c",
                "/etc/sidelog/sidelog.ini").stdout
        assert wait_for(caught_up, 10, 0.5)
        secs = pod.stop(["app", "sidelog"], 45)
        lost, dups = count(rx.seqs(), N)
        code = state(sl)["ExitCode"]
        print("\nrestricted pod: uid/gid 65532, no capabilities, "
              "no_new_privs, seccomp filter, read-only root; writes: root "
              "%r, logs mount %r, checkpoint volume exit %d; %d lines, %d "
              "lost, %d duplicates; SIGTERM to exit %.1fs, sidelog exit %d"
              % (root[1], logs[1], pvc[0], N, len(lost), dups, secs, code))
        assert not lost and code == 0
    finally:
        pod.down()
        cleanup(volumes=[PVC])
