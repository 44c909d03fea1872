"""Whether a text shows learners anything, judged on what the site renders.

Lint asks this of every prompt. A text is rendered as the site renders it (Markdown,
then nh3), so ``<script>Which one?</script>``, ``<style>``, a lone HTML comment,
``&nbsp;`` or zero-width characters all count as showing nothing. Most prompts are
plain words and are answered without loading Markdown at all.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from typing import TYPE_CHECKING

import nh3

if TYPE_CHECKING:
    from generator.markup.convert import SiteText

#: How many folders below the site root the pages showing prompts sit
#: (``<topic>/<pattern>/``); relative image paths are judged from there.
PATTERN_PAGE_DEPTH = 2

_LETTER = re.compile(r"[A-Za-z]")
# What can hide a letter from the reader: raw HTML and comments, entities, the URL of a
# link or image and a reference definition, a fence's info string, and the first line
# of an indented code block, which codehilite reads as its language (`::python`, `#!python`).
_CAN_HIDE = re.compile(r"<[A-Za-z/!?]|&[#A-Za-z]|\]\(|\]:|!\[|(?:^|[\n\r])[ \t]*(?:```|~~~|::|#!)")
# A tag as nh3 serialises it: attribute values double-quoted, and they may hold "<" or ">".
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_IMAGE = re.compile(r"<img[\s/>]")
# Letters that draw nothing (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = frozenset("\u115f\u1160\u2800\u3164\uffa0")
# Controls, format characters (zero-width space, soft hyphen) and separators.
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def shows_nothing(text: str, depth: int = PATTERN_PAGE_DEPTH) -> bool:
    """Whether Markdown ``text``, on a site page ``depth`` folders deep, shows no
    character and no image once rendered and sanitised."""
    if _LETTER.search(text) and not _CAN_HIDE.search(text):
        return False  # a letter with nothing that could hide it (digits can be list numbers)
    return not visible(_site_text(depth).block(text))


def visible(fragment: str) -> bool:
    """Whether sanitised HTML shows a reader anything: an image, or a non-blank character.

    Every ``<`` outside an attribute value starts a tag (text holds ``&lt;``).
    """
    if any(_IMAGE.match(tag.group()) for tag in _TAG.finditer(fragment)):
        return True
    text = html.unescape(nh3.clean(fragment, tags=set()))
    return any(_shows(character) for character in text)


def _shows(character: str) -> bool:
    if character.isspace() or character in _BLANK_LETTERS:
        return False
    return unicodedata.category(character) not in _BLANK_CATEGORIES


@functools.cache
def _site_text(depth: int) -> SiteText:
    """One site renderer per depth, made on first use (Markdown is imported only then)."""
    from generator.markup.convert import SiteText

    return SiteText(depth)
