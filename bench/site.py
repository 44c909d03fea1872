"""Site benchmarks: rendering 5,000 questions, page weight, index weight, search bytes.

`render` measures a 5,000-question bank written as YAML; `site-scale` renders a
generated bank of 50,000 questions (5,000 patterns) and measures what a learner's
browser loads: the index page with its assets, and the bytes each search loads
(in Debian's Chromium, from file://, counting every file the page requests)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import jinja2

from bench import banks

if TYPE_CHECKING:
    from bench.measure import Figure

_NOTES: list[str] = []

_CONCEPTUAL = """  - id: c{i:05d}
    mode: {mode}
    type: conceptual
    difficulty: {difficulty}
    title: Generated question {i} about image tensors
    prompt: |
      Question {i}: an image batch has shape `(32, 224, 224, 3)`. Which axis holds the
      **channels**, and what does `x.mean(axis=(0, 1, 2))` compute?
    code: |
      import numpy as np
      x = np.zeros((32, 224, 224, 3), dtype="float32")
      print(x.mean(axis=(0, 1, 2)).shape)
    choices:
      - text: The last axis; one mean per channel.
        correct: true
        why: Channels-last layout keeps channels at axis -1.
      - The first axis; one mean per image.
      - The second axis; one mean per row.
      - No axis; a single number.
    hint: Count the axes from the end.
    solution:
      steps:
        - title: Read the layout
          body: Keras uses channels-last, so axis 3 holds the channels.
        - title: Reduce the other axes
          body: Averaging over axes 0, 1 and 2 leaves one value per channel.
      quick_check: channels-last → {{answer}}
    common_mistakes:
      - Confusing the batch axis with the channel axis
