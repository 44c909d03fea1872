"""The shipped bank is a study bank (issue 12): enough patterns, questions and executed
"predict the output" questions, and every pattern usable in all three site modes.

Reads the bank with qbank's own loader (`load_bank`), which reports what a plain YAML
reader hides (a key written twice keeps only its last value in `yaml.safe_load`), and
checks the patterns as the site gets them; that the snippets really print their keys is
checked by `qbank verify` (see test_verify.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model import Bank, Pattern
from generator.validate import load_bank

BANK = Path(__file__).resolve().parents[1] / "bank"
FILES = sorted(BANK.glob("*/*.yaml"))


@pytest.fixture(scope="module")
def bank() -> Bank:
    """The reference bank, loaded once (never from or into a memo: this fixture outlives
    each test's private cache folder)."""
    loaded, problems = load_bank(BANK, remember=False)
    assert [str(p) for p in problems] == []
    return loaded


def _pattern(bank: Bank, path: Path) -> Pattern:
    (found,) = [p for p in bank.patterns if p.path.resolve() == path]
    return found


def test_bank_loads_with_no_problem_and_every_file_is_a_pattern(bank: Bank) -> None:
    """No duplicate key, schema or lint problem anywhere, and no file left out."""
    assert sorted(p.path.resolve() for p in bank.patterns) == FILES
    assert bank.unloaded == ()


def test_bank_is_big_enough_to_study(bank: Bank) -> None:
    questions = list(bank.questions())
    assert len(bank.patterns) >= 12
    assert len(questions) >= 150
    assert sum(q.type == "predict-output" for q in questions) >= 60


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_pattern_has_a_badge_both_modes_and_all_bands(bank: Bank, path: Path) -> None:
    pattern = _pattern(bank, path)
    questions = pattern.questions
    assert pattern.badge
    assert {q.mode for q in questions} == {"challenge", "practice"}
    assert {q.band for q in questions} == {"easy", "medium", "hard"}
    assert all(q.solution for q in questions if q.mode == "practice")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_wrong_choice_says_which_mistake_leads_to_it(bank: Bank, path: Path) -> None:
    """Issue: every wrong choice is a mistake a learner really makes, named in its `why`."""
    unexplained = [
        f"{q.id}: {choice.text}"
        for q in _pattern(bank, path).questions
        for choice in q.choices
        if not choice.correct and not (choice.why and choice.why.strip())
    ]
    assert unexplained == [], f"wrong choices without a `why` in {path.name}"
