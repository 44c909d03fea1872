"""Issue 20, in a real browser from file://: "Your progress" counts Test answers, and the
keyboard focus has a colour of its own, apart from right and wrong answers."""

from __future__ import annotations

import colorsys
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from tests.site_helpers import CHROMIUM, build_small_site, guarded_page, launched_browser
from tests.test_browser import (
    CV,
    answer_right,
    choose,
    drawn_ids,
    letter_of,
    question,
    right_choice,
    url,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("CI"),
        reason=f"{CHROMIUM} not installed (apt chromium)",
    ),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_browser()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from guarded_page(browser)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser-site")
    build_small_site(out)
    return out


def progress_texts(page: Page, site: Path) -> tuple[str, str]:
    """The progress line of the pattern's overview, then of its card on the index."""
    page.goto(url(site, f"{CV}/index.html"))
    overview = page.locator(".pattern-progress .progress-text").inner_text()
    page.goto(url(site, "index.html"))
    card = page.locator(".pattern-card").first.locator(".progress-text").inner_text()
    return overview, card


def answer_test(page: Page, site: Path, wrong: set[str], skip: set[str]) -> list[str]:
    """Take the pattern's Test: every drawn question right but those in ``wrong``."""
    page.goto(url(site, f"{CV}/test.html"))
    page.get_by_role("button", name="Retake the test").or_(
        page.get_by_role("button", name="Finish test and see score")
    ).first.wait_for()
    if page.get_by_role("button", name="Retake the test").is_visible():
        page.get_by_role("button", name="Retake the test").click()
    ids = drawn_ids(page)
    for qid in ids:
        if qid in skip:
            continue
        right = right_choice(page, qid)
        choose(page, qid, letter_of((right + 1) % 4 if qid in wrong else right))
    page.get_by_role("button", name="Finish test and see score").click()
    if skip:
        page.get_by_role("button", name="Finish anyway").click()
    expect(page.locator("[data-summary]")).to_be_visible()
    return ids


def test_your_progress_counts_test_answers(page: Page, site: Path) -> None:
    ids = answer_test(page, site, wrong=set(), skip=set())
    wrong, skipped = ids[0], ids[-1]
    n = len(ids)
    assert progress_texts(page, site) == (f"Answered {n} of 10, {n} correct.",) * 2

    answer_test(page, site, wrong={wrong}, skip={skipped})  # the latest answer counts
    done = f"Answered {n} of 10, {n - 1} correct."
    assert progress_texts(page, site) == (done, done), "a skipped question keeps its answer"

    page.goto(url(site, f"{CV}/practice.html#q-{wrong}"))
    answer_right(page, wrong)  # answered right again, in Practice
    assert progress_texts(page, site) == (f"Answered {n} of 10, {n} correct.",) * 2

    page.goto(url(site, f"{CV}/index.html"))
    page.get_by_role("button", name="Reset progress for this pattern").click()
    page.get_by_role("button", name="Yes, reset").click()
    expect(page.locator(".pattern-progress .progress-text")).to_have_text("Not started.")


# --------------------------------------------------------------- focus


def rgb(css: str) -> tuple[float, float, float]:
    found = re.findall(r"[\d.]+", css)
    assert len(found) >= 3, css
    return float(found[0]) / 255, float(found[1]) / 255, float(found[2]) / 255


def hue_apart(a: str, b: str) -> float:
    """Degrees between the hues of two CSS colours."""
    ha = colorsys.rgb_to_hls(*rgb(a))[0] * 360
    hb = colorsys.rgb_to_hls(*rgb(b))[0] * 360
    apart = abs(ha - hb) % 360
    return min(apart, 360 - apart)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two CSS colours."""

    def luminance(css: str) -> float:
        parts = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb(css)]
        return 0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_focus_has_its_own_colour(
    page: Page, site: Path, width: int, scheme: Literal["light", "dark"]
) -> None:
    """A focused choice is ringed in a colour no answer mark uses (WCAG 1.4.11: 3:1 at
    least against the page and the question's card), so focus never reads as "wrong"."""
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.goto(url(site, f"{CV}/practice.html"))
    qid = "why-save-time"
    wrong = letter_of((right_choice(page, qid) + 1) % 4)
    choose(page, qid, wrong)
    question(page, qid).get_by_role("button", name="Check answer").click()
    question(page, qid).get_by_role("button", name="Try again").click()
    choose(page, qid, wrong)
    question(page, qid).get_by_role("button", name="Check answer").click()
    style = page.evaluate(
        """() => {
            const css = getComputedStyle(document.documentElement);
            const wrong = document.querySelector('.is-wrong label');
            const right = document.querySelector('.is-correct label');
            return {
                bg: getComputedStyle(document.body).backgroundColor,
                card: getComputedStyle(document.querySelector('.question')).backgroundColor,
                wrong: getComputedStyle(wrong).borderTopColor,
                wrongMark: getComputedStyle(wrong.querySelector('[data-mark]')).color,
                right: getComputedStyle(right).borderTopColor,
                accent: css.getPropertyValue('--accent'),
            };
        }"""
    )
    question(page, qid).get_by_role("button", name="Try again").click()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # the focus is on the first choice, shown by its label
    assert page.evaluate("document.activeElement.type") == "radio"
    ring = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement.nextElementSibling);"
        " return {color: s.outlineColor, style: s.outlineStyle}; })()"
    )
    assert ring["style"] == "solid"
    for name in ("wrong", "wrongMark", "right"):
        assert hue_apart(ring["color"], style[name]) >= 60, (name, ring, style)
    for name in ("bg", "card"):
        assert contrast(ring["color"], style[name]) >= 3, (name, ring, style)
    page.keyboard.press("Tab")
    button = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert button == ring["color"], "every control has the same focus ring"
