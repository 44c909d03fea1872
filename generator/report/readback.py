"""A report file read back for a merge: its size, its JSON nesting and its schema
(schema/report.schema.json) are checked before any field of it is used.

A report comes from a CI artifact, which anyone who can push a branch can shape; a
list where a mapping belongs, a billion shards or a hundred thousand nested lists is
an error naming the file and the place, never a traceback or gigabytes of memory.
"""

from __future__ import annotations

import json
import re
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import best_match

from generator.errors import ToolError
from generator.escape import escape, short

#: The package's copy of the schemas (a link to schema/ in a checkout, files in a wheel).
SCHEMA = Path(__file__).parent.parent / "schema" / "report.schema.json"
#: Larger reports are refused unread (one of 50,000 questions is about 25 MB).
MAX_BYTES = 256 << 20
#: A report nests six levels deep; the schema allows nothing deeper.
MAX_DEPTH = 32
#: Values (strings, numbers, lists...) parsed at most: memory goes with their count more
#: than with bytes (``[[],[],...]`` is 56 bytes a value). A record is about 50 values.
MAX_VALUES = 10_000_000

#: A JSON string (to its closing quote, or to the end when it has none: each character
#: is looked at once, whatever the text).
_STRING = re.compile(r'"(?:[^"\\]++|\\[\s\S]?)*+(?:"|\Z)')
_TOKEN = re.compile(_STRING.pattern + r"|[\[\]{}]")
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def read_report(path: Path) -> dict[str, Any]:
    """The report at ``path``, valid against the report schema; else :class:`ToolError`."""
    where = escape(str(path))
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ToolError(f"cannot read report {where}: {exc.strerror or exc}") from exc
    if len(data) > MAX_BYTES:
        raise ToolError(f"report {where} is larger than {MAX_BYTES >> 20} MiB; not read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ToolError(f"report {where} is not UTF-8 (byte {exc.start})") from None
    _check_shape(text, where)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ToolError(f"report {where}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise ToolError(f"report {where} is not JSON qbank can read: {exc}") from None
    error = next(iter(_validator().iter_errors(value)), None)
    if error is not None and _older(value):
        raise ToolError(
            f"report {where} was written by an older qbank: it has `environment.isolation`, "
            "which reports no longer hold; verify its shard again with this qbank"
        )
    if error is not None:
        error = best_match([error])  # inside a oneOf: the alternative that nearly fit
        raise ToolError(
            f"report {where} does not follow the report schema at "
            f"{_pointer(error)}: {_problem(error)}"
        )
    assert isinstance(value, dict)  # the schema says so
    return value


@cache
def _validator() -> Draft202012Validator:
    try:
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolError(f"cannot read the JSON Schema {SCHEMA}: {exc}") from exc
    return Draft202012Validator(schema)


def _older(value: object) -> bool:
    """Whether ``value`` (which breaks the schema) is a report of an older qbank. Those
    named the isolation of their runs, once a weaker ``rlimits+unshare``; a merged report
    would no longer say so, so such a report is refused with what to do, not read."""
    env = value.get("environment") if isinstance(value, dict) else None
    return isinstance(env, dict) and "isolation" in env


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _check_shape(text: str, where: str) -> None:
    """Refuse, before parsing, a text of too many values or nested too deep."""
    bare = _STRING.sub('""', text)  # what is left outside strings is the structure
    # A value is a string, or follows a comma, an opening bracket or a key (a string).
    values = bare.count('"') // 2 + bare.count(",") + bare.count("[") + bare.count("{") + 1
    if values > MAX_VALUES:
        raise ToolError(f"report {where} holds over {MAX_VALUES:,} values; not a qbank report")
    brackets = _NOT_BRACKET.sub("", bare)
    if max(accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH:
        raise ToolError(
            f"report {where}:{_line_col(text, _too_deep(text))}: "
            f"nested deeper than {MAX_DEPTH} levels; not a qbank report"
        )


def _too_deep(text: str) -> int:
    """The offset where brackets outside strings first nest deeper than MAX_DEPTH."""
    depth = 0
    for token in _TOKEN.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return token.start()
        elif char in "]}":
            depth -= 1
    return 0


def _line_col(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _pointer(error: ValidationError) -> str:
    """Where in the report, as ``$.results[3].line``."""
    parts = ["$"]
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{short(str(part), 40)}")
    return "".join(parts)


def _problem(error: ValidationError) -> str:
    """What is wrong, in one sentence that never echoes more than a short value."""
    rule = error.validator
    limit: Any = error.validator_value
    value: Any = error.instance
    if rule == "type":
        wanted = [limit] if isinstance(limit, str) else list(limit)
        return f"expected {' or '.join(_WORDS.get(w, w) for w in wanted)}, found {_kind(value)}"
    if rule in ("maxLength", "maxItems", "maxProperties"):
        unit = {"maxLength": "characters", "maxItems": "items", "maxProperties": "keys"}[rule]
        return f"{len(value):,} {unit}, over the limit of {limit:,}"
    if rule in ("maximum", "minimum"):
        side = "over the maximum" if rule == "maximum" else "under the minimum"
        return f"{_shown(value)} is {side} {limit}"
    if rule == "required" and isinstance(value, dict):
        missing = [key for key in limit if key not in value]
        return f"`{short(str(missing[0]) if missing else '?')}` is missing"
    if rule == "additionalProperties" and isinstance(value, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = sorted(str(key) for key in value if key not in known)
        return f"unknown key `{short(extra[0]) if extra else '?'}`"
    if rule == "enum":
        return f"{_shown(value)} is not one of {', '.join(json.dumps(v) for v in limit)}"
    if rule == "const":
        return f"{_shown(value)} is not {json.dumps(limit)}"
    return f"{_shown(value)} breaks the schema's `{rule}` rule"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


def _shown(value: object) -> str:
    """A short echo of a value: a list or mapping is named, not printed."""
    if isinstance(value, str):
        return f"`{short(value, 40)}`"
    if isinstance(value, (list, dict)):
        return _kind(value)
    return short(json.dumps(value), 40)
