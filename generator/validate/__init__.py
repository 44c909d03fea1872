"""Find a bank's files and turn them into a :class:`Bank`, collecting every problem.

This is the validate stage: load → schema → model → lint, with no code run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import Diagnostic
from generator.model import Bank, Pattern, Question, QuestionRef, Settings
from generator.options import Options
from generator.result import Outcome
from generator.validate import lint, parse
from generator.validate.discover import (
    bank_root,
    discover,
    display_path,
    one_file,
    settings_file,
)
from generator.validate.document import Document, question_name
from generator.validate.loader import load_file
from generator.validate.memo import FileCheck, Memo
from generator.validate.records import records
from generator.validate.selection import relevant, select


def load_settings(path: Path | None) -> tuple[Settings, list[Diagnostic]]:
    """``bank.yaml`` checked against its schema (defaults when absent or broken)."""
    if path is None:
        return Settings(), []
    doc, problems = load_file(path, display_path(path))
    if doc is None:
        return Settings(), problems
    problems += [p for _, p in _schema_problems(doc, "bank", problems)]
    if problems:
        return Settings(), problems
    if "runtime" in doc.data:
        # Whoever picks the interpreter (and its site-packages) picks every verdict.
        problems.append(
            Diagnostic(
                doc.at(("runtime",), key=True),
                "invalid",
                "`runtime` is not read from a bank: the interpreter snippets run in is the "
                "operator's choice (`--python PATH` or QBANK_PYTHON; default: the one qbank "
                "runs in); remove this key",
            )
        )
        return Settings(), problems
    return parse.settings_from(doc), []


def load_bank(given: Path, *, remember: bool = True) -> tuple[Bank, list[Diagnostic]]:
    """Every pattern that is valid on its own, and every problem found on the way.

    ``given`` is a bank folder or one pattern file of a bank (``<bank>/<topic>/<id>.yaml``).
    With ``remember``, a file unchanged since the last run is not read again (:mod:`.memo`).
    """
    root = bank_root(given)
    settings_path, problems = settings_file(root)
    settings, settings_problems = load_settings(settings_path)
    problems += settings_problems
    files = one_file(given) if given.is_file() else discover(root, settings.theme)
    paths = files.patterns
    problems += files.problems
    placement = given.is_dir()
    memo = Memo.open(root) if remember else Memo()
    context = Memo.context(settings, placement)
    loaded: list[Pattern] = []
    unloaded: list[QuestionRef] = []
    for path in paths:
        display = display_path(path)
        checked = memo.get(path, f"{context}|{display}")
        if checked is None:
            checked = _check_file(path, display, settings, placement)
            checked = memo.put(path, f"{context}|{display}", checked)
        problems += checked.problems
        if checked.pattern is not None:
            loaded.append(checked.pattern)
        unloaded += checked.unloaded
    memo.save()
    problems += lint.lint_bank(loaded, unloaded)
    # A value echoed in a message must not start a line of its own on any output.
    problems = [problem.one_line() for problem in problems]
    problems.sort(key=lambda d: (d.location.file, d.location.line, d.location.column))
    return Bank(root, settings, tuple(loaded), tuple(unloaded)), problems


def _check_file(path: Path, display: str, settings: Settings, placement: bool) -> FileCheck:
    """Load, schema-check, parse and lint one pattern file; its document is dropped after."""
    doc, yaml_problems = load_file(path, display)
    if doc is None:
        return FileCheck(None, tuple(yaml_problems), ())
    split = _schema_problems(doc, "pattern", yaml_problems)
    problems = [*yaml_problems, *(problem for _, problem in split)]
    broken = frozenset(i for i, _ in split if i is not None)
    if yaml_problems or any(i is None for i, _ in split):
        return FileCheck(None, tuple(problems), tuple(_refs(doc)))  # the file's own keys broke
    # Questions that break the schema are left out; the rest is linted and run.
    pattern = parse.pattern_from(doc, lint.topic_slug(path), settings, broken)
    problems += lint.lint_pattern(pattern, doc, placement=placement)
    return FileCheck(pattern, tuple(problems), tuple(_refs(doc, broken)))


def _schema_problems(
    doc: Document, name: str, yaml_problems: list[Diagnostic]
) -> list[tuple[int | None, Diagnostic]]:
    """Schema problems, except at a value the loader has already refused (its text
    stands in for it, and the schema would only complain about the stand-in)."""
    refused = {problem.location for problem in yaml_problems}
    from generator.validate import schema  # jsonschema only when a file must be checked

    return [(i, p) for i, p in schema.check_split(doc, name) if p.location not in refused]


def _refs(doc: Document, only: frozenset[int] | None = None) -> list[QuestionRef]:
    """The questions of a file that could not be used (all, or those at ``only``),
    so each still gets a record; located at their ``id``."""
    pattern = doc.pattern_id
    items = doc.data.get("questions")
    if not isinstance(items, list):
        return []
    return [
        QuestionRef(pattern, question_name(item, i), doc.at(("questions", i, "id")))
        for i, item in enumerate(items)
        if only is None or i in only
    ]


@dataclass(frozen=True)
class Checked:
    """A validated bank: the questions chosen by --only/--shard and one record for each."""

    bank: Bank
    questions: list[Question]
    outcome: Outcome

    def runnable(self) -> list[Question]:
        """The chosen questions that validation found nothing wrong with."""
        bad = {(r.pattern, r.question) for r in self.outcome.results if r.status == "invalid"}
        return [q for q in self.questions if (q.pattern_id, q.id) not in bad]


def check(options: Options, command: str) -> Checked:
    """The validate stage: load and check the bank (no code runs), keep what was chosen."""
    bank, diagnostics = load_bank(options.bank, remember=not options.no_cache)
    unreadable = any(d.pattern is None for d in diagnostics)
    chosen = select(bank.refs(), list(options.only), options.shard, unreadable=unreadable)
    questions = [q for q in bank.questions() if (q.pattern_id, q.id) in chosen]
    diagnostics = relevant(diagnostics, chosen, list(options.only), options.shard)
    refs = [r for r in bank.refs() if (r.pattern, r.question) in chosen]
    found = records(refs, diagnostics, bank.unloaded)
    outcome = Outcome(command, found, diagnostics, strict=options.strict, shard=options.shard)
    return Checked(bank, questions, outcome)
