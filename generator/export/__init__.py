"""``qbank export``: the questions whose key is verified, as a file an LMS imports.

Only verified content leaves: a question is exported when its status is ``ok``.
Any other is refused (its record says ``not exported: ...``), unless the author asks
for ``--allow-unverified``, which exports it marked ``[unverified]``; an ``invalid``
question is never exported, as it may not even have a single key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.atomic import replace_file
from generator.errors import ConfigError, Diagnostic, ToolError
from generator.export.content import UNVERIFIED, Item, build_item
from generator.export.gift import gift
from generator.export.moodle import moodle_xml
from generator.export.qti import qti_zip
from generator.export.text import HtmlText
from generator.model import Bank, Question
from generator.result import QuestionResult
from generator.typing import Writer

WRITERS: dict[str, Writer] = {
    "moodle": lambda items, bank: moodle_xml(items),
    "gift": lambda items, bank: gift(items),
    "qti": lambda items, bank: qti_zip(items, bank.settings.title, _bank_name(bank)),
}
#: The file written in the working directory when --out is not given: {} is the bank's name.
DEFAULT_NAMES = {"moodle": "{}-moodle.xml", "gift": "{}-gift.txt", "qti": "{}-qti.zip"}
FORMATS = tuple(WRITERS)


@dataclass
class Plan:
    """What an export holds, and what it refused."""

    items: list[Item] = field(default_factory=list)
    results: list[QuestionResult] = field(default_factory=list)
    """Every record, those not exported (or exported unverified) saying so."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """The problems not already told by a record."""
    refused: int = 0
    unverified: int = 0

    def summary(self, where: str) -> list[str]:
        """What the export wrote (``where``, already escaped) and what it left out."""
        lines = [
            f"exported {len(self.items)} questions to {where}"
            if self.items
            else f"nothing exported: {where} is unchanged"
        ]
        if self.refused:
            lines.append(f"{self.refused} questions not exported (see above)")
        if self.unverified:
            lines.append(
                f"warning: {self.unverified} questions exported unverified, "
                f"marked {UNVERIFIED} in their name and text"
            )
        return lines


def plan(
    bank: Bank,
    questions: Sequence[Question],
    results: Sequence[QuestionResult],
    diagnostics: Sequence[Diagnostic],
    *,
    allow: bool,
) -> Plan:
    """Decide, question by question, what leaves: ``ok`` always, the rest only with ``allow``
    (never ``invalid``). ``questions`` are the chosen ones, in bank order; ``results`` and
    ``diagnostics`` what validate and verify found."""
    patterns = {p.id: p for p in bank.patterns}
    by_key = {(r.pattern, r.question): r for r in results}
    texts = HtmlText()
    chosen = Plan()
    for q in questions:
        r = by_key.get((q.pattern_id, q.id))
        if r is None:
            continue
        if r.status == "ok":
            chosen.items.append(build_item(patterns[q.pattern_id], q, texts))
        elif allow and r.status != "invalid":
            chosen.items.append(build_item(patterns[q.pattern_id], q, texts, r.status))
    exported = {item.ident for item in chosen.items}
    for r in results:
        if r.status == "ok":
            chosen.results.append(r)
        elif f"{r.pattern}/{r.question}" in exported:
            chosen.unverified += 1
            note = f"exported marked {UNVERIFIED}: {r.message}"
            chosen.results.append(replace(r, message=note))
        else:
            chosen.refused += 1
            chosen.results.append(replace(r, message=f"not exported: {r.message}"))
    # A refused question's record repeats its first problem: print it once.
    repeated = {(r.location, r.message) for r in results if r.status == "invalid"}
    chosen.diagnostics = [d for d in diagnostics if (d.location, d.message) not in repeated]
    return chosen


def _bank_name(bank: Bank) -> str:
    return bank.root.resolve().name or "bank"


def default_out(bank: Bank, fmt: str) -> Path:
    """Where an export goes without --out: named after the bank, in the working directory."""
    return Path(DEFAULT_NAMES[fmt].format(_bank_name(bank)))


def check_out(out: Path, bank_root: Path) -> None:
    """Refuse, before anything runs, a destination that is a folder, lies in the bank,
    or sits below something that is not a folder."""
    target = out.resolve()
    if target.is_relative_to(bank_root.resolve()):
        raise ConfigError(f"--out {out} lies inside the bank; write the export elsewhere")
    if target.is_dir():
        raise ConfigError(f"--out {out} is a folder; name a file")
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ToolError(f"cannot write {out}: {parent} is not a folder")


def write(chosen: Plan, fmt: str, bank: Bank, out: Path) -> None:
    """Write the export in one swap: a failed write leaves ``out`` as it was."""
    replace_file(out, WRITERS[fmt](chosen.items, bank))
