"""What a run tells people and machines: terminal lines, JSON report, JUnit XML, GitHub annotations.

Everything here works from the same two lists: per-question results and
diagnostics (content problems not tied to a run).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from generator import __version__
from generator.errors import Diagnostic, Location, ToolError
from generator.escape import escape, escape_lines
from generator.model import QuestionRef
from generator.result import STATUSES, Environment, QuestionResult, is_failure
from generator.verify.normalize import visible

ACTUAL_CAP = 4000
"""Characters of actual output kept in a report record."""

_COLOURS = {"ok": "32", "missing-requirement": "33"}


@dataclass
class Outcome:
    """A command's results, diagnostics and how it ran."""

    command: str
    results: list[QuestionResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    strict: bool = False
    isolation: str = ""
    shard: tuple[int, int] | None = None
    """``--shard K/N`` of the run, so a merge can tell when a shard is missing."""
    limits: dict[str, Any] | None = None
    """The limits snippets ran under (operator caps and per-run limits), when any ran."""

    def problems(self) -> list[Diagnostic]:
        """Every line worth printing: diagnostics, then results that are not ok, in file order."""
        lines = list(self.diagnostics)
        seen = {(d.location, d.message) for d in lines}
        for r in self.results:
            if r.status != "ok" and (r.location, r.message) not in seen:
                lines.append(Diagnostic(r.location, r.status, r.message, r.pattern, r.question))
        return sorted(lines, key=lambda d: (d.location.file, d.location.line, d.location.column))

    def failed(self) -> bool:
        """Whether the content fails: exit code 1."""
        statuses = [d.status for d in self.diagnostics] + [r.status for r in self.results]
        return any(is_failure(s, strict=self.strict) for s in statuses)

    def summary(self) -> dict[str, Any]:
        """Counts of questions by status, and of problems."""
        counts = Counter(r.status for r in self.results)
        return {
            "questions": len(self.results),
            "executed": sum(1 for r in self.results if r.executed),
            "cached": sum(1 for r in self.results if r.cached),
            "by_status": {s: counts[s] for s in STATUSES if counts[s]},
            "problems": len(self.problems()),
            "failed": self.failed(),
        }


def _use_colour(stream: TextIO) -> bool:
    return "NO_COLOR" not in os.environ and stream.isatty()


def _line(d: Diagnostic, colour: bool) -> str:
    if not colour:
        return str(d)
    code = _COLOURS.get(d.status, "31")
    head, _, rest = str(d).partition(f": {d.status}: ")
    return f"\033[1m{head}:\033[0m \033[{code}m{d.status}\033[0m: {rest}"


def summary_line(outcome: Outcome) -> str:
    """``10 questions: 8 ok, 2 invalid; 3 problems``."""
    summary = outcome.summary()
    parts = [f"{n} {status}" for status, n in summary["by_status"].items()]
    text = f"{summary['questions']} questions"
    text += f": {', '.join(parts)}" if parts else ""
    if summary["cached"]:
        text += f" ({summary['cached']} from cache)"
    problems = summary["problems"]
    return text + (f"; {problems} problem{'s' * (problems != 1)}" if problems else "; no problems")


def print_text(outcome: Outcome, stream: TextIO) -> None:
    """Every problem as ``FILE:LINE:COLUMN: status: message [pattern/question]``, then a summary."""
    colour = _use_colour(stream)
    for d in outcome.problems():
        print(_line(d, colour), file=stream)
    print(summary_line(outcome), file=stream)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def print_github(outcome: Outcome, stream: TextIO) -> None:
    """GitHub Actions workflow commands: one annotation per problem."""
    for d in outcome.problems():
        level = "error" if is_failure(d.status, strict=outcome.strict) else "warning"
        loc = d.location
        props = f"file={_escape_property(escape(loc.file))},line={loc.line},col={loc.column}"
        title = escape(f"qbank {d.status}" + (f" [{d.subject}]" if d.subject else ""))
        message = _escape_data(escape_lines(d.message))
        print(f"::{level} {props},title={_escape_property(title)}::{message}", file=stream)
    print(summary_line(outcome), file=stream)


def _environment(env: Environment | None) -> dict[str, Any] | None:
    if env is None:
        return None
    return {"python": env.python, "modules": dict(env.modules), "isolation": env.isolation}


def _record(r: QuestionResult) -> dict[str, Any]:
    actual = r.actual
    if actual is not None and len(actual) > ACTUAL_CAP:
        actual = actual[:ACTUAL_CAP] + f"\n... [{len(r.actual or '') - ACTUAL_CAP} more characters]"
    return {
        "pattern": escape(r.pattern),
        "question": escape(r.question),
        "file": escape(r.location.file),
        "line": r.location.line,
        "column": r.location.column,
        "status": r.status,
        "message": escape_lines(r.message),
        "expected": r.expected,
        "actual": actual,
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
        "message": escape_lines(d.message),
        "pattern": None if d.pattern is None else escape(d.pattern),
        "question": None if d.question is None else escape(d.question),
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
            "isolation": outcome.isolation,
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
    data = text.encode("utf-8", errors="backslashreplace")
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        name = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        tmp = name
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise ToolError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


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


def _result_from(record: dict[str, Any]) -> QuestionResult:
    env = record.get("environment")
    environment = (
        Environment(
            python=env["python"],
            modules=tuple(sorted(env.get("modules", {}).items())),
            isolation=env.get("isolation", ""),
        )
        if env
        else None
    )
    return QuestionResult(
        pattern=record["pattern"],
        question=record["question"],
        location=Location(record["file"], record["line"], record.get("column", 1)),
        status=record["status"],
        message=record.get("message", ""),
        expected=record.get("expected"),
        actual=record.get("actual"),
        outputs=tuple(record.get("outputs", ())),
        duration_s=record.get("duration_s", 0.0),
        cached=record.get("cached", False),
        executed=record.get("executed", False),
        environment=environment,
    )


def _diagnostic_from(record: dict[str, Any]) -> Diagnostic:
    return Diagnostic(
        Location(record["file"], record["line"], record.get("column", 1)),
        record["status"],
        record["message"],
        record.get("pattern"),
        record.get("question"),
    )


def merge(paths: Sequence[Path]) -> Outcome:
    """Merge shard reports into one outcome (a question reported twice keeps the last record)."""
    results: dict[tuple[str, str], QuestionResult] = {}
    diagnostics: dict[tuple[str, int, int, str], Diagnostic] = {}
    strict = False
    isolations: set[str] = set()
    commands: set[str] = set()
    shards: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            shard = data.get("shard")
            shards.append((int(shard["k"]), int(shard["n"])) if shard else None)
            commands.add(data["command"])
            strict = strict or bool(data.get("strict"))
            isolations.add(data.get("environment", {}).get("isolation", ""))
            for record in data["results"]:
                result = _result_from(record)
                results[(result.pattern, result.question)] = result
            for record in data.get("diagnostics", []):
                d = _diagnostic_from(record)
                diagnostics[(d.location.file, d.location.line, d.location.column, d.message)] = d
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ToolError(f"cannot read report {path}: {exc}") from exc
    _check_shards(shards)
    return Outcome(
        command="+".join(sorted(commands)) or "merge",
        results=list(results.values()),
        diagnostics=list(diagnostics.values()),
        strict=strict,
        isolation=", ".join(sorted(i for i in isolations if i)),
    )


def _check_shards(shards: list[tuple[int, int] | None]) -> None:
    """A merge of shard reports must hold each of the N shards exactly once."""
    given = [s for s in shards if s is not None]
    if not given:
        return
    if len(given) < len(shards):
        raise ToolError("cannot merge a sharded report with an unsharded one")
    counts = {n for _, n in given}
    if len(counts) != 1:
        raise ToolError(f"reports come from different shard counts: {sorted(counts)}")
    n = counts.pop()
    ks = sorted(k for k, _ in given)
    missing = sorted(set(range(1, n + 1)) - set(ks))
    twice = sorted({k for k in ks if ks.count(k) > 1})
    if missing or twice:
        parts = [f"missing shard {', '.join(f'{k}/{n}' for k in missing)}"] if missing else []
        parts += [f"shard {', '.join(f'{k}/{n}' for k in twice)} given twice"] if twice else []
        raise ToolError("incomplete set of shard reports: " + "; ".join(parts))


def results_for_validation(
    refs: Iterable[QuestionRef],
    diagnostics: Sequence[Diagnostic],
    unloaded: Iterable[QuestionRef] = (),
) -> list[QuestionResult]:
    """One record per question after validation: ``invalid`` with its first problem (or,
    for a question of a file that could not be used, that file's first problem), else ``ok``."""
    first: dict[tuple[str | None, str | None], Diagnostic] = {}
    by_file: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first.setdefault((d.pattern, d.question), d)
        by_file.setdefault(d.location.file, d)
    skipped = set(unloaded)
    results = []
    for ref in refs:
        found = first.get((ref.pattern, ref.question)) or first.get((ref.pattern, None))
        if found is None and ref in skipped and ref.location.file in by_file:
            cause = by_file[ref.location.file]
            found = Diagnostic(
                ref.location,
                "invalid",
                f"not checked: its file has a problem at {cause.location}",
                ref.pattern,
                ref.question,
            )
        if found is None:
            results.append(QuestionResult(ref.pattern, ref.question, ref.location, "ok"))
        else:
            results.append(
                QuestionResult(ref.pattern, ref.question, found.location, "invalid", found.message)
            )
    return results
