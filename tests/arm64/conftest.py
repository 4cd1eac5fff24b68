"""Fixtures of the arm64 scenarios (make check-arm64), which drive the
binary that $SIDELOG_BIN names, as tests/e2e does: there a wrapper that
execs qemu-aarch64-static on build/arm64/sidelog, so that the emulated
sidelog is the process the tests signal and kill.  The helpers are
tests/e2e's (sidelogtest, receiver, pki)."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))

import sidelogtest  # noqa: E402


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    import pki as p
    return p.make(tmp_path_factory.mktemp("pki"))


@pytest.fixture(autouse=True)
def no_leftover_sidelog():
    """A failed test must not leave its sidelog running."""
    yield
    sidelogtest.reap()
