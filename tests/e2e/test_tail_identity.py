"""File identity: a new file at an old path, a reused inode, a second
file with the same first bytes.

1. Follow app.log; delete it and create a new app.log (which the kernel
   may give the same inode number).
2. Stop sidelog, replace app.log by a new file, start again.
Check that every new file is read from its start and nothing is read
twice.
"""
import os

from sidelogtest import Pod, count, line, wait_seqs


def write(path, seqs, mode="ab"):
    with open(path, mode) as f:
        for i in seqs:
            f.write(line(i))


def test_new_file_at_an_old_path_is_read_from_its_start(tmp_path):
    pod = Pod(tmp_path)
    app = pod.logs / "app.log"
    write(app, range(100), "wb")
    pod.start()
    assert wait_seqs(pod, 100)
    os.unlink(app)
    write(app, range(100, 150), "wb")
    assert wait_seqs(pod, 150)
    assert pod.stop() == 0
    assert count(pod.seqs(), 150) == ([], 0)


def test_replaced_while_stopped_with_a_reused_inode(tmp_path):
    pod = Pod(tmp_path)
    app = pod.logs / "app.log"
    write(app, range(200), "wb")
    pod.start()
    assert wait_seqs(pod, 200)
    assert pod.stop() == 0
    old = os.stat(app).st_ino
    # Try to have the kernel hand the inode out again.
    reused = False
    os.unlink(app)
    for _ in range(200):
        write(app, range(200, 260), "wb")
        if os.stat(app).st_ino == old:
            reused = True
            break
        os.unlink(app)
    if not reused:      # a busy machine handed it elsewhere: a new inode
        write(app, range(200, 260), "wb")
    pod.start()
    assert wait_seqs(pod, 260)
    assert pod.stop() == 0
    assert count(pod.seqs(), 260) == ([], 0)
    print("inode reused: %s" % reused)


def test_two_files_with_the_same_first_bytes_are_two_files(tmp_path):
    pod = Pod(tmp_path)
    header = b"=== application started ===\n"
    for name, seqs in (("app-a.log", range(0, 50)),
                       ("app-b.log", range(50, 100))):
        with open(pod.logs / name, "wb") as f:
            f.write(header)
            for i in seqs:
                f.write(line(i))
    pod.start()
    assert wait_seqs(pod, 100)
    assert pod.stop() == 0
    pod.start()
    with open(pod.logs / "app-b.log", "ab") as f:
        for i in range(100, 110):
            f.write(line(i))
    assert wait_seqs(pod, 110)
    assert pod.stop() == 0
    assert count(pod.seqs(), 110) == ([], 0)
