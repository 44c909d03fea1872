"""`qbank validate`: every broken sample gets each problem at its line, exit code 1."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from tests.helpers import ROOT, qbank, sample

# (sample, [(line, column, words the message must contain)])
CASES: list[tuple[str, list[tuple[int, int, str]]]] = [
    ("duplicate-key.yaml", [(13, 5, "duplicate key `hint` (first written at line 12)")]),
    ("alias-bomb.yaml", [(6, 10, "YAML aliases (`*a0`) are not allowed")]),
    ("empty.yaml", [(1, 1, "file is empty")]),
    ("top-level-list.yaml", [(2, 1, "top level must be a mapping, found a list")]),
    ("tab-indented.yaml", [(5, 1, "tab character used for indentation")]),
    ("not-utf8.yaml", [(2, 11, "not UTF-8 text (byte 0xe9)")]),
    ("syntax-error.yaml", [(5, 10, "flow sequence started at line 4")]),
    ("multiple-documents.yaml", [(4, 1, "more than one YAML document")]),
    (
        "schema-errors.yaml",
        [
            (5, 10, "`minutes` must be a whole number, found text `20`"),
            (13, 5, "unknown key `hnit` in question `typo-key`; did you mean `hint`?"),
            (17, 9, "unknown key `corect` in choice 2; did you mean `correct`?"),
            (19, 11, "`mode` must be one of challenge, practice; found `chalenge`"),
            (21, 17, "`difficulty` must be one of"),
            (27, 9, "put it in quotes"),
            (28, 5, "question `Missing_Title` is missing the required key `title`"),
            (28, 9, "`id` must be a slug"),
            (33, 14, "`choices` needs at least 2 items; found 1"),
        ],
    ),
    (
        "lint-errors.yaml",
        [
            (12, 5, "no choice is marked `correct: true`"),
            (25, 9, "more than one correct choice (A is already correct)"),
            (36, 9, "choice C has the same text as choice A"),
            (39, 11, "a predict-output question needs `code`"),
            (51, 5, "`time_limit` only applies to challenge questions"),
            (52, 5, "`attempts` only applies to challenge questions"),
            (64, 13, "prompt renders to nothing visible"),
            (79, 29, "`why` of choice B names the answer letter B by hand"),
            (86, 43, "solution step 1 names the answer letter B by hand"),
            (87, 33, "quick check names the answer letter B by hand"),
        ],
    ),
    (
        "unresolvable-tags.yaml",
        [
            (5, 8, "`maybe` is not true or false, as its tag `!!bool` says"),
            (5, 22, "`abc` is not a whole number, as its tag `!!int` says"),
            (5, 33, "`x` is not a number, as its tag `!!float` says"),
            (5, 44, "unsupported YAML tag `!foo`"),
            (5, 54, "unsupported YAML tag `!!python/object`"),
            (13, 14, "`maybe` is not true or false"),
            (17, 9, "unsupported YAML tag `!!binary`"),
        ],
    ),
    (
        "non-finite-numbers.yaml",
        [
            (5, 10, "`.nan` is NaN (not a number); numbers in bank files must be finite"),
            (20, 16, "`.nan` is NaN"),
            (27, 17, "`.inf` is infinite"),
            (28, 15, "`-.inf` is infinite"),
            (36, 13, "`.NaN` is NaN"),
            (37, 18, "`.Inf` is infinite"),
            (51, 16, "`1.0e+999` is infinite"),
        ],
    ),
    (
        "malformed-numbers.yaml",
        [
            (5, 10, "`0x_` looks like a number but has no digits"),
            (20, 13, "`0b_` looks like a number but has no digits"),
        ],
    ),
    (
        "control-characters-in-values.yaml",
        [
            (9, 17, "found `\\x1b[2J\\x1b[Heasy`"),
            (19, 17, "found `easy\\nforged.yaml:1:1: ok: all fine`"),
        ],
    ),
    (
        "language-not-python.yaml",
        [
            (12, 15, "`language: bash` cannot be verified: qbank runs only Python code"),
            (25, 15, "`language: bash` cannot be verified: qbank runs only Python code"),
        ],
    ),
    (
        "reference-page-defects.yaml",
        [
            (39, 56, "quick check names answer B, but the correct choice is D"),
            (67, 59, "quick check names answer A, but the correct choice is B"),
            (95, 51, "quick check names answer D, but the correct choice is A"),
        ],
    ),
]


@pytest.mark.parametrize(("name", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_sample_reports_every_problem_at_its_line(
    name: str, expected: list[tuple[int, int, str]]
) -> None:
    run = qbank("validate", sample(name))
    assert run.code == 1
    problems = run.problems()
    assert [(p.line, p.column) for p in problems] == [(line, col) for line, col, _ in expected]
    for problem, (_, _, words) in zip(problems, expected, strict=True):
        assert problem.status == "invalid"
        assert problem.file.endswith(name)
        assert words in problem.message
    assert "Traceback" not in run.out + run.err


def test_ids_unique_across_the_bank() -> None:
    run = qbank("validate", sample("duplicate-ids"))
    assert run.code == 1
    first = "duplicate-ids/one/shared-name.yaml"
    assert [
        (p.file.split("samples/")[-1], p.line, p.message.split(";")[0]) for p in run.problems()
    ] == [
        (
            "duplicate-ids/two/shared-name.yaml",
            1,
            f"pattern id `shared-name` is already used at tests/samples/{first}:1:5",
        ),
        (
            "duplicate-ids/two/shared-name.yaml",
            5,
            f"question id `same-question` is already used at tests/samples/{first}:5:9",
        ),
    ]


def test_subject_names_pattern_and_question() -> None:
    run = qbank("validate", sample("reference-page-defects.yaml"))
    assert run.out.splitlines()[0].endswith(
        "[reference-page-defects/defect-why-pretrained-saves-time]"
    )


def test_reference_bank_validates_clean() -> None:
    run = qbank("validate", ROOT / "bank")
    assert run.code == 0, run.out
    assert run.problems() == []


def test_reference_page_is_whole() -> None:
    run = qbank("validate", ROOT / "bank", "--only", "pretrained-models", "--format", "json")
    report = json.loads(run.out)
    assert report["summary"]["questions"] == 10
    assert report["summary"]["by_status"] == {"ok": 10}


def test_alias_bomb_never_expands() -> None:
    # Nine levels of nine aliases would be 387 million strings once expanded.
    tracemalloc.start()
    try:
        run = qbank("validate", sample("alias-bomb.yaml"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert run.code == 1
    assert peak < 20 * 1024 * 1024


def test_github_format_prints_annotations() -> None:
    run = qbank("validate", sample("duplicate-key.yaml"), "--format", "github")
    assert run.code == 1
    first = run.out.splitlines()[0]
    assert first.startswith("::error file=")
    assert ",line=13,col=5," in first
    assert first.split("::", 2)[2].startswith("duplicate key `hint`")


def test_json_report_and_junit(tmp_path: Path) -> None:
    report, junit = tmp_path / "r.json", tmp_path / "j.xml"
    run = qbank("validate", sample("lint-errors.yaml"), "--report", report, "--junit", junit)
    assert run.code == 1
    data = json.loads(report.read_text())
    assert data["command"] == "validate"
    assert data["summary"]["by_status"] == {"invalid": 7}
    by_id = {r["question"]: r for r in data["results"]}
    assert by_id["no-code"]["line"] == 39
    assert by_id["no-code"]["status"] == "invalid"
    assert junit.read_text().count("<testcase") == 7
    assert junit.read_text().count("<failure") == 7


def test_report_matches_its_schema(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text())
    report = tmp_path / "r.json"
    qbank("validate", sample("schema-errors.yaml"), "--report", report)
    Draft202012Validator(schema).validate(json.loads(report.read_text()))


def test_status_type_is_the_report_schemas_statuses() -> None:
    """The one typed set of statuses (generator.typing.Status) is the schema's, in order."""
    from generator.result import STATUSES

    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text())
    assert list(STATUSES) == schema["$defs"]["status"]["enum"]


def test_missing_bank_is_a_tool_error() -> None:
    run = qbank("validate", "no/such/bank")
    assert run.code == 2
    assert "bank not found" in run.err


def test_bad_arguments_exit_2() -> None:
    assert qbank("validate", "--shard", "3/2").code == 2
    assert qbank("validate", "--jobs", "0").code == 2
    assert qbank("validate", ROOT / "bank", "--only", "no-such-id").code == 2


def test_no_color_and_no_tty_print_plain_text() -> None:
    run = qbank("validate", sample("duplicate-key.yaml"))
    assert "\033[" not in run.out


def test_validate_never_modifies_the_bank(tmp_path: Path) -> None:
    before = {p: p.read_bytes() for p in (ROOT / "bank").rglob("*") if p.is_file()}
    qbank("validate", ROOT / "bank")
    assert before == {p: p.read_bytes() for p in (ROOT / "bank").rglob("*") if p.is_file()}
