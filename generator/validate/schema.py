"""JSON Schema checks of loaded documents, each error turned into one readable diagnostic.

The files under ``schema/`` are the single source of truth; this module only
translates ``jsonschema``'s errors into author language at the YAML position.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from generator.errors import Diagnostic, ToolError
from generator.escape import short
from generator.validate.document import Document, NodePath

#: The package's copy of the published schemas: in a checkout a link to the top-level
#: ``schema/``, in a wheel the files themselves (see pyproject.toml's package-data).
SCHEMA_DIR = Path(__file__).parent.parent / "schema"

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing",
}
_SLUG_HELP = "lowercase letters and digits with single hyphens, e.g. `why-less-training-time`"


@cache
def validator(name: str) -> Draft202012Validator:
    """The compiled validator for ``schema/<name>.schema.json``."""
    path = SCHEMA_DIR / f"{name}.schema.json"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolError(f"cannot read the JSON Schema {path}: {exc}") from exc
    # Local `$ref`s written out in place: resolving them on every node was a third of
    # the validation time, and the schemas have no recursive definitions.
    return Draft202012Validator(_inline(schema, schema.get("$defs", {})))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/x", ...}`` replaced by the definition."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
        extra = {k: v for k, v in node.items() if k != "$ref"}
        return {**_inline(defs[ref[8:]], defs), **_inline(extra, defs)}
    return {key: _inline(value, defs) for key, value in node.items()}


def check(doc: Document, name: str) -> list[Diagnostic]:
    """Every schema problem of ``doc`` against ``schema/<name>.schema.json``, in file order."""
    return [problem for _, problem in check_split(doc, name)]


def check_split(doc: Document, name: str) -> list[tuple[int | None, Diagnostic]]:
    """Every schema problem with the index of the question it lies in (None: the file's
    own keys), so the rest of a file can still be checked when one question is broken."""
    found: dict[tuple[object, str], tuple[int | None, Diagnostic]] = {}
    for error in _leaves(validator(name).iter_errors(doc.data)):
        path = tuple(error.absolute_path)
        index = path[1] if len(path) >= 2 and path[0] == "questions" else None
        problem = _translate(doc, error)
        found[(problem.location, problem.message)] = (
            index if isinstance(index, int) else None,
            problem,
        )
    return sorted(found.values(), key=lambda p: (p[1].location.line, p[1].location.column))


def _leaves(errors: Any) -> Iterator[ValidationError]:
    """Replace an ``anyOf`` error by the errors of the branch that fits the value's kind."""
    for error in errors:
        if error.validator == "anyOf" and error.context:
            wanted = "object" if isinstance(error.instance, dict) else "string"
            branch = [e for e in error.context if _branch_kind(e) == wanted]
            if wanted == "object" or isinstance(error.instance, str):
                yield from _leaves(branch) if branch else [error]
                continue
        yield error


def _branch_kind(error: ValidationError) -> str:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "type":
        return str(error.validator_value)
    return "object" if "properties" in schema or error.validator == "required" else "string"


def _where(path: NodePath) -> str:
    """Words for the object a path points into: ``question `x```, ``choice 2``, ``the file``."""
    for part in reversed(path):
        if isinstance(part, str):
            return {
                "verify": "`verify`",
                "solution": "`solution`",
                "defaults": "`defaults`",
                "runtime": "`runtime`",
            }.get(part, f"`{part}`")
    return "the file"


def _container(path: NodePath, question: str | None) -> str:
    if not path:
        return "the file"
    if len(path) >= 4 and path[2] == "choices":
        return f"choice {int(path[3]) + 1}"
    if len(path) >= 5 and path[2:4] == ("solution", "steps"):
        return f"solution step {int(path[4]) + 1}"
    if len(path) == 2 and path[0] == "questions":
        if question and not question.startswith("question "):
            return f"question `{question}`"
        return question or "the question"
    return _where(path)


def _translate(doc: Document, error: ValidationError) -> Diagnostic:
    path: NodePath = tuple(error.absolute_path)
    schema_node: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    value: Any = error.instance
    kind: Any = error.validator
    expected: Any = error.validator_value
    pattern, question = doc.subject(path)
    name = path[-1] if path and isinstance(path[-1], str) else None
    location = doc.at(path)
    if kind == "additionalProperties":
        known = list(schema_node.get("properties", {}))
        extra = [key for key in value if key not in known] if isinstance(value, dict) else []
        key = extra[0] if extra else "?"
        location = doc.at((*path, key), key=True)
        guess = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        message = f"unknown key `{short(key)}` in {_container(path, question)}"
        message += f"; did you mean `{guess[0]}`?" if guess else f" (allowed: {', '.join(known)})"
    elif kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        message = f"{_container(path, question)} is missing the required key `{missing}`"
    elif kind == "enum":
        allowed = [str(v) for v in expected]
        guess = difflib.get_close_matches(str(value)[:100], allowed, n=1, cutoff=0.6)
        message = f"`{name}` must be one of {', '.join(allowed)}; found `{short(str(value))}`"
        message += f" (did you mean `{guess[0]}`?)" if guess else ""
    elif kind == "type":
        wanted = expected
        wanted_words = " or ".join(
            _TYPE_WORDS.get(str(w), str(w))
            for w in (wanted if isinstance(wanted, list) else [wanted])
        )
        found = _describe(value)
        label = f"`{name}`" if name else f"item {int(path[-1]) + 1}" if path else "the file"
        message = f"{label} must be {wanted_words}, found {found}"
        if wanted == "string" and isinstance(value, bool | int | float):
            message += "; put it in quotes"
        elif wanted in ("integer", "number") and isinstance(value, str):
            message += f" `{short(value)}`; write the number without quotes"
    elif kind == "pattern" and expected == "\\S":
        message = f"`{name}` is empty"
    elif kind == "pattern" and "a-z0-9" in str(expected):
        message = f"`{name}` must be a slug ({_SLUG_HELP}); found `{short(str(value))}`"
    elif kind == "minItems":
        message = f"`{name}` needs at least {expected} items; found {len(value)}"
    elif kind == "maxItems":
        message = f"`{name}` allows at most {expected} items; found {len(value)}"
    elif kind == "uniqueItems":
        message = f"`{name}` lists the same item twice"
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        message = f"`{name}` is out of range: {error.message}"
    elif kind == "minLength":
        message = f"`{name}` is empty"
    elif kind == "anyOf" and len(path) >= 3 and path[-2] == "choices":
        message = (
            f"choice {int(path[-1]) + 1} must be text, or a mapping with `text` "
            f"(and optional `correct`, `why`); found {_describe(value)}"
        )
        if isinstance(value, bool | int | float):
            message += "; put it in quotes"
    else:
        message = f"`{name or 'value'}`: {short(error.message, 200)}"
    return Diagnostic(location, "invalid", message, pattern, question)


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}` (true/false)"
    if value is None:
        return "nothing"
    if isinstance(value, int | float):
        return f"the number {short(str(value))}"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a mapping"
