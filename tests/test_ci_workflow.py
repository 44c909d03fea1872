"""docs/ci/github-actions.yml: its shape, and its ``run:`` steps run here for its three
shards and the merge, the artifact hand-over done through a local folder.

What is not run, because it only sets up a runner: the ``Install bubblewrap`` and
``Install qbank`` steps (apt-get, sysctl, pip; the project's .venv, first on PATH, stands
in for the installed qbank, and ``make system-deps`` installed bubblewrap) and the
``uses:`` steps checkout, setup-python and cache (each job gets a fresh copy of the bank
instead). upload-artifact and download-artifact are emulated by :class:`Artifacts`. Any
other step, expression or ``if:`` that this emulation does not know fails the test, so
a change to the workflow cannot slip past it unrun.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import ROOT, sample

WORKFLOW = ROOT / "docs" / "ci" / "github-actions.yml"
SHARDS = 3
#: Steps that only set up a runner (see the module docstring).
SETUP_STEPS = {"Install bubblewrap", "Install qbank"}
SETUP_ACTIONS = {"actions/checkout@v4", "actions/setup-python@v5", "actions/cache@v4"}
UPLOAD, DOWNLOAD = "actions/upload-artifact@v4", "actions/download-artifact@v4"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _workflow() -> dict[str, Any]:
    loaded = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _expand(text: str, context: Mapping[str, str]) -> str:
    """``${{ name }}`` replaced by its value; an expression not in ``context`` fails."""

    def value(match: re.Match[str]) -> str:
        assert match[1] in context, f"the test does not know the expression {match[0]}"
        return context[match[1]]

    return _EXPRESSION.sub(value, text)


def _runs(condition: object, failed: bool) -> bool:
    """Whether a step or job with this ``if:`` runs after (``failed``) earlier ones."""
    if condition is None:
        return not failed
    assert condition in ("${{ !cancelled() }}", "${{ always() }}"), condition
    return True


@dataclass
class Artifacts:
    """upload-artifact and download-artifact through a local folder."""

    store: Path

    def upload(self, inputs: Mapping[str, str], cwd: Path) -> None:
        paths = [cwd / p.strip() for p in inputs["path"].splitlines() if p.strip()]
        files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*")))]
        files = [f for f in files if f.is_file()]
        if inputs.get("if-no-files-found") == "error":
            assert files, f"no files at {inputs['path']}"
        # Like upload-artifact: paths are kept relative to what the inputs have in common.
        root = paths[0] if len(paths) == 1 and paths[0].is_dir() else cwd
        target = self.store / inputs["name"]
        assert not target.exists(), f"artifact {inputs['name']} uploaded twice"
        for f in files:
            (target / f.relative_to(root)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target / f.relative_to(root))

    def download(self, inputs: Mapping[str, str], cwd: Path) -> None:
        names = sorted(
            p.name
            for p in self.store.iterdir()
            if fnmatch.fnmatchcase(p.name, inputs.get("pattern", inputs.get("name", "*")))
        )
        for name in names:
            into = cwd / inputs["path"]
            if not inputs.get("merge-multiple"):
                into = into / name
            shutil.copytree(self.store / name, into, dirs_exist_ok=True)


@dataclass
class JobRun:
    """What one job did: its ``run:`` steps' exit codes and output, by step name."""

    failed: bool = False
    codes: dict[str, int] = field(default_factory=dict)
    output: dict[str, str] = field(default_factory=dict)


