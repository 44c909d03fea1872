"""Issue 20: a "Report a problem with this question" link on every question when
``bank.yaml`` names ``report_url``; none when it does not."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.render import render_site
from generator.validate import load_bank
from tests.site_helpers import CHROMIUM, GOLDEN_BANK, guarded_page, launched_browser
from tests.test_browser import BANK, CV, axe_violations, choose, question, url

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect

browser_only = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason=f"{CHROMIUM} not installed (apt chromium)",
)
REPORT = "https://example.org/issues/new?title={pattern}/{question}&body={title}"


def bank_with(tmp_path: Path, line: str) -> Path:
    """A copy of the golden bank whose bank.yaml ends with ``line``."""
    bank = tmp_path / "bank"
    shutil.copytree(GOLDEN_BANK, bank)
    settings = bank / "bank.yaml"
    settings.write_text(settings.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    return bank


def test_bank_yaml_names_the_report_address(tmp_path: Path) -> None:
    bank, problems = load_bank(bank_with(tmp_path, f"report_url: {REPORT}"))
    assert problems == []
    assert bank.settings.report_url == REPORT


@pytest.mark.parametrize("value", ["javascript:alert(1)", "/issues/new", "https://a b"])
def test_a_report_address_must_be_http(tmp_path: Path, value: str) -> None:
    bank = bank_with(tmp_path, f'report_url: "{value}"')
    line = len((bank / "bank.yaml").read_text(encoding="utf-8").splitlines())
    _bank, problems = load_bank(bank)
    assert [(p.status, p.location.line) for p in problems] == [("invalid", line)], problems
    assert "report_url" in problems[0].message


def expected(qid: str) -> str:
    q = next(q for q in BANK.questions() if q.id == qid)
    title = quote(q.title, safe="/")
    return (
        REPORT.replace("{pattern}", q.pattern_id)
        .replace("{question}", qid)
        .replace("{title}", title)
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launched_browser()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    yield from guarded_page(browser)


@pytest.fixture(scope="module")
def report_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report-site")
    settings = dataclasses.replace(BANK.settings, report_url=REPORT)
    render_site(dataclasses.replace(BANK, settings=settings), out)
    return out


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain-site")
    render_site(BANK, out)
    return out


@browser_only
@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_every_question_links_to_the_report_address(
    page: Page, report_site: Path, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url(report_site, f"{CV}/practice.html"))
    link = question(page, "why-save-time").get_by_role(
        "link", name="Report a problem with this question (opens in a new tab)"
    )
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", expected("why-save-time"))
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    choose(page, "why-save-time", "A")
    question(page, "why-save-time").get_by_role("button", name="Check answer").click()

    for mode in ("challenge", "test"):
        page.goto(url(report_site, f"{CV}/{mode}.html"))
        links = page.locator("article.question .report a")
        assert links.count() == len(page.locator("article.question").all())
        for qid in page.locator("article.question").evaluate_all(
            "els => els.map(e => e.dataset.qid)"
        ):
            href = question(page, qid).locator(".report a").get_attribute("href")
            assert href == expected(qid), (mode, qid)

    page.goto(url(report_site, "review.html"))
    link = question(page, "why-save-time").locator(".report a")
    expect(link).to_have_attribute("href", expected("why-save-time"))


@browser_only
@pytest.mark.browser
def test_no_report_link_without_an_address(page: Page, plain_site: Path) -> None:
    for mode in ("practice", "challenge", "test"):
        page.goto(url(plain_site, f"{CV}/{mode}.html"))
        expect(page.locator("article.question")).not_to_have_count(0)
        expect(page.locator(".report")).to_have_count(0)
