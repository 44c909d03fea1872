"""`qbank report merge` reads CI artifacts, which anyone who can push a branch can shape:
a report that is not what the report schema says is an error naming the file and the
place in it (exit 2), never a traceback, a RecursionError or gigabytes of memory."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Run, qbank, sample


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real report of a small bank, to spoil one field at a time."""
    path = tmp_path_factory.mktemp("report") / "good.json"
    run = qbank("validate", sample("verified-ok.yaml"), "--report", path)
    assert run.code == 0, run.out + run.err
    data: dict[str, Any] = json.loads(path.read_text())
    assert data["results"], "the sample reports its questions"
    return data


def _merge(tmp_path: Path, text: str) -> tuple[Run, Path]:
    report, out = tmp_path / "shard.json", tmp_path / "all.json"
    report.write_text(text)
    run = qbank("report", "merge", report, "-o", out)
    assert "Traceback" not in run.out + run.err
    return run, report


def _refused(tmp_path: Path, text: str, *expected: str) -> None:
    run, report = _merge(tmp_path, text)
    assert run.code == 2, run.out + run.err
    assert not (tmp_path / "all.json").exists(), "nothing is written from a bad report"
    assert run.err.startswith(f"qbank: error: report {report}"), run.err
    for words in expected:
        assert words in run.err, run.err
    assert len(run.err) < 1000, "the message echoes no more than a short value"


def _spoiled(good: dict[str, Any], where: tuple[str | int, ...], value: object) -> str:
    data = copy.deepcopy(good)
    node: Any = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    return json.dumps(data)


def test_a_top_level_list_is_refused(tmp_path: Path, good: dict[str, Any]) -> None:
    _refused(tmp_path, json.dumps([good]), "at $: expected a mapping, found a list")


def test_a_string_where_a_record_should_be(tmp_path: Path, good: dict[str, Any]) -> None:
    text = _spoiled(good, ("results", 1), "not a record")
    _refused(tmp_path, text, "at $.results[1]: expected a mapping, found text")


def test_a_string_line_is_refused(tmp_path: Path, good: dict[str, Any]) -> None:
    text = _spoiled(good, ("results", 0, "line"), "12")
    _refused(tmp_path, text, "at $.results[0].line: expected a whole number, found text")


def test_a_string_duration_is_refused(tmp_path: Path, good: dict[str, Any]) -> None:
    text = _spoiled(good, ("results", 0, "duration_s"), "0.5")
    _refused(tmp_path, text, "at $.results[0].duration_s: expected a number, found text")


def test_deep_nesting_is_a_located_error(tmp_path: Path) -> None:
    _refused(tmp_path, "[" * 100_000 + "]" * 100_000, ":1:33: nested deeper than 32 levels")
    inside = '{"tool": "qbank",\n "results": ' + "[" * 100_000 + "]" * 100_000 + "}"
    _refused(tmp_path, inside, ":2:44: nested deeper than 32 levels")


def test_millions_of_tiny_values_are_refused_before_parsing(tmp_path: Path) -> None:
    _refused(tmp_path, "[" + "[]," * 5_000_001 + "[]]", "holds over 10,000,000 values")


def test_brackets_inside_strings_are_not_nesting(tmp_path: Path, good: dict[str, Any]) -> None:
    text = _spoiled(good, ("results", 0, "message"), "[" * 1000 + '\\"{' * 100)
    run, _ = _merge(tmp_path, text)
    assert run.code in (0, 1), run.err


def test_a_billion_shards_is_refused_at_once(tmp_path: Path, good: dict[str, Any]) -> None:
    start = time.monotonic()
    text = _spoiled(good, ("shard",), {"k": 1, "n": 10**9})
    _refused(tmp_path, text, "at $.shard.n: 1000000000 is over the maximum 1000")
    assert time.monotonic() - start < 10


