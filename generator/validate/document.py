"""One loaded YAML file: its values, and where each node, key and block text was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import Location
from generator.model import Fields

#: A path into a document: mapping keys and sequence indexes, as jsonschema reports them.
NodePath = tuple[str | int, ...]


def question_name(item: object, index: int) -> str:
    """A question's id, or ``question N`` when it has none that can be read."""
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return str(item["id"])
    return f"question {index + 1}"


@dataclass
class Document:
    """One YAML file's values and where each of them was written."""

    path: Path
    display: str
    """The path as messages print it."""
    data: Any
    values: dict[NodePath, Location] = field(default_factory=dict)
    """Where each value node starts."""
    keys: dict[NodePath, Location] = field(default_factory=dict)
    """Where the key of each mapping entry starts (path of the entry's value)."""
    block_scalars: set[NodePath] = field(default_factory=set)
    """Values written as ``|`` or ``>`` blocks: their text starts on the next line."""
    folded: set[NodePath] = field(default_factory=set)
    """Blocks written with ``>``: their line breaks are folded into spaces."""
    quoted: set[NodePath] = field(default_factory=set)
    """Single-line values written in quotes: their text starts one column later."""
    lines: list[str] = field(default_factory=list)
    """The file's lines, for columns inside block texts."""
    _children: dict[NodePath, list[str]] | None = field(default=None, repr=False)

    def fields(self, path: NodePath) -> Fields:
        """Where the keys and values of the mapping at ``path`` were written."""
        keys, values = [], []
        for name in self._names(path):
            key = self.keys[(*path, name)]
            keys.append((name, key.line, key.column))
            value = self.values.get((*path, name))
            if value is not None:
                values.append((name, value.line, value.column))
        return Fields(self.at(path), tuple(keys), tuple(values))

    def _names(self, path: NodePath) -> list[str]:
        """The keys of the mapping at ``path``, in file order (an index built once)."""
        if self._children is None:
            self._children = {}
            for entry in self.keys:
                if entry and isinstance(entry[-1], str):
                    self._children.setdefault(entry[:-1], []).append(entry[-1])
        return self._children.get(path, [])

    def at(self, path: NodePath, *, key: bool = False) -> Location:
        """Where the node at ``path`` (its key with ``key=True``) or its nearest parent starts."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if key and probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Location(self.display, 1, 1))

    @property
    def pattern_id(self) -> str:
        """The pattern's id as the file gives it, else the file's name (the rule: they agree)."""
        data = self.data if isinstance(self.data, dict) else {}
        return data["id"] if isinstance(data.get("id"), str) else self.path.stem

    def subject(self, path: NodePath) -> tuple[str, str | None]:
        """(pattern id, question id) a node path belongs to, as far as the file names them."""
        data = self.data if isinstance(self.data, dict) else {}
        pattern = self.pattern_id
        question = None
        if len(path) >= 2 and path[0] == "questions" and isinstance(path[1], int):
            questions = data.get("questions")
            if isinstance(questions, list) and path[1] < len(questions):
                question = question_name(questions[path[1]], path[1])
        return pattern, question

    def text_line(self, path: NodePath, offset: int, column: int = 0) -> Location:
        """Where line ``offset`` (0-based) of the string at ``path`` was written, and
        character ``column`` of that line where it can be told (blocks, one-line values)."""
        start = self.at(path)
        if path in self.block_scalars:
            # The block's text begins on the line after the `|` indicator.
            line = start.line + 1 + offset
            text = self.lines[line - 1] if line <= len(self.lines) else ""
            indent = len(text) - len(text.lstrip(" "))
            return Location(start.file, line, indent + column + 1)
        if offset == 0:
            shift = column + (1 if path in self.quoted else 0)
            return Location(start.file, start.line, start.column + shift)
        return Location(start.file, start.line + offset, start.column)
