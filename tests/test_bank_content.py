"""The shipped bank is a study bank (issue 12): enough patterns, questions and executed
"predict the output" questions, and every pattern usable in all three site modes.

Reads the YAML directly, so it checks the content whatever the package looks like; that
the snippets really print their keys is checked by `qbank verify` (see test_verify.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

BANK = Path(__file__).resolve().parents[1] / "bank"
#: The three bands the site's Test mode draws from (as in generator.model.DIFFICULTY_BAND).
BANDS = {
    "easy": "easy",
    "medium": "medium",
    "intermediate": "medium",
    "hard": "hard",
    "advanced": "hard",
    "expert": "hard",
}
FILES = sorted(BANK.glob("*/*.yaml"))


def _pattern(path: Path) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    return data


def test_bank_is_big_enough_to_study() -> None:
    patterns = [_pattern(p) for p in FILES]
    questions = [q for p in patterns for q in p["questions"]]
    assert len(patterns) >= 12
    assert len(questions) >= 150
    assert sum(q["type"] == "predict-output" for q in questions) >= 60


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_pattern_has_a_badge_both_modes_and_all_bands(path: Path) -> None:
    pattern = _pattern(path)
    questions = pattern["questions"]
    assert pattern.get("badge")
    assert {q["mode"] for q in questions} == {"challenge", "practice"}
    assert {BANDS[q["difficulty"]] for q in questions} == {"easy", "medium", "hard"}
    assert all(q.get("solution") for q in questions if q["mode"] == "practice")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_wrong_choice_says_which_mistake_leads_to_it(path: Path) -> None:
    """Issue: every wrong choice is a mistake a learner really makes, named in its `why`."""
    unexplained = [
        f"{q['id']}: {choice if isinstance(choice, str) else choice.get('text')}"
        for q in _pattern(path)["questions"]
        for choice in q["choices"]
        if isinstance(choice, str)
        or (
            not choice.get("correct")
            and not (isinstance(choice.get("why"), str) and choice["why"].strip())
        )
    ]
    assert unexplained == [], f"wrong choices without a `why` in {path.name}"
