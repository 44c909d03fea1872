"""`qbank serve`: a real server and a real browser; the author edits YAML, the page follows."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.helpers import ROOT, processes, sample
from tests.site_helpers import CHROMIUM, CHROMIUM_ARGS

PYTHON = Path(sys.prefix) / "bin" / "python"
PRACTICE = "machine-learning/data-splits/practice.html"
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason=f"{CHROMIUM} not installed"
)


class Served:
    """A running `qbank serve` and its bank."""

    def __init__(self, bank: Path, proc: subprocess.Popen[str], url: str) -> None:
        self.bank = bank
        self.proc = proc
        self.url = url
        self.port = int(url.rsplit(":", 1)[1].strip("/"))

    def get(self, raw_path: str) -> tuple[int, bytes]:
        """GET a path exactly as written (no normalisation on the way)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.putrequest("GET", raw_path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    bank = tmp_path / "bank"
    shutil.copytree(sample("golden-bank"), bank)
    proc = subprocess.Popen(
        [str(PYTHON), "-m", "generator", "serve", str(bank), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    match = re.search(r"serving (http://127\.0\.0\.1:\d+/)", first)
    assert match, first
    try:
        yield Served(bank, proc, match.group(1))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _edit(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))


def test_the_page_follows_the_yaml_then_shows_the_verdict(served: Served) -> None:
    yaml_file = served.bank / "machine-learning" / "data-splits.yaml"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page: Page = browser.new_page()
        page.goto(served.url + PRACTICE)
        heading = page.locator("#q-split-purpose h3, #q-split-purpose h2").first
        expect(page.locator("#qbank-live")).to_have_count(0, timeout=120_000)  # built, verified
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
def test_nothing_outside_the_site_is_served(served: Served, raw: str) -> None:
    status, body = served.get(raw)
    assert status == 404, (raw, body[:200])
    assert b"root:" not in body
    assert served.get("/")[0] == 200  # and the site itself is


def test_ctrl_c_stops_it_cleanly(served: Served) -> None:
    assert served.get("/")[0] == 200
    served.proc.send_signal(signal.SIGINT)
    out, _ = served.proc.communicate(timeout=60)
    assert served.proc.returncode == 0, out
    assert "stopped" in out
    with pytest.raises(OSError):
        served.get("/")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _children_of(served.proc.pid):
        time.sleep(0.1)
    assert _children_of(served.proc.pid) == []


def _children_of(pid: int) -> list[int]:
    """Processes still running whose parent was the server."""
    return processes(lambda status, _cmdline: f"\nPPid:\t{pid}\n" in status)
