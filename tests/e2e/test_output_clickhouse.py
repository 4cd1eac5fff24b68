"""ClickHouse (Debian's clickhouse-server) behind nginx terminating TLS.

1. ClickHouse's HTTP interface on loopback, a MergeTree table of flat
   columns; nginx in front of it with the test CA's server certificate.
2. A writer appends 20000 numbered lines, rotating once; sidelog ships
   them as gzip JSONEachRow to `INSERT INTO logs FORMAT JSONEachRow`
   through nginx, with flat record keys (ts, message, file, offset).
Check that every written line is in the table exactly once.
"""
import json
import shutil
import subprocess
import urllib.parse
import urllib.request

import pytest

from sidelogtest import Nginx, Pod, Writer, free_port, wait_for

N = 20000


def ch_query(port, q, data=None):
    url = "http://127.0.0.1:%d/?query=%s" % (port, urllib.parse.quote(q))
    return urllib.request.urlopen(url, data=data, timeout=10).read().decode()


@pytest.fixture
def clickhouse(tmp_path):
    assert shutil.which("clickhouse-server"), "clickhouse-server missing"
    d = tmp_path / "ch"
    d.mkdir()
    http, tcp = free_port(), free_port()
    (d / "users.xml").write_text(
        "<?xml version=\"1.0\"?><yandex><profiles><default/></profiles>"
        "<users><default><password></password><networks><ip>::/0</ip>"
        "</networks><profile>default</profile><quota>default</quota>"
        "</default></users><quotas><default/></quotas></yandex>")
    (d / "config.xml").write_text(
        "<?xml version=\"1.0\"?><yandex><logger><level>warning</level>"
        "<console>1</console></logger><http_port>%d</http_port>"
        "<tcp_port>%d</tcp_port><listen_host>127.0.0.1</listen_host>"
        "<path>%s/data/</path><tmp_path>%s/tmp/</tmp_path>"
        "<users_config>%s/users.xml</users_config>"
        "<default_profile>default</default_profile>"
        "<default_database>default</default_database>"
        "<mark_cache_size>5368709</mark_cache_size></yandex>"
        % (http, tcp, d, d, d))
    p = subprocess.Popen(["clickhouse-server", "--config-file",
                          str(d / "config.xml")],
                         stdout=open(d / "log", "w"),
                         stderr=subprocess.STDOUT)

    def up():
        try:
            return ch_query(http, "SELECT 1").strip() == "1"
        except OSError:
            return False

    assert wait_for(up, 60), (d / "log").read_text()[-2000:]
    ch_query(http, "CREATE TABLE logs (ts String, message String, "
             "file String, offset UInt64) ENGINE = MergeTree "
             "ORDER BY (file, offset)", data=b"")
    yield http
    p.terminate()
    p.wait(30)


@pytest.fixture
def nginx(tmp_path, pki, clickhouse):
    n = Nginx(tmp_path / "nginx", clickhouse, pki["server"])
    yield n.port
    n.stop()


def test_every_line_lands_in_clickhouse_once(tmp_path, pki, clickhouse,
                                              nginx):
    query = urllib.parse.quote("INSERT INTO logs FORMAT JSONEachRow")
    pod = Pod(tmp_path, stdout=False, paths="app.log", output=(
        "url = https://localhost:%d/?query=%s"
        "&input_format_skip_unknown_fields=1\n"
        "tls.ca_file = %s\n"
        "time_key = ts\nmessage_key = message\nfile_key = file\n"
        "offset_key = offset\nbatch_timeout = 200ms\n"
        % (nginx, query, pki["ca"][0])))
    pod.start()
    w = Writer(pod.logs / "app.log", N, every=N // 2).start()
    w.join()

    def landed():
        return int(ch_query(clickhouse, "SELECT count() FROM logs")) >= N

    assert wait_for(landed, 60), pod.stderr()[-2000:]
    assert pod.stop() == 0
    rows = ch_query(clickhouse, "SELECT count(), uniqExact(message), "
                    "min(toUInt64(extract(message, 'seq=([0-9]+)'))), "
                    "max(toUInt64(extract(message, 'seq=([0-9]+)'))) "
                    "FROM logs FORMAT JSONCompact")
    count_, uniq, lo, hi = json.loads(rows)["data"][0]
    assert (int(count_), int(uniq), int(lo), int(hi)) == (N, N, 0, N - 1)
