"""Issue 20, in a real browser from file://: what each Test and Challenge attempt shows.

The reference bank shuffles its choices (but for the questions whose order means
something), every Test attempt shows its questions and its choices in an order of its
own, the review page says the letter the learner saw, and no mode shows a Challenge
question's answer before the learner has finished that Challenge.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.model import Bank
from generator.render import render_site
from generator.validate import load_bank
from tests.helpers import sample
from tests.site_helpers import CHROMIUM, ROOT, build_small_site, guarded_page, launched_browser
from tests.test_browser import (
    BANK,
    CV,
    POOL,
    answer_right,
    author_texts,
    choose,
    drawn_ids,
    question,
    right_choice,
    shown_texts,
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


@pytest.fixture(scope="module")
def pool_bank() -> Bank:
    bank, problems = load_bank(sample("test-pool"))
    assert problems == []
    return bank


@pytest.fixture(scope="module")
def pool_site(tmp_path_factory: pytest.TempPathFactory, pool_bank: Bank) -> Path:
    out = tmp_path_factory.mktemp("pool-site")
    render_site(pool_bank, out)
    return out


#: Questions of the reference bank whose choices keep the author's order: each lists
#: numbers on a scale, read in order.
PINNED = {"dihedral-variants-count", "float32-batch-memory", "precision-at-low-prevalence"}
#: Patterns of the reference bank with exactly ten questions, one Test's worth.
TEN = ["computer-vision/conv-output-sizes", "computer-vision/image-tensors", f"{CV}"]
WIDTHS = [375, 1280]


@pytest.fixture(scope="module")
def reference() -> Bank:
    bank, problems = load_bank(ROOT / "bank")
    assert problems == []
    return bank


@pytest.fixture(scope="module")
def reference_site(tmp_path_factory: pytest.TempPathFactory, reference: Bank) -> Path:
    out = tmp_path_factory.mktemp("reference-site")
    render_site(reference, out)
    return out


def finish_and_retake(page: Page) -> None:
    page.get_by_role("button", name="Finish test and see score").click()
    page.get_by_role("button", name="Finish anyway").click()
    page.get_by_role("button", name="Retake the test").click()


def attempt(page: Page) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """The open attempt: its questions in the order shown, and each one's choices."""
    ids = tuple(drawn_ids(page))
    return ids, {qid: tuple(shown_texts(page, qid)) for qid in ids}


# --------------------------------------------------------------- shuffled by default


def test_the_reference_bank_shuffles_all_but_ordered_choices(reference: Bank) -> None:
    kept = {q.id for q in reference.questions() if not q.shuffle}
    assert kept == PINNED


@pytest.mark.parametrize("width", WIDTHS)
def test_reference_pages_change_choice_order_over_retakes(
    page: Page, reference_site: Path, reference: Bank, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url(reference_site, "computer-vision/image-tensors/test.html"))
    orders: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for _ in range(3):
        for qid, texts in attempt(page)[1].items():
            orders[qid].add(texts)
        finish_and_retake(page)
    moved = [qid for qid, seen in orders.items() if len(seen) > 1]
    assert len(moved) >= 2, orders
    pinned = "float32-batch-memory"
    assert orders[pinned] == {tuple(author_texts(reference, pinned))}, "a pinned order moved"


# --------------------------------------------------------------- every attempt its own order


@pytest.mark.parametrize("pattern", TEN)
def test_every_retake_of_a_ten_question_pattern_changes_its_order(
    page: Page, reference_site: Path, pattern: str
) -> None:
    page.goto(url(reference_site, f"{pattern}/test.html"))
    before = attempt(page)
    page.reload()
    assert attempt(page) == before, "a reload keeps the attempt"
    for _ in range(4):
        finish_and_retake(page)
        now = attempt(page)
        assert now[0] != before[0], "the same questions in the same order"
        common = [qid for qid in now[0] if qid in before[1]]
        assert any(now[1][qid] != before[1][qid] for qid in common), "the same choice orders"
        bands = page.locator("[data-mode=test] article.question:not([hidden])").evaluate_all(
            "els => els.map(e => ['easy', 'medium', 'hard'].indexOf(e.dataset.band))"
        )
        assert bands == sorted(bands), "easy first, then medium, then hard"
        page.reload()
        assert attempt(page) == now, "a reload keeps the attempt"
        before = now


# --------------------------------------------------------------- the review says what was seen


@pytest.mark.parametrize("width", WIDTHS)
def test_the_review_says_the_letter_seen_in_the_test_and_marks_that_choice(
    page: Page, pool_site: Path, pool_bank: Bank, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url(pool_site, f"{POOL}/test.html"))
    for _ in range(10):  # an attempt where the choice picked is not where the author put it
        ids = drawn_ids(page)
        moved = [
            qid
            for qid in ids
            if shown_texts(page, qid)[0] != author_texts(pool_bank, qid)[0]
            and right_choice(page, qid, pool_bank) != 0
        ]
        if moved:
            break
        finish_and_retake(page)
    qid = moved[0]
    picked = shown_texts(page, qid)[0]  # the first choice shown, wrong
    choose(page, qid, "A")
    page.get_by_role("button", name="Finish test and see score").click()
    page.get_by_role("button", name="Finish anyway").click()

    page.goto(url(pool_site, "review.html"))
    q = question(page, qid)
    expect(q.locator(".review-last")).to_have_text("Last time you chose A, which is wrong.")
    marked = q.locator(".is-last")
    expect(marked).to_have_count(1)
    expect(marked.locator(".choice-text")).to_have_text(picked)
    expect(marked.locator("[data-letter]").first).to_have_text("A.")
    expect(marked.locator("[data-mark]")).to_have_text("✗ Your last answer: wrong")
    page.reload()
    expect(question(page, qid).locator(".is-last .choice-text")).to_have_text(picked)


