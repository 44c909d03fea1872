"""The build, as its own table of contents: load → validate → verify → render → publish."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator import render, validate, verify
from generator.options import Options
from generator.render import theme
from generator.render.publish import check_output_folder, publish, unwritable
from generator.render.reuse import Shelf
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
    checked = validate.check(options, "build")  # load → validate: no code runs
    folder = theme.chosen(theme_option, checked.bank)  # refused before anything runs...
    check_output_folder(out, checked.bank.root)  # ...or anything is written
    if checked.outcome.failed():
        return Built(checked.outcome, written=False)
    done = verify.stage(checked.bank, checked.outcome, checked.questions, options, progress)
    outcome = done.outcome
    if done.interrupted or outcome.failed():
        return Built(outcome, False, done.interrupted, done.not_verified)
    results = {r.question: r for r in outcome.results}
    shelf = Shelf.open(out) if not options.no_cache else None  # the last build's pages
    try:
        plan = render.plan_site(checked.bank, results, folder, keyed=shelf is not None)
        if shelf is not None and shelf.holds(plan.keys):
            return Built(outcome, written=True)  # already what this build would write
        # rendered into a new folder beside the old site, then swapped in at once
        bank = checked.bank
        publish(lambda tmp: render.render_site(bank, tmp, results, folder, shelf, plan), out)
    except theme.ThemeError as exc:
        raise theme.ThemeError(f"{exc}; {out} is unchanged") from None
    except OSError as exc:
        raise unwritable(exc, out) from exc
    if shelf is not None:
        shelf.save()
    return Built(outcome, written=True)
