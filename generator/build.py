"""The build, as its own table of contents: load → validate → verify → render → publish."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import render, validate, verify
from generator.collector import unscanned
from generator.options import Options
from generator.result import Outcome
from generator.typing import Progress


@dataclass(frozen=True)
class Built:
    """What a build did: every record and problem, and whether the site was written."""

    outcome: Outcome
    written: bool
    interrupted: bool = False
    """Ctrl-C stopped verify: nothing is written."""
    not_verified: int = 0
    """Executed questions that Ctrl-C left without a verdict."""


def build(
    options: Options, out: Path, theme_option: Path | None, progress: Progress | None = None
) -> Built:
    """Validate, verify and render the bank; the site is swapped in only if all holds.
    ``progress`` is told how verify's runs get on."""
    with unscanned():  # the bank lives as long as the build: never scanned for cycles
        checked = validate.check(options, "build")  # load → validate: no code runs
    theme = render.prepare(checked.bank, out, theme_option)  # refused before anything runs
    if checked.outcome.failed():
        return Built(checked.outcome, written=False)
    done = verify.stage(checked.bank, checked.outcome, checked.questions, options, progress)
    outcome = done.outcome
    if done.interrupted or outcome.failed():
        return Built(outcome, False, done.interrupted, done.not_verified)
    results = {r.question: r for r in outcome.results}
    reuse = render.Shelf.open(out) if not options.no_cache else None  # the last build's pages
    try:
        render.site(checked.bank, results, out, theme, reuse=reuse)
    except render.ThemeError as exc:
        raise render.ThemeError(f"{exc}; {out} is unchanged") from None
    except OSError as exc:
        raise render.unwritable(exc, out) from exc
    return Built(outcome, written=True)
