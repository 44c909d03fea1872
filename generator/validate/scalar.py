"""One YAML scalar → the JSON value it stands for, or why it cannot be one.

Bank files hold text, whole numbers, finite numbers, true/false and nothing:
what JSON (and so the JSON Schema) can hold. YAML can say more (``.nan``,
``.inf``, 5,000-digit numbers, ``!!python/object``); each of those is a
:class:`ScalarError` whose message says, in the author's terms, what to write.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from generator.escape import short

#: Longest number accepted, in characters as written: far beyond any setting
#: (2**63 has 19 digits), far below where Python refuses to convert (4,300 digits).
MAX_NUMBER_CHARS = 64

_CORE = "tag:yaml.org,2002:"
_RESOLVER = yaml.resolver.Resolver()
_BOOL = {"yes": True, "true": True, "on": True, "no": False, "false": False, "off": False}
#: Tags an author may write explicitly on a scalar, and the words for their values.
_EXPLICIT = {
    "str": "text",
    "null": "empty (`null` or `~`)",
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "timestamp": "a date",
}


class ScalarError(ValueError):
    """A scalar that has no value in a bank file; the message is for the author."""


def tag_name(tag: str) -> str:
    """A tag as authors write it: ``!!int`` rather than ``tag:yaml.org,2002:int``."""
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


def unsupported(tag: str) -> ScalarError:
    """The error for a tag qbank does not read."""
    return ScalarError(
        f"unsupported YAML tag `{short(tag_name(tag))}`; bank files hold plain text, "
        "numbers, true/false, lists and mappings"
    )


def _implicit(text: str) -> str:
    """The tag YAML 1.1 gives ``text`` written plain."""
    return str(_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)))  # type: ignore[no-untyped-call]


def value(text: str, tag: str | None, implicit: tuple[bool, bool]) -> Any:
    """The value of a scalar written as ``text`` with ``tag`` (None or ``!``: none written)."""
    if tag in (None, "!"):
        kind = str(_RESOLVER.resolve(yaml.ScalarNode, text, implicit))  # type: ignore[no-untyped-call]
        kind = kind[len(_CORE) :] if kind.startswith(_CORE) else "str"
        if kind not in _EXPLICIT:  # `<<` and `=` mean nothing special here: plain text
            kind = "str"
    else:
        kind = tag[len(_CORE) :] if tag.startswith(_CORE) else ""
        if kind not in _EXPLICIT:
            raise unsupported(tag)
        written = _implicit(text)[len(_CORE) :]
        # The value must be what the tag says: `!!bool maybe` is no bool.
        if kind != "str" and written != kind and not (kind == "float" and written == "int"):
            raise ScalarError(
                f"`{short(text)}` is not {_EXPLICIT[kind]}, as its tag `!!{kind}` says; "
                "fix the value or remove the tag"
            )
    if kind in ("str", "timestamp"):
        return text
    if kind == "null":
        return None
    if kind == "bool":
        return _BOOL[text.lower()]
    return _number(text, kind)


def _number(text: str, kind: str) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise ScalarError(
            f"number `{short(text, 20)}` is too long; numbers in bank files have at most "
            f"{MAX_NUMBER_CHARS} characters (put text in quotes)"
        )
    try:
        number: int | float = _int(text) if kind == "int" else _float(text)
    except ValueError:
        raise ScalarError(
            f"`{short(text)}` looks like a number but has no digits; write the digits, "
            "or put text in quotes"
        ) from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ScalarError(
            f"`{short(text)}` is {'NaN (not a number)' if math.isnan(number) else 'infinite'}; "
            "numbers in bank files must be finite (put text in quotes)"
        )
    return number


def _sexagesimal(text: str, last: type[int] | type[float]) -> int | float:
    """YAML 1.1 base 60 (``1:30`` is 90); the last part of a float may have a fraction."""
    *parts, tail = text.split(":")
    total: int | float = 0
    for part in parts:
        total = total * 60 + int(part)
    return total * 60 + last(tail)


def _int(value: str) -> int:
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if ":" in text:
        return sign * int(_sexagesimal(text, int))
    if text != "0" and text.startswith("0"):
        return sign * int(text, 8)
    return sign * int(text)


def _float(value: str) -> float:
    text = value.replace("_", "").lower()
    if text in (".inf", "+.inf"):
        return math.inf
    if text == "-.inf":
        return -math.inf
    if text == ".nan":
        return math.nan
    sign = -1 if text.startswith("-") else 1
    if ":" in text:
        return sign * float(_sexagesimal(text.lstrip("+-"), float))
    if _implicit(value) == _CORE + "int":  # `!!float 0x10` and the like
        return float(_int(value))
    return float(text)
