"""The site's scale checks at 5,000 questions (moved out of the unit suite, issue 18).

A generated bank of 5,000 questions (500 patterns in 20 topics, the same generator as
the unit tests) is rendered once, and each bound the site promises at that size is
measured: the search manifest's weight, every part within its budget, the title chunks,
the page count, the index's weight and what it shows. Each becomes one line of the
notes with its measured value and whether it held; the unit suite checks the same
things on a bank of 400 questions (tests/test_render.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench.measure import Figure

QUESTIONS = 5000
PATTERNS = 500
TOPICS = 20


def _data(script: Path) -> dict[str, object]:
    """The JSON a search part assigns to its global."""
    text = script.read_text(encoding="utf-8")
    data = json.loads(text.partition("]=")[2].strip()[:-1])
    assert isinstance(data, dict)
    return data


def _line(claim: str, measured: str, held: bool) -> str:
    return f"| {claim} | {measured} | {'held' if held else 'MISSED'} |"


def measure(work: Path) -> tuple[list[Figure], list[str]]:
    """Render the 5,000-question bank; no figure, a note line per bound and the time."""
    from generator.render import pages, render_site, search
    from tests.site_helpers import generated_bank

    bank = generated_bank(QUESTIONS)
    out = work / "scale-checks"
    out.mkdir()
    started = time.perf_counter()
    written = render_site(bank, out)
    seconds = time.perf_counter() - started

    parts = out / "assets" / "search"
    manifest = _data(parts / "index.js")
    shards = manifest["shards"]
    assert isinstance(shards, list)
    too_big: list[str] = []
    misnamed: list[str] = []
    wrong_size: list[str] = []
    for name, kind, file, size in shards:
        path = parts / f"{file}.js"
        if path.stat().st_size != size:
            wrong_size.append(file)
        data = _data(path)
        if not all(word.startswith(name) for word in data) or (
            kind == "e" and list(data) != [name]
        ):
            misnamed.append(file)
        if kind != "e" and len(data) > 1 and size > search.SHARD_BYTES + 200:
            too_big.append(f"{file} ({size:,} B)")
    chunks = sorted(parts.glob("d-*.js"))
    biggest_chunk = max(chunk.stat().st_size for chunk in chunks)
    html = [p for p in written if p.suffix == ".html"]
    pages_expected = PATTERNS * 4 + TOPICS + 1 + 1
    review = len(list((out / "assets" / "review").iterdir()))
    index = (out / "index.html").read_text(encoding="utf-8")
    index_bytes = len(index.encode())
    cards = index.count('class="card pattern-card"')
    all_links = index.count(f"All {PATTERNS // TOPICS} patterns in Topic")
    topic = (out / "topic-03" / "index.html").read_text(encoding="utf-8")
    topic_cards = topic.count('class="card pattern-card"')
    manifest_bytes = (parts / "index.js").stat().st_size

    lines = [
        f"Scale checks (`python -m bench scale-checks`): a generated bank of {QUESTIONS:,} "
        f"questions ({PATTERNS} patterns in {TOPICS} topics) rendered in {seconds:.1f} s; "
        "the unit suite checks the same bounds at 400 questions.",
        "",
        "| bound | measured | |",
        "| --- | --- | --- |",
        _line(
            "search manifest counts every question",
            f"{manifest['count']}",
            (manifest["count"] == QUESTIONS),
        ),
        _line("search manifest ≤ 20,000 B", f"{manifest_bytes:,} B", manifest_bytes <= 20_000),
        _line(
            "each part's size is the manifest's",
            f"{len(wrong_size)} of {len(shards)} differ",
            not wrong_size,
        ),
        _line(
            "each part holds only words of its prefix (an `e` part, the word itself)",
            f"{len(misnamed)} of {len(shards)} wrong",
            not misnamed,
        ),
        _line(
            f"each part of several words ≤ SHARD_BYTES + 200 ({search.SHARD_BYTES + 200:,} B)",
            ", ".join(too_big) or "all within",
            not too_big,
        ),
        _line(
            f"title chunks = questions ÷ {search.CHUNK}",
            f"{len(chunks)}",
            len(chunks) == QUESTIONS // search.CHUNK,
        ),
        _line(
            "each title chunk ≤ 10,000 B", f"largest {biggest_chunk:,} B", biggest_chunk <= 10_000
        ),
        _line(
            "pages: 4 per pattern, one per topic, the index, the review page",
            f"{len(html):,} (expected {pages_expected:,})",
            len(html) == pages_expected,
        ),
        _line("one review file per pattern", f"{review}", review == PATTERNS),
        _line(
            f"index shows {pages.CARDS_PER_TOPIC} cards per topic",
            f"{cards} cards",
            cards == TOPICS * pages.CARDS_PER_TOPIC,
        ),
        _line(
            "index links each topic's full list",
            f"{all_links} of {TOPICS}",
            all_links == TOPICS,
        ),
        _line("index ≤ 120,000 B", f"{index_bytes:,} B", index_bytes <= 120_000),
        _line(
            "a topic page shows all its patterns",
            f"{topic_cards} cards",
            topic_cards == PATTERNS // TOPICS,
        ),
    ]
    return [], lines
