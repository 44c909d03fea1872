"""What `qbank serve` watches: the bank and its theme, from before the first build on.

The watch is set up before anything reads the bank, and keeps what changes while a
build runs for the next batch: a save made during the first build, or as its first
page answers, is rebuilt like any other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import watchfiles

from generator.errors import ToolError

#: The longest the watch waits for a change before handing back (ms). The first wait
#: tells that the watch is set up; the later ones only let the loop go round.
TICK_MS = 100


class Watch:
    """Changes to the files under some folders, from the moment it is made until
    ``stopping`` is set."""

    def __init__(self, folders: list[Path], stopping: threading.Event) -> None:
        self._batches = watchfiles.watch(
            *folders,
            stop_event=stopping,
            debounce=300,
            step=50,
            rust_timeout=TICK_MS,
            yield_on_timeout=True,
        )
        # The first batch comes once the watch is set up (empty when nothing changed).
        try:
            self._early = next(self._batches, set())
        except OSError as exc:  # too many folders for the system's limit on watches
            raise ToolError(f"cannot watch {', '.join(map(str, folders))}: {exc}") from exc

    def changes(self) -> Iterator[list[Path]]:
        """Each batch of changed files, until stopping. Changes made while the caller
        works on a batch are kept, and come in the next one."""
        if self._early:
            yield _paths(self._early)
        for batch in self._batches:
            if batch:
                yield _paths(batch)

    def close(self) -> None:
        """Stop watching."""
        self._batches.close()


def _paths(batch: set[tuple[watchfiles.Change, str]]) -> list[Path]:
    return sorted({Path(path) for _change, path in batch})
