"""Where a bank may live on a CI machine: under /tmp, the home folder or /var/tmp.

Nothing qbank does may depend on it (the sandbox shows /tmp differently, a home
folder is a secret place, /var/tmp is on the host's disk), so the tests that touch
files put their bank in each of the three.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WHERE = ["/tmp", "home", "/var/tmp"]


@contextmanager
def folder(where: str, tmp_path: Path) -> Iterator[Path]:
    """A new empty folder under ``where`` (one of :data:`WHERE`), removed afterwards."""
    if where == "/tmp":
        made = tmp_path / f"in-tmp-{uuid.uuid4().hex[:8]}"
        top = made
    else:
        base = Path.home() if where == "home" else Path(where)
        top = base / f".qbank-test-{uuid.uuid4().hex[:8]}"
        made = top / "here"
    made.mkdir(parents=True)
    try:
        yield made
    finally:
        shutil.rmtree(top, ignore_errors=True)
