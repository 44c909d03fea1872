"""The search index, split so that a query loads only the parts it needs.

``file://`` pages cannot ``fetch()`` JSON, so every part is a small script that adds
itself to one global, loaded on demand with a ``<script>`` tag (see static/search.js)::

    assets/search/index.js     the manifest: which part holds which words, and their sizes
    assets/search/s-<p>.js     every word starting with <p> → the questions holding it
    assets/search/e-<p>.js     the word <p> itself, when words starting with <p> were split
    assets/search/d-<n>.js     title and link of the questions of chunk <n>

The words of a bank start as one part; a part over :data:`SHARD_BYTES` is split by
one more letter of its words, so only a part holding one very common word can be
larger. A query loads the manifest, the parts of its words and the chunks of the
hits it shows. Only plain words and titles go in (never markup).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from generator.model import Bank, Question

#: Name of the global every part adds itself to.
GLOBAL = "QBANK_SEARCH"
#: Folder of the parts, relative to the site root.
FOLDER = "assets/search"
#: A part of the word index is split once its words and postings outweigh this.
SHARD_BYTES = 40_000
#: Questions per chunk of titles and links.
CHUNK = 50
#: Distinct words indexed per question: its title's, then its prompt's and choices'.
MAX_WORDS = 80
_WORD_MAX = 40
_TITLE_MAX = 120
# Letters and digits, as the page splits a query (search.js): "np.zeros" is two words.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Markup an author may have written; its words are not what a learner searches for.
_MARKUP = re.compile(r"<[^>]*>|\]\([^)]*\)|```[a-z]*|\{answer\}")
#: Words too common to narrow a search; the page leaves them out of queries too.
_STOP_TEXT = (
    "a an and are as at be by can do does for from has have how i if in into is it its of "
    "on or so that the their them then there these this those to was we what when where "
    "which while who why will with would you your"
)
STOPWORDS = frozenset(_STOP_TEXT.split(" "))
_SAFE = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Doc:
    """One searchable question: where it is shown and what it is called."""

    pattern: int
    """Number of its pattern in the bank."""
    challenge: bool
    id: str
    title: str


def words(texts: Iterable[str], limit: int = MAX_WORDS) -> list[str]:
    """Distinct lower-case words of ``texts`` (no stopwords), in order, at most ``limit``."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(_MARKUP.sub(" ", text).lower()):
            word = word[:_WORD_MAX]
            if word in seen or word in STOPWORDS:
                continue
            seen[word] = None
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def plain_title(title: str) -> str:
    """A title without markup, spaces collapsed, at most 120 characters."""
    return " ".join(_MARKUP.sub(" ", title).split())[:_TITLE_MAX]


def _question_words(question: Question) -> list[str]:
    return words([question.title, question.prompt, *(c.text for c in question.choices)])


def _postings(numbers: list[int]) -> str:
    """Ascending question numbers as base-36 gaps: ``3,1,a`` is 3, 4 and 14."""
    gaps: list[str] = []
    last = 0
    for number in numbers:
        gaps.append(_base36(number - last))
        last = number
    return ",".join(gaps)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Gaps below 36² (nearly all of them) looked up rather than worked out.
_SMALL = [_DIGITS[n] for n in range(36)] + [a + b for a in _DIGITS[1:] for b in _DIGITS]


def _base36(n: int) -> str:
    if n < len(_SMALL):
        return _SMALL[n]
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if not n:
            return out


def _file_part(prefix: str) -> str:
    """A prefix as a file-name part: ``th`` → ``th``, ``é`` → ``_e9``, ``""`` → ``_``."""
    return "".join(c if _SAFE.fullmatch(c) else f"_{ord(c):x}" for c in prefix) or "_"


def _script(key: str, data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Never let author text close a script or open a comment, whatever the loader.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"(window.{GLOBAL}=window.{GLOBAL}||{{}})[{json.dumps(key)}]={text};\n"


class _Shards:
    """The word index cut into parts of about :data:`SHARD_BYTES`."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.table: list[list[object]] = []

    def add(self, prefix: str, postings: dict[str, str]) -> None:
        """One part: every word starting with ``prefix`` (``postings`` holds them all)."""
        size = sum(len(w) + len(p) + 6 for w, p in postings.items())
        longer = {w: p for w, p in postings.items() if len(w) > len(prefix)}
        if size <= SHARD_BYTES or not longer:
            self._emit("s", prefix, postings)
            return
        if len(longer) < len(postings):  # the word that is the prefix itself
            self._emit("e", prefix, {prefix: postings[prefix]})
        groups: dict[str, dict[str, str]] = {}
        for word, posting in longer.items():
            groups.setdefault(word[: len(prefix) + 1], {})[word] = posting
        for sub in sorted(groups):
            self.add(sub, groups[sub])

    def _emit(self, kind: str, prefix: str, postings: dict[str, str]) -> None:
        name = f"{kind}-{_file_part(prefix)}"
        text = _script(f"{kind}:{prefix}", postings)
        self.files[f"{FOLDER}/{name}.js"] = text
        self.table.append([prefix, kind, name, len(text.encode())])


def search_files(bank: Bank, pattern_urls: dict[str, str]) -> dict[str, str]:
    """Every part of the index for ``bank``, by path relative to the site root;
    ``pattern_urls`` maps a pattern id to its folder URL."""
    docs: list[Doc] = []
    index: dict[str, list[int]] = {}
    for number, pattern in enumerate(bank.patterns):
        for question in pattern.questions:
            for word in _question_words(question):
                index.setdefault(word, []).append(len(docs))
            docs.append(
                Doc(number, question.mode == "challenge", question.id, plain_title(question.title))
            )
    shards = _Shards()
    shards.add("", {word: _postings(index[word]) for word in sorted(index)})
    files = shards.files
    for start in range(0, len(docs), CHUNK):
        files[f"{FOLDER}/d-{start // CHUNK}.js"] = _chunk(
            start // CHUNK, docs[start : start + CHUNK], bank, pattern_urls
        )
    manifest = {
        "shards": shards.table,
        "chunk": CHUNK,
        "count": len(docs),
        "stop": sorted(STOPWORDS),
    }
    files[f"{FOLDER}/index.js"] = _script("index", manifest)
    return files


def _chunk(n: int, docs: list[Doc], bank: Bank, pattern_urls: dict[str, str]) -> str:
    """Titles and links of ``docs``; each names its pattern by a number within the chunk."""
    local: dict[int, int] = {}
    patterns: list[list[str]] = []
    entries: list[list[object]] = []
    for doc in docs:
        if doc.pattern not in local:
            local[doc.pattern] = len(patterns)
            pattern = bank.patterns[doc.pattern]
            patterns.append([plain_title(pattern.title), pattern_urls[pattern.id]])
        entries.append([local[doc.pattern], int(doc.challenge), doc.id, doc.title])
    return _script(f"d:{n}", {"p": patterns, "q": entries})
