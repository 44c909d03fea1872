"""The verify stage: which snippets run, how often, from cache or in parallel → one
result per executed question, merged into the validation records."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from typing import Any

from generator.errors import Location
from generator.model import Bank, Question
from generator.options import Options
from generator.result import Environment, Outcome, QuestionResult
from generator.sandbox import Limits, RunResult, Sandbox, cgroup
from generator.typing import Progress, Status
from generator.verify import cache as results_cache
from generator.verify import checks, resources
from generator.verify.limits import Caps
from generator.verify.runtime import (
    Runtime,
    environment,
    missing,
    probe,
    remember,
    remembered,
)
from generator.verify.snippet import FILENAME, Snippet

#: Requirements whose warm server takes seconds to start.
_HEAVY = {"tensorflow", "keras", "torch", "jax"}


@dataclass(frozen=True)
class Stage:
    """What the verify stage hands on: the validation records with the verified ones in
    their place, and whether Ctrl-C stopped it."""

    outcome: Outcome
    verified: Verified
    interrupted: bool
    not_verified: int
    """Executed questions that Ctrl-C left without a verdict."""


def stage(
    bank: Bank,
    outcome: Outcome,
    questions: list[Question],
    options: Options,
    progress: Progress | None = None,
) -> Stage:
    """The verify stage as every command takes it: run and judge ``questions`` (or take
    their cached runs), and merge their results into ``outcome``. ``progress`` is told
    how the runs get on (the command line shows it; by default nothing is told)."""
    verified = verify_questions(bank, questions, options, progress)
    merged = apply(outcome, verified, questions)
    left = not_verified(verified, questions)
    return Stage(merged, verified, verified.interrupted, left)


@dataclass
class Verified:
    """Results of the executed questions and the limits in force."""

    results: list[QuestionResult]
    limits: dict[str, Any] | None = None
    interrupted: bool = False
    """Ctrl-C stopped the run: ``results`` holds only the questions that finished."""


@dataclass(frozen=True)
class _Pending:
    """A snippet to run: with its cache key, environment and capping note."""

    snippet: Snippet
    digest: str | None
    env: Environment
    capped: str


def verify_questions(
    bank: Bank, questions: list[Question], options: Options, progress: Progress | None = None
) -> Verified:
    """Run every executed question (or reuse its cached runs) and judge it, telling
    ``progress`` of the runs (cached results are not runs).

    The sandbox starts only when something must run: the interpreter's probe is
    remembered until its installed packages change, and cached runs need no sandbox.
    """
    executed = [s for s in map(Snippet.of, questions) if s is not None]
    if not executed:
        return Verified([])
    caps = Caps(options.max_timeout, options.max_memory)
    python = options.python
    keras = resources.keras_models()
    store = None if options.no_cache else results_cache.open_default()
    wanted = {name for s in executed for name in s.verify.requires}
    with contextlib.ExitStack() as stack:

        def sandbox() -> Sandbox:
            models = keras if keras.is_dir() else None
            return stack.enter_context(Sandbox(python, keras_models=models, jobs=options.jobs))

        box: Sandbox | None = None
        runtime = remembered(python, wanted) if store is not None else None
        if runtime is None:
            box = sandbox()
            runtime = probe(box, python, wanted)
            remember(runtime, wanted)
        results, pending = _from_cache(executed, caps, runtime, python, store)
        interrupted = False
        if pending:
            box = box or sandbox()
            interrupted = _run_all(box, pending, options.jobs, store, results, progress)
    done = [results[s.question.id] for s in executed if s.question.id in results]
    return Verified(done, caps.report(cgroup.available()), interrupted)


def _from_cache(
    executed: list[Snippet],
    caps: Caps,
    runtime: Runtime,
    python: str,
    store: results_cache.Cache | None,
) -> tuple[dict[str, QuestionResult], list[_Pending]]:
    """The results that need no run (cached, or missing a requirement), and what must run."""
    results: dict[str, QuestionResult] = {}
    pending: list[_Pending] = []
    versions = {name: version or "" for name, version in runtime.modules.items()}
    for asked in executed:
        snippet, capped = caps.apply(asked)
        q = snippet.question
        env = environment(snippet, runtime)
        why = missing(snippet, runtime)
        if why is not None:
            results[q.id] = _result(
                q, snippet.verify.location, "missing-requirement", why, environment=env
            )
            continue
        digest = None
        if store is not None:
            hashes = {name: resources.digest(name) for name in snippet.verify.resources}
            digest = results_cache.key(snippet, f"{python} {runtime.version}", versions, hashes)
            runs = store.get(digest)
            if runs is not None:
                results[q.id] = _judged(snippet, runs, env, cached=True, capped=capped)
                continue
        pending.append(_Pending(snippet, digest, env, capped))
    return results, pending


def apply(outcome: Outcome, verified: Verified, ran: list[Question]) -> Outcome:
    """The validation records with the verified ones in their place.

    After Ctrl-C, executed questions that did not finish are left out: no verdict.
    """
    by_id = {(r.pattern, r.question): r for r in verified.results}
    unfinished = {(q.pattern_id, q.id) for q in ran if q.verify is not None} - set(by_id)
    merged = [
        by_id.get((r.pattern, r.question), r)
        for r in outcome.results
        if (r.pattern, r.question) not in unfinished
    ]
    return replace(outcome, results=merged, limits=verified.limits)


def not_verified(verified: Verified, ran: list[Question]) -> int:
    """How many executed questions Ctrl-C left without a verdict."""
    return sum(1 for q in ran if q.verify is not None) - len(verified.results)


def _result(
    q: Question, location: Location, status: Status, message: str, **fields: Any
) -> QuestionResult:
    return QuestionResult(q.pattern_id, q.id, location, status, message, **fields)


def _runs(sandbox: Sandbox, snippet: Snippet, stop: threading.Event) -> list[RunResult]:
    """Run a snippet up to ``runs`` times, each as a fresh learner's ``python``.

    Stops early once the verdict cannot change: at a timeout (a second one costs the
    whole limit again and tells nothing new), at a run the sandbox could not carry
    out, or once two runs disagree (the question is unstable whatever follows).
    Identical outputs are kept once in memory.
    """
    verify = snippet.verify
    limits = Limits(timeout=verify.timeout, memory_mb=verify.memory_mb)
    preload = tuple(sorted(verify.requires))
    runs: list[RunResult] = []
    for _ in range(verify.runs):
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
    snippet: Snippet, runs: list[RunResult], env: Environment, cached: bool, capped: str
) -> QuestionResult:
    """The result of a snippet from its runs (fresh or cached), judged as the question is now."""
    verdict = checks.judge(snippet, runs)
    message = verdict.message
    if capped and verdict.status in ("timeout", "crashed") and any(r.killed for r in runs):
        message += f"\n{capped}"
    return _result(
        snippet.question,
        verdict.location,
        verdict.status,
        message,
        expected=snippet.question.expected,
        actual=verdict.actual,
        outputs=verdict.outputs,
        duration_s=sum(run.duration_s for run in runs),
        cached=cached,
        executed=True,
        environment=env,
    )


def _run_all(
    sandbox: Sandbox,
    pending: list[_Pending],
    jobs: int,
    store: results_cache.Cache | None,
    results: dict[str, QuestionResult],
    progress: Progress | None,
) -> bool:
    """Run the pending snippets in ``jobs`` threads; True when Ctrl-C stopped them."""
    # Slow starters first: their warm servers import while the quick questions run.
    pending = sorted(pending, key=lambda p: not _HEAVY & set(p.snippet.verify.requires))
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(_runs, sandbox, p.snippet, stop): p for p in pending}
        _collect(futures, store, results, progress or _untold)
    except KeyboardInterrupt:
        # Stop within a second or two: no new runs, every running snippet killed now.
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        sandbox.kill()
        pool.shutdown(wait=True)
        return True
    pool.shutdown(wait=True)
    return False


def _collect(
    futures: dict[Future[list[RunResult]], _Pending],
    store: results_cache.Cache | None,
    results: dict[str, QuestionResult],
    progress: Progress,
) -> None:
    """Judge each snippet's runs as they finish (and cache them), telling ``progress``."""
    done, total = 0, len(futures)
    progress(done, total, None)
    try:
        for future in as_completed(futures):
            p = futures.pop(future)  # drop each question's runs once judged
            runs = future.result()
            result = _judged(p.snippet, runs, p.env, cached=False, capped=p.capped)
            results[p.snippet.question.id] = result
            done += 1
            progress(done, total, result)
            if store and p.digest and _cacheable(runs):
                store.put(p.digest, runs)
    finally:
        if done < total:
            progress(done, done, None)  # stopped early (Ctrl-C): no more news


def _untold(done: int, total: int, result: QuestionResult | None) -> None:
    """The progress of a verify nobody watches."""


def _cacheable(runs: list[RunResult]) -> bool:
    """Runs that tell about the snippet alone: not a timeout (the machine's load) and
    not a run the sandbox could not carry out."""
    return bool(runs) and not any(r.killed == "timeout" or r.sandbox_error for r in runs)
