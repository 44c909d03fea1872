"""The loader turns any input into values or diagnostics, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import Diagnostic
from generator.validate import load_bank
from generator.validate.loader import load_file, load_text
from tests.helpers import ROOT

REFERENCE = (ROOT / "bank" / "computer-vision" / "pretrained-models.yaml").read_text()


def _only_diagnostics(problems: list[Diagnostic]) -> None:
    for problem in problems:
        assert isinstance(problem, Diagnostic)
        assert problem.location.line >= 1 and problem.location.column >= 1
        assert "\n" not in str(problem).split(": ", 1)[0]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_gives_values_or_diagnostics(text: str) -> None:
    _, problems = load_text(text, Path("x.yaml"), "x.yaml")
    _only_diagnostics(problems)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(REFERENCE)),
            st.sampled_from(
                [
                    "",
                    "\t",
                    ":",
                    "- ",
                    "*a",
                    "&a ",
                    "[",
                    "]",
                    "{",
                    "\n",
                    '"',
                    "'",
                    "|",
                    "? ",
                    "!!python/object ",
                    "---\n",
                    "\x00",
                    "\ufeff",
                ]
            ),
        ),
        max_size=8,
    )
)
def test_mangled_reference_page_gives_values_or_diagnostics(edits: list[tuple[int, str]]) -> None:
    text = REFERENCE
    for position, insert in edits:
        text = text[:position] + insert + text[position + 1 :]
    _, problems = load_text(text, Path("x.yaml"), "x.yaml")
    _only_diagnostics(problems)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_random_bytes_through_the_whole_validate_stage(tmp_path: Path, raw: bytes) -> None:
    topic = tmp_path / "bank" / "topic"
    topic.mkdir(parents=True, exist_ok=True)
    (topic / "p.yaml").write_bytes(raw)
    _, problems = load_bank(tmp_path / "bank")
    _only_diagnostics(problems)


def test_values_keep_positions() -> None:
    doc, problems = load_file(ROOT / "bank" / "computer-vision" / "pretrained-models.yaml")
    assert doc is not None and problems == []
    assert doc.at(("id",)).line == REFERENCE.splitlines().index("id: pretrained-models") + 1


def test_yaml_11_booleans_and_numbers() -> None:
    text = "a: yes\nb: 0x10\nc: 1_000\nd: 1:30.5\ne: 2024-01-01\nf: ~\ng: 017\nh: <<\n"
    doc, problems = load_text(text, Path("x"), "x")
    assert doc is not None and problems == []
    assert doc.data == {
        "a": True,
        "b": 16,
        "c": 1000,
        "d": 90.5,
        "e": "2024-01-01",
        "f": None,
        "g": 15,
        "h": "<<",
    }


def test_explicit_tags_that_fit_their_value() -> None:
    text = "a: !!str 5\nb: !!int '12'\nc: !!float 1\nd: !!bool off\ne: !!null ''\n"
    doc, problems = load_text(text, Path("x"), "x")
    assert doc is not None and problems == []
    assert doc.data == {"a": "5", "b": 12, "c": 1.0, "d": False, "e": None}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: !!python/object:os.system echo\n", "unsupported YAML tag `!!python/object:os.system`"),
        ("a: !!python/object\n  b: 1\n", "unsupported YAML tag `!!python/object`"),
        ("a: !foo [1]\n", "unsupported YAML tag `!foo`"),
        ("a: !!bool maybe\n", "`maybe` is not true or false, as its tag `!!bool` says"),
        ("a: !!int 1.5\n", "`1.5` is not a whole number"),
        ("a: !!null x\n", "`x` is not empty"),
        ("a: .nan\n", "`.nan` is NaN (not a number)"),
        ("a: !!float .inf\n", "`.inf` is infinite"),
        ("a: 1.0e+400\n", "must be finite"),
        ("a: 0x_\n", "`0x_` looks like a number but has no digits"),
    ],
)
def test_values_json_cannot_hold_are_one_diagnostic_at_the_value(text: str, words: str) -> None:
    _, problems = load_text(text, Path("x"), "x")
    assert [(p.location.line, p.location.column) for p in problems] == [(1, 4)]
    assert words in problems[0].message
