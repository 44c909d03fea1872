"""One rule for showing untrusted text: bank values, file names and program output.

Printed raw, an ESC sequence in a bank value could clear the screen or recolour a
verdict, a newline could forge a second ``FILE:LINE:COLUMN: ok:`` line, and a
file name that is not UTF-8 (Python holds its bytes as lone surrogates) cannot be
written to a UTF-8 stream at all. Every terminal line, annotation and report
field shows such characters as backslash escapes instead.
"""

from __future__ import annotations

import re

#: Control characters (C0, DEL, C1), line and paragraph separators, bidirectional
#: overrides (they reorder what a reader sees) and lone surrogates.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` as one safe line: every control character, newline included, shown as
    ``\\n``, ``\\x1b``, ``\\u202e``...; undecodable file-name bytes as ``\\xNN``.
    Backslashes are left as they are, so paths and regexes stay readable."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(_shown, text)


def escape_lines(text: str) -> str:
    """Like :func:`escape`, but line breaks stay line breaks (tracebacks, diffs)."""
    return "\n".join(escape(line) for line in text.split("\n"))


def short(text: str, limit: int = 60) -> str:
    """An escaped prefix of ``text`` for echoing a value in a message, with ``…`` when cut."""
    if len(text) <= limit:
        return escape(text)
    return escape(text[:limit]) + f"… ({len(text):,} characters)"


def visible(text: str, limit: int = 4000) -> str:
    """Text safe to print and to put in XML (the escaping of :mod:`generator.escape`,
    line breaks kept), at most ``limit`` characters."""
    shown = escape_lines(text)
    if len(shown) > limit:
        shown = shown[:limit] + f"\n... [{len(shown) - limit} more characters]"
    return shown
