"""One record per question after validation: the report's view of the validate stage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from generator.errors import Diagnostic
from generator.model import QuestionRef
from generator.result import QuestionResult


def records(
    refs: Iterable[QuestionRef],
    diagnostics: Sequence[Diagnostic],
    unloaded: Iterable[QuestionRef] = (),
) -> list[QuestionResult]:
    """One record per question after validation: ``invalid`` with its first problem (or,
    for a question of a file that could not be used, that file's first problem), else ``ok``."""
    first: dict[tuple[str | None, str | None], Diagnostic] = {}
    by_file: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first.setdefault((d.pattern, d.question), d)
        by_file.setdefault(d.location.file, d)
    skipped = set(unloaded)
    results = []
    for ref in refs:
        found = first.get((ref.pattern, ref.question)) or first.get((ref.pattern, None))
        if found is None and ref in skipped and ref.location.file in by_file:
            cause = by_file[ref.location.file]
            found = Diagnostic(
                ref.location,
                "invalid",
                f"not checked: its file has a problem at {cause.location}",
                ref.pattern,
                ref.question,
            )
        if found is None:
            results.append(QuestionResult(ref.pattern, ref.question, ref.location, "ok"))
        else:
            results.append(
                QuestionResult(ref.pattern, ref.question, found.location, "invalid", found.message)
            )
    return results
