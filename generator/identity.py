"""Which qbank made something: its version and a hash of its own files.

What qbank remembers between runs (each file's check, the pages of the last build,
the runs of a snippet) is used again only by the code that made it. The version
number alone would let a checkout that follows qbank's main branch, or an edited
install, take checks, pages or runs made by other code for its own.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from generator import __version__

PACKAGE = Path(__file__).parent


@functools.cache
def code_id(*parts: str) -> str:
    """A hash of the version and of the package's files (code, templates, static files,
    schemas), or of only the files and folders ``parts`` names in it; by name and
    content, compiled caches left out."""
    digest = hashlib.sha256(__version__.encode())
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
