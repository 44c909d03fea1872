"""Author text to safe HTML: Python-Markdown, then nh3; code highlighted by Pygments.

One :class:`TextRenderer` is made per build and reused for every text, so the
Markdown parser, the Pygments formatter and lexers are built once.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

#: CSS class of every highlighted block; the stylesheet from :func:`pygments_css` targets it.
CODE_CLASS = "hl"

_TAGS = set(nh3.ALLOWED_TAGS) | {"span", "div", "pre", "code"}
_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()
} | {
    "span": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "code": {"class"},
}
_URL_SCHEMES = {"http", "https", "mailto"}

# Text with none of these needs no Markdown parser: it becomes one escaped paragraph.
_PLAIN = re.compile(r"[^\\`*_\[\]<>&\n~|]*")
_BLOCK_START = re.compile(r"\s|#|>|[-+*=]|\d+[.)]")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop image sources outside the site: a page never requests anything remote."""
    if tag == "img" and attribute == "src" and _SCHEME.match(value):
        return value if value.startswith("data:image/") else None
    return value


def sanitise(fragment: str) -> str:
    """Remove scripts, event handlers, styles and unsafe URLs from an HTML fragment."""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        attribute_filter=_keep_attribute,
    )


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer:
    try:
        lexer: Lexer = get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:
        lexer = TextLexer()
    return lexer


@lru_cache(maxsize=1)
def _formatter() -> HtmlFormatter[str]:
    return HtmlFormatter(nowrap=True)


@lru_cache(maxsize=512)
def _highlight(code: str, language: str) -> str:
    return highlight(code, _lexer(language.lower()), _formatter())


def language_name(language: str) -> str:
    """The display name of a code language: ``python`` → ``Python``."""
    lexer = _lexer(language.lower())
    return language if isinstance(lexer, TextLexer) else str(lexer.name)


def highlight_code(code: str, language: str, label: str) -> Markup:
    """Highlighted ``code`` as a focusable, scrollable ``<pre>`` named by ``label``."""
    body = _highlight(code, language)
    return Markup(
        '<pre class="{cls}" tabindex="0" aria-label="{label}"><code>{body}</code></pre>'
    ).format(cls=CODE_CLASS, label=label, body=Markup(body))


def _style_defs(style: str) -> str:
    formatter: HtmlFormatter[str] = HtmlFormatter(style=get_style_by_name(style))
    defs: str = formatter.get_style_defs(f".{CODE_CLASS}")  # type: ignore[no-untyped-call]
    return defs


def pygments_css(light: str = "default", dark: str = "github-dark") -> str:
    """A stylesheet for highlighted code: ``light`` by default, ``dark`` in dark mode."""
    light_css = _style_defs(light)
    dark_css = _style_defs(dark)
    indented = "\n".join("  " + line for line in dark_css.splitlines())
    return f"{light_css}\n@media (prefers-color-scheme: dark) {{\n{indented}\n}}\n"


class TextRenderer:
    """Renders author Markdown to sanitised HTML, reusing one parser."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["fenced_code", "codehilite", "sane_lists", "tables"],
            extension_configs={
                "codehilite": {"css_class": CODE_CLASS, "guess_lang": False},
            },
            output_format="html",
        )

    def block(self, text: str) -> Markup:
        """Block Markdown (paragraphs, lists, code) as safe HTML."""
        text = text.strip()
        if not text:
            return Markup("")
        if _PLAIN.fullmatch(text) and not _BLOCK_START.match(text):
            return Markup(f"<p>{html.escape(text, quote=False)}</p>")
        self._md.reset()
        rendered = sanitise(self._md.convert(text))
        # Scrollable code must be reachable by keyboard (WCAG 2.1.1).
        rendered = rendered.replace(
            f'<div class="{CODE_CLASS}"><pre>', '<div class="hl"><pre tabindex="0">'
        )
        return Markup(rendered)

    def inline(self, text: str) -> Markup:
        """One line of Markdown without its paragraph, for labels and headings."""
        rendered = str(self.block(text))
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            rendered = rendered[3:-4]
        else:
            rendered = rendered.replace("<p>", "").replace("</p>", "<br>").removesuffix("<br>")
        return Markup(rendered)

    @staticmethod
    def literal(text: str) -> Markup:
        """Text shown exactly as written (a program's output), in ``<code>``."""
        return Markup('<code class="output">{}</code>').format(text)
