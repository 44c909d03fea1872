"""Which qbank made something: its version and a hash of its own files.

What qbank remembers between runs (each file's check, the pages of the last build) is
used again only by the very code that made it. The version number alone would let a
checkout that follows qbank's main branch, or an edited install, take pages or checks
made by other code for its own.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from generator import __version__

PACKAGE = Path(__file__).parent


@functools.cache
def code_id() -> str:
    """A hash of the version and of every file of the package (code, templates, static
    files, schemas), by name and content; compiled caches are left out."""
    digest = hashlib.sha256(__version__.encode())
    for folder, dirs, files in os.walk(PACKAGE, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(folder) / name
            if not path.is_file():  # a link to nothing: not part of what runs
                continue
            digest.update(os.fsencode(path.relative_to(PACKAGE)) + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
