"""`qbank build`: the site is swapped in only when the build succeeds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, qbank, sample


def _bank(tmp_path: Path, *samples: str) -> Path:
    bank = tmp_path / "bank"
    (bank / "samples").mkdir(parents=True)
    for name in samples:
        shutil.copy(sample(name), bank / "samples" / name)
    return bank


def test_build_writes_a_site(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    out = tmp_path / "site"
    run = qbank("build", bank, "--out", out)
    assert run.code == 0, run.out + run.err
    assert (out / "index.html").is_file()
    page = (out / "samples" / "verified-ok" / "practice.html").read_text()
    assert "Output verified with Python 3." in page


def test_failed_build_leaves_the_old_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site")
    bank = _bank(tmp_path, "verified-ok.yaml", "wrong-answer.yaml")
    run = qbank("build", bank, "--out", out)
    assert run.code == 1
    assert "site not written" in run.err
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert (out / "index.html").read_text() == "the previous site"
    assert not list(tmp_path.glob("site.*"))


def test_invalid_bank_builds_nothing(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "lint-errors.yaml")
    run = qbank("build", bank, "--out", tmp_path / "site")
    assert run.code == 1
    assert not (tmp_path / "site").exists()


def test_python_dash_m_and_console_script_agree() -> None:
    target = str(sample("duplicate-key.yaml"))
    module = subprocess.run(
        [sys.executable, "-m", "generator", "validate", target], capture_output=True, text=True
    )
    script = Path(sys.executable).parent / "qbank"
    console = subprocess.run([str(script), "validate", target], capture_output=True, text=True)
    assert module.returncode == console.returncode == 1
    assert module.stdout == console.stdout
    assert "Traceback" not in module.stderr


def test_missing_theme_is_a_tool_error(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    run = qbank("build", bank, "--out", tmp_path / "site", "--theme", tmp_path / "nope")
    assert run.code == 2
    assert "theme folder not found" in run.err
    assert ROOT.exists()
