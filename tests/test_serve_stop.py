"""Ctrl-C stops `qbank serve` at any moment (issue 18): before and during the first
build, while it verifies, during a rebuild, while idle. It exits 0 within seconds,
quietly, with no process left and its served folder removed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.serve_helpers import Serving, alive, descendants, save, write_bank

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
    tmp = work / "tmp"
    tmp.mkdir()
    return Serving(bank, work, env={"TMPDIR": str(tmp)}), tmp


def _snippet_bank(root: Path, seconds: int) -> Path:
    bank = write_bank(root, 20)
    (bank / "generated" / "slow.yaml").write_text(_SNIPPET.format(seconds=seconds))
    return bank


def _until(served: Serving, phase: str, timeout: float) -> None:
    """Wait until the page is told ``phase`` ("verifying": with snippets being run)."""
    deadline = time.monotonic() + timeout
    for state in served.states():
        if state["phase"] == phase and (phase != "verifying" or state["verifying"]):
            return
        assert time.monotonic() < deadline, state
    raise AssertionError("the events stream ended")


def _stops_cleanly(served: Serving, tmp: Path) -> None:
    """Ctrl-C now: exit 0 within seconds, nothing printed but "stopped", no process left,
    the served folder gone."""
    under = descendants(served.proc.pid)
    try:
        took = served.interrupt(timeout=60)
    finally:
        served.close()
    assert served.proc.returncode == 0, served.stderr
    assert took < PROMPT, took
    assert served.stderr.strip().splitlines()[-1:] == ["stopped"], served.stderr
    assert "Traceback" not in served.stderr
    deadline = time.monotonic() + 10
    while alive(under) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive(under) == set()
    assert not [p for p in tmp.iterdir() if p.name.startswith("qbank-serve-")]
    with pytest.raises(OSError):
        served.get("/", timeout=5)


@pytest.mark.parametrize("after", [0.0, 0.5, 1.5, 3.0])
def test_during_the_first_build(tmp_path: Path, after: float) -> None:
    served, tmp = _start(write_bank(tmp_path / "bank", LARGE), tmp_path)
    time.sleep(after)
    _stops_cleanly(served, tmp)


@pytest.mark.parametrize("after", [0.0, 2.0, 4.0])  # the sandbox starting, the snippet running
def test_while_the_first_build_verifies(tmp_path: Path, after: float) -> None:
    served, tmp = _start(_snippet_bank(tmp_path / "bank", 60), tmp_path)
    _until(served, "verifying", timeout=60)
    time.sleep(after)
    _stops_cleanly(served, tmp)


@pytest.mark.parametrize("after", [0.5, 1.0, 2.0])
def test_during_a_rebuild(tmp_path: Path, after: float) -> None:
    bank = write_bank(tmp_path / "bank", LARGE)
    served, tmp = _start(bank, tmp_path)
    served.wait_for_page("/generated/p0000/practice.html", lambda _: True, timeout=180)
    save(bank / "generated" / "p0001.yaml", "Generated question 10\n", "Edited question 10\n")
    time.sleep(after)
    _stops_cleanly(served, tmp)


@pytest.mark.parametrize("after", [0.0, 4.0])
def test_while_a_rebuild_verifies(tmp_path: Path, after: float) -> None:
    bank = _snippet_bank(tmp_path / "bank", 0)
    served, tmp = _start(bank, tmp_path)
    _until(served, "ready", timeout=120)
    save(bank / "generated" / "slow.yaml", "time.sleep(0)", "time.sleep(60)")
    _until(served, "verifying", timeout=60)
    time.sleep(after)
    _stops_cleanly(served, tmp)


def test_while_idle(tmp_path: Path) -> None:
    served, tmp = _start(write_bank(tmp_path / "bank", 20), tmp_path)
    served.wait_for_page("/generated/p0000/practice.html", lambda _: True, timeout=120)
    time.sleep(0.5)
    _stops_cleanly(served, tmp)
