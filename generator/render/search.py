"""The search index, split so that a query loads only the parts it needs.

``file://`` pages cannot ``fetch()`` JSON, so every part is a small script that adds
itself to one global, loaded on demand with a ``<script>`` tag (see static/search.js)::

    assets/search/index.js     the manifest: which part holds which words, and their sizes
    assets/search/s-<p>.js     every word starting with <p> → the questions holding it
    assets/search/e-<p>.js     the word <p> itself, when words starting with <p> were split
    assets/search/d-<n>.js     title and link of the questions of chunk <n>

The words of a bank start as one part; a part over :data:`SHARD_BYTES` is split by
one more letter of its words, so only a part holding one very common word can be
larger. A query loads the manifest, the parts of its words and the chunks of the
hits it shows. Only plain words and titles go in (never markup).

A rebuild updates the index by what changed (:mod:`.search_index`): the postings of the
words that a changed question gained or lost, the parts holding those words, the
chunks holding a changed question, and the manifest; every other part is left as the
last build wrote it. When questions move to other numbers (a question added or removed
before the end), every posting is worked out again.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable

from generator.model import Question

#: Name of the global every part adds itself to.
GLOBAL = "QBANK_SEARCH"
#: Folder of the parts, relative to the site root.
FOLDER = "assets/search"
#: A part of the word index is split once its words and postings outweigh this.
SHARD_BYTES = 40_000
#: Questions per chunk of titles and links.
CHUNK = 50
#: Distinct words indexed per question: its title's, then its prompt's and choices'.
MAX_WORDS = 80
_WORD_MAX = 40
_TITLE_MAX = 120
# Letters and digits, as the page splits a query (search.js): "np.zeros" is two words.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Markup an author may have written; its words are not what a learner searches for.
_MARKUP = re.compile(r"<[^>]*>|\]\([^)]*\)|```[a-z]*|\{answer\}")
#: Words too common to narrow a search; the page leaves them out of queries too.
_STOP_TEXT = (
    "a an and are as at be by can do does for from has have how i if in into is it its of "
    "on or so that the their them then there these this those to was we what when where "
    "which while who why will with would you your"
)
STOPWORDS = frozenset(_STOP_TEXT.split(" "))
_SAFE = re.compile(r"[a-z0-9]")


def words(texts: Iterable[str], limit: int = MAX_WORDS) -> list[str]:
    """Distinct lower-case words of ``texts`` (no stopwords), in order, at most ``limit``."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in _WORD.findall(_MARKUP.sub(" ", text).lower()):
            word = word[:_WORD_MAX]
            if word in seen or word in STOPWORDS:
                continue
            seen[word] = None
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def plain_title(title: str) -> str:
    """A title without markup, spaces collapsed, at most 120 characters."""
    return " ".join(_MARKUP.sub(" ", title).split())[:_TITLE_MAX]


def question_words(question: Question) -> list[str]:
    """What a question is found by: the words of its title, prompt and choices."""
    return words([question.title, question.prompt, *(c.text for c in question.choices)])


def postings_text(numbers: Iterable[int]) -> str:
    """Ascending question numbers as base-36 gaps: ``3,1,a`` is 3, 4 and 14."""
    gaps: list[str] = []
    last = 0
    for number in numbers:
        gaps.append(_base36(number - last))
        last = number
    return ",".join(gaps)


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
#: Gaps below 36² (nearly all of them) looked up rather than worked out.
_SMALL = [_DIGITS[n] for n in range(36)] + [a + b for a in _DIGITS[1:] for b in _DIGITS]


def _base36(n: int) -> str:
    if n < len(_SMALL):
        return _SMALL[n]
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if not n:
            return out


def file_part(prefix: str) -> str:
    """A prefix as a file-name part: ``th`` → ``th``, ``é`` → ``_e9``, ``""`` → ``_``."""
    return "".join(c if _SAFE.fullmatch(c) else f"_{ord(c):x}" for c in prefix) or "_"


def script(key: str, data: object) -> str:
    """A part of the index: a script adding ``data`` to the global under ``key``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Never let author text close a script or open a comment, whatever the loader.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"(window.{GLOBAL}=window.{GLOBAL}||{{}})[{json.dumps(key)}]={text};\n"


def numbers(postings: str) -> list[int]:
    """The question numbers of a postings text (see :func:`postings_text`)."""
    return list(itertools.accumulate(int(gap, 36) for gap in postings.split(",")))
