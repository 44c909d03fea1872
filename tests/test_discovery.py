"""Which files a bank is made of: nothing skipped in silence, nothing read outside it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLES, Run, qbank

SECRET = "TOP-SECRET-OUTSIDE-THE-BANK"
_PATTERN = """id: {id}
title: T
topic: T
questions:
  - id: {id}-q
    mode: practice
    type: conceptual
    difficulty: easy
    title: Q
    prompt: Which?
    choices:
      - text: a
        correct: true
      - b
"""


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder outside the bank and outside /tmp (which the sandbox hides), so a test
    cannot pass because the path is hidden rather than because the link is refused."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=".qbank-outside-", dir=ROOT))
    except OSError:  # a read-only checkout
        folder = Path(tempfile.mkdtemp(prefix=".qbank-outside-", dir=Path.home()))
    try:
        (folder / "topic").mkdir()
        # Read as a pattern, this would be echoed: "`id` must be a slug; found `TOP-SECRET...`".
        (folder / "topic" / "leak.yaml").write_text(_PATTERN.format(id=SECRET))
        (folder / "leak.yaml").write_text(_PATTERN.format(id=SECRET))
        yield folder
    finally:
        shutil.rmtree(folder)


def _bank(tmp_path: Path) -> Path:
    bank = tmp_path / "bank"
    (bank / "topic").mkdir(parents=True)
    (bank / "topic" / "real.yaml").write_text(_PATTERN.format(id="real"))
    return bank


def _where(run: Run) -> list[tuple[str, str]]:
    return [(p.file.split("/bank/")[-1], p.message) for p in run.problems()]


def test_symlinked_topic_inside_the_bank_is_read(tmp_path: Path) -> None:
    bank = _bank(tmp_path)
    (bank / ".store" / "shared").mkdir(parents=True)
    (bank / ".store" / "shared" / "linked.yaml").write_text(_PATTERN.format(id="linked"))
    (bank / "shared").symlink_to(bank / ".store" / "shared")
    (bank / "topic" / "again.yaml").symlink_to(bank / ".store" / "shared" / "linked.yaml")
    run = qbank("validate", bank)
    assert run.out.splitlines()[-1].startswith("3 questions")
    assert "`linked-q` is already used" in run.out  # read twice, through both links


def test_links_out_of_the_bank_are_named_and_never_read(tmp_path: Path, outside: Path) -> None:
    bank = _bank(tmp_path)
    (bank / "elsewhere").symlink_to(outside / "topic")
    (bank / "topic" / "leak.yaml").symlink_to(outside / "leak.yaml")
    run = qbank("validate", bank, "--format", "json")
    assert SECRET not in run.out + run.err
    run = qbank("validate", bank)
    assert SECRET not in run.out + run.err
    assert run.code == 1
    assert _where(run) == [
        (
            "elsewhere",
            f"symbolic link to {outside / 'topic'}, outside the bank; not read "
            "(links must stay inside the bank)",
        ),
        (
            "topic/leak.yaml",
            f"symbolic link to {outside / 'leak.yaml'}, outside the bank; not read "
            "(links must stay inside the bank)",
        ),
    ]
    assert run.out.splitlines()[-1] == "1 questions: 1 ok; 2 problems"


def test_settings_linked_out_of_the_bank_are_not_read(tmp_path: Path, outside: Path) -> None:
    bank = _bank(tmp_path)
    (bank / "bank.yaml").symlink_to(outside / "leak.yaml")
    run = qbank("validate", bank)
    assert SECRET not in run.out
    assert [(p.file.split("/bank/")[-1], p.line) for p in run.problems()] == [("bank.yaml", 1)]


def test_yaml_files_that_are_not_read_are_named(tmp_path: Path) -> None:
    bank = _bank(tmp_path)
    for name in ("upper.YAML", "short.yml", "mixed.Yaml"):
        (bank / "topic" / name).write_text(_PATTERN.format(id=name.split(".")[0]))
    (bank / "topic" / "gone.yaml").symlink_to(bank / "topic" / "no-such-file.yaml")
    (bank / "topic" / "notes.md").write_text("not bank content")
    (bank / "topic" / ".hidden.yaml.swp").write_text("an editor's file")
    run = qbank("validate", bank)
    assert run.code == 1
    assert _where(run) == [
        ("topic/gone.yaml", "broken symbolic link (its target does not exist); not read"),
        ("topic/mixed.Yaml", "bank files end in `.yaml`, not `.Yaml`; rename it to be read"),
        ("topic/short.yml", "bank files end in `.yaml`, not `.yml`; rename it to be read"),
        ("topic/upper.YAML", "bank files end in `.yaml`, not `.YAML`; rename it to be read"),
    ]


def test_a_link_loop_is_read_once(tmp_path: Path) -> None:
    bank = _bank(tmp_path)
    (bank / "topic" / "loop").symlink_to(bank)
    run = qbank("validate", bank)
    # The loop leads back to the bank root, which is already being read.
    assert run.problems() == []
    assert run.out.splitlines()[-1] == "1 questions: 1 ok; no problems"


def test_theme_folder_linked_from_elsewhere_is_not_bank_content(
    tmp_path: Path, outside: Path
) -> None:
    bank = _bank(tmp_path)
    (bank / "theme").symlink_to(outside / "topic")
    (bank / "bank.yaml").write_text("theme: theme\n")
    run = qbank("validate", bank)
    assert run.code == 0, run.out
    assert SECRET not in run.out


def test_single_file_uses_the_bank_root_for_theme(tmp_path: Path) -> None:
    bank = _bank(tmp_path)
    (bank / "bank.yaml").write_text("theme: my-theme\n")
    (bank / "my-theme").mkdir()
    (bank / "my-theme" / "index.html").write_text("THEMED INDEX")
    out = tmp_path / "site"
    run = qbank("build", bank / "topic" / "real.yaml", "--out", out)
    assert run.code == 0, run.out + run.err
    assert (out / "index.html").read_text().startswith("THEMED INDEX")


def test_single_file_output_must_not_overlap_its_bank(tmp_path: Path) -> None:
    bank = _bank(tmp_path)
    run = qbank("build", bank / "topic" / "real.yaml", "--out", bank / "site")
    assert run.code == 2
    assert "would overlap the bank" in run.err
    assert not (bank / "site").exists()


@pytest.mark.parametrize("command", ["validate", "build"])
def test_a_bank_without_pattern_files_is_a_failure_not_zero_questions(
    tmp_path: Path, command: str
) -> None:
    sample = SAMPLES / "empty-bank"
    extra = ["--out", str(tmp_path / "site")] if command == "build" else []
    run = qbank(command, str(sample), *extra)
    assert run.code == 1
    [problem] = run.problems()
    assert (problem.file, problem.line, problem.column) == ("tests/samples/empty-bank", 1, 1)
    assert problem.status == "invalid"
    assert "no pattern files in this bank" in problem.message
    assert not (tmp_path / "site").exists()
