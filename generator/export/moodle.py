"""Moodle XML: a category question per pattern, then one single-answer multichoice each.

Every text is HTML (``format="html"``), escaped by ElementTree rather than put in
CDATA, so no text can end a section early. The worked solution is the general
feedback, each choice's ``why`` its answer feedback, the hint a Moodle hint (shown
between tries in interactive quizzes), and the ids ``pattern/question`` the idnumber.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from generator.export.content import Item, category_path


def _text(parent: ET.Element, tag: str, value: str, *, html: bool = True) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": "html"} if html else {})
    ET.SubElement(element, "text").text = value
    return element


def _category(path: str) -> ET.Element:
    question = ET.Element("question", type="category")
    _text(question, "category", path, html=False)
    return question


def _question(item: Item) -> ET.Element:
    question = ET.Element("question", type="multichoice")
    _text(question, "name", item.name, html=False)
    _text(question, "questiontext", item.text)
    _text(question, "generalfeedback", item.feedback)
    ET.SubElement(question, "defaultgrade").text = "1"
    ET.SubElement(question, "penalty").text = "0.3333333"
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = item.ident
    ET.SubElement(question, "single").text = "true"
    # Letters in feedback name the display order: Moodle must not shuffle it.
    ET.SubElement(question, "shuffleanswers").text = "false"
    ET.SubElement(question, "answernumbering").text = "ABCD"
    ET.SubElement(question, "showstandardinstruction").text = "0"
    for choice in item.choices:
        answer = _text(question, "answer", choice.html)
        answer.set("fraction", "100" if choice.correct else "0")
        _text(answer, "feedback", choice.feedback or "")
    if item.hint:
        _text(question, "hint", item.hint)
    if item.tags:
        tags = ET.SubElement(question, "tags")
        for tag in item.tags:
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
    return question


def moodle_xml(items: Sequence[Item]) -> bytes:
    """The Moodle XML file holding ``items``, a category switch before each pattern."""
    quiz = ET.Element("quiz")
    category: tuple[str, str] | None = None
    for item in items:
        if item.category != category:
            category = item.category
            quiz.append(_category(category_path(*category)))
        quiz.append(_question(item))
    ET.indent(quiz)
    body = ET.tostring(quiz, encoding="unicode", short_empty_elements=False)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()
