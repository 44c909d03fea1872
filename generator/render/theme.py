"""A site theme: a folder of templates and static files overriding the package's own.

A theme may come with an untrusted bank (``theme:`` in bank.yaml), so it may
change how the site looks and nothing else. Every file in it must be a regular
file inside its folder (a symbolic link is refused wherever it points, so
``static/`` cannot copy a host file into the site), and every template renders
in :class:`SiteSandbox`: Jinja's sandbox, which keeps Python internals such as
``__globals__`` out of reach, narrowed further to the site's own view objects,
so that no method reaching the host (a path's ``read_text``) can be called.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from generator.errors import ConfigError
from generator.model import Bank

#: Packages whose objects templates may read attributes of: the site's own nouns and
#: views, Markup, and Jinja's runtime (``loop``, ``namespace``, ``self``)...
_READABLE_PACKAGES = ("generator", "markupsafe", "jinja2")
#: ...and plain values. Not classes, functions, modules or paths: their attributes lead
#: to the host (``page.pattern.path.read_text()``).
_READABLE_BUILTINS = (str, int, float, bool, tuple, list, dict, set, frozenset)
#: The package's own templates, which a theme's override by name.
PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
#: CPU seconds a theme may spend on one page: far more than any page of qbank's own
#: templates takes, far less than a CI job's time limit.
PAGE_CPU_SECONDS = 30.0
#: The longest string or list a template may make with ``*``, and the largest number
#: (in bits) with ``**``: a page needs nothing near them.
MAX_ITEMS = 10_000_000
MAX_BITS = 100_000


class ThemeError(ConfigError):
    """A theme the site cannot be built with; the previous site stays as it was."""


class SiteSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, reading attributes only of the objects the site is made of."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Every rule depends only on the object's type and the attribute's name, and a
        # page reads the same few thousand times: decide each pair once.
        self._decided: dict[tuple[type, str], bool] = {}

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """``*`` and ``**``, refused when the result would be huge (a string of a
        gigabyte, a number of a million digits). Only these two: filters such as
        ``center`` or ``%``-formatting can still make a large string."""
        huge = ""
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, (str, list, tuple)) and isinstance(times, int)
                if sized and len(seq) * times > MAX_ITEMS:
                    huge = f"`*` would make more than {MAX_ITEMS:,} items"
        elif isinstance(left, int) and isinstance(right, int) and right > 0:
            bits = max(left.bit_length(), 1) * right
            huge = f"`**` would make a number of more than {MAX_BITS:,} bits" * (bits > MAX_BITS)
        if huge:
            raise SecurityError(huge)
        return super().call_binop(context, operator, left, right)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """What the sandbox allows, on an object of the site (never a path, a module...)."""
        pair = (type(obj), attr)
        safe = self._decided.get(pair)
        if safe is None:
            kind = pair[0]
            readable = kind in _READABLE_BUILTINS or (
                kind.__module__.split(".")[0] in _READABLE_PACKAGES
            )
            safe = readable and super().is_safe_attribute(obj, attr, value)
            self._decided[pair] = safe
        return safe


def files(folder: Path) -> list[Path]:
    """Every regular file under ``folder`` (none when it does not exist), sorted; a
    symbolic link, or anything that is neither a folder nor a regular file, is a
    :class:`ThemeError` naming it."""
    if folder.is_symlink():
        raise _not_regular(folder)
    if not folder.is_dir():
        return []
    found: list[Path] = []
    for parent, dirs, names in os.walk(folder, onerror=_unreadable):
        for name in [*dirs, *names]:
            path = Path(parent, name)
            if path.is_symlink() or (name in names and not path.is_file()):
                raise _not_regular(path)
            if name in names:
                found.append(path)
    return sorted(found)


def _not_regular(path: Path) -> ThemeError:
    what = "a symbolic link" if path.is_symlink() else "not a regular file"
    return ThemeError(
        f"theme file {path} is {what}; a theme may hold only regular files and folders "
        "inside its own folder"
    )


def _unreadable(error: OSError) -> None:
    raise ThemeError(f"theme folder {error.filename} cannot be read: {error.strerror}")


def check(folder: Path, bank_root: Path | None = None) -> None:
    """Refuse a theme that would read outside itself, before anything is written.

    With ``bank_root`` (a theme named by the bank itself), the folder must also
    lie inside the bank: a bank cannot borrow templates or files from the host.
    """
    if not folder.is_dir():
        raise ThemeError(f"theme folder not found: {folder}")
    if bank_root is not None and not folder.resolve().is_relative_to(bank_root.resolve()):
        raise ThemeError(
            f"theme folder {folder} is outside the bank ({bank_root}); a theme named in "
            "bank.yaml must be inside the bank (pass --theme for another one)"
        )
    files(folder)


def describe(exc: BaseException, theme: Path | None) -> str:
    """``theme template FILE line N: what went wrong``, from a template's exception."""
    where: str | None = None
    line: int | None = None
    if isinstance(exc, TemplateSyntaxError):
        where, line = exc.filename or exc.name, exc.lineno
    else:
        # Jinja rewrites tracebacks so that template frames carry the template's
        # file and line: the innermost such frame is where the template failed.
        roots = [PACKAGE_TEMPLATES, *([theme] if theme else [])]
        for frame in traceback.extract_tb(exc.__traceback__):
            if any(_inside(frame.filename, root) for root in roots):
                where, line = frame.filename, frame.lineno
    what = exc.message if isinstance(exc, TemplateError) and exc.message else None
    what = what or f"{type(exc).__name__}: {exc}"
    kind = "template" if where and _inside(where, PACKAGE_TEMPLATES) else "theme template"
    return f"{kind} {where or '(unknown)'}{f' line {line}' if line else ''}: {what}"


def _inside(filename: str, root: Path) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(root.resolve())
    except (OSError, ValueError):
        return False


def chosen(option: Path | None, bank: Bank) -> Path | None:
    """The theme folder (``--theme``, else ``theme:`` of bank.yaml), checked before the
    build writes or runs anything: a bank's own theme must lie inside the bank."""
    if option is not None:
        check(option)
        return option
    if bank.settings.theme is None:
        return None
    folder = bank.root / bank.settings.theme
    check(folder, bank_root=bank.root)
    return folder


@contextlib.contextmanager
def cpu_budget(theme: Path | None, name: str) -> Iterator[None]:
    """Stop a page of an author's theme that spends more than :data:`PAGE_CPU_SECONDS`
    of CPU (a loop in a loop): a clear :class:`ThemeError` rather than a build that
    never ends. Only in a main thread, where signals go: that is where ``qbank build``,
    its render workers and ``qbank serve``'s rebuilds render."""
    if theme is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise ThemeError(
            f"{theme}: rendering `{name}` took more than {PAGE_CPU_SECONDS:g} s of CPU "
            "for one page; stopped"
        )

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, PAGE_CPU_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