def test_a_shard_past_its_count_is_refused(tmp_path: Path, good: dict[str, Any]) -> None:
    _refused(tmp_path, _spoiled(good, ("shard",), {"k": 5, "n": 3}), "claims shard 5/3")


def test_overlong_text_is_refused_without_echoing_it(tmp_path: Path, good: dict[str, Any]) -> None:
    text = _spoiled(good, ("results", 0, "message"), "x" * 200_000)
    _refused(tmp_path, text, "at $.results[0].message: 200,000 characters, over the limit")


def test_unknown_and_missing_keys_are_named(tmp_path: Path, good: dict[str, Any]) -> None:
    _refused(tmp_path, _spoiled(good, ("results", 0, "linee"), 3), "unknown key `linee`")
    data = copy.deepcopy(good)
    del data["results"][0]["status"]
    _refused(tmp_path, json.dumps(data), "at $.results[0]: `status` is missing")


def test_what_is_not_json_is_located(tmp_path: Path, good: dict[str, Any]) -> None:
    _refused(tmp_path, '{"tool": "qbank",\n  "results": [1,,]}', ":2:17: not JSON")
    _refused(tmp_path, _spoiled(good, ("results", 0, "duration_s"), float("nan")), "NaN")
    _refused(tmp_path, b"\xff\xfe".decode("latin-1"), "")  # bytes that are no JSON
    huge = _spoiled(good, ("results", 0, "duration_s"), 1).replace(
        '"duration_s": 1', '"duration_s": 1e999'
    )
    _refused(tmp_path, huge, "at $.results[0].duration_s: Infinity is over the maximum")


def test_reports_qbank_writes_still_merge(tmp_path: Path, good: dict[str, Any]) -> None:
    run, _ = _merge(tmp_path, json.dumps(good))
    assert run.code == 0, run.err
    first = tmp_path / "first.json"
    first.write_text(json.dumps(good))
    again = qbank("report", "merge", first, "-o", tmp_path / "again.json")
    twice = qbank("report", "merge", tmp_path / "again.json", "-o", tmp_path / "twice.json")
    assert (again.code, twice.code) == (0, 0), again.err + twice.err
    assert json.loads((tmp_path / "twice.json").read_text())["command"] == "validate"


@pytest.mark.parametrize("isolation", ["bwrap", "rlimits+unshare", ""])
def test_a_report_of_an_older_qbank_is_refused_with_what_to_do(
    tmp_path: Path, good: dict[str, Any], isolation: str
) -> None:
    """Reports once named how their runs were isolated (`environment.isolation`), once
    also a weaker `rlimits+unshare`; such a report is refused, never merged without it."""
    text = _spoiled(good, ("environment", "isolation"), isolation)
    _refused(tmp_path, text, "written by an older qbank", "verify its shard again")


def test_a_broken_file_with_a_huge_id_still_merges(tmp_path: Path) -> None:
    """A question id of a file that does not validate may be anything; the report caps it,
    so the merge reads back what validate wrote and fails on the content (exit 1)."""
    bank = tmp_path / "bank"
    (bank / "t").mkdir(parents=True)
    text = sample("not-utf8-name.yaml").read_text()
    (bank / "t" / "p.yaml").write_text(text.replace("named-badly", "\\x01" * 5000))
    report = tmp_path / "r.json"
    assert qbank("validate", bank, "--report", report).code == 1
    merged = qbank("report", "merge", report, "-o", tmp_path / "all.json")
    assert merged.code == 1, merged.err


def test_a_run_cannot_be_cut_into_more_shards_than_merge_accepts() -> None:
    """`--shard K/1001` would write reports `qbank report merge` refuses: refused up front."""
    run = qbank("validate", sample("verified-ok.yaml"), "--shard", "1/1001")
    assert run.code == 2
    assert "at most 1000 shards" in run.err
    assert qbank("validate", sample("verified-ok.yaml"), "--shard", "1000/1000").code == 0
