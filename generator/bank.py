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
    return parse.settings_from(doc), []


def load_bank(root: Path) -> tuple[Bank, list[Diagnostic]]:
    """Every pattern that is valid on its own, and every problem found on the way."""
    settings_path, paths, problems = discover(root)
    settings, settings_problems = load_settings(settings_path)
    problems += settings_problems
    loaded: list[tuple[Pattern, Document]] = []
    unloaded: list[QuestionRef] = []
    for path in paths:
        doc, file_problems = load_file(path, display_path(path))
        if doc is not None:
            file_problems += schema.check(doc, "pattern")
        problems += file_problems
        if doc is not None and not file_problems:
            loaded.append((parse.pattern_from(doc, lint.topic_slug(path), settings), doc))
        elif doc is not None:
            unloaded += _refs(doc)
    problems += lint.lint(loaded, placement=root.is_dir())
    problems.sort(key=lambda d: (d.location.file, d.location.line, d.location.column))
    bank_root = root if root.is_dir() else root.parent
    patterns = tuple(pattern for pattern, _ in loaded)
    return Bank(bank_root, settings, patterns, tuple(unloaded)), problems


def _refs(doc: Document) -> list[QuestionRef]:
    """The questions a schema-invalid file names, so each still gets a record."""
    data = doc.data
    pattern = data["id"] if isinstance(data.get("id"), str) else doc.path.stem
    items = data.get("questions")
    if not isinstance(items, list):
        return []
    return [
        QuestionRef(pattern, question_name(item, i), doc.at(("questions", i)))
        for i, item in enumerate(items)
    ]
