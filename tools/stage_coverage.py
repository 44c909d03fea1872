"""Coverage by stage folder: `python -m tools.stage_coverage [--files]` after `make coverage`.

Reads the data pytest-cov combined (``[tool.coverage.run]`` in pyproject.toml) and prints
one line per stage folder of ``generator/`` (validate/, verify/, sandbox/ with the code
that runs in the jail, render/, report/, export/, author/), then markup/, the modules at
the top of the package and the total. A figure counts statements and branches, as
coverage's own total does; ``--files`` adds each file's figure under its stage.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("validate", "verify", "sandbox", "render", "report", "export", "author", "markup")
#: The issue's goal for each stage folder.
GOAL = 90.0


@dataclass
class Tally:
    """Statements and branches of some files, and how many of each the tests ran."""

    statements: int = 0
    run: int = 0
    branches: int = 0
    taken: int = 0

    def add(self, summary: dict[str, int]) -> None:
        """Count one file of coverage's JSON report."""
        self.statements += summary["num_statements"]
        self.run += summary["covered_lines"]
        self.branches += summary.get("num_branches", 0)
        self.taken += summary.get("covered_branches", 0)

    @property
    def percent(self) -> float:
        """Covered statements and branches over all of them, as coverage counts."""
        total = self.statements + self.branches
        return 100.0 * (self.run + self.taken) / total if total else 100.0


def stage_of(path: str) -> str:
    """The stage folder a file of the package belongs to (``(top level)`` for the rest)."""
    parts = Path(path).parts
    at = parts.index("generator")
    inner = parts[at + 1 :]
    return inner[0] if len(inner) > 1 and inner[0] in STAGES else "(top level)"


def tallies(files: dict[str, dict[str, dict[str, int]]]) -> dict[str, dict[str, Tally]]:
    """Per stage: each file's tally, and the stage's own under the key ``""``."""
    found: dict[str, dict[str, Tally]] = {}
    for path, data in sorted(files.items()):
        stage = found.setdefault(stage_of(path), {"": Tally()})
        stage[path] = Tally()
        stage[path].add(data["summary"])
        stage[""].add(data["summary"])
    return found


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 when there is no coverage data."""
    parser = argparse.ArgumentParser(prog="python -m tools.stage_coverage")
    parser.add_argument("--files", action="store_true", help="one line per file too")
    args = parser.parse_args(argv)
    cov = coverage.Coverage(config_file=str(ROOT / "pyproject.toml"))
    cov.load()
    if not cov.get_data().measured_files():
        print("no coverage data: run `make coverage`", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(out))
        files = json.loads(out.read_text())["files"]
    found = tallies(files)
    total = Tally()
    print(f"{'stage':<28} {'statements':>10} {'run':>6} {'branches':>8} {'taken':>6} {'cover':>7}")
    order = [s for s in STAGES if s in found] + ["(top level)"]
    for stage in order:
        rows = found.get(stage, {"": Tally()})
        own = rows[""]
        total.statements += own.statements
        total.run += own.run
        total.branches += own.branches
        total.taken += own.taken
        label = stage if stage == "(top level)" else f"{stage}/"
        below = "  below the goal" if stage in STAGES[:7] and own.percent < GOAL else ""
        print(
            f"{label:<28} {own.statements:>10} {own.run:>6} {own.branches:>8} {own.taken:>6}"
            f" {own.percent:>6.1f}%{below}"
        )
        if args.files:
            for path, tally in rows.items():
                if path:
                    parts = Path(path).parts
                    name = "  " + "/".join(parts[parts.index("generator") + 1 :])
                    print(
                        f"{name:<28} {tally.statements:>10} {tally.run:>6} {tally.branches:>8}"
                        f" {tally.taken:>6} {tally.percent:>6.1f}%"
                    )
    print(
        f"{'total':<28} {total.statements:>10} {total.run:>6} {total.branches:>8}"
        f" {total.taken:>6} {total.percent:>6.1f}%"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
