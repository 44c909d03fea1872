"""Which snippets run, how often, from cache or in parallel → one result per question."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any

from generator.errors import ToolError
from generator.model import Bank, Question
from generator.report.progress import Progress
from generator.result import Environment, QuestionResult
from generator.sandbox import Limits, RunResult, Sandbox
from generator.validate import resolve_python
from generator.verify import cache as results_cache
from generator.verify import checks, resources
from generator.verify.snippet import FILENAME, Snippet

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
    """The interpreter snippets run in and what it has installed (as it says in the jail)."""

    python: str
    version: str
    modules: dict[str, str | None]
    """Module → version, None when not importable."""


@dataclass
class Verified:
    """Results of the executed questions, the isolation used and the limits in force."""

    results: list[QuestionResult]
    isolation: str
    limits: dict[str, Any] | None = None
    interrupted: bool = False
    """Ctrl-C stopped the run: ``results`` holds only the questions that finished."""


def interpreter(bank: Bank) -> str:
    """The snippet interpreter: ``runtime.python`` of bank.yaml, else the one running qbank."""
    if bank.settings.python is None:
        return sys.executable
    path = resolve_python(bank.settings.python, bank.root)
    if path is None:  # validate reports it with its position; this is a late safety net
        raise ToolError(f"runtime.python in bank.yaml: no interpreter at {bank.settings.python}")
    return str(path)


def probe(sandbox: Sandbox, python: str, modules: set[str]) -> Runtime:
    """Ask the interpreter, in the jail, its version and which modules it can import.

    The interpreter may come from the bank, so it never runs on the host.
    """
    source = f"import sys\nsys.argv[1:] = {sorted(modules)!r}\n{_PROBE}"
    run = sandbox.run(source, Limits(timeout=60), filename="qbank-probe.py")
    try:
        data = json.loads(run.stdout)
        version = str(data["python"])
        found = {str(k): (None if v is None else str(v)) for k, v in data["modules"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        detail = (run.sandbox_error or run.stderr).strip().splitlines()[-3:]
        why = " / ".join(detail) or f"exit code {run.returncode}"
        raise ToolError(f"the snippet interpreter {python} failed in the sandbox: {why}") from None
    return Runtime(python, version, found)


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


def _runs(sandbox: Sandbox, q: Question, stop: threading.Event) -> list[RunResult]:
    """Run a question's snippet up to ``runs`` times, each as a fresh learner's ``python``.

    Stops early once the verdict cannot change: at a timeout (a second one costs the
    whole limit again and tells nothing new), at a run the sandbox could not carry
    out, or once two runs disagree (the question is unstable whatever follows).
    Identical outputs are kept once in memory.
    """
    assert q.verify is not None
    snippet = Snippet.of(q)
    limits = Limits(timeout=q.verify.timeout, memory_mb=q.verify.memory_mb)
    preload = tuple(sorted(q.verify.requires))
    runs: list[RunResult] = []
    for _ in range(q.verify.runs):
        if stop.is_set():
            break
        run = sandbox.run(snippet.source, limits, filename=FILENAME, preload=preload)
        if runs and run.stdout == runs[0].stdout and run.stderr == runs[0].stderr:
            run = replace(run, stdout=runs[0].stdout, stderr=runs[0].stderr)
        runs.append(run)
        if run.killed == "timeout" or run.sandbox_error is not None:
            break
        if not checks.same_result(snippet, runs[0], run):
            break
    return runs


def _judged(
    q: Question, runs: list[RunResult], env: Environment, cached: bool, capped: str
) -> QuestionResult:
    """The result of a question from its runs (fresh or cached), judged as the question is now."""
    assert q.verify is not None
    verdict = checks.judge(Snippet.of(q), runs)
    message = verdict.message
    if capped and verdict.status in ("timeout", "crashed") and any(r.killed for r in runs):
        message += f"\n{capped}"
    return _result(
        q,
        location=verdict.location,
        status=verdict.status,
        message=message,
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

#: Outcomes that depend on the machine's load or on the sandbox rather than the snippet.
_UNCACHED_KILLS = {"timeout"}


@dataclass(frozen=True)
class Caps:
    """The operator's ceilings over a bank's limits: ``--max-timeout``, ``--max-memory``."""

    timeout: float
    memory_mb: int

    def apply(self, q: Question) -> tuple[Question, str]:
        """``q`` with its limits capped, and a note saying what was capped ("" if nothing)."""
        assert q.verify is not None
        timeout = min(q.verify.timeout, self.timeout)
        memory = min(q.verify.memory_mb, self.memory_mb)
        notes = []
        if timeout < q.verify.timeout:
            notes.append(f"timeout capped at {timeout:g} s by --max-timeout")
        if memory < q.verify.memory_mb:
            notes.append(f"memory capped at {memory} MB by --max-memory")
        if not notes:
            return q, ""
        capped = replace(q.verify, timeout=timeout, memory_mb=memory)
        return replace(q, verify=capped), "; ".join(notes)

    def report(self, confined: bool) -> dict[str, Any]:
        """The limits in force, for the report's environment (``confined``: with cgroups)."""
        whole = Limits()
        cgroups = (
            "; a memory cgroup (the run's memory, tmpfs included, within memory_mb plus the "
            "tmpfs sizes) and a pids cgroup"
            if confined
            else "; no cgroup here (qbank is not root or the host has no cgroup v1 hierarchies)"
        )
        return {
            "max_timeout_s": self.timeout,
            "max_memory_mb": self.memory_mb,
            "processes": whole.processes,
            "disk_mb": whole.disk_mb,
            "shm_mb": whole.shm_mb,
            "output_bytes": whole.output_bytes,
            "how": (
                "per run: its own pid, mount, IPC, UTS, network and user namespaces; "
                "RLIMIT_CPU, RLIMIT_AS and RLIMIT_FSIZE per process; RLIMIT_NPROC in the "
                "run's own user namespace; sized tmpfs for /tmp and /dev/shm; wall-clock kill"
                + cgroups
            ),
        }


