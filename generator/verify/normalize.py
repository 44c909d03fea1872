"""Program output as a terminal would show it, so comparisons ignore what nobody sees."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def _overwrite(line: str) -> str:
    """Resolve carriage returns and backspaces within one line, as a terminal draws them."""
    if "\r" not in line and "\b" not in line:
        return line
    cells: list[str] = []
    cursor = 0
    for char in line:
        if char == "\r":
            cursor = 0
        elif char == "\b":
            cursor = max(0, cursor - 1)
        else:
            if cursor < len(cells):
                cells[cursor] = char
            else:
                cells.append(char)
            cursor += 1
    return "".join(cells)


def normalize(text: str) -> str:
    """ANSI codes removed, ``\\r``/backspace overwrites resolved, trailing spaces and
    leading/trailing blank lines dropped."""
    text = _ANSI.sub("", text.replace("\r\n", "\n"))
    lines = [_overwrite(line).rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def last_line(text: str) -> str:
    """The last non-empty line of normalised text."""
    lines = [line for line in normalize(text).split("\n") if line.strip()]
    return lines[-1] if lines else ""
