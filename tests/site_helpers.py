"""Helpers for the site tests: the golden bank loaded from YAML, results, a large bank.

The golden site and the screenshots are built by tools/site.py (`make golden`,
`make screenshots`) from tests/samples/golden-bank, through `qbank build`'s own build().
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import Location
from generator.model import Bank, Choice, Pattern, Question, Settings, Solution, Step
from generator.render import PatternPage, _Job, _render_chunk
from generator.result import Environment, QuestionResult
from generator.validate import load_bank
from tools.site import CHROMIUM, CHROMIUM_ARGS, GOLDEN, GOLDEN_BANK, ROOT, build_small_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "GOLDEN", "GOLDEN_BANK", "ROOT", "build_small_site"]

#: Installed by `npm ci --no-audit --no-fund` (package.json at the repo root).
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CV_FILE = "tests/samples/golden-bank/computer-vision/pretrained-models.yaml"


def launched_browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (the browser tests' ``browser``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def guarded_page(browser: Browser) -> Iterator[Page]:
    """A tab in a fresh context (its own localStorage) at 1280 px that fails any request
    leaving the site; at the end, asserts none was attempted and no script failed (the
    browser tests' ``page``)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on(
        "request",
        lambda r: None if r.url.startswith(("file://", "data:")) else outside.append(r.url),
    )
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert outside == [], f"requests left the site: {outside}"
    assert errors == [], f"errors in the page: {errors}"


def small_bank() -> Bank:
    """The golden bank as the loader reads it (two topics, two patterns)."""
    bank, problems = load_bank(GOLDEN_BANK)
    assert not problems, problems
    return bank


def pattern(pattern_id: str) -> Pattern:
    """One pattern of the golden bank."""
    return next(p for p in small_bank().patterns if p.id == pattern_id)


def at(file: str, line: int = 1, column: int = 1) -> Location:
    """A location in a bank file, as the loader would record it."""
    return Location(file, line, column)


def choices(
    file: str, texts: list[str], correct: int, why: dict[int, str] | None = None
) -> tuple[Choice, ...]:
    """Choices from plain texts; ``correct`` is the author index of the right one."""
    why = why or {}
    return tuple(
        Choice(text, i == correct, why.get(i), at(file, 10 + i, 9)) for i, text in enumerate(texts)
    )


def question(
    file: str,
    pattern_id: str,
    qid: str,
    *,
    mode: str = "practice",
    type: str = "conceptual",
    difficulty: str = "easy",
    title: str = "",
    prompt: str = "",
    texts: list[str],
    correct: int,
    why: dict[int, str] | None = None,
    steps: list[tuple[str, str]] | None = None,
    quick_check: str | None = None,
    mistakes: tuple[str, ...] = (),
    **extra: object,
) -> Question:
    """A question with defaults resolved the way the loader resolves them."""
    solution = None
    if steps is not None or quick_check is not None:
        solution = Solution(
            tuple(Step(t, b, at(file, 30, 11)) for t, b in steps or []),
            quick_check,
            at(file, 29, 7),
        )
    if mode == "challenge":
        extra.setdefault("time_limit", 120)
        extra.setdefault("attempts", 2)
    return Question(
        id=qid,
        pattern_id=pattern_id,
        mode=mode,
        type=type,
        difficulty=difficulty,
        title=title,
        prompt=prompt,
        choices=choices(file, texts, correct, why),
        location=at(file, 5, 5),
        solution=solution,
        common_mistakes=mistakes,
        **extra,  # type: ignore[arg-type]
    )


def small_results() -> dict[str, QuestionResult]:
    """A verified run for the MobileNet question, as ``verify`` would report it."""
    env = Environment("3.11.7", (("tensorflow", "2.21.0"),))
    return {
        "mobilenet-output-shape": QuestionResult(
            "pretrained-models",
            "mobilenet-output-shape",
            at(CV_FILE, 90, 5),
            "ok",
            executed=True,
            environment=env,
        )
    }


def correct_text(bank: Bank, qid: str) -> str:
    """The text of the choice that the bank's author marked correct in question ``qid``."""
    found = [q for q in bank.questions() if q.id == qid]
    assert len(found) == 1, f"no question {qid} in the bank"
    return found[0].correct.text


#: Start of the mark :func:`render_chunk_noting_worker` adds to the files a chunk wrote.
WORKER_MARK = "rendered-by-pid-"
_original_chunk = _render_chunk


def render_chunk_noting_worker(job: _Job, pages: list[PatternPage]) -> list[Path]:
    """The renderer's own chunk function, plus a mark naming the process that ran it.

    Set in its place, it shows which processes rendered a site: worker processes load
    it by name and call the original, captured here when this module is imported.
    """
    return [*_original_chunk(job, pages), Path(f"{WORKER_MARK}{os.getpid()}")]


def worker_pids(written: list[Path]) -> set[int]:
    """The processes :func:`render_chunk_noting_worker` saw render, from the files written."""
    return {
        int(p.name.removeprefix(WORKER_MARK)) for p in written if p.name.startswith(WORKER_MARK)
    }


def generated_bank(count: int = 5000, per_pattern: int = 10, code_every: int = 3) -> Bank:
    """A large synthetic bank for size and speed checks: ``count`` questions."""
    patterns = []
    difficulties = ("easy", "medium", "intermediate", "hard", "advanced", "expert")
    for p in range(count // per_pattern):
        pid = f"pattern-{p:04d}"
        f = f"bank/topic-{p % 20:02d}/{pid}.yaml"
        qs = []
        for i in range(per_pattern):
            n = p * per_pattern + i
            code = None
            if n % code_every == 0:
                code = "\n".join(
                    f"value_{k} = compute(data[{k}], factor={n + k})  # step {k}" for k in range(8)
                )
                code += "\nprint(sum(value_0, value_1))\n"
            qs.append(
                question(
                    f,
                    pid,
                    f"q-{n:05d}",
                    mode="challenge" if i < per_pattern // 2 else "practice",
                    difficulty=difficulties[n % 6],
                    title=f"Question {n}: how does technique {n % 97} change the result?",
                    prompt=f"Consider the **pipeline** number {n}. When technique {n % 97} is "
                    f"applied to the `dataset_{n % 13}`, what happens to the measured accuracy, "
                    "the training time and the size of the model on disk?",
                    texts=[
                        f"It improves accuracy by {n % 7} points",
                        "It leaves the model unchanged",
                        f"It doubles the training time of stage {n % 5}",
                        "It removes the need for validation data",
                    ],
                    correct=n % 4,
                    code=code,
                    why={0: "Not quite: measure before you conclude."},
                    steps=[
                        ("Read the pipeline", "Look at what the technique changes."),
                        ("Compare", "The right option is {answer}."),
                    ],
                    quick_check="Technique = {answer}",
                    mistakes=("Ignoring the validation set", "Confusing time with accuracy"),
                    hint="Think about what is measured.",
                    shuffle=n % 2 == 0,
                )
            )
        patterns.append(
            Pattern(
                id=pid,
                title=f"Pattern {p}: techniques and their trade-offs",
                topic=f"Topic {p % 20}",
                topic_slug=f"topic-{p % 20:02d}",
                questions=tuple(qs),
                path=ROOT / f,
                location=at(f),
                minutes=15,
                badge=f"Badge {p}",
            )
        )
    return Bank(root=ROOT / "bank", settings=Settings(), patterns=tuple(patterns))
