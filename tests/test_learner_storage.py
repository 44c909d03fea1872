"""Issue 20, in a real browser from file://: whose progress a site reads.

Every page opened from file:// shares one browser storage. A site keeps its progress
under its identity (a hash of its bank's title and pattern ids, made by the build), so
two banks with the same title keep apart; a rebuild of the same bank reads the same
progress, and one whose patterns changed carries it over from the build before, as it
does with what older sites kept under the title alone.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.model import Bank
from generator.render import render_site
from generator.validate import load_bank
from tests.helpers import sample
from tests.site_helpers import CHROMIUM, build_small_site, guarded_page, launched_browser
from tests.test_browser import (
    BANK,
    CV,
    POOL,
    choose,
    letter_of,
    old_records,
    question,
    right_choice,
    stored_records,
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


QID = "why-save-time"


def titled(bank: Bank, title: str) -> Bank:
    return dataclasses.replace(bank, settings=dataclasses.replace(bank.settings, title=title))


def built(tmp_path: Path, name: str, bank: Bank) -> Path:
    out = tmp_path / name
    out.mkdir()
    render_site(bank, out)
    return out


@pytest.fixture(scope="module")
def same_title(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another bank (the Test pool's) under the golden bank's title."""
    bank, problems = load_bank(sample("test-pool"))
    assert problems == []
    out = tmp_path_factory.mktemp("same-title")
    render_site(titled(bank, BANK.settings.title), out)
    return out


def answer_wrong(page: Page, site: Path) -> None:
    page.goto(url(site, f"{CV}/practice.html"))
    choose(page, QID, letter_of((right_choice(page, QID) + 1) % 4))
    question(page, QID).get_by_role("button", name="Check answer").click()
    expect(question(page, QID).locator(".feedback")).to_contain_text("Not quite")


def waiting(page: Page, site: Path) -> str:
    page.goto(url(site, "index.html"))
    return page.locator("[data-review-count]").inner_text()


def test_two_sites_with_the_same_title_keep_their_progress_apart(
    page: Page, site: Path, same_title: Path
) -> None:
    answer_wrong(page, site)
    one = "1 question you last answered wrong waits for you."
    assert waiting(page, site) == one
    page.goto(url(same_title, f"{POOL}/index.html"))
    expect(page.locator(".pattern-progress .progress-text")).to_have_text("Not started.")
    none = "Questions you answer wrong in any mode wait for you on the review page."
    assert waiting(page, same_title) == none
    page.goto(url(same_title, "review.html"))
    expect(page.locator("[data-review-status]")).to_have_text(
        "Nothing to review. Questions you answer wrong in any mode come here."
    )
    page.goto(url(same_title, "index.html"))
    page.get_by_role("button", name="Reset all progress").click()
    page.get_by_role("button", name="Yes, reset").click()
    assert waiting(page, site) == one, "the other site's review or reset took this one's"
    page.goto(url(site, "review.html"))
    expect(page.locator("[data-review-status]")).to_have_text("1 question to review.")
    prefix = page.evaluate("qbank.store.prefix")
    assert prefix.startswith("qbank:pattern-practice.")
    assert all(key.startswith(prefix) for key in stored_records(page))


def test_a_rebuilt_bank_reads_the_same_progress(page: Page, site: Path, tmp_path: Path) -> None:
    answer_wrong(page, site)
    again = built(tmp_path, "again", BANK)
    page.goto(url(again, f"{CV}/practice.html"))
    expect(question(page, QID).locator(".feedback")).to_contain_text("Not quite")
    page.goto(url(site, "index.html"))
    kept = page.evaluate("qbank.store.prefix")
    page.goto(url(again, "index.html"))
    assert page.evaluate("qbank.store.prefix") == kept


def test_progress_follows_a_bank_whose_patterns_changed(
    page: Page, site: Path, tmp_path: Path
) -> None:
    """A pattern added: the new build's identity differs, and the first of its pages
    that names a pattern the old build kept progress on takes that progress over."""
    answer_wrong(page, site)
    old = page.evaluate("qbank.store.prefix")
    pool, problems = load_bank(sample("test-pool"))
    assert problems == []
    grown = dataclasses.replace(BANK, patterns=(*BANK.patterns, *pool.patterns))
    new_site = built(tmp_path, "grown", grown)
    page.goto(url(new_site, f"{POOL}/index.html"))  # a new pattern: nothing to carry over
    expect(page.locator(".pattern-progress .progress-text")).to_have_text("Not started.")
    assert waiting(page, new_site) == "1 question you last answered wrong waits for you."
    new = page.evaluate("qbank.store.prefix")
    assert new != old
    keys = list(stored_records(page))
    assert keys and all(key.startswith(new) for key in keys), keys
    page.goto(url(new_site, f"{CV}/practice.html"))
    expect(question(page, QID).locator(".feedback")).to_contain_text("Not quite")


def store_by_title(page: Page, records: dict[str, Any]) -> None:
    """Progress as sites built before site identities kept it: under the title's slug."""
    page.evaluate(
        """(records) => {
            localStorage.clear();
            for (const [key, value] of Object.entries(records))
                localStorage.setItem('qbank:pattern-practice:' + key, JSON.stringify(value));
        }""",
        records,
    )


def test_progress_kept_under_the_title_is_read_by_its_own_bank_only(
    page: Page, site: Path, same_title: Path
) -> None:
    page.goto(url(site, "review.html"))
    store_by_title(page, old_records(BANK))
    page.goto(url(same_title, "index.html"))  # same title, none of its patterns
    expect(page.locator("[data-badges-empty]")).to_be_visible()
    page.goto(url(same_title, f"{POOL}/test.html"))
    page.goto(url(site, "index.html"))
    card = page.locator(".pattern-card").first
    expect(card.locator(".progress-text")).to_have_text(
        "Answered 3 of 10, 1 correct. Badge earned: Pre-trained Model Master."
    )
    prefix = page.evaluate("qbank.store.prefix")
    kept = stored_records(page)
    assert not [key for key in kept if key.startswith("qbank:pattern-practice:")], kept
    assert f"{prefix}badge:pretrained-models" in kept
