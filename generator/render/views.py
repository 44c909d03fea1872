"""What a learner sees of a question: lettered choices, rendered texts, the answer.

Pages are written in the author's order. A question that shuffles is reordered in
the browser for each Test and Challenge attempt; every letter and every ``{answer}``
(an element the script fills) then follows the order shown, and the author-order
letter written here is what a page shows without its script. Progress names a
choice by its :func:`choice_key`, never by its position.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from generator.markup import shows_output
from generator.model import BANDS, LETTERS, Choice, Pattern, Question
from generator.render.text import (
    ANSWER_MARK,
    TextRenderer,
    answer_letters,
    plain_text,
)
from generator.result import QuestionResult

TYPE_LABELS = {
    "conceptual": "Conceptual",
    "predict-output": "Predict Output",
    "model-choice": "Model Choice",
    "hyperparameter": "Hyperparameter",
    "metrics": "Metrics",
    "debugging": "Debugging",
    "code": "Code",
    "other": "Other",
}


@dataclass(frozen=True)
class ChoiceView:
    """One choice in the author's order: its letter there, its HTML, feedback and key."""

    letter: str
    html: Markup
    why: Markup | None
    correct: bool
    key: str
    """The choice's identity in saved progress (:func:`choice_key`)."""


@dataclass(frozen=True)
class StepView:
    """One numbered step of a worked solution."""

    title: Markup
    body: Markup


@dataclass(frozen=True)
class QuestionView:
    """Everything a template needs to show one question, texts already rendered."""

    id: str
    pattern: str
    """Id of the pattern the question belongs to."""
    mode: str
    type_label: str
    difficulty: str
    band: str
    title: str
    prompt: Markup
    code: Markup | None
    language: str
    """Display name of the language of ``code`` (``Python``)."""
    choices: tuple[ChoiceView, ...]
    answer: int
    """Index of the correct choice in the author's order."""
    shuffle: bool
    """Whether the page's script shuffles the choices for each Test and Challenge attempt."""
    time_limit: int
    attempts: int
    hint: Markup | None
    steps: tuple[StepView, ...]
    final_answer: Markup
    quick_check: Markup | None
    mistakes: tuple[Markup, ...]
    verified: str | None
    """``Python 3.11.7, tensorflow 2.21.0`` when the output was verified by running it."""

    @property
    def letter(self) -> str:
        """Letter of the correct choice in the author's order (shown without the script)."""
        return LETTERS[self.answer]

    @property
    def answer_key(self) -> str:
        """Key of the correct choice."""
        return self.choices[self.answer].key

    @property
    def has_solution(self) -> bool:
        """Whether there is a worked solution beyond the final answer."""
        return bool(self.steps or self.quick_check or self.mistakes)


def choice_key(choice: Choice) -> str:
    """A choice's identity in saved progress: a hash of its text and of whether it is
    correct. Reordering choices keeps it; editing a choice's text, or which choice is
    correct, makes a new one, so a stored answer can never turn from wrong to right."""
    digest = hashlib.sha256(f"{int(choice.correct)}:{choice.text}".encode())
    return digest.hexdigest()[:8]


def choice_keys(question: Question) -> list[str]:
    """The key of each choice of ``question``, in the author's order, all different."""
    keys = [choice_key(choice) for choice in question.choices]
    if len(set(keys)) < len(keys):  # lint forbids equal texts; never let two keys meet
        keys = [f"{key}{i}" for i, key in enumerate(keys)]
    return keys


def verified_note(result: QuestionResult | None) -> str | None:
    """What verified a question, as its page says it ("Python 3.11.7, NumPy 2.4.6"), or None
    (the only thing of a question's result that its pages show)."""
    if result is not None and result.status == "ok" and result.executed and result.environment:
        return result.environment.describe()
    return None


def build_view(
    question: Question,
    texts: TextRenderer,
    result: QuestionResult | None = None,
) -> QuestionView:
    """Render every text of ``question``; each ``{answer}`` becomes an element holding
    the letter of the correct choice (see :func:`generator.render.text.answer_letters`)."""
    answer = question.correct_index
    letter = LETTERS[answer]

    def block(text: str) -> Markup:
        return answer_letters(texts.block(text.replace("{answer}", ANSWER_MARK)), letter)

    def inline(text: str) -> Markup:
        return answer_letters(texts.inline(text.replace("{answer}", ANSWER_MARK)), letter)

    literal = shows_output(question)
    keys = choice_keys(question)
    choices = tuple(
        ChoiceView(
            LETTERS[i],
            texts.literal(choice.text) if literal else inline(choice.text),
            inline(choice.why) if choice.why else None,
            choice.correct,
            keys[i],
        )
        for i, choice in enumerate(question.choices)
    )
    solution = question.solution
    steps = tuple(
        StepView(inline(step.title), block(step.body))
        for step in (solution.steps if solution else ())
    )
    quick_check = solution.quick_check if solution else None
    # A title is plain text (also a label): it keeps the author-order letter.
    title = plain_text(question.title.replace("{answer}", letter))
    verified = verified_note(result)
    return QuestionView(
        id=question.id,
        pattern=question.pattern_id,
        mode=question.mode,
        type_label=TYPE_LABELS.get(question.type, question.type.title()),
        difficulty=question.difficulty,
        band=question.band,
        title=title,
        prompt=block(question.prompt),
        code=texts.code(question.code, question.language, f"Code for: {title}")
        if question.code
        else None,
        language=texts.language(question.language),
        choices=choices,
        answer=answer,
        shuffle=question.shuffle,
        time_limit=question.time_limit or 0,  # challenge questions only; parse set them
        attempts=question.attempts or 0,
        hint=block(question.hint) if question.hint else None,
        steps=steps,
        final_answer=Markup("{} → Option {}").format(
            choices[answer].html, answer_letters(ANSWER_MARK, letter)
        ),
        quick_check=inline(quick_check) if quick_check else None,
        mistakes=tuple(inline(m) for m in question.common_mistakes),
        verified=verified,
    )


def draw_test(pattern: Pattern, limit: int = 10) -> tuple[Question, ...]:
    """Up to ``limit`` questions spread over the easy, medium and hard bands, easy first.

    This is the Test a page shows without its script; with it, each attempt draws its
    own set in the browser the same way. Seeded by the pattern id: builds reproduce.
    """
    by_band: dict[str, list[Question]] = {band: [] for band in BANDS}
    for question in pattern.questions:
        by_band[question.band].append(question)
    if len(pattern.questions) > limit:
        rng = random.Random(f"qbank-test:{pattern.id}")
        pools = {band: rng.sample(qs, len(qs)) for band, qs in by_band.items()}
        chosen: set[str] = set()
        while len(chosen) < limit:
            for band in BANDS:
                if pools[band] and len(chosen) < limit:
                    chosen.add(pools[band].pop(0).id)
        by_band = {b: [q for q in qs if q.id in chosen] for b, qs in by_band.items()}
    return tuple(q for band in BANDS for q in by_band[band])


def band_counts(questions: tuple[Question, ...]) -> dict[str, int]:
    """How many questions fall in each difficulty band."""
    counts = dict.fromkeys(BANDS, 0)
    for question in questions:
        counts[question.band] += 1
    return counts


def build_views(
    questions: tuple[Question, ...] | list[Question],
    texts: TextRenderer,
    results: Mapping[str, QuestionResult],
) -> dict[str, QuestionView]:
    """Views of many questions, keyed by question id."""
    return {q.id: build_view(q, texts, results.get(q.id)) for q in questions}
