"""The commands: validate, verify, build, export, fetch, report merge.

Each gathers an :class:`Outcome`, hands it to the reporters once, and turns it
into an exit code; content problems never raise.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from generator import report, theme
from generator.bank import load_bank
from generator.errors import ConfigError, Diagnostic, ToolError
from generator.escape import escape
from generator.model import Bank, Question
from generator.publish import SITE_MARKER
from generator.report import Outcome
from generator.result import is_failure
from generator.select import relevant, select
from generator.theme import ThemeError
from generator.verify import Verified, verify_questions


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


def _validate(args: argparse.Namespace, command: str) -> tuple[Bank, list[Question], Outcome]:
    """Load and check the bank; the questions chosen by --only/--shard and their records."""
    bank, diagnostics = load_bank(args.bank)
    unreadable = any(d.pattern is None for d in diagnostics)
    chosen = select(bank.refs(), args.only, args.shard, unreadable=unreadable)
    questions = [q for q in bank.questions() if (q.pattern_id, q.id) in chosen]
    diagnostics = relevant(diagnostics, chosen, args.only, args.shard)
    refs = [r for r in bank.refs() if (r.pattern, r.question) in chosen]
    records = report.results_for_validation(refs, diagnostics, bank.unloaded)
    outcome = Outcome(command, records, diagnostics, strict=args.strict, shard=args.shard)
    return bank, questions, outcome


def validate(args: argparse.Namespace) -> int:
    """Schema and lint, no code run."""
    _, _, outcome = _validate(args, "validate")
    return _finish(outcome, args)


def verify(args: argparse.Namespace) -> int:
    """Validate, then run every snippet and check its answer key."""
    bank, questions, outcome = _validate(args, "verify")
    invalid = {(r.pattern, r.question) for r in outcome.results if r.status == "invalid"}
    runnable = [q for q in questions if (q.pattern_id, q.id) not in invalid]
    verified = verify_questions(bank, runnable, args)
    outcome = _merge_verified(outcome, verified, runnable)
    code = _finish(outcome, args)
    return _interrupted(verified, runnable) or code


def _merge_verified(outcome: Outcome, verified: Verified, ran: list[Question]) -> Outcome:
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
    return Outcome(
        outcome.command,
        merged,
        outcome.diagnostics,
        outcome.strict,
        verified.isolation,
        outcome.shard,
        verified.limits,
    )


def _interrupted(verified: Verified, ran: list[Question]) -> int:
    """130 after Ctrl-C (saying what was not verified), else 0."""
    if not verified.interrupted:
        return 0
    left = sum(1 for q in ran if q.verify is not None) - len(verified.results)
    print(f"qbank: interrupted; {left} questions not verified", file=sys.stderr)
    return 130


def build(args: argparse.Namespace) -> int:
    """Validate, verify and render the site; the old site stays unless the build succeeds."""
    if args.only or args.shard:
        raise ConfigError(
            "build renders the whole bank; --only and --shard are for validate and verify"
        )
    bank, questions, outcome = _validate(args, "build")
    theme = _theme(args.theme, bank)
    check_output_folder(args.out, bank.root)
    if not outcome.failed():
        verified = verify_questions(bank, questions, args)
        outcome = _merge_verified(outcome, verified, questions)
        if verified.interrupted:
            _finish(outcome, args)
            print(f"site not written: {args.out} is unchanged", file=sys.stderr)
            return _interrupted(verified, questions)
    if outcome.failed():
        code = _finish(outcome, args)
        print(f"site not written: {escape(str(args.out))} is unchanged", file=sys.stderr)
        return code
    from generator.publish import publish
    from generator.render import render_site

    results = {r.question: r for r in outcome.results}
    try:
        publish(lambda tmp: render_site(bank, tmp, results, theme), args.out)
    except ThemeError as exc:
        raise ThemeError(f"{exc}; {args.out} is unchanged") from None
    except OSError as exc:  # the disk is full, a folder is not writable...
        where = exc.filename or args.out
        in_the_way = isinstance(exc, FileExistsError | NotADirectoryError)
        reason = "not a folder" if in_the_way else exc.strerror or exc
        raise ToolError(
            f"cannot write the site: {where}: {reason}; {args.out} is unchanged"
        ) from exc
    code = _finish(outcome, args)
    print(f"site written to {escape(str(args.out))}/", file=sys.stderr)
    return code


def export(args: argparse.Namespace) -> int:
    """Validate and verify, then write the questions whose key holds as an LMS file."""
    from generator import export as lms

    if args.shard:
        raise ConfigError("export writes one file of the bank; --shard is for validate and verify")
    bank, questions, outcome = _validate(args, "export")
    out = args.out or lms.default_out(bank, args.export_format)
    lms.check_out(out, bank.root)
    invalid = {(r.pattern, r.question) for r in outcome.results if r.status == "invalid"}
    runnable = [q for q in questions if (q.pattern_id, q.id) not in invalid]
    verified = verify_questions(bank, runnable, args)
    outcome = _merge_verified(outcome, verified, runnable)
    if verified.interrupted:
        _finish(outcome, args)
        print(f"nothing exported: {escape(str(out))} is unchanged", file=sys.stderr)
        return _interrupted(verified, runnable)
    found = (outcome.results, outcome.diagnostics)
    chosen = lms.plan(bank, questions, *found, allow=args.allow_unverified)
    outcome = replace(outcome, results=chosen.results, diagnostics=chosen.diagnostics)
    if chosen.items:
        lms.write(chosen, args.export_format, bank, out)
    _finish(outcome, args)
    for line in chosen.summary(escape(str(out))):
        print(line, file=sys.stderr)
    broken = any(is_failure(d.status, strict=True) for d in outcome.diagnostics)
    return 1 if chosen.refused or broken else 0


def _theme(option: Path | None, bank: Bank) -> Path | None:
    """The theme folder (``--theme``, else ``theme:`` of bank.yaml), checked before the
    build writes or runs anything: a bank's own theme must lie inside the bank."""
    if option is not None:
        theme.check(option)
        return option
    if bank.settings.theme is None:
        return None
    folder = bank.root / bank.settings.theme
    theme.check(folder, bank_root=bank.root)
    return folder


