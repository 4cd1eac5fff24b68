"""`sidelog tee` argument parsing.

1. Run tee without --out, with a bad --max-size, a too small --max-size,
   too many --max-files, an unknown --format and an unknown option.
Check that each exits 2 naming the option and what is wrong.
"""
import pytest

CASES = [
    ([], "sidelog: tee: --out PATH is required\n"),
    (["--out", "o.log", "--max-size", "10x"],
     'sidelog: tee: --max-size: expected a size such as 512, 64k, 10m or '
     '1g (powers of 1024), got "10x"\n'),
    (["--out", "o.log", "--max-size", "100"],
     "sidelog: tee: --max-size: at least 4096 bytes\n"),
    (["--out", "o.log", "--max-files", "1000"],
     "sidelog: tee: --max-files: at most 100\n"),
    (["--out", "o.log", "--max-files", "-1"],
     'sidelog: tee: --max-files: expected a whole number, got "-1"\n'),
    (["--out", "o.log", "--format", "json"],
     'sidelog: tee: --format: expected raw or cri, got "json"\n'),
    (["--out", "o.log", "--bogus"],
     "sidelog: tee: unknown or incomplete option --bogus\n"),
]


@pytest.mark.parametrize("args,message", CASES)
def test_bad_tee_arguments_exit_2(sidelog, args, message):
    rc, out, err = sidelog("tee", *args)
    assert rc == 2
    assert out == ""
    assert err.startswith(message), err
    assert "usage: sidelog" in err
