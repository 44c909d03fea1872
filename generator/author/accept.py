"""`qbank verify --accept`: write what a program really prints into its wrong key.

Only on the author's explicit request, only for a stable output that no wrong
choice already has, and changing nothing else in the file: the one scalar that
holds the key is replaced in place (:mod:`.splice`), comments, quoting, order and
blank lines stay as they were.

The file may have changed while the snippets ran, so each edit is made against
the file as it is when written: the question is found again by its id (with
qbank's own loader), its key must still be the one that was judged, and the new
text must load back, through the same loader and schema, as exactly the output
with every other value unchanged. Otherwise that question is refused, with the
reason, and nothing is written for it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.atomic import replace_file
from generator.author import splice
from generator.errors import Diagnostic, Location, ToolError
from generator.escape import short
from generator.model import LETTERS, Key, Question, Settings, Verify
from generator.result import QuestionResult
from generator.validate import parse, schema
from generator.validate.document import Document, NodePath
from generator.validate.loader import MAX_FILE_BYTES, load_text
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
_AGAIN = "run `qbank verify --accept` again"


@dataclass(frozen=True)
class Edit:
    """A new key for one question: the question and its key as verified, and the new text."""

    question: Question
    key: Key
    """The key the runs were judged against; the file must still hold it when written."""
    text: str


class Edits(list[Edit]):
    """The edits :func:`plan` chose, tied to the refusals it returned beside them: an
    edit :func:`apply` finds it cannot make when it comes to write leaves this list
    and joins those refusals, with the reason."""

    def __init__(self, refusals: list[Diagnostic]) -> None:
        super().__init__()
        self.refusals = refusals

    def refuse(self, edit: Edit, location: Location, why: str) -> None:
        """Drop ``edit``, refused at ``location`` for ``why``."""
        self.remove(edit)
        q = edit.question
        message = f"not accepted: {why}"
        self.refusals.append(Diagnostic(location, "wrong-answer", message, q.pattern_id, q.id))


@dataclass(frozen=True)
class Written:
    """One file as it was and as it is after its edits."""

    path: Path
    display: str
    before: str
    after: str
    original: bytes = b""
    """The file's bytes when read: it is written only if they are still there."""

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
) -> tuple[Edits, list[Diagnostic]]:
    """The edits to make, and a refusal (with the reason) for each question that cannot take one.

    With ``named`` ids, a question named (or in a named pattern) that is not a stable
    wrong answer is refused aloud; without, every wrong answer is taken and the rest left.
    """
    by_id = {q.id: q for q in questions}
    refusals: list[Diagnostic] = []
    edits = Edits(refusals)
    for result in results:
        q = by_id.get(result.question)
        if q is None:
            continue
        asked = result.question in named or result.pattern in named
        why = _refusal(q, result)
        if why is None:
            assert result.actual is not None
            edits.append(Edit(q, q.key, _new_text(q, result.actual)))
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


def apply(edits: Edits, files: dict[str, Path]) -> list[Written]:
    """Each file with its edits made (in memory), against the file as it is now;
    ``files`` maps display names to paths. An edit that cannot be made is refused
    (see :class:`Edits`); a file none of whose edits can be made is left out."""
    by_file: dict[str, list[Edit]] = {}
    for edit in edits:
        by_file.setdefault(edit.question.location.file, []).append(edit)
    written = []
    for display, file_edits in sorted(by_file.items()):
        path = files[display]
        try:
            raw = path.read_bytes()
            before = raw.decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            for edit in file_edits:
                edits.refuse(edit, edit.key.location, f"the file cannot be read now: {exc}")
            continue
        after = before
        for edit in file_edits:
            made = _made(after, path, display, edit)
            if isinstance(made, str):
                after = made
            else:
                edits.refuse(edit, *made)
        if after != before:
            written.append(Written(path, display, before, after, raw))
    return written