"""


def _bank(root: Path, count: int) -> Path:
    questions = [
        _CONCEPTUAL.format(
            i=i,
            mode="challenge" if i % 2 else "practice",
            difficulty=("easy", "medium", "hard")[i % 3],
        )
        for i in range(count)
    ]
    return banks.write(root, [questions[i : i + 10] for i in range(0, count, 10)])


def _size(folder: Path, names: list[str]) -> int:
    return sum((folder / name).stat().st_size for name in names)


def measure(work: Path) -> list[Figure]:
    """Render 5,000 questions; compare to a bare Jinja2 loop writing as many pages."""
    from bench.measure import Figure
    from generator.render import render_site
    from generator.validate import load_bank

    root = _bank(work / "site-bank", 5000)
    bank, problems = load_bank(root)
    assert not problems, problems[:3]
    out = work / "site-out"
    out.mkdir()
    started = time.perf_counter()
    written = render_site(bank, out)
    ours = time.perf_counter() - started
    pages = [p for p in written if p.suffix == ".html"]

    template = jinja2.Environment(autoescape=True).from_string(
        "<!doctype html><title>{{ p.title }}</title><h1>{{ p.title }}</h1>"
        "{% for q in p.questions %}<h2>{{ q.title }}</h2><p>{{ q.prompt }}</p>"
        "<pre>{{ q.code }}</pre><ul>{% for c in q.choices %}<li>{{ c.text }}</li>"
        "{% endfor %}</ul>{% endfor %}"
    )
    bare = work / "bare-out"
    per_pattern = max(1, len(pages) // len(bank.patterns))
    started = time.perf_counter()
    for pattern in bank.patterns:
        folder = bare / pattern.id
        folder.mkdir(parents=True)
        for n in range(per_pattern):
            (folder / f"{n}.html").write_text(template.render(p=pattern), encoding="utf-8")
    baseline = time.perf_counter() - started

    _NOTES.extend(weights(out, "5,000"))
    first = bank.patterns[0]
    folder = next(p.parent for p in pages if first.id in str(p))
    for html in sorted(folder.glob("*.html")):
        assets = ("site.css", "pygments.css", "qbank.js", *PAGE_SCRIPTS.get(html.name, ()))
        weight = html.stat().st_size + sum((out / "assets" / a).stat().st_size for a in assets)
        _NOTES.append(
            f"- Page weight, `{html.name}` of a 10-question pattern with shared CSS and JS: "
            f"{weight / 1024:.0f} KiB (target ≤ 150 KB)."
        )
    return [
        Figure(
            f"render 5,000 questions ({len(pages)} pages)",
            ours,
            baseline,
            f"bare Jinja2 loop writing {per_pattern * len(bank.patterns)} pages",
            "≤ 5 s wall",
        )
    ]


#: Queries typed into the index's search box: words of the generated banks, short
#: prefixes (which load every part their words start), a number, a word found nowhere.
QUERIES = (
    "technique",
    "accuracy training time",
    "pipeline dataset",
    "te",
    "question 31337",
    "validation data",
    "xylophone",
)
#: What the index page loads before any query.
INDEX_ASSETS = ("site.css", "qbank.js", "progress.js", "search.js")
#: The scripts a pattern's page loads besides qbank.js.
PAGE_SCRIPTS = {
    "index.html": ("progress.js",),
    "challenge.html": ("challenge.js",),
    "test.html": ("draw.js", "attempt.js", "test.js"),
}


def weights(site: Path, label: str) -> list[str]:
    """Notes on the index's weight and the bytes each search in :data:`QUERIES` loads."""
    index = (site / "index.html").stat().st_size
    assets = sum((site / "assets" / name).stat().st_size for name in INDEX_ASSETS)
    notes = [
        f"- Index page at {label} questions with its assets ({', '.join(INDEX_ASSETS)}): "
        f"{(index + assets) / 1024:.0f} KiB, of which HTML {index / 1024:.0f} KiB "
        "(target ≤ 200 KB at 50,000)."
    ]
    loaded = search_bytes(site)
    if loaded is None:
        return [*notes, f"- Search at {label} questions: not measured (no Chromium)."]
    worst = max(loaded.values())
    each = ", ".join(f"“{q}” {b / 1024:.0f} KiB" for q, b in loaded.items())
    notes.append(
        f"- Bytes loaded by a search at {label} questions (manifest, word parts, titles of "
        f"the hits shown), at most {worst / 1024:.0f} KiB (target ≤ 1 MB): {each}."
    )
    parts = list((site / "assets" / "search").iterdir())
    total = sum(p.stat().st_size for p in parts)
    notes.append(
        f"- Search index at {label} questions: {len(parts)} files, {total / 1024:.0f} KiB "
        "in all, never loaded whole."
    )
    return notes


def search_bytes(site: Path) -> dict[str, int] | None:
    """Bytes of the files the index requests for each query, typed into a fresh page."""
    from tools.site import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        loaded = {query: _search_once(browser, site, query) for query in QUERIES}
        browser.close()
    return loaded


def _search_once(browser: Any, site: Path, query: str) -> int:
    """Bytes of every file a fresh index page requests from typing ``query`` to its answer."""
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.goto((site / "index.html").as_uri())
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.get_by_label("Search titles, prompts and choices").fill(query)
    # Its status says how many questions matched once the parts it needed have loaded.
    expect(page.locator("#search-status")).not_to_have_text("", timeout=60_000)
    files = {Path(unquote(urlparse(u).path)) for u in seen if u.startswith("file:")}
    context.close()
    return sum(f.stat().st_size for f in files if f.is_file())


def scale(work: Path) -> list[Figure]:
    """Render a generated bank of 50,000 questions; note the index's weight and search bytes."""
    from generator.render import render_site
    from tests.site_helpers import generated_bank

    out = work / "scale-out"
    out.mkdir()
    bank = generated_bank(50_000)
    started = time.perf_counter()
    render_site(bank, out)
    took = time.perf_counter() - started
    _NOTES.append(
        f"- Rendering a generated bank of 50,000 questions (5,000 patterns): {took:.0f} s."
    )
    _NOTES.extend(weights(out, "50,000"))
    return []


def notes() -> list[str]:
    """Sizes measured while rendering."""
    return list(_NOTES)
