"""`qbank serve` sees every save from the moment it starts (issue 22): an edit saved
while the first build runs, or as its first page answers, is rebuilt like any other."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve_helpers import Serving, save, write_bank

#: Enough plain questions for a first build of seconds (nothing to run).
LARGE = 5000
PAGE = "/generated/p0000/practice.html"
BEFORE = b"Generated question 0<"
AFTER = b"Edited question 0<"


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    return write_bank(tmp_path / "bank", LARGE)


@pytest.fixture
def served(bank: Path, tmp_path: Path) -> Iterator[Serving]:
    serving = Serving(bank, tmp_path)
    try:
        yield serving
    finally:
        serving.close()


def _edit(bank: Path) -> None:
    save(
        bank / "generated" / "p0000.yaml",
        "title: Generated question 0\n",
        "title: Edited question 0\n",
    )


def _rebuilt_after_the_first_build(served: Serving) -> None:
    """The terminal says "rebuilt" for the edit, after the first build's "built"."""
    served.wait_for(r"^built: ", timeout=5)
    first = next(n for n, line in enumerate(served.lines) if line.startswith("built: "))
    served.wait_for(r"^rebuilt: ", timeout=30, start=first + 1)


def test_an_edit_saved_as_the_first_page_answers_is_rebuilt(served: Serving, bank: Path) -> None:
    served.wait_for_page(PAGE, lambda body: BEFORE in body, timeout=180, pause=0)
    _edit(bank)  # at once: the first build has only just been published
    served.wait_for_page(PAGE, lambda body: AFTER in body, timeout=120)
    _rebuilt_after_the_first_build(served)
    assert "Traceback" not in served.stderr


def test_an_edit_saved_during_the_first_build_is_rebuilt(served: Serving, bank: Path) -> None:
    time.sleep(1.5)  # the first build has read p0000.yaml, and takes seconds more
    status, _ = served.get(PAGE)
    assert status != 200, "the first build was already done: make the bank larger"
    _edit(bank)
    first = served.wait_for_page(PAGE, lambda body: True, timeout=180, pause=0)
    assert BEFORE in first, "the edit came before the first build read the file: edit later"
    served.wait_for_page(PAGE, lambda body: AFTER in body, timeout=120)
    _rebuilt_after_the_first_build(served)
    assert "Traceback" not in served.stderr
