"""Files qbank keeps for itself in the user's cache, sealed so nobody else can plant one.

A bank must not be able to plant a verdict or a checked pattern, and the names of
these files are computed from public data. So they live outside the checkout by
default (:func:`default_dir`), and each carries an HMAC-SHA256 of its bytes, keyed
by a random secret that qbank creates on first use in the user's own cache folder
(:func:`secret`; never in ``$QBANK_CACHE_DIR``, which may point into a checkout
that a pull request fills). A file whose MAC does not verify is treated as absent.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path

from generator.atomic import replace_file
from generator.errors import ToolError

#: Bumped when what is stored changes, so old files are not misread.
CACHE_FORMAT = 3
#: Length of the secret that keys the MACs.
KEY_BYTES = 32
#: First line of a sealed file, before its MAC.
_HEADER = f"qbank-cache {CACHE_FORMAT}".encode()


class CacheKeyError(Exception):
    """The secret keying the cache cannot be created or read, or is not private."""


def user_dir() -> Path:
    """This user's own cache folder: ``$XDG_CACHE_HOME/qbank``, else ``~/.cache/qbank``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG spec: a relative path is to be ignored
        return Path.home() / ".cache" / "qbank"
    return Path(base) / "qbank"


def default_dir() -> Path:
    """Where entries live: ``$QBANK_CACHE_DIR``, else :func:`user_dir`."""
    return Path(os.environ.get("QBANK_CACHE_DIR") or user_dir())


def secret(folder: Path | None = None) -> bytes:
    """The secret keying the entries' MACs: ``key`` in ``folder`` (default :func:`user_dir`),
    :data:`KEY_BYTES` random bytes created on first use, mode 0600 in a 0700 folder.

    Raises :class:`CacheKeyError` when it cannot be created or read, or when another user
    could read or replace it.
    """
    folder = folder or user_dir()
    path = folder / "key"
    try:
        return _read_key(path)
    except (FileNotFoundError, NotADirectoryError):
        pass  # none yet: make one
    except OSError as exc:
        raise CacheKeyError(f"cannot read its key {path}: {exc.strerror or exc}") from None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".key-")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(KEY_BYTES))
                f.flush()
                os.fsync(f.fileno())
            # A hard link appears whole, and never replaces the key a parallel run made first.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
        return _read_key(path)
    except OSError as exc:
        raise CacheKeyError(f"cannot create its key {path}: {exc.strerror or exc}") from None


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise CacheKeyError(f"its key {path} is not a file of this user")
        if info.st_mode & 0o077:
            raise CacheKeyError(f"its key {path} is open to other users (chmod 600 it)")
        data = f.read(KEY_BYTES + 1)
    if len(data) != KEY_BYTES:
        raise CacheKeyError(f"its key {path} is not {KEY_BYTES} bytes long (delete it to renew)")
    return data


def seal(mac_key: bytes, body: bytes) -> bytes:
    """An entry's bytes: a header line with the format and the MAC, then ``body``."""
    return _HEADER + b" " + _mac(mac_key, body) + b"\n" + body


def unseal(mac_key: bytes, data: bytes) -> bytes | None:
    """The body of an entry of this format whose MAC verifies, else None."""
    header, newline, body = data.partition(b"\n")
    found, _, mac = header.rpartition(b" ")
    if not newline or found != _HEADER:
        return None
    return body if hmac.compare_digest(mac, _mac(mac_key, body)) else None


def _mac(mac_key: bytes, body: bytes) -> bytes:
    return hmac.new(mac_key, _HEADER + b"\n" + body, hashlib.sha256).hexdigest().encode()


def read(path: Path, max_bytes: int) -> bytes | None:
    """The raw bytes of a regular file of at most ``max_bytes``, else None: links are not
    followed and a planted FIFO is never waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
                return None
            return f.read(max_bytes + 1)
    except OSError:
        return None


def write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; a cache that cannot be written is skipped."""
    with contextlib.suppress(ToolError):
        replace_file(path, data, mode=0o600)
