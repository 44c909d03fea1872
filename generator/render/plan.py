"""What a site is made of, decided before anything is written: the key of each unit of
output (a hash of everything the unit is made from), and the page data of what is to
be rendered.

The units, and what each is made from:

- a pattern (its folder and ``assets/review/<id>.js``): that pattern, its place in the
  bank, what its pages show of its questions' results, the site, the theme and qbank's
  own code and templates (:func:`generator.identity.code_id`), as every unit;
- :data:`LISTS` (the index and topic pages): what the cards of the lists show of every
  pattern (:func:`_card`); with an author's theme, whose templates may show anything,
  every pattern;
- each file of the search index, by its path (``assets/search/…``): its text, worked
  out from the last build's index by what changed (:class:`~generator.render.search.Search`);
- :data:`ASSETS` (the static files, ``assets/site.js`` and ``review.html``): the site,
  its identity (a hash of its title and pattern ids, held by ``assets/site.js`` alone, so
  that a pattern added or removed leaves the other units as they were), the theme and qbank.

Keys are made from sources, never from what is rendered: a pattern by its source (a
hash of its file) when known, and what the lists show of it is worked out once per
source and kept on the shelf. So a rebuild works out page data only for what it renders.
Unit names of the shared units have spaces, and those of the search index a slash, so
no pattern id can be one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from generator.identity import code_id
from generator.model import Bank, Pattern
from generator.render import reuse
from generator.render.pages import PatternPage, Site, pattern_page, site_identity, slugify
from generator.render.search_index import Search
from generator.render.text import TextRenderer
from generator.render.theme import files as theme_files
from generator.render.views import verified_note
from generator.result import QuestionResult

STATIC = Path(__file__).parent / "static"
#: Folders between the site root and a pattern's pages (``<topic>/<pattern>/``).
PATTERN_DEPTH = 2

ASSETS = "the assets"
LISTS = "the lists"


@dataclass
class Plan:
    """A site to write: its settings, its patterns and the results they show, the key of
    every unit (empty when the build keeps nothing for the next one), and the search
    index."""

    site: Site
    patterns: tuple[Pattern, ...]
    results: dict[str, QuestionResult]
    search: Search
    keys: dict[str, str] = field(default_factory=dict)
    remembered: bool = False
    """Whether this build takes what earlier builds left (a shelf, compiled templates)."""

    @cached_property
    def pages(self) -> list[PatternPage]:
        """Every pattern's page data, in bank order (what the lists show)."""
        texts = TextRenderer(PATTERN_DEPTH)
        return [pattern_page(pattern, n, texts) for n, pattern in enumerate(self.patterns)]

    def pages_of(self, ids: set[str]) -> list[PatternPage]:
        """The page data of the patterns of ``ids``, in bank order."""
        if "pages" in self.__dict__:
            return [page for page in self.pages if page.pattern.id in ids]
        # Relative image paths are checked against the depth of the page showing them.
        texts = TextRenderer(PATTERN_DEPTH)
        found = enumerate(self.patterns)
        return [pattern_page(pattern, n, texts) for n, pattern in found if pattern.id in ids]


def plan_site(
    bank: Bank,
    results: Mapping[str, QuestionResult] | None = None,
    theme: Path | None = None,
    *,
    shelf: reuse.Shelf | None = None,
) -> Plan:
    """The plan of ``bank``'s site; with a ``shelf``, keyed, and worked out from what the
    last builds left there. A theme holding a symbolic link or a special file is refused
    (:class:`~generator.render.theme.ThemeError`) before any of it is read."""
    if theme is not None:
        theme_files(theme)
    site = Site(
        bank.settings.title,
        slugify(bank.settings.title),
        TextRenderer(0).block(bank.settings.description),
        site_identity(bank),
        bank.settings.report_url,
    )
    shown = dict(results or {})
    urls = {pattern.id: _url(pattern) for pattern in bank.patterns}
    last = shelf.index if shelf is not None else None
    remembered = shelf.remembered if shelf is not None else lambda source: None
    search = Search(bank.patterns, urls, last, remembered)
    plan = Plan(site, bank.patterns, shown, search, remembered=shelf is not None)
    if shelf is not None:
        plan.keys = _keys(bank, plan, theme, shelf)
    return plan


def _keys(bank: Bank, plan: Plan, theme: Path | None, shelf: reuse.Shelf) -> dict[str, str]:
    """Every unit's key, from sources only: qbank's code, the theme's files, the bank's
    settings, each unit's own sources, and the site's identity: for the assets, and with
    an author's theme, whose templates may show it anywhere, for every unit."""
    shown = plan.site.identity if theme is not None else None
    base = reuse.key(code_id(), reuse.fingerprint(theme), bank.settings, shown)
    results = plan.results
    keys = {
        pattern.id: _pattern_key(base, n, pattern, results)
        for n, pattern in enumerate(plan.patterns)
    }
    if theme is not None:
        cards = reuse.key(base, list(keys.items()))  # the same patterns, in the same order
    else:
        cards = reuse.key(base, _cards(plan, shelf))
    return {**keys, ASSETS: reuse.key(base, plan.site.identity), LISTS: cards, **plan.search.files}


def _url(pattern: Pattern) -> str:
    return f"{pattern.topic_slug}/{pattern.id}/"


def _pattern_key(
    base: str, number: int, pattern: Pattern, results: dict[str, QuestionResult]
) -> str:
    """What a pattern's pages are made from: the pattern (by its source when known: a
    hash of its file; else the pattern as read), its place in the bank, and what of its
    results the pages show."""
    notes = [verified_note(results.get(q.id)) for q in pattern.questions]
    return reuse.key(base, pattern.source or pattern, number, _url(pattern), notes)


def _cards(plan: Plan, shelf: reuse.Shelf) -> list[tuple[str, int, str]]:
    """What the lists show of each pattern, by a hash of its card (worked out once per
    source: kept on the shelf) and its place in the bank."""
    known = shelf.cards
    missing = {p.id for p in plan.patterns if not (p.source and p.source in known)}
    fresh = {page.pattern.id: reuse.key(_card(page)) for page in plan.pages_of(missing)}
    known.update((p.source, fresh[p.id]) for p in plan.patterns if p.source and p.id in fresh)
    return [
        (fresh[p.id] if p.id in fresh else known[p.source], n, _url(p))
        for n, p in enumerate(plan.patterns)
    ]


def _card(page: PatternPage) -> tuple[object, ...]:
    """Everything of a pattern that the index and topic pages show (``pattern_card`` in
    _macros.html, the topic's name and counts) but its place: a change elsewhere leaves
    them as they are."""
    p = page.pattern
    return (
        (p.id, p.title, p.topic, p.topic_slug, p.tags, p.badge, len(p.questions)),
        (page.bands, page.minutes, page.answers, page.modes),
        (len(page.practice), len(page.challenge)),
    )
