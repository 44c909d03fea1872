"""Which snippets run, how often, from cache or in parallel → one result per question."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from generator import cache as results_cache
from generator import checks, resources
from generator.bank import resolve_python
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
    path = resolve_python(bank.settings.python, bank.root)
    if path is None:  # validate reports it with its position; this is a late safety net
        raise ToolError(f"runtime.python in bank.yaml: no interpreter at {bank.settings.python}")
    return str(path)


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
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or "").strip().splitlines()[-3:] or [f"exit code {exc.returncode}"]
        raise ToolError(f"the snippet interpreter {python} failed: {' / '.join(detail)}") from exc
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


#: A warm server that pre-imports nothing heavy: forking a child from it costs about 2 ms
#: against about 15 ms for a fresh interpreter, and its runs look the same to the snippet.
_WARM_PLAIN = ("builtins",)


def _runs(sandbox: Sandbox, q: Question) -> list[RunResult]:
    """Run a question's snippet ``runs`` times, each in a fresh sandboxed process."""
    assert q.verify is not None
    snippet = Snippet.of(q)
    limits = Limits(timeout=q.verify.timeout, memory_mb=q.verify.memory_mb)
    preload = tuple(sorted(q.verify.requires)) or _WARM_PLAIN
    runs: list[RunResult] = []
    for _ in range(q.verify.runs):
        runs.append(sandbox.run(snippet.source, limits, filename=FILENAME, preload=preload))
        if runs[-1].killed == "timeout":
            break  # a second timeout tells nothing new and costs the whole limit again
    return runs


def _judged(q: Question, runs: list[RunResult], env: Environment, cached: bool) -> QuestionResult:
    """The result of a question from its runs (fresh or cached), judged as the question is now."""
    assert q.verify is not None
    verdict = checks.judge(Snippet.of(q), runs)
    return _result(
        q,
        location=verdict.location,
        status=verdict.status,
        message=verdict.message,
        expected=q.verify.error if q.verify.expect == "error" else q.expected_output,
        actual=verdict.actual,
        outputs=verdict.outputs,
        duration_s=sum(run.duration_s for run in runs),
        cached=cached,
        executed=True,
        environment=env,
    )


class _Digests:
    """Content hashes of resource files, computed once per file version per process."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int, int], str] = {}

    def __call__(self, name: str) -> str:
        resource = resources.resolve(name)
        stat = resource.path.stat()
        key = (str(resource.path), stat.st_size, stat.st_mtime_ns)
        if key not in self._known:
            self._known[key] = resource.digest()
        return self._known[key]


_DIGESTS = _Digests()

#: Requirements whose warm server takes seconds to start.
_HEAVY = {"tensorflow", "keras", "torch", "jax"}

#: Outcomes that depend on the machine's load rather than the snippet: never cached.
_UNCACHED_KILLS = {"timeout"}


def verify_questions(bank: Bank, questions: list[Question], args: argparse.Namespace) -> Verified:
    """Run every executed question (or reuse its cached runs) and judge it."""
    executed = [q for q in questions if q.verify is not None]
    if not executed:
        return Verified([], "")
    python = interpreter(bank)
    runtime = probe(python, {name for q in executed for name in q.verify.requires})  # type: ignore[union-attr]
    isolation = detect_isolation()
    store = None if args.no_cache else results_cache.open_default()
    versions = {name: version or "" for name, version in runtime.modules.items()}
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
            hashes = {name: _DIGESTS(name) for name in q.verify.resources}
            digest = results_cache.key(q, f"{python} {runtime.version}", versions, hashes)
            runs = store.get(digest)
            if runs is not None:
                results[q.id] = _judged(q, runs, env, cached=True)
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
    # Slow starters first: their warm servers import while the quick questions run.
    pending = sorted(pending, key=lambda item: not _HEAVY & set(item[0].verify.requires))  # type: ignore[union-attr]
    with (
        Sandbox(python, keras_models=keras if keras.is_dir() else None) as sandbox,
        ThreadPoolExecutor(max_workers=jobs) as pool,
        Progress(len(pending)) as progress,
    ):
        futures = {pool.submit(_runs, sandbox, q): (q, d, env) for q, d, env in pending}
        for future in as_completed(futures):
            q, digest, env = futures[future]
            runs = future.result()
            result = _judged(q, runs, env, cached=False)
            results[q.id] = result
            progress.advance(result)
            if store and digest and not any(r.killed in _UNCACHED_KILLS for r in runs):
                store.put(digest, runs)
