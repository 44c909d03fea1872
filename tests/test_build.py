"""`qbank build`: the site is swapped in only when the build succeeds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from generator.render.publish import SITE_MARKER
from tests.helpers import qbank, sample


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
    out = _old_site(tmp_path)
    bank = _bank(tmp_path, "verified-ok.yaml", "wrong-answer.yaml")
    run = qbank("build", bank, "--out", out)
    assert run.code == 1
    assert "site not written" in run.err
    assert sorted(p.name for p in out.iterdir()) == [SITE_MARKER, "index.html"]
    assert (out / "index.html").read_text() == "the previous site"
    assert not list(tmp_path.glob("site.*"))


def _old_site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site")
    (out / SITE_MARKER).write_text("")
    return out


def test_broken_theme_template_keeps_the_old_site(tmp_path: Path) -> None:
    out = _old_site(tmp_path)
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "index.html").write_text("{% if %}broken{% endif %}")
    run = qbank("build", _bank(tmp_path, "verified-ok.yaml"), "--out", out, "--theme", theme)
    assert run.code == 2
    assert "theme template" in run.err and "Traceback" not in run.err
    assert (out / "index.html").read_text() == "the previous site"


def test_out_may_not_overlap_the_bank_or_working_directory(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    caches = (tmp_path / "qbank-cache", tmp_path / "user-cache")  # qbank's own, not the author's

    def files() -> dict[Path, bytes]:
        found = (p for p in tmp_path.rglob("*") if p.is_file())
        return {p: p.read_bytes() for p in found if not any(p.is_relative_to(c) for c in caches)}

    before = files()
    for out in (bank, tmp_path, bank / "samples", Path.cwd()):
        run = qbank("build", bank, "--out", out)
        assert run.code == 2, out
        assert "would overlap" in run.err
    assert before == files()


def test_out_that_qbank_did_not_build_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "notes.md").write_text("mine")
    run = qbank("build", _bank(tmp_path, "verified-ok.yaml"), "--out", out)
    assert run.code == 2
    assert "qbank did not build" in run.err
    assert (out / "notes.md").read_text() == "mine"


def test_build_renders_the_whole_bank_only(tmp_path: Path) -> None:
    run = qbank("build", _bank(tmp_path, "verified-ok.yaml"), "--only", "ok-sum")
    assert run.code == 2
    assert "--only and --shard are for validate and verify" in run.err


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


def test_rebuild_swaps_the_site_in_place(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    out = tmp_path / "site"
    assert qbank("build", bank, "--out", out).code == 0
    (bank / "samples" / "verified-ok.yaml").write_text(
        (bank / "samples" / "verified-ok.yaml")
        .read_text()
        .replace("title: A sum", "title: A total")
    )
    assert qbank("build", bank, "--out", out).code == 0
    assert "A total" in (out / "samples" / "verified-ok" / "practice.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bank",
        "qbank-cache",
        "site",
        "user-cache",
    ]
