"""Find a bank's files and turn them into a :class:`Bank`, collecting every problem.

This is the validate stage: load → schema → model → lint, with no code run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from generator import lint, parse, schema
from generator.errors import Diagnostic, Location, ToolError
from generator.loader import Document, load_file, question_name
from generator.model import Bank, Pattern, QuestionRef, Settings

SETTINGS_FILE = "bank.yaml"
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def display_path(path: Path) -> str:
    """A path as messages print it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def discover(root: Path) -> tuple[Path | None, list[Path], list[Diagnostic]]:
    """The settings file, the pattern files and problems with where files are placed."""
    if root.is_file():
        # A single pattern file still follows its bank's settings (bank/<topic>/<file>).
        settings = root.parent.parent / SETTINGS_FILE
        return (settings if settings.is_file() else None), [root], []
    if not root.is_dir():
        raise ToolError(f"bank not found: {root} is not a folder or a YAML file")
    settings = root / SETTINGS_FILE
    problems: list[Diagnostic] = []
    patterns: list[Path] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in (".yaml", ".yml"):
            continue
        if path == settings:
            continue
        relative = path.relative_to(root)
        where = Location(display_path(path), 1, 1)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix == ".yml":
            problems.append(Diagnostic(where, "invalid", "bank files end in `.yaml`, not `.yml`"))
        elif len(relative.parts) != 2:
            problems.append(
                Diagnostic(
                    where,
                    "invalid",
                    "pattern files live at <bank>/<topic-slug>/<pattern-id>.yaml",
                )
            )
        elif not _SLUG.match(relative.parts[0]):
            problems.append(
                Diagnostic(
                    where,
                    "invalid",
                    f"topic folder `{relative.parts[0]}` is not a slug "
                    "(lowercase letters and digits with single hyphens)",
                )
            )
        else:
            patterns.append(path)
    return (settings if settings.is_file() else None), patterns, problems


def load_settings(path: Path | None) -> tuple[Settings, list[Diagnostic]]:
    """``bank.yaml`` checked against its schema (defaults when absent or broken)."""
    if path is None:
        return Settings(), []
    doc, problems = load_file(path, display_path(path))
    if doc is None:
        return Settings(), problems
    problems += schema.check(doc, "bank")
    if problems:
        return Settings(), problems
    settings = parse.settings_from(doc)
    if settings.python is not None and resolve_python(settings.python, path.parent) is None:
        problems.append(
            Diagnostic(
                doc.at(("runtime", "python")),
                "invalid",
                f"runtime.python: no interpreter at `{settings.python}` (relative paths are "
                "read from the working directory, then from the bank's parent folder)",
            )
        )
        return Settings(), problems
    return settings, []


def resolve_python(value: str, bank_root: Path) -> Path | None:
    """The interpreter ``runtime.python`` names, or None when there is none."""
    path = Path(value)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, bank_root.parent / path]
    return next((c.absolute() for c in candidates if c.is_file()), None)


def load_bank(root: Path) -> tuple[Bank, list[Diagnostic]]:
    """Every pattern that is valid on its own, and every problem found on the way."""
    settings_path, paths, problems = discover(root)
    settings, settings_problems = load_settings(settings_path)
    problems += settings_problems
    loaded: list[tuple[Pattern, Document]] = []
    unloaded: list[QuestionRef] = []
    for path in paths:
        doc, yaml_problems = load_file(path, display_path(path))
        problems += yaml_problems
        if doc is None:
            continue
        split = schema.check_split(doc, "pattern")
        problems += [problem for _, problem in split]
        broken = frozenset(i for i, _ in split if i is not None)
        if yaml_problems or any(i is None for i, _ in split):
            unloaded += _refs(doc)  # the file's own keys are broken: none of it is used
            continue
        # Questions that break the schema are left out; the rest is linted and run.
        loaded.append((parse.pattern_from(doc, lint.topic_slug(path), settings, broken), doc))
        unloaded += _refs(doc, broken)
    problems += lint.lint(loaded, placement=root.is_dir())
    problems += _ids_also_in_broken_files(loaded, unloaded)
    problems.sort(key=lambda d: (d.location.file, d.location.line, d.location.column))
    bank_root = root if root.is_dir() else root.parent
    patterns = tuple(pattern for pattern, _ in loaded)
    return Bank(bank_root, settings, patterns, tuple(unloaded)), problems


def _refs(doc: Document, only: frozenset[int] | None = None) -> list[QuestionRef]:
    """The questions of a file that could not be used (all, or those at ``only``),
    so each still gets a record; located at their ``id``."""
    data = doc.data
    pattern = data["id"] if isinstance(data.get("id"), str) else doc.path.stem
    items = data.get("questions")
    if not isinstance(items, list):
        return []
    return [
        QuestionRef(pattern, question_name(item, i), doc.at(("questions", i, "id")))
        for i, item in enumerate(items)
        if only is None or i in only
    ]


def _ids_also_in_broken_files(
    loaded: list[tuple[Pattern, Document]], unloaded: list[QuestionRef]
) -> list[Diagnostic]:
    """Question ids reused by a question that could not be loaded (lint sees only the rest)."""
    seen = {q.id: doc.at(("questions", q.index, "id")) for p, doc in loaded for q in p.questions}
    problems = []
    for ref in unloaded:
        if ref.question.startswith("question "):
            continue  # no readable id
        if ref.question in seen:
            problems.append(
                Diagnostic(
                    ref.location,
                    "invalid",
                    f"question id `{ref.question}` is already used at {seen[ref.question]}; "
                    "ids must be unique across the bank",
                    ref.pattern,
                    ref.question,
                )
            )
        seen.setdefault(ref.question, ref.location)
    return problems
