"""Which questions a command works on: ``--only`` ids and ``--shard K/N`` slices."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from generator.errors import ConfigError
from generator.model import Bank, Question


def shard_of(question_id: str, count: int) -> int:
    """The 1-based shard a question belongs to; depends on its id alone, so adding
    questions elsewhere never moves it."""
    digest = hashlib.sha256(question_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def select(bank: Bank, only: Sequence[str], shard: tuple[int, int] | None) -> list[Question]:
    """The questions named by ``--only`` (pattern or question ids) in ``--shard`` K of N."""
    questions = list(bank.questions())
    if only:
        known = {q.id for q in questions} | {p.id for p in bank.patterns}
        unknown = [ident for ident in only if ident not in known]
        if unknown:
            raise ConfigError(f"--only: no pattern or question with id {', '.join(unknown)}")
        wanted = set(only)
        questions = [q for q in questions if q.id in wanted or q.pattern_id in wanted]
    if shard is not None:
        k, n = shard
        questions = [q for q in questions if shard_of(q.id, n) == k]
    return questions
