"""From a question's runs to one verdict: the checkers, each a plain function.

A checker returns a :class:`Verdict` when it finds a failure, else None; the
first failure wins, in the order of :data:`CHECKERS`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from generator import regexes
from generator.errors import Location
from generator.escape import visible
from generator.model import LETTERS, Key, Question, Verify
from generator.regexes import MatchTimeout
from generator.sandbox import RunResult
from generator.typing import Checker, Status
from generator.verify.normalize import last_line, normalize
from generator.verify.snippet import Snippet

TRACEBACK_LINES = 6
DIFF_LINES = 40


@dataclass(frozen=True)
class Verdict:
    """A status with the message, position and outputs that explain it."""

    status: Status
    message: str
    location: Location
    actual: str | None = None
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Observed:
    """What the runs of one snippet produced."""

    snippet: Snippet
    runs: tuple[RunResult, ...]

    @property
    def question(self) -> Question:
        """The question whose code ran."""
        return self.snippet.question

    @property
    def verify(self) -> Verify:
        """How the question is checked."""
        return self.snippet.verify

    @property
    def code_location(self) -> Location:
        """Where the question's code starts in the bank file."""
        return self.snippet.code_location

    @property
    def key(self) -> Key:
        """The answer key the runs are judged against."""
        return self.snippet.key


def matches(expected: str, actual: str, mode: str) -> bool:
    """Whether normalised ``actual`` output satisfies ``expected`` under a ``match`` mode
    (with ``regex``, :class:`MatchTimeout` when the author's pattern does not finish)."""
    if mode == "last-line":
        return last_line(actual) == normalize(expected)
    if mode == "regex":
        return regexes.fullmatch(expected, normalize(actual))
    return normalize(actual) == normalize(expected)


def _matches_as_regex(expected: str, actual: str) -> bool:
    """For a hint only: whether ``expected`` would match as a regex (False if it cannot tell)."""
    try:
        return matches(expected, actual, "regex")
    except MatchTimeout:
        return False


def _tail(text: str, lines: int = TRACEBACK_LINES) -> str:
    """The last traceback of stderr (or its last lines), long ones cut in the middle."""
    kept = [line for line in normalize(text).split("\n") if line.strip()]
    starts = [i for i, line in enumerate(kept) if line.startswith("Traceback (most recent")]
    kept = kept[starts[-1] :] if starts else kept[-lines:]
    if len(kept) > 3 * lines:
        kept = [kept[0], "  ...", *kept[-2 * lines :]]
    return "\n".join(kept)


def run_limits(seen: Observed) -> Verdict | None:
    """A run was stopped: over time, memory or output."""
    for run in seen.runs:
        timeout = seen.verify.timeout
        if run.killed == "timeout":
            return Verdict(
                "timeout",
                f"a run exceeded the time limit of {timeout:g} s (raise `verify.timeout` if "
                "it is really this slow)",
                seen.code_location,
                actual=normalize(run.stdout),
            )
        if run.killed is not None:
            reason = {
                "memory": "the program ran out of its memory limit (`verify.memory_mb`)",
                "output": "the program printed more than the output limit",
            }.get(run.killed, f"the program was killed ({run.killed})")
            return Verdict("crashed", reason, seen.code_location, actual=normalize(run.stdout))
    return None


def exit_status(seen: Observed) -> Verdict | None:
    """The program failed when it should have succeeded, or the other way round."""
    verify = seen.verify
    for run in seen.runs:
        if verify.expect == "error" and run.returncode == 0:
            return Verdict(
                "crashed",
                f"expected the program to fail with `{seen.key.text}`, but it finished normally",
                seen.code_location,
                actual=normalize(run.stdout),
            )
        if verify.expect == "stdout" and run.returncode != 0:
            traceback, where = seen.snippet.map_traceback(_tail(run.stderr))
            detail = traceback or f"exit code {run.returncode}"
            return Verdict(
                "crashed",
                f"the program failed (exit code {run.returncode}):\n{detail}",
                where or seen.code_location,
                actual=normalize(run.stdout),
            )
    return None


def _result_text(seen: Observed, run: RunResult) -> str:
    """What is compared: stdout, or with ``expect: error`` the traceback's last line."""
    verify = seen.verify
    return last_line(run.stderr) if verify.expect == "error" else normalize(run.stdout)


def _compared(seen: Observed, run: RunResult) -> str:
    """The part of a run's result the match mode looks at (with ``last-line``, a progress
    bar's changing timings above the answer do not make a question unstable)."""
    text = _result_text(seen, run)
    verify = seen.verify
    if verify.expect == "stdout" and verify.match == "last-line":
        return last_line(text)
    return text


def same_result(snippet: Snippet, first: RunResult, other: RunResult) -> bool:
    """Whether two runs agree on what the question's match mode looks at."""
    seen = Observed(snippet, (first, other))
    return _compared(seen, first) == _compared(seen, other)


