"""`qbank verify --accept`: write what a program really prints into its wrong key.

Only on the author's explicit request, only for a stable output that no wrong
choice already has, and changing nothing else in the file: the one scalar that
holds the key is replaced in place (:mod:`.splice`), comments, quoting, order and
blank lines stay as they were.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.atomic import replace_file
from generator.author import splice
from generator.errors import Diagnostic, Location, ToolError
from generator.model import LETTERS, Question
from generator.result import QuestionResult
from generator.validate.document import NodePath
from generator.verify.normalize import last_line, normalize

#: Why a status cannot be accepted.
_REFUSED = {
    "unstable": "its runs printed different outputs; make it deterministic first",
    "crashed": "the program failed; fix it first",
    "timeout": "the program did not finish; fix it first",
    "missing-requirement": "it could not run here",
    "invalid": "the question does not validate",
    "ambiguous": "a wrong choice already matches the output",
}


@dataclass(frozen=True)
class Edit:
    """A new key for one question: where it goes and what it becomes."""

    question: Question
    path: NodePath
    text: str


@dataclass(frozen=True)
class Written:
    """One file as it was and as it is after its edits."""

    path: Path
    display: str
    before: str
    after: str

    def diff(self) -> str:
        """The change as a unified diff."""
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"a/{self.display}",
                f"b/{self.display}",
            )
        )


def plan(
    questions: Sequence[Question], results: Sequence[QuestionResult], named: Sequence[str]
) -> tuple[list[Edit], list[Diagnostic]]:
    """The edits to make, and a refusal (with the reason) for each question that cannot take one.

    With ``named`` ids, a question named (or in a named pattern) that is not a stable
    wrong answer is refused aloud; without, every wrong answer is taken and the rest left.
    """
    by_id = {q.id: q for q in questions}
    edits: list[Edit] = []
    refusals: list[Diagnostic] = []
    for result in results:
        q = by_id.get(result.question)
        if q is None:
            continue
        asked = result.question in named or result.pattern in named
        why = _refusal(q, result)
        if why is None:
            edits.append(_edit(q, result))
        elif asked:
            message = f"not accepted: {why}"
            refusals.append(Diagnostic(result.location, result.status, message, q.pattern_id, q.id))
    return edits, refusals


def _refusal(q: Question, result: QuestionResult) -> str | None:
    if result.status == "ok":
        return "its key already holds"
    if result.status != "wrong-answer":
        return _REFUSED.get(result.status, f"its status is {result.status}")
    verify = q.verify
    if verify is None or result.actual is None:
        return "it was not run"
    if verify.match == "regex":
        return "its key is a regex (`match: regex`); edit the pattern by hand"
    new = _new_text(q, result.actual)
    for i, choice in enumerate(q.choices):
        if not choice.correct and normalize(choice.text) == new:
            return f"the output is choice {LETTERS[i]}; mark {LETTERS[i]} correct instead"
    return None


def _new_text(q: Question, actual: str) -> str:
    verify = q.verify
    if verify is not None and verify.expect == "stdout" and verify.match == "last-line":
        return last_line(actual)
    return actual


def _edit(q: Question, result: QuestionResult) -> Edit:
    """Where the key lives: ``verify.error``/``verify.output`` when written, else the
    correct choice's text."""
    assert q.verify is not None and result.actual is not None
    base: NodePath = ("questions", q.index)
    key = "error" if q.verify.expect == "error" else "output"
    if q.verify.fields.has(key):
        path: NodePath = (*base, "verify", key)
    else:
        i = q.correct_index
        choice = q.choices[i]
        path = (*base, "choices", i, "text") if choice.fields.has("text") else (*base, "choices", i)
    return Edit(q, path, _new_text(q, result.actual))


def apply(edits: Sequence[Edit], files: dict[str, Path]) -> list[Written]:
    """Each file with its edits made (in memory); ``files`` maps display names to paths."""
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.question.location.file, []).append(edit)
    written = []
    for display, file_edits in sorted(by_file.items()):
        path = files[display]
        raw = path.read_bytes()
        before = raw.decode("utf-8-sig")
        after = before
        for edit in file_edits:
            try:
                after = splice.replace(after, edit.path, edit.text)
            except (ValueError, KeyError) as exc:
                where = edit.question.location
                raise ToolError(f"{Location(display, where.line, where.column)}: {exc}") from exc
        written.append(Written(path, display, before, after))
    return written


def save(change: Written) -> None:
    """Write the new text in one swap, keeping the file's mode and byte-order mark."""
    bom = "\ufeff" if change.path.read_bytes().startswith(b"\xef\xbb\xbf") else ""
    mode = change.path.stat().st_mode & 0o7777
    replace_file(change.path, (bom + change.after).encode("utf-8"), mode=mode)
