"""The one Markdown configuration, and the two places its HTML goes.

Every text gets the same Markdown (:data:`EXTENSIONS`). On the site, raw HTML goes on
to nh3, which keeps the safe tags and drops the rest (``<script>`` with its content),
and code is highlighted by Pygments. In an export, raw HTML stays text, every
character as written, so a question about HTML reads the same in an LMS as in the
bank; nh3 then removes only what Markdown itself could make unsafe.
"""

from __future__ import annotations

import html
import re
from typing import Literal
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from generator.markup.clean import IMAGE_MARK, sanitise, sanitise_for_lms
from generator.markup.code import CODE_CLASS

#: What every text may use: fenced code, lists whose markers stay apart, tables.
EXTENSIONS = ("fenced_code", "sane_lists", "tables")

Destination = Literal["site", "export"]

# Text with none of these needs no Markdown parser: it becomes one escaped paragraph.
_PLAIN = re.compile(r"[^\\`*_\[\]<>&\n~|]*")
_BLOCK_START = re.compile(r"\s|#|>|[-+*=]|\d+[.)]")


class _MarkImages(Treeprocessor):
    """Marks every image Markdown made, so :func:`sanitise` can tell it from raw HTML."""

    def run(self, root: Element) -> None:
        for image in root.iter("img"):
            image.set(IMAGE_MARK, "")


class _MarkImagesExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After the inline patterns (20) have made the images.
        md.treeprocessors.register(_MarkImages(md), "qbank-mark-images", 15)


class _RawHtmlAsText(Extension):
    """Raw HTML blocks and tags stay text: the serializer escapes them like any text."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def parser(destination: Destination) -> markdown.Markdown:
    """A Markdown parser for the site (code highlighted, images marked for the
    sanitiser) or for an export (raw HTML kept as text, code left plain)."""
    if destination == "site":
        return markdown.Markdown(
            extensions=[*EXTENSIONS, "codehilite", _MarkImagesExtension()],
            extension_configs={"codehilite": {"css_class": CODE_CLASS, "guess_lang": False}},
            output_format="html",
        )
    return markdown.Markdown(extensions=[*EXTENSIONS, _RawHtmlAsText()], output_format="html")


def _one_paragraph(rendered: str) -> bool:
    return rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1


class SiteText:
    """Author Markdown as a page of the site shows it: sanitised HTML, one parser reused."""

    def __init__(self, depth: int = 0) -> None:
        #: How many folders below the site root the pages showing these texts sit.
        self.depth = depth
        self._md = parser("site")

    def block(self, text: str) -> str:
        """Block Markdown (paragraphs, lists, code) as safe HTML."""
        text = text.strip()
        if not text:
            return ""
        if _PLAIN.fullmatch(text) and not _BLOCK_START.match(text):
            return f"<p>{html.escape(text, quote=False)}</p>"
        self._md.reset()
        rendered = sanitise(self._md.convert(text), self.depth)
        # Scrollable code must be reachable by keyboard (WCAG 2.1.1).
        return rendered.replace(
            f'<div class="{CODE_CLASS}"><pre>', f'<div class="{CODE_CLASS}"><pre tabindex="0">'
        )

    def inline(self, text: str) -> str:
        """One line of Markdown without its paragraph, for labels and headings."""
        rendered = self.block(text)
        if _one_paragraph(rendered):
            return rendered[3:-4]
        return rendered.replace("<p>", "").replace("</p>", "<br>").removesuffix("<br>")


class ExportText:
    """Author Markdown as an LMS file holds it: raw HTML shown as text, one parser reused."""

    def __init__(self) -> None:
        self._md = parser("export")

    def block(self, text: str) -> str:
        """Block Markdown (paragraphs, lists, code) as HTML."""
        text = text.strip()
        if not text:
            return ""
        self._md.reset()
        return sanitise_for_lms(self._md.convert(text))

    def inline(self, text: str) -> str:
        """One line of Markdown without its paragraph: a choice, a title, a feedback line."""
        rendered = self.block(text)
        return rendered[3:-4] if _one_paragraph(rendered) else rendered
