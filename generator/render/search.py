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

A rebuild updates the index by what changed (:class:`Search`): the postings of the
words that a changed question gained or lost, the parts holding those words, the
chunks holding a changed question, and the manifest; every other part is left as the
last build wrote it. When questions move to other numbers (a question added or removed
before the end), every posting is worked out again.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from generator.model import Bank, Pattern, Question

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


def question_words(question: Question) -> list[str]:
    """What a question is found by: the words of its title, prompt and choices."""
    return words([question.title, question.prompt, *(c.text for c in question.choices)])


def _postings(numbers: Iterable[int]) -> str:
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


def _numbers(postings: str) -> list[int]:
    """The question numbers of a postings text (see :func:`_postings`)."""
    return list(itertools.accumulate(int(gap, 36) for gap in postings.split(",")))


@dataclass(frozen=True)
class Part:
    """One part of the word index: every word starting with ``prefix`` (kind ``s``), or
    the word ``prefix`` alone (kind ``e``), found at ``words[start:end]``."""

    kind: str
    prefix: str
    start: int
    end: int

    @property
    def name(self) -> str:
        """Its file name without ``.js``."""
        return f"{self.kind}-{_file_part(self.prefix)}"

    @property
    def path(self) -> str:
        """Its path relative to the site root."""
        return f"{FOLDER}/{self.name}.js"


def _layout(words: list[str], sizes: list[int]) -> list[Part]:
    """The parts of the sorted ``words``, whose entries weigh ``sizes``: one part while
    it weighs at most :data:`SHARD_BYTES`, else split by one more letter, the word that
    is the prefix itself in a part of its own."""
    weight = [0, *itertools.accumulate(sizes)]
    parts: list[Part] = []

    def add(prefix: str, start: int, end: int) -> None:
        exact = words[start] == prefix  # sorted: the prefix itself comes first
        if weight[end] - weight[start] <= SHARD_BYTES or end - start == int(exact):
            parts.append(Part("s", prefix, start, end))
            return
        if exact:
            parts.append(Part("e", prefix, start, start + 1))
            start += 1
        depth = len(prefix) + 1
        while start < end:
            sub = words[start][:depth]
            stop = bisect.bisect_left(words, sub[:-1] + chr(ord(sub[-1]) + 1), start, end)
            while stop < end and words[stop].startswith(sub):  # a last letter of U+10FFFF
                stop += 1
            add(sub, start, stop)
            start = stop

    if words:
        add("", 0, len(words))
    else:
        parts.append(Part("s", "", 0, 0))
    return parts


#: What a pattern adds to the index: the words of each of its questions, in order.
Words = list[list[str]]


@dataclass(frozen=True)
class Listed:
    """A pattern as the index last listed it: what its questions' entries are made from."""

    id: str
    source: str
    """A hash of the pattern's file (:attr:`generator.model.Pattern.source`); "" when
    unknown, and then the pattern never counts as unchanged."""
    url: str
    count: int


@dataclass
class Index:
    """What the last build's index was made of, kept for the next build to update."""

    listed: tuple[Listed, ...] = ()
    postings: dict[str, str] = field(default_factory=dict)
    table: dict[str, int] = field(default_factory=dict)
    """Path of every part of the word index → its size in bytes."""
    marks: tuple[object, ...] = ()
    """What each chunk of titles is made from (None: unknown)."""
    keys: dict[str, str] = field(default_factory=dict)
    """Path of every file of the index → a hash of its text."""


