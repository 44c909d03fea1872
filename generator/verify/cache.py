"""Runs of snippets, keyed by a hash of everything that can change what they print.

The cache keeps what the runs printed, not verdicts: each hit is judged again
against the question as it is now, so edits to choices, expected output or
positions in the file never meet a stale message. Entries are written
atomically (temp file + rename), so a run killed half-way leaves either the
old entry or the new one.

A bank must not be able to plant a verdict, and an entry's key is computed
from public data, so anyone can name the file qbank will read. So the cache
lives outside the checkout by default (:func:`default_dir`), and every entry
carries an HMAC-SHA256 of its bytes, keyed by a random secret that qbank
creates on first use in the user's own cache folder (:func:`secret`; never in
``$QBANK_CACHE_DIR``, which may point into a checkout that a pull request
fills). An entry whose MAC does not verify, that does not parse, or whose runs
do not have exactly :class:`RunResult`'s fields and types is ignored and the
question rerun.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import os
import secrets
import stat
import sys
import tempfile
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator import __version__
from generator.sandbox import RunResult
from generator.verify.snippet import Snippet

#: Bumped when what is stored changes, so old entries are not misread.
CACHE_FORMAT = 3
#: Length of the secret that keys the entries' MACs.
KEY_BYTES = 32
#: Larger entries are ignored unread (20 runs of two 1 MiB streams, JSON-escaped, fit).
MAX_ENTRY_BYTES = 256 << 20
#: First line of an entry, before its MAC.
_HEADER = f"qbank-cache {CACHE_FORMAT}".encode()
#: RunResult's fields and their types: what every stored run must have, exactly.
_RUN_FIELDS: dict[str, Any] = {
    f.name: typing.get_type_hints(RunResult)[f.name] for f in dataclasses.fields(RunResult)
}


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


def open_default() -> Cache | None:
    """The cache at :func:`default_dir`, or None when its key cannot be had: the run then
    goes on without a cache, saying why in one line on stderr."""
    try:
        return Cache(default_dir(), secret())
    except (CacheKeyError, RuntimeError) as exc:  # RuntimeError: no home folder to be found
        print(f"qbank: results cache off for this run: {exc}", file=sys.stderr)
        return None


def key(snippet: Snippet, python: str, modules: dict[str, str], resources: dict[str, str]) -> str:
    """The content hash of what a question's runs depend on: the program, its limits,
    the interpreter, the versions of its required modules and its resource files."""
    verify = snippet.verify
    material = {
        "format": CACHE_FORMAT,
        "qbank": __version__,
        "code": snippet.code,
        "setup": verify.setup,
        "runs": verify.runs,
        "timeout": verify.timeout,
        "memory_mb": verify.memory_mb,
        "requires": {name: modules.get(name, "") for name in verify.requires},
        "resources": {name: resources.get(name, "") for name in verify.resources},
        "python": python,
    }
    blob = json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


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


def encode_runs(runs: Sequence[RunResult]) -> list[dict[str, Any]]:
    """Runs as JSON values."""
    return [dataclasses.asdict(run) for run in runs]


def decode_runs(value: object) -> list[RunResult] | None:
    """The runs ``value`` holds, or None unless it is a non-empty list of objects with
    exactly :class:`RunResult`'s fields, each of its annotated type."""
    if not isinstance(value, list) or not value:
        return None
    runs = []
    for item in value:
        if not isinstance(item, dict) or set(item) != set(_RUN_FIELDS):
            return None
        if not all(_fits(item[name], hint) for name, hint in _RUN_FIELDS.items()):
            return None
        runs.append(RunResult(**item))
    return runs


def _fits(value: object, hint: Any) -> bool:
    """Whether a JSON value has an annotated type: str, int, float, None or a union of them
    (``True`` is no int, ``1`` no float); any other type is never trusted."""
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        return any(_fits(value, arm) for arm in typing.get_args(hint))
    if hint is type(None):
        return value is None
    return hint in (str, int, float) and type(value) is hint


class Cache:
    """A folder of sealed entries, one per key, under the secret that seals them."""

    def __init__(self, root: Path, mac_key: bytes) -> None:
        self.root = root
        self._mac_key = mac_key

    def path(self, digest: str) -> Path:
        """The file holding the entry for ``digest``."""
        return self.root / "results" / digest[:2] / f"{digest}.entry"

    def get(self, digest: str) -> list[RunResult] | None:
        """The stored runs, or None when absent, not sealed by this user's qbank, or malformed."""
        try:
            # Not following links, and never waiting on a planted FIFO.
            fd = os.open(self.path(digest), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                info = os.fstat(f.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
                    return None
                data = f.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        body = unseal(self._mac_key, data)
        if body is None:
            return None
        try:
            entry = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(entry, dict) or set(entry) != {"key", "runs"}:
            return None
        return decode_runs(entry["runs"]) if entry["key"] == digest else None

    def put(self, digest: str, runs: Sequence[RunResult]) -> None:
        """Store runs atomically; a cache that cannot be written is skipped silently."""
        body = json.dumps({"key": digest, "runs": encode_runs(runs)}, sort_keys=True)
        path = self.path(digest)
        tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(seal(self._mac_key, body.encode("ascii")))
            os.replace(tmp, path)
        except OSError:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
