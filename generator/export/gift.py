"""GIFT, Moodle's text format, written the way Moodle's own GIFT export writes it.

Every text is marked ``[html]`` (question, each choice and feedback), so Moodle keeps
it exactly, code indentation included, instead of reformatting it as its "moodle"
auto-format would. The format's control characters in a text are escaped with a
backslash (``\\~ \\= \\# \\{ \\} \\:`` and ``\\\\``) and a line break is written ``\\n``:
each question is one block of lines with no blank line inside, as GIFT requires.
GIFT has no hints: the hint opens the general feedback.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from generator.export.content import Item, category_path

_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "~": "\\~",
        "=": "\\=",
        "#": "\\#",
        "{": "\\{",
        "}": "\\}",
        ":": "\\:",
        "\n": "\\n",
    }
)
#: What a ``// [tag:...]`` comment can hold.
_TAG = re.compile(r"[^\x00-\x1f\x7f\]]+")


def escape(text: str) -> str:
    """``text`` with GIFT's control characters escaped and line breaks as ``\\n``."""
    return text.translate(_ESCAPES)


def _html(text: str) -> str:
    return "[html]" + escape(text)


def _question(item: Item) -> list[str]:
    tags = "".join(f" [tag:{tag}]" for tag in item.tags if _TAG.fullmatch(tag))
    lines = [
        f"// [id:{item.ident}]{tags}",
        f"::{escape(item.name)}::{_html(item.text)}{{",
    ]
    for choice in item.choices:
        line = "\t" + ("=" if choice.correct else "~") + _html(choice.html)
        if choice.feedback:
            line += "#" + _html(choice.feedback)
        lines.append(line)
    feedback = "\n".join(part for part in (item.hint_note, item.feedback) if part)
    if feedback:
        lines.append("\t####" + _html(feedback))
    lines.append("}")
    return lines


def gift(items: Sequence[Item]) -> bytes:
    """The GIFT file holding ``items``, a ``$CATEGORY:`` line before each pattern."""
    blocks: list[list[str]] = []
    category: tuple[str, str] | None = None
    for item in items:
        if item.category != category:
            category = item.category
            # Moodle reads the category line as it is: no GIFT escapes there.
            blocks.append([f"$CATEGORY: {category_path(*category)}"])
        blocks.append(_question(item))
    return "\n\n".join("\n".join(block) for block in blocks).encode() + b"\n"
