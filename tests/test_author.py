"""The author's loop: `qbank verify --accept` and `qbank new` write into the bank only
when asked, change nothing else, and leave files that validate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import qbank, sample

ACCEPTED = {
    "      - text: The answer is 43     # wrong: six sevens are 42\n": (
        "      - text: The answer is 42     # wrong: six sevens are 42\n"
    ),
    "      output: 'it is done'   # the key lives here, not in the choice\n": (
        "      output: 'it''s done'   # the key lives here, not in the choice\n"
    ),
    "      - text: |\n          0\n          1\n          2\n": (
        "      - text: |-\n          0\n          1\n          4\n"
    ),
    '      - text: "(1000, 1)"\n': '      - text: "(1, 1000)"\n',
    "      - text: \"KeyError: 'absent'\"\n": "      - text: \"KeyError: 'missing'\"\n",
}


@pytest.fixture
def wrong_keys(tmp_path: Path) -> Path:
    bank = tmp_path / "wrong-keys.yaml"
    shutil.copy(sample("accept/wrong-keys.yaml"), bank)
    return bank


def test_accept_writes_each_actual_output_into_its_key_and_nothing_else(wrong_keys: Path) -> None:
    before = wrong_keys.read_text()
    run = qbank("verify", wrong_keys, "--accept")
    assert run.code == 0, run.out + run.err
    expected = before
    for old, new in ACCEPTED.items():
        assert old in expected
        expected = expected.replace(old, new)
    assert wrong_keys.read_text() == expected  # comments, quoting, blank lines: byte for byte
    assert "accepted 5 keys in 1 files" in run.err
    assert "+      - text: The answer is 42" in run.out  # the change, as a diff
    again = qbank("verify", wrong_keys)
    assert again.code == 0, again.out
    assert "5 questions: 5 ok" in again.out


def test_accept_named_questions_only(wrong_keys: Path) -> None:
    before = wrong_keys.read_text()
    run = qbank("verify", wrong_keys, "--accept", "plain-choice")
    assert "accepted 1 keys in 1 files" in run.err
    changed = [
        (a, b)
        for a, b in zip(before.splitlines(), wrong_keys.read_text().splitlines(), strict=True)
        if a != b
    ]
    assert changed == [
        (
            "      - text: The answer is 43     # wrong: six sevens are 42",
            "      - text: The answer is 42     # wrong: six sevens are 42",
        )
    ]


def test_dry_run_prints_the_diff_and_writes_nothing(wrong_keys: Path) -> None:
    before = wrong_keys.read_bytes()
    run = qbank("verify", wrong_keys, "--accept", "--dry-run")
    assert run.code == 1  # the keys are still wrong
    assert "-      - text: The answer is 43" in run.out
    assert "would accept 5 keys" in run.err
    assert wrong_keys.read_bytes() == before


def test_accept_refuses_what_it_cannot_prove(tmp_path: Path) -> None:
    bank = tmp_path / "not-acceptable.yaml"
    shutil.copy(sample("accept/not-acceptable.yaml"), bank)
    before = bank.read_bytes()
    ids = ["output-is-a-wrong-choice", "changes-every-run", "crashes", "a-regex-key"]
    run = qbank("verify", bank, "--accept", *ids)
    assert run.code == 1
    refused = {p.message for p in run.problems() if p.message.startswith("not accepted")}
    assert refused == {
        "not accepted: the output is choice B; mark B correct instead"
        " [not-acceptable/output-is-a-wrong-choice]",
        "not accepted: its runs printed different outputs; make it deterministic first"
        " [not-acceptable/changes-every-run]",
        "not accepted: the program failed; fix it first [not-acceptable/crashes]",
        "not accepted: its key is a regex (`match: regex`); edit the pattern by hand"
        " [not-acceptable/a-regex-key]",
    }
    assert bank.read_bytes() == before


def test_verify_without_accept_never_writes(wrong_keys: Path) -> None:
    before = wrong_keys.read_bytes()
    assert qbank("verify", wrong_keys).code == 1
    assert wrong_keys.read_bytes() == before


def test_new_pattern_and_question_validate_as_written(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    made = qbank("new", "pattern", "deep-learning/loss-functions", "--bank", bank)
    assert made.code == 0, made.out + made.err
    file = bank / "deep-learning" / "loss-functions.yaml"
    assert f"wrote {file}" in made.err
    assert file.read_text().startswith("# yaml-language-server: $schema=")
    first = file.read_text()
    added = qbank("new", "question", "loss-functions", "--bank", bank, "--type", "predict-output")
    assert added.code == 0, added.out + added.err
    assert "added question `loss-functions-2`" in added.err
    assert file.read_text().startswith(first)  # appended; nothing before it moved
    verified = qbank("verify", bank)
    assert verified.code == 0, verified.out
    assert "2 questions: 2 ok" in verified.out


def test_new_never_overwrites(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    (bank / "t").mkdir(parents=True)
    (bank / "t" / "p.yaml").write_text("mine\n")
    run = qbank("new", "pattern", "t/p", "--bank", bank)
    assert run.code == 2
    assert "exists; not overwritten" in run.err
    assert (bank / "t" / "p.yaml").read_text() == "mine\n"
    assert qbank("new", "pattern", "Not A Slug/x", "--bank", bank).code == 2


def test_new_question_goes_at_the_end_of_the_list_even_when_keys_follow(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    (bank / "t").mkdir(parents=True)
    (bank / "t" / "p.yaml").write_text(
        "id: p\ntitle: P\ntopic: T\nquestions:\n"
        "  - id: q1\n    mode: practice\n    type: conceptual\n    difficulty: easy\n"
        "    title: Q\n    prompt: Why?\n    choices:\n      - text: a\n        correct: true\n"
        "      - b\n\n# the intro comes last in this file\nintro: Hello\n"
    )
    run = qbank("new", "question", "p", "--bank", bank, "--type", "conceptual")
    assert run.code == 0, run.out + run.err
    text = (bank / "t" / "p.yaml").read_text()
    assert text.index("- id: p-2") < text.index("# the intro comes last")
    assert text.endswith("\n# the intro comes last in this file\nintro: Hello\n")
