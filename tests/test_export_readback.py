"""Every export read back by a reader teachers' tools use, and compared with the bank.

Readers, each written by someone else for real LMS files:

- Moodle XML: ``moodle-xml-parser`` (PyPI) for names, texts, answers, fractions,
  answer feedback and general feedback. It unescapes HTML entities in every text
  (``&lt;`` comes back as ``<``), so its texts are compared with our own tags
  stripped; it reads neither categories nor hints nor tags, which ElementTree reads.
- GIFT: ``gift-pegjs`` (npm), the PEG grammar of GIFT behind several GIFT editors,
  which decodes GIFT escapes as Moodle's importer does.
- Canvas QTI: ``qti2latex`` (PyPI, written for text2qti and Canvas exports) for the
  quiz's items, groups, stems and choices. It counts every choice named in any
  ``respcondition`` as correct (feedback conditions too), so the key is read from the
  condition that sets SCORE, with ElementTree, as are the feedback texts it skips.

Texts that are HTML are compared as text: what a browser would show, with the
expected text made from the bank by markdown-it-py (CommonMark, raw HTML shown as
text), a Markdown implementation other than the one qbank uses.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from generator.markup import shows_output
from generator.model import LETTERS, Bank, Question
from generator.validate import load_bank
from tests.helpers import ROOT, SAMPLES, qbank
from tests.sharing import reference_lock

FORMATS = ("moodle", "gift", "qti")
HOSTILE = SAMPLES / "export" / "hostile.yaml"
GIFT_PEGJS = ROOT / "node_modules" / "gift-pegjs"


@dataclass
class Read:
    """One question as a reader returned it."""

    name: str
    category: str
    stem: str
    choices: list[tuple[str, bool, str]]
    """(text, correct, feedback) in file order."""
    general: str
    hint: str
    """Moodle's hint or Canvas's incorrect comment (read as stored, with ElementTree)."""
    unescaped: bool = False
    """True when the reader unescaped HTML entities (moodle-xml-parser)."""


# --------------------------------------------------------------------------- readers


def read_moodle(path: Path) -> list[Read]:
    from moodle_xml_parser.parser import parse_file

    parsed = parse_file(str(path))["multichoice"]
    # What moodle-xml-parser does not read: categories (switches) and hints.
    categories, hints = [], []
    category = ""
    for question in ET.parse(path).getroot().iter("question"):
        if question.get("type") == "category":
            category = question.findtext("category/text") or ""
        elif question.get("type") == "multichoice":
            categories.append(category)
            hints.append(question.findtext("hint/text") or "")
    assert len(parsed) == len(categories)
    return [
        Read(
            name=q.name,
            category=category,
            stem=q.text_pre_parse,
            choices=[(o.answer, o.score_fraction == 100, o.feedback or "") for o in q.options],
            general=q.general_feedback or "",
            hint=hint,
            unescaped=True,
        )
        for q, category, hint in zip(parsed, categories, hints, strict=True)
    ]


_GIFT_JS = """
const fs = require("fs");
const gift = require("gift-pegjs");
process.stdout.write(JSON.stringify(gift.parse(fs.readFileSync(process.argv[1], "utf8"))));
"""


def read_gift(path: Path) -> list[Read]:
    assert GIFT_PEGJS.is_dir(), "gift-pegjs missing: run `npm ci --no-audit --no-fund` at the root"
    node = shutil.which("node")
    assert node, "node missing (make system-deps installs it)"
    done = subprocess.run(
        [node, "-e", _GIFT_JS, str(path)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    found, category = [], ""
    for question in json.loads(done.stdout):
        if question["type"] == "Category":
            category = question["title"]
            continue
        assert question["type"] == "MC", question
        for part in [question["stem"], question["globalFeedback"]] + [
            c["text"] for c in question["choices"]
        ]:
            assert part is None or part["format"] == "html"
        found.append(
            Read(
                name=question["title"],
                category=category,
                stem=question["stem"]["text"],
                choices=[
                    (c["text"]["text"], c["isCorrect"], (c["feedback"] or {}).get("text", ""))
                    for c in question["choices"]
                ],
                general=(question["globalFeedback"] or {}).get("text", ""),
                hint="",
            )
        )
    return found


def read_qti(path: Path) -> list[Read]:
    import qti2latex

    folder = qti2latex.extract_zip_to_tmp(path)
    try:
        assert (folder / "imsmanifest.xml").is_file()
        found: list[Read] = []
        for xml in sorted(qti2latex.read_qti_dir(folder)):
            root = ET.parse(xml).getroot()
            assessment = qti2latex.child_anyns(root, "assessment")
            if assessment is None:
                continue  # assessment_meta.xml
            top = qti2latex.child_anyns(assessment, "section")
            for group in top:
                assert qti2latex.extract_tag(group) == "section", "items come in groups"
                pick, points, items = qti2latex.get_group(group)
                assert (pick, points) == (len(items), 1), "every question picked, 1 point"
                found += [_qti_item(item, group.get("title", "")) for item in items]
        return found
    finally:
        shutil.rmtree(folder)


def _qti_item(item: ET.Element, group: str) -> Read:
    import qti2latex

    meta = qti2latex.get_qti_metadata(item)
    assert qti2latex.guess_type(meta, item) == "multiple_choice_question"
    assert meta["points_possible"] == "1"
    choices = qti2latex.get_choices(item)
    # qti2latex also counts choices with feedback conditions: the key is among them.
    named = qti2latex.get_correct_idents(item)
    feedback = {
        fb.get("ident"): qti2latex.text_of(qti2latex.findall_anyns(fb, "mattext")[0])
        for fb in qti2latex.findall_anyns(item, "itemfeedback")
    }
    links: dict[str, str] = {}
    key = set()
    for condition in qti2latex.findall_anyns(item, "respcondition"):
        var = qti2latex.findall_anyns(condition, "varequal")
        shown = qti2latex.findall_anyns(condition, "displayfeedback")
        if var and qti2latex.findall_anyns(condition, "setvar"):
            assert condition.get("continue") == "No"
            key.add(var[0].text)
        elif var and shown:
            links[var[0].text or ""] = shown[0].get("linkrefid", "")
    assert len(key) == 1 and key <= named
    return Read(
        name=item.get("title", ""),
        category=group,
        stem=qti2latex.get_item_stem(item),
        choices=[
            (text, ident in key, feedback.get(links.get(ident, ""), "")) for ident, text in choices
        ],
        general=feedback.get("general_fb", ""),
        hint=feedback.get("general_incorrect_fb", ""),
    )


READERS = {"moodle": read_moodle, "gift": read_gift, "qti": read_qti}


# ------------------------------------------------------------------ text comparisons


class _Text(HTMLParser):
    """What a browser shows of an HTML fragment: all text, and each ``<pre>`` apart."""

    BLOCKS = frozenset({"p", "pre", "li", "ol", "ul", "br", "div", "table", "tr", "td", "th"}) | {
        f"h{level}" for level in range(1, 7)
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pres: list[str] = []
        self._pre: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self._pre = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre" and self._pre is not None:
            self.pres.append("".join(self._pre))
            self._pre = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        if self._pre is not None:
            self._pre.append(data)


def parse_html(fragment: str) -> _Text:
    reader = _Text()
    reader.feed(fragment)
    reader.close()
    return reader


#: The tags qbank's exports write; moodle-xml-parser's unescaped texts lose only these.
_OUR_BLOCKS = re.compile(r"</?(?:p|pre|ol|ul|li|br|h[1-6]|table|thead|tbody|tr|th|td|hr)\b[^<>]*>")
_OUR_INLINES = re.compile(r"</?(?:code|strong|em|a)\b[^<>]*>")
_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def visible(text: str) -> str:
    """A bank text with the characters XML 1.0 cannot hold shown as ``\\xNN``."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def words(text: str) -> str:
    return " ".join(text.split())


