"""Command line: parse arguments, run one command, pick the exit code.

Exit codes: 0 everything holds; 1 the content has a failure; 2 the tool could not run.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from generator import __version__

#: The most shards a run may be cut into (the report schema's bound on ``shard.n``).
MAX_SHARDS = 1000


def _jobs(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive(kind: type[float] | type[int]) -> Callable[[str], float | int]:
    def parse(text: str) -> float | int:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0 or value == float("inf"):
            raise argparse.ArgumentTypeError("must be a positive number")
        return value

    return parse


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError("write K/N, e.g. 1/4") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError("K/N needs 1 <= K <= N")
    if n > MAX_SHARDS:  # what `qbank report merge` accepts (schema/report.schema.json)
        raise argparse.ArgumentTypeError(f"at most {MAX_SHARDS} shards")
    return k, n


def parser() -> argparse.ArgumentParser:
    """The ``qbank`` argument parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("bank", nargs="?", default="bank", type=Path, help="bank folder or file")
    common.add_argument("--jobs", type=_jobs, default=os.cpu_count() or 1, help="parallel runs")
    common.add_argument("--no-cache", action="store_true", help="ignore cached results")
    common.add_argument(
        "--strict", action="store_true", help="missing requirements fail instead of warn"
    )
    common.add_argument(
        "--only", action="append", default=[], metavar="ID", help="a pattern or question id"
    )
    common.add_argument(
        "--max-timeout",
        type=_positive(float),
        default=600.0,
        metavar="S",
        help="ceiling on any question's verify.timeout, in seconds (default 600)",
    )
    common.add_argument(
        "--max-memory",
        type=_positive(int),
        default=8192,
        metavar="MB",
        help="ceiling on any question's verify.memory_mb (default 8192)",
    )
    common.add_argument(
        "--python",
        metavar="PATH",
        help="interpreter snippets run in (default: $QBANK_PYTHON, else the one qbank runs in)",
    )
    common.add_argument("--shard", type=_shard, metavar="K/N", help="run the K-th of N slices")
    common.add_argument("--report", type=Path, metavar="FILE", help="write the JSON report")
    common.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    # Apart, as export's --format names the file format instead.
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--format", choices=("text", "json", "github"), default="text")

    top = argparse.ArgumentParser(
        prog="qbank", description="Validate, verify and render quiz question banks."
    )
    top.add_argument("--version", action="version", version=f"qbank {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("validate", parents=[common, output], help="schema + lint, no execution")
    verify = commands.add_parser(
        "verify", parents=[common, output], help="validate, then run and check every snippet"
    )
    verify.add_argument(
        "--accept",
        nargs="*",
        metavar="ID",
        help="write the actual output into wrong keys (these questions or patterns; all if none)",
    )
    verify.add_argument(
        "--dry-run", action="store_true", help="with --accept: print the change, write nothing"
    )
    build = commands.add_parser(
        "build", parents=[common, output], help="validate, verify, render the site"
    )
    build.add_argument("--out", type=Path, default=Path("site"), help="site folder")
    build.add_argument("--theme", type=Path, help="folder of templates overriding the defaults")
    export = commands.add_parser(
        "export",
        parents=[common],
        help="validate, verify, write the verified questions for an LMS",
    )
    export.add_argument(
        "--format", dest="export_format", choices=("moodle", "gift", "qti"), required=True
    )
    export.add_argument(
        "--out", type=Path, help="file to write (default: <bank>-moodle.xml, -gift.txt, -qti.zip)"
    )
    export.add_argument(
        "--allow-unverified",
        action="store_true",
        help="also export questions whose key is not verified, marked [unverified]",
    )
    export.set_defaults(format="text")
    commands.add_parser("fetch", parents=[common, output], help="download declared resources")
    serve = commands.add_parser(
        "serve", parents=[common, output], help="build, serve on 127.0.0.1, rebuild on save"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default: this machine only)")
    serve.add_argument("--theme", type=Path, help="folder of templates overriding the defaults")
    new = commands.add_parser("new", help="write a skeleton pattern or question that validates")
    kinds = new.add_subparsers(dest="kind", required=True, metavar="KIND")
    types = ["conceptual", "predict-output", "model-choice", "hyperparameter", "metrics"]
    types += ["debugging", "code", "other"]
    for kind, target, helptext in (
        ("pattern", "TOPIC/ID", "a new pattern file bank/TOPIC/ID.yaml"),
        ("question", "PATTERN", "a new question at the end of a pattern"),
    ):
        sub = kinds.add_parser(kind, help=helptext)
        sub.add_argument("target", metavar=target)
        sub.add_argument("--bank", type=Path, default=Path("bank"), help="bank folder")
        default = "predict-output" if kind == "question" else "conceptual"
        sub.add_argument("--type", choices=types, default=default, help="question type")
    report = commands.add_parser("report", help="work with JSON reports")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    merge = report_commands.add_parser("merge", help="merge shard reports into one")
    merge.add_argument("reports", nargs="+", type=Path)
    merge.add_argument("-o", "--output", type=Path, required=True)
    merge.add_argument("--junit", type=Path, metavar="FILE")
    merge.add_argument("--format", choices=("text", "json", "github"), default="text")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qbank``; return the exit code."""
    # qbank builds many small objects that live until it exits (a bank's patterns, its
    # pages): with the default thresholds, full collections run again and again as they
    # grow, about a third of an unchanged rebuild's time (bench/RESULTS.md). Cycles are
    # still collected, just less often.
    gc.set_threshold(50_000, 50, 100)
    try:
        # The stages are imported in here: a Ctrl-C while they load is an interruption
        # like any other (exit 130), not a traceback.
        from generator.errors import ToolError
        from generator.escape import escape_lines

        try:
            args = parser().parse_args(argv)
        except SystemExit as exc:  # argparse exits 2 on bad arguments, 0 on --help
            return int(exc.code or 0)
        from generator import cli

        try:
            return cli.run(args)
        except ToolError as exc:
            print(f"qbank: error: {escape_lines(str(exc))}", file=sys.stderr)
            return 2
    except KeyboardInterrupt:
        print("qbank: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
