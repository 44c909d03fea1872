"""`qbank verify --accept` writes every output so that qbank reads it back exactly as
printed (leading tabs and spaces, ``#``, ``: ``, quotes, unicode, empty lines...), and
refuses, with the reason, an output the file cannot hold; the other questions are
still accepted, and the file always loads."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from generator.validate.loader import load_file
from tests.helpers import qbank, sample

#: question id → what its program prints (normalised: trailing spaces dropped).
PRINTED = {
    "tab-lines": "\tone\n\ttwo",
    "tab-first": "\tindented",
    "spaces-first": "   a  b\n0  1  2\n1  3  4",
    "spaces-one-line": "  two spaces",
    "trailing-spaces": "a\nb",
    "hash": "# not a comment",
    "colon": "key: value",
    "quotes": 'it\'s "quoted"',
    "unicode": "héllo ✓ 😀 naïve",
    "empty-lines": "a\n\n\nb",
    "yaml-words": "null",
    "a-dict": "{'a': 1}",
    "odd-characters": "a\x7fb\u2028c\x85d",
    "dash-and-brackets": "- item\n[1, 2]",
    "spaced-error": 'ValueError:   spaced: out # "q"',
}
#: How some of them are written: the author's style where it holds the text, a block
#: with an indentation indicator or a double-quoted scalar where it does not.
WRITTEN = [
    "      - text: |2-\n          \tone\n          \ttwo\n        correct: true\n",
    '      - text: "\\tindented"   # the key\n',
    "      - text: |2-\n             a  b\n          0  1  2\n          1  3  4\n",
    "      output: '  two spaces'   # the key\n",
    "      - text: |-\n          a\n          b\n        correct: true\n",
    '      - text: "# not a comment"   # the key\n',
    '      - text: "key: value"   # the key\n',
    "      output: 'it''s \"quoted\"'   # the key\n",
    "      - text: héllo ✓ 😀 naïve   # the key\n",
    "      - text: |-\n          a\n\n\n          b\n        correct: true\n",
    '      - text: "null"   # the key\n',
    "      - text: \"{'a': 1}\"   # the key\n",
    '      output: "a\\x7Fb\\Lc\\Nd"\n',
    "      output: |-\n        - item\n        [1, 2]\n",
    '      - text: "ValueError:   spaced: out # \\"q\\""\n',
]
#: Where each question's key lives.
KEY_NODE = {
    "spaces-one-line": ("verify", "output"),
    "quotes": ("verify", "output"),
    "odd-characters": ("verify", "output"),
    "dash-and-brackets": ("verify", "output"),
}


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    file = tmp_path / "awkward-outputs.yaml"
    shutil.copy(sample("accept/awkward-outputs.yaml"), file)
    return file


def _data(file: Path) -> Any:
    doc, problems = load_file(file)
    assert doc is not None and not problems, [str(p) for p in problems]
    return doc.data


def test_every_output_is_written_so_that_qbank_reads_it_back(bank: Path) -> None:
    before = bank.read_text()
    expected = _data(bank)
    run = qbank("verify", bank, "--accept")
    assert "Traceback" not in run.err, run.err
    after = bank.read_text()
    for written in WRITTEN:
        assert written in after, written
    # Only the keys changed: every value is as before, but for the outputs written.
    for question in expected["questions"]:
        printed = PRINTED.get(question["id"])
        if printed is not None:
            node = KEY_NODE.get(question["id"], ("choices", 1, "text"))
            parent = question
            for step in node[:-1]:
                parent = parent[step]
            parent[node[-1]] = printed
    assert _data(bank) == expected
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments == [line for line in after.splitlines() if line.lstrip().startswith("#")]
    again = qbank("verify", bank)
    assert {p.message.rsplit("/", 1)[1] for p in again.problems()} == {"prints-nothing]"}
    assert "16 questions: 15 ok, 1 wrong-answer" in again.out


def test_an_output_the_file_cannot_hold_is_refused_and_the_rest_accepted(bank: Path) -> None:
    run = qbank("verify", bank, "--accept")
    assert run.code == 1, run.out + run.err
    refused = [p for p in run.problems() if "not accepted" in p.message]
    assert [(p.line, p.status) for p in refused] == [
        (244, "wrong-answer")
    ]  # in the file as written
    assert refused[0].message.startswith(
        "not accepted: the file would not hold the output as printed: the question breaks "
        "the schema ("
    ), refused[0].message
    assert refused[0].message.endswith("[awkward-outputs/prints-nothing]")
    assert "accepted 15 keys in 1 files" in run.err
    assert "      - text: something\n" in bank.read_text()  # nothing written for it


@pytest.mark.parametrize("qid", ["tab-lines", "spaces-first", "odd-characters"])
def test_one_awkward_output_accepted_leaves_a_file_that_loads(bank: Path, qid: str) -> None:
    run = qbank("verify", bank, "--accept", qid)
    assert run.code == 0, run.out + run.err
    [question] = [q for q in _data(bank)["questions"] if q["id"] == qid]
    node = KEY_NODE.get(qid, ("choices", 1, "text"))
    value = question
    for step in node:
        value = value[step]
    assert value == PRINTED[qid]
    assert qbank("verify", bank, "--only", qid).code == 0
