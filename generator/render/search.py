"""The search index: a small .js file assigning a global, searched in the browser.

``file://`` pages cannot ``fetch()`` JSON, so the index is a script. It holds
only plain words (never markup): each question's title and a budget of the
distinct words of its prompt and choices, so 5,000 questions stay under 1 MB.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from generator.model import Bank, Question

#: Name of the global the index script assigns.
GLOBAL = "QBANK_SEARCH"
#: Upper bound of the whole index in characters; the per-question word budget follows.
INDEX_BUDGET = 880_000
_TITLE_MAX = 120
_WORD = re.compile(r"[^\W_]+(?:['.][^\W_]+)*", re.UNICODE)
# Markup an author may have written; its words are not what a learner searches for.
_MARKUP = re.compile(r"<[^>]*>|\]\([^)]*\)|```[a-z]*|\{answer\}")


def words(texts: Iterable[str], budget: int) -> str:
    """Distinct lower-case words of ``texts``, in order, within ``budget`` characters."""
    seen: dict[str, None] = {}
    size = 0
    for text in texts:
        for word in _WORD.findall(_MARKUP.sub(" ", text).lower()):
            if word in seen:
                continue
            if size + len(word) + 1 > budget:
                return " ".join(seen)
            seen[word] = None
            size += len(word) + 1
    return " ".join(seen)


def _plain_title(title: str) -> str:
    return " ".join(_MARKUP.sub(" ", title).split())[:_TITLE_MAX]


def search_index(bank: Bank, pattern_urls: dict[str, str]) -> str:
    """The index script for ``bank``; ``pattern_urls`` maps pattern id to its folder URL."""
    count = max(1, sum(1 for _ in bank.questions()))
    per_question = INDEX_BUDGET // count
    patterns = []
    entries: list[list[object]] = []
    for number, pattern in enumerate(bank.patterns):
        patterns.append([_plain_title(pattern.title), pattern_urls[pattern.id]])
        for question in pattern.questions:
            entries.append(_entry(number, question, per_question))
    data = {"p": patterns, "q": entries}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Never let author text close a script or open a comment, whatever the loader.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"window.{GLOBAL}={text};\n"


def _entry(pattern_number: int, question: Question, per_question: int) -> list[object]:
    """``[pattern, mode, id, title, words]``; the words fill what the rest leaves of the budget."""
    title = _plain_title(question.title)
    budget = min(600, max(40, per_question - len(title) - len(question.id) - 24))
    texts = [question.prompt, *(choice.text for choice in question.choices)]
    mode = 1 if question.mode == "challenge" else 0
    return [pattern_number, mode, question.id, title, words(texts, budget)]
