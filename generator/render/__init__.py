"""The learner site: lists of topics and patterns, a pattern's overview and modes, a review.

Layout of the output (every URL relative, so it opens from ``file://``)::

    index.html, topics-<n>.html     topics with a few patterns each, search, badges, review
    review.html                     the questions last answered wrong, practised in place
    <topic-slug>/index.html, page-<n>.html
                                    every pattern of a topic
    <topic-slug>/<pattern-id>/      index.html, practice.html, challenge.html, test.html
    assets/                         site.css, pygments.css, the pages' scripts (static/)
    assets/site.js                  the site's identity, which no page holds (templates/site.js)
    assets/search/                  the search index in parts (see search.py)
    assets/review/<pattern-id>.js   a pattern's questions as the review page shows them

What each output is made from, for rebuilding only what changed: see
:mod:`generator.render.plan`. A build or ``qbank serve`` calls :func:`prepare` before
anything runs, then :func:`site`, and nothing else of this package.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import sys
import threading
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
)
from markupsafe import Markup

from generator.model import Bank
from generator.render import generations
from generator.render.compiled import cache
from generator.render.highlights import kept
from generator.render.pages import (
    MODES,
    PATTERNS_PER_PAGE,
    TOPICS_PER_PAGE,
    PatternPage,
    Site,
    Topic,
    paginate,
    slugify,
    topics,
)
from generator.render.plan import ASSETS, LISTS, PATTERN_DEPTH, STATIC, Plan, plan_site
from generator.render.publish import check_output_folder, publish, unwritable
from generator.render.reuse import Shelf
from generator.render.text import TextRenderer, pygments_css
from generator.render.theme import SiteSandbox, ThemeError, chosen, cpu_budget, describe
from generator.render.theme import files as theme_files
from generator.render.views import build_views
from generator.result import QuestionResult

__all__ = [
    "MODES",
    "PatternPage",
    "Plan",
    "Shelf",
    "Site",
    "ThemeError",
    "Topic",
    "environment",
    "plan_site",
    "prepare",
    "render_site",
    "site",
    "slugify",
    "unwritable",
]

#: Forbids inline scripts and every source outside the site.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
)
#: Banks with at least this many questions render their patterns in parallel processes.
PARALLEL_FROM = 800


@lru_cache(maxsize=8)
def environment(theme: Path | None = None, compiled: bool = False) -> Environment:
    """Templates compiled once per theme; a theme's templates override the package's.
    With ``compiled``, what earlier builds compiled is taken from the user's cache
    (:mod:`generator.render.compiled`).

    Every template renders in the sandbox (see :mod:`generator.render.theme`): a theme's
    templates extend and include the package's, so both run under the same rules.
    """
    loaders: list[FileSystemLoader | PackageLoader] = []
    if theme is not None:
        loaders.append(FileSystemLoader([str(theme / "templates"), str(theme)]))
    loaders.append(PackageLoader("generator.render", "templates"))
    env = SiteSandbox(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=cache() if compiled else None,
    )
    env.globals["csp"] = CSP
    env.filters["js_string"] = js_string
    return env


def js_string(value: object) -> Markup:
    """``value`` as a JavaScript string literal, safe inside a script file or element."""
    text = json.dumps(str(value), ensure_ascii=False)
    for raw, escaped in (
        ("</", "<\\/"),
        ("<!--", "\\u003c!--"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return Markup(text)


def prepare(bank: Bank, out: Path, theme_option: Path | None) -> Path | None:
    """The theme folder to render ``bank`` with (``--theme``, else ``bank.yaml``'s, else
    None), once the theme and the output folder are known to be usable: called before
    anything runs or is written, so a bad one is refused first (a ConfigError)."""
    folder = chosen(theme_option, bank)
    check_output_folder(out, bank.root)
    return folder


def site(
    bank: Bank,
    results: Mapping[str, QuestionResult],
    out: Path,
    theme: Path | None,
    *,
    reuse: Shelf | None = None,
) -> bool:
    """Write ``bank``'s site to ``out``, swapped in whole: a failure (a theme that breaks,
    an OSError) leaves ``out`` as it was. Without ``reuse`` every file is rendered
    afresh; with it (what the last builds of ``out`` left), only the units whose key
    changed are (see :mod:`generator.render.generations`), and a site that already is
    what this build writes is left as it is. Returns whether ``out`` was replaced."""
    if reuse is None:
        plan = plan_site(bank, results, theme)
        # rendered into a new folder beside the old site, then swapped in at once
        publish(lambda tmp: render_site(bank, tmp, results, theme, plan), out)
        return True
    with reuse.held() as shelf:
        return _update(bank, results, out, theme, shelf)


def _update(
    bank: Bank, results: Mapping[str, QuestionResult], out: Path, theme: Path | None, shelf: Shelf
) -> bool:
    """:func:`site` with what the last builds left on ``shelf``."""
    plan = plan_site(bank, results, theme, shelf=shelf)

    def render(folder: Path, units: list[str]) -> dict[str, list[str]]:
        written: dict[str, list[Path]] = {}
        render_site(bank, folder, results, theme, plan, set(units), written)
        return {
            unit: [str(p.relative_to(folder)) for p in files] for unit, files in written.items()
        }

    protected = [bank.root, Path.cwd()]
    try:
        replaced = generations.update(out, shelf, plan.keys, render, protected)
    except BaseException:
        shelf.save()  # the site's stamps, which removing a name it shares may have moved
        raise
    sources = {pattern.source for pattern in bank.patterns if pattern.source}
    if replaced or plan.search.fresh or plan.search.changed or shelf.cards.keys() - sources:
        shelf.keep(sources, plan.search.fresh, plan.search.index)
        shelf.save()
    return replaced


def render_site(
    bank: Bank,
    out: Path,
    results: Mapping[str, QuestionResult] | None = None,
    theme: Path | None = None,
    plan: Plan | None = None,
    only: Collection[str] | None = None,
    units: dict[str, list[Path]] | None = None,
) -> list[Path]:
    """Write the site for ``bank`` into the folder ``out``: every unit of ``plan`` (see
    :mod:`generator.render.plan`), or those named in ``only``; returns the files written,
    and adds them, by unit, to ``units``.

    A theme that breaks the rules of :mod:`generator.render.theme`, or whose template
    fails, raises :class:`ThemeError`.
    """
    plan = plan or plan_site(bank, results, theme)
    env = environment(theme, plan.remembered)
    job = _Job(out, plan.site, theme, plan.results, plan.remembered)
    made = units if units is not None else {}
    shared = _shared(env, job, plan)
    for unit, make in shared.items():
        if only is None or unit in only:
            made[unit] = make()
    for path in plan.search.files:
        if only is None or path in only:
            made[path] = [_write(out / path, plan.search.text(path))]
    ids = {p.id for p in plan.patterns if only is None or p.id in only}
    pages = plan.pages if only is None else plan.pages_of(ids)
    written = _render_patterns(job, pages)
    shown = [path for files in made.values() for path in files]
    made.update(_units(out, pages, written))
    return shown + written


def _shared(env: Environment, job: _Job, plan: Plan) -> dict[str, Callable[[], list[Path]]]:
    """How to make each output that is made from more than one pattern (but the search
    index, whose every file is a unit of its own)."""
    out, site, theme = job.out, job.site, job.theme

    def assets() -> list[Path]:
        review = _render(env, theme, "review.html", site=site, root="")
        identity = out / "assets" / "site.js"
        # written after the static files: a theme's static/site.js never stands in for it
        copied = [path for path in _copy_assets(out, theme) if path != identity]
        held = _write(identity, _render(env, theme, "site.js", site=site))
        return [*copied, held, _write(out / "review.html", review)]

    def lists() -> list[Path]:
        return _render_lists(env, theme, out, site, topics(plan.pages))

    return {ASSETS: assets, LISTS: lists}


def _units(out: Path, pages: list[PatternPage], written: list[Path]) -> dict[str, list[Path]]:
    """The files each pattern's pages were written to: its folder, and its review data."""
    folders = {out / page.url: page.pattern.id for page in pages}
    units: dict[str, list[Path]] = {page.pattern.id: [] for page in pages}
    review = out / "assets" / "review"
    for path in written:
        unit = folders.get(path.parent) or (path.stem if path.parent == review else None)
        if unit in units:
            units[unit].append(path)
    return units


