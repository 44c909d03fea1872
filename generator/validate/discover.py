"""Which files make up a bank: ``<bank>/bank.yaml`` and ``<bank>/<topic-slug>/<id>.yaml``.

Nothing that looks like bank content is skipped in silence: a YAML file in the
wrong place or with the wrong ending (``.yml``, ``.YAML``), a broken symbolic
link, or a link that leads out of the bank is named with an ``invalid``
diagnostic. Links are followed only while their target stays inside the bank,
so a bank from a stranger cannot make qbank read (and echo) a file elsewhere.
Hidden entries (``.git``, editor files) are not bank content; neither are files
of other kinds (README, images, theme templates).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Diagnostic, Location, ToolError

SETTINGS_FILE = "bank.yaml"
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PLACE = "pattern files live at <bank>/<topic-slug>/<pattern-id>.yaml"


def display_path(path: Path) -> str:
    """A path as messages print it: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def bank_root(path: Path) -> Path:
    """The bank a command-line path names: the folder itself, or for one pattern file the
    folder two levels up (``<bank>/<topic>/<file>``), where its ``bank.yaml`` is. Settings,
    ``theme``, ``runtime.python`` and ``--out`` checks all resolve against this folder."""
    return path.parent.parent if path.is_file() else path


def _looks_like_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


@dataclass
class Files:
    """A bank's pattern files and what is wrong with where files are."""

    patterns: list[Path] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    leave: frozenset[str] = frozenset()
    """Folders that are not bank content (the theme), as normalised paths."""

    def skip(self, path: Path, message: str) -> None:
        """Name a file that is not read."""
        self.problems.append(Diagnostic(Location(display_path(path), 1, 1), "invalid", message))


def settings_file(root: Path) -> tuple[Path | None, list[Diagnostic]]:
    """``<root>/bank.yaml`` when there is one that may be read."""
    path = root / SETTINGS_FILE
    if not os.path.lexists(path):
        return None, []
    files = Files()
    kind = _kind(path, root.resolve(), files)
    return (path if kind == "file" else None), files.problems


def discover(root: Path, theme: str | None = None) -> Files:
    """The pattern files of the bank folder ``root`` and problems with its layout;
    the ``theme`` folder (relative to ``root``) is not bank content and is left alone."""
    if not root.is_dir():
        raise ToolError(f"bank not found: {root} is not a folder or a YAML file")
    inside = root.resolve()
    files = Files(leave=frozenset({os.path.normpath(root / theme)} if theme else ()))
    _walk(root, (), inside, files, {inside})
    files.patterns.sort()
    if not files.patterns and not files.problems:  # a mistyped or unfilled folder
        files.skip(root, "no pattern files in this bank (it holds <topic>/<id>.yaml files)")
    return files


def _walk(
    folder: Path, parts: tuple[str, ...], inside: Path, files: Files, seen: set[Path]
) -> None:
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        files.skip(folder, f"cannot read folder: {exc.strerror or type(exc).__name__}")
        return
    for name in names:
        if name.startswith("."):
            continue
        path = folder / name
        if (parts == () and name == SETTINGS_FILE) or os.path.normpath(path) in files.leave:
            continue
        kind = _kind(path, inside, files)
        if kind == "folder":
            real = path.resolve()
            if real not in seen:  # a link back up the tree is read once
                seen.add(real)
                _walk(path, (*parts, name), inside, files, seen)
        elif kind == "file" and _looks_like_yaml(name):
            _place(path, (*parts, name), files)


def _kind(path: Path, inside: Path, files: Files) -> str | None:
    """``folder``, ``file`` or None (skipped; named when it could be bank content)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if path.is_symlink():
            files.skip(path, "broken symbolic link (its target does not exist); not read")
        else:
            files.skip(path, f"cannot read: {exc.strerror or type(exc).__name__}")
        return None
    content = stat.S_ISDIR(mode) or _looks_like_yaml(path.name)
    if path.is_symlink() and not path.resolve().is_relative_to(inside):
        if content:
            files.skip(
                path,
                f"symbolic link to {path.resolve()}, outside the bank; not read "
                "(links must stay inside the bank)",
            )
        return None
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISREG(mode):
        return "file"
    if content:
        files.skip(path, "not a regular file; not read")
    return None


def _place(path: Path, parts: tuple[str, ...], files: Files) -> None:
    """Accept a YAML file at ``<topic-slug>/<id>.yaml``; name any other."""
    suffix = parts[-1][parts[-1].lower().rindex(".") :]
    if suffix != ".yaml":
        files.skip(path, f"bank files end in `.yaml`, not `{suffix}`; rename it to be read")
    elif len(parts) != 2:
        files.skip(path, _PLACE)
    elif (why := topic_problem(parts[0])) is not None:
        files.skip(path, why)
    else:
        files.patterns.append(path)


def topic_problem(folder: str) -> str | None:
    """Why a pattern file's folder cannot be its topic slug (used in URLs), or None."""
    if _SLUG.match(folder):
        return None
    return (
        f"topic folder `{folder}` is not a slug (lowercase letters and digits with single hyphens)"
    )


def one_file(path: Path) -> Files:
    """A single pattern file given on the command line. Its folder, whatever it is called,
    names its topic, except a name that is not UTF-8: no page could be written with it."""
    files = Files()
    try:
        path.parent.name.encode("utf-8")
    except UnicodeEncodeError:
        files.skip(path, topic_problem(path.parent.name) or "")
        return files
    files.patterns.append(path)
    return files