def sandbox_failure(seen: Observed) -> Verdict | None:
    """A run could not be carried out: the sandbox failed, or a preloaded module killed its
    server. The snippet is not to blame, but nothing was verified."""
    for run in seen.runs:
        if run.sandbox_error is not None:
            detail = _tail(run.stderr)
            return Verdict(
                "crashed",
                f"could not run: {run.sandbox_error}" + (f"\n{detail}" if detail else ""),
                seen.code_location,
            )
    return None


def stability(seen: Observed) -> Verdict | None:
    """Every run gave the same result."""
    distinct = tuple(dict.fromkeys(_compared(seen, run) for run in seen.runs))
    if len(distinct) < 2:
        return None
    shown = "\n".join(f"  run output {i + 1}: {_short(text)}" for i, text in enumerate(distinct))
    return Verdict(
        "unstable",
        f"{len(seen.runs)} runs printed {len(distinct)} different outputs; the answer must not "
        f"depend on chance (seed random generators, avoid timings and set order):\n{shown}",
        seen.code_location,
        actual=distinct[0],
        outputs=distinct,
    )


def _short(text: str, limit: int = 200) -> str:
    one = text.replace("\n", "\\n")
    return one if len(one) <= limit else one[:limit] + "..."


def _expected(seen: Observed) -> tuple[str, str]:
    """(expected text, match mode) for this question."""
    verify = seen.verify
    if verify.expect == "error":
        return seen.key.text, "regex" if verify.match == "regex" else "exact"
    return seen.key.text, verify.match


def answer(seen: Observed) -> Verdict | None:
    """The expected output (or error) matches what the program printed."""
    q = seen.question
    actual = _result_text(seen, seen.runs[0])
    expected, mode = _expected(seen)
    try:
        if matches(expected, actual, mode):
            return None
    except MatchTimeout as exc:
        # The regex is the author's text: point at it.
        return Verdict("invalid", str(exc), seen.key.location, actual=actual)
    where = seen.key.location  # the line `verify --accept` would edit
    if seen.verify.expect == "error":
        message = f"expected the error `{expected}`, but the program failed with `{actual}`"
        if mode == "exact" and _matches_as_regex(expected, actual):
            message += "\nas a regex it matches; did you mean `match: regex`?"
        return Verdict("wrong-answer", message, where, actual=actual)
    lines = [f"expected {_show(expected)}, but the program printed {_show(actual)}"]
    if "\n" in expected.strip() or "\n" in actual:
        diff = difflib.unified_diff(
            normalize(expected).split("\n"),
            actual.split("\n"),
            "expected",
            "actual",
            lineterm="",
            n=1,
        )
        shown = list(diff)
        if len(shown) > DIFF_LINES:
            shown = [*shown[:DIFF_LINES], f"... [{len(shown) - DIFF_LINES} more diff lines]"]
        lines.append("\n".join(shown))
    if mode == "exact" and matches(expected, actual, "last-line"):
        lines.append("the last line matches; did you mean `match: last-line`?")
    plain = "exact" if mode == "regex" else mode
    for i, choice in enumerate(q.choices):
        if not choice.correct and matches(choice.text, actual, plain):
            lines.append(f"the output is choice {LETTERS[i]}; is {LETTERS[i]} the right answer?")
    return Verdict("wrong-answer", "\n".join(lines), where, actual=actual)


def _show(text: str) -> str:
    text = normalize(text)
    return f"`{text}`" if "\n" not in text else "(several lines, see the diff)"


def ambiguity(seen: Observed) -> Verdict | None:
    """No wrong choice matches the output too."""
    q = seen.question
    actual = _result_text(seen, seen.runs[0])
    _, mode = _expected(seen)
    mode = "exact" if mode == "regex" else mode  # choices are text, not patterns
    for i, choice in enumerate(q.choices):
        if not choice.correct and matches(choice.text, actual, mode):
            return Verdict(
                "ambiguous",
                f"wrong choice {LETTERS[i]} (`{_short(choice.text)}`) also matches the "
                f"{'error' if seen.verify.expect == 'error' else 'output'} `{_short(actual)}`; "
                "learners could not tell them apart",
                choice.location,
                actual=actual,
            )
    return None


CHECKERS: tuple[Checker, ...] = (
    sandbox_failure,
    run_limits,
    exit_status,
    stability,
    answer,
    ambiguity,
)


def judge(snippet: Snippet, runs: Sequence[RunResult]) -> Verdict:
    """The verdict on a snippet's runs: the first failure found, else ``ok``."""
    seen = Observed(snippet, tuple(runs))
    for checker in CHECKERS:
        verdict = checker(seen)
        if verdict is not None:
            # What a snippet printed may hold control characters: never print them raw.
            return replace(verdict, message=visible(verdict.message))
    return Verdict("ok", "", seen.code_location, actual=_result_text(seen, seen.runs[0]))
