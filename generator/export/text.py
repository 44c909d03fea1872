"""Author text as HTML for an LMS: Markdown whose raw HTML is shown as text, never run.

The site drops an author's raw HTML (nh3 removes ``<script>`` and its content); an
export keeps every character the author wrote and shows ``<script>`` as text, so a
question about HTML reads the same in Moodle or Canvas as in the bank. Markdown still
formats (emphasis, lists, code spans and fences), and nh3 removes what Markdown itself
could make unsafe (``javascript:`` links).
"""

from __future__ import annotations

import html
import re

import markdown
import nh3
from markdown.extensions import Extension

_TAGS = set(nh3.ALLOWED_TAGS) | {"pre", "code"}
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()} | {
    "code": {"class"},
}
#: Characters XML 1.0 cannot hold at all (not even as ``&#1;``), shown as ``\x01``.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LANGUAGE = re.compile(r"[A-Za-z0-9_+.#-]+")


def clean(text: str) -> str:
    """``text`` with line breaks as ``\\n`` and characters XML cannot hold as ``\\xNN``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class _RawHtmlAsText(Extension):
    """Raw HTML blocks and tags stay text: the serializer escapes them like any text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


class HtmlText:
    """Renders the texts of a bank for an export, reusing one Markdown parser."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["fenced_code", "sane_lists", "tables", _RawHtmlAsText()],
            output_format="html",
        )

    def block(self, text: str) -> str:
        """Block Markdown (paragraphs, lists, code) as HTML."""
        text = clean(text).strip()
        if not text:
            return ""
        self._md.reset()
        return nh3.clean(self._md.convert(text), tags=_TAGS, attributes=_ATTRIBUTES)

    def inline(self, text: str) -> str:
        """One line of Markdown without its paragraph: a choice, a title, a feedback line."""
        rendered = self.block(text)
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered


def literal(text: str) -> str:
    """Program output exactly as printed: ``<code>`` on one line, else ``<pre><code>``."""
    text = clean(text)
    body = html.escape(text, quote=False)
    if "\n" in text or text != text.strip() or "  " in text or not text:
        return f"<pre><code>{body}</code></pre>"
    return f"<code>{body}</code>"


def code_block(code: str, language: str) -> str:
    """``code`` as a formatted block, every character kept (tags shown as text)."""
    cls = f' class="language-{language}"' if _LANGUAGE.fullmatch(language) else ""
    return f"<pre><code{cls}>{html.escape(clean(code), quote=False)}</code></pre>"
