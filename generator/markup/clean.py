"""What nh3 keeps of rendered Markdown: one allow-list, with the site's stricter rules.

Both destinations keep nh3's default tags and attributes plus code blocks. The site
also keeps Pygments' ``span``/``div`` classes, refuses URLs outside a few schemes and
keeps only the images Markdown made whose source stays inside the site; an LMS file
keeps the rest as nh3 allows it (raw HTML never gets there: export shows it as text).
"""

from __future__ import annotations

import html
import re
import secrets
from functools import partial
from urllib.parse import unquote

import nh3

#: Marks the images Markdown made (``![alt](src)``); raw ``<img>`` an author wrote has none.
#: Random per process, so author HTML cannot forge it; it never reaches a page.
IMAGE_MARK = "data-qbank-" + secrets.token_hex(6)

_TAGS = set(nh3.ALLOWED_TAGS) | {"pre", "code"}
_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()} | {
    "code": {"class"},
}
# Pygments' highlighted blocks are classed spans in a classed div and pre.
_SITE_TAGS = _TAGS | {"span", "div"}
_SITE_ATTRIBUTES = _ATTRIBUTES | {"span": {"class"}, "div": {"class"}, "pre": {"class"}}
_SITE_ATTRIBUTES["img"] = _SITE_ATTRIBUTES.get("img", set()) | {"title", IMAGE_MARK}
# data: only for images (see _keep_attribute).
_SITE_URL_SCHEMES = {"http", "https", "mailto", "data"}

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
        if IMAGE_MARK not in names:
            return ""
        if "src" not in names:
            alt = next((v for n, v in attributes if n == "alt"), "")
            return html.escape(html.unescape(alt), quote=False)
        kept = "".join(f' {n}="{v}"' for n, v in attributes if n != IMAGE_MARK)
        return f"<img{kept}>"

    return _IMG.sub(replace, fragment)


def sanitise(fragment: str, depth: int = 0) -> str:
    """Remove scripts, event handlers, styles and unsafe URLs from an HTML fragment
    for the site.

    ``depth`` is how many folders below the site root the page showing it sits.
    Only images made by Markdown, with a source inside the site, are kept.
    """
    cleaned = nh3.clean(
        fragment,
        tags=_SITE_TAGS,
        attributes=_SITE_ATTRIBUTES,
        url_schemes=_SITE_URL_SCHEMES,
        attribute_filter=partial(_keep_attribute, depth),
    )
    return _markdown_images_only(cleaned) if "<img" in cleaned else cleaned


def sanitise_for_lms(fragment: str) -> str:
    """Remove what Markdown itself could make unsafe (``javascript:`` links) from an
    HTML fragment bound for an LMS."""
    return nh3.clean(fragment, tags=_TAGS, attributes=_ATTRIBUTES)


def plain_text(text: str) -> str:
    """``text`` with tags (and script or style content) removed and spaces collapsed."""
    return " ".join(html.unescape(nh3.clean(text, tags=set())).split())