# --------------------------------------------------------------- a Challenge keeps its answers


def challenge_ids(bank: Bank) -> set[str]:
    return {q.id for q in bank.questions() if q.mode == "challenge"}


def test_the_test_holds_no_challenge_question_until_the_challenge_is_finished(
    page: Page, site: Path
) -> None:
    hidden = challenge_ids(BANK) & {q.id for q in BANK.patterns[0].questions}
    page.goto(url(site, f"{CV}/test.html"))
    first = drawn_ids(page)
    assert first and not set(first) & hidden, first
    expect(page.locator("[data-test-intro]")).to_contain_text(
        "Its 5 Challenge questions join the Test once you finish the Challenge"
    )
    finish_and_retake(page)
    assert not set(drawn_ids(page)) & hidden

    page.goto(url(site, f"{CV}/challenge.html"))
    page.get_by_role("button", name="Start challenge").click()
    ids = page.locator("[data-mode=challenge] article.question").evaluate_all(
        "els => els.map(e => e.dataset.qid)"
    )
    for n, qid in enumerate(ids):
        answer_right(page, qid)
        if n < len(ids) - 1:
            page.get_by_role("button", name="Next question").click()

    page.goto(url(site, f"{CV}/test.html"))
    running = drawn_ids(page)
    assert not set(running) & hidden, "the running attempt stays as drawn"
    finish_and_retake(page)
    drawn = drawn_ids(page)
    assert len(drawn) == 10 and set(drawn) & hidden
    expect(page.locator("[data-test-intro]")).not_to_contain_text("join the Test")


def test_an_unfinished_attempt_loses_the_challenge_questions_it_drew_before(
    page: Page, site: Path
) -> None:
    """A Test attempt saved by an older site may hold Challenge questions: unfinished, it
    drops them (finishing it would show their answers)."""
    ids = [q.id for q in BANK.patterns[0].questions]
    page.goto(url(site, f"{CV}/test.html"))
    prefix = page.evaluate("qbank.store.prefix")
    page.evaluate(
        "([key, ids]) => localStorage.setItem(key, JSON.stringify("
        "{version: 2, seed: 3, questions: ids, answers: {}, done: false}))",
        [f"{prefix}test:pretrained-models", ids],
    )
    page.reload()
    hidden = challenge_ids(BANK)
    assert drawn_ids(page) == [qid for qid in ids if qid not in hidden]
    page.get_by_role("button", name="Finish test and see score").click()
    expect(page.locator("[data-test-status]")).to_contain_text("5 questions not answered yet")


# --------------------------------------------------------------- answering a Test by keyboard


@pytest.mark.parametrize("width", WIDTHS)
def test_a_test_counts_answers_finds_the_unanswered_and_takes_number_keys(
    page: Page, pool_site: Path, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(url(pool_site, f"{POOL}/test.html"))
    ids = drawn_ids(page)
    n = len(ids)
    answered = page.locator("[data-test-bar] [data-answered]")
    expect(answered).to_have_text(f"Answered 0 of {n}.")
    expect(page.locator("[data-test-keys]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    choose(page, ids[0], "A")
    expect(answered).to_have_text(f"Answered 1 of {n}.")
    jump = page.locator("[data-test-bar]").get_by_role(
        "button", name="Go to the first unanswered question"
    )
    jump.click()
    expect(page.locator(f"#t-{ids[1]}")).to_be_focused()
    page.keyboard.press("2")
    expect(question(page, ids[1]).get_by_label(re.compile(r"^B\."))).to_be_checked()
    expect(question(page, ids[1]).get_by_label(re.compile(r"^B\."))).to_be_focused()
    expect(answered).to_have_text(f"Answered 2 of {n}.")
    page.keyboard.press("c")  # another answer to the question in focus
    expect(question(page, ids[1]).get_by_label(re.compile(r"^C\."))).to_be_checked()
    page.keyboard.press("9")  # no ninth choice: nothing changes
    page.keyboard.press("Control+a")  # not a choice either
    expect(question(page, ids[1]).get_by_label(re.compile(r"^C\."))).to_be_checked()
    expect(answered).to_have_text(f"Answered 2 of {n}.")

    for qid in ids[2:-1]:
        jump.click()
        expect(page.locator(f"#t-{qid}")).to_be_focused()
        page.keyboard.press("Shift+A")
        expect(question(page, qid).get_by_label(re.compile(r"^A\."))).to_be_checked()
    expect(answered).to_have_text(f"Answered {n - 1} of {n}.")
    page.get_by_role("button", name="Finish test and see score").click()
    expect(page.locator("[data-test-status]")).to_contain_text("1 question not answered yet")
    after = page.locator("[data-jump-missing]")
    expect(after).to_be_visible()
    after.click()
    expect(page.locator(f"#t-{ids[-1]}")).to_be_focused()
    page.keyboard.press("4")
    expect(answered).to_have_text(f"Answered {n} of {n}.")
    expect(after).to_be_hidden()
    expect(jump).to_be_hidden()

    page.reload()
    expect(answered).to_have_text(f"Answered {n} of {n}.")
    expect(question(page, ids[1]).get_by_label(re.compile(r"^C\."))).to_be_checked()
    expect(question(page, ids[-1]).get_by_label(re.compile(r"^D\."))).to_be_checked()
    page.get_by_role("button", name="Finish test and see score").click()
    expect(page.locator("[data-summary]")).to_be_visible()
    expect(page.locator("[data-test-bar]")).to_be_hidden()
    question(page, ids[0]).locator(".q-title").focus()
    page.keyboard.press("2")  # a finished test takes no answer
    expect(question(page, ids[0]).get_by_label(re.compile(r"^A\."))).to_be_checked()
