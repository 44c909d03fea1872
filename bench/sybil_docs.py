"""The same trivial snippets as Markdown doctest blocks, checked by Sybil under pytest.

Sybil runs every example in the pytest process itself (no isolation, no second
run): the baseline of what checking code in documents costs with no sandbox.
"""

from __future__ import annotations

from pathlib import Path

_CONFTEST = """
from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser

pytest_collect_file = Sybil(parsers=[PythonCodeBlockParser()], patterns=["*.md"]).pytest()
"""


def write(root: Path, count: int) -> Path:
    """``root`` holding a conftest.py and one Markdown file of ``count`` doctest blocks,
    each printing its own number, as `banks.trivial` does."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "conftest.py").write_text(_CONFTEST)
    blocks = [f"Question {i}:\n\n```python\n>>> print({i})\n{i}\n```\n" for i in range(count)]
    (root / "questions.md").write_text("# Generated\n\n" + "\n".join(blocks))
    return root


def command(root: Path, python: str) -> list[str]:
    """The whole pytest process that checks every block (no plugins qbank's tests load)."""
    return [
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "-p",
        "no:hypothesispytest",
        "--rootdir",
        str(root),
        "-c",
        "/dev/null",
        str(root),
    ]
