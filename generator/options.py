"""What the operator chose for a run (on the command line): read by the stages, never
by the bank. A bank cannot raise its own limits or pick what runs."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import ToolError

#: The environment variable that names the snippet interpreter when --python does not.
PYTHON_VARIABLE = "QBANK_PYTHON"


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
    python: str = field(default_factory=lambda: sys.executable)
    """The interpreter snippets run in (``--python``, else ``QBANK_PYTHON``, else the one
    qbank runs in): the operator's choice, as whoever picks it picks every verdict."""

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
            python=snippet_python(getattr(args, "python", None)),
        )


def snippet_python(given: str | None) -> str:
    """The interpreter the operator named (``--python``, then ``QBANK_PYTHON``), as an
    absolute path; the one qbank runs in when neither names one."""
    value = given or os.environ.get(PYTHON_VARIABLE) or ""
    if not value:
        return sys.executable
    path = Path(value).expanduser().absolute()
    if not path.is_file():
        where = "--python" if given else PYTHON_VARIABLE
        raise ToolError(f"{where}: no interpreter at {value}")
    return str(path)
