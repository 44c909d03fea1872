"""A question's code as one program, and the way back from its lines to the YAML file."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from generator.errors import Location
from generator.model import Key, Question, Verify

FILENAME = "snippet.py"
_FRAME = re.compile(r'File "' + re.escape(FILENAME) + r'", line (\d+)')


@dataclass(frozen=True)
class Snippet:
    """An executed question's program: hidden ``setup`` first, then the learner's ``code``."""

    question: Question
    verify: Verify
    """How it is checked: never None here, unlike ``question.verify``."""
    code: str
    source: str
    setup_lines: int
    """How many lines of ``source`` come from ``setup``."""

    @classmethod
    def of(cls, question: Question) -> Snippet | None:
        """The snippet of a question that is executed, or None (no code or no verify)."""
        verify, code = question.verify, question.code
        if verify is None or code is None:
            return None
        setup = verify.setup
        if setup and not setup.endswith("\n"):
            setup += "\n"
        return cls(question, verify, code, setup + code, setup.count("\n"))

    def limited(self, timeout: float, memory_mb: int) -> Snippet:
        """The same snippet under other limits (the operator's caps)."""
        return replace(self, verify=replace(self.verify, timeout=timeout, memory_mb=memory_mb))

    @property
    def key(self) -> Key:
        """The question's answer key: what a run must give, and where it was written."""
        return self.question.key

    @property
    def code_location(self) -> Location:
        """Where the question's code starts in the bank file."""
        return self.question.code_location or self.question.location

    def location(self, line: int) -> Location:
        """Where line ``line`` (1-based) of the program was written in the bank file."""
        if line <= self.setup_lines and self.verify.setup_location:
            start = self.verify.setup_location
            return Location(start.file, start.line + line - 1, start.column)
        start = self.code_location
        return Location(start.file, start.line + line - 1 - self.setup_lines, start.column)

    def map_traceback(self, stderr: str) -> tuple[str, Location | None]:
        """The traceback with snippet line numbers rewritten as bank-file positions,
        and the position of the innermost snippet frame."""
        innermost: Location | None = None

        def rewrite(match: re.Match[str]) -> str:
            nonlocal innermost
            innermost = self.location(int(match.group(1)))
            return f'File "{innermost.file}", line {innermost.line}'

        return _FRAME.sub(rewrite, stderr), innermost
