"""A page edited in place in the site folder, keeping its size, inode and mtime, is
never taken as up to date: the next build puts back what qbank wrote.

The reuse of the last build's files trusted (inode, mtime, size); ``os.utime`` restores
an mtime, so an edit in place could survive every later incremental build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import qbank, sample


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    root = tmp_path / "bank"
    shutil.copytree(sample("site-tamper"), root)
    return root


def _build(bank: Path, site: Path, *flags: str) -> None:
    run = qbank("build", bank, "--out", site, *flags)
    assert run.code == 0, run.out + run.err
    assert "Traceback" not in run.err


def _tamper(file: Path, old: bytes, new: bytes) -> None:
    """Rewrite bytes of ``file`` in place: same inode, same size, the mtime put back."""
    assert len(old) == len(new)
    before = file.stat()
    text = file.read_bytes()
    assert old in text
    with file.open("r+b") as handle:
        handle.write(text.replace(old, new, 1))
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = file.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
    assert file.read_bytes() != text


PAGE = Path("algebra") / "linear-equations" / "practice.html"


def test_an_unchanged_bank_puts_back_a_page_edited_in_place(bank: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _build(bank, site)
    clean = _tree(site)
    _tamper(site / PAGE, b"<main", b"<mai_")
    _build(bank, site)
    assert _tree(site) == clean


def test_a_rebuild_reuses_no_page_edited_in_place(bank: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _build(bank, site)
    _tamper(site / PAGE, b"<main", b"<mai_")
    _tamper(site / "assets" / "qbank.js", b"function", b"functio_")
    untouched = site / "index.html"  # the lists do not show prompts
    inode = untouched.stat().st_ino
    file = bank / "geometry" / "angles.yaml"
    file.write_text(file.read_text().replace("prompt: What", "prompt: Now, what", 1))
    _build(bank, site)  # the algebra pages and the assets are unchanged: taken if still ours
    clean = tmp_path / "clean"
    _build(bank, clean, "--no-cache")
    assert _tree(site) == _tree(clean)
    assert untouched.stat().st_ino == inode, "a page that is still ours is linked, not rewritten"


def test_a_page_edited_twice_in_place_is_put_back_each_time(bank: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    _build(bank, site)
    clean = _tree(site)
    for marker in (b"<mai_", b"<ma_n"):
        _tamper(site / PAGE, b"<main", marker)
        _build(bank, site)
        assert _tree(site) == clean
