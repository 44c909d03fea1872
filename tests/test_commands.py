"""What each command answers for content it cannot use: exit codes, statuses, positions."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from generator.render.publish import SITE_MARKER
from generator.verify import resources
from tests.helpers import qbank, sample


def _records(tmp_path: Path, *args: str | Path) -> tuple[int, dict[str, Any], str]:
    report = tmp_path / "report.json"
    run = qbank(*args, "--report", report)
    assert "Traceback" not in run.out + run.err
    data = json.loads(report.read_text())
    return run.code, {r["question"]: r for r in data["results"]}, run.out


def test_nan_timeout_is_invalid_and_never_run(tmp_path: Path) -> None:
    code, records, _ = _records(tmp_path, "verify", sample("nan-timeout.yaml"))
    assert code == 1
    assert {q: (r["status"], r["executed"], r["line"]) for q, r in records.items()} == {
        "nan-timeout": ("invalid", False, 19),
        "fine": ("invalid", False, 20),
    }
    assert records["nan-timeout"]["message"].startswith("`.nan` is NaN (not a number)")
    # As with any value the loader refuses, the rest of the file is not used either.
    assert records["fine"]["message"].endswith("nan-timeout.yaml:19:16")


def test_non_finite_defaults_are_refused_at_their_line() -> None:
    run = qbank("validate", sample("non-finite-defaults"))
    assert run.code == 1
    assert [(p.line, p.column, p.message.split(";")[0]) for p in run.problems()] == [
        (3, 15, "`.nan` is NaN (not a number)"),
        (4, 13, "`.inf` is infinite"),
        (5, 12, "`.nan` is NaN (not a number)"),
        (6, 9, "`-.inf` is infinite"),
        (7, 14, "`.NAN` is NaN (not a number)"),
    ]


def test_code_in_another_language_is_never_run(tmp_path: Path) -> None:
    code, records, out = _records(tmp_path, "verify", sample("language-not-python.yaml"))
    assert code == 1
    statuses = {q: (r["status"], r["executed"], r["line"]) for q, r in records.items()}
    assert statuses == {
        "bash-predict-output": ("invalid", False, 12),
        "bash-with-verify": ("invalid", False, 25),
        "bash-shown-only": ("ok", False, 34),
    }
    assert "`language: bash` cannot be verified" in records["bash-with-verify"]["message"]
    assert "SyntaxError" not in out


def test_expected_error_defaults_to_the_correct_choice(tmp_path: Path) -> None:
    code, records, _ = _records(tmp_path, "verify", sample("expect-error-default.yaml"))
    record = records["divide-by-zero"]
    assert (code, record["status"], record["executed"]) == (0, "ok", True), record["message"]
    assert record["expected"] == "ZeroDivisionError: division by zero"


def test_fetch_that_cannot_download_fails_at_the_resource(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A closed local port stands in for "no network", whatever this machine can reach.
    monkeypatch.setattr(resources, "KERAS_BASE", "http://127.0.0.1:9/")
    run = qbank("fetch", sample("missing-requirement.yaml"), "--only", "needs-missing-weights")
    assert run.code == 1
    (problem,) = run.problems()
    assert (problem.line, problem.column, problem.status) == (34, 19, "missing-requirement")
    assert problem.message.startswith(
        "cannot download keras:vgg16 from http://127.0.0.1:9/vgg16/"
        "vgg16_weights_tf_dim_ordering_tf_kernels.h5 ("
    )
    assert "without a network, copy the file to" in problem.message
    assert not list((tmp_path / "empty-keras-home").rglob("*.part"))


def _old_site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site")
    (out / SITE_MARKER).write_text("")
    return out


def test_site_that_cannot_be_written_is_a_tool_error(tmp_path: Path) -> None:
    # A path under a regular file cannot be created, even by root.
    (tmp_path / "a-file").write_text("")
    run = qbank(
        "build",
        sample("verified-ok.yaml"),
        "--out",
        tmp_path / "a-file" / "site",
    )
    assert run.code == 2
    assert "Traceback" not in run.err
    last = run.err.splitlines()[-1]
    assert last == (
        f"qbank: error: cannot write the site: {tmp_path / 'a-file'}: not a folder; "
        f"{tmp_path / 'a-file' / 'site'} is unchanged"
    )


def test_disk_full_while_rendering_keeps_the_old_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.render as render

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "site.new-x"))

    monkeypatch.setattr(render, "render_site", full)
    out = _old_site(tmp_path)
    run = qbank("build", sample("verified-ok.yaml"), "--out", out)
    assert run.code == 2
    assert "No space left on device" in run.err and "Traceback" not in run.err
    assert sorted(p.name for p in out.iterdir()) == [SITE_MARKER, "index.html"]
    assert (out / "index.html").read_text() == "the previous site"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("site")) == ["site"]
