"""The command line's help, version and usage errors.

1. Run `sidelog --help`, `-h` and `help`.
2. Run `version` and `--version`.
3. Run unknown commands, unknown options and stray arguments.
Check that help and version exit 0 on stdout, and that every usage
error exits 2 with a message and the usage on stderr.
"""
import re

COMMANDS = ("run", "check", "probe", "status", "tee", "version")


def test_help_lists_every_command_and_exits_0(sidelog):
    for flag in ("--help", "-h", "help"):
        rc, out, err = sidelog(flag)
        assert rc == 0
        assert err == ""
        for cmd in COMMANDS:
            assert re.search(r"^  %s " % cmd, out, re.M), cmd
        assert "exit status: 0 success, 1 runtime failure, 2 usage" in out


def test_subcommand_help_exits_0(sidelog):
    for cmd in ("check", "probe", "run", "status", "tee"):
        rc, out, _ = sidelog(cmd, "--help")
        assert rc == 0
        assert out.startswith("usage: sidelog")


def test_version_names_sidelog_and_pinned_libraries(sidelog):
    for flag in ("version", "--version"):
        rc, out, err = sidelog(flag)
        assert rc == 0
        assert re.fullmatch(r"sidelog \d+\.\d+\.\d+ \(mbedtls 3\.6\.\d+, "
                            r"zlib 1\.3\.\d+, inih r\d+\)\n", out), out


def test_unknown_command_is_a_usage_error(sidelog):
    rc, out, err = sidelog("ship")
    assert rc == 2
    assert out == ""
    assert err.startswith('sidelog: unknown command "ship"\nusage: sidelog')


def test_unknown_option_is_a_usage_error(sidelog):
    rc, _, err = sidelog("check", "--frobnicate")
    assert rc == 2
    assert err.startswith("sidelog: unknown or incomplete option "
                          "--frobnicate\n")


def test_option_without_its_value_is_a_usage_error(sidelog):
    rc, _, err = sidelog("check", "-c")
    assert rc == 2
    assert err.startswith("sidelog: unknown or incomplete option -c\n")


def test_stray_argument_is_a_usage_error(sidelog):
    rc, _, err = sidelog("check", "-c", "a.ini", "extra")
    assert rc == 2
    assert err.startswith('sidelog: unexpected argument "extra"\n')


def test_version_takes_no_arguments(sidelog):
    rc, _, err = sidelog("version", "now")
    assert rc == 2
    assert err.startswith("sidelog: version takes no arguments\n")
