"""`qbank verify`: each sample gets its status at its line; cache, shards and reports."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from generator.validate import load_bank
from generator.verify import resources
from tests.helpers import ROOT, SAMPLES, qbank, sample


def _report(tmp_path: Path, *args: str | Path) -> tuple[int, dict[str, dict]]:  # type: ignore[type-arg]
    path = tmp_path / "report.json"
    run = qbank("verify", *args, "--report", path)
    data = json.loads(path.read_text())
    return run.code, {r["question"]: r for r in data["results"]}


def test_verified_sample_is_ok(tmp_path: Path) -> None:
    code, results = _report(tmp_path, sample("verified-ok.yaml"))
    assert code == 0
    assert {q: r["status"] for q, r in results.items()} == dict.fromkeys(
        ["ok-sum", "ok-numpy-shape", "ok-with-setup", "ok-regex", "ok-expected-error"], "ok"
    )
    assert all(r["executed"] and not r["cached"] for r in results.values())
    numpy = results["ok-numpy-shape"]["environment"]
    assert numpy["modules"]["numpy"] and numpy["python"].startswith("3.")


def test_verify_tells_progress_and_the_command_line_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """verify draws nothing itself: it tells the ``progress`` it is given (none by
    default) how its runs get on, and the command line shows a line per finished
    question on stderr when it is not a terminal."""
    from generator import validate, verify
    from generator.options import Options
    from generator.result import QuestionResult

    run = qbank("verify", sample("verified-ok.yaml"), "--no-cache")
    shown = [line for line in run.err.splitlines() if line.startswith("[")]
    assert [line.split()[:2] for line in shown] == [[f"[{n}/5]", "ok"] for n in range(1, 6)]
    options = Options(bank=sample("verified-ok.yaml"), no_cache=True)
    checked = validate.check(options, "verify")
    told: list[tuple[int, int, QuestionResult | None]] = []
    verify.stage(
        checked.bank,
        checked.outcome,
        checked.runnable(),
        options,
        lambda done, total, result: told.append((done, total, result)),
    )
    assert told[0] == (0, 5, None)
    assert [(done, total) for done, total, _ in told] == [(n, 5) for n in range(6)]
    assert {r.question for _, _, r in told[1:] if r} == {
        "ok-sum", "ok-numpy-shape", "ok-with-setup", "ok-regex", "ok-expected-error"
    }  # fmt: skip
    capsys.readouterr()
    verify.stage(checked.bank, checked.outcome, checked.runnable(), options)
    assert "[1/5]" not in capsys.readouterr().err


# (sample, question, status, line, words in the message)
CASES = [
    (
        "wrong-answer.yaml",
        "wrong-sum",
        "wrong-answer",
        16,
        "expected `15`, but the program printed `10`",
    ),
    ("wrong-answer.yaml", "wrong-sum", "wrong-answer", 16, "the output is choice A"),
    (
        "last-line-hint.yaml",
        "progress-then-shape",
        "wrong-answer",
        19,
        "did you mean `match: last-line`?",
    ),
    (
        "ambiguous.yaml",
        "wrong-choice-matches",
        "ambiguous",
        17,
        "wrong choice B (`2`) also matches",
    ),
    ("unstable-set-order.yaml", "set-order", "unstable", 13, "2 runs printed 2 different outputs"),
    ("timeout.yaml", "endless-loop", "timeout", 13, "exceeded the time limit of 2 s"),
    (
        "crashed-traceback.yaml",
        "name-error",
        "crashed",
        15,
        "NameError: name 'totl' is not defined",
    ),
    ("expect-error-but-ok.yaml", "no-error-raised", "crashed", 13, "but it finished normally"),
    ("limits.yaml", "memory-bomb", "crashed", 13, "memory limit"),
    ("limits.yaml", "output-flood", "crashed", 30, "output limit"),
]


@pytest.mark.parametrize(
    ("name", "question", "status", "line", "words"),
    CASES,
    ids=[f"{c[0]}-{c[4][:20]}" for c in CASES],
)
def test_broken_sample_gets_its_status_at_its_line(
    tmp_path: Path, name: str, question: str, status: str, line: int, words: str
) -> None:
    code, results = _report(tmp_path, sample(name))
    assert code == 1
    record = results[question]
    assert (record["status"], record["line"]) == (status, line)
    assert words in record["message"]


def test_problem_lines_point_at_the_yaml(tmp_path: Path) -> None:
    run = qbank("verify", sample("crashed-traceback.yaml"))
    first = run.out.splitlines()[0]
    assert first.startswith(f"{os.path.relpath(SAMPLES / 'crashed-traceback.yaml')}:15:7: crashed:")
    assert first.endswith("[crashed-traceback/name-error]")
    assert 'crashed-traceback.yaml", line 15, in <module>' in run.out
    assert "snippet.py" not in run.out


def test_unstable_lists_each_distinct_output(tmp_path: Path) -> None:
    _, results = _report(tmp_path, sample("unstable-set-order.yaml"))
    assert len(results["set-order"]["outputs"]) >= 2


def test_missing_requirement_warns_unless_strict(tmp_path: Path) -> None:
    code, results = _report(tmp_path, sample("missing-requirement.yaml"))
    assert code == 0
    assert results["needs-missing-module"]["status"] == "missing-requirement"
    assert (
        "`not_a_real_module_qbank` is not importable" in results["needs-missing-module"]["message"]
    )
    weights = results["needs-missing-weights"]
    assert weights["status"] == "missing-requirement"
    assert "vgg16_weights_tf_dim_ordering_tf_kernels.h5 is missing" in weights["message"]
    assert not weights["executed"]
    assert qbank("verify", sample("missing-requirement.yaml"), "--strict").code == 1


def test_fetch_without_network_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A closed local port stands in for "no network", whatever this machine can reach.
    monkeypatch.setattr(resources, "KERAS_BASE", "http://127.0.0.1:9/")
    run = qbank("fetch", sample("missing-requirement.yaml"), "--only", "needs-missing-weights")
    assert run.code == 1  # contract, section 5: fetch fails when a resource cannot be had
    assert "cannot download keras:vgg16" in run.out


@pytest.mark.parametrize("where", ["/var/tmp", "home", "/tmp"])
def test_snippet_cannot_change_the_bank(tmp_path: Path, where: str) -> None:
    """Wherever the bank lives (outside /tmp and home too, where no tmpfs hides it)."""
    base = {"/var/tmp": Path("/var/tmp"), "home": Path.home(), "/tmp": tmp_path}[where]
    bank = base / f".qbank-bank-copy-{os.getpid()}-{tmp_path.name}"
    bank.mkdir()
    try:
        _check_bank_unchanged(tmp_path, bank)
    finally:
        shutil.rmtree(bank, ignore_errors=True)
    assert not (Path(sys.prefix) / "lib" / "planted-by-snippet").exists()


def _check_bank_unchanged(tmp_path: Path, bank: Path) -> None:
    text = sample("writes-bank.yaml").read_text().replace("SAMPLES_DIR", str(bank))
    (bank / "writes-bank.yaml").write_text(text)
    before = sorted((p.name, p.read_bytes()) for p in bank.iterdir())
    code, results = _report(tmp_path, bank / "writes-bank.yaml")
    assert results["tries-to-write"]["status"] == "ok", results["tries-to-write"]["message"]
    assert code == 0
    assert sorted((p.name, p.read_bytes()) for p in bank.iterdir()) == before


def test_cache_reuses_unchanged_and_reruns_changed(tmp_path: Path, private_cache: Path) -> None:
    bank = tmp_path / "b.yaml"
    shutil.copy(sample("verified-ok.yaml"), bank)
    _, first = _report(tmp_path, bank)
    assert not any(r["cached"] for r in first.values())
    _, second = _report(tmp_path, bank)
    assert all(r["cached"] for r in second.values())
    assert {q: r["status"] for q, r in second.items()} == {q: r["status"] for q, r in first.items()}
    bank.write_text(bank.read_text().replace("print(x * 2)", "print(x + x)"))
    _, third = _report(tmp_path, bank)
    assert [q for q, r in third.items() if not r["cached"]] == ["ok-with-setup"]
    bank.write_text(bank.read_text().replace("x = 21", "x = 20"))
    _, fourth = _report(tmp_path, bank)
    assert [q for q, r in fourth.items() if not r["cached"]] == ["ok-with-setup"]
    assert fourth["ok-with-setup"]["status"] == "wrong-answer"
    _, fresh = _report(tmp_path, bank, "--no-cache")
    assert not any(r["cached"] for r in fresh.values())


def test_cached_runs_are_judged_as_the_question_is_now(tmp_path: Path) -> None:
    bank = tmp_path / "b.yaml"
    shutil.copy(sample("wrong-answer.yaml"), bank)
    _, first = _report(tmp_path, bank)
    assert (first["wrong-sum"]["line"], first["wrong-sum"]["expected"]) == (16, "15")
    # Lines added above the question move it; the key changes to the right answer.
    text = bank.read_text().replace("questions:", "tags: [a]\nminutes: 5\nquestions:")
    text = text.replace(
        '      - "10"\n      - text: "15"\n        correct: true',
        '      - text: "10"\n        correct: true\n      - "15"',
    )
    bank.write_text(text)
    _, second = _report(tmp_path, bank)
    record = second["wrong-sum"]
    assert record["cached"]
    assert (record["status"], record["expected"], record["actual"]) == ("ok", "10", "10")
    assert record["line"] == 15  # its code moved down from line 13


def test_corrupt_cache_entry_is_recomputed(tmp_path: Path, private_cache: Path) -> None:
    bank = tmp_path / "b.yaml"
    shutil.copy(sample("wrong-answer.yaml"), bank)
    _report(tmp_path, bank)
    entries = list(private_cache.rglob("*.entry"))
    assert len(entries) == 1
    entries[0].write_bytes(entries[0].read_bytes()[:-20])  # cut off half-way
    code, results = _report(tmp_path, bank)
    assert code == 1
    assert results["wrong-sum"]["status"] == "wrong-answer"
    assert not results["wrong-sum"]["cached"]


def test_shards_partition_and_merge(tmp_path: Path) -> None:
    reports = []
    for k in (1, 2, 3):
        path = tmp_path / f"shard{k}.json"
        qbank("validate", ROOT / "bank", "--shard", f"{k}/3", "--report", path)
        reports.append(path)
    ids = [{r["question"] for r in json.loads(p.read_text())["results"]} for p in reports]
    assert not (ids[0] & ids[1]) and not (ids[1] & ids[2]) and not (ids[0] & ids[2])
    assert all(qbank("validate", ROOT / "bank", "--shard", f"{k}/3").code == 0 for k in (1, 2, 3))
    merged = tmp_path / "all.json"
    run = qbank("report", "merge", *reports, "-o", merged)
    assert run.code == 0
    whole = json.loads(merged.read_text())
    assert {r["question"] for r in whole["results"]} == ids[0] | ids[1] | ids[2]
    assert whole["summary"]["questions"] == len(ids[0] | ids[1] | ids[2])


def test_every_shard_reports_its_share_of_an_invalid_file(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    (bank / "t").mkdir(parents=True)
    shutil.copy(sample("schema-errors.yaml"), bank / "t" / "schema-errors.yaml")
    shutil.copy(sample("verified-ok.yaml"), bank / "t" / "verified-ok.yaml")
    shutil.copy(sample("empty.yaml"), bank / "t" / "empty.yaml")
    codes, seen = [], []
    for k in (1, 2):
        path = tmp_path / f"s{k}.json"
        codes.append(qbank("validate", bank, "--shard", f"{k}/2", "--report", path).code)
        seen.append(json.loads(path.read_text()))
    records = [r for shard in seen for r in shard["results"]]
    invalid = {r["question"] for r in records if r["status"] == "invalid"}
    assert invalid == {"typo-key", "bad-enum", "Missing_Title"}
    assert sum(len(s["results"]) for s in seen) == 8
    assert sum(1 for s in seen for d in s["diagnostics"] if "file is empty" in d["message"]) == 1
    assert 1 in codes
    only = qbank("validate", bank, "--only", "typo-key")
    assert only.code == 1
    assert "unknown key `hnit`" in only.out and "chalenge" not in only.out


def test_only_selects_questions_and_patterns(tmp_path: Path) -> None:
    _, results = _report(tmp_path, sample("verified-ok.yaml"), "--only", "ok-sum")
    assert list(results) == ["ok-sum"]


def test_junit_has_one_testcase_per_question(tmp_path: Path) -> None:
    junit = tmp_path / "j.xml"
    qbank("verify", sample("limits.yaml"), "--junit", junit)
    text = junit.read_text()
    assert text.count("<testcase") == 2 and text.count('type="crashed"') == 2


@pytest.mark.tf
def test_reference_page_fine_tuning_question_is_unstable(tmp_path: Path) -> None:
    code, results = _report(tmp_path, sample("unstable-fine-tuning.yaml"))
    assert code == 1
    (record,) = results.values()
    assert record["status"] == "unstable", record["message"]
    assert all(o.startswith("Training accuracy: ") for o in record["outputs"])


@pytest.mark.tf
def test_reference_bank_imagenet_questions_missing_without_weights(tmp_path: Path) -> None:
    code, results = _report(
        tmp_path,
        ROOT / "bank",
        "--only",
        "frozen-base-trainable-params",
        "--only",
        "mobilenetv2-predict-shape",
    )
    assert code == 0
    assert {r["status"] for r in results.values()} == {"missing-requirement"}


@pytest.mark.tf
def test_reference_bank_verifies_with_stand_in_weights(
    tmp_path: Path, stand_in_keras_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(stand_in_keras_home))
    code, results = _report(tmp_path, ROOT / "bank")
    bad = {q: (r["status"], r["message"]) for q, r in results.items() if r["status"] != "ok"}
    assert bad == {}
    assert code == 0
    assert results["mobilenetv2-predict-shape"]["executed"]
    assert results["frozen-base-trainable-params"]["actual"] == "Trainable parameters: 12810"


def test_verify_report_follows_its_schema(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads((ROOT / "schema" / "report.schema.json").read_text())
    for name in ("unstable-set-order.yaml", "missing-requirement.yaml", "crashed-traceback.yaml"):
        path = tmp_path / f"{name}.json"
        qbank("verify", sample(name), "--report", path)
        report = json.loads(path.read_text())
        Draft202012Validator(schema).validate(report)
        assert report["environment"]["limits"]["how"].startswith("per run:")


def test_author_regex_is_matched_with_a_time_limit(tmp_path: Path) -> None:
    """A regex that backtracks without end is `invalid` at its own line, and never hangs
    verify (with `re`, `(a+)+$` against 42 characters took over 90 s)."""
    from jsonschema import Draft202012Validator

    report = tmp_path / "report.json"
    run = qbank("verify", sample("regex-backtracking.yaml"), "--report", report)
    assert run.code == 1
    assert "Traceback" not in run.err
    seen = {(p.line, p.column): (p.status, p.message) for p in run.problems()}
    timeout = "did not finish matching in 1 s (catastrophic backtracking?); simplify it"
    # (line, column): the `output:` value, the correct choice's text, the `error:` value.
    assert seen[(36, 15)] == (
        "invalid",
        f"regex `(a|aa)+$` {timeout} [regex-backtracking/alternation-in-output]",
    )
    assert seen[(47, 15)] == (
        "invalid",
        f"regex `(a|aa)+$` {timeout} [regex-backtracking/alternation-in-choice]",
    )
    assert seen[(66, 14)][0] == "invalid"
    assert f"regex `ValueError: (a|aa)+$` {timeout}" in seen[(66, 14)][1]
    assert seen[(21, 15)][0] == "wrong-answer"  # `regex` finishes `(a+)+$` at once
    # A pattern too large to compile safely, or not a pattern at all: lint, never run.
    assert seen[(80, 14)][0] == "invalid"
    assert "counted repeats (`{n}`) multiply to more than 100,000 items" in seen[(80, 14)][1]
    assert seen[(95, 14)][0] == "invalid"
    assert "not a valid regex: missing ), unterminated subpattern" in seen[(95, 14)][1]
    # Tried as a regex only for a hint: no hint, the plain verdict.
    assert seen[(110, 14)][0] == "wrong-answer"  # at `error:`, the key
    assert "match: regex" not in seen[(110, 14)][1]
    data = json.loads(report.read_text())
    Draft202012Validator(json.loads((ROOT / "schema" / "report.schema.json").read_text())).validate(
        data
    )
    assert not any(r["status"] == "ok" for r in data["results"])


def test_github_annotations_warn_for_missing_requirements() -> None:
    run = qbank("verify", sample("missing-requirement.yaml"), "--format", "github")
    lines = [line for line in run.out.splitlines() if line.startswith("::")]
    assert len(lines) == 2
    assert all(line.startswith("::warning file=") for line in lines)
    strict = qbank("verify", sample("missing-requirement.yaml"), "--format", "github", "--strict")
    assert all(line.startswith("::error ") for line in strict.out.splitlines()[:2])


def test_a_broken_question_does_not_hide_the_rest_of_its_file(tmp_path: Path) -> None:
    code, results = _report(tmp_path, sample("one-broken-question.yaml"))
    assert code == 1
    statuses = {q: (r["status"], r["line"]) for q, r in results.items()}
    assert statuses == {
        "still-runs": ("wrong-answer", 15),
        "Broken_Id": ("invalid", 18),
        "still-linted": ("invalid", 38),
    }
    assert results["still-runs"]["executed"]


def test_id_reused_by_a_question_of_a_broken_file(tmp_path: Path) -> None:
    run = qbank("validate", sample("duplicate-id-in-broken-file"))
    assert run.code == 1
    messages = [(p.file.split("/")[-1], p.line, p.message.split(";")[0]) for p in run.problems()]
    assert (
        "b.yaml",
        6,
        "question id `shared` is already used at "
        "tests/samples/duplicate-id-in-broken-file/t/a.yaml:5:9",
    ) in messages


def test_questions_of_a_file_with_yaml_errors_are_not_ok(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    (bank / "t").mkdir(parents=True)
    text = (
        sample("verified-ok.yaml")
        .read_text()
        .replace("    title: A sum\n", "    title: A sum\n    title: Twice\n")
    )
    (bank / "t" / "verified-ok.yaml").write_text(text)
    code, results = _report(tmp_path, bank)
    assert code == 1
    assert {r["status"] for r in results.values()} == {"invalid"}
    assert "not checked: its file has a problem at" in results["ok-numpy-shape"]["message"]


def test_merge_refuses_an_incomplete_set_of_shards(tmp_path: Path) -> None:
    paths = []
    for k in (1, 2, 3):
        paths.append(tmp_path / f"s{k}.json")
        qbank("validate", ROOT / "bank", "--shard", f"{k}/3", "--report", paths[-1])
    missing = qbank("report", "merge", paths[0], paths[2], "-o", tmp_path / "m.json")
    assert missing.code == 2
    assert "missing shard 2/3" in missing.err
    twice = qbank("report", "merge", *paths, paths[1], "-o", tmp_path / "m.json")
    assert twice.code == 2 and "shard 2/3 given twice" in twice.err
    assert qbank("report", "merge", *paths, "-o", tmp_path / "m.json").code == 0


def test_control_characters_and_floods_stay_readable(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    junit, report = tmp_path / "j.xml", tmp_path / "r.json"
    run = qbank("verify", sample("control-characters.yaml"), "--junit", junit, "--report", report)
    assert run.code == 1
    assert "\x00" not in run.out and "\x01" not in run.out
    assert "printed `a\\x01b\\x0cc\\x00d`" in run.out
    assert "more diff lines]" in run.out
    ET.parse(junit)  # well-formed XML
    assert junit.stat().st_size < 50_000
    assert report.stat().st_size < 100_000


def test_multi_line_code_must_be_a_literal_block() -> None:
    run = qbank("validate", sample("code-not-literal.yaml"))
    assert run.code == 1
    assert [(p.line, p.message.split(" (")[0]) for p in run.problems()] == [
        (12, "write `code` as a literal block"),
        (26, "write `code` as a literal block"),
    ]


def test_expected_errors_are_checked_against_the_choices(tmp_path: Path) -> None:
    _, results = _report(tmp_path, sample("error-checks.yaml"))
    assert results["error-also-a-choice"]["status"] == "ambiguous"
    assert results["error-also-a-choice"]["line"] == 17
    assert results["error-needs-regex"]["status"] == "wrong-answer"
    assert "did you mean `match: regex`?" in results["error-needs-regex"]["message"]


def test_a_runtime_named_by_the_bank_is_refused_at_its_line() -> None:
    run = qbank("validate", sample("runtime-in-bank"))
    assert run.code == 1
    (problem,) = run.problems()
    assert (problem.file.endswith("runtime-in-bank/bank.yaml"), problem.line, problem.column) == (
        True,
        2,
        1,
    )
    assert "`runtime` is not read from a bank" in problem.message


def test_closed_stdout_keeps_the_report(tmp_path: Path) -> None:
    import subprocess
    import sys

    report = tmp_path / "r.json"
    done = subprocess.run(
        f"{sys.executable} -m generator validate {ROOT / 'bank'} --format json "
        f"--report {report} | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in done.stderr
    bank, _ = load_bank(ROOT / "bank")
    assert json.loads(report.read_text())["summary"]["questions"] == len(list(bank.questions()))
