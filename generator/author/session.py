"""What `qbank serve` serves: the site it last built, what the page must show, and the
pages listening. A save that breaks the bank, or a theme that fails, leaves the last
good site in place and shows the problem in the page and on the terminal."""

from __future__ import annotations

import contextlib
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from generator import render, report, validate, verify
from generator.errors import ToolError
from generator.escape import escape, escape_lines
from generator.model import Bank, Question
from generator.options import Options
from generator.render import Shelf, theme
from generator.result import QuestionResult

State = dict[str, Any]
"""What the live script is told: ``generation`` (one more at each render), ``phase``
(building, verifying, problems or ready), ``problems`` (lines) and ``verifying``."""

#: Changed files named on the terminal after "rebuilt" (then "and N more").
_NAMED = 3


class Session:
    """The site being served, what the page must show, and the pages listening."""

    def __init__(self, options: Options, theme_option: Path | None, watched: list[Path]) -> None:
        self.options = options
        self.theme_option = theme_option
        self.watched = watched
        self.root = Path(tempfile.mkdtemp(prefix="qbank-serve-"))
        self.site = self.root / "site"  # made by the first build that succeeds
        self.shelf = Shelf(self.site)
        self.state: State = {"generation": 0, "phase": "building", "problems": [], "verifying": 0}
        self.verified: dict[str, tuple[Question, QuestionResult]] = {}
        self._listeners: list[queue.Queue[State]] = []
        self._lock = threading.Lock()

    @property
    def built(self) -> bool:
        """Whether a site has been built yet (before, every page is the waiting page): its
        folder exists from the moment the first render is swapped in, before the state
        says so, so a page served from it is never followed by a "not built yet"."""
        return bool(self.state["generation"]) or self.site.is_dir()

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self.state = {**self.state, **changes}
            for listener in self._listeners:
                listener.put(self.state)

    @contextlib.contextmanager
    def listen(self) -> Iterator[queue.Queue[State]]:
        """Every state from now on, starting with the current one."""
        mine: queue.Queue[State] = queue.Queue()
        with self._lock:
            self._listeners.append(mine)
            mine.put(self.state)
        try:
            yield mine
        finally:
            with self._lock:
                self._listeners.remove(mine)

    def rebuild(self, changed: Sequence[Path] = ()) -> None:
        """Build again (the first time: build) after ``changed`` files were saved. A
        problem the tool meets (a theme that fails) is shown like a content problem."""
        try:
            self._rebuild(changed, time.monotonic())
        except ToolError as exc:
            self._problems([f"qbank: error: {escape_lines(str(exc))}"])
        except OSError as exc:  # the served folder could not be written (a full disk)
            self._problems([f"qbank: error: cannot write the served site: {escape(str(exc))}"])

    def _rebuild(self, changed: Sequence[Path], began: float) -> None:
        """Validate; render at once with what is known; verify what changed; render again."""
        checked = validate.check(self.options, "serve")
        if checked.outcome.failed():
            self._problems([str(d) for d in checked.outcome.problems() if d.status != "ok"])
            return
        folder = theme.chosen(self.theme_option, checked.bank)
        known = {
            q.id: self.verified[q.id][1]
            for q in checked.questions
            if q.id in self.verified and self.verified[q.id][0] == q
        }
        waiting = [q for q in checked.questions if q.verify is not None and q.id not in known]
        self._render(checked.bank, known, folder)
        generation = self.state["generation"] + 1
        phase = "verifying" if waiting else "ready"
        self._set(generation=generation, phase=phase, problems=[], verifying=len(waiting))
        done = "rebuilt" if changed else "built"
        took = time.monotonic() - began
        named = self._named(changed)
        print(f"{done}: {len(checked.questions)} questions in {took:.1f} s{named}", flush=True)
        if not waiting:
            return
        print(f"verifying {len(waiting)} question(s)…", flush=True)
        # Only what changed runs; what was verified as it is now keeps its verdict.
        runnable = [q for q in checked.runnable() if q.id not in known]
        ran = verify.stage(
            checked.bank, checked.outcome, runnable, self.options, report.ProgressDisplay()
        )
        if ran.interrupted:
            raise KeyboardInterrupt  # Ctrl-C stopped the snippets: it stops the server too
        kept = verify.Verified(list(known.values()), ran.verified.limits)
        outcome = verify.apply(ran.outcome, kept, [])
        by_id = {q.id: q for q in runnable}
        fresh = {r.question: (by_id[r.question], r) for r in ran.verified.results}
        self.verified = {**{q: self.verified[q] for q in known}, **fresh}
        self._render(checked.bank, {r.question: r for r in outcome.results}, folder)
        lines = [str(d) for d in outcome.problems() if d.status != "ok"]
        self._say(lines)
        phase = "problems" if outcome.failed() else "ready"
        self._set(generation=generation + 1, phase=phase, problems=lines, verifying=0)

    def _render(self, bank: Bank, results: dict[str, QuestionResult], folder: Path | None) -> None:
        """Render into the served folder, reusing the pages of the last render that are
        unchanged (kept in memory: the served folder lives only as long as the server)."""
        render.site(bank, results, self.site, folder, reuse=self.shelf)

    def _named(self, changed: Sequence[Path]) -> str:
        """`` (changed: topic/file.yaml, ...)``: the files, as under the folders watched."""
        if not changed:
            return ""
        names = [escape(str(_relative(path, self.watched))) for path in changed[:_NAMED]]
        more = f" and {len(changed) - _NAMED} more" if len(changed) > _NAMED else ""
        return f" (changed: {', '.join(names)}{more})"

    def _problems(self, lines: list[str]) -> None:
        self._say(lines)
        self._set(phase="problems", problems=lines, verifying=0)  # the last good site stays

    def _say(self, lines: list[str]) -> None:
        for line in lines:
            print(line, flush=True)
        summary = f"{len(lines)} problem(s): the page shows them" if lines else "no problems"
        print(summary, flush=True)

    def close(self) -> None:
        """Remove the served site."""
        shutil.rmtree(self.root, ignore_errors=True)


def _relative(path: Path, folders: list[Path]) -> Path:
    for folder in folders:
        with contextlib.suppress(ValueError):
            return path.relative_to(folder.resolve())
    return path
