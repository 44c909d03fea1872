"""A bank from a stranger cannot touch the host, another question, or a verdict.

Each test is one attack of issue 7, run through `qbank verify` as CI runs it, with
the bank copied under /tmp, under the home folder and under /var/tmp: nothing may
depend on where the checkout or the bank lives. Host files and sockets the attacks
aim at are placed outside /tmp, so "hidden by the sandbox's /tmp" cannot pass for
"refused".
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import string
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import ROOT, qbank, sample

TRUST = "trust"
PYTHON = Path(sys.prefix) / "bin" / "python"
WHERE = ["/tmp", "home", "/var/tmp"]


@pytest.fixture(params=WHERE)
def bank_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """An empty folder for a bank: under /tmp, the home folder or /var/tmp."""
    if request.param == "/tmp":
        folder = tmp_path / "bank"
    else:
        base = Path.home() if request.param == "home" else Path(request.param)
        folder = base / f".qbank-trust-{uuid.uuid4().hex[:8]}" / "bank"
    (folder / "trust").mkdir(parents=True)
    try:
        yield folder
    finally:
        shutil.rmtree(folder if request.param == "/tmp" else folder.parent, ignore_errors=True)


def _verify(bank_file: Path, tmp_path: Path, *args: str) -> tuple[int, dict[str, dict], dict]:  # type: ignore[type-arg]
    report = tmp_path / "report.json"
    run = qbank("verify", bank_file, "--report", report, *args)
    data = json.loads(report.read_text())
    return run.code, {r["question"]: r for r in data["results"]}, data


def _copy(name: str, bank_dir: Path) -> Path:
    target = bank_dir / TRUST / name
    shutil.copy(sample(f"{TRUST}/{name}"), target)
    return target


@pytest.mark.parametrize("server", ["one", "plain"])
def test_one_question_cannot_change_another(bank_dir: Path, tmp_path: Path, server: str) -> None:
    """Server memory, its socket and stdout are out of reach, and nothing survives a run:
    no file, /dev/shm segment, SysV object or process. With and without `requires`.

    --jobs 1 makes the later questions follow the attacker onto the same servers.
    """
    bank = _copy(f"{server}-question-against-another.yaml", bank_dir)
    code, results, _ = _verify(bank, tmp_path, "--jobs", "1")
    statuses = {q: (r["status"], r["actual"]) for q, r in results.items()}
    assert statuses["poison"] == (
        "ok",
        "server memory: refused\nserver socket: refused\nserver stdout: refused\nleave state: done",
    ), results["poison"]["message"]
    assert statuses["victim"] == ("wrong-answer", "42")
    assert statuses["clean-slate"] == ("ok", "left behind: [] False False []")
    assert code == 1


@pytest.mark.parametrize("jobs", ["1", "2", "4"])
def test_runs_differ_as_fresh_interpreters_do_whatever_jobs_says(tmp_path: Path, jobs: str) -> None:
    """Issue 17: runs are forked from clean servers, never a new interpreter each, yet the
    runs of one question differ in hash seed, address layout, random state and clock, with
    and without `requires`."""
    code, results, _ = _verify(sample(f"{TRUST}/unstable-per-run.yaml"), tmp_path, "--jobs", jobs)
    assert {q: r["status"] for q, r in results.items()} == dict.fromkeys(results, "unstable")
    assert len(results) == 12
    assert code == 1


def test_every_run_is_a_fresh_interpreter_whatever_jobs_says(tmp_path: Path) -> None:
    """Set order and id() change between runs, in fresh and in warm runs, with --jobs 2."""
    code, results, _ = _verify(sample(f"{TRUST}/fresh-interpreter-per-run.yaml"), tmp_path)
    assert {q: r["status"] for q, r in results.items()} == dict.fromkeys(results, "unstable")
    assert len(results) == 24
    assert code == 1


@pytest.fixture
def host_targets() -> Iterator[tuple[list[str], list[str], list[socket.socket]]]:
    """Secret files and listening sockets in the places a CI machine keeps them."""
    tag = uuid.uuid4().hex[:8]
    outside = Path("/var/tmp") / f"qbank-trust-{tag}"
    outside.mkdir()
    places = [outside, Path.home(), ROOT / "tests"]
    files = ["/etc/shadow", str(ROOT / ".git"), str(Path.home() / ".bashrc")]
    sockets: list[str] = []
    listeners: list[socket.socket] = []
    for i, place in enumerate(places):
        secret = place / f".qbank-secret-{tag}-{i}"
        secret.write_text(f"SECRET-{tag}")
        secret.chmod(0o644)
        files.append(str(secret))
        path = str(place / f".qbank-{tag}-{i}.sock")
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path)
        os.chmod(path, 0o777)
        listener.listen()
        sockets.append(path)
        listeners.append(listener)
    try:
        yield files, sockets, listeners
    finally:
        for listener in listeners:
            listener.close()
        for path in files[3:] + sockets:
            Path(path).unlink(missing_ok=True)
        shutil.rmtree(outside, ignore_errors=True)


def test_host_files_sockets_and_environment_are_out_of_reach(
    bank_dir: Path,
    tmp_path: Path,
    host_targets: tuple[list[str], list[str], list[socket.socket]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files, sockets, listeners = host_targets
    monkeypatch.setenv("QBANK_TRUST_SECRET", "token")
    template = string.Template(sample(f"{TRUST}/host-secrets.yaml").read_text())
    expected = "-" * (len(files) + len(sockets))
    bank = bank_dir / TRUST / "host-secrets.yaml"
    bank.write_text(template.substitute(files=files, sockets=sockets, expected=expected))
    accepted: list[socket.socket] = []

    def watch() -> None:
        for listener in listeners:
            listener.settimeout(0.1)
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])

    code, results, _ = _verify(bank, tmp_path)
    watch()
    result = results["reach-the-host"]
    assert (result["status"], result["actual"]) == ("ok", f"{expected} False"), result["message"]
    assert accepted == []
    assert "SECRET-" not in (tmp_path / "report.json").read_text()
    assert code == 0


def test_a_run_is_bounded_as_a_whole(tmp_path: Path) -> None:
    code, results, data = _verify(sample(f"{TRUST}/bounded-run.yaml"), tmp_path)
    assert {q: (r["status"], r["actual"]) for q, r in results.items()} == {
        "fork-bomb": ("ok", "limited"),
        "fill-memory-disks": ("ok", "bounded bounded"),
    }, [r["message"] for r in results.values()]
    limits = data["environment"]["limits"]
    assert limits["processes"] > 0 and limits["shm_mb"] > 0 and limits["disk_mb"] > 0
    assert code == 0
    # Nothing of the fork bomb is alive once verify has returned.
    leftover = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if Path(f"/proc/{entry}/cmdline").read_bytes() == b"sleep\x0060.4343\x00":
                    leftover.append(entry)
    assert leftover == []


def test_operator_caps_are_above_what_the_bank_asks(tmp_path: Path) -> None:
    bank = sample(f"{TRUST}/operator-caps.yaml")
    code, results, data = _verify(bank, tmp_path, "--max-timeout", "2", "--max-memory", "2048")
    result = results["asks-too-much"]
    assert result["status"] == "timeout"
    assert "timeout capped at 2 s by --max-timeout" in result["message"]
    assert "memory capped at 2048 MB by --max-memory" in result["message"]
    limits = data["environment"]["limits"]
    assert (limits["max_timeout_s"], limits["max_memory_mb"]) == (2, 2048)
    assert code == 1


def _bank_venv(root: Path, site_code: str) -> Path:
    """A venv shipped inside the bank: ``lib`` is a committed link to the host's ``/``,
    and ``lib64`` a real folder whose site-packages runs ``site_code`` (a .pth file)."""
    venv = root / "py"
    real = Path(os.path.realpath(PYTHON))
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(real)
    (venv / "lib").symlink_to("/")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib64" / version / "site-packages"
    site.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(
        f"home = {real.parent}\ninclude-system-site-packages = false\n"
    )
    (site / "evil.pth").write_text(site_code)
    return venv / "bin" / "python"


def test_a_bank_cannot_name_the_interpreter(bank_dir: Path, tmp_path: Path) -> None:
    """Issue 16: `runtime:` in bank.yaml (a venv whose lib links to the host's /, whose
    site-packages wraps print) is refused at its line, and no snippet runs at all."""
    marker = Path("/var/tmp") / f"qbank-ran-{uuid.uuid4().hex[:8]}"
    python = _bank_venv(bank_dir, f"import os; open({str(marker)!r}, 'w').write('ran')\n")
    (bank_dir / "bank.yaml").write_text(f"title: T\nruntime:\n  python: {python}\n")
    shutil.copy(sample("verified-ok.yaml"), bank_dir / TRUST / "verified-ok.yaml")
    report = tmp_path / "report.json"
    try:
        run = qbank("verify", bank_dir, "--report", report)
        assert not marker.exists(), "the bank's interpreter ran"
    finally:
        marker.unlink(missing_ok=True)
    assert run.code == 1, run.err
    problem = next(p for p in run.problems() if p.file.endswith("bank.yaml"))
    assert (problem.line, problem.column, problem.status) == (2, 1, "invalid")
    assert "`runtime` is not read from a bank" in problem.message
    assert "--python" in problem.message and "QBANK_PYTHON" in problem.message
    # The rest is verified as usual, with the operator's interpreter.
    statuses = {r["question"]: r["status"] for r in json.loads(report.read_text())["results"]}
    assert statuses["ok-sum"] == "ok"


@pytest.mark.parametrize("how", ["--python", "QBANK_PYTHON"])
def test_an_interpreter_folder_that_leads_elsewhere_is_never_shown(
    bank_dir: Path, tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even the operator's interpreter: a `lib` that links to `/` is refused, not bound."""
    python = _bank_venv(bank_dir.parent, "")
    shutil.copy(sample("verified-ok.yaml"), bank_dir / TRUST / "verified-ok.yaml")
    if how == "--python":
        run = qbank("verify", bank_dir, "--python", python)
    else:
        monkeypatch.setenv("QBANK_PYTHON", str(python))
        run = qbank("verify", bank_dir)
    assert run.code == 2
    assert f"{bank_dir.parent / 'py' / 'lib'} leads to /: not shown in the sandbox" in run.err


def test_the_operator_chooses_the_interpreter(tmp_path: Path) -> None:
    """`--python` (or QBANK_PYTHON) picks it; a missing one is a tool error, exit 2."""
    missing = qbank("verify", sample("verified-ok.yaml"), "--python", tmp_path / "nope")
    assert missing.code == 2
    assert f"--python: no interpreter at {tmp_path / 'nope'}" in missing.err
    report = tmp_path / "report.json"
    ran = qbank("verify", sample("verified-ok.yaml"), "--python", PYTHON, "--report", report)
    assert ran.code == 0, ran.out
