"""Pages of the last build that a new build takes as they are: only when nothing they
show has changed, and only if they are still the very files that build wrote.

Each unit (a pattern's pages) has a key: a hash of everything its pages are made
from. The manifest says, for the site folder, which files each unit wrote under
which key, with each file's inode, size, mtime and ctime; it is kept sealed in the
user's cache, never in the site (a folder a pull request could fill). A unit whose
key is unchanged and whose files are still those files is hard-linked into the new
site instead of being rendered again.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__, sealed
from generator.render.publish import SITE_MARKER

#: A manifest larger than this is not read.
MAX_BYTES = 64 << 20
#: (inode, size, mtime in ns, ctime in ns): a file rewritten since (by git, by hand, in
#: place with its mtime put back) differs.
Stamp = tuple[int, int, int, int]


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


def _stamp(path: Path) -> Stamp | None:
    """The stamp of the regular file at ``path`` (None: gone, a link, not a file)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _still(path: Path, stamp: Stamp) -> bool:
    """Whether ``path`` is still the very file that ``stamp`` recorded."""
    return _stamp(path) == stamp


@dataclass
class Shelf:
    """What the last build of one site folder wrote, unit by unit."""

    site: Path
    path: Path | None = None
    mac_key: bytes = b""
    old: dict[str, tuple[str, dict[str, Stamp]]] = field(default_factory=dict)
    new: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    _made: set[Path] = field(default_factory=set)
    """Folders of the new site made so far (one mkdir each, not one per file)."""

    @classmethod
    def open(cls, site: Path) -> Shelf:
        """The shelf of ``site`` (empty, and never saved, when the cache is off)."""
        try:
            mac_key = sealed.secret()
        except (sealed.CacheKeyError, RuntimeError):
            return cls(site)
        name = hashlib.sha256(os.fsencode(site.resolve())).hexdigest()[:32]
        shelf = cls(site, sealed.default_dir() / "pages" / f"{name}.pickle", mac_key)
        data = sealed.read(shelf.path, MAX_BYTES) if shelf.path else None
        body = sealed.unseal(mac_key, data) if data is not None else None
        with contextlib.suppress(Exception):  # written by this user's qbank: else start afresh
            old = pickle.loads(body) if body is not None else {}
            if isinstance(old, dict):
                shelf.old = old
        return shelf

    def begin(self) -> None:
        """Start a new build (what an unfinished one took or put is forgotten)."""
        self.new, self._made = {}, set()

    def take(self, unit: str, unit_key: str, into: Path) -> bool:
        """Link the unit's files from the old site into ``into`` if they are still valid."""
        found = self.old.get(unit)
        if found is None or found[0] != unit_key:
            return False
        names = found[1]
        if not all(_still(self.site / name, stamp) for name, stamp in names.items()):
            return False
        try:
            for name in names:
                target = into / name
                if target.parent not in self._made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    self._made.add(target.parent)
                os.link(self.site / name, target)
        except OSError:
            return False
        self.new[unit] = (unit_key, list(names))
        return True

    def put(self, unit: str, unit_key: str, files: list[Path], root: Path) -> None:
        """Remember what a unit rendered (paths under ``root``, the new site)."""
        self.new[unit] = (unit_key, [str(p.relative_to(root)) for p in files])

    def holds(self, keys: Mapping[str, str]) -> bool:
        """Whether the site folder already is, file for file, what a build of units with
        these keys writes: the same units under the same keys, each file still the one
        that was written, and nothing else in the folder."""
        if self.old.keys() != keys.keys():
            return False
        expected: set[str] = set()
        for unit, unit_key in keys.items():
            found_key, names = self.old[unit]
            if found_key != unit_key:
                return False
            if not all(_still(self.site / name, stamp) for name, stamp in names.items()):
                return False
            expected.update(names)
        try:
            return _contents(self.site) == expected
        except OSError:
            return False

    def save(self) -> None:
        """Record the published site's files (call after it is swapped into place): what
        the next build takes from, kept here and, unless the cache is off, in the cache."""
        manifest: dict[str, tuple[str, dict[str, Stamp]]] = {}
        for unit, (unit_key, names) in self.new.items():
            # a stamp taken now: linking a file (and deleting the old site) moved its ctime
            stamps = {name: _stamp(self.site / name) for name in names}
            if all(stamp is not None for stamp in stamps.values()):
                manifest[unit] = (unit_key, {n: s for n, s in stamps.items() if s is not None})
        self.old, self.new, self._made = manifest, {}, set()
        if self.path is None:
            return
        body = pickle.dumps(manifest, protocol=pickle.HIGHEST_PROTOCOL)
        sealed.write(self.path, sealed.seal(self.mac_key, body))


def _contents(site: Path) -> set[str]:
    """Every file of a site folder but its marker, by path relative to it. A folder
    holding nothing, a link and a missing marker each count as something no build
    writes, so a folder holding one is never taken as up to date."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(site, onerror=_raise):
        prefix = os.path.relpath(folder, site) + "/"
        prefix = "" if prefix == "./" else prefix
        if not dirs and not files:
            found.add(prefix + "/")
        found.update(prefix + name for name in files)  # links to files and special files too
        found.update(prefix + d + "/" for d in dirs if os.path.islink(os.path.join(folder, d)))
    found.discard(SITE_MARKER)
    marker = site / SITE_MARKER
    if marker.is_symlink() or not marker.is_file():
        found.add("/")
    return found


def _raise(error: OSError) -> None:
    raise error
