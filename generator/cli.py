"""The commands: validate, verify, build, export, fetch, report merge.

Each runs its stages, hands the :class:`Outcome` to the reporters once, and turns
it into an exit code; content problems never raise.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from generator import report, validate, verify
from generator.build import build as build_site
from generator.errors import ConfigError, Diagnostic, ToolError
from generator.escape import escape
from generator.options import Options
from generator.result import Outcome, is_failure

#: Exit code after Ctrl-C, as a shell reports a process ended by SIGINT.
INTERRUPTED = 130


def _finish(outcome: Outcome, args: argparse.Namespace) -> int:
    """Report once, in every requested form, and pick the exit code."""
    # Files first: a closed stdout (`qbank verify | head`) must not lose the report.
    if getattr(args, "report", None):
        report.write_json(outcome, args.report)
    if getattr(args, "junit", None):
        report.write_junit(outcome, args.junit)
    code = 1 if outcome.failed() else 0
    try:
        report.emit(outcome, args.format)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def _progress() -> report.ProgressDisplay:
    """What shows verify's progress on stderr while snippets run (verify draws nothing)."""
    return report.ProgressDisplay()


def _interrupted(left: int) -> int:
    print(f"qbank: interrupted; {left} questions not verified", file=sys.stderr)
    return INTERRUPTED


def validate_command(args: argparse.Namespace) -> int:
    """Schema and lint, no code run."""
    return _finish(validate.check(Options.from_args(args), "validate").outcome, args)


def verify_command(args: argparse.Namespace) -> int:
    """Validate, then run every snippet and check its answer key."""
    if args.accept is not None:
        return accept_command(args)
    options = Options.from_args(args)
    checked = validate.check(options, "verify")
    done = verify.stage(checked.bank, checked.outcome, checked.runnable(), options, _progress())
    code = _finish(done.outcome, args)
    return _interrupted(done.not_verified) if done.interrupted else code


def accept_command(args: argparse.Namespace) -> int:
    """``verify --accept``: verify, then write actual outputs into stable wrong keys."""
    from generator.author import accept

    named = tuple(args.accept)
    options = replace(Options.from_args(args), only=named or tuple(args.only))
    checked = validate.check(options, "verify")
    runnable = checked.runnable()
    done = verify.stage(checked.bank, checked.outcome, runnable, options, _progress())
    outcome = done.outcome
    code = _finish(outcome, args)
    if done.interrupted:
        return _interrupted(done.not_verified)
    edits, refusals = accept.plan(runnable, outcome.results, named)
    files = {p.location.file: p.path for p in checked.bank.patterns}
    changes = accept.apply(edits, files)
    for change in changes:
        print(change.diff(), end="")
        if not args.dry_run:
            accept.save(change)
    for refusal in refusals:
        print(refusal)
    verb = "would accept" if args.dry_run else "accepted"
    print(f"{verb} {len(edits)} keys in {len(changes)} files", file=sys.stderr)
    if refusals or args.dry_run:
        return 1 if refusals else code
    fixed = {edit.question.id for edit in edits}
    left = [r for r in outcome.results if r.question not in fixed]
    return 1 if replace(outcome, results=left).failed() else 0


def build_command(args: argparse.Namespace) -> int:
    """Validate, verify and render the site; the old site stays unless the build succeeds."""
    if args.only or args.shard:
        raise ConfigError(
            "build renders the whole bank; --only and --shard are for validate and verify"
        )
    built = build_site(Options.from_args(args), args.out, args.theme, _progress())
    code = _finish(built.outcome, args)
    shown = escape(str(args.out))
    if built.written:
        print(f"site written to {shown}/", file=sys.stderr)
        return code
    print(f"site not written: {shown} is unchanged", file=sys.stderr)
    return _interrupted(built.not_verified) if built.interrupted else code


def export_command(args: argparse.Namespace) -> int:
    """Validate and verify, then write the questions whose key holds as an LMS file."""
    from generator import export as lms

    if args.shard:
        raise ConfigError("export writes one file of the bank; --shard is for validate and verify")
    options = Options.from_args(args)
    checked = validate.check(options, "export")
    bank = checked.bank
    out = args.out or lms.default_out(bank, args.export_format)
    lms.check_out(out, bank.root)
    done = verify.stage(bank, checked.outcome, checked.runnable(), options, _progress())
    outcome = done.outcome
    if done.interrupted:
        _finish(outcome, args)
        print(f"nothing exported: {escape(str(out))} is unchanged", file=sys.stderr)
        return _interrupted(done.not_verified)
    found = (outcome.results, outcome.diagnostics)
    chosen = lms.plan(bank, checked.questions, *found, allow=args.allow_unverified)
    outcome = replace(outcome, results=chosen.results, diagnostics=chosen.diagnostics)
    if chosen.items:
        lms.write(chosen, args.export_format, bank, out)
    _finish(outcome, args)
    for line in chosen.summary(escape(str(out))):
        print(line, file=sys.stderr)
    broken = any(is_failure(d.status, strict=True) for d in outcome.diagnostics)
    return 1 if chosen.refused or broken else 0


def fetch_command(args: argparse.Namespace) -> int:
    """Download declared resources that are missing from the local cache."""
    from generator.verify.resources import fetch_missing

    checked = validate.check(Options.from_args(args), "fetch")
    diagnostics: list[Diagnostic] = fetch_missing(checked.questions)
    checked.outcome.diagnostics += diagnostics
    checked.outcome.strict = True  # fetch exists to get resources: one it cannot get fails it
    return _finish(checked.outcome, args)


def report_merge(args: argparse.Namespace) -> int:
    """Merge shard reports into one."""
    outcome = report.merge(args.reports)
    report.write_json(outcome, args.output)
    if args.junit:
        report.write_junit(outcome, args.junit)
    report.emit(outcome, args.format)
    return 1 if outcome.failed() else 0


def serve_command(args: argparse.Namespace) -> int:
    """Build, serve on 127.0.0.1, rebuild on save, reload the open page."""
    from generator.author.serve import serve

    return serve(Options.from_args(args), args.theme, args.host, args.port)


COMMANDS = {
    "validate": validate_command,
    "verify": verify_command,
    "build": build_command,
    "fetch": fetch_command,
    "serve": serve_command,
    "export": export_command,
}


def new_command(args: argparse.Namespace) -> int:
    """``qbank new pattern|question``: write a skeleton, then show that it validates."""
    from generator.author import skeleton

    if args.kind == "pattern":
        file = skeleton.new_pattern(args.bank, args.target, args.type)
        print(f"wrote {escape(str(file))}", file=sys.stderr)
    else:
        file, qid, line = skeleton.new_question(args.bank, args.target, args.type)
        print(f"added question `{qid}` to {escape(str(file))} at line {line}", file=sys.stderr)
    outcome = validate.check(Options(bank=file), "validate").outcome
    report.emit(outcome, "text")
    return 1 if outcome.failed() else 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the command the arguments name."""
    if args.command == "report":
        return report_merge(args)
    if args.command == "new":
        return new_command(args)
    if not Path(args.bank).exists():
        raise ToolError(f"bank not found: {args.bank}")
    return COMMANDS[args.command](args)
