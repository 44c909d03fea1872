"""The outcome of checking one question: a status word and what explains it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, get_args

from generator.errors import Diagnostic, Location
from generator.typing import Status

#: Every status word of the contract, in report order.
STATUSES: tuple[Status, ...] = get_args(Status)


def is_failure(status: Status, *, strict: bool = False) -> bool:
    """Whether a status fails the run (``missing-requirement`` only with ``--strict``)."""
    if status == "missing-requirement":
        return strict
    return status != "ok"


#: How well-known modules spell their own names.
_DISPLAY = {
    "tensorflow": "TensorFlow",
    "numpy": "NumPy",
    "keras": "Keras",
    "torch": "PyTorch",
    "scipy": "SciPy",
    "pandas": "pandas",
    "sklearn": "scikit-learn",
    "jax": "JAX",
}


@dataclass(frozen=True)
class Environment:
    """What a question was verified with: shown on the site and kept in the report."""

    python: str
    """Interpreter version, e.g. ``3.11.7``."""
    modules: tuple[tuple[str, str], ...] = ()
    """(distribution or module name, version) of the question's ``requires``."""

    def describe(self) -> str:
        """A short human line: ``Python 3.11.7, TensorFlow 2.21.0``."""
        parts = [f"Python {self.python}"] + [
            f"{_DISPLAY.get(name, name)} {version}" for name, version in self.modules
        ]
        return ", ".join(parts)


@dataclass(frozen=True)
class QuestionResult:
    """One record of the report: a question's status after validation or verification."""

    pattern: str
    question: str
    location: Location
    status: Status
    message: str = ""
    expected: str | None = None
    actual: str | None = None
    outputs: tuple[str, ...] = ()
    """Distinct outputs seen, for ``unstable``."""
    duration_s: float = 0.0
    cached: bool = False
    executed: bool = False
    """True when the question's code was run (or its cached run reused)."""
    environment: Environment | None = field(default=None)


@dataclass
class Outcome:
    """A command's results, diagnostics and how it ran."""

    command: str
    results: list[QuestionResult] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    strict: bool = False
    shard: tuple[int, int] | None = None
    """``--shard K/N`` of the run, so a merge can tell when a shard is missing."""
    limits: dict[str, Any] | None = None
    """The limits snippets ran under (operator caps and per-run limits), when any ran."""

    def problems(self) -> list[Diagnostic]:
        """Every line worth printing: diagnostics, then results that are not ok, in file order."""
        lines = list(self.diagnostics)
        seen = {(d.location, d.message) for d in lines}
        for r in self.results:
            if r.status != "ok" and (r.location, r.message) not in seen:
                lines.append(Diagnostic(r.location, r.status, r.message, r.pattern, r.question))
        return sorted(lines, key=lambda d: (d.location.file, d.location.line, d.location.column))

    def failed(self) -> bool:
        """Whether the content fails: exit code 1."""
        statuses = [d.status for d in self.diagnostics] + [r.status for r in self.results]
        return any(is_failure(s, strict=self.strict) for s in statuses)

    def summary(self) -> dict[str, Any]:
        """Counts of questions by status, and of problems."""
        counts = Counter(r.status for r in self.results)
        return {
            "questions": len(self.results),
            "executed": sum(1 for r in self.results if r.executed),
            "cached": sum(1 for r in self.results if r.cached),
            "by_status": {s: counts[s] for s in STATUSES if counts[s]},
            "problems": len(self.problems()),
            "failed": self.failed(),
        }
