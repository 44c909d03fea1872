"""Author Markdown as learners see it: one configuration of Python-Markdown, nh3 and Pygments.

It sits below the stages: lint (validate), the site (render) and the LMS files (export)
all use it, and it imports none of them, so lint judges a text as the site shows it.

- :mod:`~generator.markup.convert`: the Markdown configuration; :class:`SiteText` (raw
  HTML sanitised away, code highlighted) and :class:`ExportText` (raw HTML shown as text)
- :mod:`~generator.markup.clean`: what nh3 keeps, for the site and for an LMS
- :mod:`~generator.markup.code`: Pygments lexers and highlighting
- :mod:`~generator.markup.visible`: whether a text shows learners anything at all

This module stays free of imports, so lint can load :mod:`visible` without Markdown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.model import Question


def shows_output(question: Question) -> bool:
    """Whether the choices are program output, shown exactly as written (not Markdown).

    They are for predict-output questions, and whenever the code's stdout is checked
    against the correct choice's text: Markdown would change what the learner sees
    from what was verified (``__init__`` would turn bold, ``2*3*4`` italic).
    """
    verify = question.verify
    checked = verify is not None and verify.expect == "stdout" and verify.output is None
    return checked or question.type == "predict-output"
