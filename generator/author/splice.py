"""Replace one scalar of a YAML file in place: every other byte stays as it was.

The file is parsed again with PyYAML's event parser to find where the scalar at a
node path starts and ends. The new text can be written several ways: the author's
style first, then styles that hold any text (a block with an indentation
indicator, a double-quoted scalar with escapes). :func:`versions` offers them all,
in that order; the caller keeps the first one its own loader reads back as the text.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from typing import Any

import yaml

from generator.validate.document import NodePath

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_(][^#:\n]*$")
#: A block scalar's header: indicator, then indentation and chomping indicators.
_HEADER = re.compile(r"[|>][0-9+-]*")


@dataclass(frozen=True)
class Span:
    """Where a scalar's source text is: character offsets, its style and its parent's column."""

    start: int
    end: int
    style: str | None
    """None (plain), ``'``, ``"``, ``|`` or ``>``."""
    indent: int = 0
    """Column (0-based) of its key, or of the dash of the sequence entry it is: what a
    block's indentation indicator counts from."""


def spans(text: str) -> dict[NodePath, Span]:
    """Every scalar value of ``text`` by node path."""
    found: dict[NodePath, Span] = {}
    events = iter(yaml.parse(text, Loader=yaml.SafeLoader))

    def node(event: Any, path: NodePath, indent: int) -> None:
        if isinstance(event, yaml.ScalarEvent):
            assert event.start_mark is not None and event.end_mark is not None
            span = Span(event.start_mark.index, event.end_mark.index, event.style, indent)
            found[path] = span
        elif isinstance(event, yaml.SequenceStartEvent):
            column = event.start_mark.column if event.start_mark is not None else 0
            i = 0
            while not isinstance(item := next(events), yaml.SequenceEndEvent):
                node(item, (*path, i), column)
                i += 1
        elif isinstance(event, yaml.MappingStartEvent):
            while not isinstance(key := next(events), yaml.MappingEndEvent):
                column = key.start_mark.column if key.start_mark is not None else 0
                node(next(events), (*path, str(getattr(key, "value", "?"))), column)

    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            node(next(events), (), 0)
    return found


def _reads_as(source: str, text: str) -> bool:
    try:
        return bool(yaml.safe_load(f"k: {source}\n") == {"k": text})
    except yaml.YAMLError:
        return False


def _double_quoted(text: str) -> str:
    """``text`` as a double-quoted scalar on one line, every character YAML could
    misread escaped (PyYAML's emitter knows them all)."""
    dumped = yaml.dump(
        text, Dumper=yaml.SafeDumper, default_style='"', allow_unicode=True, width=sys.maxsize
    )
    return dumped.rstrip("\n").removesuffix("\n...")


def _one_line(text: str, style: str | None) -> str:
    """``text`` as a flow scalar, in the author's style where it reads back."""
    if style is None and _PLAIN_SAFE.match(text) and _reads_as(text, text):
        return text
    if style == "'" and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _block(text: str, line: str, indent: int, comment: str, indicator: bool) -> str | None:
    """``text`` as a literal block (``|-``) under the key on ``line``; with ``indicator``,
    its indentation stated (``|2-``), so lines may start with spaces or tabs."""
    pad = len(line) - len(line.lstrip(" "))
    if line.lstrip(" ").startswith("- "):
        pad += 2
    pad += 2
    header = "|-"
    if indicator:
        if not 1 <= pad - indent <= 9:
            return None
        header = f"|{pad - indent}-"
    body = "\n".join(" " * pad + part if part else "" for part in text.split("\n"))
    return f"{header}{comment}\n{body}"


def versions(text: str, path: NodePath, new: str) -> list[str]:
    """``text`` with the scalar at ``path`` written as ``new``, each way that might read
    back as ``new``: the author's style first, then styles that hold any text.

    Raises ``KeyError`` when there is no scalar at ``path`` and ``yaml.YAMLError`` when
    PyYAML cannot parse ``text``.
    """
    span = spans(text)[path]
    line_start = text.rfind("\n", 0, span.start) + 1
    line_end = text.find("\n", span.start)
    line = text[line_start : line_end if line_end >= 0 else None]
    region = text[span.start : span.end]
    before, after = text[: span.start], text[span.end :]
    was_block = span.style in ("|", ">")
    if was_block:
        header = region.split("\n", 1)[0]
        indicator = _HEADER.match(header)
        comment = header[indicator.end() if indicator else 0 :]
        tail = region[len(region.rstrip("\n")) :] or "\n"  # the blank lines after it stay
    else:
        # A comment after the old value goes on the new block's header line.
        rest = after.split("\n", 1)[0]
        comment = rest if rest.lstrip(" ").startswith("#") else ""
    lines = [part for part in new.split("\n") if part]
    indented = bool(lines) and lines[0][0] in " \t"
    sources: list[str | None] = []
    if "\n" in new:
        sources += [
            None if indented else _block(new, line, span.indent, comment, indicator=False),
            _block(new, line, span.indent, comment, indicator=True),
        ]
    else:
        sources.append(_one_line(new, None if was_block else span.style))
    sources += [json.dumps(new, ensure_ascii=False), _double_quoted(new)]
    found: list[str] = []
    for source in sources:
        if source is None:
            continue
        if was_block and source.startswith("|"):
            written = before + source + tail + after
        elif was_block:
            written = before + source + comment + tail + after
        elif source.startswith("|"):
            written = before + source + after[len(comment) :]
        else:
            written = before + source + after
        if written not in found:
            found.append(written)
    return found
