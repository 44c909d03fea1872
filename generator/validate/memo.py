"""What checking each pattern file gave last time, so an unchanged file is not read again.

Keyed by the file's content (a size and mtime match first, then its SHA-256), the
bank's settings, how the file was given and the qbank version. Kept as one pickle
per bank in the user's cache, sealed with the user's secret (:mod:`generator.sealed`):
a file a bank could plant is never unpickled.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator import sealed
from generator.errors import Diagnostic
from generator.identity import code_id
from generator.model import Pattern, QuestionRef, Settings

#: Bumped when what a check gives changes shape, so older entries are not used.
FORMAT = 3
#: A memo larger than this is not read (a bank of 50,000 questions needs about 60 MB).
MAX_BYTES = 512 << 20


@dataclass(frozen=True)
class FileCheck:
    """One file's pattern (None when unusable), its own problems, and questions it could
    not load (they still get records)."""

    pattern: Pattern | None
    problems: tuple[Diagnostic, ...]
    unloaded: tuple[QuestionRef, ...]


@dataclass
class _Entry:
    size: int
    mtime_ns: int
    digest: str
    context: str
    checked: bytes
    """The pickled :class:`FileCheck`: kept as bytes, so writing the memo back after one
    file changed does not pickle the whole bank again."""


@dataclass
class Memo:
    """FileCheck files of one bank, read from and written back to the user's cache."""

    path: Path | None = None
    key: bytes = b""
    entries: dict[str, _Entry] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    changed: bool = False

    @classmethod
    def open(cls, bank_root: Path) -> Memo:
        """The memo of ``bank_root`` (empty, and never saved, when the cache is off)."""
        try:
            key = sealed.secret()
        except (sealed.CacheKeyError, RuntimeError):
            return cls()
        name = hashlib.sha256(os.fsencode(bank_root.resolve())).hexdigest()[:32]
        path = sealed.default_dir() / "checked" / f"{name}.pickle"
        memo = cls(path, key)
        if gc.get_freeze_count():  # a long-lived process (serve): free its cycles before
            gc.collect()  # freezing again (cheap: what earlier checks froze is not scanned)
        data = sealed.read(path, MAX_BYTES)
        body = sealed.unseal(key, data) if data is not None else None
        if body is not None:
            try:
                entries = pickle.loads(body)  # sealed with the user's secret: qbank wrote it
            except Exception:  # an older qbank's classes: start afresh
                entries = {}
            if isinstance(entries, dict):
                memo.entries = entries
        return memo

    @staticmethod
    def context(settings: Settings, placement: bool) -> str:
        """What else a file's check depends on: settings, placement rules, qbank's code."""
        return f"{FORMAT}|{code_id()}|{placement}|{settings!r}"

    def get(self, path: Path, context: str) -> FileCheck | None:
        """The memo of ``path`` if its content and context are unchanged, else None."""
        entry = self.entries.get(str(path))
        self.used.add(str(path))
        try:
            info = path.stat()
            if entry is None or entry.context != context or info.st_size != entry.size:
                return None
            if entry.mtime_ns != info.st_mtime_ns:  # touched: is it the same text?
                if _digest(path) != entry.digest:
                    return None
                entry.mtime_ns = info.st_mtime_ns
                self.changed = True
        except OSError:
            return None
        with _unscanned():
            found = pickle.loads(entry.checked)  # sealed with the user's secret: qbank wrote it
        return found if isinstance(found, FileCheck) else None

    def put(self, path: Path, context: str, checked: FileCheck) -> FileCheck:
        """Remember a file's check (by what it holds now); the check, its pattern stamped
        with its source (see :attr:`generator.model.Pattern.source`)."""
        try:
            info = path.stat()
            digest = _digest(path)
        except OSError:
            return checked
        if checked.pattern is not None:
            # The context names the file, whose name may hold bytes that are not UTF-8.
            key = f"{digest}|{context}".encode("utf-8", "surrogatepass")
            source = hashlib.sha256(key).hexdigest()
            checked = replace(checked, pattern=replace(checked.pattern, source=source))
        blob = pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL)
        self.entries[str(path)] = _Entry(info.st_size, info.st_mtime_ns, digest, context, blob)
        self.changed = True
        return checked

    def save(self) -> None:
        """Write the memo back (files no longer in the bank are dropped)."""
        stale = set(self.entries) - self.used
        for name in stale:
            del self.entries[name]
        if self.path is None or not (self.changed or stale):
            return
        body = pickle.dumps(self.entries, protocol=pickle.HIGHEST_PROTOCOL)
        sealed.write(self.path, sealed.seal(self.key, body))


def _digest(path: Path) -> str:
    """The SHA-256 of a file, read in small pieces (a file may be over the size cap)."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


@contextlib.contextmanager
def _unscanned() -> Iterator[None]:
    """Unpickle a pattern out of the garbage collector's sight: paused meanwhile, then
    told to leave what exists alone (``gc.freeze``). A pattern's thousands of objects live
    as long as its bank and hold no cycles, yet each collection would scan every one
    loaded so far: 4 of the 5 s of CPU that loading 50,000 remembered questions took."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
