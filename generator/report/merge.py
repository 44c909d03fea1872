"""Merging the JSON reports of CI shards into one outcome (each shard K/N exactly once).

Every report is checked against the report schema first (:mod:`.readback`), so the
records below hold the types and bounds the schema states.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.errors import Diagnostic, Location, ToolError
from generator.escape import escape
from generator.report.readback import read_report
from generator.result import Environment, Outcome, QuestionResult


def _result_from(record: dict[str, Any]) -> QuestionResult:
    env = record.get("environment")
    environment = (
        Environment(
            python=env["python"],
            modules=tuple(sorted(env.get("modules", {}).items())),
        )
        if env
        else None
    )
    return QuestionResult(
        pattern=record["pattern"],
        question=record["question"],
        location=_location(record),
        status=record["status"],
        message=record.get("message", ""),
        expected=record.get("expected"),
        actual=record.get("actual"),
        outputs=tuple(record.get("outputs", ())),
        duration_s=float(record.get("duration_s", 0.0)),
        cached=record.get("cached", False),
        executed=record.get("executed", False),
        environment=environment,
    )


def _location(record: dict[str, Any]) -> Location:
    # int(): JSON Schema counts 3.0 as a whole number.
    return Location(record["file"], int(record["line"]), int(record.get("column", 1)))


def _diagnostic_from(record: dict[str, Any]) -> Diagnostic:
    return Diagnostic(
        _location(record),
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
    commands: set[str] = set()
    shards: list[tuple[int, int] | None] = []
    for path in paths:
        data = read_report(path)
        shards.append(_shard(data, path))
        commands.update(data["command"].split("+"))  # a merged report merged again
        strict = strict or bool(data.get("strict"))
        for record in data["results"]:
            result = _result_from(record)
            results[(result.pattern, result.question)] = result
        for record in data.get("diagnostics", []):
            d = _diagnostic_from(record)
            diagnostics[(d.location.file, d.location.line, d.location.column, d.message)] = d
    _check_shards(shards)
    return Outcome(
        command="+".join(sorted(commands)) or "merge",
        results=list(results.values()),
        diagnostics=list(diagnostics.values()),
        strict=strict,
    )


def _shard(data: dict[str, Any], path: Path) -> tuple[int, int] | None:
    """The report's ``--shard K/N`` (the schema bounds N; K past N is refused here)."""
    shard = data.get("shard")
    if shard is None:
        return None
    k, n = int(shard["k"]), int(shard["n"])
    if k > n:
        raise ToolError(f"report {escape(str(path))} claims shard {k}/{n}: K is past N")
    return k, n


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
