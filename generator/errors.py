"""The tool's small error vocabulary.

Content problems are data (:class:`Diagnostic`); exceptions are for the tool
itself failing, and the command line turns any :class:`ToolError` into exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator.escape import escape
from generator.typing import Status


class ToolError(Exception):
    """The tool could not run: bad arguments, unreadable paths, broken install."""


class ConfigError(ToolError):
    """A command-line option or setting has a value the tool cannot use."""


class SandboxError(ToolError):
    """No isolation could be set up for running snippets."""


@dataclass(frozen=True, slots=True)
class Location:
    """Where a YAML node starts: 1-based line and column."""

    file: str
    """The path as written to messages (raw: escaped when shown)."""
    line: int
    column: int

    def __str__(self) -> str:
        return f"{escape(self.file)}:{self.line}:{self.column}"

    def __reduce__(self) -> tuple[type[Location], tuple[str, int, int]]:
        # A bank's worth of positions is pickled (validate's memo): rebuild each one from
        # its three values, not through the slots dataclass's generic state.
        return (Location, (self.file, self.line, self.column))


@dataclass(frozen=True)
class Diagnostic:
    """One content problem, printed as ``FILE:LINE:COLUMN: status: message [pattern/question]``."""

    location: Location
    status: Status
    message: str
    pattern: str | None = None
    question: str | None = None

    @property
    def subject(self) -> str:
        """``pattern/question`` (or what of it is known) for the end of the line."""
        return "/".join(part for part in (self.pattern, self.question) if part)

    def one_line(self) -> Diagnostic:
        """The same problem with its message on one line (line breaks shown as ``\\n``):
        a value echoed in a validation message must not start a line of its own."""
        return replace(self, message=escape(self.message))

    def __str__(self) -> str:
        # Details of a multi-line message follow, indented, so each problem's first
        # line still reads FILE:LINE:COLUMN: status: message [pattern/question].
        # Every part is escaped: bank values and file names never reach a terminal raw.
        first, *rest = self.message.split("\n")
        tail = f" [{escape(self.subject)}]" if self.subject else ""
        head = f"{self.location}: {escape(self.status)}: {escape(first)}{tail}"
        return "\n    ".join([head, *map(escape, rest)])
