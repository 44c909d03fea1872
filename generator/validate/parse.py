"""Schema-valid documents → model objects, with bank defaults applied."""

from __future__ import annotations

from typing import Any

from generator.model import Choice, Defaults, Pattern, Question, Settings, Solution, Step, Verify
from generator.validate.document import Document, NodePath


def settings_from(doc: Document | None) -> Settings:
    """Bank settings from a schema-valid ``bank.yaml`` (defaults when there is none)."""
    if doc is None:
        return Settings()
    data: dict[str, Any] = doc.data
    defaults = Defaults(**data.get("defaults", {}))
    return Settings(
        title=data.get("title", Settings.title),
        description=data.get("description", ""),
        defaults=defaults,
        theme=data.get("theme"),
        report_url=data.get("report_url"),
        location=doc.at(()),
    )


def pattern_from(
    doc: Document, topic_slug: str, settings: Settings, skip: frozenset[int] = frozenset()
) -> Pattern:
    """The pattern a file describes whose own keys are schema-valid; questions at the
    indexes in ``skip`` break the schema and are left out."""
    data: dict[str, Any] = doc.data
    questions = tuple(
        _question(doc, ("questions", i), item, data["id"], settings.defaults)
        for i, item in enumerate(data["questions"])
        if i not in skip
    )
    return Pattern(
        id=data["id"],
        title=data["title"],
        topic=data["topic"],
        topic_slug=topic_slug,
        questions=questions,
        path=doc.path,
        location=doc.at(()),
        tags=tuple(data.get("tags", ())),
        minutes=data.get("minutes"),
        badge=data.get("badge"),
        intro=data.get("intro", ""),
        id_at=doc.at(("id",)),
    )


def _question(
    doc: Document, path: NodePath, data: dict[str, Any], pattern_id: str, defaults: Defaults
) -> Question:
    challenge = data["mode"] == "challenge"
    choices = tuple(
        _choice(doc, (*path, "choices", i), item) for i, item in enumerate(data["choices"])
    )
    return Question(
        id=data["id"],
        pattern_id=pattern_id,
        index=path[1] if isinstance(path[1], int) else 0,
        mode=data["mode"],
        type=data["type"],
        difficulty=data["difficulty"],
        title=data["title"],
        prompt=data["prompt"],
        choices=choices,
        location=doc.at(path),
        time_limit=data.get("time_limit", defaults.time_limit) if challenge else None,
        attempts=data.get("attempts", defaults.attempts) if challenge else None,
        code=data.get("code"),
        language=data.get("language", "python"),
        shuffle=data.get("shuffle", defaults.shuffle),
        hint=data.get("hint"),
        solution=_solution(doc, (*path, "solution"), data.get("solution")),
        common_mistakes=tuple(data.get("common_mistakes", ())),
        verify=_verify(doc, path, data, defaults, choices),
        code_location=doc.text_line((*path, "code"), 0) if "code" in data else None,
        id_at=doc.at((*path, "id")),
        fields=doc.fields(path),
    )


def _choice(doc: Document, path: NodePath, item: str | dict[str, Any]) -> Choice:
    if isinstance(item, str):
        return Choice(text=item, correct=False, why=None, location=doc.at(path))
    return Choice(
        text=item["text"],
        correct=bool(item.get("correct", False)),
        why=item.get("why"),
        location=doc.at(path),
        fields=doc.fields(path),
    )


def _solution(doc: Document, path: NodePath, data: dict[str, Any] | None) -> Solution | None:
    if data is None:
        return None
    steps = tuple(
        Step(title=s["title"], body=s["body"], location=doc.at((*path, "steps", i)))
        for i, s in enumerate(data.get("steps", ()))
    )
    return Solution(steps=steps, quick_check=data.get("quick_check"), location=doc.at(path))


def _verify(
    doc: Document,
    path: NodePath,
    question: dict[str, Any],
    defaults: Defaults,
    choices: tuple[Choice, ...],
) -> Verify | None:
    """The run settings when the question's code is executed, else None."""
    data: dict[str, Any] | None = question.get("verify")
    if question.get("code") is None or (data is None and question["type"] != "predict-output"):
        return None
    data = data or {}
    expect = data.get("expect", "stdout")
    error = data.get("error")
    correct = [choice.text for choice in choices if choice.correct]
    if expect == "error" and error is None and len(correct) == 1:
        error = correct[0]  # as `output` defaults to the correct choice's text
    resources = tuple(data.get("resources", ()))
    return Verify(
        expect=expect,
        output=data.get("output"),
        error=error,
        setup=data.get("setup", ""),
        requires=tuple(data.get("requires", ())),
        resources=resources,
        timeout=float(data.get("timeout", defaults.timeout)),
        runs=data.get("runs", defaults.runs),
        match=data.get("match", "exact"),
        memory_mb=data.get("memory_mb", defaults.memory_mb),
        location=doc.at((*path, "verify")) if "verify" in question else doc.at((*path, "code")),
        setup_location=doc.text_line((*path, "verify", "setup"), 0) if "setup" in data else None,
        resource_locations=tuple(
            doc.at((*path, "verify", "resources", i)) for i in range(len(resources))
        ),
        fields=doc.fields((*path, "verify")),
    )
