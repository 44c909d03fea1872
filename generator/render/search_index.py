"""The search index of a site as a whole (see :mod:`.search` for its parts): worked out
from scratch, or from the last build's by what changed.

A rebuild updates the postings of the words a changed question gained or lost, the
parts holding those words, the chunks holding a changed question, and the manifest;
every other file is left as the last build wrote it. A part named ``s-<p>`` always holds
every word starting with ``p``, and ``e-<p>`` the word ``p`` alone, so a part that holds
no word whose postings changed is unchanged. When questions are renumbered (one added
or removed before the end), every posting is worked out again.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from generator.model import Bank, Pattern
from generator.render import search
from generator.render.search import (
    CHUNK,
    FOLDER,
    STOPWORDS,
    file_part,
    numbers,
    plain_title,
    postings_text,
    question_words,
    script,
)


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
        return f"{self.kind}-{file_part(self.prefix)}"

    @property
    def path(self) -> str:
        """Its path relative to the site root."""
        return f"{FOLDER}/{self.name}.js"


def _layout(words: list[str], sizes: list[int]) -> list[Part]:
    """The parts of the sorted ``words``, whose entries weigh ``sizes``: one part while
    it weighs at most :data:`search.SHARD_BYTES`, else split by one more letter, the word that
    is the prefix itself in a part of its own."""
    weight = [0, *itertools.accumulate(sizes)]
    parts: list[Part] = []

    def add(prefix: str, start: int, end: int) -> None:
        exact = words[start] == prefix  # sorted: the prefix itself comes first
        if weight[end] - weight[start] <= search.SHARD_BYTES or end - start == int(exact):
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
        self._texts: dict[str, str] = {}
        last = last or Index()
        if listed == last.listed and all(item.source for item in listed):
            self.index, self.changed = last, set()  # the same patterns: the same index
            return
        postings, affected = self._postings(last, listed)
        marks = self._marks(listed)
        self.index = Index(listed, postings, {}, marks, {})
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

    @cached_property
    def words(self) -> list[str]:
        """Every word of the index, sorted."""
        return sorted(self.index.postings)

    @cached_property
    def parts(self) -> dict[str, Part]:
        """The parts of the word index, by path."""
        postings = self.index.postings
        sizes = [len(word) + len(postings[word]) + 6 for word in self.words]
        return {part.path: part for part in _layout(self.words, sizes)}

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
            return script("index", manifest)
        part = self.parts.get(path)
        if part is not None:
            postings = self.index.postings
            found = {word: postings[word] for word in self.words[part.start : part.end]}
            return script(f"{part.kind}:{part.prefix}", found)
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
            holding = set(numbers(postings[word])) if word in postings else set()
            holding = (holding - set(lost.get(word, ()))) | set(gained.get(word, ()))
            text = postings_text(sorted(holding)) if holding else None
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
            for found in self._words(pattern):
                for word in found:
                    index.setdefault(word, []).append(number)
                number += 1
        return {word: postings_text(found) for word, found in index.items()}

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
        return script(f"d:{n}", {"p": patterns, "q": entries})


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