def shown(fragment: str, unescaped: bool) -> str:
    """The text of an HTML fragment, whitespace folded."""
    if unescaped:
        return words(_OUR_INLINES.sub("", _OUR_BLOCKS.sub(" ", fragment)))
    return words("".join(parse_html(fragment).parts))


def literal(fragment: str, unescaped: bool) -> str:
    """The exact text of a fragment that is one ``<code>`` or ``<pre><code>``."""
    if unescaped:
        return _OUR_INLINES.sub("", _OUR_BLOCKS.sub("", fragment))
    parsed = parse_html(fragment)
    return parsed.pres[0] if parsed.pres else "".join(parsed.parts)


def markdown_text(source: str) -> str:
    """What the bank's Markdown shows, by another Markdown implementation."""
    return words("".join(parse_html(_MARKDOWN.render(visible(source))).parts))


def category_of(bank: Bank, question: Question, fmt: str) -> str:
    pattern = next(p for p in bank.patterns if p.id == question.pattern_id)
    if fmt == "qti":
        return f"{pattern.topic} / {pattern.title}"
    names = [" ".join(n.split()).replace("/", "//") for n in (pattern.topic, pattern.title)]
    return "$course$/" + "/".join(names)


def assert_intact(read: list[Read], bank: Bank, fmt: str, questions: list[Question]) -> None:
    """Each question came back: name, category, prompt, code, choices in the site's order,
    key, why feedback, hint, and the worked solution."""
    assert [r.name for r in read] == [visible(q.title) for q in questions]
    for r, q in zip(read, questions, strict=True):
        where = f"{fmt}: {q.pattern_id}/{q.id}"
        order = range(len(q.choices))  # the author's order, as the site's Practice shows it
        letter = LETTERS[q.correct_index]

        def fill(text: str) -> str:
            return text.replace("{answer}", letter)  # noqa: B023 - used in this iteration

        assert r.category == category_of(bank, q, fmt), where
        expected = markdown_text(fill(q.prompt))
        if q.code:
            assert literal_code(r.stem, r.unescaped) == q.code, where
            expected = words(f"{expected} {q.code}")
        assert shown(r.stem, r.unescaped) == expected, where

        assert len(r.choices) == len(q.choices), where
        for (text, correct, feedback), index in zip(r.choices, order, strict=True):
            choice = q.choices[index]
            if shows_output(q):
                assert literal(text, r.unescaped) == choice.text, where
            else:
                assert shown(text, r.unescaped) == markdown_text(fill(choice.text)), where
            assert correct == choice.correct, where
            why = markdown_text(fill(choice.why)) if choice.why else ""
            assert shown(feedback, r.unescaped) == why, where

        pieces = []
        if q.hint:
            hint = markdown_text(fill(q.hint))
            if fmt == "moodle":
                assert shown(r.hint, unescaped=False) == hint, where
            elif fmt == "qti":
                assert shown(r.hint, unescaped=False) == f"Hint: {hint}", where
            else:
                pieces.append(f"Hint: {hint}")
        solution = q.solution
        for step in solution.steps if solution else ():
            pieces += [markdown_text(fill(step.title)), markdown_text(fill(step.body))]
        if solution and solution.quick_check:
            pieces.append(f"Quick check: {markdown_text(fill(solution.quick_check))}")
        if q.common_mistakes:
            pieces += ["Common mistakes:"] + [markdown_text(fill(m)) for m in q.common_mistakes]
        assert shown(r.general, r.unescaped) == words(" ".join(pieces)), where


