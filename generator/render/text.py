"""Author text to safe HTML: Python-Markdown, then nh3; code highlighted by Pygments.

One :class:`TextRenderer` is made per build and reused for every text, so the
Markdown parser, the Pygments formatter and lexers are built once.
"""

from __future__ import annotations

import html
import re
import secrets
from functools import lru_cache, partial
from urllib.parse import unquote
from xml.etree.ElementTree import Element

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

#: CSS class of every highlighted block; the stylesheet from :func:`pygments_css` targets it.
CODE_CLASS = "hl"

#: Marks the images Markdown made (``![alt](src)``); raw ``<img>`` an author wrote has none.
#: Random per process, so author HTML cannot forge it; it never reaches a page.
_IMAGE_MARK = "data-qbank-" + secrets.token_hex(6)
#: Stands for ``{answer}`` while a text goes through Markdown and nh3 (letters only, so
#: neither changes it); random per process, so author text cannot forge it.
ANSWER_MARK = "qbankanswer" + secrets.token_hex(6)
# A tag as nh3 serialises it: attribute values double-quoted, and they may hold ">".
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')

_TAGS = set(nh3.ALLOWED_TAGS) | {"span", "div", "pre", "code"}
_ATTRIBUTES: dict[str, set[str]] = {
    tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()
} | {
    "span": {"class"},
    "div": {"class"},
    "pre": {"class"},
    "code": {"class"},
}
_ATTRIBUTES["img"] = _ATTRIBUTES.get("img", set()) | {"title", _IMAGE_MARK}
# data: only for images (see _keep_attribute).
_URL_SCHEMES = {"http", "https", "mailto", "data"}

# Text with none of these needs no Markdown parser: it becomes one escaped paragraph.
_PLAIN = re.compile(r"[^\\`*_\[\]<>&\n~|]*")
_BLOCK_START = re.compile(r"\s|#|>|[-+*=]|\d+[.)]")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")
# An <img> as nh3 serialises it: every attribute value double-quoted, '"' escaped.
_IMG = re.compile(r'<img((?:\s+[^\s=>/]+(?:="[^"]*")?)*)\s*/?>')
_IMG_ATTRIBUTE = re.compile(r'([^\s=>/]+)(?:="([^"]*)")?')


def image_source_allowed(src: str, depth: int = 0) -> bool:
    """Whether an image at ``src`` stays inside the site, on a page ``depth`` folders deep.

    Allowed: ``data:image/`` URLs, and relative paths with no scheme, no ``//`` or
    leading ``/``, no backslash or control character, and no ``..`` climbing above
    the site root. A page never requests anything outside the site.
    """
    src = src.strip()
    if src.lower().startswith("data:image/"):
        return True
    if not src or any(c == "\\" or ord(c) <= 0x20 or ord(c) == 0x7F for c in src):
        return False
    path = unquote(src.split("#", 1)[0].split("?", 1)[0])
    if _SCHEME.match(src) or _SCHEME.match(path) or path.startswith("/") or "\\" in path:
        return False
    level = depth
    for segment in path.split("/"):
        if segment == "..":
            level -= 1
            if level < 0:
                return False
        elif segment not in ("", "."):
            level += 1
    return True


def _keep_attribute(depth: int, tag: str, attribute: str, value: str) -> str | None:
    """Drop image sources outside the site: a page never requests anything remote."""
    if tag == "img" and attribute == "src":
        return value if image_source_allowed(value, depth) else None
    if value.strip().lower().startswith("data:"):
        return None
    return value


def _markdown_images_only(fragment: str) -> str:
    """Keep the images Markdown made whose source survived; drop raw ``<img>`` tags.

    A Markdown image whose source was refused is replaced by its alt text.
    """

    def replace(match: re.Match[str]) -> str:
        attributes = [(n, v or "") for n, v in _IMG_ATTRIBUTE.findall(match.group(1))]
        names = {name for name, _ in attributes}
        if _IMAGE_MARK not in names:
            return ""
        if "src" not in names:
            alt = next((v for n, v in attributes if n == "alt"), "")
            return html.escape(html.unescape(alt), quote=False)
        kept = "".join(f' {n}="{v}"' for n, v in attributes if n != _IMAGE_MARK)
        return f"<img{kept}>"

    return _IMG.sub(replace, fragment)


def sanitise(fragment: str, depth: int = 0) -> str:
    """Remove scripts, event handlers, styles and unsafe URLs from an HTML fragment.

    ``depth`` is how many folders below the site root the page showing it sits.
    Only images made by Markdown, with a source inside the site, are kept.
    """
    cleaned = nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        attribute_filter=partial(_keep_attribute, depth),
    )
    return _markdown_images_only(cleaned) if "<img" in cleaned else cleaned


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


def plain_text(text: str) -> str:
    """``text`` with tags (and script or style content) removed and spaces collapsed."""
    return " ".join(html.unescape(nh3.clean(text, tags=set())).split())


class _MarkImages(Treeprocessor):
    """Marks every image Markdown made, so :func:`sanitise` can tell it from raw HTML."""

    def run(self, root: Element) -> None:
        for image in root.iter("img"):
            image.set(_IMAGE_MARK, "")


class _MarkImagesExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After the inline patterns (20) have made the images.
        md.treeprocessors.register(_MarkImages(md), "qbank-mark-images", 15)


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

    def __init__(self, depth: int = 0) -> None:
        #: How many folders below the site root the pages showing these texts sit.
        self.depth = depth
        self._md = markdown.Markdown(
            extensions=[
                "fenced_code",
                "codehilite",
                "sane_lists",
                "tables",
                _MarkImagesExtension(),
            ],
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
        rendered = sanitise(self._md.convert(text), self.depth)
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
