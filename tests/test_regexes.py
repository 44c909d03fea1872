"""Authors' regexes: the syntax of `re`, matched by `regex` with a time limit, bounded size."""

from __future__ import annotations

import re

import pytest

from generator import regexes

ORDINARY = [
    (r"\(1, \d+\)", "(1, 1000)"),
    (r"Accuracy: 0\.\d{2}", "Accuracy: 0.93"),
    (r"[0-9a-f]{64}", "ab" * 32),
    (r"(?P<x>a)(?P=x)", "aa"),
    (r"first.*last", "first\nmiddle\nlast"),
    (r"\d{1,3}(,\d{3})*", "1,234,567"),
    (r"(?<=a)b|ab", "ab"),
    (r"\w+Error: .*", "ValueError: bad"),
]


@pytest.mark.parametrize(("pattern", "text"), ORDINARY)
def test_ordinary_patterns_match_as_with_re(pattern: str, text: str) -> None:
    assert regexes.problem(pattern) is None
    for candidate in (text, text + "!", text[1:]):
        expected = re.fullmatch(pattern, candidate, re.DOTALL) is not None
        assert regexes.fullmatch(pattern, candidate) is expected, candidate


def test_backtracking_stops_at_the_time_limit() -> None:
    with pytest.raises(regexes.MatchTimeout, match=r"did not finish matching in 1 s"):
        regexes.fullmatch("(a|aa)+$", "a" * 41 + "!")


@pytest.mark.parametrize(
    "pattern",
    ["(?:a{10000}){10000}", "(?:(?:ab|cd){3000}){3000}", "(?:a{10000,}){10000,}", "(a{400}){400}"],
)
def test_patterns_too_large_to_compile_are_refused_before_compiling(pattern: str) -> None:
    """`regex` lays counted repeats out when it compiles: these would take gigabytes."""
    assert "counted repeats" in (regexes.problem(pattern) or "")
    assert regexes.fullmatch(pattern, "a") is False


def test_what_re_cannot_compile_is_not_a_valid_regex() -> None:
    assert (regexes.problem("(") or "").startswith("not a valid regex: missing )")
    assert regexes.fullmatch("(", "(") is False
