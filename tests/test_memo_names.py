"""A pattern file whose name is not UTF-8: located, never a traceback, in every command.

The validate memo keys a file's check by its name; a name holding bytes that are not
UTF-8 (lone surrogates in Python) must not stop the run (it did: UnicodeEncodeError).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Run, qbank, sample
from tests.places import WHERE, folder

_SHOWN = "t/bad\\xffname.yaml"
_MESSAGE = "pattern id `not-utf8-name` differs from its file name `bad\\xffname.yaml`"


@pytest.fixture(params=WHERE)
def bank(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A bank with one good file and one named ``bad\\xffname.yaml`` (bytes path), under
    /tmp, the home folder or /var/tmp."""
    with folder(request.param, tmp_path) as here:
        root = here / "bank"
        (root / "t").mkdir(parents=True)
        shutil.copy(sample("verified-ok.yaml"), root / "t" / "verified-ok.yaml")
        raw = os.fsencode(root / "t") + b"/bad\xffname.yaml"
        with open(raw, "wb") as file:  # a bytes path: pathlib cannot hold one that is not UTF-8
            file.write(sample("not-utf8-name.yaml").read_bytes())
        yield root


def _located(run: Run) -> None:
    assert "Traceback" not in run.out + run.err, run.err
    assert run.code == 1, run.out + run.err
    found = [p for p in run.problems() if p.file.endswith(_SHOWN)]
    assert [(p.line, p.status) for p in found] == [(2, "invalid")], run.out
    assert _MESSAGE in found[0].message


def test_validate_locates_the_file_and_again_from_the_memo(bank: Path) -> None:
    first = qbank("validate", bank)
    _located(first)
    again = qbank("validate", bank)  # the second run takes each check from the memo
    _located(again)
    assert again.out == first.out


def test_verify_locates_the_file_and_checks_the_others(bank: Path) -> None:
    run = qbank("verify", bank, "--only", "verified-ok", "--only", "not-utf8-name")
    _located(run)


def test_build_locates_the_file_and_writes_no_site(bank: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    run = qbank("build", bank, "--out", site)
    _located(run)
    assert not site.exists()


def test_one_file_in_a_topic_folder_that_is_not_utf8_is_located(tmp_path: Path) -> None:
    """`qbank build bank/t\\xff/p.yaml`: the folder is the topic slug, written into pages;
    one that is not a slug is named (as a whole-bank run names it), never a traceback."""
    folder = os.fsencode(tmp_path / "bank") + b"/t\xff"
    os.makedirs(folder)
    raw = folder + b"/verified-ok.yaml"
    with open(raw, "wb") as file:
        file.write(sample("verified-ok.yaml").read_bytes())
    given = Path(os.fsdecode(raw))
    for command in ("validate", "build"):
        args = ("--out", tmp_path / "site") if command == "build" else ()
        run = qbank(command, given, *args)
        assert "Traceback" not in run.out + run.err, run.err
        assert run.code == 1, run.out + run.err
        (problem,) = run.problems()
        assert problem.file.endswith("t\\xff/verified-ok.yaml")
        assert (problem.line, problem.status) == (1, "invalid")
        assert "topic folder `t\\xff` is not a slug" in problem.message
