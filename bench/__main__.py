"""Benchmarks: `make bench` (python -m bench [NAME ...]) → bench/RESULTS.md.

Each figure is a ratio against a baseline measured in the same run, written
with both absolute times, the machine and the date. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import banks, scale_checks
from bench.measure import Figure
from bench.measure import qbank as _qbank
from bench.measure import timed as _timed

HERE = Path(__file__).parent
ROOT = HERE.parent
PYTHON = sys.executable


def _bare(argvs: list[list[str]], env: dict[str, str] | None = None, jobs: int = 2) -> float:
    """Run each command line as a plain process, ``jobs`` at a time; wall seconds."""

    def once(argv: list[str]) -> None:
        subprocess.run(
            argv,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )

    def all_runs() -> None:
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(once, argvs))

    return _timed(all_runs)


def trivial(work: Path) -> list[Figure]:
    """300 trivial questions, runs 2, --jobs 2, whole process: cold against Sybil and
    600 bare interpreters, warm against Sybil (best of 3 each, side by side)."""
    from bench import sybil_docs

    bank = banks.trivial(work / "trivial", 300)
    docs = sybil_docs.write(work / "sybil", 300)
    sybil_argv = sybil_docs.command(docs, PYTHON)
    sybil = min(_bare([sybil_argv], jobs=1) for _ in range(3))
    bare = min(_bare([[PYTHON, "-I", "-c", "pass"]] * 600) for _ in range(3))

    def cold() -> float:
        cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-trivial-"))
        return _timed(
            lambda: _qbank("verify", bank, "--jobs", "2", env={"QBANK_CACHE_DIR": str(cache)})
        )

    ours = min(cold() for _ in range(3))
    warm_cache = work / "cache-trivial-warm"
    env = {"QBANK_CACHE_DIR": str(warm_cache)}
    _qbank("verify", bank, "--jobs", "2", env=env)  # fill the cache
    warm = min(_timed(lambda: _qbank("verify", bank, "--jobs", "2", env=env)) for _ in range(3))
    name = "verify 300 trivial questions (runs: 2), --jobs 2"
    sybil_label = "Sybil (pytest) on the same 300 snippets as Markdown doctests"
    return [
        Figure(f"{name}, cold cache", ours, sybil, sybil_label, "≤ 5×"),
        Figure(
            f"{name}, cold cache", ours, bare, "600 × `python -I -c pass`, 2 at a time", "≤ 0.4×"
        ),
        Figure(f"{name}, warm cache", warm, sybil, sybil_label, "≤ 1.0×"),
    ]


def reference(work: Path) -> tuple[list[Figure], list[str]]:
    """The reference bank, cold: its time, and where the time goes (from the report)."""
    import json

    cache = work / "cache-reference"
    report = work / "reference.json"
    env = {"QBANK_CACHE_DIR": str(cache)}
    ours = _timed(lambda: _qbank("verify", ROOT / "bank", "--report", report, env=env))
    validate = min(_timed(lambda: _qbank("validate", ROOT / "bank", env=env)) for _ in range(3))
    records = json.loads(report.read_text())["results"]
    groups: dict[str, list[float]] = {}
    for r in records:
        if r.get("executed") or r.get("duration_s"):
            modules = sorted((r.get("environment") or {}).get("modules", {}))
            key = ", ".join(modules) or "nothing"
            groups.setdefault(key, []).append(float(r.get("duration_s") or 0.0))
    lines = [
        f"The reference bank, cold (`qbank verify bank`, {len(records)} questions): "
        f"{ours:.1f} s wall; validate alone {validate:.2f} s. Run time summed over each "
        "question's runs, by the modules its server preloads (two cores run them side by side):",
        "",
        "| preloaded | questions | run time (s) | mean per question (s) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, durations in sorted(groups.items(), key=lambda kv: -sum(kv[1])):
        total = sum(durations)
        lines.append(f"| {key} | {len(durations)} | {total:.1f} | {total / len(durations):.2f} |")
    figure = Figure(
        "verify the reference bank, cold cache", ours, validate, "`qbank validate bank`", "report"
    )
    return [figure], lines


def tensorflow(work: Path) -> Figure:
    """Target 2: 10 TensorFlow questions vs the same 10 programs as fresh processes."""
    bank, programs = banks.tensorflow(work / "tf", 10)
    quiet = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
    baseline = _bare([[PYTHON, str(program)] for program in programs], quiet)
    cache = work / "cache-tf"
    ours = _timed(
        lambda: _qbank("verify", bank, "--jobs", "2", env={"QBANK_CACHE_DIR": str(cache)})
    )
    return Figure(
        "verify 10 TensorFlow questions (MobileNetV2 weights=None, predict), runs: 1, cold cache",
        ours,
        baseline,
        "the same 10 programs as fresh `python` processes, 2 at a time",
        "≤ 0.4×",
    )


def warm_cache(work: Path) -> list[Figure]:
    """Target 3: 1,000 unchanged questions, warm cache, vs validate of the same bank."""
    bank = banks.trivial(work / "warm", 1000, runs=1)
    cache = work / "cache-warm"
    env = {"QBANK_CACHE_DIR": str(cache)}
    _qbank("verify", bank, "--jobs", "2", env=env)  # fill the cache
    validate = min(_timed(lambda: _qbank("validate", bank, env=env)) for _ in range(3))
    ours = min(_timed(lambda: _qbank("verify", bank, env=env)) for _ in range(3))
    return [
        Figure(
            "verify 1,000 questions, warm cache, nothing changed",
            ours,
            validate,
            "`qbank validate` on the same bank",
            "≤ 3× and ≤ 1 s wall",
        )
    ]


def render(work: Path) -> list[Figure]:
    """Render 5,000 questions vs a bare Jinja2 loop writing as many pages; sizes."""
    from bench import site

    return site.measure(work)


def site_scale(work: Path) -> list[Figure]:
    """A bank of 50,000 questions: the index's weight and the bytes a search loads."""
    from bench import site

    return site.scale(work)


