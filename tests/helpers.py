"""Run the command line in-process and read back what it printed."""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.__main__ import main

SAMPLES = Path(__file__).parent / "samples"
ROOT = Path(__file__).parent.parent
_LINE = re.compile(
    r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<status>[a-z-]+): (?P<msg>.*)$"
)


@dataclass(frozen=True)
class Problem:
    """One ``FILE:LINE:COLUMN: status: message`` line."""

    file: str
    line: int
    column: int
    status: str
    message: str


@dataclass(frozen=True)
class Run:
    """Exit code and output of one ``qbank`` call."""

    code: int
    out: str
    err: str

    def problems(self) -> list[Problem]:
        """Every diagnostic line printed on stdout."""
        found = []
        for text in self.out.splitlines():
            match = _LINE.match(text)
            if match:
                found.append(
                    Problem(
                        match["file"],
                        int(match["line"]),
                        int(match["col"]),
                        match["status"],
                        match["msg"],
                    )
                )
        return found


def qbank(*args: str | Path) -> Run:
    """Call ``qbank`` with these arguments."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Run(code, out.getvalue(), err.getvalue())


def sample(name: str) -> Path:
    """The path of a sample bank or file under tests/samples/."""
    path = SAMPLES / name
    assert path.exists(), f"no sample {name}"
    return path


def processes(match: Callable[[str, bytes], bool]) -> list[int]:
    """Pids of the running processes whose ``/proc`` status text and command line match."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if match(status, cmdline):
                found.append(int(entry))
    return found
