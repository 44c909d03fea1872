"""`qbank serve`: a real server and a real browser; the author edits YAML, the page follows."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.helpers import sample
from tests.serve_helpers import Serving, alive, descendants
from tests.site_helpers import CHROMIUM, CHROMIUM_ARGS

PRACTICE = "machine-learning/data-splits/practice.html"
TITLE = b"Pattern Practice"
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason=f"{CHROMIUM} not installed"
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Serving]:
    """`qbank serve` on a copy of the golden bank, once its first build answers."""
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    serving = Serving(bank, tmp_path)
    try:
        serving.wait_for_page("/", lambda body: TITLE in body, timeout=120)
        yield serving
    finally:
        serving.close()


def _ready(served: Serving, timeout: float) -> None:
    """Wait until the first build is verified and the page has nothing to show."""
    deadline = time.monotonic() + timeout
    for state in served.states():
        if state["phase"] == "ready" and state["generation"]:
            return
        assert time.monotonic() < deadline, state
    raise AssertionError("the events stream ended")


def _edit(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))


def test_the_page_follows_the_yaml_then_shows_the_verdict(served: Serving) -> None:
    yaml_file = served.bank / "machine-learning" / "data-splits.yaml"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page: Page = browser.new_page()
        _ready(served, timeout=120)  # built and verified: the page opened now is final
        response = page.goto(served.url + PRACTICE)
        assert response is not None and response.status == 200
        heading = page.locator("#q-split-purpose h3, #q-split-purpose h2").first
        expect(heading).to_contain_text("Why keep a test set apart?")
        expect(page.locator('script[src="/__qbank__/live.js"]')).to_have_count(1)
        expect(page.locator("#qbank-live")).to_have_count(0)
        # A new title: the page reloads itself and shows it.
        _edit(yaml_file, "title: Why keep a test set apart?", "title: Why hold out a test set?")
        expect(heading).to_contain_text("Why hold out a test set?", timeout=60_000)
        # A wrong key, in code that takes a while: "verifying…" first, then the verdict.
        _edit(yaml_file, "- text: 80 20\n", "- text: 81 19\n")
        slow = "__import__('time').sleep(3)\n    print(len(train), len(test))"
        _edit(yaml_file, "print(len(train), len(test))", slow)
        live = page.locator("#qbank-live")
        expect(live).to_contain_text("verifying", timeout=60_000)
        expect(live).to_contain_text("wrong-answer", timeout=120_000)
        expect(live).to_contain_text("data-splits.yaml:")
        # A save that breaks the file: the problem shows, the last good page stays.
        _edit(yaml_file, "mode: practice", "mode: [practice")
        expect(live).to_contain_text("invalid", timeout=60_000)
        expect(heading).to_contain_text("Why hold out a test set?")
        # Fixed: the panel goes.
        _edit(yaml_file, "mode: [practice", "mode: practice")
        _edit(yaml_file, "- text: 81 19\n", "- text: 80 20\n")
        expect(page.locator("#qbank-live")).to_have_count(0, timeout=120_000)
        browser.close()
    assert b"__qbank__" not in (served.bank.parent / "bank" / "bank.yaml").read_bytes()


@pytest.mark.parametrize(
    "raw",
    [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/assets/../../../../etc/passwd",
        "//etc/passwd",
        "/%2F%2Fetc%2Fpasswd",
        "/index.html%00.txt",
        "/..\\..\\..\\etc\\passwd",
        "/computer-vision/pretrained-models/../../../bank/bank.yaml",
    ],
)
def test_nothing_outside_the_site_is_served(served: Serving, raw: str) -> None:
    status, body = served.get(raw)
    assert status == 404, (raw, body[:200])
    assert b"root:" not in body
    assert served.get("/")[0] == 200  # and the site itself is


def test_ctrl_c_stops_it_cleanly(served: Serving) -> None:
    """As the first page answers (its snippets may still run): more moments are in
    test_serve_stop.py."""
    under = descendants(served.proc.pid)
    assert served.interrupt(timeout=60) < 15
    assert served.proc.returncode == 0, served.stderr
    assert served.stderr.strip().splitlines()[-1:] == ["stopped"], served.stderr
    with pytest.raises(OSError):
        served.get("/")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and alive(under):
        time.sleep(0.1)
    assert alive(under) == set()
