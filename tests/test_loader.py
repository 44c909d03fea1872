"""The loader turns any input into values or diagnostics, never an exception."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.bank import load_bank
from generator.errors import Diagnostic
from generator.loader import load_file, load_text
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
    doc, _ = load_text("a: yes\nb: 0x10\nc: 1_000\nd: .inf\ne: 2024-01-01\nf: ~\n", Path("x"), "x")
    assert doc is not None
    assert doc.data == {
        "a": True,
        "b": 16,
        "c": 1000,
        "d": float("inf"),
        "e": "2024-01-01",
        "f": None,
    }


def test_unsupported_tag_is_a_diagnostic() -> None:
    _, problems = load_text("a: !!python/object:os.system echo\n", Path("x"), "x")
    assert problems and "unsupported YAML tag" in problems[0].message
