"""The learner site: an index, and per pattern an overview and one page per mode.

Layout of the output (every URL relative, so it opens from ``file://``)::

    index.html                      topics, patterns, progress, badges, search
    assets/                         site.css, pygments.css, qbank.js, search-index.js
    <topic-slug>/<pattern-id>/      index.html, practice.html, challenge.html, test.html
"""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import sys
import threading
from collections.abc import Mapping
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

from generator.model import Bank, Pattern, Question
from generator.render.search import search_index
from generator.render.text import TextRenderer, pygments_css
from generator.render.theme import SiteSandbox, ThemeError, describe
from generator.render.theme import files as theme_files
from generator.render.views import band_counts, build_views, draw_test
from generator.result import QuestionResult

STATIC = Path(__file__).parent / "static"
#: Forbids inline scripts and every source outside the site.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
)
MODES = (("practice", "Practice"), ("challenge", "Challenge"), ("test", "Test"))
#: Folders between the site root and a pattern's pages (``<topic>/<pattern>/``).
PATTERN_DEPTH = 2
#: Banks with at least this many questions render their patterns in parallel processes.
PARALLEL_FROM = 800


@dataclass(frozen=True)
class Site:
    """Bank-wide values every page shows."""

    title: str
    slug: str
    description: Markup


@dataclass(frozen=True)
class PatternPage:
    """A pattern with what its overview, its mode pages and the index show."""

    pattern: Pattern
    url: str
    """Folder of the pattern's pages, relative to the site root, ending in ``/``."""
    intro: Markup
    practice: tuple[Question, ...]
    challenge: tuple[Question, ...]
    test: tuple[Question, ...]
    bands: dict[str, int]
    minutes: int

    @property
    def modes(self) -> list[tuple[str, str]]:
        """(page name, label) of the modes this pattern has questions for."""
        return [(name, label) for name, label in MODES if getattr(self, name)]


def slugify(text: str) -> str:
    """``Pattern Practice`` → ``pattern-practice``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "bank"


@lru_cache(maxsize=8)
def environment(theme: Path | None = None) -> Environment:
    """Templates compiled once per theme; a theme's templates override the package's.

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
    )
    env.globals["csp"] = CSP
    return env


def render_site(
    bank: Bank,
    out: Path,
    results: Mapping[str, QuestionResult] | None = None,
    theme: Path | None = None,
) -> list[Path]:
    """Write the whole site for ``bank`` into the (empty, existing) folder ``out``.

    A theme that breaks the rules of :mod:`generator.render.theme`, or whose template
    fails, raises :class:`ThemeError`.
    """
    if theme is not None:
        theme_files(theme)  # refuses symbolic links and special files before any is read
    env = environment(theme)
    # Relative image paths are checked against the depth of the page showing them.
    texts = TextRenderer(PATTERN_DEPTH)
    site = Site(
        bank.settings.title,
        slugify(bank.settings.title),
        TextRenderer(0).block(bank.settings.description),
    )
    pages = [_pattern_page(pattern, texts) for pattern in bank.patterns]
    written = _copy_assets(out, theme)
    urls = {page.pattern.id: page.url for page in pages}
    written.append(_write(out / "assets" / "search-index.js", search_index(bank, urls)))

    topics: dict[str, list[PatternPage]] = {}
    for page in pages:
        topics.setdefault(page.pattern.topic, []).append(page)
    index = _render(env, theme, "index.html", site=site, root="", topics=topics)
    written.append(_write(out / "index.html", index))

    job = _Job(out, site, theme, dict(results or {}))
    return written + _render_patterns(job, pages)


@dataclass(frozen=True)
class _Job:
    """What rendering a pattern's pages needs besides the pattern (sent to worker processes)."""

    out: Path
    site: Site
    theme: Path | None
    results: dict[str, QuestionResult]


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
    """An overview page and one page per mode for each pattern of ``pages``."""
    env = environment(job.theme)
    texts = TextRenderer(PATTERN_DEPTH)
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
    return written


def _render(env: Environment, theme: Path | None, name: str, **context: object) -> str:
    """One page; a template that fails is a :class:`ThemeError` saying where (worked out
    here, where the traceback is: pages may render in another process)."""
    try:
        return env.get_template(name).render(context)
    except TemplateError as exc:
        raise ThemeError(describe(exc, theme)) from None
    except Exception as exc:
        if theme is None:
            raise  # the package's own templates failing is a bug in qbank: keep its traceback
        raise ThemeError(describe(exc, theme)) from None


def _pattern_page(pattern: Pattern, texts: TextRenderer) -> PatternPage:
    minutes = pattern.minutes or max(1, 2 * len(pattern.questions))
    return PatternPage(
        pattern=pattern,
        url=f"{pattern.topic_slug}/{pattern.id}/",
        intro=texts.block(pattern.intro),
        practice=pattern.practice(),
        challenge=pattern.challenge(),
        test=draw_test(pattern),
        bands=band_counts(pattern.questions),
        minutes=minutes,
    )


def _copy_assets(out: Path, theme: Path | None) -> list[Path]:
    """The package's static files, then the theme's (same name wins), then code styles."""
    assets = out / "assets"
    written: list[Path] = []
    for source in (STATIC, theme / "static" if theme else None):
        if source is None:
            continue
        for path in theme_files(source):
            target = assets / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target, follow_symlinks=False)
            if target not in written:
                written.append(target)
    written.append(_write(assets / "pygments.css", _code_css()))
    return written


@lru_cache(maxsize=1)
def _code_css() -> str:
    return pygments_css()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
