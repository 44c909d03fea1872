"""GitHub Actions workflow commands: one annotation per problem, at its file and line."""

from __future__ import annotations

from typing import TextIO

from generator.escape import escape, escape_lines
from generator.report.terminal import summary_line
from generator.result import Outcome, is_failure


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def print_github(outcome: Outcome, stream: TextIO) -> None:
    """GitHub Actions workflow commands: one annotation per problem."""
    for d in outcome.problems():
        level = "error" if is_failure(d.status, strict=outcome.strict) else "warning"
        loc = d.location
        props = f"file={_escape_property(escape(loc.file))},line={loc.line},col={loc.column}"
        title = escape(f"qbank {d.status}" + (f" [{d.subject}]" if d.subject else ""))
        message = _escape_data(escape_lines(d.message))
        print(f"::{level} {props},title={_escape_property(title)}::{message}", file=stream)
    print(summary_line(outcome), file=stream)
