"""The hooks of .pre-commit-hooks.yaml, tried with ``pre-commit try-repo`` on a team's
repository made here: a valid bank passes, a broken one fails at its line.

The hook repository is a git repository of a copy of the sources (what is about to be
committed, symbolic link included), so pre-commit clones it and pip-installs it into its
own virtualenv exactly as it does from a published repository. PRE_COMMIT_HOME is a
temporary folder shared by the tests of this module: the hook environment is built once
and nothing reaches the user's home.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import sample
from tests.packaging import clean_env, copy_sources

pytestmark = pytest.mark.slow

_GIT_USER = {
    "GIT_AUTHOR_NAME": "qbank tests",
    "GIT_AUTHOR_EMAIL": "tests@qbank.invalid",
    "GIT_COMMITTER_NAME": "qbank tests",
    "GIT_COMMITTER_EMAIL": "tests@qbank.invalid",
}


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        env=clean_env(**_GIT_USER),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _commit_all(repo: Path) -> str:
    """Commit everything in ``repo`` (made a git repository if it is not one); its rev."""
    if not (repo / ".git").exists():
        _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "--no-verify", "-m", "snapshot")
    return _git(repo, "rev-parse", "HEAD")


@dataclass(frozen=True)
class HookRepo:
    path: Path
    rev: str
    home: Path
    """PRE_COMMIT_HOME: pre-commit's clones and hook environments."""


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    work = tmp_path_factory.mktemp("hooks")
    source = copy_sources(work / "qbank")
    return HookRepo(source, _commit_all(source), work / "pre-commit-home")


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A team's repository whose bank (plain Python snippets) is committed."""
    repo = tmp_path / "team"
    shutil.copytree(sample("small-bank"), repo / "bank")
    _commit_all(repo)
    return repo


def try_repo(hooks: HookRepo, team: Path, *args: str) -> tuple[int, str]:
    """``pre-commit try-repo`` of every hook of the repository in ``team``: exit code and
    everything printed. (try-repo installs the hooks anew on each call.)"""
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pre_commit", "try-repo", str(hooks.path)),
            *("--ref", hooks.rev, "--color", "never", *args),
        ],
        cwd=team,
        env=clean_env(PRE_COMMIT_HOME=str(hooks.home), **_GIT_USER),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _break(team: Path) -> tuple[str, str]:
    """Stage two mistakes: a typo'd key (validate sees it) and a wrong answer key (only
    verify sees it); the ``FILE:LINE:`` each must be reported at."""
    typo = team / "bank" / "python-basics" / "integers.yaml"
    typo.write_text(typo.read_text().replace("difficulty: medium", "dificulty: medium"))
    wrong = team / "bank" / "strings" / "formatting.yaml"
    text = wrong.read_text().replace('"0.66"', '"0.68"').replace('"0.67"', '"0.66"')
    wrong.write_text(text)
    _git(team, "add", "-A")  # pre-commit checks what is staged
    return (
        f"bank/python-basics/integers.yaml:{_line_of(typo, 'dificulty')}:",
        f"bank/strings/formatting.yaml:{_line_of(wrong, '0.66')}:",
    )


def test_try_repo_passes_a_valid_bank(hooks: HookRepo, team: Path) -> None:
    code, out = try_repo(hooks, team, "--all-files", "--verbose")
    assert code == 0, out
    assert re.search(r"^qbank validate\.+Passed$", out, re.M), out
    assert re.search(r"^qbank verify\.+Passed$", out, re.M), out
    assert out.count("9 questions: 9 ok") == 2


def test_try_repo_fails_a_broken_bank_at_its_lines(hooks: HookRepo, team: Path) -> None:
    typo, wrong = _break(team)
    code, out = try_repo(hooks, team)
    assert code == 1, out
    assert re.search(r"^qbank validate\.+Failed$", out, re.M), out
    assert re.search(r"^qbank verify\.+Failed$", out, re.M), out
    assert re.search(rf"^{re.escape(typo)}\d+: invalid: .*dificulty", out, re.M), out
    assert re.search(rf"^{re.escape(wrong)}\d+: wrong-answer: .*two-decimals", out, re.M), out


NUMPY_PATTERN = """\
id: arrays
title: Arrays
topic: NumPy
questions:
  - id: transpose-shape
    mode: practice
    type: predict-output
    difficulty: easy
    title: A transposed shape
    prompt: What does this program print?
    code: |
      import numpy as np
      print(np.zeros((2, 3)).T.shape)
    choices:
      - "(2, 3)"
      - text: "(3, 2)"
        correct: true
    verify:
      requires: [numpy]
"""


def test_installed_hooks_stop_a_broken_commit(hooks: HookRepo, team: Path) -> None:
    """The README's .pre-commit-config.yaml, installed as the team's git hook; NumPy, named
    in ``additional_dependencies``, is there for the snippets."""
    (team / ".pre-commit-config.yaml").write_text(
        f"repos:\n"
        f"  - repo: {hooks.path}\n"
        f"    rev: {hooks.rev}\n"
        f"    hooks:\n"
        f"      - id: qbank-validate\n"
        f"      - id: qbank-verify\n"
        f"        additional_dependencies: [numpy]\n"
    )
    (team / "bank" / "numpy").mkdir()
    (team / "bank" / "numpy" / "arrays.yaml").write_text(NUMPY_PATTERN)
    env = clean_env(PRE_COMMIT_HOME=str(hooks.home), **_GIT_USER)
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pre_commit, "install"], cwd=team, env=env, check=True)

    def commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-q", "-m", "change"],
            cwd=team,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    _git(team, "add", "-A")
    passed = commit()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    shown = subprocess.run(
        [*pre_commit, "run", "qbank-verify", "--all-files", "--verbose", "--color", "never"],
        cwd=team,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    assert "10 questions: 10 ok" in shown, shown  # the NumPy snippet ran, not missing-requirement
    head = _git(team, "rev-parse", "HEAD")
    typo, wrong = _break(team)
    refused = commit()
    assert refused.returncode == 1, refused.stdout + refused.stderr
    shown = refused.stdout + refused.stderr  # git shows a hook's output on stderr
    assert typo in shown and wrong in shown, shown
    assert _git(team, "rev-parse", "HEAD") == head
