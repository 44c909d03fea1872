"""`qbank verify --accept` never loses an author's work: the file may change while the
snippets run, so each key is found again by its question's id when it is written, and
a question whose key, code or choices changed meanwhile is refused at its line, with
nothing written for it.

The change is made between verifying and writing by wrapping ``verify.apply`` (the
step after the runs), so the real ``--accept`` path runs around it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import verify
from generator.author import accept
from generator.errors import ToolError
from tests.helpers import Run, qbank, sample
from tests.places import WHERE, folder

#: A question the author adds at the top while `verify` runs: its correct choice sits
#: at the node path the target's key had (`questions[0].choices[1].text`).
INSERTED = """\
  - id: added-meanwhile
    mode: practice
    type: conceptual
    difficulty: easy
    title: Added while verify ran
    prompt: Which one?
    choices:
      - "this"
      - text: "The author's own words"
        correct: true
"""
TARGET_OLD = "      - text: The answer is 43     # wrong: six sevens are 42\n"
TARGET_NEW = "      - text: The answer is 42     # wrong: six sevens are 42\n"


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    file = tmp_path / "wrong-keys.yaml"
    shutil.copy(sample("accept/wrong-keys.yaml"), file)
    return file


def _accept_while_editing(
    monkeypatch: pytest.MonkeyPatch, file: Path, edit: Callable[[str], str], *ids: str
) -> Run:
    """``qbank verify FILE --accept IDS``, the file edited once the runs are judged."""
    judged = verify.apply

    def then_edit(*args: Any, **kwargs: Any) -> Any:
        outcome = judged(*args, **kwargs)
        file.write_text(edit(file.read_text()))
        return outcome

    monkeypatch.setattr(verify, "apply", then_edit)
    return qbank("verify", file, "--accept", *ids)


def _refusals(run: Run) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in run.problems() if "not accepted" in p.message]


@pytest.mark.parametrize("where", WHERE)
def test_a_question_inserted_above_does_not_take_the_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    def insert(text: str) -> str:
        return text.replace("questions:\n", "questions:\n" + INSERTED, 1)

    with folder(where, tmp_path) as here:
        bank = here / "wrong-keys.yaml"
        shutil.copy(sample("accept/wrong-keys.yaml"), bank)
        run = _accept_while_editing(monkeypatch, bank, insert, "plain-choice")
        text = bank.read_text()
    assert run.code == 0, run.out + run.err
    expected = insert(sample("accept/wrong-keys.yaml").read_text()).replace(TARGET_OLD, TARGET_NEW)
    assert text == expected  # the target took it, at its new place; nothing else
    assert '      - text: "The author\'s own words"\n' in text
    assert "accepted 1 keys in 1 files" in run.err


def test_a_key_the_author_changed_meanwhile_is_refused_and_kept(
    monkeypatch: pytest.MonkeyPatch, bank: Path
) -> None:
    def rewrite(text: str) -> str:
        return text.replace("The answer is 43", "The answer is 44")

    run = _accept_while_editing(monkeypatch, bank, rewrite, "plain-choice", "quoted-output")
    assert run.code == 1, run.out + run.err
    assert _refusals(run) == [
        (
            17,
            "not accepted: its key changed (now `The answer is 44`) since it was verified; "
            "run `qbank verify --accept` again [wrong-keys/plain-choice]",
        )
    ]
    authors = rewrite(sample("accept/wrong-keys.yaml").read_text())
    # The other question is still accepted; the author's edit is kept as typed.
    assert bank.read_text() == authors.replace("output: 'it is done'", "output: 'it''s done'")
    assert "accepted 1 keys in 1 files" in run.err


@pytest.mark.parametrize(
    ("edit", "line", "why"),
    [
        (
            lambda text: text.replace('print("The answer is", 6 * 7)', "print(6 * 7)"),
            17,
            "its code or `verify` changed since it was verified",
        ),
        (
            lambda text: text.replace('      - "The answer is 41"\n', '      - "41"\n'),
            17,
            "its choices changed since it was verified",
        ),
        (
            lambda text: text.replace("- id: plain-choice", "- id: renamed"),
            17,
            "the file changed since it was verified: it has 0 questions `plain-choice`",
        ),
        (
            lambda text: text.replace("    choices:\n", "    choices\n", 1),
            17,
            "the file changed since it was verified: it does not load",
        ),
    ],
    ids=["code", "choices", "renamed", "broken-yaml"],
)
def test_a_question_changed_meanwhile_is_refused_at_its_line(
    monkeypatch: pytest.MonkeyPatch, bank: Path, edit: Callable[[str], str], line: int, why: str
) -> None:
    run = _accept_while_editing(monkeypatch, bank, edit, "plain-choice")
    assert run.code == 1, run.out + run.err
    [(at, message)] = _refusals(run)
    assert at == line
    assert message.startswith(f"not accepted: {why}"), message
    assert message.endswith("[wrong-keys/plain-choice]")
    assert bank.read_text() == edit(sample("accept/wrong-keys.yaml").read_text())
    assert "accepted 0 keys in 0 files" in run.err


def test_a_file_that_changes_after_the_diff_is_not_written(bank: Path) -> None:
    """The last window, between reading the file and writing it: ``save`` writes only over
    the bytes ``apply`` read."""
    verified = qbank("verify", bank, "--report", bank.with_suffix(".json"))
    assert verified.code == 1
    question = _question(bank, "plain-choice")
    edits = accept.Edits([])
    edits.append(accept.Edit(question, question.key, "The answer is 42"))
    [change] = accept.apply(edits, {question.location.file: bank})
    assert TARGET_NEW in change.after
    bank.write_text(bank.read_text() + "# a comment the author just typed\n")
    mine = bank.read_bytes()
    with pytest.raises(ToolError, match="the file changed while its keys were being accepted"):
        accept.save(change)
    assert bank.read_bytes() == mine


def _question(file: Path, qid: str) -> Any:
    from generator.validate import load_bank

    loaded, problems = load_bank(file, remember=False)
    assert not problems
    return next(q for q in loaded.questions() if q.id == qid)


def test_bank_wide_defaults_are_not_a_change(tmp_path: Path) -> None:
    """The key is checked against the file as written: `runs` and `timeout` from
    bank.yaml are not taken for an edit made while verify ran."""
    bank = tmp_path / "bank"
    (bank / "samples").mkdir(parents=True)
    (bank / "bank.yaml").write_text("defaults:\n  runs: 1\n  timeout: 20\n")
    file = bank / "samples" / "wrong-keys.yaml"
    shutil.copy(sample("accept/wrong-keys.yaml"), file)
    run = qbank("verify", bank, "--accept", "plain-choice")
    assert run.code == 0, run.out + run.err
    assert TARGET_NEW in file.read_text()
