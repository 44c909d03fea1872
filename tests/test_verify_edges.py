"""verify at its edges: a server killed by an import, Ctrl-C, and output that is large."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, processes, qbank, sample

PYTHON = Path(sys.prefix) / "bin" / "python"


def test_a_module_that_kills_its_server_gives_crashed_with_the_reason(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [str(PYTHON), "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
    )
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    killer = venv / "lib" / version / "site-packages" / "qbank_dies_on_import.py"
    # A fault, as an illegal instruction is: it kills even a pid namespace's init.
    killer.write_text("import ctypes\nctypes.string_at(0)\n")
    bank = tmp_path / "bank"
    (bank / "topic").mkdir(parents=True)
    (bank / "topic" / "dies-on-import.yaml").write_text(
        sample("dies-on-import/topic/dies-on-import.yaml").read_text()
    )
    report = tmp_path / "report.json"
    run = qbank("verify", bank, "--report", report, "--python", venv / "bin" / "python")
    records = {r["question"]: r for r in json.loads(report.read_text())["results"]}
    assert run.code == 1, run.err
    assert records["plain"]["status"] == "ok"
    crashed = records["needs-the-killer"]
    assert crashed["status"] == "crashed"
    assert (
        "the server that imports qbank_dies_on_import was killed by SIGSEGV" in crashed["message"]
    )
    assert "dies-on-import.yaml:" in run.out


def test_ctrl_c_stops_at_once_kills_every_snippet_and_reports_what_finished(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            str(PYTHON),
            "-m",
            "generator",
            "verify",
            str(sample("sleeps.yaml")),
            "--report",
            str(report),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        # Wait until both sleepers run (seen for half a second: the quick one is done by then).
        deadline, steady = time.monotonic() + 60, 0
        while time.monotonic() < deadline and steady < 5:
            steady = steady + 1 if len(_sleepers()) == 2 else 0
            time.sleep(0.1)
        assert steady == 5, "the two sleepers did not start"
        proc.send_signal(signal.SIGINT)
        # The snippets sleep 100 s with a 120 s limit: ending long before is stopping them.
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130, err
    assert b"interrupted; 2 questions not verified" in err
    records = {r["question"]: r["status"] for r in json.loads(report.read_text())["results"]}
    assert records == {"quick": "ok"}
    assert _sleepers() == []


@pytest.mark.parametrize("delay", [0.0, 0.15, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0])
def test_ctrl_c_at_any_moment_under_load_stops_qbank(tmp_path: Path, delay: float) -> None:
    """Issue 16: a SIGINT at start-up, while the servers start, mid-run or while reporting,
    with both cores busy, stops qbank and every snippet (it once ran on for 100 s when
    the signal came while a server was starting: that server then ran a sleeper)."""
    busy = [subprocess.Popen([str(PYTHON), "-c", "while True: pass"]) for _ in range(2)]
    proc = subprocess.Popen(
        [str(PYTHON), "-m", "generator", "verify", str(sample("sleeps.yaml")), "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    try:
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        # The sleepers sleep 100 s under a 120 s limit: ending long before is stopping them.
        _, err = proc.communicate(timeout=40)
    finally:
        proc.kill()
        proc.wait()
        for hog in busy:
            hog.kill()
            hog.wait()
    if b"Traceback" in err:
        # Python's own start-up was interrupted (finding or compiling qbank's entry
        # module) before a line of qbank ran: Python prints that, as for any program.
        assert err.rstrip().endswith(b"KeyboardInterrupt"), err
        assert b"generator/" not in err, err  # no frame of qbank's own code
        assert proc.returncode in (1, -signal.SIGINT), err
    else:  # -SIGINT: before Python's handler is set, or Python ending as the signal asks
        assert proc.returncode in (130, -signal.SIGINT), err
    deadline = time.monotonic() + 10
    while _sleepers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sleepers() == []


def test_a_server_still_starting_at_ctrl_c_runs_nothing(tmp_path: Path) -> None:
    """Issue 16's window: Ctrl-C while a server imports its modules. Before, the server
    finished starting after the stop and then ran its snippet to the end (here 60 s)."""
    from generator.sandbox import Limits, Sandbox

    venv = tmp_path / "venv"
    subprocess.run(
        [str(PYTHON), "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
        check=True,
    )
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    slow = venv / "lib" / version / "site-packages" / "qbank_slow_import.py"
    slow.write_text("import time\ntime.sleep(3)\n")
    box = Sandbox(str(venv / "bin" / "python"))
    got: list[object] = []
    worker = threading.Thread(
        target=lambda: got.append(
            box.run(
                "import time\ntime.sleep(60)", Limits(timeout=90), preload=("qbank_slow_import",)
            )
        )
    )
    started = time.monotonic()
    worker.start()
    time.sleep(1)  # the server is importing
    box.kill()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the run went on after the stop"
    assert time.monotonic() - started < 30
    (result,) = got
    assert getattr(result, "sandbox_error", None), result


def _sleepers() -> list[int]:
    """The `sleep 100.4242` processes of the snippets of tests/samples/sleeps.yaml."""
    return processes(lambda _status, cmdline: cmdline == b"sleep\x00100.4242\x00")


def test_memory_stays_flat_when_runs_print_a_lot(tmp_path: Path) -> None:
    """20 questions × 10 runs × 1 MB of identical output: kept once per question."""
    question = """
  - id: big-{i}
    mode: practice
    type: predict-output
    difficulty: easy
    title: Prints a megabyte
    prompt: What does it print?
    code: |
      print("x" * 1_000_000)
      print({i})
    choices:
      - text: "{i}"
        correct: true
      - "-1"
    verify:
      match: last-line
      runs: 10
"""
    bank = tmp_path / "big-outputs.yaml"
    head = "id: big-outputs\ntitle: big-outputs\ntopic: Samples\nquestions:"
    bank.write_text(head + "".join(question.format(i=i) for i in range(20)))
    probe = (
        "import sys, tracemalloc\n"
        "from generator.__main__ import main\n"
        "tracemalloc.start()\n"
        "code = main(sys.argv[1:])\n"
        "print(tracemalloc.get_traced_memory()[1] >> 20)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [str(PYTHON), "-c", probe, "verify", str(bank), "--no-cache", "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak_mb = int(done.stdout.strip().splitlines()[-1])
    # 200 MB of output went through; what Python holds at its peak is a small part of it
    # (memory the allocator keeps after a free is not counted: that is not qbank's doing).
    assert peak_mb < 60, peak_mb


def test_all_cached_needs_no_sandbox_and_a_change_does(tmp_path: Path) -> None:
    """With every run cached (and the interpreter's probe remembered), verify starts no
    sandbox: it passes even where bubblewrap cannot be found; a changed snippet needs one."""
    bank = tmp_path / "verified-ok.yaml"
    bank.write_text(sample("verified-ok.yaml").read_text())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = [str(PYTHON), "-m", "generator", "verify", str(bank)]
    first = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 0, first.stderr
    no_bwrap = tmp_path / "bin"
    no_bwrap.mkdir()
    blind = {**env, "PATH": str(no_bwrap)}  # no bwrap to be found
    second = subprocess.run(argv, capture_output=True, text=True, env=blind, check=False)
    assert second.returncode == 0, second.stderr
    assert "5 ok (5 from cache)" in second.stdout
    bank.write_text(bank.read_text().replace("print(sum(range(5)))", "print(sum(range(4)) + 4)"))
    third = subprocess.run(argv, capture_output=True, text=True, env=blind, check=False)
    assert third.returncode == 2
    assert "bubblewrap (bwrap) is not installed" in third.stderr
