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

import dataclasses
import hashlib
import json
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator import sealed
from generator.identity import code_id
from generator.sandbox import RunResult
from generator.sealed import (
    CACHE_FORMAT,
    CacheKeyError,
    default_dir,
    seal,
    secret,
    unseal,
)
from generator.verify.snippet import Snippet

#: What makes a snippet's runs, besides the snippet: the verify stage (the program around
#: it, how many runs, when to stop) and the jail.
RUNNER = ("verify", "sandbox")
#: Larger entries are ignored unread (20 runs of two 1 MiB streams, JSON-escaped, fit).
MAX_ENTRY_BYTES = 256 << 20
#: RunResult's fields and their types: what every stored run must have, exactly.
_RUN_FIELDS: dict[str, Any] = {
    f.name: typing.get_type_hints(RunResult)[f.name] for f in dataclasses.fields(RunResult)
}


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
    the interpreter, the versions of its required modules, its resource files and
    qbank's code that runs it (:data:`RUNNER`)."""
    verify = snippet.verify
    material = {
        "format": CACHE_FORMAT,
        "qbank": code_id(*RUNNER),
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
        data = sealed.read(self.path(digest), MAX_ENTRY_BYTES)
        if data is None:
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
        sealed.write(self.path(digest), seal(self._mac_key, body.encode("ascii")))
