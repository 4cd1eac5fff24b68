"""Shared fixtures for the end-to-end tests.

ROOT and binary() live in sidelogtest, which needs no pytest, so that
the benchmark can use its helpers too; they are imported here for the
tests that take them from conftest.
"""
import os
import subprocess

import pytest

import sidelogtest
from sidelogtest import ROOT, binary  # noqa: F401 (re-exported)


def sanitized():
    """Whether the binary under test is the ASan build, whose shadow
    memory and quarantine make its resident size no measure of ours."""
    with open(binary(), "rb") as f:
        return b"__asan_init" in f.read()


class Sidelog:
    """Runs the binary and returns (exit status, stdout, stderr)."""

    def __init__(self, path, tmp):
        self.path = path
        self.tmp = tmp

    def __call__(self, *args, env=None, stdin=None, timeout=30):
        e = {k: v for k, v in os.environ.items() if k != "SIDELOG_CONFIG"}
        # A leak report from ASan must fail the test, not pass silently.
        e.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        e.setdefault("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1")
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        p = subprocess.run([self.path, *args], env=e, input=stdin,
                           capture_output=True, text=True, timeout=timeout,
                           cwd=self.tmp)
        assert "Sanitizer" not in p.stderr, p.stderr
        return p.returncode, p.stdout, p.stderr

    def write(self, name, text):
        f = self.tmp / name
        f.write_text(text)
        return f


@pytest.fixture
def sidelog(tmp_path):
    return Sidelog(binary(), tmp_path)


@pytest.fixture
def example():
    return ROOT / "examples" / "sidelog.ini"


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """Certificates for the TLS tests, made once per run."""
    import pki as p
    return p.make(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def otlp_decoder():
    """The independent OTLP/HTTP JSON decoder (otlp_decode.py): one node
    process for the whole run."""
    from otlp_decode import OtlpDecoder
    d = OtlpDecoder()
    yield d
    d.close()


@pytest.fixture(autouse=True)
def no_leftover_sidelog():
    """A failed test must not leave its sidelog running (and eating the
    CPU that later tests and the benchmark measure with)."""
    yield
    sidelogtest.reap()
