"""Author text as HTML for an LMS: Markdown whose raw HTML is shown as text, never run.

The site drops an author's raw HTML (nh3 removes ``<script>`` and its content); an
export keeps every character the author wrote and shows ``<script>`` as text, so a
question about HTML reads the same in Moodle or Canvas as in the bank. The Markdown
itself is the site's (see :mod:`generator.markup.convert`).
"""

from __future__ import annotations

import html
import re

from generator.markup.convert import ExportText

#: Characters XML 1.0 cannot hold at all (not even as ``&#1;``), shown as ``\x01``.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_LANGUAGE = re.compile(r"[A-Za-z0-9_+.#-]+")


def clean(text: str) -> str:
    """``text`` with line breaks as ``\\n`` and characters XML cannot hold as ``\\xNN``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class HtmlText(ExportText):
    """Renders the texts of a bank for an export, reusing one Markdown parser."""

    def block(self, text: str) -> str:
        """Block Markdown (paragraphs, lists, code) as HTML an XML file can hold."""
        return super().block(clean(text))


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