def literal_code(stem: str, unescaped: bool) -> str:
    """The question's code: the last ``<pre>`` of its text."""
    if unescaped:
        blocks = re.findall(r'<pre><code class="language-python">(.*?)</code></pre>', stem, re.S)
        return str(blocks[-1])
    return parse_html(stem).pres[-1]


def exported_questions(bank_path: Path) -> tuple[Bank, list[Question]]:
    bank, problems = load_bank(bank_path)
    assert not problems
    return bank, list(bank.questions())


# ------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_text_reads_back_intact(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"hostile.{fmt}"
    run = qbank("export", HOSTILE, "--format", fmt, "--out", out)
    assert run.code == 0, run.out + run.err
    bank, questions = exported_questions(HOSTILE)
    read = READERS[fmt](out)
    assert_intact(read, bank, fmt, questions)
    # The sample is hostile where it should be: the readers saw every character.
    stem = read[0].stem if fmt != "moodle" else html.escape(read[0].stem)
    assert "&lt;script&gt;" in stem
    assert "<script>" not in (read[0].stem if fmt != "moodle" else "")


@pytest.fixture(scope="module")
def reference_exports(
    tmp_path_factory: pytest.TempPathFactory, stand_in_keras_home: Path, reference_results: Path
) -> Iterator[dict[str, Path]]:
    """The reference bank exported to each format, verified once (with stand-in weights)
    in the session's results cache, which test_verify's run of the same bank shares."""
    folder = tmp_path_factory.mktemp("reference-exports")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QBANK_CACHE_DIR", str(reference_results / "cache"))
        env.setenv("XDG_CACHE_HOME", str(reference_results / "user-cache"))
        env.setenv("KERAS_HOME", str(stand_in_keras_home))
        env.setenv("NO_COLOR", "1")
        paths = {}
        with reference_lock(reference_results):
            for fmt in FORMATS:
                paths[fmt] = folder / f"reference-{fmt}"
                run = qbank("export", ROOT / "bank", "--format", fmt, "--out", paths[fmt])
                assert run.code == 0, run.out + run.err
        yield paths


