"""Incremental builds: what a build reuses from the last one (checked files, pages)
never makes its site differ from a clean build's, whatever the edits."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.render.pages import site_identity
from generator.validate import load_bank
from tests.helpers import qbank, sample


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


KINDS = [
    *["prompt", "question title", "pattern title", "difficulty", "topic", "touch", "nothing"],
    *["add question", "add pattern", "move pattern", "delete pattern", "result"],
    *["template", "theme asset", "tamper spare", "broken theme"],
]


def _edit(rng: random.Random, bank: Path, theme: Path, step: int) -> str:
    """One random edit of the bank or the theme, or of the spare generation of the site
    kept in the cache; what it was, for the failure message."""
    patterns = sorted(bank.glob("*/*.yaml"))
    kind = rng.choice(KINDS)
    file = rng.choice(patterns)
    text = file.read_text()
    if kind == "prompt":
        file.write_text(text.replace("prompt: ", f"prompt: ({step}) ", 1))
    elif kind == "question title":  # the first indented title is a question's
        file.write_text(re.sub(r"(?m)^(\s+)title: ", rf"\1title: ({step}) ", text, count=1))
    elif kind == "pattern title":  # shows on the lists, as the next three do
        file.write_text(text.replace("\ntitle: ", f"\ntitle: ({step}) ", 1))
    elif kind == "difficulty":
        easy, hard = "difficulty: easy", "difficulty: hard"
        file.write_text(text.replace(easy, hard, 1) if easy in text else text.replace(hard, easy))
    elif kind == "topic":
        file.write_text(re.sub(r"(?m)^topic: (.*)$", rf"topic: \1 {step}", text, count=1))
    elif kind == "add question":
        assert qbank("new", "question", file.stem, "--bank", bank, "--type", "conceptual").code == 0
    elif kind == "add pattern":
        folder = rng.choice([*{p.parent.name for p in patterns}, "extra"])
        assert qbank("new", "pattern", f"{folder}/extra-{step}", "--bank", bank).code == 0
    elif kind == "move pattern":  # to another topic's folder, or a new one
        folder = rng.choice(
            [p.parent.name for p in patterns if p.parent != file.parent] or ["moved"]
        )
        (bank / folder).mkdir(exist_ok=True)
        file.rename(bank / folder / file.name)
    elif kind == "delete pattern" and len(patterns) > 1:
        file.unlink()
    elif kind == "template":
        page = theme / "templates" / "practice.html"
        edited = page.read_text().replace("<section", f"<!-- edit {step} --><section", 1)
        assert edited != page.read_text(), "the template edit must change the template"
        page.write_text(edited)
    elif kind == "theme asset":
        (theme / "static").mkdir(exist_ok=True)
        (theme / "static" / "extra.css").write_text(f"/* edit {step} */\n")
    elif kind == "result":
        # A plain question that starts to require NumPy: its verification note changes.
        file = bank / "machine-learning" / "data-splits.yaml"
        if file.exists() and "requires: [numpy]" not in file.read_text():
            text = file.read_text().replace(
                "      print(len(train), len(test))\n",
                "      print(len(train), len(test))\n    verify:\n      requires: [numpy]\n",
                1,
            )
            file.write_text(text)
    elif kind == "tamper spare":
        spare = [p for p in _spares().rglob("*") if p.is_file()]
        if spare:
            target = rng.choice(spare)
            target.write_bytes(target.read_bytes() + b"<!-- planted -->")
            (target.parent / "planted.html").write_text("planted")
    elif kind == "touch":  # touched, not changed: the memo must see the same text
        file.touch()
    return kind


def _spares() -> Path:
    """The folder holding the spare generations of sites, in this test's cache."""
    return Path(os.environ["QBANK_CACHE_DIR"]) / "pages"


def _break_theme(theme: Path, bank: Path, site: Path, themed_by: list[str]) -> None:
    """A build whose theme fails midway leaves the site as it was, and the next build
    starts from what the failed one left in the spare."""
    page = theme / "templates" / "practice.html"
    good = page.read_text()
    before = _tree(site)
    page.write_text(good.replace("<section", "{{ nothing_here.at_all() }}<section", 1))
    failed = qbank("build", bank, "--out", site, *themed_by)
    page.write_text(good)
    if themed_by:
        assert failed.code == 2 and "is unchanged" in failed.err, failed.err
    assert _tree(site) == before or not themed_by