def run_job(
    job: Mapping[str, Any], context: Mapping[str, str], cwd: Path, artifacts: Artifacts
) -> JobRun:
    """The job's steps in order, as a runner would run them on ``cwd``."""
    done = JobRun()
    env = {
        **os.environ,
        **{k: _expand(str(v), context) for k, v in _workflow().get("env", {}).items()},
        **{k: _expand(str(v), context) for k, v in job.get("env", {}).items()},
        # The project's interpreter's scripts (qbank) stand in for the installed ones.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    for step in job["steps"]:
        if not _runs(step.get("if"), done.failed):
            continue
        uses = step.get("uses")
        if uses in (UPLOAD, DOWNLOAD):
            inputs = {k: _expand(str(v), context) for k, v in step["with"].items()}
            (artifacts.upload if uses == UPLOAD else artifacts.download)(inputs, cwd)
        elif uses is not None:
            assert uses in SETUP_ACTIONS, f"the test cannot emulate {uses}"
        elif step["name"] in SETUP_STEPS:
            continue
        else:
            script = _expand(step["run"], context)
            ran = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                cwd=cwd,
                env={
                    **env,
                    **{k: _expand(str(v), context) for k, v in step.get("env", {}).items()},
                },
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            done.codes[step["name"]] = ran.returncode
            done.output[step["name"]] = ran.stdout + ran.stderr
            done.failed = done.failed or ran.returncode != 0
    return done


@dataclass(frozen=True)
class PipelineRun:
    shards: list[JobRun]
    merge: JobRun
    merged: Path
    """The merge job's folder."""


def run_pipeline(bank: Path, work: Path) -> PipelineRun:
    """Every shard of the verify job on its own copy of ``bank``, then the merge job."""
    jobs = _workflow()["jobs"]
    artifacts = Artifacts(work / "artifacts")
    artifacts.store.mkdir(parents=True)
    shards = []
    for k in jobs["verify"]["strategy"]["matrix"]["shard"]:
        checkout = work / f"runner-{k}"
        shutil.copytree(bank, checkout / "bank")
        context = {"matrix.shard": str(k), "strategy.job-total": str(SHARDS)}
        shards.append(run_job(jobs["verify"], context, checkout, artifacts))
    assert _runs(jobs["merge"].get("if"), any(s.failed for s in shards))
    merged = work / "runner-merge"
    merged.mkdir()
    return PipelineRun(shards, run_job(jobs["merge"], {}, merged, artifacts), merged)


def _question_ids(bank: Path) -> list[tuple[str, str]]:
    ids = []
    for path in sorted(bank.glob("*/*.yaml")):
        pattern = yaml.safe_load(path.read_text())
        ids += [(pattern["id"], q["id"]) for q in pattern["questions"]]
    return ids


def test_workflow_shape() -> None:
    workflow = _workflow()
    jobs = workflow["jobs"]
    assert set(jobs) == {"verify", "merge"}
    verify, merge = jobs["verify"], jobs["merge"]
    assert verify["strategy"]["matrix"] == {"shard": list(range(1, SHARDS + 1))}
    assert verify["strategy"]["fail-fast"] is False
    assert merge["needs"] == "verify"
    uses = {s["uses"] for job in jobs.values() for s in job["steps"] if "uses" in s}
    assert uses == SETUP_ACTIONS | {UPLOAD, DOWNLOAD}
    (run,) = [s["run"] for s in verify["steps"] if "qbank verify" in s.get("run", "")]
    for option in ("--shard", "--report", "--junit", "--format github"):
        assert option in run
    # A failing shard still hands its report over, and the merge still runs.
    (upload,) = [s for s in verify["steps"] if s.get("uses") == UPLOAD]
    assert _runs(upload.get("if"), failed=True)
    assert _runs(merge.get("if"), failed=True)
    (download,) = [s for s in merge["steps"] if s.get("uses") == DOWNLOAD]
    assert fnmatch.fnmatchcase("qbank-shard-2", download["with"]["pattern"])
    assert download["with"]["merge-multiple"] is True


def test_three_shards_and_the_merge_cover_the_bank_once(tmp_path: Path) -> None:
    bank = sample("small-bank")
    run = run_pipeline(bank, tmp_path)
    for shard in run.shards:
        assert not shard.failed, shard.output
        assert shard.codes == {"Fetch the shard's resources": 0, "Verify the shard": 0}
    assert run.merge.codes == {"Merge the shard reports": 0}, run.merge.output
    report = json.loads((run.merged / "qbank-report.json").read_text())
    covered = [(r["pattern"], r["question"]) for r in report["results"]]
    assert sorted(covered) == sorted(_question_ids(bank))  # each exactly once
    assert {r["status"] for r in report["results"]} == {"ok"}
    assert (run.merged / "qbank-junit.xml").is_file()
    # Each shard verified part of the bank, not all of it.
    shard_reports = sorted((tmp_path / "artifacts").glob("qbank-shard-*/shard-*.json"))
    sizes = [len(json.loads(p.read_text())["results"]) for p in shard_reports]
    assert len(sizes) == SHARDS and sum(sizes) == len(covered) and max(sizes) < len(covered)


def test_a_failing_shard_fails_the_merge(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(sample("small-bank"), bank)
    wrong = bank / "strings" / "formatting.yaml"
    wrong.write_text(wrong.read_text().replace('"0.66"', '"0.68"').replace('"0.67"', '"0.66"'))
    run = run_pipeline(bank, tmp_path / "ci")
    failing = [s for s in run.shards if s.failed]
    assert len(failing) == 1
    assert failing[0].codes["Verify the shard"] == 1
    annotation = re.compile(r"^::error file=bank/strings/formatting\.yaml,line=\d+,", re.M)
    assert annotation.search(failing[0].output["Verify the shard"])
    assert run.merge.codes == {"Merge the shard reports": 1}, run.merge.output
    report = json.loads((run.merged / "qbank-report.json").read_text())
    statuses = {r["question"]: r["status"] for r in report["results"]}
    assert len(statuses) == len(_question_ids(bank))
    assert statuses.pop("two-decimals") == "wrong-answer"
    assert set(statuses.values()) == {"ok"}


def test_a_missing_shard_report_fails_the_merge(tmp_path: Path) -> None:
    """A shard that died before uploading: the merge refuses an incomplete bank (exit 2)."""
    artifacts = Artifacts(tmp_path / "artifacts")
    for k in (1, 3):
        folder = artifacts.store / f"qbank-shard-{k}"
        folder.mkdir(parents=True)
        subprocess.run(
            [
                *(Path(sys.executable).parent / "qbank", "validate", sample("small-bank")),
                *("--shard", f"{k}/{SHARDS}", "--report", folder / f"shard-{k}.json"),
            ],
            capture_output=True,
            check=True,
        )
    merged = tmp_path / "runner-merge"
    merged.mkdir()
    done = run_job(_workflow()["jobs"]["merge"], {}, merged, artifacts)
    assert done.codes == {"Merge the shard reports": 2}, done.output
