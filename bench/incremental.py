"""Incremental builds: `qbank build` whole-process on a generated bank, warm caches,
after no change and after one question changed, against a clean build of the same bank.

Each figure is the CPU time (user + system) of the qbank process, the best of a few
runs: on a busy machine the wall time also counts the time the process waited for a
core. Each figure's note gives the wall times of its runs (printed as they are measured).
"""

from __future__ import annotations

import re
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import site as site_bench
from bench.measure import Figure, qbank

#: Targets, whole process: (questions, "nothing" or "one") → seconds.
TARGETS = {(5_000, "nothing"): 0.5, (5_000, "one"): 0.5, (50_000, "nothing"): 1, (50_000, "one"): 2}


def _change_one(bank: Path, n: int) -> None:
    """A new title for the bank's first question (a different one on every call)."""
    file = bank / "generated" / "p0000.yaml"
    text = file.read_text()
    title = f"title: Edited ({n}) question 0 about"
    edited = re.sub(r"title: [^\n]*question 0 about", title, text, count=1)
    if edited == text:
        raise RuntimeError(f"{file}: the edit changed nothing")
    file.write_text(edited)


def _times(action: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds of the child processes, wall seconds) that ``action`` took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def measure(work: Path) -> list[Figure]:
    """Clean, unchanged and one-changed builds at 5,000 and 50,000 questions."""
    figures: list[Figure] = []
    for count in (5_000, 50_000):
        root = work / f"incremental-{count}"
        bank = site_bench._bank(root / "bank", count)
        env = {"QBANK_CACHE_DIR": str(root / "cache"), "XDG_CACHE_HOME": str(root / "xdg")}
        out = root / "site"

        def build(flags: tuple[str, ...] = ()) -> None:
            qbank("build", bank, "--out", out, *flags, env=env)  # noqa: B023

        clean, clean_wall = _times(lambda: build(("--no-cache",)))
        build()  # fills the memo and the shelf, and renders what the clean build did not keep
        changes = iter(range(1_000))

        def one() -> None:
            _change_one(bank, next(changes))  # noqa: B023
            build()

        one()  # the first rebuild after a clean one has no spare generation yet
        runs = {
            "nothing": [_times(build) for _ in range(3)],
            "one": [_times(one) for _ in range(3)],
        }
        label = f"clean `qbank build` of the same {count:,} questions (CPU)"
        for what, times in runs.items():
            cpu = min(t[0] for t in times)
            name = "nothing changed" if what == "nothing" else "one question changed"
            target = f"≤ {TARGETS[count, what]} s"
            walls = ", ".join(f"{t[1]:.2f}" for t in times)
            note = f"wall {walls} s (CPU {', '.join(f'{t[0]:.2f}' for t in times)} s)"
            print(f"  {count:,} questions, {name}: {note}", file=sys.stderr)
            figures.append(
                Figure(
                    f"rebuild {count:,} questions, {name} (CPU)", cpu, clean, label, target, note
                )
            )
        print(f"  {count:,} questions, clean: wall {clean_wall:.1f} s", file=sys.stderr)
    return figures
