"""What a learner sees of a question: lettered choices, rendered texts, the answer.

Letters are assigned here, in display order (after a deterministic shuffle when
the author asked for one), and ``{answer}`` in every text becomes the letter
of the correct choice as displayed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup

from generator.model import BANDS, LETTERS, Pattern, Question
from generator.render.text import TextRenderer, highlight_code, language_name, plain_text
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
    """One choice as displayed: its letter, its HTML and its feedback."""

    letter: str
    html: Markup
    why: Markup | None
    correct: bool


@dataclass(frozen=True)
class StepView:
    """One numbered step of a worked solution."""

    title: Markup
    body: Markup


@dataclass(frozen=True)
class QuestionView:
    """Everything a template needs to show one question, texts already rendered."""

    id: str
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
    """Index of the correct choice in display order."""
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
        """Letter of the correct choice as displayed."""
        return LETTERS[self.answer]

    @property
    def has_solution(self) -> bool:
        """Whether there is a worked solution beyond the final answer."""
        return bool(self.steps or self.quick_check or self.mistakes)


def display_order(question: Question) -> list[int]:
    """Author indexes of the choices in display order; shuffled by a seed of the id."""
    order = list(range(len(question.choices)))
    if question.shuffle:
        random.Random(f"qbank:{question.id}").shuffle(order)
    return order


def shows_output(question: Question) -> bool:
    """Whether the choices are program output, shown exactly as written.

    They are for predict-output questions, and whenever the code's stdout is checked
    against the correct choice's text: Markdown would change what the learner sees
    from what was verified (``__init__`` would turn bold, ``2*3*4`` italic).
    """
    verify = question.verify
    checked = verify is not None and verify.expect == "stdout" and verify.output is None
    return checked or question.type == "predict-output"


def build_view(
    question: Question,
    texts: TextRenderer,
    result: QuestionResult | None = None,
) -> QuestionView:
    """Render every text of ``question``, with ``{answer}`` replaced by its letter."""
    order = display_order(question)
    answer = order.index(question.correct_index)
    letter = LETTERS[answer]

    def fill(text: str) -> str:
        return text.replace("{answer}", letter)

    literal = shows_output(question)
    choices: list[ChoiceView] = []
    for index in order:
        choice = question.choices[index]
        shown = texts.literal(choice.text) if literal else texts.inline(fill(choice.text))
        why = texts.inline(fill(choice.why)) if choice.why else None
        choices.append(ChoiceView(LETTERS[len(choices)], shown, why, choice.correct))
    solution = question.solution
    steps = tuple(
        StepView(texts.inline(fill(step.title)), texts.block(fill(step.body)))
        for step in (solution.steps if solution else ())
    )
    quick_check = solution.quick_check if solution else None
    title = plain_text(fill(question.title))
    verified = None
    if result is not None and result.status == "ok" and result.executed and result.environment:
        verified = result.environment.describe()
    return QuestionView(
        id=question.id,
        mode=question.mode,
        type_label=TYPE_LABELS.get(question.type, question.type.title()),
        difficulty=question.difficulty,
        band=question.band,
        title=title,
        prompt=texts.block(fill(question.prompt)),
        code=highlight_code(question.code, question.language, f"Code for: {title}")
        if question.code
        else None,
        language=language_name(question.language),
        choices=tuple(choices),
        answer=answer,
        time_limit=question.time_limit or 0,  # challenge questions only; parse set them
        attempts=question.attempts or 0,
        hint=texts.block(fill(question.hint)) if question.hint else None,
        steps=steps,
        final_answer=Markup("{} → Option {}").format(choices[answer].html, letter),
        quick_check=texts.inline(fill(quick_check)) if quick_check else None,
        mistakes=tuple(texts.inline(fill(m)) for m in question.common_mistakes),
        verified=verified,
    )


def draw_test(pattern: Pattern, limit: int = 10) -> tuple[Question, ...]:
    """Up to ``limit`` questions spread over the easy, medium and hard bands, easy first.

    The draw is deterministic (seeded by the pattern id) so a build is reproducible.
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
