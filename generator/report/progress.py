"""Progress while snippets run, as verify tells it (:data:`generator.typing.Progress`):
a live bar with counts per status on a terminal, one plain line per finished question
otherwise (CI logs). Always on stderr."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from generator.escape import escape
from generator.result import QuestionResult
from generator.typing import Status


class ProgressDisplay:
    """Shows verify's progress: pass it as verify's ``progress``. The bar appears when the
    runs start and goes when verify says they are over (all done, or Ctrl-C)."""

    def __init__(self) -> None:
        self.counts: Counter[Status] = Counter()
        self.live = sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int, result: QuestionResult | None) -> None:
        """One word from verify: ``(0, total, None)`` as runs start, then each finished
        question; ``done == total`` is the last."""
        if result is None and done < total:
            self._start(total)
        if result is not None:
            self._advance(done, total, result)
        if done >= total:
            self._stop()

    def _start(self, total: int) -> None:
        self.counts.clear()
        if not self.live or self._bar is not None:
            return
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
        self._task = self._bar.add_task("verify", total=total, counts="")

    def _advance(self, done: int, total: int, result: QuestionResult) -> None:
        self.counts[result.status] += 1
        if self._bar is not None and self._task is not None:
            counts = "  ".join(f"{status} {n}" for status, n in sorted(self.counts.items()))
            self._bar.update(self._task, advance=1, counts=counts)
        else:
            print(
                f"[{done}/{total}] {result.status} "
                f"{escape(result.pattern)}/{escape(result.question)} ({result.duration_s:.1f} s)",
                file=sys.stderr,
                flush=True,
            )

    def _stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        self._bar = self._task = None
