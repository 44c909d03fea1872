"""YAML files → plain values plus the position of every node.

PyYAML's C parser produces events; building the values here (instead of
``yaml.load``) keeps a line and column for every node, turns duplicate keys
into errors at the second key (plain PyYAML silently keeps the last one), and
refuses aliases at the alias itself, so an alias bomb never expands.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from generator.errors import Diagnostic, Location
from generator.escape import short
from generator.validate import scalar
from generator.validate.document import Document, NodePath

try:  # the C parser is about 4x faster on large files
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Largest pattern file read, checked before reading: the reference page is 12 KB.
MAX_FILE_BYTES = 2 * 1024 * 1024
#: Most questions in one pattern file; a bigger lesson is split into several patterns.
MAX_QUESTIONS = 1000
#: Most YAML values (scalars, lists, mappings) in one file, so that a file of a million
#: tiny values cannot make the loader keep a million positions.
MAX_NODES = 100_000


class _Stop(Exception):
    """Parsing cannot go on in this file; the diagnostic is already recorded."""


def _loc(display: str, mark: Any) -> Location:
    return Location(display, mark.line + 1, mark.column + 1)


class _Builder:
    """Folds a stream of parser events into values, recording positions and problems."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Diagnostic] = []
        self.paths: list[NodePath | None] = []
        self.nodes = 0

    def problem(self, location: Location, message: str, path: NodePath | None = None) -> None:
        self.problems.append(Diagnostic(location, "invalid", message))
        self.paths.append(path)

    def named(self) -> list[Diagnostic]:
        """The problems, each naming its pattern and question where the file says them."""
        named = []
        for problem, path in zip(self.problems, self.paths, strict=True):
            if path is not None:
                pattern, question = self.doc.subject(path)
                problem = Diagnostic(
                    problem.location, problem.status, problem.message, pattern, question
                )
            named.append(problem)
        return named

    def build(self, events: Any) -> None:
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self.problem(
                        _loc(self.doc.display, event.start_mark),
                        "more than one YAML document (`---`) in one file; "
                        "write one pattern per file",
                    )
                    raise _Stop
                self.doc.data = self.node(events, next(events), ())
            elif isinstance(event, yaml.StreamEndEvent):
                return

    def node(self, events: Any, event: Any, path: NodePath) -> Any:
        location = _loc(self.doc.display, event.start_mark)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            self.problem(
                location,
                f"more than {MAX_NODES:,} values in one file; split it into several patterns",
            )
            raise _Stop
        self.doc.values[path] = location
        if isinstance(event, yaml.AliasEvent):
            self.problem(
                location,
                f"YAML aliases (`*{event.anchor}`) are not allowed in bank files; "
                "write the value out in full",
            )
            raise _Stop
        if isinstance(event, yaml.ScalarEvent):
            if event.style in ("|", ">"):
                self.doc.block_scalars.add(path)
                if event.style == ">":
                    self.doc.folded.add(path)
            elif event.style in ("'", '"'):
                self.doc.quoted.add(path)
            try:
                return scalar.value(event.value, event.tag, event.implicit)
            except scalar.ScalarError as exc:
                self.problem(location, str(exc), path)
                return event.value
        if isinstance(event, yaml.SequenceStartEvent):
            self.check_tag(event, location, "tag:yaml.org,2002:seq", path)
            items: list[Any] = []
            while not isinstance(event := next(events), yaml.SequenceEndEvent):
                if path == ("questions",) and len(items) == MAX_QUESTIONS:
                    self.problem(
                        _loc(self.doc.display, event.start_mark),
                        f"more than {MAX_QUESTIONS:,} questions in one pattern file; "
                        "split it into several patterns",
                    )
                    raise _Stop
                items.append(self.node(events, event, (*path, len(items))))
            return items
        if isinstance(event, yaml.MappingStartEvent):
            self.check_tag(event, location, "tag:yaml.org,2002:map", path)
            return self.mapping(events, path)
        raise AssertionError(f"unexpected YAML event {event!r}")  # pragma: no cover

    def check_tag(self, event: Any, location: Location, plain: str, path: NodePath) -> None:
        if event.tag not in (None, "!", plain):
            self.problem(location, str(scalar.unsupported(event.tag)), path)

    def mapping(self, events: Any, path: NodePath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while not isinstance(event := next(events), yaml.MappingEndEvent):
            key_location = _loc(self.doc.display, event.start_mark)
            if isinstance(event, yaml.ScalarEvent):
                key = event.value
            else:
                self.problem(key_location, "mapping keys must be plain words")
                self.node(events, event, (*path, "?"))
                key = "?"
            value_path = (*path, key)
            if key in result:
                first = self.doc.keys[value_path]
                self.problem(
                    key_location,
                    f"duplicate key `{short(key)}` (first written at line {first.line}); "
                    "YAML would silently keep only the last one",
                    value_path,
                )
                self.node(events, next(events), (*path, f"{key} (duplicate)"))
                continue
            self.doc.keys[value_path] = key_location
            result[key] = self.node(events, next(events), value_path)
        return result


def _decode(raw: bytes, display: str) -> tuple[str | None, Diagnostic | None]:
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        message = f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        return None, Diagnostic(Location(display, line, column), "invalid", message)


def _yaml_problem(exc: yaml.YAMLError, text: str, display: str) -> Diagnostic:
    """One readable line for a YAML syntax error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    location = _loc(display, mark) if mark is not None else Location(display, 1, 1)
    if mark is not None:
        lines = text.splitlines()
        bad_line = lines[mark.line] if mark.line < len(lines) else ""
        if "\t" in bad_line[: len(bad_line) - len(bad_line.lstrip())]:
            return Diagnostic(
                Location(display, mark.line + 1, bad_line.index("\t") + 1),
                "invalid",
                "tab character used for indentation; YAML needs spaces",
            )
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and context_mark is not mark:
        context += f" started at line {context_mark.line + 1}"
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    return Diagnostic(location, "invalid", message)


def load_text(text: str, path: Path, display: str) -> tuple[Document | None, list[Diagnostic]]:
    """Parse YAML ``text``; the document is None when nothing usable could be read."""
    doc = Document(path=path, display=display, data=None, lines=text.splitlines())
    builder = _Builder(doc)
    try:
        builder.build(iter(yaml.parse(text, Loader=_Loader)))
    except _Stop:
        return None, builder.problems
    except yaml.YAMLError as exc:
        return None, [*builder.problems, _yaml_problem(exc, text, display)]
    except RecursionError:
        return None, [
            Diagnostic(Location(display, 1, 1), "invalid", "YAML nested too deeply to read")
        ]
    if doc.data is None and not doc.values.get(()):
        return None, [Diagnostic(Location(display, 1, 1), "invalid", "file is empty")]
    if not isinstance(doc.data, dict):
        found = "nothing" if doc.data is None else type(doc.data).__name__
        found = {"list": "a list", "str": "text", "int": "a number", "float": "a number"}.get(
            found, found
        )
        return None, [
            *builder.problems,
            Diagnostic(doc.at(()), "invalid", f"top level must be a mapping, found {found}"),
        ]
    return doc, builder.named()


def load_file(path: Path, display: str | None = None) -> tuple[Document | None, list[Diagnostic]]:
    """Read and parse one YAML file; every problem is a diagnostic, never an exception."""
    display = display if display is not None else str(path)
    start = Location(display, 1, 1)
    try:
        with path.open("rb") as f:
            # The size is checked before anything is read or parsed.
            size = os.fstat(f.fileno()).st_size
            raw = f.read(MAX_FILE_BYTES + 1) if size <= MAX_FILE_BYTES else b""
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return None, [Diagnostic(start, "invalid", f"cannot read file: {reason}")]
    if max(size, len(raw)) > MAX_FILE_BYTES:
        message = (
            f"file is {max(size, len(raw)):,} bytes; bank files are at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MiB (split it into several patterns)"
        )
        return None, [Diagnostic(start, "invalid", message)]
    if not raw.strip():
        return None, [Diagnostic(Location(display, 1, 1), "invalid", "file is empty")]
    text, problem = _decode(raw, display)
    if text is None:
        assert problem is not None
        return None, [problem]
    return load_text(text, path, display)
