"""Issue 18: a question's key is found in one place. Wherever it lives (the correct
choice's text, ``verify.output``, ``verify.error``, or the correct choice under
``expect: error``), the wrong-answer message points at the key's own value, and
``qbank verify --accept`` edits exactly that line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import qbank, sample

#: sample → (line, column) of the key's value, and the text written there.
KEYS = {
    "choice-text": (16, 15, '"41"'),
    "verify-output": (20, 15, '"41"'),
    "verify-error": (20, 14, '"ZeroDivisionError: integer division by zero"'),
    "error-from-choice": (18, 11, "\"KeyError: 'absent'\""),
}
#: sample → the key's line after `--accept`.
ACCEPTED = {
    "choice-text": '      - text: "42"   # the key',
    "verify-output": '      output: "42"     # the key',
    "verify-error": '      error: "ZeroDivisionError: division by zero"   # the key',
    "error-from-choice": "          \"KeyError: 'missing'\"",
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_wrong_answer_points_at_the_key_and_accept_edits_that_line(
    tmp_path: Path, name: str
) -> None:
    bank = tmp_path / f"{name}.yaml"
    shutil.copy(sample(f"key-kinds/{name}.yaml"), bank)
    before = bank.read_text().splitlines()
    line, column, written = KEYS[name]

    verified = qbank("verify", bank)
    assert verified.code == 1, verified.out
    [problem] = verified.problems()
    assert problem.status == "wrong-answer", problem
    assert (problem.file, problem.line, problem.column) == (str(bank), line, column)
    assert before[line - 1][column - 1 :].startswith(written)  # the key's value itself

    accepted = qbank("verify", bank, "--accept")
    assert accepted.code == 0, accepted.out + accepted.err
    after = bank.read_text().splitlines()
    changed = [i + 1 for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [problem.line]  # the very line the message named
    assert after[line - 1] == ACCEPTED[name]
    assert qbank("verify", bank).code == 0
