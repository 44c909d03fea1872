"""Input a careless or hostile author could write: each gets one clear line, no traceback.

Samples that can be committed live in tests/samples/ (see test_validate.py); the
files here are too big or have names git cannot hold, so each test writes them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.validate.loader import MAX_FILE_BYTES, MAX_NODES, MAX_QUESTIONS
from tests.helpers import ROOT, qbank, sample

_HEAD = "id: p\ntitle: T\ntopic: T\n"
_QUESTION = """  - id: q{n}
    mode: practice
    type: conceptual
    difficulty: easy
    title: Q
    prompt: Which?
    choices:
      - text: a
        correct: true
      - b
"""


def _pattern(path: Path, head: str = _HEAD, questions: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(_QUESTION.format(n=n) for n in range(questions))
    path.write_text(f"{head}questions:\n{body}")
    return path


def _no_traceback(run_out: str, run_err: str) -> None:
    assert "Traceback" not in run_out + run_err


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("0b" + "1" * 20_000, "number `0b111111111111111111… (20,002 characters)` is too long"),
        ("7" * 5_000, "number `77777777777777777777… (5,000 characters)` is too long"),
        ("-" + "9" * 70, "is too long; numbers in bank files have at most 64 characters"),
    ],
    ids=["binary-20000", "decimal-5000", "decimal-70"],
)
def test_too_long_number_is_one_short_message_at_its_position(
    tmp_path: Path, written: str, words: str
) -> None:
    path = _pattern(tmp_path / "p.yaml", _HEAD + f"minutes: {written}\n")
    run = qbank("validate", path)
    assert run.code == 1
    (problem,) = run.problems()
    assert (problem.line, problem.column, problem.status) == (4, 10, "invalid")
    assert words in problem.message
    assert len(run.out) < 500  # a short prefix of the value, never all of it
    assert "Exceeds the limit" not in run.out
    _no_traceback(run.out, run.err)


def test_largest_accepted_number_is_checked_by_the_schema(tmp_path: Path) -> None:
    path = _pattern(tmp_path / "p.yaml", _HEAD + f"minutes: {'9' * 64}\n")
    (problem,) = qbank("validate", path).problems()
    assert "`minutes` is out of range" in problem.message


def test_file_over_the_size_cap_is_not_read(tmp_path: Path) -> None:
    path = _pattern(tmp_path / "p.yaml")
    with path.open("a") as f:
        f.write("# " + "x" * MAX_FILE_BYTES + "\n")
    tracemalloc.start()
    try:
        run = qbank("validate", path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert run.code == 1
    (problem,) = run.problems()
    assert (problem.line, problem.column) == (1, 1)
    assert f"file is {path.stat().st_size:,} bytes; bank files are at most 2 MiB" in (
        problem.message
    )
    assert peak < MAX_FILE_BYTES  # the size is checked before the file is read


def test_too_many_questions_stops_at_the_first_one_over(tmp_path: Path) -> None:
    path = _pattern(tmp_path / "p.yaml", questions=MAX_QUESTIONS + 5)
    run = qbank("validate", path)
    assert run.code == 1
    (problem,) = run.problems()
    first_over = 5 + MAX_QUESTIONS * _QUESTION.count("\n")
    assert (problem.line, problem.column) == (first_over, 5)
    assert "more than 1,000 questions in one pattern file; split it" in problem.message


def test_exactly_the_question_cap_is_fine(tmp_path: Path) -> None:
    run = qbank("validate", _pattern(tmp_path / "p.yaml", questions=MAX_QUESTIONS))
    assert run.code == 0, run.out
    assert run.out.endswith("1000 questions: 1000 ok; no problems\n")


def test_too_many_values_in_one_file(tmp_path: Path) -> None:
    path = _pattern(tmp_path / "p.yaml", _HEAD + "tags: [" + "a, " * MAX_NODES + "a]\n")
    (problem,) = qbank("validate", path).problems()
    assert problem.line == 4
    assert "more than 100,000 values in one file" in problem.message


def _forged(text: str) -> list[str]:
    """Lines that look like a problem line but are not one of qbank's."""
    return [line for line in text.splitlines() if re.match(r"\s*forged\.yaml:\d+:\d+: ok", line)]


