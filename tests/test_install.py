"""A built wheel is the whole tool: installed into a clean virtual environment outside the
checkout, ``qbank`` validates, verifies and builds a copy of the reference bank from
another folder.

The venv is made with ``--without-pip`` and no system site-packages, and pip installs
the wheel into it from outside (``pip --python``): nothing of the checkout or of the
project's .venv is importable there, which the test checks before installing. NumPy is
installed beside the wheel so that the bank's NumPy snippets really run in the jail from
an installed package; TensorFlow is not (too big for a test), so its questions are
``missing-requirement`` warnings, as for any team whose interpreter lacks a module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator import __version__
from tests.helpers import ROOT
from tests.packaging import build_wheel, clean_env, copy_sources

pytestmark = pytest.mark.slow


def _package_files() -> list[str]:
    """Every file of the package (the schemas through their link, templates, static files,
    the in-jail code, any data file added later), as the wheel must hold it."""
    found = []
    for folder, dirs, files in os.walk(ROOT / "generator", followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and not name.endswith(".pyc"):
                found.append((Path(folder) / name).relative_to(ROOT).as_posix())
    return sorted(found)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the sources."""
    work = tmp_path_factory.mktemp("wheel")
    return build_wheel(copy_sources(work / "src"), work / "dist")


def test_the_wheel_holds_every_file_the_tool_reads(wheel: Path) -> None:
    assert wheel.name == f"qbank-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        expected = set(_package_files())
        assert "generator/schema/pattern.schema.json" in expected  # walked through the link
        assert sorted(expected - names) == []
        for info in archive.infolist():
            assert (info.external_attr >> 16) & 0o170000 != 0o120000, f"{info.filename} is a link"
        # The package's schemas are the published ones, byte for byte.
        for path in (ROOT / "schema").glob("*.json"):
            assert archive.read(f"generator/schema/{path.name}") == path.read_bytes()


def test_schema_has_one_copy_in_git() -> None:
    """The package's ``schema`` is a link to the top-level folder, not a second copy."""
    link = ROOT / "generator" / "schema"
    assert link.is_symlink() and link.readlink() == Path("..") / "schema"
    listed = subprocess.run(
        ["git", "ls-files", "-s", "generator/schema"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    assert listed.stdout.startswith("120000 "), listed.stdout  # git's mode for a link


def test_installed_wheel_works_anywhere(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    elsewhere = tmp_path / "team-repo"
    shutil.copytree(ROOT / "bank", elsewhere / "bank")
    env = clean_env()

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    # Nothing of the checkout is importable in the new venv...
    assert run(python, "-c", "import generator").returncode == 1
    installed = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "-q"),
            *("-c", str(ROOT / "constraints.txt"), str(wheel), "numpy"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    # ...and what it imports now is the installed copy.
    where = run(python, "-c", "import generator; print(generator.__file__)")
    assert where.stdout.startswith(str(venv)), where.stdout

    qbank = venv / "bin" / "qbank"
    assert run(qbank, "--version").stdout.strip() == f"qbank {__version__}"
    assert run(python, "-m", "generator", "--version").stdout.strip() == f"qbank {__version__}"

    validated = run(qbank, "validate", "bank")
    assert validated.returncode == 0, validated.stdout + validated.stderr

    verified = run(qbank, "verify", "bank", "--report", "report.json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    results = json.loads((elsewhere / "report.json").read_text())["results"]
    assert {r["status"] for r in results} <= {"ok", "missing-requirement"}
    ran = [r for r in results if r["executed"] and r["status"] == "ok"]
    assert ran, "no snippet ran in the jail from the installed package"
    # NumPy is installed: only TensorFlow (and the weights it would load) may be missing.
    missing = [r["message"] for r in results if r["status"] == "missing-requirement"]
    assert not [m for m in missing if "`numpy`" in m], missing

    built = run(qbank, "build", "bank", "--out", "site")
    assert built.returncode == 0, built.stdout + built.stderr
    site = elsewhere / "site"
    assert (site / "index.html").is_file()
    assert {p.name for p in (site / "assets").iterdir()} >= {"qbank.js", "site.css"}
    assert len(list(site.rglob("*.html"))) > 1  # the pattern pages beside the index
