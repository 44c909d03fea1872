"""Author text on the site's pages: :mod:`generator.markup` as Markup, and what only
pages have (``{answer}`` elements, focusable code, the highlighting stylesheet).

One :class:`TextRenderer` is made per build and reused for every text, so the
Markdown parser, the Pygments formatter and lexers are built once.
"""

from __future__ import annotations

import re
import secrets

from markupsafe import Markup

from generator.markup.clean import image_source_allowed, plain_text, sanitise
from generator.markup.code import CODE_CLASS, highlight, language_name, style_defs
from generator.markup.convert import SiteText
from generator.render.highlights import Highlights

__all__ = [
    "ANSWER_MARK",
    "CODE_CLASS",
    "TextRenderer",
    "answer_letters",
    "highlight_code",
    "image_source_allowed",
    "language_name",
    "plain_text",
    "pygments_css",
    "sanitise",
]

#: Stands for ``{answer}`` while a text goes through Markdown and nh3 (letters only, so
#: neither changes it); random per process, so author text cannot forge it.
ANSWER_MARK = "qbankanswer" + secrets.token_hex(6)
# A tag as nh3 serialises it: attribute values double-quoted, and they may hold ">".
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')


def answer_letters(html: str, letter: str) -> Markup:
    """Rendered ``html`` with every :data:`ANSWER_MARK` in its text made an element that
    the page's script fills with the letter of the correct choice as the learner sees it
    (``letter``, in the author's order, is what shows without the script); in an
    attribute value the mark becomes ``letter`` itself."""
    html = str(html)  # Markup.replace would escape the element
    if ANSWER_MARK not in html:
        return Markup(html)
    span = f"<span data-answer-letter>{letter}</span>"
    parts: list[str] = []
    at = 0
    for tag in _TAG.finditer(html):
        parts.append(html[at : tag.start()].replace(ANSWER_MARK, span))
        parts.append(tag.group().replace(ANSWER_MARK, letter))
        at = tag.end()
    parts.append(html[at:].replace(ANSWER_MARK, span))
    return Markup("".join(parts))


def highlight_code(code: str, language: str, label: str, body: str | None = None) -> Markup:
    """Highlighted ``code`` as a focusable, scrollable ``<pre>`` named by ``label``
    (``body``: the code already highlighted)."""
    body = highlight(code, language) if body is None else body
    return Markup(
        '<pre class="{cls}" tabindex="0" aria-label="{label}"><code>{body}</code></pre>'
    ).format(cls=CODE_CLASS, label=label, body=Markup(body))


def pygments_css(light: str = "default", dark: str = "github-dark") -> str:
    """A stylesheet for highlighted code: ``light`` by default, ``dark`` in dark mode."""
    light_css = style_defs(light)
    dark_css = style_defs(dark)
    indented = "\n".join("  " + line for line in dark_css.splitlines())
    return f"{light_css}\n@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"


class TextRenderer:
    """Renders author Markdown to sanitised HTML for pages, reusing one parser."""

    def __init__(self, depth: int = 0, highlights: Highlights | None = None) -> None:
        self._text = SiteText(depth)
        #: How many folders below the site root the pages showing these texts sit.
        self.depth = depth
        self._highlights = highlights

    def code(self, code: str, language: str, label: str) -> Markup:
        """A question's code, highlighted (see :func:`highlight_code`): taken from the
        highlights kept by earlier builds, when this renderer has them."""
        kept = self._highlights
        return highlight_code(code, language, label, kept.code(code, language) if kept else None)

    def language(self, language: str) -> str:
        """The display name of a code language (``python`` → ``Python``)."""
        kept = self._highlights
        return kept.language(language) if kept else language_name(language)

    def block(self, text: str) -> Markup:
        """Block Markdown (paragraphs, lists, code) as safe HTML."""
        return Markup(self._text.block(text))

    def inline(self, text: str) -> Markup:
        """One line of Markdown without its paragraph, for labels and headings."""
        return Markup(self._text.inline(text))

    @staticmethod
    def literal(text: str) -> Markup:
        """Text shown exactly as written (a program's output), in ``<code>``."""
        return Markup('<code class="output">{}</code>').format(text)
