"""examples/kubernetes/tee.yaml played as a pod: the tee pattern.

1. Play it: the init container runs `sidelog install` into the shared
   `bin` emptyDir; the worker (the test app, writing numbered lines to
   stdout only) runs under `/opt/sidelog/sidelog tee --format cri`; the
   sidecar ships worker.log* with parse = cri.  (The example's sidecar is
   a native one, an init container with restartPolicy: Always, which
   podman 4.3 would run to completion before the worker: the derived pod
   makes it an ordinary container.)
2. Once the worker wrote its 5,000 lines, end the pod in a native
   sidecar's order: SIGTERM to the worker (tee forwards it; the worker
   writes "END lines=N" and exits 0), then to the sidecar.
Check that every line, END included, reached both the receiver (as
records with stream "stdout") and `podman logs` of the worker, byte for
byte and in order, that tee exited with the worker's status 0 and
sidelog 0.
"""
import re

from podtest import Pod, cleanup, derive, state, wait_records
from sidelogtest import count

PVC = "sidelog-tee-checkpoint"
N = 5000


def test_tee_pattern_ships_stdout_and_keeps_it(image, app_image, rx,
                                               sidelog_secret, tmp_path):
    cleanup(volumes=[PVC])
    docs = derive("tee.yaml", rx.url, app_env={"APP_LINES": N,
                                               "APP_BURST": 10},
                  restart="Never")
    pod = Pod(tmp_path, docs)
    try:
        pod.play()
        worker = pod.c("worker")
        assert wait_records(rx, N, 90), "%d records" % len(rx.records)
        secs_worker = pod.stop(["worker"], 30)
        secs_sidelog = pod.stop(["sidelog"], 30)
        w, s = state(worker), state(pod.c("sidelog"))
        out, _ = pod.logs("worker")
        _, err = pod.logs("sidelog")
        lines = out.splitlines()
        want = [l for l in lines if l.startswith("seq=")]
        assert len(want) == N and lines[-1] == "END lines=%d" % N, \
            lines[-3:]
        lost, dups = count(rx.seqs(), N)
        ends = [r for r in rx.records if r["message"] == lines[-1]]
        print("\ntee pattern: %d lines on stdout (podman logs), %d "
              "delivered, %d lost, %d duplicates, END delivered: %s; "
              "worker SIGTERM to exit %.1fs, then sidelog %.1fs; exit "
              "codes tee %d, sidelog %d" % (
                  len(want), len(set(rx.seqs())), len(lost), dups,
                  bool(ends), secs_worker, secs_sidelog, w["ExitCode"],
                  s["ExitCode"]))
        assert not lost, err[-3000:]
        assert len(ends) == 1, err[-3000:]
        assert w["ExitCode"] == 0 and s["ExitCode"] == 0, err[-3000:]
        shipped = [r["message"] for r in rx.records
                   if r["message"].startswith("seq=")]
        assert shipped[:N] == want, "records differ from stdout"
        assert {r.get("stream") for r in rx.records} == {"stdout"}
        assert all(re.match(r"seq=\d{9} x+$", l) for l in want)
    finally:
        pod.down()
        cleanup(volumes=[PVC])
