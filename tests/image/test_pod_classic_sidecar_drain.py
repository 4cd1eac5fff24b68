"""examples/kubernetes/classic-sidecar.yaml played as a pod: the app
and sidelog as ordinary containers, the checkpoint on a PVC.

1. Play it (podman kube play), the app writing numbered lines into the
   emptyDir without pause, rotating by rename every 2,000 lines.
2. Once 6,000 lines reached the receiver, ask /healthz and /metrics from
   the host on the pod's address.
3. Send SIGTERM to both containers at once, SIGKILL after the pod's
   terminationGracePeriodSeconds, as the kubelet does when it deletes
   the pod (restarting none: restartPolicy Never in the derived pod).  On SIGTERM the
   app stops, writes "END lines=N" and exits 0.
4. Take the pod down (podman kube down).
Check that every line 0..N-1 and the END line reached the receiver,
that sidelog exited 0, within the grace period, that the records carry
the pod's name from the Downward API and the Secret's token.
"""
import re

from podtest import Pod, delivered, derive, grace, healthz, state, \
    wait_records, cleanup
from sidelogtest import count

PVC = "sidelog-classic-checkpoint"


def test_classic_sidecar_drains_every_line_on_sigterm(
        image, app_image, rx, sidelog_secret, tmp_path):
    cleanup(volumes=[PVC])
    docs = derive("classic-sidecar.yaml", rx.url,
                  app_env={"APP_ROTATE": 2000, "APP_BURST": 10},
                  restart="Never")
    pod = Pod(tmp_path, docs)
    limit = grace(docs)
    try:
        pod.play()
        assert wait_records(rx, 6000, 90), "%d records" % len(rx.records)
        status, metrics = healthz(pod.ip())
        assert status == 200
        assert re.search(r"^sidelog_records_delivered_total [1-9]", metrics,
                         re.M), metrics
        secs = pod.stop(["app", "sidelog"], limit)
        app, shipper = state(pod.c("app")), state(pod.c("sidelog"))
        _, err = pod.logs("sidelog")
        seqs, ends = delivered(rx)
        assert len(ends) == 1, (ends, err[-3000:])
        n = ends[0]
        lost, dups = count(seqs, n)
        print("\nclassic sidecar: %d lines written (%d rotations), %d "
              "delivered, %d lost, %d duplicates; SIGTERM to exit %.1fs "
              "(grace %ds); exit codes app %d, sidelog %d" % (
                  n, n // 2000, len(set(seqs)), len(lost), dups, secs,
                  limit, app["ExitCode"], shipper["ExitCode"]))
        assert not lost, "lost %d lines, first %s\n%s" % (
            len(lost), lost[:5], err[-3000:])
        assert shipper["ExitCode"] == 0, err[-3000:]
        assert app["ExitCode"] == 0
        assert secs < limit
        assert "SIGTERM: shutting down once no file grew" in err
        rec = rx.records[-1]
        assert rec["kubernetes"]["pod"]["name"] == pod.name, rec
        assert rec["kubernetes"]["container"]["name"] == "app"
        assert {h.get("Authorization") for h in rx.headers} == \
            {"Bearer t0ken"}
    finally:
        pod.down()
        cleanup(volumes=[PVC])
