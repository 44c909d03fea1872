"""Which snippets run, how often, from cache or in parallel → one result per question."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import cache as results_cache
from generator import checks, resources
from generator.errors import ToolError
from generator.model import Bank, Question
from generator.progress import Progress
from generator.result import Environment, QuestionResult
from generator.sandbox import Limits, RunResult, Sandbox, detect_isolation
from generator.snippet import FILENAME, Snippet

#: Run in the snippet's interpreter: its version and the versions of the modules asked for,
#: found without importing them (importing TensorFlow would take seconds).
_PROBE = r"""
import importlib.util, importlib.metadata as md, json, platform, sys
dists = md.packages_distributions()
found = {}
for name in sys.argv[1:]:
    top = name.split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        found[name] = None
        continue
    version = ""
    for dist in dists.get(top, []):
        try:
            version = md.version(dist)
            break
        except md.PackageNotFoundError:
            pass
    found[name] = version or "unknown"
print(json.dumps({"python": platform.python_version(), "modules": found}))
"""


@dataclass(frozen=True)
class Runtime:
    """The interpreter snippets run in and what it has installed."""

    python: str
    version: str
    modules: dict[str, str | None]
    """Module → version, None when not importable."""


@dataclass
class Verified:
    """Results of the executed questions, and the isolation used."""

    results: list[QuestionResult]
    isolation: str


def interpreter(bank: Bank) -> str:
    """The snippet interpreter: ``runtime.python`` of bank.yaml, else the one running qbank."""
    if bank.settings.python is None:
        return sys.executable
    path = Path(bank.settings.python)
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, bank.root.parent / path]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate.absolute())
    raise ToolError(f"runtime.python in bank.yaml: interpreter not found: {bank.settings.python}")


def probe(python: str, modules: set[str]) -> Runtime:
    """Ask the interpreter its version and which modules it can import (no import done)."""
    try:
        done = subprocess.run(
            [python, "-I", "-c", _PROBE, *sorted(modules)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        data = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise ToolError(f"cannot run the snippet interpreter {python}: {exc}") from exc
    return Runtime(python, data["python"], data["modules"])


def _environment(q: Question, runtime: Runtime, isolation: str) -> Environment:
    assert q.verify is not None
    modules = tuple((name, runtime.modules.get(name) or "") for name in q.verify.requires)
    return Environment(runtime.version, modules, isolation)


def _missing(q: Question, runtime: Runtime) -> str | None:
    """Why the question cannot run here, or None."""
    assert q.verify is not None
    absent = [name for name in q.verify.requires if runtime.modules.get(name) is None]
    if absent:
        names = ", ".join(f"`{n}`" for n in absent)
        return f"required module {names} is not importable by {runtime.python}"
    lacking = resources.missing(q)
    if lacking:
        r = lacking[0]
        return (
            f"resource {r.name} is not available offline: {r.path} is missing; "
            "run `qbank fetch` where a network is available"
        )
    return None


def _result(q: Question, **fields: Any) -> QuestionResult:
    return QuestionResult(pattern=q.pattern_id, question=q.id, **fields)


def _run(sandbox: Sandbox, q: Question, env: Environment) -> QuestionResult:
    assert q.verify is not None
    snippet = Snippet.of(q)
    limits = Limits(timeout=q.verify.timeout, memory_mb=q.verify.memory_mb)
    preload = tuple(sorted(q.verify.requires))
    started = time.perf_counter()
    runs: list[RunResult] = []
    for _ in range(q.verify.runs):
        runs.append(sandbox.run(snippet.source, limits, filename=FILENAME, preload=preload))
        if runs[-1].killed == "timeout":
            break  # a second timeout tells nothing new and costs the whole limit again
    verdict = checks.judge(snippet, runs)
    return _result(
        q,
        location=verdict.location,
        status=verdict.status,
        message=verdict.message,
        expected=q.verify.error if q.verify.expect == "error" else q.expected_output,
        actual=verdict.actual,
        outputs=verdict.outputs,
        duration_s=time.perf_counter() - started,
        executed=True,
        environment=env,
    )


def _to_entry(result: QuestionResult) -> dict[str, Any]:
    return {
        "status": result.status,
        "message": result.message,
        "file": result.location.file,
        "line": result.location.line,
        "column": result.location.column,
        "actual": result.actual,
        "outputs": list(result.outputs),
        "duration_s": result.duration_s,
    }


def _from_entry(q: Question, entry: dict[str, Any], env: Environment) -> QuestionResult | None:
    from generator.errors import Location

    try:
        return _result(
            q,
            location=Location(entry["file"], int(entry["line"]), int(entry["column"])),
            status=str(entry["status"]),
            message=str(entry["message"]),
            expected=q.verify.error if q.verify and q.verify.expect == "error" else None,
            actual=entry["actual"],
            outputs=tuple(entry["outputs"]),
            duration_s=float(entry["duration_s"]),
            cached=True,
            executed=True,
            environment=env,
        )
    except (KeyError, TypeError, ValueError):
        return None


#: Statuses that depend on the machine's load or state rather than the snippet: never cached.
_UNCACHED = {"timeout", "missing-requirement"}


def verify_questions(bank: Bank, questions: list[Question], args: argparse.Namespace) -> Verified:
    """Run every executed question (or reuse its cached result) and judge it."""
    executed = [q for q in questions if q.verify is not None]
    if not executed:
        return Verified([], "")
    python = interpreter(bank)
    runtime = probe(python, {name for q in executed for name in q.verify.requires})  # type: ignore[union-attr]
    isolation = detect_isolation()
    store = None if args.no_cache else results_cache.Cache(results_cache.default_dir())
    results: dict[str, QuestionResult] = {}
    pending: list[tuple[Question, str | None, Environment]] = []
    for q in executed:
        assert q.verify is not None
        env = _environment(q, runtime, isolation)
        why = _missing(q, runtime)
        if why is not None:
            location = q.verify.location
            results[q.id] = _result(
                q, location=location, status="missing-requirement", message=why, environment=env
            )
            continue
        digest = None
        if store is not None:
            hashes = {r: resources.resolve(r).digest() for r in q.verify.resources}
            versions = {k: v or "" for k, v in runtime.modules.items()}
            digest = results_cache.key(q, f"{python} {runtime.version}", versions, hashes)
            entry = store.get(digest)
            cached = _from_entry(q, entry, env) if entry else None
            if cached is not None:
                results[q.id] = cached
                continue
        pending.append((q, digest, env))
    if pending:
        _run_all(pending, python, args.jobs, store, results)
    return Verified([results[q.id] for q in executed], isolation)


def _run_all(
    pending: list[tuple[Question, str | None, Environment]],
    python: str,
    jobs: int,
    store: results_cache.Cache | None,
    results: dict[str, QuestionResult],
) -> None:
    keras = resources.keras_models()
    with (
        Sandbox(python, keras_models=keras if keras.is_dir() else None) as sandbox,
        ThreadPoolExecutor(max_workers=jobs) as pool,
        Progress(len(pending)) as progress,
    ):
        futures = {pool.submit(_run, sandbox, q, env): (q, digest) for q, digest, env in pending}
        for future in as_completed(futures):
            q, digest = futures[future]
            result = future.result()
            results[q.id] = result
            progress.advance(result)
            if store is not None and digest is not None and result.status not in _UNCACHED:
                store.put(digest, _to_entry(result))
