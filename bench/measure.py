"""What every benchmark measures with: a figure against its baseline, a timer, qbank."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PYTHON = sys.executable


@dataclass
class Figure:
    """One measured target: ours against its baseline."""

    name: str
    ours: float
    baseline: float
    baseline_label: str
    target: str
    note: str = ""

    @property
    def ratio(self) -> float:
        """Ours divided by the baseline."""
        return self.ours / self.baseline if self.baseline else float("inf")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def qbank(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run(
        [PYTHON, "-m", "generator", *map(str, args)],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