@pytest.mark.parametrize(("seed", "themed"), [(1, True), (2, True), (3, False), (4, False)])
def test_incremental_builds_equal_clean_builds(tmp_path: Path, seed: int, themed: bool) -> None:
    """With a theme of the author's, and with the package's templates (where the lists
    are rebuilt only when what their cards show changes)."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    package = Path(__file__).parent.parent / "generator" / "render" / "templates"
    shutil.copy(package / "practice.html", theme / "templates" / "practice.html")
    themed_by = ["--theme", str(theme)] if themed else []
    site = tmp_path / "site"
    first = qbank("build", bank, "--out", site, *themed_by)
    assert first.code == 0, first.out + first.err
    rng = random.Random(seed)
    for step in range(14):
        what = _edit(rng, bank, theme, step)
        if what == "broken theme":
            _break_theme(theme, bank, site, themed_by)
        incremental = qbank("build", bank, "--out", site, *themed_by)
        clean_site = tmp_path / f"clean-{step}"
        clean = qbank("build", bank, "--out", clean_site, *themed_by, "--no-cache")
        assert (incremental.code, clean.code) == (0, 0), (what, incremental.out, clean.out)
        assert _tree(site) == _tree(clean_site), f"after step {step}: {what}"
        shutil.rmtree(clean_site)


def test_unchanged_pages_are_linked_not_rendered(tmp_path: Path) -> None:
    """The second build of an unchanged bank reuses the very files of the first."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    site = tmp_path / "site"
    assert qbank("build", bank, "--out", site).code == 0
    page = site / "computer-vision" / "pretrained-models" / "practice.html"
    before = page.stat().st_ino
    assert qbank("build", bank, "--out", site).code == 0
    assert page.stat().st_ino == before  # the same file, linked into the new site
    text = (bank / "computer-vision" / "pretrained-models.yaml").read_text()
    (bank / "computer-vision" / "pretrained-models.yaml").write_text(
        text.replace("prompt: ", "prompt: Now ", 1)
    )
    index = site / "index.html"
    listed = index.stat().st_ino
    assert qbank("build", bank, "--out", site).code == 0
    assert page.stat().st_ino != before  # that pattern changed: rendered again
    assert index.stat().st_ino == listed  # a prompt is not on the lists: they are linked
    text = (bank / "computer-vision" / "pretrained-models.yaml").read_text()
    (bank / "computer-vision" / "pretrained-models.yaml").write_text(
        text.replace("\ntitle: ", "\ntitle: Now, ", 1)
    )
    assert qbank("build", bank, "--out", site).code == 0
    assert index.stat().st_ino != listed  # its title is: rendered again
    assert b"Now, Why pre-trained" in index.read_bytes()


def test_a_pattern_added_leaves_the_other_patterns_pages_as_they_are(tmp_path: Path) -> None:
    """The site's identity (a hash of its title and pattern ids, which learners' progress
    is kept under) changes with the set of patterns; only assets/site.js holds it, so the
    pages of a pattern that did not change are linked from the last build, bytes and all."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    site = tmp_path / "site"
    assert qbank("build", bank, "--out", site).code == 0
    page = site / "computer-vision" / "pretrained-models" / "practice.html"
    before, inode = page.read_bytes(), page.stat().st_ino
    old = site_identity(load_bank(bank)[0])
    assert qbank("new", "pattern", "extra/extra-pattern", "--bank", bank).code == 0
    assert qbank("build", bank, "--out", site).code == 0
    assert (site / "extra" / "extra-pattern" / "practice.html").is_file()
    assert page.read_bytes() == before
    assert page.stat().st_ino == inode  # linked, not rendered again
    new = site_identity(load_bank(bank)[0])
    held = (site / "assets" / "site.js").read_text()
    assert new != old and new in held and old not in held


def test_a_planted_page_is_never_reused(tmp_path: Path) -> None:
    """A page changed in the site folder (by git, by hand) is rendered again, not kept."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    site = tmp_path / "site"
    assert qbank("build", bank, "--out", site).code == 0
    page = site / "machine-learning" / "data-splits" / "practice.html"
    clean = page.read_bytes()
    page.unlink()
    page.write_bytes(b"<script>alert('planted')</script>")
    assert qbank("build", bank, "--out", site).code == 0
    assert page.read_bytes() == clean


def test_an_unchanged_bank_leaves_the_published_site_as_it_is(tmp_path: Path) -> None:
    """Nothing changed: the site is already what the build would write, so it is not
    written again (the very folder stays), and the command says the site is there."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    site = tmp_path / "site"
    assert qbank("build", bank, "--out", site).code == 0
    folder = site.stat().st_ino
    (bank / "machine-learning" / "data-splits.yaml").touch()  # touched, not changed
    again = qbank("build", bank, "--out", site)
    assert again.code == 0 and "site written to" in again.err
    assert site.stat().st_ino == folder


@pytest.mark.parametrize("damage", ["extra file", "empty folder", "file changed", "file gone"])
def test_a_site_changed_by_hand_is_built_again(tmp_path: Path, damage: str) -> None:
    """Whatever was added to, changed in or taken from the site folder, a build with
    nothing changed in the bank puts back exactly what a clean build writes."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    site = tmp_path / "site"
    assert qbank("build", bank, "--out", site).code == 0
    clean = _tree(site)
    page = site / "machine-learning" / "data-splits" / "practice.html"
    if damage == "extra file":
        (site / "assets" / "planted.js").write_text("alert('planted')")
    elif damage == "empty folder":
        (site / "machine-learning" / "planted").mkdir()
    elif damage == "file changed":
        page.write_text(page.read_text().replace("<main", "<main data-planted", 1))
    else:
        page.unlink()
    assert qbank("build", bank, "--out", site).code == 0
    assert _tree(site) == clean
    assert not (site / "machine-learning" / "planted").exists()


