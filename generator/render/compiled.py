"""Templates compiled once, not on every build: Jinja's bytecode, kept sealed in the
user's cache (:mod:`generator.sealed`), since loading it runs it.

Compiling the templates a pattern's pages use took about 0.15 s of CPU, on every build
that renders anything (a rebuild after one change renders one pattern). Jinja checks a
template's source against the checksum kept with its bytecode; the file also names the
qbank that compiled it (:func:`generator.identity.code_id`: its code, its environment's
options, the Jinja installed), so another qbank compiles the template afresh.
"""

from __future__ import annotations

from pathlib import Path

from jinja2.bccache import Bucket, BytecodeCache

from generator import sealed
from generator.identity import code_id

#: A compiled template larger than this is not read.
MAX_BYTES = 16 << 20


class SealedBytecodeCache(BytecodeCache):
    """Compiled templates, one sealed file per template (by its name and file)."""

    def __init__(self, folder: Path, mac_key: bytes) -> None:
        self.folder = folder
        self.mac_key = mac_key
        self.made_by = code_id().encode() + b"\n"

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill ``bucket`` with what this qbank compiled for the template, if anything."""
        data = sealed.read(self._path(bucket), MAX_BYTES)
        body = sealed.unseal(self.mac_key, data) if data is not None else None
        if body is None or not body.startswith(self.made_by):
            return
        try:
            bucket.bytecode_from_string(body[len(self.made_by) :])
        except Exception:  # sealed by this user's qbank, yet unreadable: compile afresh
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep what was compiled for the template (a cache that cannot be written is
        skipped)."""
        body = self.made_by + bucket.bytecode_to_string()
        sealed.write(self._path(bucket), sealed.seal(self.mac_key, body))

    def _path(self, bucket: Bucket) -> Path:
        return self.folder / f"{bucket.key}.bytecode"


def cache() -> SealedBytecodeCache | None:
    """The cache of compiled templates (None when the cache cannot be keyed)."""
    try:
        mac_key = sealed.secret()
    except (sealed.CacheKeyError, RuntimeError):
        return None
    return SealedBytecodeCache(sealed.default_dir() / "templates", mac_key)
