"""What a run tells people and machines: terminal lines, JSON report, JUnit XML, GitHub
annotations, the merge of shard reports, and verify's progress while snippets run.

Everything here reads one :class:`~generator.result.Outcome` (per-question results
and diagnostics) and knows no stage of the pipeline.
"""

from __future__ import annotations

import json
import sys
from typing import TextIO

from generator.report.files import to_json, write_json, write_junit
from generator.report.github import print_github
from generator.report.merge import merge
from generator.report.progress import ProgressDisplay
from generator.report.terminal import print_text, summary_line
from generator.result import Outcome

__all__ = [
    "ProgressDisplay",
    "emit",
    "merge",
    "print_github",
    "print_text",
    "summary_line",
    "to_json",
    "write_json",
    "write_junit",
]


def emit(outcome: Outcome, fmt: str, stream: TextIO | None = None) -> None:
    """Print the outcome in the chosen ``--format`` (on stdout by default)."""
    stream = stream or sys.stdout
    if fmt == "json":
        json.dump(to_json(outcome), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    elif fmt == "github":
        print_github(outcome, stream)
    else:
        print_text(outcome, stream)
