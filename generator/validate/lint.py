"""Rules beyond the schema, one small function each.

A rule takes a pattern and the document it came from (for positions of nodes
the model does not keep) and yields diagnostics. Bank-wide rules see every
pattern at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from generator import regexes
from generator.errors import Diagnostic, Location
from generator.markup.visible import shows_nothing
from generator.model import LETTERS, Pattern, Question, QuestionRef
from generator.typing import BankRule, Rule
from generator.validate.document import Document, NodePath
from generator.validate.letters import no_answer_letters

_CHALLENGE_ONLY = ("time_limit", "attempts")


def _problem(location: Location, message: str, pattern: Pattern, q: Question | None) -> Diagnostic:
    return Diagnostic(location, "invalid", message, pattern.id, q.id if q else None)


def _indexed(pattern: Pattern) -> Iterator[tuple[NodePath, Question]]:
    for question in pattern.questions:
        yield ("questions", question.index), question


def one_correct_choice(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """Exactly one choice has ``correct: true``."""
    for q in pattern.questions:
        correct = [i for i, choice in enumerate(q.choices) if choice.correct]
        if not correct:
            yield _problem(
                q.fields.key("choices"),
                "no choice is marked `correct: true`; mark exactly one",
                pattern,
                q,
            )
        for extra in correct[1:]:
            first = LETTERS[correct[0]]
            yield _problem(
                q.choices[extra].fields.key("correct"),
                f"more than one correct choice ({first} is already correct); mark exactly one",
                pattern,
                q,
            )


def distinct_choices(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """No two choices of a question have the same text."""
    for q in pattern.questions:
        seen: dict[str, int] = {}
        for i, choice in enumerate(q.choices):
            key = choice.text.strip()
            if key in seen:
                yield _problem(
                    choice.location,
                    f"choice {LETTERS[i]} has the same text as choice {LETTERS[seen[key]]}",
                    pattern,
                    q,
                )
            seen.setdefault(key, i)


def predict_output_has_code(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """``predict-output`` questions have code; ``verify`` needs code too."""
    for q in pattern.questions:
        if q.code is None and q.type == "predict-output":
            yield _problem(
                q.fields.value("type"),
                "a predict-output question needs `code` (it is run to check the answer)",
                pattern,
                q,
            )
        elif q.code is None and q.fields.has("verify"):
            yield _problem(
                q.fields.key("verify"),
                "`verify` needs `code` to run",
                pattern,
                q,
            )


def only_python_runs(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """Code in another language is shown, never run (as Python or otherwise)."""
    for q in pattern.questions:
        if q.verify is None or q.language == "python":
            continue
        if q.type == "predict-output":
            why = "predict-output questions are always run"
            fix = "choose another `type` (such as `code`) to show the code without running it"
        else:
            why = "it has a `verify` block"
            fix = "remove `verify` to show the code without running it"
        yield _problem(
            q.fields.value("language"),
            f"`language: {q.language}` cannot be verified: qbank runs only Python code, and "
            f"this question asks for a run ({why}); {fix}",
            pattern,
            q,
        )


def verify_settings_agree(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """``error`` goes with ``expect: error``; regexes compile."""
    for q in pattern.questions:
        v = q.verify
        if v is None:
            continue
        if v.expect == "stdout" and v.error is not None:
            yield _problem(
                v.fields.key("error"),
                "`error` is only used with `expect: error`",
                pattern,
                q,
            )
        if v.match == "regex" and sum(c.correct for c in q.choices) == 1:
            target = q.expected
            why = regexes.problem(target or "")
            if why is not None:
                yield _problem(v.fields.value("match"), f"`match: regex` but {why}", pattern, q)


def code_is_a_literal_block(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """Multi-line ``code`` and ``setup`` are ``|`` blocks, so every program line is a file
    line (traceback lines map back) and no line break is folded away."""
    for path, q in _indexed(pattern):
        texts = [((*path, "code"), "code", q.code, q.fields)]
        if q.verify is not None:
            texts.append(((*path, "verify", "setup"), "setup", q.verify.setup, q.verify.fields))
        for text_path, what, text, fields in texts:
            if not text or not fields.has(what):
                continue
            # How the text was written (a `|` block or not) is the source's business: ask it.
            multi_line = "\n" in text.rstrip("\n")
            if text_path in doc.folded or (multi_line and text_path not in doc.block_scalars):
                yield _problem(
                    fields.value(what),
                    f"write `{what}` as a literal block (`{what}: |` and the lines below it), "
                    "so its lines stay as written",
                    pattern,
                    q,
                )


def challenge_only_keys(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """``time_limit`` and ``attempts`` belong to challenge questions."""
    for q in pattern.questions:
        if q.mode == "challenge":
            continue
        for key in _CHALLENGE_ONLY:
            if q.fields.has(key):
                yield _problem(
                    q.fields.key(key),
                    f"`{key}` only applies to challenge questions; this one is practice",
                    pattern,
                    q,
                )


def prompt_not_empty(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """The prompt shows learners something once rendered and sanitised as on the site."""
    for q in pattern.questions:
        if shows_nothing(q.prompt):
            yield _problem(
                q.fields.value("prompt"),
                "prompt renders to nothing visible on the site (scripts, styles, comments "
                "and blank characters show nothing); write the question as text",
                pattern,
                q,
            )


def file_name_matches_id(pattern: Pattern, doc: Document) -> Iterator[Diagnostic]:
    """``bank/<topic>/<id>.yaml``: the file name is the pattern id."""
    if pattern.path.stem != pattern.id:
        yield _problem(
            pattern.id_location,
            f"pattern id `{pattern.id}` differs from its file name `{pattern.path.name}`; "
            f"rename one so they match",
            pattern,
            None,
        )


RULES: tuple[Rule, ...] = (
    one_correct_choice,
    distinct_choices,
    predict_output_has_code,
    only_python_runs,
    verify_settings_agree,
    code_is_a_literal_block,
    challenge_only_keys,
    no_answer_letters,
    prompt_not_empty,
)
#: Rules about where a file lives; skipped for single files given on the command line.
PLACEMENT_RULES: tuple[Rule, ...] = (file_name_matches_id,)


def unique_ids(
    patterns: Sequence[Pattern], unloaded: Sequence[QuestionRef]
) -> Iterator[Diagnostic]:
    """Pattern ids and question ids are unique across the whole bank, counting the
    questions of files that could not be loaded (by the id they were seen to have)."""
    seen: dict[str, Location] = {}
    for pattern in patterns:
        where = pattern.id_location
        if pattern.id in seen:
            yield _problem(where, _dup("pattern", pattern.id, seen[pattern.id]), pattern, None)
        seen.setdefault(pattern.id, where)
    questions: dict[str, Location] = {}
    for pattern in patterns:
        for q in pattern.questions:
            if q.id in questions:
                yield _problem(q.id_location, _dup("question", q.id, questions[q.id]), pattern, q)
            questions.setdefault(q.id, q.id_location)
    for ref in unloaded:
        if ref.question.startswith("question "):
            continue  # no readable id
        if ref.question in questions:
            message = _dup("question", ref.question, questions[ref.question])
            yield Diagnostic(ref.location, "invalid", message, ref.pattern, ref.question)
        questions.setdefault(ref.question, ref.location)


def _dup(kind: str, ident: str, first: Location) -> str:
    return f"{kind} id `{ident}` is already used at {first}; ids must be unique across the bank"


BANK_RULES: tuple[BankRule, ...] = (unique_ids,)


def lint_pattern(pattern: Pattern, doc: Document, *, placement: bool = True) -> list[Diagnostic]:
    """Every lint problem of one pattern file."""
    rules = RULES + (PLACEMENT_RULES if placement else ())
    return [d for rule in rules for d in rule(pattern, doc)]


def lint_bank(
    patterns: Sequence[Pattern], unloaded: Sequence[QuestionRef] = ()
) -> list[Diagnostic]:
    """Every problem across files (each file is linted on its own first)."""
    return [d for rule in BANK_RULES for d in rule(patterns, unloaded)]


def topic_slug(path: Path) -> str:
    """The topic slug a pattern file's folder gives."""
    return path.parent.name
