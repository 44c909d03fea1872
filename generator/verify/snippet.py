"""A question's code as one program, and the way back from its lines to the YAML file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.errors import Location
from generator.model import Question

FILENAME = "snippet.py"
_FRAME = re.compile(r'File "' + re.escape(FILENAME) + r'", line (\d+)')


@dataclass(frozen=True)
class Snippet:
    """The program run for a question: hidden ``setup`` first, then the learner's ``code``."""

    question: Question
    source: str
    setup_lines: int
    """How many lines of ``source`` come from ``setup``."""

    @classmethod
    def of(cls, question: Question) -> Snippet:
        """The snippet of a question that is executed (it has code and verify)."""
        assert question.code is not None and question.verify is not None
        setup = question.verify.setup
        if setup and not setup.endswith("\n"):
            setup += "\n"
        return cls(question, setup + question.code, setup.count("\n"))

    def location(self, line: int) -> Location:
        """Where line ``line`` (1-based) of the program was written in the bank file."""
        q = self.question
        if line <= self.setup_lines and q.verify is not None and q.verify.setup_location:
            start = q.verify.setup_location
            return Location(start.file, start.line + line - 1, start.column)
        start = q.code_location or q.location
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
