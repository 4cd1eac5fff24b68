"""Headers from Secret files, and the word before a token.

1. headers_file.X-Scope-OrgID names a file in a Secret volume (the
   kubelet's ..data layout); auth.bearer_token_file with auth.scheme =
   ApiKey.  Lines are shipped; then the Secret is updated (the ..data
   swap) and more lines are shipped.
   Check: every request before the swap carries the first tenant and
   "Authorization: ApiKey <first key>", every request after it the new
   ones, no request carries a mix, and no secret value reaches the log.
2. A headers_file whose file holds a line break inside its value (a
   header injection) keeps the header's previous value and says so.
3. `sidelog check` refuses a headers_file.NAME that is not a header
   name, a path that is not there, and a name also given as headers.*.
"""
import subprocess
import time

from receiver import Receiver
from sidelogtest import ConfigMap, binary, line, ship_https, wait_for


def test_header_file_and_scheme_follow_the_secret(tmp_path, pki):
    sec = ConfigMap(tmp_path / "secret", {"tenant": "team-a\n",
                                          "key": "k-one"})
    rx = Receiver(tls=pki["server"]).start()
    pod = ship_https(tmp_path, rx.port, pki["ca"][0], 100,
                     "headers_file.X-Scope-OrgID = %s\n"
                     "auth.bearer_token_file = %s\n"
                     "auth.scheme = ApiKey\n"
                     % (sec.d / "tenant", sec.d / "key"))
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= 100, 20), \
            pod.stderr()[-2000:]
        before = len(rx.headers)
        sec.update({"tenant": "team-b", "key": "k-two"})
        time.sleep(1.5)     # the files are looked at once a second
        with open(pod.logs / "app.log", "ab") as f:
            for i in range(100, 200):
                f.write(line(i))
        assert wait_for(lambda: len(set(rx.seqs())) >= 200, 20), \
            pod.stderr()[-2000:]
        assert pod.stop() == 0
    finally:
        rx.stop()
    seen = [(h.get("X-Scope-OrgID"), h.get("Authorization"))
            for h in rx.headers]
    assert set(seen[:before]) == {("team-a", "ApiKey k-one")}
    assert seen[-1] == ("team-b", "ApiKey k-two")
    assert set(seen) <= {("team-a", "ApiKey k-one"),
                         ("team-b", "ApiKey k-two")}
    err = pod.stderr()
    for secret in ("k-one", "k-two"):
        assert secret not in err
    pod.assert_clean_stderr()


def test_header_file_with_a_line_break_keeps_its_value(tmp_path, pki):
    sec = ConfigMap(tmp_path / "secret", {"tenant": "team-a"})
    rx = Receiver(tls=pki["server"]).start()
    pod = ship_https(tmp_path, rx.port, pki["ca"][0], 10,
                     "headers_file.X-Scope-OrgID = %s\n" % (sec.d / "tenant"))
    try:
        assert wait_for(lambda: len(set(rx.seqs())) >= 10, 20)
        sec.update({"tenant": "team-b\r\nX-Evil: 1"})
        time.sleep(1.5)
        with open(pod.logs / "app.log", "ab") as f:
            for i in range(10, 20):
                f.write(line(i))
        assert wait_for(lambda: len(set(rx.seqs())) >= 20, 20)
        assert pod.stop() == 0
    finally:
        rx.stop()
    assert all(h.get("X-Scope-OrgID") == "team-a" for h in rx.headers)
    assert not any("X-Evil" in h for h in rx.headers)
    assert "holds a control byte: the header keeps its value" in \
        pod.stderr()


def check(tmp_path, output):
    conf = tmp_path / "c.ini"
    conf.write_text("[sidelog]\ncheckpoint_dir = %s\n[input.a]\n"
                    "paths = /x/*.log\n[output]\nurl = https://h/\n%s"
                    % (tmp_path, output))
    return subprocess.run([binary(), "check", "-c", str(conf)],
                          capture_output=True, text=True, timeout=10)


def test_check_refuses_bad_header_files(tmp_path):
    f = tmp_path / "tenant"
    f.write_text("t")
    assert check(tmp_path, "headers_file.X-Scope-OrgID = %s\n" % f) \
        .returncode == 0
    p = check(tmp_path, "headers_file.X Y = %s\n" % f)
    assert p.returncode == 2 and "not a valid header name" in p.stderr
    p = check(tmp_path, "headers_file.X-Id = %s/none\n" % tmp_path)
    assert p.returncode == 2 and "cannot read" in p.stderr
    p = check(tmp_path, "headers.x-id = a\nheaders_file.X-Id = %s\n" % f)
    assert p.returncode == 2 and "also given as headers.x-id" in p.stderr
    p = check(tmp_path, "headers_file.Host = %s\n" % f)
    assert p.returncode == 2 and "set by sidelog itself" in p.stderr
    p = check(tmp_path, "auth.scheme = Api Key\n")
    assert p.returncode == 2 and "auth.scheme" in p.stderr