def _qbank_from(code: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the qbank whose package is ``code / "generator"`` (from outside the checkout,
    where ``-m`` would find this checkout's package first)."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(code)},
        cwd=code,
        check=False,
    )


def test_what_is_remembered_is_used_only_by_the_same_code(tmp_path: Path) -> None:
    """Another qbank at the same version (a checkout that follows main, an edited
    install) takes neither the checks, nor the runs, nor the pages this one remembered."""
    ours = Path(__file__).parent.parent
    theirs = tmp_path / "theirs"
    shutil.copytree(
        ours / "generator", theirs / "generator", ignore=shutil.ignore_patterns("__pycache__")
    )
    lint = theirs / "generator" / "validate" / "lint.py"
    lint.write_text(lint.read_text().replace("; mark exactly one", "; mark one (edited)", 1))
    capture = theirs / "generator" / "sandbox" / "capture.py"
    capture.write_text(capture.read_text() + "\n# edited\n")
    render = theirs / "generator" / "render" / "__init__.py"
    render.write_text(render.read_text().replace("object-src", "worker-src 'none'; object-src", 1))
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    (bank / "samples").mkdir()
    shutil.copy(sample("lint-errors.yaml"), bank / "samples" / "lint-errors.yaml")
    broken = bank / "samples" / "lint-errors.yaml"
    assert "; mark exactly one" in _qbank_from(ours, "validate", broken).stdout
    assert "; mark one (edited)" in _qbank_from(theirs, "validate", broken).stdout
    broken.unlink()
    snippet = sample("verified-ok.yaml")
    assert "from cache" not in _qbank_from(ours, "verify", snippet).stdout
    assert "(5 from cache)" in _qbank_from(ours, "verify", snippet).stdout
    assert "from cache" not in _qbank_from(theirs, "verify", snippet).stdout  # its jail differs
    site = tmp_path / "site"
    page = site / "machine-learning" / "data-splits" / "practice.html"
    assert _qbank_from(ours, "build", bank, "--out", site).returncode == 0
    assert "worker-src" not in page.read_text()
    assert _qbank_from(theirs, "build", bank, "--out", site).returncode == 0
    assert "worker-src" in page.read_text()


def test_two_builds_of_one_site_at_once_give_a_clean_build(tmp_path: Path) -> None:
    """Builds of one site folder take turns with its spare generation: both succeed, and
    the site is, file for file, what a clean build writes."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    site = tmp_path / "site"
    for n in range(3):  # a spare generation exists from the second build on
        file = bank / "machine-learning" / "data-splits.yaml"
        file.write_text(file.read_text().replace("prompt: ", f"prompt: ({n}) ", 1))
        argv = [sys.executable, "-m", "generator", "build", str(bank), "--out", str(site)]
        runs = [subprocess.Popen(argv, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        errors = [run.communicate()[1] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], errors
    clean = tmp_path / "clean"
    assert qbank("build", bank, "--out", clean, "--no-cache").code == 0
    assert _tree(site) == _tree(clean)


def test_a_rebuild_writes_only_what_changed(tmp_path: Path) -> None:
    """Rebuild after rebuild (the spare generation brought up to date and swapped in),
    only the files of what changed are new: the edited pattern's pages and the parts of
    the search index holding its words. Every other file is the very file written first."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    site = tmp_path / "site"
    assert qbank("build", bank, "--out", site).code == 0
    first = {name: os.stat(site / name).st_ino for name in _tree(site)}
    file = bank / "machine-learning" / "data-splits.yaml"
    for n in range(4):
        file.write_text(file.read_text().replace("prompt: ", f"prompt: Zebra{n} ", 1))
        before = {name: os.stat(site / name).st_ino for name in _tree(site)}
        assert qbank("build", bank, "--out", site).code == 0
        after = {name: os.stat(site / name).st_ino for name in _tree(site)}
        assert after.keys() == before.keys()
        new = {name for name in after if after[name] != before[name]}
        pattern = {name for name in new if name.startswith("machine-learning/data-splits/")}
        assert pattern and "assets/review/data-splits.js" in new, new
        search = new - pattern - {"assets/review/data-splits.js", ".qbank-site"}  # each its own
        assert search and all(name.startswith("assets/search/") for name in search), search
        untouched = [name for name in first if name.startswith("computer-vision/")]
        assert untouched and all(after[name] == first[name] for name in untouched)
        assert after["index.html"] == first["index.html"]
