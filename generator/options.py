"""What the operator chose for a run (on the command line): read by the stages, never
by the bank. A bank cannot raise its own limits or pick what runs."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    """The choices that shape a validate, verify or build run."""

    bank: Path = Path("bank")
    only: tuple[str, ...] = ()
    """``--only``: pattern or question ids (empty: everything)."""
    shard: tuple[int, int] | None = None
    """``--shard K/N``."""
    strict: bool = False
    """``--strict``: missing requirements fail."""
    no_cache: bool = False
    jobs: int = 2
    max_timeout: float = 600.0
    """``--max-timeout``: ceiling over any question's ``verify.timeout``."""
    max_memory: int = 8192
    """``--max-memory``: ceiling over any question's ``verify.memory_mb``."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Options:
        """The options of parsed ``qbank`` arguments."""
        return cls(
            bank=args.bank,
            only=tuple(args.only),
            shard=args.shard,
            strict=args.strict,
            no_cache=args.no_cache,
            jobs=args.jobs,
            max_timeout=args.max_timeout,
            max_memory=args.max_memory,
        )
