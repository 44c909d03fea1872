"""Which qbank made something: its version and a hash of its own files.

What qbank remembers between runs (each file's check, the pages of the last build,
the runs of a snippet) is used again only by the code that made it. The version
number alone would let a checkout that follows qbank's main branch, or an edited
install, take checks, pages or runs made by other code for its own.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

from generator import __version__

PACKAGE = Path(__file__).parent
#: Libraries whose code shapes what qbank writes and checks (pages, highlighting, schema
#: and YAML checks): an upgrade of one is new code too.
LIBRARIES = ("jinja2", "markupsafe", "markdown", "nh3", "pygments", "jsonschema", "yaml", "regex")


@functools.cache
def code_id(*parts: str) -> str:
    """A hash of the version and of the package's files (code, templates, static files,
    schemas) and :data:`LIBRARIES` as installed, or of only the files and folders
    ``parts`` names in the package; by name and content, compiled caches left out."""
    digest = hashlib.sha256(__version__.encode())
    if not parts:
        digest.update(_installed(LIBRARIES).encode("utf-8", "surrogateescape"))
    for root in [PACKAGE / part for part in parts] or [PACKAGE]:
        for path in _files(root):
            digest.update(os.fsencode(path.relative_to(PACKAGE)) + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for folder, dirs, files in os.walk(root, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            path = Path(folder) / name
            if not name.endswith((".pyc", ".pyo")) and path.is_file():  # not a link to nothing
                yield path


def _installed(names: tuple[str, ...]) -> str:
    """Where each library is installed and when its entry file was written (without
    importing it): a reinstall or an upgrade rewrites it."""
    found = []
    for name in names:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec is not None else None
        try:
            info = os.stat(origin) if origin else None
        except OSError:
            info = None
        stamp = f"{info.st_mtime_ns}:{info.st_size}" if info else "-"
        found.append(f"{name}={origin}@{stamp}")
    return "\n".join(found)
