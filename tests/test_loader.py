"""The loader turns any input into values with their positions, or located diagnostics.

The properties: a document written from generated values loads back as exactly those
values, with every key and value at the line and column it was written; any text or
bytes give either a document or at least one diagnostic, and every position the loader
reports (a diagnostic's, a key's, a value's) lies inside the text; a key written twice
anywhere in the reference page is reported at the second copy, naming the first.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import Diagnostic, Location
from generator.validate import load_bank
from generator.validate.document import Document
from generator.validate.loader import load_file, load_text
from tests.helpers import ROOT

REFERENCE = (ROOT / "bank" / "computer-vision" / "pretrained-models.yaml").read_text()
#: What YAML counts as a line break (Python's splitlines also breaks at \v, \f, \x1c-\x1e).
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")

# ------------------------------------------------------------------ generated documents

#: Text YAML can hold in a double-quoted scalar written by json.dumps: no C0/C1 controls
#: (JSON escapes those below 0x20 but not DEL or 0x85), no surrogates, no line or
#: paragraph separators (line breaks to YAML), no unassigned code points (U+FFFE/U+FFFF).
_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp", "Cn")), max_size=12
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=25,
)


def _scalar(value: object) -> str:
    """A scalar as YAML 1.1 (qbank's loader) reads back as the same value and type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        mantissa, e, exponent = repr(value).partition("e")
        # YAML 1.1 reads `1e+16` as text: a float's mantissa needs its dot.
        return (mantissa if "." in mantissa else mantissa + ".0") + e + exponent
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class _Writer:
    """Writes values as block YAML, noting the line and column where each key and value
    starts, as the loader's Document records them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.keys: dict[tuple[str | int, ...], Location] = {}
        self.values: dict[tuple[str | int, ...], Location] = {}

    def _at(self, line: int, column: int) -> Location:
        return Location("x.yaml", line, column)

    def _inline(self, value: object) -> str | None:
        """The value's text when it fits on the line it starts (scalars, empty containers)."""
        if isinstance(value, dict):
            return None if value else "{}"
        if isinstance(value, list):
            return None if value else "[]"
        return _scalar(value)

    def block(
        self, value: dict[str, Any] | list[Any], indent: int, path: tuple[str | int, ...]
    ) -> None:
        """A non-empty mapping or sequence from the next line on; it starts at its first
        key or dash."""
        self.values[path] = self._at(len(self.lines) + 1, indent + 1)
        entries = value.items() if isinstance(value, dict) else enumerate(value)
        for name, item in entries:
            lead = f"{json.dumps(name, ensure_ascii=False)}:" if isinstance(name, str) else "-"
            line = len(self.lines) + 1
            if isinstance(name, str):
                self.keys[(*path, name)] = self._at(line, indent + 1)
            inline = self._inline(item)
            if inline is None:
                self.lines.append(" " * indent + lead)
                self.block(item, indent + 2, (*path, name))
            else:
                self.lines.append(f"{' ' * indent}{lead} {inline}")
                self.values[(*path, name)] = self._at(line, indent + len(lead) + 2)

    def document(self, top: dict[str, Any]) -> str:
        if top:
            self.block(top, 0, ())
        else:
            self.lines.append("{}")
            self.values[()] = self._at(1, 1)
        return "\n".join(self.lines) + "\n"


def _typed(value: object) -> object:
    """The value with each scalar's type beside it (``True == 1`` in Python, not in YAML)."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return (type(value).__name__, value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_TEXT, _VALUES, max_size=6))
def test_written_values_load_back_with_their_positions(top: dict[str, Any]) -> None:
    writer = _Writer()
    text = writer.document(top)
    doc, problems = load_text(text, Path("x.yaml"), "x.yaml")
    assert problems == [], text
    assert doc is not None
    assert _typed(doc.data) == _typed(top), text
    assert doc.keys == writer.keys, text
    assert doc.values == writer.values, text


# ------------------------------------------------------------- any input, located output


def _inside(location: Location, lines: list[str]) -> bool:
    """Whether a position is a character of a text split into ``lines`` (by
    :data:`_BREAK`), or just past the end of a line.

    libyaml puts the end of a text that does not end with a line break at the start of
    the line after it, and the loader passes that position on (``{`` is reported at
    2:1): that one position is taken as the end of the text too.
    """
    if (location.line, location.column) == (len(lines) + 1, 1) and lines[-1]:
        return True
    if not 1 <= location.line <= len(lines):
        return False
    return 1 <= location.column <= len(lines[location.line - 1]) + 1


def _located(text: str, doc: Document | None, problems: list[Diagnostic]) -> None:
    """What every load must give: a document or a problem, each position inside the text."""
    assert doc is not None or problems, "no document and no diagnostic"
    lines = _BREAK.split(text)
    for problem in problems:
        assert isinstance(problem, Diagnostic)
        assert problem.status == "invalid" and problem.message.strip()
        assert problem.location.file == "x.yaml"
        assert _inside(problem.location, lines), (problem, text)
    if doc is not None:
        for table in (doc.keys, doc.values):
            for path, location in table.items():
                assert _inside(location, lines), (path, location, text)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_random_text_gives_a_located_document_or_diagnostics(text: str) -> None:
    doc, problems = load_text(text, Path("x.yaml"), "x.yaml")
    _located(text, doc, problems)


_MANGLES = [
    "", "\t", ":", "- ", "*a", "&a ", "[", "]", "{", "\n", '"', "'", "|", "? ",
    "!!python/object ", "---\n", "\x00", "\ufeff",
]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(REFERENCE)), st.sampled_from(_MANGLES)),
        max_size=8,
    )
)
def test_mangled_reference_page_gives_a_located_document_or_diagnostics(
    edits: list[tuple[int, str]],
) -> None:
    text = REFERENCE
    for position, insert in edits:
        text = text[:position] + insert + text[position + 1 :]
    doc, problems = load_text(text, Path("x.yaml"), "x.yaml")
    _located(text, doc, problems)


def _load_reference() -> Document:
    doc, problems = load_text(REFERENCE, Path("x.yaml"), "x.yaml")
    assert doc is not None and problems == []
    return doc


_REFERENCE_DOC = _load_reference()
#: Every key of the reference page that starts its line (not after a list item's dash).
_LINE_KEYS = sorted(
    (path, at)
    for path, at in _REFERENCE_DOC.keys.items()
    if REFERENCE.splitlines()[at.line - 1][: at.column - 1].strip() == ""
)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_LINE_KEYS))
def test_a_key_written_twice_is_reported_at_the_second_copy(
    key: tuple[tuple[str | int, ...], Location],
) -> None:
    """A copy of any key's line (key only) written just above it: the original, now one
    line down, is the duplicate, and the message names the copy's line."""
    path, at = key
    name = path[-1]
    lines = REFERENCE.splitlines(keepends=True)
    original = lines[at.line - 1]
    key_only = original[: at.column - 1] + f"{name}:\n"
    text = "".join([*lines[: at.line - 1], key_only, *lines[at.line - 1 :]])
    doc, problems = load_text(text, Path("x.yaml"), "x.yaml")
    assert [(p.location.line, p.location.column, p.message) for p in problems] == [
        (
            at.line + 1,
            at.column,
            f"duplicate key `{name}` (first written at line {at.line}); "
            "YAML would silently keep only the last one",
        )
    ]
    # The value kept is the first one, and everything else is the reference page's.
    assert doc is not None
    assert doc.data == _without(_REFERENCE_DOC.data, path)


def _without(data: Any, path: tuple[str | int, ...]) -> Any:
    """``data`` with the value at ``path`` replaced by None (what `key:` alone holds)."""
    if not path:
        return None
    if isinstance(data, dict):
        return {k: _without(v, path[1:]) if k == path[0] else v for k, v in data.items()}
    return [_without(v, path[1:]) if i == path[0] else v for i, v in enumerate(data)]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_random_bytes_through_the_whole_validate_stage(tmp_path: Path, raw: bytes) -> None:
    """A file of random bytes is never a pattern: at least one diagnostic, at a place in
    the file (for bytes that are not UTF-8, the first byte that is not)."""
    topic = tmp_path / "bank" / "topic"
    topic.mkdir(parents=True, exist_ok=True)
    path = topic / "p.yaml"
    path.write_bytes(raw)
    bank, problems = load_bank(tmp_path / "bank", remember=False)
    assert bank.patterns == ()
    assert problems, raw
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        (problem,) = problems
        line, column = problem.location.line, problem.location.column
        offset = sum(len(part) + 1 for part in raw.split(b"\n")[: line - 1]) + column - 1
        assert offset == exc.start, (problem, raw)
        assert f"byte 0x{raw[offset]:02x}" in problem.message
        return
    for problem in problems:
        assert problem.location.file == str(path), problem
        assert _inside(problem.location, _BREAK.split(text)), (problem, raw)


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
