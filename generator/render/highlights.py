"""Highlighted code kept between builds, so that a rebuild seldom needs Pygments' lexers.

Making a lexer compiles its regular expressions: about 0.1 s of CPU for Python's, in
every build that renders a question, whatever changed (a title edit renders its
pattern's pages again, with the same code). Each snippet's highlighted HTML, and each
language's display name, is kept in the user's cache, one sealed file each (the HTML
goes into pages as it is), named by a hash of what it is made from: the code, its
language and the qbank that highlighted it (:func:`generator.identity.code_id`, which
names the Pygments installed). Like the runs of snippets, an entry is never deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from generator import sealed
from generator.identity import code_id
from generator.markup.code import highlight, language_name

#: An entry larger than this is not read.
MAX_BYTES = 16 << 20


class Highlights:
    """Highlighted code and language names, each worked out once."""

    def __init__(self, folder: Path, mac_key: bytes) -> None:
        self.folder = folder
        self.mac_key = mac_key
        self.made_by = code_id()

    def code(self, code: str, language: str) -> str:
        """``code`` as highlighted HTML spans (see :func:`generator.markup.code.highlight`)."""
        return self._kept("code", language, code, lambda: highlight(code, language))

    def language(self, language: str) -> str:
        """The display name of a code language (``python`` → ``Python``)."""
        return self._kept("language", language, "", lambda: language_name(language))

    def _kept(self, kind: str, language: str, code: str, make: Callable[[], str]) -> str:
        made_from = "\0".join([self.made_by, kind, language, code])
        name = hashlib.sha256(made_from.encode("utf-8", "surrogatepass")).hexdigest()
        path = self.folder / name[:2] / name
        data = sealed.read(path, MAX_BYTES)
        body = sealed.unseal(self.mac_key, data) if data is not None else None
        if body is not None:
            return body.decode("utf-8", "surrogatepass")
        made = make()
        sealed.write(path, sealed.seal(self.mac_key, made.encode("utf-8", "surrogatepass")))
        return made


def kept() -> Highlights | None:
    """The highlights kept in the user's cache (None when the cache cannot be keyed)."""
    try:
        mac_key = sealed.secret()
    except (sealed.CacheKeyError, RuntimeError):
        return None
    return Highlights(sealed.default_dir() / "highlights", mac_key)
