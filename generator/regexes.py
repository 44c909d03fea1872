"""Authors' regexes (``match: regex``), compiled and matched with limits, in one place.

A bank's regex runs in the qbank process, so an untrusted one may neither hang
it nor exhaust its memory. Matching uses the ``regex`` package with a time
limit (:data:`MATCH_TIMEOUT_S`). Compiling is bounded up front: ``regex`` lays
out counted repeats when it compiles, so ``(?:a{10000}){10000}`` would take
gigabytes and ``(?:(?:ab|cd){3000}){3000}`` minutes; a pattern whose counted
repeats multiply past :data:`MAX_EXPANSION` is refused. The syntax accepted is
Python's ``re``, as before, checked by ``re`` itself.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

with warnings.catch_warnings():
    # The public name of re's parser, deprecated since 3.11 yet kept; the parse tree
    # is what tells how large a pattern compiles.
    warnings.simplefilter("ignore", DeprecationWarning)
    import sre_parse

#: Seconds one match of an author's regex may take.
MATCH_TIMEOUT_S = 1.0
#: How many items a pattern may expand to when compiled (``x{100}`` counts 100).
MAX_EXPANSION = 100_000

_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)


class MatchTimeout(Exception):
    """An author's regex did not finish matching within :data:`MATCH_TIMEOUT_S`."""

    def __init__(self, pattern: str) -> None:
        super().__init__(
            f"regex `{pattern}` did not finish matching in {MATCH_TIMEOUT_S:g} s "
            "(catastrophic backtracking?); simplify it"
        )


def problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used as an author's regex, or None when it can."""
    return _compiled(pattern)[1]


def fullmatch(pattern: str, text: str) -> bool:
    """Whether all of ``text`` matches ``pattern`` (``.`` matching newlines too).

    False for a pattern with a :func:`problem`; :class:`MatchTimeout` when the
    match takes longer than :data:`MATCH_TIMEOUT_S`.
    """
    compiled = _compiled(pattern)[0]
    if compiled is None:
        return False
    try:
        # concurrent: the GIL is released, so threads pumping snippets' output go on.
        found = compiled.fullmatch(text, timeout=MATCH_TIMEOUT_S, concurrent=True)
    except TimeoutError:
        raise MatchTimeout(pattern) from None
    return found is not None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> tuple[regex.Pattern[str] | None, str | None]:
    """The compiled pattern, or None and why not."""
    try:
        re.compile(pattern, re.DOTALL)
        tree = sre_parse.parse(pattern, re.DOTALL)
    except (re.error, RecursionError, OverflowError) as exc:
        return None, f"not a valid regex: {exc}"
    if _expansion(tree) > MAX_EXPANSION:
        return None, (
            f"the regex's counted repeats (`{{n}}`) multiply to more than {MAX_EXPANSION:,} "
            "items, too many to compile safely; use `+` or `*`, or smaller counts"
        )
    import regex  # about 80 ms to import: paid only by banks that use regexes

    try:
        return regex.compile(pattern, regex.DOTALL | regex.VERSION0), None
    except (regex.error, RecursionError, OverflowError) as exc:
        return None, f"not a valid regex: {exc}"


def _expansion(pattern: sre_parse.SubPattern) -> int:
    """How many items ``pattern`` may be laid out as: counted repeats multiply their body
    (by the upper count when there is one, else the lower), everything else adds up."""
    total = 0
    for op, av in pattern.data:
        inner = max(1, sum(_expansion(part) for part in _parts(av)))
        if op in _REPEATS and isinstance(av, tuple):
            low, high = int(av[0]), int(av[1])  # (min, max, body)
            inner *= max(1, low if high == sre_parse.MAXREPEAT else high)
        total += inner
        if total > MAX_EXPANSION:
            break  # already too much: no need to walk the rest
    return total


def _parts(av: object) -> Iterator[sre_parse.SubPattern]:
    """The sub-patterns inside one parse-tree item's arguments (groups, branches...)."""
    if isinstance(av, sre_parse.SubPattern):
        yield av
    elif isinstance(av, tuple | list):
        for item in av:
            yield from _parts(item)
