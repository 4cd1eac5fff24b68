"""`sidelog check` on the shipped example and on broken files.

1. Check examples/sidelog.ini, then check what it printed.
2. Check a file with a misspelt key, one with several errors, a missing
   file, and the default path through $SIDELOG_CONFIG.
3. Check a file whose headers hold secrets, and one that only warns.
Check that valid files exit 0 and print the effective configuration,
secrets redacted; that errors exit 2 naming file, line and key; and that
the printout is itself a valid file that prints the same.
"""

BASE = "[input.app]\npaths = /var/log/app/*.log\n[stdout]\nenabled = true\n"


def test_example_is_valid_and_prints_every_section(sidelog, example):
    rc, out, err = sidelog("check", "-c", str(example))
    assert rc == 0, err
    assert err == ""
    assert out.startswith("# %s: valid;" % example)
    for section in ("[sidelog]", "[input.app]", "[metadata]", "[output]",
                    "[stdout]"):
        assert "\n%s\n" % section in out


def test_printed_config_is_valid_and_stable(sidelog, example):
    _, first, _ = sidelog("check", "-c", str(example))
    f = sidelog.write("printed.ini", first)
    rc, second, err = sidelog("check", "-c", str(f))
    assert rc == 0, err
    strip = lambda s: s.split("\n", 1)[1]
    assert strip(first) == strip(second)


def test_misspelt_key_names_file_line_and_key(sidelog):
    f = sidelog.write("bad.ini", BASE + "[output]\nurl = https://h/\n"
                      "batch_max_byte = 1m\n")
    rc, out, err = sidelog("check", "-c", str(f))
    assert rc == 2
    assert out == ""
    assert err == ("%s:7: [output] batch_max_byte: unknown key (did you "
                   "mean batch_max_bytes?)\n" % f)


def test_every_error_is_reported_in_file_order(sidelog):
    f = sidelog.write("bad.ini", "[sidelog]\nwatch = sometimes\n"
                      "[outptu]\n" + BASE + "[output]\nurl = gopher://h\n")
    rc, _, err = sidelog("check", "-c", str(f))
    assert rc == 2
    assert err.splitlines() == [
        '%s:2: [sidelog] watch: expected auto, inotify or poll, got '
        '"sometimes"' % f,
        "%s:3: [outptu]: unknown section (did you mean [output]?)" % f,
    ]


def test_missing_file_exits_2(sidelog):
    rc, _, err = sidelog("check", "-c", "/nonexistent/sidelog.ini")
    assert rc == 2
    assert err == ("/nonexistent/sidelog.ini: cannot open: No such file or "
                   "directory\n")


def test_config_path_from_environment(sidelog):
    f = sidelog.write("env.ini", BASE)
    rc, out, err = sidelog("check", env={"SIDELOG_CONFIG": str(f)})
    assert rc == 0, err
    assert out.startswith("# %s: valid;" % f)


def test_default_path_without_environment(sidelog):
    rc, _, err = sidelog("check")
    assert rc == 2
    assert err.startswith("/etc/sidelog/sidelog.ini: ")


def test_secret_headers_are_redacted(sidelog):
    f = sidelog.write("s.ini", BASE + "[output]\nurl = https://h/\n"
                      "headers.Authorization = Bearer abc123\n"
                      "headers.X-Api-Key = k-987\n"
                      "headers.X-Tenant = blue\n")
    rc, out, err = sidelog("check", "-c", str(f))
    assert rc == 0, err
    assert "abc123" not in out and "k-987" not in out
    assert "headers.Authorization = <redacted>\n" in out
    assert "headers.X-Tenant = blue\n" in out


def test_warning_keeps_exit_0(sidelog):
    f = sidelog.write("w.ini", BASE + "[output]\nurl = https://h/\n"
                      "tls.verify = off\n")
    rc, out, err = sidelog("check", "-c", str(f))
    assert rc == 0
    assert err.startswith("%s:7: warning: [output] tls.verify: off:" % f)
    assert "tls.verify = false\n" in out