def test_escape_sequences_and_newlines_in_values_are_shown_escaped() -> None:
    for fmt in ("text", "github"):
        run = qbank("validate", sample("control-characters-in-values.yaml"), "--format", fmt)
        assert run.code == 1
        assert "\x1b" not in run.out
        assert "\\x1b[2J\\x1b[Heasy" in run.out
        assert not _forged(run.out)
        assert len(run.out.splitlines()) == 3  # two problems and the summary


def test_escape_sequences_and_newlines_in_file_names_are_shown_escaped(tmp_path: Path) -> None:
    name = "bad\n\x1b[2Jforged.yaml:1:1: ok: fine\x1b[0m.yaml"
    path = tmp_path / "bank" / "topic" / name
    path.parent.mkdir(parents=True)
    path.write_text("id: [unclosed\n")
    report = tmp_path / "r.json"
    for fmt in ("text", "github"):
        run = qbank("validate", tmp_path / "bank", "--format", fmt, "--report", report)
        assert run.code == 1
        assert "\x1b" not in run.out + run.err
        assert not _forged(run.out)
        assert "bad\\n\\x1b[2Jforged.yaml" in run.out
        assert len(run.out.splitlines()) == 2  # one problem and the summary
    data = json.loads(report.read_text())
    assert data["diagnostics"][0]["file"].endswith(
        "bad\\n\\x1b[2Jforged.yaml:1:1: ok: fine\\x1b[0m.yaml"
    )


def test_progress_lines_escape_ids(capsys: pytest.CaptureFixture[str]) -> None:
    from generator.errors import Location
    from generator.report.progress import ProgressDisplay
    from generator.result import QuestionResult

    progress = ProgressDisplay()
    progress.live = False
    progress(0, 1, None)
    progress(1, 1, QuestionResult("p\x1b[2J", "q\nforged.yaml:1:1: ok", Location("f", 1, 1), "ok"))
    err = capsys.readouterr().err
    assert "\x1b" not in err and len(err.splitlines()) == 1
    assert "p\\x1b[2J/q\\nforged.yaml:1:1: ok" in err


def test_file_name_that_is_not_utf8_in_every_report(tmp_path: Path) -> None:
    topic = tmp_path / "bank" / "topic"
    topic.mkdir(parents=True)
    raw = os.fsencode(topic) + b"/\xff\xfe.yaml"
    with open(raw, "w") as f:  # a bytes path: pathlib cannot hold one that is not UTF-8
        f.write("id: [unclosed\n")
    reports = tmp_path / "reports"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "validate",
            str(tmp_path / "bank"),
            "--report",
            str(reports / "r.json"),
            "--junit",
            str(reports / "j.xml"),
        ],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    out, err = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1, err
    _no_traceback(out, err)
    assert "topic/\\xff\\xfe.yaml:2:1: invalid: YAML syntax error" in out
    data = json.loads((reports / "r.json").read_text(encoding="utf-8"))
    assert data["diagnostics"][0]["file"].endswith("topic/\\xff\\xfe.yaml")
    case = ET.parse(reports / "j.xml").getroot().find(".//testcase")
    assert case is not None and case.get("file", "").endswith("topic/\\xff\\xfe.yaml")
    assert sorted(p.name for p in reports.iterdir()) == ["j.xml", "r.json"]
    # Each shard of a run reports files with no readable id in exactly one shard.
    shards = [qbank("validate", tmp_path / "bank", "--shard", f"{k}/2") for k in (1, 2)]
    assert sorted(len(run.problems()) for run in shards) == [0, 1]


def test_a_report_that_cannot_be_written_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "r.json"
    target.mkdir(parents=True)  # a folder where the file should go
    run = qbank("validate", sample("duplicate-key.yaml"), "--report", target)
    assert run.code == 2
    assert f"cannot write {target}" in run.err
    assert os.listdir(tmp_path / "reports") == ["r.json"]
    assert os.listdir(target) == []
