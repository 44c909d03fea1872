"""Output is compared as a terminal shows it (contract section 3)."""

from __future__ import annotations

import pytest

from generator.verify.normalize import last_line, normalize

CASES = [
    ("\x1b[1m1/1\x1b[0m \x1b[32m━━\x1b[0m 0s\n(1, 1000)\n", "1/1 ━━ 0s\n(1, 1000)"),
    ("10%\r50%\r100%\ndone\n", "100%\ndone"),
    ("abc\b\bXY\n", "aXY"),
    ("line one   \r\nline two\t \r\n", "line one\nline two"),
    ("\n\n  \nanswer\n\n\n", "answer"),
    ("a\n\nb", "a\n\nb"),
    ("\x1b]0;window title\x07shown", "shown"),
]


@pytest.mark.parametrize(("raw", "shown"), CASES)
def test_normalize(raw: str, shown: str) -> None:
    assert normalize(raw) == shown


def test_last_line_skips_blank_lines_and_progress() -> None:
    assert last_line("1/1 [====] 12ms/step\r1/1 [====] 13ms/step\n(1, 1000)\n\n") == "(1, 1000)"
    assert last_line("") == ""
