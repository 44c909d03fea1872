"""Report files: the JSON report (schema/report.schema.json) and JUnit XML, written in one swap."""

from __future__ import annotations

import json
import platform
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from generator import __version__
from generator.atomic import replace_file
from generator.errors import Diagnostic
from generator.escape import escape, escape_lines, short, visible
from generator.result import Environment, Outcome, QuestionResult, is_failure

ACTUAL_CAP = 4000
"""Characters of actual output kept in a report record."""
TEXT_CAP = 100_000
"""Characters of a message or an expected output kept in a report record."""
ID_CAP = 1000
"""Characters of an id kept (a real id is a short slug; a broken file's may be anything)."""
# The report schema bounds each field above its cap, so a merge reads back every report
# qbank writes; keep the two in step.


def _capped(text: str, cap: int) -> str:
    if len(text) <= cap:
        return text
    return text[:cap] + f"\n... [{len(text) - cap} more characters]"


def _id(text: str) -> str:
    return short(text, ID_CAP)


def _environment(env: Environment | None) -> dict[str, Any] | None:
    if env is None:
        return None
    return {"python": env.python, "modules": dict(env.modules)}


def _record(r: QuestionResult) -> dict[str, Any]:
    return {
        "pattern": _id(r.pattern),
        "question": _id(r.question),
        "file": escape(r.location.file),
        "line": r.location.line,
        "column": r.location.column,
        "status": r.status,
        "message": _capped(escape_lines(r.message), TEXT_CAP),
        "expected": None if r.expected is None else _capped(r.expected, TEXT_CAP),
        "actual": None if r.actual is None else _capped(r.actual, ACTUAL_CAP),
        "outputs": [o[:ACTUAL_CAP] for o in r.outputs],
        "duration_s": round(r.duration_s, 4),
        "cached": r.cached,
        "executed": r.executed,
        "environment": _environment(r.environment),
    }


def _diagnostic(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": escape(d.location.file),
        "line": d.location.line,
        "column": d.location.column,
        "status": d.status,
        "message": _capped(escape_lines(d.message), TEXT_CAP),
        "pattern": None if d.pattern is None else _id(d.pattern),
        "question": None if d.question is None else _id(d.question),
    }


def to_json(outcome: Outcome) -> dict[str, Any]:
    """The machine-readable report (schema/report.schema.json)."""
    return {
        "tool": "qbank",
        "version": __version__,
        "command": outcome.command,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "strict": outcome.strict,
        "shard": {"k": outcome.shard[0], "n": outcome.shard[1]} if outcome.shard else None,
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            **({"limits": outcome.limits} if outcome.limits else {}),
        },
        "summary": outcome.summary(),
        "results": [_record(r) for r in outcome.results],
        "diagnostics": [_diagnostic(d) for d in outcome.diagnostics],
    }


def write_json(outcome: Outcome, path: Path) -> None:
    """Write the JSON report to ``path``."""
    _write(path, json.dumps(to_json(outcome), indent=2, ensure_ascii=False) + "\n")


def write_junit(outcome: Outcome, path: Path) -> None:
    """JUnit XML: one testcase per question, one suite per pattern."""
    suites = ET.Element("testsuites", name="qbank")
    by_pattern: dict[str, list[QuestionResult]] = {}
    for r in outcome.results:
        by_pattern.setdefault(r.pattern, []).append(r)
    loose = [d for d in outcome.diagnostics if d.question is None]
    for pattern, results in by_pattern.items():
        suite = ET.SubElement(suites, "testsuite", name=escape(pattern), tests=str(len(results)))
        failures = skipped = 0
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=escape(pattern),
                name=escape(r.question),
                file=escape(r.location.file),
                line=str(r.location.line),
                time=f"{r.duration_s:.3f}",
            )
            text = f"{r.location}: {r.status}: {r.message}"
            if r.status == "missing-requirement" and not outcome.strict:
                ET.SubElement(case, "skipped", message=visible(r.message, 1000))
                skipped += 1
            elif is_failure(r.status, strict=outcome.strict):
                failure = ET.SubElement(
                    case, "failure", message=visible(r.message, 1000), type=r.status
                )
                actual = f"\nactual:\n{r.actual}" if r.actual else ""
                failure.text = visible(text + actual, ACTUAL_CAP)
                failures += 1
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
    if loose:
        suite = ET.SubElement(suites, "testsuite", name="files", tests=str(len(loose)))
        suite.set("failures", str(len(loose)))
        for d in loose:
            case = ET.SubElement(
                suite,
                "testcase",
                classname="files",
                name=str(d.location),
                file=escape(d.location.file),
            )
            ET.SubElement(
                case, "failure", message=visible(d.message, 1000), type=d.status
            ).text = visible(str(d))
    ET.indent(suites)
    _write(path, ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n")


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in one swap; no temp file is left behind on failure."""
    # Every field is escaped already; backslashreplace is the last guard, so a report
    # is never lost to a character UTF-8 cannot hold.
    replace_file(path, text.encode("utf-8", errors="backslashreplace"))
