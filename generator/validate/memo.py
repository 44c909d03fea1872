"""What checking each pattern file gave last time, so an unchanged file is not read again.

Keyed by the file's content (a size and mtime match first, then its SHA-256), the
bank's settings, how the file was given and the qbank version. Kept per bank in the
user's cache, sealed with the user's secret (:mod:`generator.sealed`): a file a bank
could plant is never unpickled. The checks are spread over :data:`SHARDS` files by a
hash of each file's path, and a run writes back only the shards it changed: at 50,000
questions (84 MB of checks) writing all of them back after one file changed took
0.4 s of CPU, one shard takes a few milliseconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator import sealed
from generator.collector import collect_before_freezing, unscanned
from generator.errors import Diagnostic
from generator.identity import code_id
from generator.model import Pattern, QuestionRef, Settings

#: Bumped when what a check gives changes shape, so older entries are not used.
FORMAT = 3
#: A shard larger than this is not read (a bank of 50,000 questions needs about 84 MB).
MAX_BYTES = 64 << 20
#: Files the checks of a bank are spread over.
SHARDS = 64


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

    folder: Path | None = None
    key: bytes = b""
    shards: dict[int, dict[str, _Entry]] = field(default_factory=dict)
    """The shards read so far, by number: each file's path → its entry."""
    used: set[str] = field(default_factory=set)
    changed: set[int] = field(default_factory=set)
    """Shards to write back."""

    @classmethod
    def open(cls, bank_root: Path) -> Memo:
        """The memo of ``bank_root`` (empty, and never saved, when the cache is off)."""
        try:
            key = sealed.secret()
        except (sealed.CacheKeyError, RuntimeError):
            return cls()
        name = hashlib.sha256(os.fsencode(bank_root.resolve())).hexdigest()[:32]
        collect_before_freezing()
        return cls(sealed.default_dir() / "checked" / name, key)

    def _shard(self, name: str) -> tuple[int, dict[str, _Entry]]:
        """The shard holding the entry of the file named ``name``, read when first asked."""
        number = zlib.crc32(os.fsencode(name)) % SHARDS
        found = self.shards.get(number)
        if found is None:
            found = self.shards[number] = {}
            data = sealed.read(self.folder / f"{number}.pickle", MAX_BYTES) if self.folder else None
            body = sealed.unseal(self.key, data) if data is not None else None
            if body is not None:
                with contextlib.suppress(Exception):  # an older qbank's classes: afresh
                    entries = pickle.loads(body)  # sealed with the user's secret: qbank wrote it
                    if isinstance(entries, dict):
                        found.update(entries)
        return number, found

    @staticmethod
    def context(settings: Settings, placement: bool) -> str:
        """What else a file's check depends on: settings, placement rules, qbank's code."""
        return f"{FORMAT}|{code_id()}|{placement}|{settings!r}"

    def get(self, path: Path, context: str) -> FileCheck | None:
        """The memo of ``path`` if its content and context are unchanged, else None."""
        number, shard = self._shard(str(path))
        entry = shard.get(str(path))
        self.used.add(str(path))
        try:
            info = path.stat()
            if entry is None or entry.context != context or info.st_size != entry.size:
                return None
            if entry.mtime_ns != info.st_mtime_ns:  # touched: is it the same text?
                if _digest(path) != entry.digest:
                    return None
                entry.mtime_ns = info.st_mtime_ns
                self.changed.add(number)
        except OSError:
            return None
        with unscanned():
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
        number, shard = self._shard(str(path))
        shard[str(path)] = _Entry(info.st_size, info.st_mtime_ns, digest, context, blob)
        self.changed.add(number)
        return checked

    def save(self) -> None:
        """Write back the shards that changed (files no longer in the bank are dropped:
        a shard none of the bank's files falls in holds only such files)."""
        for number, shard in self.shards.items():
            stale = set(shard) - self.used
            for name in stale:
                del shard[name]
            if stale:
                self.changed.add(number)
        if self.folder is None:
            return
        with contextlib.suppress(OSError):
            self.folder.with_suffix(".pickle").unlink(missing_ok=True)  # an older qbank's
            for entry in os.scandir(self.folder):
                shown = entry.name.removesuffix(".pickle")
                if shown.isdigit() and entry.name != shown and int(shown) not in self.shards:
                    os.unlink(entry.path)
        for number in self.changed:
            body = pickle.dumps(self.shards[number], protocol=pickle.HIGHEST_PROTOCOL)
            sealed.write(self.folder / f"{number}.pickle", sealed.seal(self.key, body))
        self.changed = set()


def _digest(path: Path) -> str:
    """The SHA-256 of a file, read in small pieces (a file may be over the size cap)."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
