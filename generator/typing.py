"""The types qbank's stages are extended with, in one place: the status words of the
contract, and every callable a stage takes (checkers, lint rules, export writers, the
progress of verify). A new question type or rule adds a function of one of these types.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from generator.errors import Diagnostic
    from generator.export.content import Item
    from generator.model import Bank, Pattern, QuestionRef
    from generator.result import QuestionResult
    from generator.validate.document import Document
    from generator.verify.checks import Observed, Verdict

Status = Literal[
    "ok",
    "wrong-answer",
    "ambiguous",
    "unstable",
    "timeout",
    "crashed",
    "missing-requirement",
    "invalid",
]
"""A question's or a problem's status word, as the report and every message spell it;
listed in report order."""

Checker = Callable[["Observed"], "Verdict | None"]
"""Judges a snippet's runs: the failure it finds, or None."""

Rule = Callable[["Pattern", "Document"], Iterable["Diagnostic"]]
"""A lint rule on one pattern file (the document gives positions the model does not keep)."""

BankRule = Callable[[Sequence["Pattern"], Sequence["QuestionRef"]], Iterable["Diagnostic"]]
"""A lint rule on the whole bank: the model only (each file's document is dropped once it
is linted, so a large bank never holds every file's positions at once), and the
questions of files that could not be loaded."""

Writer = Callable[[Sequence["Item"], "Bank"], bytes]
"""Writes the items of a bank as one file of an export format."""

Fill = Callable[[str], str]
"""Replaces ``{answer}`` in a text by the letter of the key."""

Progress = Callable[[int, int, "QuestionResult | None"], None]
"""Told how verify's runs get on, as ``(done, total, result)``: ``(0, total, None)`` when
they start, then each finished question with its result; a last ``(done, done, None)``
when they stop before all finished (Ctrl-C). ``done == total`` means no more calls."""