def _render_lists(
    env: Environment, theme: Path | None, out: Path, site: Site, all_topics: list[Topic]
) -> list[Path]:
    """The index (topics, a few patterns under each) and every topic's own pages."""
    written: list[Path] = []
    for listing in paginate(all_topics, TOPICS_PER_PAGE, "topics"):
        # `topics` (name → patterns shown) is what themes written before topic pages read.
        shown = {topic.name: list(topic.shown) for topic in listing.items}
        html = _render(env, theme, "index.html", site=site, root="", listing=listing, topics=shown)
        written.append(_write(out / listing.url, html))
    for topic in all_topics:
        for part in paginate(topic.pages, PATTERNS_PER_PAGE, "page"):
            html = _render(
                env, theme, "topic.html", site=site, root="../", topic=topic, listing=part
            )
            written.append(_write(out / topic.slug / part.url, html))
    return written


@dataclass(frozen=True)
class _Job:
    """What rendering a pattern's pages needs besides the pattern (sent to worker processes)."""

    out: Path
    site: Site
    theme: Path | None
    results: dict[str, QuestionResult]
    compiled: bool = False
    """Whether templates compiled by earlier builds may be used."""


def _render_patterns(job: _Job, pages: list[PatternPage]) -> list[Path]:
    """Render every pattern's pages; large banks in parallel processes, in a stable order."""
    count = sum(len(page.pattern.questions) for page in pages)
    workers = min(os.cpu_count() or 1, 8)
    if count < PARALLEL_FROM or workers < 2 or not sys.platform.startswith("linux"):
        return _render_chunk(job, pages)
    size = max(1, len(pages) // (workers * 4))
    chunks = [pages[i : i + size] for i in range(0, len(pages), size)]
    # fork starts workers at once, but is only safe while no other thread runs (a live
    # thread may hold a lock the child would wait on forever); otherwise use a fork server.
    method = "fork" if threading.active_count() == 1 else "forkserver"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        done = pool.map(_render_chunk, [job] * len(chunks), chunks)
        return [path for paths in done for path in paths]


def _render_chunk(job: _Job, pages: list[PatternPage]) -> list[Path]:
    """For each pattern of ``pages``: its overview, a page per mode, and its questions as
    the review page shows them (``assets/review/<id>.js``)."""
    env = environment(job.theme, job.compiled)
    texts = TextRenderer(PATTERN_DEPTH, kept() if job.compiled else None)
    written: list[Path] = []
    for page in pages:
        views = build_views(page.pattern.questions, texts, job.results)
        folder = job.out / page.url
        common = {"site": job.site, "root": "../" * PATTERN_DEPTH, "page": page, "views": views}
        overview = _render(env, job.theme, "overview.html", **common, mode="")
        written.append(_write(folder / "index.html", overview))
        for mode, _label in page.modes:
            html = _render(env, job.theme, f"{mode}.html", **common, mode=mode)
            written.append(_write(folder / f"{mode}.html", html))
        data = _render(env, job.theme, "review-data.js", **common, mode="review")
        written.append(_write(job.out / "assets" / "review" / f"{page.pattern.id}.js", data))
    return written


def _render(env: Environment, theme: Path | None, name: str, **context: object) -> str:
    """One page; a template that fails is a :class:`ThemeError` saying where (worked out
    here, where the traceback is: pages may render in another process)."""
    try:
        with cpu_budget(theme, name):
            return env.get_template(name).render(context)
    except ThemeError:
        raise
    except TemplateError as exc:
        raise ThemeError(describe(exc, theme)) from None
    except Exception as exc:
        if theme is None:
            raise  # the package's own templates failing is a bug in qbank: keep its traceback
        raise ThemeError(describe(exc, theme)) from None


def _copy_assets(out: Path, theme: Path | None) -> list[Path]:
    """The package's static files, then the theme's (same name wins), then code styles."""
    assets = out / "assets"
    written: list[Path] = []
    for source in (STATIC, theme / "static" if theme else None):
        if source is None:
            continue
        for path in theme_files(source):
            target = assets / path.relative_to(source)
            _fresh(target)
            shutil.copyfile(path, target, follow_symlinks=False)
            if target not in written:
                written.append(target)
    written.append(_write(assets / "pygments.css", _code_css()))
    return written


@lru_cache(maxsize=1)
def _code_css() -> str:
    return pygments_css()


def _write(path: Path, text: str) -> Path:
    _fresh(path)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def _fresh(path: Path) -> None:
    """Make room for a new file at ``path``: a file there may be one with a file of the
    other generation of the site (see :mod:`generator.render.generations`), never to be
    written in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
