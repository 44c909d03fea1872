"""The outcome of checking one question: a status word and what explains it."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.errors import Location

#: Every status word of the contract, in report order.
STATUSES = (
    "ok",
    "wrong-answer",
    "ambiguous",
    "unstable",
    "timeout",
    "crashed",
    "missing-requirement",
    "invalid",
)


def is_failure(status: str, *, strict: bool = False) -> bool:
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
    isolation: str = ""
    """How runs were isolated, e.g. ``bwrap`` or ``rlimits+unshare``."""

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
    status: str
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
