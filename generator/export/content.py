"""One question as every export format holds it: plain name, HTML texts, lettered choices.

Choices keep the author's order, as the site's Practice shows them, so ``{answer}``
names the same letter in the LMS; the exports ask the LMS not to shuffle them.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.export.text import HtmlText, clean, code_block, literal
from generator.markup import shows_output
from generator.model import LETTERS, Pattern, Question
from generator.typing import Fill, Status

#: Put before the name (and atop the text) of a question exported with --allow-unverified.
UNVERIFIED = "[unverified]"


@dataclass(frozen=True)
class ItemChoice:
    """One choice: its HTML, whether it is the key, and its feedback (the author's ``why``)."""

    html: str
    correct: bool
    feedback: str | None


@dataclass(frozen=True)
class Item:
    """A question ready to write in any format."""

    ident: str
    """``pattern-id/question-id``: unique across the bank."""
    name: str
    """Plain text (the formats escape it), with the unverified marker when exported so."""
    category: tuple[str, str]
    """(topic, pattern title): the LMS category path below the course."""
    text: str
    """HTML: the prompt, then the code as a formatted block."""
    choices: tuple[ItemChoice, ...]
    hint: str | None
    """HTML."""
    feedback: str
    """HTML shown after answering: solution steps, quick check, common mistakes."""
    tags: tuple[str, ...] = ()
    unverified: Status | None = None
    """The status of a question exported with --allow-unverified, else None."""

    @property
    def hint_note(self) -> str:
        """The hint as a feedback paragraph, for formats without hints ("" when none)."""
        return f"<p><strong>Hint:</strong></p>\n{self.hint}" if self.hint else ""


def category_path(topic: str, pattern: str) -> str:
    """``$course$/Topic/Pattern`` as Moodle reads it: a ``/`` inside a name doubled."""
    names = []
    for name in (topic, pattern):
        escaped = " ".join(name.split()).replace("/", "//")
        # Moodle pads a name starting or ending in "/" so the doubling stays readable.
        escaped = (" " if escaped.startswith("/") else "") + escaped
        escaped += " " if escaped.endswith("/") else ""
        names.append(escaped)
    return "$course$/" + "/".join(names)


def build_item(
    pattern: Pattern, question: Question, texts: HtmlText, unverified: Status | None = None
) -> Item:
    """Render every text of ``question`` for an export; ``{answer}`` becomes its letter."""
    # The author's order, as the site's Practice shows it: `{answer}` names that letter
    # (the LMS is told not to shuffle, or the letters would disagree).
    order = range(len(question.choices))
    letter = LETTERS[question.correct_index]

    def fill(text: str) -> str:
        return text.replace("{answer}", letter)

    output = shows_output(question)
    choices = tuple(
        ItemChoice(
            literal(choice.text) if output else texts.inline(fill(choice.text)),
            choice.correct,
            texts.inline(fill(choice.why)) if choice.why else None,
        )
        for choice in (question.choices[i] for i in order)
    )
    parts = []
    if unverified:
        parts.append(
            f"<p><strong>{UNVERIFIED}</strong> qbank could not verify the answer key of this "
            f"question ({unverified}).</p>"
        )
    parts.append(texts.block(fill(question.prompt)))
    if question.code:
        parts.append(code_block(question.code, question.language))
    name = clean(fill(question.title))
    return Item(
        ident=f"{question.pattern_id}/{question.id}",
        name=f"{UNVERIFIED} {name}" if unverified else name,
        category=(clean(pattern.topic), clean(pattern.title)),
        text="\n".join(parts),
        choices=choices,
        hint=texts.block(fill(question.hint)) if question.hint else None,
        feedback=_solution(question, texts, fill),
        tags=tuple(clean(tag) for tag in pattern.tags),
        unverified=unverified,
    )


def _solution(question: Question, texts: HtmlText, fill: Fill) -> str:
    """The worked solution as HTML: numbered steps, quick check, common mistakes."""
    parts = []
    solution = question.solution
    if solution is not None and solution.steps:
        steps = "".join(
            f"<li><p><strong>{texts.inline(fill(step.title))}</strong></p>"
            f"{texts.block(fill(step.body))}</li>"
            for step in solution.steps
        )
        parts.append(f"<ol>{steps}</ol>")
    if solution is not None and solution.quick_check:
        parts.append(f"<p>Quick check: {texts.inline(fill(solution.quick_check))}</p>")
    if question.common_mistakes:
        mistakes = "".join(f"<li>{texts.inline(fill(m))}</li>" for m in question.common_mistakes)
        parts.append(f"<p>Common mistakes:</p><ul>{mistakes}</ul>")
    return "\n".join(parts)
