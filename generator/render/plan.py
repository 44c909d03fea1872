"""What a site is made of, decided before anything is written: every pattern's page
data, and the key of each unit of output (a hash of everything the unit is made from).

The units, and what each is made from:

- a pattern (its folder and ``assets/review/<id>.js``): that pattern, its place in the
  bank, what its pages show of its questions' results, the site, the theme and qbank's
  own code and templates (:func:`generator.identity.code_id`), as every unit;
- :data:`LISTS` (the index and topic pages): what the cards of the lists show of every
  pattern (:func:`_card`); with an author's theme, whose templates may show anything,
  every pattern;
- :data:`SEARCH` (``assets/search/``): every pattern;
- :data:`ASSETS` (the static files, ``assets/site.js`` and ``review.html``): the site,
  its identity (a hash of its title and pattern ids, held by ``assets/site.js`` alone, so
  that a pattern added or removed leaves the other units as they were), the theme and qbank.

Unit names of the shared units have spaces, so no pattern id can be one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.identity import code_id
from generator.model import Bank
from generator.render import reuse
from generator.render.pages import PatternPage, Site, pattern_page, site_identity, slugify
from generator.render.text import TextRenderer
from generator.render.theme import files as theme_files
from generator.render.views import verified_note
from generator.result import QuestionResult

STATIC = Path(__file__).parent / "static"
#: Folders between the site root and a pattern's pages (``<topic>/<pattern>/``).
PATTERN_DEPTH = 2

ASSETS = "the assets"
LISTS = "the lists"
SEARCH = "the search index"


@dataclass(frozen=True)
class Plan:
    """A site to write: its settings, every pattern's page data, the results they show,
    and the key of every unit (empty when the build keeps nothing for the next one)."""

    site: Site
    pages: list[PatternPage]
    results: dict[str, QuestionResult]
    keys: dict[str, str]


def plan_site(
    bank: Bank,
    results: Mapping[str, QuestionResult] | None = None,
    theme: Path | None = None,
    *,
    keyed: bool = True,
) -> Plan:
    """The plan of ``bank``'s site. A theme holding a symbolic link or a special file is
    refused (:class:`~generator.render.theme.ThemeError`) before any of it is read."""
    if theme is not None:
        theme_files(theme)
    site = Site(
        bank.settings.title,
        slugify(bank.settings.title),
        TextRenderer(0).block(bank.settings.description),
        site_identity(bank),
        bank.settings.report_url,
    )
    # Relative image paths are checked against the depth of the page showing them.
    texts = TextRenderer(PATTERN_DEPTH)
    pages = [pattern_page(pattern, n, texts) for n, pattern in enumerate(bank.patterns)]
    shown = dict(results or {})
    keys = _keys(bank, site.identity, pages, shown, theme) if keyed else {}
    return Plan(site, pages, shown, keys)


def _keys(
    bank: Bank,
    identity: str,
    pages: list[PatternPage],
    results: dict[str, QuestionResult],
    theme: Path | None,
) -> dict[str, str]:
    """Every unit's key, from sources only: qbank's code, the theme's files, the bank's
    settings, each unit's own sources, and the site's identity: for the assets, and with
    an author's theme, whose templates may show it anywhere, for every unit."""
    shown = identity if theme is not None else None
    base = (code_id(), reuse.fingerprint(theme), bank.settings, shown)
    keys = {page.pattern.id: _pattern_key(base, page, results) for page in pages}
    every = reuse.key(base, list(keys.items()))  # the same patterns, in the same order
    cards = every if theme is not None else reuse.key(base, [_card(page) for page in pages])
    return {**keys, ASSETS: reuse.key(base, identity), LISTS: cards, SEARCH: every}


def _pattern_key(base: object, page: PatternPage, results: dict[str, QuestionResult]) -> str:
    """What a pattern's pages are made from: the pattern (by its source when known: a
    hash of its file; else the pattern as read), its place in the bank, and what of its
    results the pages show."""
    notes = [verified_note(results.get(q.id)) for q in page.pattern.questions]
    made_from = page.pattern.source or page.pattern
    return reuse.key(base, made_from, page.number, page.url, notes)


def _card(page: PatternPage) -> tuple[object, ...]:
    """Everything of a pattern that the index and topic pages show (``pattern_card`` in
    _macros.html, the topic's name and counts): a change elsewhere leaves them as they are."""
    p = page.pattern
    return (
        (p.id, p.title, p.topic, p.topic_slug, p.tags, p.badge, len(p.questions)),
        (page.url, page.number, page.bands, page.minutes, page.answers, page.modes),
        (len(page.practice), len(page.challenge)),
    )