class Search:
    """The index of a bank's patterns, made from the last build's :class:`Index` by
    what changed (or from scratch): which files changed, and the text of any file."""

    def __init__(
        self,
        patterns: Sequence[Pattern],
        urls: Mapping[str, str],
        last: Index | None = None,
        remembered: Callable[[str], Words | None] = lambda source: None,
    ) -> None:
        """``remembered`` gives the words of a pattern by its source, if known."""
        self.patterns = patterns
        self.urls = urls
        self.fresh: dict[str, Words] = {}
        """Words worked out by this build, by pattern source."""
        self._remembered = remembered
        listed = tuple(Listed(p.id, p.source, urls[p.id], len(p.questions)) for p in patterns)
        self.starts = [0, *itertools.accumulate(item.count for item in listed)]
        last = last or Index()
        postings, affected = self._postings(last, listed)
        self.words = sorted(postings)
        sizes = [len(word) + len(postings[word]) + 6 for word in self.words]
        self.parts = {part.path: part for part in _layout(self.words, sizes)}
        marks = self._marks(listed)
        self.index = Index(listed, postings, {}, marks, {})
        self._texts: dict[str, str] = {}
        chunks = [_chunk_path(n) for n in range(len(marks))]
        changed = {path for path in self.parts if path not in last.table or affected is None}
        changed.update(self._touched(affected or set()))
        changed.update(path for n, path in enumerate(chunks) if not _same(n, marks[n], last))
        changed.update(path for path in [*self.parts, *chunks] if path not in last.keys)
        self.index.table = {
            path: len(self.text(path).encode()) if path in changed else last.table[path]
            for path in self.parts
        }
        changed.add(MANIFEST)  # made last: it lists the size of every part
        self.index.keys = {
            path: _hash(self.text(path)) if path in changed else last.keys[path]
            for path in [*self.parts, *chunks, MANIFEST]
        }
        self.changed = {path for path in changed if self.files[path] != last.keys.get(path)}
        """Files whose text differs from the last build's."""

    @property
    def files(self) -> dict[str, str]:
        """Path of every file of the index → a hash of its text."""
        return self.index.keys

    def text(self, path: str) -> str:
        """The text of the file at ``path`` (one of :attr:`files`)."""
        if path not in self._texts:
            self._texts[path] = self._make(path)
        return self._texts[path]

    def _make(self, path: str) -> str:
        if path == MANIFEST:
            table = self.index.table
            manifest = {
                "shards": [[p.prefix, p.kind, p.name, table[p.path]] for p in self.parts.values()],
                "chunk": CHUNK,
                "count": self.starts[-1],
                "stop": sorted(STOPWORDS),
            }
            return _script("index", manifest)
        part = self.parts.get(path)
        if part is not None:
            postings = self.index.postings
            found = {word: postings[word] for word in self.words[part.start : part.end]}
            return _script(f"{part.kind}:{part.prefix}", found)
        n = int(path.removeprefix(f"{FOLDER}/d-").removesuffix(".js"))
        return self._chunk(n)

    def _words(self, pattern: Pattern) -> Words:
        found = self._remembered(pattern.source) if pattern.source else None
        if found is None:
            found = [question_words(q) for q in pattern.questions]
            if pattern.source:
                self.fresh[pattern.source] = found
        return found

    def _postings(
        self, last: Index, listed: tuple[Listed, ...]
    ) -> tuple[dict[str, str], set[str] | None]:
        """Every word's postings, and the words whose postings changed since ``last``
        (None: all of them)."""
        same_numbers = [item.count for item in last.listed] == [item.count for item in listed]
        changed = [
            n
            for n, (old, new) in enumerate(zip(last.listed, listed, strict=False))
            if not (old.source and old.source == new.source and old.id == new.id)
        ]
        before = (
            [
                self._remembered(last.listed[n].source) if last.listed[n].source else None
                for n in changed
            ]
            if same_numbers
            else []
        )
        if not same_numbers or any(words is None for words in before):
            return self._all_postings(), None
        postings = dict(last.postings)
        gained: dict[str, list[int]] = {}
        lost: dict[str, list[int]] = {}
        for n, old_words in zip(changed, before, strict=True):
            assert old_words is not None
            new_words = self._words(self.patterns[n])
            for offset, (old, new) in enumerate(zip(old_words, new_words, strict=True)):
                number = self.starts[n] + offset
                old_set, new_set = set(old), set(new)
                for word in new_set - old_set:
                    gained.setdefault(word, []).append(number)
                for word in old_set - new_set:
                    lost.setdefault(word, []).append(number)
        affected: set[str] = set()
        for word in gained.keys() | lost.keys():
            numbers = set(_numbers(postings[word])) if word in postings else set()
            numbers = (numbers - set(lost.get(word, ()))) | set(gained.get(word, ()))
            text = _postings(sorted(numbers)) if numbers else None
            if text != postings.get(word):
                affected.add(word)
                if text is None:
                    del postings[word]
                else:
                    postings[word] = text
        return postings, affected

    def _all_postings(self) -> dict[str, str]:
        index: dict[str, list[int]] = {}
        number = 0
        for pattern in self.patterns:
            for question_words in self._words(pattern):
                for word in question_words:
                    index.setdefault(word, []).append(number)
                number += 1
        return {word: _postings(numbers) for word, numbers in index.items()}

    def _touched(self, affected: set[str]) -> set[str]:
        """Paths of the parts holding a word whose postings changed (or that held one)."""
        by_prefix = {(p.kind, p.prefix): p.path for p in self.parts.values()}
        touched = set()
        for word in affected:
            for end in range(len(word) + 1):
                path = by_prefix.get(("s", word[:end]))
                if path is not None:
                    touched.add(path)
            path = by_prefix.get(("e", word))
            if path is not None:
                touched.add(path)
        return touched

    def _marks(self, listed: tuple[Listed, ...]) -> tuple[object, ...]:
        """What each chunk of :data:`CHUNK` questions is made from: the patterns its
        questions belong to (by source and URL) and which of their questions it holds."""
        count = self.starts[-1]
        marks: list[list[object] | None] = [[] for _ in range(-(-count // CHUNK))]
        for item, start in zip(listed, self.starts, strict=False):
            for n in range(start // CHUNK, -(-(start + item.count) // CHUNK)):
                mark = marks[n]
                if mark is None:
                    continue
                if not item.source:
                    marks[n] = None
                    continue
                low, high = max(start, n * CHUNK), min(start + item.count, (n + 1) * CHUNK)
                mark.append((item.id, item.source, item.url, low - start, high - start))
        return tuple(tuple(mark) if mark is not None else None for mark in marks)

    def _chunk(self, n: int) -> str:
        """Titles and links of chunk ``n``; each names its pattern by a number within it."""
        low, high = n * CHUNK, min((n + 1) * CHUNK, self.starts[-1])
        first = bisect.bisect_right(self.starts, low) - 1
        patterns: list[list[str]] = []
        entries: list[list[object]] = []
        for number in range(first, len(self.patterns)):
            start = self.starts[number]
            if start >= high:
                break
            pattern = self.patterns[number]
            questions = pattern.questions[max(low - start, 0) : high - start]
            if not questions:
                continue
            patterns.append([plain_title(pattern.title), self.urls[pattern.id]])
            for question in questions:
                challenge = int(question.mode == "challenge")
                entries.append(
                    [len(patterns) - 1, challenge, question.id, plain_title(question.title)]
                )
        return _script(f"d:{n}", {"p": patterns, "q": entries})


#: The manifest of the index, relative to the site root.
MANIFEST = f"{FOLDER}/index.js"


def _chunk_path(n: int) -> str:
    return f"{FOLDER}/d-{n}.js"


def _same(n: int, mark: object, last: Index) -> bool:
    return mark is not None and n < len(last.marks) and last.marks[n] == mark


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def search_files(bank: Bank, pattern_urls: dict[str, str]) -> dict[str, str]:
    """Every part of the index for ``bank``, by path relative to the site root;
    ``pattern_urls`` maps a pattern id to its folder URL."""
    index = Search(bank.patterns, pattern_urls)
    return {path: index.text(path) for path in index.files}
