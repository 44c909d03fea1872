"""Two generations of a site folder: the published one, and a spare, the site as the
build before last left it. A build brings the spare up to date with only what changed,
then the two trade places in one swap, so a reader of ``site/`` sees the old site or
the new one, never a mix; a build that fails leaves the published site as it was. The
cost of a build is the files that changed, not the size of the site.

Bringing the spare up to date, unit by unit (see :mod:`generator.render.reuse`): a unit
the spare holds under the same key, each file still the one written, stays; one the
published site holds so is copied from there (it changed in the last build); any other
is rendered. Everything else in the spare is removed first, whatever put it there (an
old unit, a planted file or link, an empty folder), so it is, file for file, what a
clean build writes.

The spare is kept in the user's cache, beside the shelf (when that is on another file
system than the site, beside the site as ``<site>.spare``). Without a spare (the first
builds, or one deleted), the new site is made in a new folder beside the site, the
published site's unchanged units hard-linked in; after the swap the old site is kept
as the spare. A spare is used only when the shelf knows what it holds and its folder
is one qbank made (a real folder holding the site marker); one that is not, qbank
leaves alone and keeps no spare.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.render.publish import SITE_MARKER, exchange, publish
from generator.render.reuse import SITE, SPARE, Manifest, Shelf, Stamp, holds, intact, stamp

#: Renders the named units into a folder; the files each wrote, relative to the folder.
Render = Callable[[Path, list[str]], dict[str, list[str]]]


def spare_of(site: Path, shelf: Shelf) -> Path:
    """Where the spare of ``site`` is kept: in the user's cache beside its shelf when
    that is on the same file system (a swap is a rename), else beside the site."""
    if shelf.path is not None:
        place = shelf.path.with_suffix(".spare")
        try:
            place.parent.mkdir(parents=True, exist_ok=True)
            if os.stat(place.parent).st_dev == os.stat(site.parent).st_dev:
                return place
        except OSError:
            pass
    return site.with_name(f"{site.name}.spare")  # git-ignored as site.*/


def update(
    site: Path, shelf: Shelf, keys: dict[str, str], render: Render, protected: Iterable[Path]
) -> bool:
    """Make ``site`` hold the units of ``keys``, rendering with ``render`` only what no
    generation holds; ``protected`` folders (the bank, the working folder) are never
    taken for a spare (nor any folder holding one). Returns whether the site was
    replaced (False: it already was what this build writes)."""
    site = Path(os.path.abspath(site))
    site.parent.mkdir(parents=True, exist_ok=True)
    published = shelf.slots.get(SITE, {})
    if holds(site, published, keys):
        return False
    spare = spare_of(site, shelf)
    usable = _ours(spare, protected)
    if usable and SPARE in shelf.slots and site.is_dir():
        made = _bring_up(spare, shelf.slots[SPARE], site, published, keys, render)
        _swap(spare, site)
        shelf.slots = {SITE: made, SPARE: published}
        return True
    if usable:  # ours, but what it holds is unknown
        shutil.rmtree(spare)
    written: dict[str, tuple[str, list[str]]] = {}

    def build(tmp: Path) -> None:
        written.update(_link_in(tmp, site, published, keys, render))

    kept = publish(build, site, keep=spare if not os.path.lexists(spare) else None)
    made = {unit: (k, _stamps(site, files)) for unit, (k, files) in written.items()}
    shelf.slots = {SITE: made}
    if kept:  # a file linked into the new site is the same file, with a new ctime
        shelf.slots[SPARE] = {
            unit: (k, made[unit][1] if unit in made and made[unit][0] == k else files)
            for unit, (k, files) in published.items()
        }
    return True


def _bring_up(
    spare: Path,
    held: Manifest,
    site: Path,
    published: Manifest,
    keys: dict[str, str],
    render: Render,
) -> Manifest:
    """Bring ``spare`` (which ``held`` says what it holds) up to date with ``keys``."""
    made: Manifest = {}
    todo: list[str] = []
    for unit, unit_key in keys.items():
        found = held.get(unit)
        if found is not None and found[0] == unit_key and intact(spare, found[1]):
            made[unit] = found
        else:
            todo.append(unit)
    kept = {SITE_MARKER, *(name for _, files in made.values() for name in files)}
    _prune(spare, kept, site, published)
    rendered = []
    for unit in todo:
        found = published.get(unit)
        if found is not None and found[0] == keys[unit] and intact(site, found[1]):
            made[unit] = published[unit] = (keys[unit], _link(site, spare, found[1]))
        else:
            rendered.append(unit)
    for unit, files in render(spare, rendered).items():
        made[unit] = (keys[unit], _stamps(spare, files))
    marker = spare / SITE_MARKER
    if stamp(marker) is None:  # kept all along: a failed build still leaves a spare
        marker.write_text("built by qbank; replaced whole by the next build\n")
    return made


def _link_in(
    tmp: Path, site: Path, published: Manifest, keys: dict[str, str], render: Render
) -> dict[str, tuple[str, list[str]]]:
    """Fill the empty folder ``tmp``: the published site's units that are unchanged,
    hard-linked; the others rendered."""
    made: dict[str, tuple[str, list[str]]] = {}
    todo: list[str] = []
    folders: set[Path] = set()
    for unit, unit_key in keys.items():
        found = published.get(unit)
        if found is None or found[0] != unit_key or not intact(site, found[1]):
            todo.append(unit)
            continue
        try:
            for name in found[1]:
                target = tmp / name
                if target.parent not in folders:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(target.parent)
                os.link(site / name, target)
        except OSError:
            todo.append(unit)
            continue
        made[unit] = (unit_key, list(found[1]))
    made.update((unit, (keys[unit], files)) for unit, files in render(tmp, todo).items())
    return made


def _link(source: Path, target: Path, files: Iterable[str]) -> dict[str, Stamp]:
    """Hard-link ``files`` of one generation into the other: one file under two names,
    whose stamp, now the same for both, is returned (linking moved its ctime). Neither
    generation is ever written in place, so sharing a file is safe."""
    stamps = {}
    for name in files:
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(source / name, path)
        stamps[name] = _stamp_of(path)
    return stamps


def _stamps(folder: Path, files: Iterable[str]) -> dict[str, Stamp]:
    return {name: _stamp_of(folder / name) for name in files}


def _stamp_of(path: Path) -> Stamp:
    found = stamp(path)
    if found is None:
        raise FileNotFoundError(2, "written, then gone", str(path))
    return found


def _prune(folder: Path, keep: set[str], other: Path, held: Manifest) -> None:
    """Remove from ``folder`` everything but the regular files ``keep`` names and the
    folders holding them: a link is removed, never followed. Files of the ``other``
    generation (``held`` says what it holds) that were one with a file removed get
    their new stamp."""
    owners = {name: files for _, files in held.values() for name in files}

    def walk(path: str, prefix: str) -> bool:
        empty = True
        with os.scandir(path) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if walk(entry.path, name + "/"):
                        os.rmdir(entry.path)
                    else:
                        empty = False
                elif name in keep and entry.is_file(follow_symlinks=False):
                    empty = False
                else:
                    _remove(entry, name, other, owners.get(name))
        return empty

    walk(os.fspath(folder), "")


def _remove(
    entry: os.DirEntry[str], name: str, other: Path, files: dict[str, Stamp] | None
) -> None:
    """Remove ``entry``. When it was one file with ``name`` of the other generation, still
    as ``files`` recorded it, that file gets its new stamp: removing a name moves the
    ctime of the file it names."""
    recorded = files.get(name) if files is not None else None
    shared = recorded is not None and recorded[0] == entry.inode()
    still = shared and stamp(other / name) == recorded
    os.unlink(entry.path)
    if still and files is not None:
        files[name] = _stamp_of(other / name)


def _ours(spare: Path, protected: Iterable[Path]) -> bool:
    """Whether ``spare`` is a spare qbank made: a real folder holding the site marker,
    overlapping no protected folder."""
    try:
        info = os.lstat(spare)
        marker = os.lstat(spare / SITE_MARKER)
    except OSError:
        return False
    if not (stat.S_ISDIR(info.st_mode) and stat.S_ISREG(marker.st_mode)):
        return False
    resolved = spare.resolve()
    return not any(path.resolve().is_relative_to(resolved) for path in protected)


def _swap(spare: Path, site: Path) -> None:
    """Put the spare in place of the site, and the site in place of the spare: at once
    where the system can (Linux), else by three renames."""
    os.chmod(spare, 0o755)
    if exchange(spare, site):
        return
    parked = site.with_name(f"{site.name}.old-swap")
    os.replace(site, parked)
    os.replace(spare, site)
    os.replace(parked, spare)
