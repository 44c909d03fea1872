"""The golden site and the screenshots: both built from the YAML bank under
tests/samples/golden-bank through the same build() that `qbank build` runs.

Regenerate the golden copy after an intended change to the site, then review the
diff (`git diff tests/golden`); retake the screenshots the same way::

    make golden        # python -m tools golden
    make screenshots   # python -m tools screenshots
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from generator.build import build
from generator.options import Options

ROOT = Path(__file__).resolve().parent.parent
#: The small bank the golden site and the browser tests are built from.
GOLDEN_BANK = ROOT / "tests" / "samples" / "golden-bank"
GOLDEN = ROOT / "tests" / "golden" / "small-site"
SCREENSHOTS = ROOT / "docs" / "screenshots"
#: Debian's Chromium; the browser tests never download a browser.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def build_small_site(out: Path) -> None:
    """Validate, verify and render the golden bank into ``out`` (swapped in whole)."""
    built = build(Options(bank=GOLDEN_BANK), out, None)
    problems = [f"{r.question}: {r.status}" for r in built.outcome.results if r.status != "ok"]
    if not built.written or problems:
        raise SystemExit(f"the golden bank does not build cleanly: {problems}")


def regenerate() -> None:
    """Rebuild ``tests/golden/small-site`` (swapped in only when the build succeeds)."""
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    build_small_site(GOLDEN)
    print(f"regenerated {GOLDEN.relative_to(ROOT)}")


def screenshots() -> list[Path]:
    """Each page a learner meets, at 375 and 1280 px wide: a pattern's modes, then the
    review, the index and a topic page, which by then show the progress made."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    taken: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        site = Path(tmp)
        build_small_site(site)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        cv = site / "computer-vision" / "pretrained-models"
        shots: list[tuple[str, Path, str]] = [
            ("practice", cv / "practice.html", "practice"),
            ("challenge", cv / "challenge.html", "challenge"),
            ("test", cv / "test.html", "test"),
            ("review", site / "review.html", "review"),
            ("index", site / "index.html", ""),
            ("topic", site / "computer-vision" / "index.html", ""),
        ]
        for width in (375, 1280):
            for scheme in ("light", "dark"):
                if scheme == "dark" and width == 375:
                    continue
                context = browser.new_context(
                    viewport={"width": width, "height": 900}, color_scheme=scheme
                )
                page = context.new_page()
                for name, path, action in shots:
                    page.goto(path.as_uri())
                    _act(page, action)
                    page.mouse.move(0, 0)  # no hover effect in the picture
                    out = SCREENSHOTS / f"{name}-{width}{'-dark' if scheme == 'dark' else ''}.png"
                    page.screenshot(path=str(out), full_page=True)
                    taken.append(out)
                context.close()
        browser.close()
    return taken


def _act(page: Any, action: str) -> None:
    """Bring a page into the state worth showing: answered, timed, reviewed."""
    if action == "practice":
        page.get_by_label("A. They require more data").check()
        page.get_by_role("button", name="Check answer").first.click()
    elif action == "challenge":
        page.get_by_role("button", name="Start challenge").click()
        page.get_by_role("button", name="Show hint").first.click()
        page.get_by_label("A. Because pre-trained models use less memory").check()
        page.get_by_role("button", name="Check answer").first.click()
    elif action == "test":
        for article in page.locator("article.question:not([hidden])").all()[:9]:
            article.locator("input[type=radio]").first.check()
        page.get_by_role("button", name="Finish test and see score").click()
        page.get_by_role("button", name="Finish anyway").click()
        page.evaluate("window.scrollTo(0, 0)")
    elif action == "review":
        first = page.locator("[data-review-list] article.question").first
        first.wait_for()
        right = _correct_text(first.get_attribute("data-qid"))
        shown = [" ".join(t.split()) for t in first.locator(".choice-text").all_inner_texts()]
        first.locator("input[type=radio]").nth(shown.index(right)).check()
        first.get_by_role("button", name="Check answer").click()
        page.evaluate("window.scrollTo(0, 0)")


def _correct_text(qid: str) -> str:
    """The correct choice of a golden-bank question, as a page shows it (no Markdown)."""
    from generator.validate import load_bank

    bank, _ = load_bank(GOLDEN_BANK)
    question = next(q for q in bank.questions() if q.id == qid)
    return " ".join(question.correct.text.replace("`", "").split())
