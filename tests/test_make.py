"""The README's first command sets up what building needs on a fresh machine."""

from __future__ import annotations

import subprocess

from tests.helpers import ROOT


def _dry_run(target: str) -> str:
    done = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )
    return done.stdout


def test_make_build_installs_bubblewrap_before_it_builds() -> None:
    """Issue 16: `make build` on a machine without bwrap stopped at "bwrap is not installed"."""
    lines = _dry_run("build").splitlines()
    install = next(i for i, line in enumerate(lines) if "apt-get install" in line)
    assert "for p in bubblewrap;" in lines[install]
    assert "chromium" not in lines[install]  # building needs no browser
    build = next(i for i, line in enumerate(lines) if "qbank build bank --out site" in line)
    assert install < build


def test_make_test_installs_bubblewrap_and_chromium() -> None:
    text = _dry_run("pytest")
    assert "for p in bubblewrap chromium;" in text
