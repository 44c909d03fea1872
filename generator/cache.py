"""Runs of snippets, keyed by a hash of everything that can change what they print.

The cache keeps what the runs printed, not verdicts: each hit is judged again
against the question as it is now, so edits to choices, expected output or
positions in the file never meet a stale message. Entries are written
atomically (temp file + rename), so a run killed half-way leaves either the
old entry or the new one; an entry that does not parse is ignored and
recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from generator import __version__
from generator.model import Question
from generator.sandbox import RunResult

#: Bumped when what is stored changes, so old entries are not misread.
CACHE_FORMAT = 2


def default_dir() -> Path:
    """``$QBANK_CACHE_DIR``, else ``.qbank-cache`` in the working directory."""
    return Path(os.environ.get("QBANK_CACHE_DIR") or ".qbank-cache")


def key(question: Question, python: str, modules: dict[str, str], resources: dict[str, str]) -> str:
    """The content hash of what a question's runs depend on: the program, its limits,
    the interpreter, the versions of its required modules and its resource files."""
    verify = question.verify
    assert verify is not None
    material = {
        "format": CACHE_FORMAT,
        "qbank": __version__,
        "code": question.code,
        "setup": verify.setup,
        "runs": verify.runs,
        "timeout": verify.timeout,
        "memory_mb": verify.memory_mb,
        "requires": {name: modules.get(name, "") for name in verify.requires},
        "resources": {name: resources.get(name, "") for name in verify.resources},
        "python": python,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class Cache:
    """A folder of JSON entries, one per key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        return self.root / "results" / digest[:2] / f"{digest}.json"

    def get(self, digest: str) -> dict[str, Any] | None:
        """The stored entry, or None when absent or unreadable."""
        try:
            entry = json.loads(self._path(digest).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != digest:
            return None
        return entry

    def put(self, digest: str, entry: dict[str, Any]) -> None:
        """Store an entry atomically; a cache that cannot be written is skipped silently."""
        path = self._path(digest)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({**entry, "key": digest}, f, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)

    def runs(self, digest: str) -> list[RunResult] | None:
        """The runs stored under ``digest``, or None when absent or not valid."""
        entry = self.get(digest)
        if entry is None:
            return None
        try:
            runs = [RunResult(**run) for run in entry["runs"]]
        except (KeyError, TypeError):
            return None
        valid = all(
            isinstance(r.stdout, str)
            and isinstance(r.stderr, str)
            and isinstance(r.duration_s, float)
            for r in runs
        )
        return runs if runs and valid else None

    def put_runs(self, digest: str, runs: list[RunResult]) -> None:
        """Store the runs of one snippet under ``digest``."""
        self.put(digest, {"runs": [asdict(run) for run in runs]})
