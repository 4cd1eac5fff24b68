"""examples/kubernetes/classic-sidecar.yaml's checkpoint on its PVC
through crashes, a pod played again, and a new pod.

The derived pod keeps the application's log directory on a volume of
its own (a second PVC) instead of the emptyDir, which podman removes
with the pod: lines written while sidelog is down must still be there
for the next pod, as they are for a container restarted in place.

1. Play the pod; the app writes lines 0..39,999 (no rotation), about
   3,000 a second.
2. After 8,000 delivered, kill -9 sidelog's process from the host: the
   restart policy (Always) starts it again in the same pod.
3. After 20,000 delivered, `podman kill -s KILL` the sidelog container,
   which no restart policy brings back; the app writes on to 39,999.
   Take the pod down.
4. Play it again with the same volumes, the app writing nothing: sidelog
   resumes from the checkpoint.  Once all is delivered, `sidelog
   status` in the pod must show no lag; take the pod down.
5. Play a new pod with the same volumes; the app appends lines
   40,000..44,999 to the same file.
Check that no line is lost, that each kill repeats at most what one
checkpoint interval (1 s) and the requests in flight hold, and that the
new pod sends each new line once and no old one.
"""
import os
import re
import signal
import time

from podtest import Pod, cleanup, derive, podman, state, wait_for, \
    wait_records

PVC = "sidelog-classic-checkpoint"
LOGS = "sidelog-test-logs"
N1, N2 = 40000, 5000


def played(tmp_path, rx, app_env, pvcs):
    docs = derive("classic-sidecar.yaml", rx.url, app_env=app_env,
                  pvcs=pvcs, volumes={"logs": {"persistentVolumeClaim": {
                      "claimName": LOGS}}})
    if pvcs:
        docs.insert(0, {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                        "metadata": {"name": LOGS},
                        "spec": {"accessModes": ["ReadWriteOnce"],
                                 "resources": {"requests":
                                               {"storage": "64Mi"}}}})
    return Pod(tmp_path, docs).play()


def repeats(rx, before):
    """Records after the first `before` whose line came before them."""
    seen = set(rx.seqs()[:before])
    return sum(1 for s in rx.seqs()[before:] if s in seen)


def test_checkpoint_survives_kills_and_new_pods(image, app_image, rx,
                                                sidelog_secret, tmp_path):
    cleanup(volumes=[PVC, LOGS])
    pod = None
    try:
        t0 = time.monotonic()
        pod = played(tmp_path, rx, {"APP_LINES": N1, "APP_BURST": 40}, True)
        sl = pod.c("sidelog")
        assert wait_records(rx, 8000, 60)

        # 2. A crash: the process dies, the container restarts in place.
        k1 = len(rx.records)
        os.kill(state(sl)["Pid"], signal.SIGKILL)
        t1 = time.monotonic()
        assert wait_for(lambda: int(podman("inspect", "--format",
                                           "{{.RestartCount}}", sl)
                                    .stdout) >= 1 and
                        state(sl)["Running"], 30, 0.1)
        restart_s = time.monotonic() - t1
        assert wait_records(rx, 20000, 60)

        # 3. podman kill: stays dead; the app goes on writing.
        k2 = len(rx.records)
        dup1 = repeats(rx, k1)
        podman("kill", "-s", "KILL", sl)
        assert wait_for(lambda: "app: wrote %d lines" % N1 in
                        pod.logs("app")[0], 60, 0.2)
        rate = N1 / (time.monotonic() - t0)
        killed = state(sl)
        assert not killed["Running"] and killed["ExitCode"] == 137
        held = len(set(rx.seqs()))
        pod.down()

        # 4. The same volumes, played again: the rest, from the checkpoint.
        pod = played(tmp_path, rx, {"APP_LINES": "none"}, False)
        assert wait_records(rx, N1, 60), "%d of %d\n%s" % (
            len(set(rx.seqs())), N1, pod.logs("sidelog")[1][-3000:])
        dup2 = repeats(rx, k2)
        lost = set(range(N1)) - set(rx.seqs())
        assert not lost
        status = ""

        def caught_up():
            nonlocal status
            status = podman("exec", pod.c("sidelog"), "/sidelog", "status",
                            "-c", "/etc/sidelog/sidelog.ini").stdout
            return re.search(r"^lag: 0 bytes", status, re.M)
        assert wait_for(caught_up, 10, 0.5), status
        pod.down()

        # 5. A new pod, more lines in the same file.
        k3 = len(rx.records)
        pod = played(tmp_path, rx, {"APP_LINES": N2, "APP_START": N1,
                                    "APP_BURST": 40}, False)
        assert wait_records(rx, N1 + N2, 60)
        time.sleep(1)      # anything sent twice would come now
        new = rx.seqs()[k3:]
        assert sorted(new) == list(range(N1, N1 + N2)), (
            "old lines again: %d, new lines twice: %d" % (
                sum(1 for s in new if s < N1),
                len(new) - len(set(new))))
        print("\ncheckpoint on a PVC: %d lines at %.0f lines/s; kill -9 of "
              "the process: restarted in place in %.1fs, %d lines sent "
              "again; podman kill -s KILL at %d delivered, pod played again "
              "(exit code 137 before): 0 lost, %d lines sent again; new "
              "pod, %d more lines: each once, 0 old lines again; sidelog "
              "status:\n%s" % (N1, rate, restart_s, dup1, held, dup2, N2,
                               status.strip()))
        # One checkpoint interval's lines, plus two requests in flight
        # (batch_timeout 1s each) at most.
        assert dup1 <= 3 * rate and dup2 <= 3 * rate, (dup1, dup2, rate)
    finally:
        if pod:
            pod.down()
        cleanup(volumes=[PVC, LOGS])
