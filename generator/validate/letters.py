"""The rule against hand-written answer letters ("Option B", "= B"): authors write
``{answer}``, which the site fills with the letter the learner sees after shuffling."""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator.errors import Diagnostic
from generator.model import LETTERS, Pattern, Question
from generator.validate.document import Document, NodePath

#: Hand-written answer letters: "Option B", "= B [OK]", "-> Option D", "answer is C".
_LETTER = re.compile(
    r"(?:\b[Oo]ption\s+(?P<a>[A-H])\b"
    r"|(?:=|->|→|=>)\s*(?P<b>[A-H])(?=\s*(?:\[OK\]|$|[.,;:!?)\]]))"
    r"|\b[Aa]nswer(?:\s+is)?\s*:?\s+(?P<c>[A-H])(?=\s*(?:\[OK\]|$|[.,;:!?)\]])))",
    re.MULTILINE,
)


def _texts(path: NodePath, q: Question) -> Iterator[tuple[NodePath, str, str]]:
    """(path, what, text) of every text where authors might write an answer letter."""
    if q.hint:
        yield (*path, "hint"), "hint", q.hint
    for i, choice in enumerate(q.choices):
        if choice.why:
            yield (*path, "choices", i, "why"), f"`why` of choice {LETTERS[i]}", choice.why
    if q.solution:
        for i, step in enumerate(q.solution.steps):
            where = f"solution step {i + 1}"
            yield (*path, "solution", "steps", i, "title"), where, step.title
            yield (*path, "solution", "steps", i, "body"), where, step.body
        if q.solution.quick_check:
            yield (*path, "solution", "quick_check"), "quick check", q.solution.quick_check
    for i, mistake in enumerate(q.common_mistakes):
        yield (*path, "common_mistakes", i), "common mistake", mistake


def letter_group(match: re.Match[str]) -> str:
    """The name of the group that caught the letter."""
    return next(name for name in "abc" if match.group(name))


def no_answer_letters(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """Answer letters are written as ``{answer}``, never by hand (they go stale)."""
    for q in pattern.questions:
        path: NodePath = ("questions", q.index)
        right = LETTERS[q.correct_index] if any(c.correct for c in q.choices) else None
        for text_path, what, text in _texts(path, q):
            for match in _LETTER.finditer(text):
                letter = match.group("a") or match.group("b") or match.group("c")
                line = text.count("\n", 0, match.start())
                column = match.start(letter_group(match)) - (text.rfind("\n", 0, match.start()) + 1)
                location = doc.text_line(text_path, line, column)
                if right is not None and letter != right:
                    message = (
                        f"{what} names answer {letter}, but the correct choice is {right}; "
                        "write {answer} instead of a letter"
                    )
                else:
                    message = (
                        f"{what} names the answer letter {letter} by hand; write {{answer}} so it "
                        "stays right when choices change"
                    )
                yield Diagnostic(location, "invalid", message, pattern.id, q.id)
