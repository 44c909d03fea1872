"""`qbank new` writes only inside the bank: a symbolic link leading out of it is refused.

Reading already stops at such links (tests/test_discovery.py); writing followed them,
so `qbank new pattern algebra/x` put a file wherever `bank/algebra` pointed.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import qbank, sample
from tests.places import WHERE, folder


@pytest.fixture(params=WHERE)
def bank(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """An empty bank folder under /tmp, the home folder or /var/tmp."""
    with folder(request.param, tmp_path) as here:
        root = here / "bank"
        root.mkdir()
        yield root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the bank, not in it: nothing may be written here."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_new_pattern_refuses_a_topic_linked_out_of_the_bank(bank: Path, outside: Path) -> None:
    (outside / "algebra").mkdir()
    (bank / "algebra").symlink_to(outside / "algebra")
    run = qbank("new", "pattern", "algebra/x", "--bank", bank)
    assert run.code == 2, run.out + run.err
    assert "outside the bank" in run.err and "not written" in run.err
    assert "Traceback" not in run.err
    assert list(outside.rglob("*")) == [outside / "algebra"]


def test_new_pattern_refuses_a_dangling_topic_link(bank: Path, outside: Path) -> None:
    (bank / "algebra").symlink_to(outside / "later")
    run = qbank("new", "pattern", "algebra/x", "--bank", bank)
    assert run.code == 2, run.out + run.err
    assert "outside the bank" in run.err
    assert list(outside.iterdir()) == []


def test_new_question_refuses_a_pattern_file_linked_out_of_the_bank(
    bank: Path, outside: Path
) -> None:
    shutil.copy(sample("verified-ok.yaml"), outside / "verified-ok.yaml")
    before = _tree(outside)
    (bank / "t").mkdir()
    (bank / "t" / "verified-ok.yaml").symlink_to(outside / "verified-ok.yaml")
    for given in (bank, bank / "t" / "verified-ok.yaml"):
        run = qbank("new", "question", "verified-ok", "--bank", given)
        assert run.code == 2, run.out + run.err
        assert "Traceback" not in run.err
    assert "outside the bank" in run.err and "not written" in run.err
    assert _tree(outside) == before


def test_new_question_refuses_a_pattern_in_a_topic_linked_out(bank: Path, outside: Path) -> None:
    (outside / "t").mkdir()
    shutil.copy(sample("verified-ok.yaml"), outside / "t" / "verified-ok.yaml")
    before = _tree(outside)
    (bank / "t").symlink_to(outside / "t")
    run = qbank("new", "question", "verified-ok", "--bank", bank / "t" / "verified-ok.yaml")
    assert run.code == 2, run.out + run.err
    assert "outside the bank" in run.err
    assert _tree(outside) == before


def test_links_that_stay_inside_the_bank_are_written_through(bank: Path) -> None:
    (bank / "real-algebra").mkdir()
    (bank / "algebra").symlink_to(bank / "real-algebra")
    made = qbank("new", "pattern", "algebra/x", "--bank", bank)
    assert made.code == 0, made.out + made.err
    assert (bank / "real-algebra" / "x.yaml").is_file()
    added = qbank("new", "question", "x", "--bank", bank / "algebra" / "x.yaml")
    assert added.code == 0, added.out + added.err
    assert "x-2" in (bank / "real-algebra" / "x.yaml").read_text()