def isolation(work: Path) -> tuple[list[Figure], list[str]]:
    """What the jail costs per run (`pass` forked from a plain server and from one that
    preloads json) against a bare interpreter, and what each part of it costs."""
    from bench import isolation_parts
    from generator.sandbox import Limits, Sandbox

    count = 100
    baseline = _bare([[PYTHON, "-I", "-c", "pass"]] * count, jobs=1)
    limits = Limits(timeout=30)
    with Sandbox(PYTHON) as box:
        box.run("pass", limits, preload=("json",))  # both kinds of server started

        def runs(preload: tuple[str, ...]) -> None:
            for i in range(count):
                box.run(f"pass  # {i}", limits, preload=preload)

        plain = _timed(lambda: runs(()))
        warm = _timed(lambda: runs(("json",)))
    label = f"{count} × `python -I -c pass`, one at a time"
    _, parts = isolation_parts.measure()
    figures = [
        Figure(
            f"{count} runs of `pass` in the jail, forked from a plain server",
            plain,
            baseline,
            label,
            "isolation cost, no target",
        ),
        Figure(
            f"{count} runs of `pass` in the jail, forked from a server that preloads json",
            warm,
            baseline,
            label,
            "isolation cost, no target",
        ),
    ]
    return figures, parts


def incremental(work: Path) -> list[Figure]:
    """Rebuilds after no change and after one question changed, vs a clean build."""
    from bench import incremental as bench_incremental

    return bench_incremental.measure(work)


BENCHES: dict[str, Callable[[Path], Figure | list[Figure] | tuple[list[Figure], list[str]]]] = {
    "isolation": isolation,
    "trivial": trivial,
    "reference": reference,
    "tensorflow": tensorflow,
    "warm-cache": warm_cache,
    "render": render,
    "site-scale": site_scale,
    "incremental": incremental,
    "scale-checks": scale_checks.measure,
}


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def write(figures: list[Figure], extra: list[str]) -> str:
    """The RESULTS.md text."""
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today().isoformat()} on {_machine()} by `make bench`.",
        "Ratios are ours ÷ baseline, both measured in the same run.",
        "",
        "| benchmark | ours (s) | baseline | baseline (s) | ratio | target |",
        "| --- | ---: | --- | ---: | ---: | --- |",
    ]
    for f in figures:
        lines.append(
            f"| {f.name} | {f.ours:.3f} | {f.baseline_label} | {f.baseline:.3f} | "
            f"{f.ratio:.2f}× | {f.target} |"
        )
    lines += ["", *extra, ""]
    return "\n".join(lines)