@pytest.mark.tf
@pytest.mark.parametrize("fmt", FORMATS)
def test_reference_bank_reads_back_intact(fmt: str, reference_exports: dict[str, Path]) -> None:
    bank, questions = exported_questions(ROOT / "bank")
    assert len(questions) > 40
    assert_intact(READERS[fmt](reference_exports[fmt]), bank, fmt, questions)


_TEXT2QTI_QUIZ = """\
Quiz title: Shape
Quiz description: The same features as a qbank question.

GROUP
pick: 1
points per question: 1

Title: One
1.  What is 2+3?
... The worked solution.
- The hint.
*a) 5
... Right.
b)  6
... Wrong.
c)  4

END_GROUP
"""


def _skeleton(xml: bytes) -> set[str]:
    """Every element path (local names) with its attribute names."""
    paths: set[str] = set()

    def walk(element: ET.Element, prefix: str) -> None:
        path = f"{prefix}/{element.tag.split('}')[-1]}"
        paths.add(f"{path}[{','.join(sorted(a.split('}')[-1] for a in element.attrib))}]")
        for child in element:
            walk(child, path)

    walk(ET.fromstring(xml), "")
    return paths


def _files(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_qti_package_has_the_shape_text2qti_gives_canvas(tmp_path: Path) -> None:
    """text2qti's packages import into Canvas: ours has its files, its item structure
    (a group, stem, choices, scoring, the three kinds of feedback) and no element it lacks."""
    from text2qti.config import Config
    from text2qti.qti import QTI
    from text2qti.quiz import Quiz

    theirs = _files(QTI(Quiz(_TEXT2QTI_QUIZ, config=Config(), source_name="<shape>")).zip_bytes())
    out = tmp_path / "q.zip"
    assert qbank("export", HOSTILE, "--format", "qti", "--out", out).code == 0
    ours = _files(out.read_bytes())

    def layout(files: dict[str, bytes]) -> list[str]:
        quiz = next(n.split("/")[0] for n in files if n.endswith("/assessment_meta.xml"))
        return sorted(n.replace(quiz, "QUIZ") for n in files)

    assert layout(ours) == layout(theirs)

    def part(files: dict[str, bytes], kind: str) -> set[str]:
        meta = "/assessment_meta.xml"
        found = {
            "manifest": [d for n, d in files.items() if n == "imsmanifest.xml"],
            "meta": [d for n, d in files.items() if n.endswith(meta)],
            "assessment": [
                d for n, d in files.items() if "/" in n and n.endswith(".xml") and meta not in n
            ],
        }[kind]
        assert len(found) == 1, kind
        return _skeleton(found[0])

    assert part(ours, "assessment") == part(theirs, "assessment")
    assert part(ours, "manifest") <= part(theirs, "manifest")
    assert part(ours, "meta") <= part(theirs, "meta")
