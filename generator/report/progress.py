"""Progress while snippets run: a live bar with counts per status on a terminal,
one plain line per finished question otherwise (CI logs). Always on stderr."""

from __future__ import annotations

import sys
from collections import Counter
from types import TracebackType
from typing import Any

from generator.escape import escape
from generator.result import QuestionResult
from generator.typing import Status


class Progress:
    """Counts finished questions; a context manager around the runs."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.counts: Counter[Status] = Counter()
        self.live = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.live:
            # Imported here: a run that needs no bar (CI, all cached) does not pay for rich.
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("verifying"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("verify", total=self.total, counts="")
        return self

    def advance(self, result: QuestionResult) -> None:
        """Record one finished question."""
        self.done += 1
        self.counts[result.status] += 1
        if self._bar is not None and self._task is not None:
            counts = "  ".join(f"{status} {n}" for status, n in sorted(self.counts.items()))
            self._bar.update(self._task, advance=1, counts=counts)
        else:
            print(
                f"[{self.done}/{self.total}] {result.status} "
                f"{escape(result.pattern)}/{escape(result.question)} ({result.duration_s:.1f} s)",
                file=sys.stderr,
                flush=True,
            )

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