def check_output_folder(out: Path, bank_root: Path) -> None:
    """Refuse an output folder whose replacement would delete the author's work."""
    target = out.resolve()
    bank = bank_root.resolve()
    protected = {"the bank": bank, "the working directory": Path.cwd().resolve()}
    for what, path in protected.items():
        if path.is_relative_to(target) or (what == "the bank" and target.is_relative_to(bank)):
            raise ConfigError(
                f"--out {out} would overlap {what} ({path}); choose a separate folder such as site/"
            )
    if target.is_dir() and any(target.iterdir()) and not (target / SITE_MARKER).exists():
        raise ConfigError(
            f"--out {out} is a folder qbank did not build (no {SITE_MARKER} in it); "
            "refusing to replace it"
        )


def fetch(args: argparse.Namespace) -> int:
    """Download declared resources that are missing from the local cache."""
    from generator.resources import fetch_missing

    _, questions, outcome = _validate(args, "fetch")
    diagnostics: list[Diagnostic] = fetch_missing(questions)
    outcome.diagnostics += diagnostics
    outcome.strict = True  # fetch exists to get resources: one it cannot get fails it
    return _finish(outcome, args)


def report_merge(args: argparse.Namespace) -> int:
    """Merge shard reports into one."""
    outcome = report.merge(args.reports)
    report.write_json(outcome, args.output)
    if args.junit:
        report.write_junit(outcome, args.junit)
    report.emit(outcome, args.format)
    return 1 if outcome.failed() else 0


def run(args: argparse.Namespace) -> int:
    """Dispatch to the command the arguments name."""
    if args.command == "report":
        return report_merge(args)
    if not Path(args.bank).exists():
        raise ToolError(f"bank not found: {args.bank}")
    commands = {
        "validate": validate,
        "verify": verify,
        "build": build,
        "export": export,
        "fetch": fetch,
    }
    return commands[args.command](args)