def verify_questions(bank: Bank, questions: list[Question], args: argparse.Namespace) -> Verified:
    """Run every executed question (or reuse its cached runs) and judge it."""
    executed = [q for q in questions if q.verify is not None]
    if not executed:
        return Verified([], "")
    caps = Caps(args.max_timeout, args.max_memory)
    python = interpreter(bank)
    keras = resources.keras_models()
    store = None if args.no_cache else results_cache.open_default()
    results: dict[str, QuestionResult] = {}
    pending: list[_Pending] = []
    with Sandbox(python, keras_models=keras if keras.is_dir() else None, jobs=args.jobs) as box:
        wanted = {name for q in executed if q.verify for name in q.verify.requires}
        runtime = probe(box, python, wanted)
        versions = {name: version or "" for name, version in runtime.modules.items()}
        for asked in executed:
            q, capped = caps.apply(asked)
            assert q.verify is not None
            env = _environment(q, runtime, box.isolation)
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
                    results[q.id] = _judged(q, runs, env, cached=True, capped=capped)
                    continue
            pending.append(_Pending(q, digest, env, capped))
        interrupted = _run_all(box, pending, args.jobs, store, results) if pending else False
    done = [results[q.id] for q in executed if q.id in results]
    return Verified(done, box.isolation, caps.report(box.confined), interrupted)


@dataclass(frozen=True)
class _Pending:
    """A question to run: with its cache key, environment and capping note."""

    question: Question
    digest: str | None
    env: Environment
    capped: str


def _run_all(
    sandbox: Sandbox,
    pending: list[_Pending],
    jobs: int,
    store: results_cache.Cache | None,
    results: dict[str, QuestionResult],
) -> bool:
    """Run the pending questions in ``jobs`` threads; True when Ctrl-C stopped them."""
    # Slow starters first: their warm servers import while the quick questions run.
    pending = sorted(pending, key=lambda p: not _HEAVY & set(_requires(p.question)))
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        with Progress(len(pending)) as progress:
            futures = {pool.submit(_runs, sandbox, p.question, stop): p for p in pending}
            for future in as_completed(futures):
                p = futures.pop(future)  # drop each question's runs once judged
                runs = future.result()
                result = _judged(p.question, runs, p.env, cached=False, capped=p.capped)
                results[p.question.id] = result
                progress.advance(result)
                if store and p.digest and _cacheable(runs):
                    store.put(p.digest, runs)
    except KeyboardInterrupt:
        # Stop within a second or two: no new runs, every running snippet killed now.
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        sandbox.kill()
        pool.shutdown(wait=True)
        return True
    pool.shutdown(wait=True)
    return False


def _requires(q: Question) -> tuple[str, ...]:
    return q.verify.requires if q.verify is not None else ()


def _cacheable(runs: list[RunResult]) -> bool:
    """Runs that say something about the snippet alone (not the machine's load or the sandbox)."""
    return bool(runs) and not any(
        r.killed in _UNCACHED_KILLS or r.sandbox_error is not None for r in runs
    )
