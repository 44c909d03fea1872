"""Site benchmarks: rendering 5,000 questions, page weight, search index size."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from bench import banks

if TYPE_CHECKING:
    from bench.__main__ import Figure

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
    from bench.__main__ import Figure
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

    index = out / "assets" / "search-index.js"
    _NOTES.append(
        f"- Search index for 5,000 questions: {index.stat().st_size / 1024:.0f} KiB "
        "(target ≤ 1 MB)."
    )
    first = bank.patterns[0]
    folder = next(p.parent for p in pages if first.id in str(p))
    assets = [a for a in (out / "assets").iterdir() if a.suffix in (".css", ".js")]
    assets = [a for a in assets if a.name != "search-index.js"]
    for html in sorted(folder.glob("*.html")):
        weight = html.stat().st_size + sum(a.stat().st_size for a in assets)
        _NOTES.append(
            f"- Page weight, `{html.name}` of a 10-question pattern with shared CSS and JS "
            f"(search index excluded): {weight / 1024:.0f} KiB (target ≤ 150 KB)."
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


def notes() -> list[str]:
    """Sizes measured while rendering."""
    return list(_NOTES)
