"""Which questions a command works on: ``--only`` ids and ``--shard K/N`` slices."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from generator.errors import ConfigError, Diagnostic
from generator.model import QuestionRef

Chosen = set[tuple[str, str]]
"""(pattern id, question id) pairs."""


def shard_of(name: str, count: int) -> int:
    """The 1-based shard a question (or a file) belongs to; it depends on the name alone,
    so adding questions elsewhere never moves it."""
    # surrogateescape: a file name that is not UTF-8 hashes by its own bytes.
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select(
    refs: Sequence[QuestionRef],
    only: Sequence[str],
    shard: tuple[int, int] | None,
    *,
    unreadable: bool = False,
) -> Chosen:
    """The questions named by ``--only`` (pattern or question ids) in ``--shard`` K of N.

    An id nobody names is a usage error, unless some file could not be read at all
    (then the id may well be in it, and that file's problem is what to report).
    """
    chosen = refs
    if only:
        known = {r.question for r in refs} | {r.pattern for r in refs}
        unknown = [ident for ident in only if ident not in known]
        if unknown and not unreadable:
            raise ConfigError(f"--only: no pattern or question with id {', '.join(unknown)}")
        wanted = set(only)
        chosen = [r for r in chosen if r.question in wanted or r.pattern in wanted]
    if shard is not None:
        k, n = shard
        chosen = [r for r in chosen if shard_of(r.question, n) == k]
    return {(r.pattern, r.question) for r in chosen}


def relevant(
    diagnostics: Sequence[Diagnostic],
    chosen: Chosen,
    only: Sequence[str],
    shard: tuple[int, int] | None,
) -> list[Diagnostic]:
    """The diagnostics a filtered run reports: those of its questions and their patterns;
    problems of files with no readable ids go to ``--only`` runs and to one shard each."""
    if not only and shard is None:
        return list(diagnostics)
    patterns = {pattern for pattern, _ in chosen}
    kept = []
    for d in diagnostics:
        if d.pattern is None:
            keep = shard is None or shard_of(d.location.file, shard[1]) == shard[0]
        elif d.question is None:
            keep = d.pattern in patterns
        else:
            keep = (d.pattern, d.question) in chosen
        if keep:
            kept.append(d)
    return kept
