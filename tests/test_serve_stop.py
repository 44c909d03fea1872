"""Ctrl-C stops `qbank serve` at any moment (issue 18): before and during the first
build (reading the bank, rendering, running snippets), during a rebuild, while idle;
sent to the server alone, or to its whole process group as a terminal sends it. It
exits 0 within seconds, quietly, with no process left and its served folder removed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.serve_helpers import Serving, alive, children, descendants, save, write_bank

LARGE = 5000
#: Seconds a stop may take: the render workers finish the page they hold, the served
#: folder is removed.
PROMPT = 15.0

_SNIPPET = """id: slow
title: A snippet that takes its time
topic: Generated
minutes: 5
questions:
- id: slow-sleep
  mode: practice
  type: predict-output
  difficulty: easy
  title: A slow snippet
  prompt: What does this print?
  code: |
    import time
    time.sleep({seconds})
    print(1)
  choices:
  - text: "1"
    correct: true
  - "2"
  - "3"
  verify:
    timeout: 120
"""


def _start(bank: Path, work: Path) -> tuple[Serving, Path]:
    """The server, and the temp folder where it keeps the site it serves."""
    tmp = work / "tmp"
    tmp.mkdir()
    return Serving(bank, work, env={"TMPDIR": str(tmp)}), tmp


def _snippet_bank(root: Path, seconds: int) -> Path:
    bank = write_bank(root, 20)
    (bank / "generated" / "slow.yaml").write_text(_SNIPPET.format(seconds=seconds))
    return bank


def _renders(tmp: Path) -> set[Path]:
    """The folders renders are writing now (each publish renders into a new one)."""
    return set(tmp.glob("qbank-serve-*/site.new-*"))


def _until_rendering(tmp: Path, before: set[Path], timeout: float) -> None:
    """Wait until a render not among ``before`` is under way."""
    deadline = time.monotonic() + timeout
    while not _renders(tmp) - before:
        assert time.monotonic() < deadline, "no render started"
        time.sleep(0.01)


def _until_workers(served: Serving, timeout: float) -> None:
    """Wait until the render's worker processes run (the server's grandchildren)."""
    deadline = time.monotonic() + timeout
    while not descendants(served.proc.pid) - children(served.proc.pid):
        assert time.monotonic() < deadline, "no render workers"
        time.sleep(0.01)


def _until(served: Serving, phase: str, timeout: float) -> None:
    """Wait until the page is told ``phase`` ("verifying": with snippets being run)."""
    deadline = time.monotonic() + timeout
    for state in served.states():
        if state["phase"] == phase and (phase != "verifying" or state["verifying"]):
            return
        assert time.monotonic() < deadline, state
    raise AssertionError("the events stream ended")


def _stops_cleanly(served: Serving, tmp: Path, group: bool = False) -> None:
    """Ctrl-C now (at a terminal: pressed twice, as the impatient do): exit 0 within
    seconds, nothing printed but "stopped", no process left, the served folder gone."""
    under = descendants(served.proc.pid)
    try:
        took = served.interrupt(timeout=60, group=group, presses=2 if group else 1)
    finally:
        served.close()
    assert served.proc.returncode == 0, served.stderr
    assert took < PROMPT, took
    assert served.stderr.strip().splitlines()[-1:] == ["stopped"], served.stderr
    assert "Traceback" not in served.stderr, served.stderr
    deadline = time.monotonic() + 10
    while alive(under) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(under) == set()
    assert not list(tmp.glob("qbank-serve-*"))
    with pytest.raises(OSError):
        served.get("/", timeout=5)


TO = pytest.mark.parametrize("group", [False, True], ids=["server", "terminal"])


@TO
def test_at_once(tmp_path: Path, group: bool) -> None:
    served, tmp = _start(write_bank(tmp_path / "bank", LARGE), tmp_path)
    _stops_cleanly(served, tmp, group)


@pytest.mark.parametrize("after", [0.5, 1.5])
def test_while_the_first_build_reads_the_bank(tmp_path: Path, after: float) -> None:
    served, tmp = _start(write_bank(tmp_path / "bank", LARGE), tmp_path)
    time.sleep(after)
    _stops_cleanly(served, tmp)


@TO
def test_while_the_first_build_renders(tmp_path: Path, group: bool) -> None:
    served, tmp = _start(write_bank(tmp_path / "bank", LARGE), tmp_path)
    _until_rendering(tmp, set(), timeout=120)
    _until_workers(served, timeout=60)
    time.sleep(0.3)
    _stops_cleanly(served, tmp, group)


@pytest.mark.parametrize(
    ("after", "group"),
    [(0.0, False), (2.0, False), (4.0, False), (4.0, True)],
    ids=["sandbox-starting", "at-2s", "snippet-running", "snippet-running-terminal"],
)
def test_while_the_first_build_verifies(tmp_path: Path, after: float, group: bool) -> None:
    served, tmp = _start(_snippet_bank(tmp_path / "bank", 60), tmp_path)
    _until(served, "verifying", timeout=60)
    time.sleep(after)
    _stops_cleanly(served, tmp, group)


def _rebuilding(tmp_path: Path) -> tuple[Serving, Path, set[Path]]:
    """A server whose first build is in, just after a save; the renders before it."""
    bank = write_bank(tmp_path / "bank", LARGE)
    served, tmp = _start(bank, tmp_path)
    served.wait_for_page("/generated/p0000/practice.html", lambda _: True, timeout=180)
    before = _renders(tmp)
    save(bank / "generated" / "p0001.yaml", "Generated question 10\n", "Edited question 10\n")
    return served, tmp, before


def test_while_a_rebuild_reads_the_bank(tmp_path: Path) -> None:
    served, tmp, _ = _rebuilding(tmp_path)
    time.sleep(0.5)
    _stops_cleanly(served, tmp)


@TO
def test_while_a_rebuild_renders(tmp_path: Path, group: bool) -> None:
    served, tmp, before = _rebuilding(tmp_path)
    _until_rendering(tmp, before, timeout=60)
    _stops_cleanly(served, tmp, group)


@pytest.mark.parametrize("after", [0.0, 4.0])
def test_while_a_rebuild_verifies(tmp_path: Path, after: float) -> None:
    bank = _snippet_bank(tmp_path / "bank", 0)
    served, tmp = _start(bank, tmp_path)
    _until(served, "ready", timeout=120)
    save(bank / "generated" / "slow.yaml", "time.sleep(0)", "time.sleep(60)")
    _until(served, "verifying", timeout=60)
    time.sleep(after)
    _stops_cleanly(served, tmp)


@TO
def test_while_idle(tmp_path: Path, group: bool) -> None:
    served, tmp = _start(write_bank(tmp_path / "bank", 20), tmp_path)
    served.wait_for_page("/generated/p0000/practice.html", lambda _: True, timeout=120)
    time.sleep(0.5)
    _stops_cleanly(served, tmp, group)
