"""Incremental builds: `qbank build` whole-process on a generated bank, warm caches,
after no change and after one question changed, against a clean build of the same bank."""

from __future__ import annotations

import re
from pathlib import Path

from bench import site as site_bench
from bench.measure import Figure, qbank, timed


def _change_one(bank: Path, n: int) -> None:
    """A new title for the bank's first question (a different one on every call)."""
    file = bank / "generated" / "p0000.yaml"
    text = file.read_text()
    title = f"title: Edited ({n}) question 0 about"
    edited = re.sub(r"title: [^\n]*question 0 about", title, text, count=1)
    if edited == text:
        raise RuntimeError(f"{file}: the edit changed nothing")
    file.write_text(edited)


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

        clean = timed(lambda: build(("--no-cache",)))
        build()  # fills the memo and the page manifest
        label = f"clean `qbank build` of the same {count:,} questions"
        if count == 5_000:
            unchanged = min(timed(build) for _ in range(3))
            figures.append(
                Figure(
                    f"rebuild {count:,} questions, nothing changed",
                    unchanged,
                    clean,
                    label,
                    "≤ 1.0 s",
                )
            )
        changed = []
        for n in range(3):
            _change_one(bank, n)
            changed.append(timed(build))
        target = "≤ 0.5 s" if count == 5_000 else "≤ 2 s"
        figures.append(
            Figure(
                f"rebuild {count:,} questions, one question changed",
                min(changed),
                clean,
                label,
                target,
            )
        )
    return figures
