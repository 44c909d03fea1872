"""`qbank export`: only verified questions leave; refusals are located; tool problems exit 2."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.helpers import qbank, sample

FORMATS = ("moodle", "gift", "qti")


def _bank(tmp_path: Path, *samples: str) -> Path:
    bank = tmp_path / "bank"
    (bank / "samples").mkdir(parents=True)
    for name in samples:
        shutil.copy(sample(name), bank / "samples" / name)
    return bank


def _names(moodle_xml: Path) -> list[str]:
    root = ET.parse(moodle_xml).getroot()
    return [
        q.findtext("name/text") or "" for q in root.iter("question") if q.get("type") != "category"
    ]


def test_unverified_question_is_refused_at_its_line(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml", "wrong-answer.yaml")
    out = tmp_path / "quiz.xml"
    run = qbank("export", bank, "--format", "moodle", "--out", out)
    assert run.code == 1, run.out + run.err
    refused = [p for p in run.problems() if p.status != "ok"]
    assert [(Path(p.file).name, p.line, p.column, p.status) for p in refused] == [
        ("wrong-answer.yaml", 16, 15, "wrong-answer")  # the key's value
    ]
    assert refused[0].message.startswith("not exported: expected `15`, but the program printed")
    assert refused[0].message.endswith("[wrong-answer/wrong-sum]")
    # The verified questions are exported; the refused one is not.
    root = ET.parse(out).getroot()
    ids = [q.findtext("idnumber") for q in root.iter("question") if q.get("type") != "category"]
    assert len(ids) == 5 and all(i and i.startswith("verified-ok/") for i in ids)
    assert "exported 5 questions to" in run.err
    assert "1 questions not exported" in run.err


def test_allow_unverified_exports_it_marked(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "wrong-answer.yaml")
    out = tmp_path / "quiz.xml"
    run = qbank("export", bank, "--format", "moodle", "--out", out, "--allow-unverified")
    assert run.code == 0, run.out + run.err
    (problem,) = run.problems()
    assert (problem.line, problem.status) == (16, "wrong-answer")
    assert problem.message.startswith("exported marked [unverified]: expected `15`")
    assert "warning: 1 questions exported unverified, marked [unverified]" in run.err
    (question,) = [
        q for q in ET.parse(out).getroot().iter("question") if q.get("type") != "category"
    ]
    assert question.findtext("name/text") == "[unverified] A sum"
    text = question.findtext("questiontext/text") or ""
    assert text.startswith("<p><strong>[unverified]</strong> qbank could not verify")
    assert "(wrong-answer)" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_marker_is_in_every_format(fmt: str, tmp_path: Path) -> None:
    bank = _bank(tmp_path, "wrong-answer.yaml")
    out = tmp_path / "quiz"
    run = qbank("export", bank, "--format", fmt, "--out", out, "--allow-unverified")
    assert run.code == 0, run.out + run.err
    if fmt == "qti":
        with zipfile.ZipFile(out) as archive:
            data = b"".join(archive.read(n) for n in archive.namelist() if n.endswith(".xml"))
    else:
        data = out.read_bytes()
    assert data.count(b"[unverified]") >= 2  # in the name and atop the text


def test_missing_requirement_is_not_verified(tmp_path: Path) -> None:
    """Without --strict a missing requirement is only a warning for verify; for an export
    the key was never checked, so it is refused all the same."""
    bank = _bank(tmp_path, "missing-requirement.yaml")
    out = tmp_path / "quiz.gift"
    run = qbank("export", bank, "--format", "gift", "--out", out)
    assert run.code == 1
    assert {p.status for p in run.problems()} == {"missing-requirement"}
    assert all(p.message.startswith("not exported: ") for p in run.problems())
    assert not out.exists()
    assert "nothing exported" in run.err
    marked = qbank("export", bank, "--format", "gift", "--out", out, "--allow-unverified")
    assert marked.code == 0
    assert out.read_text().count("::[unverified] ") == 2


def test_invalid_question_is_never_exported(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "one-broken-question.yaml")
    out = tmp_path / "quiz.xml"
    run = qbank("export", bank, "--format", "moodle", "--out", out, "--allow-unverified")
    assert run.code == 1
    invalid = [p for p in run.problems() if p.status == "invalid"]
    assert invalid and all(p.message.startswith("not exported: ") for p in invalid)
    # Each problem once: the refusal repeats the question's first problem, not both.
    assert len({(p.line, p.column) for p in invalid}) == len(invalid)
    assert all(not n.startswith("[unverified] Broken") for n in _names(out))


def test_out_and_default_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    nested = tmp_path / "exports" / "week1" / "quiz.xml"
    assert qbank("export", bank, "--format", "moodle", "--out", nested).code == 0
    assert len(_names(nested)) == 5
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for fmt in FORMATS:
        run = qbank("export", bank, "--format", fmt)
        assert run.code == 0, run.err
    assert sorted(p.name for p in work.iterdir()) == [
        "bank-gift.txt",
        "bank-moodle.xml",
        "bank-qti.zip",
    ]


def test_same_bank_gives_the_same_bytes(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    for fmt in FORMATS:
        first, second = tmp_path / f"1.{fmt}", tmp_path / f"2.{fmt}"
        assert qbank("export", bank, "--format", fmt, "--out", first).code == 0
        assert qbank("export", bank, "--format", fmt, "--out", second).code == 0
        assert first.read_bytes() == second.read_bytes(), fmt


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("folder", "is a folder"),
        ("below-a-file", "is not a folder"),
        ("in-bank", "lies inside the bank"),
    ],
)
def test_unwritable_out_is_a_tool_error(tmp_path: Path, where: str, message: str) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    (tmp_path / "a-file").write_text("not a folder")
    out = {
        "folder": tmp_path,
        "below-a-file": tmp_path / "a-file" / "quiz.xml",
        "in-bank": bank / "samples" / "quiz.xml",
    }[where]
    run = qbank("export", bank, "--format", "moodle", "--out", out)
    assert run.code == 2
    assert message in run.err
    assert run.out == ""  # refused before anything ran
    assert not (bank / "samples" / "quiz.xml").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["export"],  # --format is required
        ["export", "--format", "docx"],
        ["export", "--format", "gift", "--shard", "1/2"],
    ],
)
def test_bad_arguments_exit_2(args: list[str], tmp_path: Path) -> None:
    bank = _bank(tmp_path, "verified-ok.yaml")
    run = qbank(*args, bank, "--out", tmp_path / "quiz")
    assert run.code == 2
    assert not (tmp_path / "quiz").exists()


def test_report_says_what_was_not_exported(tmp_path: Path) -> None:
    bank = _bank(tmp_path, "wrong-answer.yaml")
    report = tmp_path / "report.json"
    run = qbank("export", bank, "--format", "qti", "--out", tmp_path / "q.zip", "--report", report)
    assert run.code == 1
    data = json.loads(report.read_text())
    assert data["command"] == "export"
    (record,) = data["results"]
    assert (record["status"], record["message"][:14]) == ("wrong-answer", "not exported: ")


def test_other_commands_keep_their_report_format(tmp_path: Path) -> None:
    """export's --format names a file format; verify's still picks the report's."""
    run = qbank("verify", sample("verified-ok.yaml"), "--format", "json")
    assert run.code == 0
    assert json.loads(run.out)["command"] == "verify"


def test_gift_escapes_its_control_characters() -> None:
    from generator.export.gift import escape

    assert escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_category_names_keep_their_slashes() -> None:
    """Moodle splits a category path at single slashes; a slash in a name is doubled."""
    from generator.export.content import category_path

    assert category_path("CV / ML", "Pre-trained") == "$course$/CV // ML/Pre-trained"
    assert category_path("Topic", "/root/") == "$course$/Topic/ //root// "
