"""Publish a build in one swap: a failed build leaves the previous site as it was.

The new site is built in a temp folder beside the target (same file system,
so renames are atomic); the old site is renamed away, the new one renamed in,
and only then is the old one deleted.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from generator.errors import ToolError

#: Written into every published site: a later build may replace a folder holding it.
SITE_MARKER = ".qbank-site"


def publish(build: Callable[[Path], object], site: Path) -> None:
    """Call ``build(tmp)`` on an empty folder beside ``site``, then swap it into ``site``.

    On any exception the temp folder is removed and ``site`` is left untouched.
    """
    site = Path(os.path.abspath(site))
    if site.exists() and not site.is_dir():
        raise ToolError(f"{site}: exists and is not a folder")
    site.parent.mkdir(parents=True, exist_ok=True)
    # Named "<site>.new-*" / "<site>.old-*": git-ignored, and easy to spot if a kill leaves one.
    tmp = Path(tempfile.mkdtemp(prefix=f"{site.name}.new-", dir=site.parent))
    try:
        os.chmod(tmp, 0o755)  # mkdtemp makes 0700; a static host must be able to read it
        build(tmp)
        (tmp / SITE_MARKER).write_text("built by qbank; replaced whole by the next build\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old: Path | None = None
    if site.exists():
        old = Path(tempfile.mkdtemp(prefix=f"{site.name}.old-", dir=site.parent))
        os.rmdir(old)
        os.replace(site, old)
    try:
        os.replace(tmp, site)
    except BaseException:
        if old is not None:
            os.replace(old, site)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
