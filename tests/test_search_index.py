"""The search index updated by what changed is, file for file, the index worked out from
scratch, and it names every file whose text changed (so a rebuild writes them all)."""

from __future__ import annotations

import dataclasses
import pickle
import random

import pytest

from generator.model import Pattern
from generator.render import search
from generator.render.search_index import Search, Words
from tests.site_helpers import generated_bank


def _sourced(pattern: Pattern) -> Pattern:
    """The pattern with a source, as the memo stamps one: a hash of what it holds."""
    return dataclasses.replace(pattern, source=str(hash(repr(dataclasses.replace(pattern)))))


def _edit(rng: random.Random, patterns: list[Pattern], step: int) -> None:
    """One random edit of the bank: a question's words, a question added or removed, a
    pattern added, removed, moved or renamed, or nothing."""
    n = rng.randrange(len(patterns))
    pattern = patterns[n]
    questions = list(pattern.questions)
    kind = rng.choice(["title", "prompt", "choice", "add", "remove", "new", "gone", "move", "name"])
    word = rng.choice(["zebra", "tensor", "numpy", f"word{step}", "question", "the", "é"])
    if kind in ("title", "prompt", "choice"):
        i = rng.randrange(len(questions))
        question = questions[i]
        if kind == "title":
            question = dataclasses.replace(question, title=f"{question.title} {word}")
        elif kind == "prompt":
            question = dataclasses.replace(question, prompt=f"{word} only")
        else:
            first = dataclasses.replace(question.choices[0], text=word)
            question = dataclasses.replace(question, choices=(first, *question.choices[1:]))
        questions[i] = question
    elif kind == "add":
        questions.append(dataclasses.replace(questions[0], id=f"added-{step}", title=word))
    elif kind == "remove" and len(questions) > 1:
        questions.pop(rng.randrange(len(questions)))
    elif kind == "new":
        patterns.insert(n, _sourced(dataclasses.replace(pattern, id=f"new-{step}")))
        return
    elif kind == "gone" and len(patterns) > 1:
        patterns.pop(n)
        return
    elif kind == "move":
        patterns.insert(rng.randrange(len(patterns)), patterns.pop(n))
        return
    elif kind == "name":
        pattern = dataclasses.replace(pattern, title=f"{pattern.title} {word}")
    patterns[n] = _sourced(dataclasses.replace(pattern, questions=tuple(questions)))


@pytest.mark.parametrize("seed", range(4))
def test_an_updated_index_is_the_index_from_scratch(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SHARD_BYTES", 1_500)  # parts split, and split again
    rng = random.Random(seed)
    patterns = [_sourced(p) for p in generated_bank(240, per_pattern=4).patterns]
    remembered: dict[str, Words] = {}
    last = None
    before: dict[str, str] = {}
    for step in range(25):
        urls = {p.id: f"{p.topic_slug}/{p.id}/" for p in patterns}
        updated = Search(patterns, urls, last, remembered.get)
        remembered.update(updated.fresh)
        scratch = Search(patterns, urls)
        texts = {path: scratch.text(path) for path in scratch.files}
        assert {path: updated.text(path) for path in updated.files} == texts, step
        assert updated.files == scratch.files
        assert {path for path in texts if before.get(path) != texts[path]} <= updated.changed
        last = pickle.loads(pickle.dumps(updated.index))  # as the shelf keeps it
        before = texts
        _edit(rng, patterns, step)
