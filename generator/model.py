"""The nouns of a bank: patterns, their questions and choices, what verifies them.

Every object keeps the :class:`Location` of the YAML node it came from, so a
message about it can start ``FILE:LINE:COLUMN:`` without a second lookup.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Location
from generator.fields import NO_FIELDS as NO_FIELDS
from generator.fields import Fields as Fields

#: Answer letters, assigned in display order at render time.
LETTERS = "ABCDEFGH"
# The allowed words for mode, type, difficulty, expect and match live in the JSON Schema.

#: The three difficulty bands the site's Test mode draws from, easiest first.
BANDS = ("easy", "medium", "hard")
#: Difficulty words grouped into those bands (the schema allows only these words).
DIFFICULTY_BAND = {
    "easy": "easy",
    "medium": "medium",
    "intermediate": "medium",
    "hard": "hard",
    "advanced": "hard",
    "expert": "hard",
}


@dataclass(frozen=True)
class Defaults:
    """Bank-wide defaults for questions and runs (``defaults:`` in bank.yaml)."""

    time_limit: int = 120
    attempts: int = 2
    timeout: float = 30
    runs: int = 2
    memory_mb: int = 4096
    shuffle: bool = False
    """Whether questions shuffle their choices for each Test and Challenge attempt."""


@dataclass(frozen=True)
class Settings:
    """What ``bank/bank.yaml`` says; every field has a default when the file is absent."""

    title: str = "Pattern Practice"
    description: str = ""
    defaults: Defaults = field(default_factory=Defaults)
    theme: str | None = None
    """Folder of templates/assets overriding the defaults, relative to the bank."""
    report_url: str | None = None
    """Address of the "Report a problem" link on every question, with ``{pattern}``,
    ``{question}`` and ``{title}`` filled in by the site."""
    location: Location | None = None


@dataclass(frozen=True)
class Choice:
    """One answer option; letters are assigned at render time, never stored."""

    text: str
    correct: bool
    why: str | None
    location: Location
    fields: Fields = NO_FIELDS

    @property
    def text_location(self) -> Location:
        """Where the text itself was written (``text:``'s value, or the plain string)."""
        return self.fields.value("text") if self.fields.has("text") else self.location

    @property
    def text_path(self) -> tuple[str, ...]:
        """The node holding the text, below the choice's own node."""
        return ("text",) if self.fields.has("text") else ()


@dataclass(frozen=True)
class Step:
    """One numbered step of a worked solution."""

    title: str
    body: str
    location: Location


@dataclass(frozen=True)
class Solution:
    """A worked solution: steps and a quick check (``{answer}`` names the letter)."""

    steps: tuple[Step, ...]
    quick_check: str | None
    location: Location


@dataclass(frozen=True)
class Verify:
    """How a question's code is checked, with bank defaults already applied."""

    expect: str
    output: str | None
    """Expected stdout; None means the correct choice's text."""
    error: str | None
    """With ``expect: error``, the traceback's last line: ``error`` as written, else the
    correct choice's text (None only while the question has no single correct choice)."""
    setup: str
    requires: tuple[str, ...]
    resources: tuple[str, ...]
    timeout: float
    runs: int
    match: str
    memory_mb: int
    location: Location
    setup_location: Location | None = None
    """Where the first line of ``setup`` was written, for mapping tracebacks."""
    resource_locations: tuple[Location, ...] = ()
    """Where each entry of ``resources`` was written."""
    fields: Fields = NO_FIELDS


@dataclass(frozen=True)
class Key:
    """A question's answer key, worked out in one place (:attr:`Question.key`): the text
    a run must give, which node of the file holds it and where. Checks point at it,
    ``verify --accept`` edits it, reports show it."""

    text: str
    kind: str
    """``choice`` (the correct choice's text), ``output`` or ``error`` (``verify.*``)."""
    path: tuple[str | int, ...]
    """The node holding it, below the question's: ``("verify", "error")``,
    ``("choices", 1, "text")``, or ``("choices", 1)`` for a choice written as a string."""
    location: Location
    """Where that value was written: its first character (a block's ``|``)."""


@dataclass(frozen=True)
class Question:
    """One question of a pattern, as the author wrote it plus resolved defaults."""

    id: str
    pattern_id: str
    mode: str
    type: str
    difficulty: str
    title: str
    prompt: str
    choices: tuple[Choice, ...]
    location: Location
    time_limit: int | None = None
    """Seconds; challenge questions only."""
    attempts: int | None = None
    """Challenge questions only."""
    code: str | None = None
    language: str = "python"
    shuffle: bool = False
    """Shuffle the choices for each Test and Challenge attempt, in the browser (the
    question's own ``shuffle``, else the bank's default)."""
    hint: str | None = None
    solution: Solution | None = None
    common_mistakes: tuple[str, ...] = ()
    verify: Verify | None = None
    """Set when the code is executed (always for predict-output)."""
    code_location: Location | None = None
    """Where the first line of ``code`` was written, for mapping tracebacks."""
    index: int = 0
    """Position in its file's ``questions`` list (counting questions that break the schema)."""
    id_at: Location | None = None
    """Where the ``id`` value was written, when known."""
    fields: Fields = NO_FIELDS
    """Where each key and value of the question was written."""

    @property
    def id_location(self) -> Location:
        """Where the ``id`` value was written (else where the question starts)."""
        return self.id_at or self.location

    @property
    def band(self) -> str:
        """The difficulty band (easy, medium or hard) the question's difficulty falls in."""
        return DIFFICULTY_BAND[self.difficulty]

    @property
    def correct(self) -> Choice:
        """The one correct choice (lint guarantees there is exactly one)."""
        return next(choice for choice in self.choices if choice.correct)

    @property
    def correct_index(self) -> int:
        """Position of the correct choice in the author's order."""
        return next(i for i, choice in enumerate(self.choices) if choice.correct)

    @property
    def key(self) -> Key:
        """The answer key, the one rule: with ``expect: error`` the traceback's last line
        (``verify.error``, else the correct choice's text), else the printed output
        (``verify.output``, else the correct choice's text)."""
        verify = self.verify
        correct = [(i, c) for i, c in enumerate(self.choices) if c.correct]
        if verify is not None:
            name = "error" if verify.expect == "error" else "output"
            text = verify.error if name == "error" else verify.output
            # The parser fills in a missing `error` with the correct choice's text.
            filled = name == "error" and not verify.fields.has(name)
            if filled and len(correct) == 1 and text == correct[0][1].text:
                text = None
            if text is not None:
                return Key(text, name, ("verify", name), verify.fields.value(name))
        if len(correct) != 1:  # lint reports it; such a question is never run
            return Key("", "choice", ("choices",), self.fields.value("choices"))
        i, choice = correct[0]
        return Key(choice.text, "choice", ("choices", i, *choice.text_path), choice.text_location)

    @property
    def expected(self) -> str:
        """What a run must give: the key's text."""
        return self.key.text


@dataclass(frozen=True)
class Pattern:
    """One pattern file: a lesson and its questions."""

    id: str
    title: str
    topic: str
    topic_slug: str
    questions: tuple[Question, ...]
    path: Path
    location: Location
    tags: tuple[str, ...] = ()
    minutes: int | None = None
    badge: str | None = None
    intro: str = ""
    id_at: Location | None = None
    source: str = ""
    """A hash of the file's text and of everything else its check read (settings, qbank's
    version); "" when unknown. Equal sources mean equal patterns."""
    """Where the ``id`` value was written, when known."""

    @property
    def id_location(self) -> Location:
        """Where the ``id`` value was written (else where the file starts)."""
        return self.id_at or self.location

    def challenge(self) -> tuple[Question, ...]:
        """The questions of Challenge mode, in the author's order."""
        return tuple(q for q in self.questions if q.mode == "challenge")

    def practice(self) -> tuple[Question, ...]:
        """The questions of Practice mode, in the author's order."""
        return tuple(q for q in self.questions if q.mode == "practice")


@dataclass(frozen=True)
class QuestionRef:
    """A question as far as it could be read: enough to report on it, even when its
    file breaks the schema and no :class:`Question` could be built."""

    pattern: str
    question: str
    location: Location


@dataclass(frozen=True)
class Bank:
    """A whole bank: its settings and every pattern, sorted by file path."""

    root: Path
    settings: Settings
    patterns: tuple[Pattern, ...]
    unloaded: tuple[QuestionRef, ...] = ()
    """Questions of files that break the schema (reported ``invalid``, never run)."""

    def questions(self) -> Iterator[Question]:
        """Every question of every pattern, in file order."""
        for pattern in self.patterns:
            yield from pattern.questions

    def refs(self) -> list[QuestionRef]:
        """Every question the bank names, loaded or not."""
        loaded = [QuestionRef(q.pattern_id, q.id, q.location) for q in self.questions()]
        return loaded + list(self.unloaded)
