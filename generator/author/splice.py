"""Replace one scalar of a YAML file in place: every other byte stays as it was.

The file is parsed again with PyYAML's event parser to find where the scalar at a
node path starts and ends; the new text is written in a style YAML reads back as
exactly that text, close to the style the author used.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from generator.validate.document import NodePath

_PLAIN_SAFE = re.compile(r"^[A-Za-z0-9_(][^#:\n]*$")


@dataclass(frozen=True)
class Span:
    """Where a scalar's source text is: character offsets and its style."""

    start: int
    end: int
    style: str | None
    """None (plain), ``'``, ``"``, ``|`` or ``>``."""


def spans(text: str) -> dict[NodePath, Span]:
    """Every scalar value of ``text`` by node path."""
    found: dict[NodePath, Span] = {}
    events = iter(yaml.parse(text, Loader=yaml.SafeLoader))

    def node(event: Any, path: NodePath) -> None:
        if isinstance(event, yaml.ScalarEvent):
            assert event.start_mark is not None and event.end_mark is not None
            found[path] = Span(event.start_mark.index, event.end_mark.index, event.style)
        elif isinstance(event, yaml.SequenceStartEvent):
            i = 0
            while not isinstance(item := next(events), yaml.SequenceEndEvent):
                node(item, (*path, i))
                i += 1
        elif isinstance(event, yaml.MappingStartEvent):
            while not isinstance(key := next(events), yaml.MappingEndEvent):
                node(next(events), (*path, str(getattr(key, "value", "?"))))

    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            node(next(events), ())
    return found


def _reads_as(source: str, text: str) -> bool:
    try:
        return bool(yaml.safe_load(f"k: {source}\n") == {"k": text})
    except yaml.YAMLError:
        return False


def _one_line(text: str, style: str | None) -> str:
    """``text`` (no line break) as a flow scalar, in the author's style where it reads back."""
    if style is None and _PLAIN_SAFE.match(text) and _reads_as(text, text):
        return text
    if style == "'" and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _block(text: str, line: str) -> str:
    """``text`` as a literal block (``|-``) under the key on ``line``."""
    indent = len(line) - len(line.lstrip(" "))
    if line.lstrip(" ").startswith("- "):
        indent += 2
    pad = " " * (indent + 2)
    return "|-\n" + "\n".join(pad + part if part else "" for part in text.split("\n"))


def replace(text: str, path: NodePath, new: str) -> str:
    """``text`` with the scalar at ``path`` replaced by one that reads as ``new``."""
    span = spans(text)[path]
    line_start = text.rfind("\n", 0, span.start) + 1
    line = text[line_start : text.find("\n", span.start) if "\n" in text[span.start :] else None]
    if span.style in ("|", ">"):
        region = text[span.start : span.end]
        tail = region[len(region.rstrip("\n")) :]  # the blank lines after it stay
        source = (_block(new, line) if "\n" in new else _one_line(new, None)) + (tail or "")
        if "\n" not in new and not tail.startswith("\n"):
            source += "\n"
    elif "\n" in new:
        source = _block(new, line)
    else:
        source = _one_line(new, span.style)
    result = text[: span.start] + source + text[span.end :]
    check = yaml.safe_load(result)
    for key in path:
        check = check[key]
    if check != new:
        raise ValueError(f"the new value does not read back as written: {check!r}")
    return result