def test_environment_reaches_the_values(sidelog):
    f = sidelog.write("e.ini", BASE + "[metadata]\n"
                      "kubernetes.pod.name = ${POD_NAME}\n")
    rc, out, _ = sidelog("check", "-c", str(f), env={"POD_NAME": "web-3"})
    assert rc == 0
    assert "kubernetes.pod.name = web-3\n" in out


def test_unset_environment_variable_is_an_error(sidelog):
    f = sidelog.write("e.ini", BASE + "[metadata]\n"
                      "kubernetes.pod.name = ${POD_NAME}\n")
    rc, _, err = sidelog("check", "-c", str(f), env={"POD_NAME": None})
    assert rc == 2
    assert err == ("%s:6: [metadata] kubernetes.pod.name: environment "
                   "variable POD_NAME is not set (write ${POD_NAME:-} to "
                   "allow it empty)\n" % f)


def test_memory_ceiling_is_printed_and_long_lines_warn(sidelog):
    """check states what sidelog may hold in memory, and warns when
    max_line_bytes makes its line buffers larger than memory_limit."""
    f = sidelog.write("ok.ini", BASE)
    rc, out, err = sidelog("check", "-c", str(f))
    assert rc == 0 and err == ""
    assert "\n# memory: at most " in out
    f = sidelog.write("long.ini", "[sidelog]\nmemory_limit = 128m\n"
                      "[input.app]\npaths = /var/log/app/*.log\n"
                      "max_line_bytes = 64m\n[output]\nurl = https://h/\n"
                      "batch_max_bytes = 64m\n[stdout]\nenabled = true\n")
    rc, out, err = sidelog("check", "-c", str(f))
    assert rc == 0
    # 5 x 64m to read, 7 x 64m (a record escaped, a level) and some for
    # [stdout]: 768 MiB and more.
    assert err.startswith("%s: warning: the buffers for lines of "
                          "max_line_bytes (67108864) take 7866" % f)
    assert err.endswith(" KiB, more than memory_limit (131072 KiB)\n")


def test_format_limits_and_loki_labels(sidelog):
    """Per-format checks: batch_max_bytes above a backend's documented
    default limit warns (exit 0); Loki label keys that make a reserved,
    a repeated or a sixteenth label are errors naming the key; keys of
    another format warn that they are ignored."""
    out_ = "[output]\nurl = https://h/v1/logs\n"
    f = sidelog.write("otlp.ini", BASE + out_ + "format = otlp\n"
                      "batch_max_bytes = 32m\nloki.line = record\n"
                      "[sidelog]\nmemory_limit = 128m\n")
    rc, _, err = sidelog("check", "-c", str(f))
    assert rc == 0, err
    assert ":8: warning: [output] batch_max_bytes: above the OTel " \
        "Collector's default max_request_body_size (20 MiB)" in err
    assert ":9: warning: [output] loki.line: ignored unless format = loki" in err
    f = sidelog.write("loki.ini", BASE + out_ + "format = loki\n"
                      "loki.labels = a.b, a_b, __x\n")
    rc, _, err = sidelog("check", "-c", str(f))
    assert rc == 2
    assert ":8: [output] loki.labels: two keys make the label a_b" in err
    assert "\"__x\" would be the label __x" in err
    f = sidelog.write("many.ini", BASE + out_ + "format = loki\n"
                      "loki.labels = %s\n" % ",".join(
                          "k%d" % i for i in range(16)))
    rc, _, err = sidelog("check", "-c", str(f))
    assert rc == 2 and "more than 15 labels" in err
    f = sidelog.write("line.ini", BASE.replace(
        "[stdout]", "max_line_bytes = 1m\n[stdout]") + out_ +
        "format = loki\n")
    rc, _, err = sidelog("check", "-c", str(f))
    assert rc == 0 and "above Loki's default max_line_size" in err
