"""What the processes of one test session share: its folder, and locks across them."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest


def session_folder(factory: pytest.TempPathFactory) -> Path:
    """A folder of this whole test session: with pytest-xdist, the one every worker's
    own temporary folder is in, so the workers share what is kept there."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created), across the session's processes."""
    with open(path, "a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def reference_lock(results: Path) -> contextlib.AbstractContextManager[None]:
    """The lock a test holds while it verifies the reference bank with the session's
    results cache ``results``: the first fills the cache, the others then read it."""
    return locked(results.with_suffix(".lock"))
