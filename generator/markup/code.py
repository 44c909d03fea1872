"""Code highlighted by Pygments at build time: lexers and formatter made once."""

from __future__ import annotations

from functools import lru_cache

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

#: CSS class of every highlighted block; :func:`style_defs` targets it.
CODE_CLASS = "hl"


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
def highlight(code: str, language: str) -> str:
    """``code`` as highlighted HTML spans (no wrapping element); an unknown language
    is shown as plain text."""
    return pygments_highlight(code, _lexer(language.lower()), _formatter())


def language_name(language: str) -> str:
    """The display name of a code language: ``python`` → ``Python``."""
    lexer = _lexer(language.lower())
    return language if isinstance(lexer, TextLexer) else str(lexer.name)


def style_defs(style: str) -> str:
    """The CSS of Pygments' ``style`` for blocks of :data:`CODE_CLASS`."""
    formatter: HtmlFormatter[str] = HtmlFormatter(style=get_style_by_name(style))
    defs: str = formatter.get_style_defs(f".{CODE_CLASS}")  # type: ignore[no-untyped-call]
    return defs
