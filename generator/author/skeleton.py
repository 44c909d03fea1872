"""`qbank new`: a pattern file or a question that validates as written, never overwriting.

A new question is added at the end of its pattern's ``questions`` list; nothing
else in the file moves.
"""

from __future__ import annotations

import re
from pathlib import Path

from generator.errors import ConfigError, ToolError
from generator.escape import escape
from generator.validate import load_bank
from generator.validate.discover import bank_root, display_path
from generator.validate.loader import load_file

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Where editors find the schema when the bank is not inside a qbank checkout.
SCHEMA_URL = "https://qbank.example/schema/pattern.schema.json"


def _slug(text: str, what: str) -> str:
    if not _SLUG.match(text):
        raise ConfigError(f"{what} `{text}` is not a slug (lowercase words joined by -)")
    return text


def _inside(bank: Path, file: Path) -> None:
    """Refuse to write ``file`` when a symbolic link on its way leads out of ``bank``
    (as reading does, see :mod:`generator.validate.discover`)."""
    real = file.resolve()
    if not real.is_relative_to(bank.resolve()):
        raise ConfigError(
            f"{escape(display_path(file))} leads to {escape(str(real))}, outside the bank "
            f"{escape(display_path(bank))} (through a symbolic link); not written"
        )


def _modeline(file: Path) -> str:
    """The schema comment for a pattern file: the checkout's schema/ if there is one."""
    schema = file.resolve().parent.parent.parent / "schema" / "pattern.schema.json"
    target = "../../schema/pattern.schema.json" if schema.is_file() else SCHEMA_URL
    return f"# yaml-language-server: $schema={target}\n"


def question_yaml(qid: str, qtype: str, indent: str = "  ") -> str:
    """A question of type ``qtype`` as a list item at ``indent``, ready to edit."""
    lines = [
        f"- id: {qid}",
        "  mode: practice    # practice | challenge (timed, attempts, badge)",
        f"  type: {qtype}",
        "  difficulty: easy  # easy | medium | intermediate | hard | advanced | expert",
        "  title: Replace this title with what the question asks",
    ]
    if qtype == "predict-output":
        lines += [
            "  prompt: What does this code print?",
            "  code: |           # it is run: the correct choice must be its output",
            "    print(6 * 7)",
            "  choices:",
            '    - text: "42"',
            "      correct: true",
            "      why: Say why this is right.",
            '    - text: "67"',
            "      why: Name the mistake a learner makes to pick this one.",
        ]
    else:
        lines += [
            "  prompt: Replace this prompt with the question, in Markdown.",
            "  choices:",
            "    - text: The right answer",
            "      correct: true",
            "      why: Say why this is right.",
            "    - text: A wrong answer that a learner might pick",
            "      why: Name the mistake a learner makes to pick this one.",
        ]
    return "".join(f"{indent}{line}\n" for line in lines)


def new_pattern(bank: Path, where: str, qtype: str = "conceptual") -> Path:
    """Write ``<bank>/<topic>/<id>.yaml``; refuse to touch an existing file or id."""
    topic, _, pid = where.partition("/")
    _slug(topic, "topic")
    _slug(pid, "pattern id")
    existing, _ = load_bank(bank) if bank.is_dir() else (None, [])
    if existing is not None and any(p.id == pid for p in existing.patterns):
        raise ConfigError(f"pattern id `{pid}` is already used in {bank}")
    file = bank / topic / f"{pid}.yaml"
    title = pid.replace("-", " ").capitalize()
    text = (
        _modeline(file)
        + f"id: {pid}\n"
        + f"title: {title}\n"
        + f"topic: {topic.replace('-', ' ').title()}\n"
        + "minutes: 10\n"
        + "questions:\n"
        + question_yaml(f"{pid}-1", qtype)
    )
    _inside(bank, file)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolError(f"cannot make folder {file.parent}: {exc.strerror or exc}") from exc
    try:
        with file.open("x", encoding="utf-8") as out:  # "x": never overwrite
            out.write(text)
    except FileExistsError:
        raise ConfigError(f"{display_path(file)} exists; not overwritten") from None
    except OSError as exc:
        raise ToolError(f"cannot write {file}: {exc.strerror or exc}") from exc
    return file


def new_question(bank: Path, pattern_id: str, qtype: str) -> tuple[Path, str, int]:
    """Add a question at the end of pattern ``pattern_id``'s list: (file, new id, line)."""
    loaded, _ = load_bank(bank)
    pattern = next((p for p in loaded.patterns if p.id == pattern_id), None)
    if pattern is None:
        raise ConfigError(f"no pattern `{pattern_id}` in {bank} (or it does not validate)")
    taken = {q.id for q in loaded.questions()}
    number = len(pattern.questions) + 1
    while f"{pattern_id}-{number}" in taken:
        number += 1
    qid = f"{pattern_id}-{number}"
    _inside(bank_root(bank), pattern.path)
    doc, problems = load_file(pattern.path)
    if doc is None or problems:
        raise ConfigError(f"{display_path(pattern.path)} does not load; fix it first")
    text = pattern.path.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    first = doc.values[("questions", 0)]
    indent = " " * max(0, first.column - 3)  # the item's `- ` sits two columns before its keys
    later = sorted(
        where.line for path, where in doc.keys.items() if len(path) == 1 and where.line > first.line
    )
    at = later[0] - 1 if later else len(lines)  # before the next top-level key, or at the end
    while at > 0 and (not lines[at - 1].strip() or lines[at - 1].lstrip().startswith("#")):
        at -= 1  # after the last question's own lines, not after blank lines or comments
    if lines and not lines[-1].endswith("\n") and at == len(lines):
        lines[-1] += "\n"
    lines.insert(at, question_yaml(qid, qtype, indent))
    pattern.path.write_text("".join(lines), encoding="utf-8")
    return pattern.path, qid, at + 1
