"""The tool's small error vocabulary.

Content problems are data (:class:`Diagnostic`); exceptions are for the tool
itself failing, and the command line turns any :class:`ToolError` into exit 2.
"""

from __future__ import annotations

from dataclasses import dataclass


class ToolError(Exception):
    """The tool could not run: bad arguments, unreadable paths, broken install."""


class ConfigError(ToolError):
    """A command-line option or setting has a value the tool cannot use."""


class SandboxError(ToolError):
    """No isolation could be set up for running snippets."""


@dataclass(frozen=True)
class Location:
    """Where a YAML node starts: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Diagnostic:
    """One content problem, printed as ``FILE:LINE:COLUMN: status: message [pattern/question]``."""

    location: Location
    status: str
    message: str
    pattern: str | None = None
    question: str | None = None

    @property
    def subject(self) -> str:
        """``pattern/question`` (or what of it is known) for the end of the line."""
        return "/".join(part for part in (self.pattern, self.question) if part)

    def __str__(self) -> str:
        # Details of a multi-line message follow, indented, so each problem's first
        # line still reads FILE:LINE:COLUMN: status: message [pattern/question].
        first, *rest = self.message.split("\n")
        tail = f" [{self.subject}]" if self.subject else ""
        return "\n    ".join([f"{self.location}: {self.status}: {first}{tail}", *rest])
