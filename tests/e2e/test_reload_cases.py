"""Reloads that meet other events: a change of a secret header alone.

Each test ships to a plain HTTP receiver, its configuration laid out as
the kubelet lays out a ConfigMap, /metrics on a free port.
"""
from receiver import Receiver
from sidelogtest import ConfigMap, Pod, free_port, line, wait_for


def config(pod, rx, port, version="1", key="old-key"):
    return ("[sidelog]\ncheckpoint_dir = %s\ncheckpoint_interval = 200ms\n"
            "listen = 127.0.0.1:%d\n"
            "[input.app]\npaths = %s/app.log\nfields.version = %s\n"
            "[output]\nurl = http://127.0.0.1:%d/ingest\n"
            "batch_timeout = 100ms\nretry_initial = 100ms\n"
            "headers.X-Api-Key = %s\n"
            "[stdout]\nenabled = false\n"
            % (pod.pvc, port, pod.logs, version, rx.port, key))


def start(tmp_path, rx, **kw):
    """A pod whose config is a ConfigMap; returns (pod, cm, render)."""
    port = free_port()
    pod = Pod(tmp_path, stdout=False)
    cm = ConfigMap(tmp_path / "config",
                   {"sidelog.ini": config(pod, rx, port, **kw)})
    pod.conf = tmp_path / "config" / "sidelog.ini"
    pod.port = port
    pod.start()
    return pod, cm, lambda **k: {"sidelog.ini": config(pod, rx, port, **k)}


def append(pod, first, n=1):
    with open(pod.logs / "app.log", "ab") as f:
        for i in range(first, first + n):
            f.write(line(i))


def header(rx, i, name):
    """Header `name` of request i, whatever its case on the wire."""
    return {k.lower(): v for k, v in rx.headers[i].items()}.get(name.lower())


def test_secret_header_change_alone_is_applied(tmp_path):
    """1. Ship line 0 with headers.X-Api-Key = old-key.
    2. Swap the ConfigMap to one that differs only in that header's
       value (a rotated API key); send no SIGHUP.
    3. Append line 1.
    Check that line 1 goes out with the new key, and that the key shows
    in no log line."""
    rx = Receiver().start()
    try:
        pod, cm, render = start(tmp_path, rx)
        append(pod, 0)
        assert wait_for(lambda: len(rx.records) == 1, 10), pod.stderr()
        cm.update(render(key="new-key"))
        assert wait_for(lambda: "configuration reloaded" in pod.stderr() or
                        "configuration is the same" in pod.stderr(), 10)
        append(pod, 1)
        assert wait_for(lambda: len(rx.records) == 2, 10), pod.stderr()
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert header(rx, 0, "X-Api-Key") == "old-key"
    assert header(rx, rx.requests - 1, "X-Api-Key") == "new-key", \
        pod.stderr()
    assert "old-key" not in pod.stderr() and "new-key" not in pod.stderr()
    pod.assert_clean_stderr()
