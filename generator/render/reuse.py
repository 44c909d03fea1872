"""What the last builds of a site folder left for the next: which files each unit of
output wrote under which key, and what was worked out from each pattern's source.

Each unit (a pattern's pages, the lists, the assets, a file of the search index) has
a key: a hash of everything its files are made from (see :mod:`generator.render.plan`).
A manifest says, for a folder, which files each unit wrote under which key, with each
file's inode, size, mtime and ctime. The shelf keeps one for the published site and
one for its spare (:mod:`generator.render.generations`), the words each pattern adds to
the search index and what the lists show of it (by the pattern's source), and the last
search index. It is kept sealed in the user's cache, never in the site (a folder a pull
request could fill): one file, read and written whole, about 20 MB at 50,000 questions
(0.1 s each way), most of it the search words, kept as bytes and unpickled only for the
patterns that changed.

Why the ctime, and no hash of the bytes: an edit in place can put back an inode, a
size and an mtime (``os.utime``), but not the ctime, which the kernel sets to the
current time on every change to a file, its times included, and nobody can set back
short of changing the system clock. One ``lstat`` per file tells what hashing every
byte told (86 MB at 5,000 questions, 860 MB at 50,000: about 1 s of CPU per rebuild).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__, sealed
from generator.collector import unscanned
from generator.identity import code_id
from generator.render.publish import SITE_MARKER
from generator.render.search_index import Index, Words

#: A shelf larger than this is not read.
MAX_BYTES = 512 << 20
#: Bumped when what the shelf holds changes shape.
FORMAT = 2
#: (inode, size, mtime in ns, ctime in ns): a file rewritten since (by git, by hand, in
#: place with its mtime put back) differs.
Stamp = tuple[int, int, int, int]
#: Unit → (its key, each of its files, relative to the folder → its stamp).
Manifest = dict[str, tuple[str, dict[str, Stamp]]]
#: The manifests a shelf keeps: the published site's and its spare's.
SITE = "site"
SPARE = "spare"


def fingerprint(*folders: Path | None) -> str:
    """A hash of every file under ``folders`` (names and bytes) and qbank's version, read
    afresh on every call: ``qbank serve`` must see a theme edited between two builds."""
    digest = hashlib.sha256(__version__.encode())
    for folder in folders:
        if folder is None:
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(os.fsencode(path.relative_to(folder)) + b"\0" + path.read_bytes())
    return digest.hexdigest()


def key(*parts: object) -> str:
    """The key of a unit: a hash of what its pages are made from. Hashed through ``repr``
    (dataclasses, tuples, strings, numbers): unlike a pickle, the same values always give
    the same text, however the objects were made."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).hexdigest()


