"""Generated banks for the benchmarks."""

from __future__ import annotations

from pathlib import Path

_QUESTION = """  - id: {qid}
    mode: practice
    type: predict-output
    difficulty: {difficulty}
    title: Question {i}
    prompt: What does this print? Question number {i} of a generated bank.
    code: |
{code}
    choices:
      - text: "{answer}"
        correct: true
      - "wrong {i}"
      - "also wrong {i}"
{verify}"""

_DIFFICULTIES = ("easy", "medium", "hard")


def _pattern(pid: str, questions: list[str]) -> str:
    head = f"id: {pid}\ntitle: Pattern {pid}\ntopic: Generated\nminutes: 10\nquestions:\n"
    return head + "".join(questions)


def _indent(code: str) -> str:
    return "".join(f"      {line}\n" for line in code.strip().splitlines())


def write(root: Path, per_pattern: list[list[str]]) -> Path:
    """A bank of generated patterns under ``root/generated/``."""
    topic = root / "generated"
    topic.mkdir(parents=True, exist_ok=True)
    for n, questions in enumerate(per_pattern):
        (topic / f"p{n:04d}.yaml").write_text(_pattern(f"p{n:04d}", questions))
    return root


def trivial(root: Path, count: int, runs: int = 2) -> Path:
    """``count`` questions that print their own number, 10 per pattern."""
    verify = f"    verify:\n      runs: {runs}\n"
    questions = [
        _QUESTION.format(
            qid=f"q{i:05d}",
            i=i,
            difficulty=_DIFFICULTIES[i % 3],
            code=_indent(f"print({i})"),
            answer=i,
            verify=verify,
        )
        for i in range(count)
    ]
    return write(root, [questions[i : i + 10] for i in range(0, count, 10)])


TF_CODE = """
import numpy as np
import tensorflow as tf
model = tf.keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3), classes={classes})
x = np.zeros((1, 96, 96, 3), dtype="float32")
print(model.predict(x, verbose=0).shape)
"""


def tensorflow(root: Path, count: int) -> tuple[Path, list[Path]]:
    """``count`` TensorFlow questions (runs: 1) and the same programs as plain files."""
    programs: list[Path] = []
    questions = []
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        code = TF_CODE.format(classes=10 + i)
        program = root / f"program{i}.py"
        program.write_text(code)
        programs.append(program)
        verify = (
            "    verify:\n      runs: 1\n      timeout: 300\n      requires: [tensorflow, numpy]\n"
        )
        questions.append(
            _QUESTION.format(
                qid=f"tf{i:03d}",
                i=i,
                difficulty="hard",
                code=_indent(code),
                answer=f"(1, {10 + i})",
                verify=verify,
            )
        )
    return write(root / "bank", [questions]), programs
