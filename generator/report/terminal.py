"""Text for a terminal: a ``FILE:LINE:COLUMN: status: message`` line per problem, a summary."""

from __future__ import annotations

import os
from typing import TextIO

from generator.errors import Diagnostic
from generator.result import Outcome
from generator.typing import Status

_COLOURS: dict[Status, str] = {"ok": "32", "missing-requirement": "33"}


def _use_colour(stream: TextIO) -> bool:
    return "NO_COLOR" not in os.environ and stream.isatty()


def _line(d: Diagnostic, colour: bool) -> str:
    if not colour:
        return str(d)
    code = _COLOURS.get(d.status, "31")
    head, _, rest = str(d).partition(f": {d.status}: ")
    return f"\033[1m{head}:\033[0m \033[{code}m{d.status}\033[0m: {rest}"


def summary_line(outcome: Outcome) -> str:
    """``10 questions: 8 ok, 2 invalid; 3 problems``."""
    summary = outcome.summary()
    parts = [f"{n} {status}" for status, n in summary["by_status"].items()]
    text = f"{summary['questions']} questions"
    text += f": {', '.join(parts)}" if parts else ""
    if summary["cached"]:
        text += f" ({summary['cached']} from cache)"
    problems = summary["problems"]
    return text + (f"; {problems} problem{'s' * (problems != 1)}" if problems else "; no problems")


def print_text(outcome: Outcome, stream: TextIO) -> None:
    """Every problem as ``FILE:LINE:COLUMN: status: message [pattern/question]``, then a summary."""
    colour = _use_colour(stream)
    for d in outcome.problems():
        print(_line(d, colour), file=stream)
    print(summary_line(outcome), file=stream)