def stamp(path: Path | str) -> Stamp | None:
    """The stamp of the regular file at ``path`` (None: gone, a link, not a file)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def intact(folder: Path, files: Mapping[str, Stamp]) -> bool:
    """Whether each of ``files`` in ``folder`` is still the very file its stamp recorded."""
    root = os.fspath(folder) + "/"
    return all(stamp(root + name) == recorded for name, recorded in files.items())


def holds(folder: Path, manifest: Manifest, keys: Mapping[str, str]) -> bool:
    """Whether ``folder`` already is, file for file, what a build of units with these
    keys writes: the same units under the same keys, each file still the one that was
    written, and nothing else in the folder."""
    if manifest.keys() != keys.keys():
        return False
    if any(manifest[unit][0] != unit_key for unit, unit_key in keys.items()):
        return False
    expected: set[str] = set()
    for _, files in manifest.values():
        if not intact(folder, files):
            return False
        expected.update(files)
    try:
        return contents(folder) == expected
    except OSError:
        return False


def contents(folder: Path) -> set[str]:
    """Every file of a site folder but its marker, by path relative to it. A folder
    holding nothing, a link and a missing marker each count as something no build
    writes, so a folder holding one is never taken as up to date."""
    found: set[str] = set()

    def walk(path: str, prefix: str) -> None:
        empty = True
        with os.scandir(path) as entries:
            for entry in entries:
                empty = False
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                else:  # a file, a link (to a folder too) or a special file
                    found.add(prefix + entry.name)
        if empty:
            found.add(prefix + "/")

    walk(os.fspath(folder), "")
    found.discard(SITE_MARKER)
    marker = folder / SITE_MARKER
    if marker.is_symlink() or not marker.is_file():
        found.add("/")
    return found


@dataclass
class Shelf:
    """What the last builds of one site folder left for the next (kept in memory only,
    and never saved, when made as ``Shelf(site)`` or when the cache is off)."""

    site: Path
    path: Path | None = None
    mac_key: bytes = b""
    slots: dict[str, Manifest] = field(default_factory=dict)
    """:data:`SITE` and :data:`SPARE` → what that folder holds."""
    cards: dict[str, str] = field(default_factory=dict)
    """Pattern source → a hash of what the lists show of the pattern."""
    words: dict[str, bytes] = field(default_factory=dict)
    """Pattern source → its questions' search words, pickled."""
    index: Index | None = None
    """The last build's search index."""

    @classmethod
    def open(cls, site: Path) -> Shelf:
        """The shelf of ``site`` in the user's cache, read by :meth:`held` (empty, and
        never saved, when the cache is off)."""
        try:
            mac_key = sealed.secret()
        except (sealed.CacheKeyError, RuntimeError):
            return cls(site)
        name = hashlib.sha256(os.fsencode(site.resolve())).hexdigest()[:32]
        return cls(site, sealed.default_dir() / "pages" / f"{name}.pickle", mac_key)

    @contextlib.contextmanager
    def held(self) -> Iterator[Shelf]:
        """The shelf, read afresh from the cache and held for one build: another build
        of the same site waits meanwhile (both would bring up the same spare)."""
        if self.path is None:
            yield self
            return
        with _locked(self.path.with_suffix(".lock")):
            self._read()
            yield self

    def _read(self) -> None:
        assert self.path is not None
        data = sealed.read(self.path, MAX_BYTES)
        body = sealed.unseal(self.mac_key, data) if data is not None else None
        self.slots, self.cards, self.words, self.index = {}, {}, {}, None
        with contextlib.suppress(Exception), unscanned():  # this user's qbank wrote it
            kept = pickle.loads(body) if body is not None else None
            if isinstance(kept, dict) and kept.get("format") == FORMAT:
                self.slots = kept["slots"]
                if kept["made_by"] == code_id():  # else only the manifests hold: their
                    self.cards, self.words = kept["cards"], kept["words"]  # keys name
                    self.index = kept["index"]  # the code

    def remembered(self, source: str) -> Words | None:
        """The search words of the pattern of this source, if known."""
        found = self.words.get(source)
        return pickle.loads(found) if found is not None else None

    def keep(self, sources: set[str], words: Mapping[str, Words], index: Index) -> None:
        """What this build worked out, for the patterns of these sources."""
        blobs = {s: pickle.dumps(w, protocol=pickle.HIGHEST_PROTOCOL) for s, w in words.items()}
        self.words = {s: b for s, b in {**self.words, **blobs}.items() if s in sources}
        self.cards = {s: card for s, card in self.cards.items() if s in sources}
        self.index = index

    def save(self) -> None:
        """Write the shelf to the cache (unless the cache is off)."""
        if self.path is None:
            return
        kept = {
            "format": FORMAT,
            "slots": self.slots,
            "cards": self.cards,
            "words": self.words,
            "index": self.index,
            "made_by": code_id(),
        }
        body = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
        sealed.write(self.path, sealed.seal(self.mac_key, body))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (where the system has ``flock``; a lock file that
    cannot be made is skipped)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux or macOS
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and the lock with it
