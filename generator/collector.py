"""The garbage collector kept from scanning what lives as long as a build and holds no
cycles: a bank's remembered patterns, the shelf of the last builds.

CPython collects the young generations every few hundred allocations and, as the heap
grows, the old one too, each time scanning every container object it tracks. Loading
the checks of 50,000 remembered questions makes about 2 million of them: with the
collector on, 4 of the 5 s of CPU that loading took went to scanning them again and
again. So they are made with the collector paused, then frozen out of its sight
(``gc.freeze``): it never scans them again, and they are freed as usual once nothing
refers to them.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def unscanned() -> Iterator[None]:
    """Pause the collector; what exists when the block ends is frozen out of its sight."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def collect_before_freezing() -> None:
    """In a long-lived process (``qbank serve``) that froze before, collect what is not
    frozen, so that no garbage cycle gets frozen with the next bank (cheap: what earlier
    builds froze is not scanned)."""
    if gc.get_freeze_count():
        gc.collect()