def main() -> None:
    """Run the named benchmarks (all by default) and write bench/RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], default=[])
    args = parser.parse_args()
    names = args.names or list(BENCHES)
    figures: list[Figure] = []
    extra: list[str] = []
    with tempfile.TemporaryDirectory(prefix="qbank-bench-") as tmp:
        for name in names:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            result = BENCHES[name](Path(tmp))
            if isinstance(result, tuple):
                result, notes = result
                extra += [*notes, ""]
            for figure in result if isinstance(result, list) else [result]:
                figures.append(figure)
                print(
                    f"  {figure.name}: {figure.ours:.3f} s vs {figure.baseline:.3f} s "
                    f"= {figure.ratio:.2f}×",
                    file=sys.stderr,
                )
    from bench import site

    extra += site.notes()
    extra += [
        "",
        "What a run costs (the `isolation` rows, divided by their count): a fork of a clean",
        "server (a fresh `python -I` that imported only its `requires`; qbank's own modules",
        "are forgotten in the child), new mount, IPC, pid and user namespaces, two sized",
        "tmpfs and its own /proc; never a new interpreter. The runs of one question go to",
        "servers started separately, so each has its own hash seed, random state and",
        "address layout (issue 17). Before, every run without `requires` started a new",
        "interpreter in the jail: 300 trivial questions took 13.1 s cold (1.56× 600 bare",
        "interpreters); the per-part table above says what each namespace costs and which",
        "ones a run keeps.",
        "",
        "Where an incremental rebuild's time goes (profiled 2026-11-28 on this machine, 5,000",
        "questions, one question's title changed, about 1.4 s): Python and qbank's imports",
        "0.22 s; validate 0.45 s, of which unpickling the 500 remembered patterns is 0.2 s;",
        "render 0.55 s: the search index 0.25 s (made from every pattern, so any change of a",
        "question's words remakes it), the page data and keys of every pattern 0.1 s,",
        "linking the ~2,000 unchanged files 0.15 s; swapping the site and deleting the old",
        "tree 0.1-0.15 s; saving the memo and the manifest 0.07 s. The lists (index and",
        "topic pages) are linked too unless what their cards show changed. With nothing",
        "changed the site is left as it is (every unit's key matches and every file is",
        "still the one written): no render, no swap. At 50,000 questions a change costs",
        "about 10 s: validate 3.9 s (unpickling 5,000 patterns ~3 s), the search index",
        "2.2 s, page data and linking ~25,000 files ~2 s, deleting the old tree about 1 s,",
        "saving 0.7 s. Meeting the 0.5 s and 2 s targets needs a build that never loads",
        "the unchanged patterns (their ids, cards and search words kept apart) and a",
        "publish that does not make a new tree of links per build: not done, so the",
        "cost of a change still grows with the bank.",
        "",
        "Where the TensorFlow figure's time goes (measured 2026-11-28 on this machine):",
        "a warm server's `import tensorflow` takes 1.4 s alone and about 1.8 s when two",
        "start side by side; each forked child then spends about 0.5 s building",
        "MobileNetV2 and 0.45 s in its first `predict` (op work that cannot move into the",
        "server: a parent that runs any TensorFlow op before forking hangs its children).",
        "Ten questions on two servers are therefore about 1.8 + 5 × 1.0 s before qbank's",
        "own start-up, a floor near 0.42× of the fresh-process baseline.",
    ]
    text = write(figures, extra)
    print(text)
    if names == list(BENCHES):
        (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    else:
        print("(a partial run: bench/RESULTS.md is written only when every benchmark runs)")


if __name__ == "__main__":
    main()
