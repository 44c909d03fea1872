"""What the templates are given: the site, a pattern's page, a topic, a page of a list.

The index and the topic pages are cut into pages of a bounded number of entries, so
the first page a learner opens stays light whatever the size of the bank.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from markupsafe import Markup

from generator.model import Bank, Pattern, Question
from generator.render.text import TextRenderer
from generator.render.views import band_counts, choice_keys, draw_test

MODES = (("practice", "Practice"), ("challenge", "Challenge"), ("test", "Test"))
#: Topics on each page of the index.
TOPICS_PER_PAGE = 20
#: Patterns shown under each topic on the index (its own page lists them all)...
CARDS_PER_TOPIC = 4
#: ...unless the whole bank has no more patterns than this: then the index shows them all.
INDEX_SHOWS_ALL_UP_TO = 30
#: Patterns on each page of a topic.
PATTERNS_PER_PAGE = 40

T = TypeVar("T")


@dataclass(frozen=True)
class Site:
    """Bank-wide values every page shows."""

    title: str
    slug: str
    description: Markup
    identity: str
    """What the learner's browser keeps this site's progress under (:func:`site_identity`)."""
    report_url: str | None = None
    """``bank.yaml``'s ``report_url``: the "Report a problem" link of every question."""


def site_identity(bank: Bank) -> str:
    """A hash of the bank's title and pattern ids: every page opened from ``file://``
    shares one browser storage, and two sites with the same title must not share
    progress. A rebuild of the same bank gives the same identity; one that adds, removes
    or renames a pattern gives another, and the site's script then carries the progress
    kept under the old one over (see ``static/store.js``)."""
    text = "\n".join([bank.settings.title, *sorted(p.id for p in bank.patterns)])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class PatternPage:
    """A pattern with what its overview, its mode pages and the lists show."""

    pattern: Pattern
    number: int
    """Position of the pattern in the bank (the review page sorts by it)."""
    url: str
    """Folder of the pattern's pages, relative to the site root, ending in ``/``."""
    intro: Markup
    practice: tuple[Question, ...]
    challenge: tuple[Question, ...]
    test: tuple[Question, ...]
    """The Test shown without the page's script; with it, each attempt draws its own."""
    bands: dict[str, int]
    minutes: int
    answers: str
    """``id:key`` of each question and its correct choice: what the page's script
    needs to count this pattern's progress."""

    @property
    def modes(self) -> list[tuple[str, str]]:
        """(page name, label) of the modes this pattern has questions for."""
        return [(name, label) for name, label in MODES if getattr(self, name)]

    @property
    def pool(self) -> tuple[Question, ...]:
        """Every question a Test attempt may draw from."""
        return self.pattern.questions


def pattern_page(pattern: Pattern, number: int, texts: TextRenderer) -> PatternPage:
    """The page data of ``pattern``, the ``number``-th of its bank."""
    answers = " ".join(f"{q.id}:{choice_keys(q)[q.correct_index]}" for q in pattern.questions)
    return PatternPage(
        pattern=pattern,
        number=number,
        url=f"{pattern.topic_slug}/{pattern.id}/",
        intro=texts.block(pattern.intro),
        practice=pattern.practice(),
        challenge=pattern.challenge(),
        test=draw_test(pattern),
        bands=band_counts(pattern.questions),
        minutes=pattern.minutes or max(1, 2 * len(pattern.questions)),
        answers=answers,
    )


@dataclass(frozen=True)
class Topic:
    """A topic folder of the bank and its patterns, in bank order."""

    name: str
    slug: str
    pages: tuple[PatternPage, ...]
    shown: tuple[PatternPage, ...]
    """The patterns the index shows under the topic."""

    @property
    def url(self) -> str:
        """The topic's first page, relative to the site root."""
        return f"{self.slug}/index.html"

    @property
    def questions(self) -> int:
        """How many questions the topic's patterns hold."""
        return sum(len(page.pattern.questions) for page in self.pages)


def topics(pages: list[PatternPage]) -> list[Topic]:
    """Patterns grouped by topic folder, in the order the bank first names each topic."""
    grouped: dict[str, list[PatternPage]] = {}
    for page in pages:
        grouped.setdefault(page.pattern.topic_slug, []).append(page)
    shown = len(pages) if len(pages) <= INDEX_SHOWS_ALL_UP_TO else CARDS_PER_TOPIC
    return [
        Topic(group[0].pattern.topic, slug, tuple(group), tuple(group[:shown]))
        for slug, group in grouped.items()
    ]


@dataclass(frozen=True)
class PageLink:
    """One entry of a list's page navigation; ``url`` None is a gap (…)."""

    label: str
    url: str | None
    current: bool = False


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a list cut into pages: its entries and the links to the others."""

    items: tuple[T, ...]
    number: int
    """1 for the first page."""
    urls: tuple[str, ...]
    """File name of every page of the list, relative to the folder they share."""

    @property
    def url(self) -> str:
        """This page's file name."""
        return self.urls[self.number - 1]

    @property
    def previous(self) -> str | None:
        """The page before this one, if any."""
        return self.urls[self.number - 2] if self.number > 1 else None

    @property
    def next(self) -> str | None:
        """The page after this one, if any."""
        return self.urls[self.number] if self.number < len(self.urls) else None

    @property
    def links(self) -> list[PageLink]:
        """The first, the last and the pages around this one, with gaps between."""
        count = len(self.urls)
        near = {1, count, *range(self.number - 2, self.number + 3)}
        links: list[PageLink] = []
        for n in sorted(n for n in near if 1 <= n <= count):
            if links and links[-1].url is not None and n > int(links[-1].label) + 1:
                links.append(PageLink("…", None))
            links.append(PageLink(str(n), self.urls[n - 1], n == self.number))
        return links


def paginate(items: list[T] | tuple[T, ...], size: int, stem: str) -> list[Listing[T]]:
    """``items`` cut into pages of ``size``: ``index.html``, then ``<stem>-2.html``..."""
    count = max(1, -(-len(items) // size))
    urls = tuple("index.html" if n == 1 else f"{stem}-{n}.html" for n in range(1, count + 1))
    return [Listing(tuple(items[(n - 1) * size : n * size]), n, urls) for n in range(1, count + 1)]


def slugify(text: str) -> str:
    """``Pattern Practice`` → ``pattern-practice``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "bank"
