"""The project as others get it: its source as a fresh clone would hold it, and the wheel
built from that source the way ``pip install`` builds it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

#: What a build of the package reads (pyproject.toml names README.md as the long
#: description); the hook definitions for pre-commit, which installs from a clone.
SOURCES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "generator", "schema")


def copy_sources(dest: Path) -> Path:
    """A copy of the working tree's :data:`SOURCES` in ``dest``, symbolic links kept as
    links (``generator/schema`` is one, as git stores it).

    A copy, not the checkout: it holds what is about to be committed, and no
    ``build/`` left by an earlier in-tree build can slip files into the wheel.
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(
                source,
                dest / name,
                symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
        else:
            shutil.copy2(source, dest / name, follow_symlinks=False)
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that could import the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


def build_wheel(source: Path, out: Path) -> Path:
    """The wheel ``pip`` builds from ``source`` (in an isolated build environment with
    the build backend pyproject.toml asks for, as ``pip install`` does)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    (wheel,) = out.glob("qbank-*.whl")
    return wheel
