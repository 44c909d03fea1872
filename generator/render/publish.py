"""Publish a build in one swap: a failed build leaves the previous site as it was.

The new site is built in a temp folder beside the target (same file system,
so renames are atomic). On Linux the two folders trade places in one
``renameat2(RENAME_EXCHANGE)`` call, so ``site/`` never goes missing, even for
an instant; elsewhere the old site is renamed away and the new one renamed in.
Only then is the old one deleted.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from generator.errors import ConfigError, ToolError

#: Written into every published site: a later build may replace a folder holding it.
SITE_MARKER = ".qbank-site"


def publish(build: Callable[[Path], object], site: Path, keep: Path | None = None) -> bool:
    """Call ``build(tmp)`` on an empty folder beside ``site``, then swap it into ``site``.
    The old site is then deleted, or with ``keep``, moved there (the spare of
    :mod:`generator.render.generations`). Returns whether an old site was kept.

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
    if site.exists() and exchange(tmp, site):
        return _drop(tmp, keep)  # tmp now holds the old site
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
    return _drop(old, keep) if old is not None else False


def _drop(old: Path, keep: Path | None) -> bool:
    """Move the replaced site to ``keep``, else delete it; whether it was kept."""
    if keep is not None:
        try:
            os.rename(old, keep)  # a name found free: a file there now makes this fail
            return True
        except OSError:
            pass
    shutil.rmtree(old, ignore_errors=True)
    return False


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux ``renameat2``); False where that is not possible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


def check_output_folder(out: Path, bank_root: Path) -> None:
    """Refuse an output folder whose replacement would delete the author's work."""
    target = out.resolve()
    bank = bank_root.resolve()
    protected = {"the bank": bank, "the working directory": Path.cwd().resolve()}
    for what, path in protected.items():
        if path.is_relative_to(target) or (what == "the bank" and target.is_relative_to(bank)):
            raise ConfigError(
                f"--out {out} would overlap {what} ({path}); choose a separate folder such as site/"
            )
    if target.is_dir() and any(target.iterdir()) and not (target / SITE_MARKER).exists():
        raise ConfigError(
            f"--out {out} is a folder qbank did not build (no {SITE_MARKER} in it); "
            "refusing to replace it"
        )


def unwritable(exc: OSError, out: Path) -> ToolError:
    """The tool error for a site that could not be written (disk full, not writable...)."""
    where = exc.filename or out
    in_the_way = isinstance(exc, FileExistsError | NotADirectoryError)
    reason = "not a folder" if in_the_way else exc.strerror or exc
    return ToolError(f"cannot write the site: {where}: {reason}; {out} is unchanged")
