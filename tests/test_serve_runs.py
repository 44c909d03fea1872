"""`qbank serve` runs only the snippets a save changed (issue 18): counted at the sandbox.

The session is driven in-process so every real run can be counted where it happens
(`Sandbox.run` wrapped, still run for real); the served site is the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.author.session import Session
from generator.options import Options
from generator.sandbox import Sandbox

_QUESTION = """  - id: {qid}
    mode: practice
    type: predict-output
    difficulty: easy
    title: {title}
    prompt: What does it print?
    code: |
      print({value})
    choices:
      - text: "{value}"
        correct: true
      - "-1"
"""


def _snippets(runs: list[str]) -> list[str]:
    """The runs of the bank's snippets (not the sandbox's own check or probe)."""
    return [s for s in runs if s.startswith("print(") and s.endswith(")\n")]


def _write(bank: Path, values: dict[str, int], titles: dict[str, str] | None = None) -> Path:
    file = bank / "t" / "p.yaml"
    body = "".join(
        _QUESTION.format(qid=qid, value=v, title=(titles or {}).get(qid, qid))
        for qid, v in values.items()
    )
    file.write_text(f"id: p\ntitle: P\ntopic: T\nminutes: 5\nquestions:\n{body}")
    return file


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The source of every snippet run from now on."""
    seen: list[str] = []
    real = Sandbox.run

    def counted(self: Sandbox, source: str, *args: object, **kwargs: object) -> object:
        seen.append(source)
        return real(self, source, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Sandbox, "run", counted)
    yield seen


def test_a_save_runs_only_the_snippets_it_changed(tmp_path: Path, runs: list[str]) -> None:
    bank = tmp_path / "bank"
    (bank / "t").mkdir(parents=True)
    values = {"a": 1, "b": 2, "c": 3}
    file = _write(bank, values)
    session = Session(Options(bank=bank), None, [bank])
    try:
        session.rebuild()
        first = _snippets(runs)
        assert len(first) == 3 * 2  # every question, twice
        assert session.state["phase"] == "ready", session.state

        runs.clear()
        _write(bank, {**values, "b": 20})  # one snippet changed
        session.rebuild([file])
        assert _snippets(runs) == ["print(20)\n"] * 2
        assert session.state["phase"] == "ready", session.state
        page = (session.site / "t" / "p" / "practice.html").read_text()
        assert "20" in page

        runs.clear()
        _write(bank, {**values, "b": 20}, {"a": "A new title"})  # no snippet changed
        session.rebuild([file])
        assert _snippets(runs) == []
        assert "A new title" in (session.site / "t" / "p" / "practice.html").read_text()
    finally:
        session.close()


def test_without_the_results_cache_a_save_still_runs_only_what_changed(
    tmp_path: Path, runs: list[str]
) -> None:
    """`serve --no-cache`: the verdicts of unchanged questions are kept in memory (before,
    every runnable question ran again on every save)."""
    bank = tmp_path / "bank"
    (bank / "t").mkdir(parents=True)
    values = {"a": 1, "b": 2, "c": 3}
    file = _write(bank, values)
    session = Session(Options(bank=bank, no_cache=True), None, [bank])
    try:
        session.rebuild()
        assert len(_snippets(runs)) == 3 * 2
        runs.clear()
        _write(bank, {**values, "c": 30})
        session.rebuild([file])
        assert _snippets(runs) == ["print(30)\n"] * 2
        assert session.state["phase"] == "ready", session.state
    finally:
        session.close()