def _made(text: str, path: Path, display: str, edit: Edit) -> str | tuple[Location, str]:
    """``text`` with ``edit`` made, or where and why it cannot be."""
    now = _read(text, path, display, edit.question.id)
    if isinstance(now, str):
        return edit.key.location, f"the file changed since it was verified: {now}; {_AGAIN}"
    doc, q = now
    changed = _changed(edit, q)
    if changed is not None:
        return q.key.location, f"{changed} since it was verified; {_AGAIN}"
    node: NodePath = ("questions", q.index, *q.key.path)
    try:
        candidates = splice.versions(text, node, edit.text)
    except (KeyError, yaml.YAMLError) as exc:
        return q.key.location, f"its key cannot be found in the file's text ({exc})"
    why = "no way of writing it reads back"
    for candidate in candidates:
        back = _read(candidate, path, display, q.id)
        if isinstance(back, str):
            why = back
        elif back[1].key.text != edit.text or back[1].key.path != q.key.path:
            why = f"it would read back as `{short(back[1].key.text)}`"
        elif not _same_but(doc.data, back[0].data, node):
            why = "writing it would change other values of the file"
        else:
            return candidate
    return q.key.location, f"the file would not hold the output as printed: {why}"


def _read(text: str, path: Path, display: str, qid: str) -> tuple[Document, Question] | str:
    """The file's document and question ``qid`` as qbank's loader, schema and parser
    read ``text``, or why they cannot."""
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        return f"it would be {size:,} bytes, over qbank's limit of {MAX_FILE_BYTES:,}"
    doc, problems = load_text(text, path, display)
    if doc is None or problems:
        first = problems[0] if problems else Diagnostic(Location(display, 1, 1), "invalid", "")
        return f"it does not load ({first.location}: {first.message})"
    split = schema.check_split(doc, "pattern")
    file_wide = [problem for i, problem in split if i is None]
    if file_wide:
        return f"it breaks the schema ({file_wide[0].location}: {file_wide[0].message})"
    items = doc.data["questions"]
    where = [i for i, item in enumerate(items) if isinstance(item, dict) and item.get("id") == qid]
    if len(where) != 1:
        return f"it has {len(where)} questions `{short(qid)}`"
    own = [problem for i, problem in split if i == where[0]]
    if own:
        return f"the question breaks the schema ({own[0].location}: {own[0].message})"
    broken = frozenset(i for i, _ in split if i is not None)
    pattern = parse.pattern_from(doc, path.parent.name, Settings(), broken)
    return doc, next(q for q in pattern.questions if q.id == qid)


def _changed(edit: Edit, now: Question) -> str | None:
    """What of the question changed since it was verified, if anything the verdict used."""
    old = edit.question
    if (now.key.kind, now.key.path, now.key.text) != (edit.key.kind, edit.key.path, edit.key.text):
        return f"its key changed (now `{short(now.key.text)}`)"
    if now.code != old.code or _said(now.verify) != _said(old.verify):
        return "its code or `verify` changed"
    if [(c.text, c.correct) for c in now.choices] != [(c.text, c.correct) for c in old.choices]:
        return "its choices changed"
    return None


def _said(verify: Verify | None) -> tuple[object, ...] | None:
    """What of a verify block decides the output, as the file says it (the limits come
    from bank-wide defaults too, and do not change what a finished run printed)."""
    if verify is None:
        return None
    return (verify.setup, verify.expect, verify.match, verify.requires, verify.resources)


def _same_but(a: Any, b: Any, node: NodePath) -> bool:
    """Whether two loaded values are equal everywhere except at ``node``."""
    if not node:
        return True
    head, rest = node[0], node[1:]
    if isinstance(a, dict) and isinstance(b, dict) and isinstance(head, str):
        if list(a) != list(b) or head not in a:
            return False
        others = all(a[k] == b[k] for k in a if k != head)
        return others and _same_but(a[head], b[head], rest)
    if isinstance(a, list) and isinstance(b, list) and isinstance(head, int):
        if len(a) != len(b) or not 0 <= head < len(a):
            return False
        others = all(x == y for i, (x, y) in enumerate(zip(a, b, strict=True)) if i != head)
        return others and _same_but(a[head], b[head], rest)
    return False


def save(change: Written) -> None:
    """Write the new text in one swap, keeping the file's mode and byte-order mark; a
    file that changed since :func:`apply` read it is not written (exit 2, named)."""
    if change.path.read_bytes() != change.original:
        raise ToolError(
            f"{Location(change.display, 1, 1)}: the file changed while its keys were being "
            f"accepted; nothing written to it; {_AGAIN}"
        )
    bom = "\ufeff" if change.original.startswith(b"\xef\xbb\xbf") else ""
    mode = change.path.stat().st_mode & 0o7777
    replace_file(change.path, (bom + change.after).encode("utf-8"), mode=mode)
