"""QTI 1.2 as Canvas imports it: a zip of ``imsmanifest.xml`` and one assessment folder.

The shape is the one text2qti writes (and Canvas itself exports): the assessment
folder holds the QTI XML and Canvas's ``assessment_meta.xml``. The bank becomes one
unpublished quiz; each pattern a question group ("Topic / Pattern", every question
picked) of ``multiple_choice_question`` items. A choice's ``why`` is its answer
comment, the worked solution the neutral comment, the hint the incorrect comment.
Identifiers are hashes of the ids, so exporting a bank again gives the same file.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Sequence

from generator.export.content import Item
from generator.export.text import clean

_QTI = {
    "xmlns": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2",
    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "xsi:schemaLocation": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2 "
    "http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd",
}
_MANIFEST = {
    "xmlns": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "xsi:schemaLocation": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1 "
    "http://www.imsglobal.org/xsd/imscp_v1p1.xsd",
}
_META = {
    "xmlns": "http://canvas.instructure.com/xsd/cccv1p0",
    "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "xsi:schemaLocation": "http://canvas.instructure.com/xsd/cccv1p0 "
    "https://canvas.instructure.com/xsd/cccv1p0.xsd",
}
#: A fixed time for every zip entry, so the same bank gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)


def ident(kind: str, *names: str) -> str:
    """A stable identifier: ``qbank_{kind}_`` and a hash of ``names``."""
    digest = hashlib.sha256("\0".join(names).encode()).hexdigest()[:40]
    return f"qbank_{kind}_{digest}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    element.text = text
    return element


def _material(parent: ET.Element, html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def _metadata(parent: ET.Element, fields: dict[str, str]) -> None:
    meta = _sub(parent, "qtimetadata")
    for label, entry in fields.items():
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)


def _condition(processing: ET.Element, choice: str | None, *, last: bool = False) -> ET.Element:
    """A ``respcondition`` on one choice (None: on any answer); ``last`` ends processing."""
    condition = _sub(processing, "respcondition", **{"continue": "No" if last else "Yes"})
    var = _sub(condition, "conditionvar")
    if choice is None:
        _sub(var, "other")
    else:
        _sub(var, "varequal", choice, respident="response1")
    return condition


def _show(condition: ET.Element, link: str) -> None:
    _sub(condition, "displayfeedback", feedbacktype="Response", linkrefid=link)


def _item(section: ET.Element, item: Item) -> None:
    question = ident("question", item.ident)
    choices = [f"{question}_choice_{n}" for n in range(len(item.choices))]
    element = _sub(section, "item", ident=question, title=item.name)
    _metadata(
        _sub(element, "itemmetadata"),
        {
            "question_type": "multiple_choice_question",
            "points_possible": "1",
            "original_answer_ids": ",".join(choices),
            "assessment_question_identifierref": ident("question_ref", item.ident),
        },
    )
    presentation = _sub(element, "presentation")
    _material(presentation, item.text)
    response = _sub(presentation, "response_lid", ident="response1", rcardinality="Single")
    render = _sub(response, "render_choice")
    for choice_id, choice in zip(choices, item.choices, strict=True):
        _material(_sub(render, "response_label", ident=choice_id), choice.html)

    processing = _sub(element, "resprocessing")
    outcomes = _sub(processing, "outcomes")
    _sub(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    feedbacks: dict[str, str] = {}
    if item.feedback:
        feedbacks["general_fb"] = item.feedback
        _show(_condition(processing, None), "general_fb")
    for choice_id, choice in zip(choices, item.choices, strict=True):
        if choice.feedback:
            feedbacks[f"{choice_id}_fb"] = choice.feedback
            _show(_condition(processing, choice_id), f"{choice_id}_fb")
    key = next(c for c, choice in zip(choices, item.choices, strict=True) if choice.correct)
    _sub(_condition(processing, key, last=True), "setvar", "100", action="Set", varname="SCORE")
    if item.hint:
        feedbacks["general_incorrect_fb"] = item.hint_note
        _show(_condition(processing, None), "general_incorrect_fb")
    for link, html in feedbacks.items():
        _material(_sub(_sub(element, "itemfeedback", ident=link), "flow_mat"), html)


def _assessment(items: Sequence[Item], title: str, quiz: str) -> ET.Element:
    root = ET.Element("questestinterop", _QTI)
    assessment = _sub(root, "assessment", ident=quiz, title=title)
    _metadata(assessment, {"cc_maxattempts": "1"})
    top = _sub(assessment, "section", ident="root_section")
    groups: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        groups.setdefault(item.category, []).append(item)
    for (topic, pattern), members in groups.items():
        group = _sub(
            top, "section", ident=ident("group", topic, pattern), title=f"{topic} / {pattern}"
        )
        selection = _sub(_sub(group, "selection_ordering"), "selection")
        _sub(selection, "selection_number", str(len(members)))
        _sub(_sub(selection, "selection_extension"), "points_per_item", "1")
        for item in members:
            _item(group, item)
    return root


def _meta(items: Sequence[Item], title: str, quiz: str) -> ET.Element:
    """Canvas's quiz settings: unpublished, answers in the order given, one attempt."""
    points = f"{len(items):.1f}"
    root = ET.Element("quiz", {"identifier": quiz, **_META})
    for tag, text in {
        "title": title,
        "description": "",
        "shuffle_answers": "false",
        "scoring_policy": "keep_highest",
        "quiz_type": "assignment",
        "points_possible": points,
        "show_correct_answers": "true",
        "allowed_attempts": "1",
        "one_question_at_a_time": "false",
        "cant_go_back": "false",
        "available": "false",
    }.items():
        _sub(root, tag, text)
    assignment = _sub(root, "assignment", identifier=ident("assignment", quiz))
    for tag, text in {
        "title": title,
        "workflow_state": "unpublished",
        "quiz_identifierref": quiz,
        "points_possible": points,
        "grading_type": "points",
        "submission_types": "online_quiz",
    }.items():
        _sub(assignment, tag, text)
    return root


def _manifest(quiz: str) -> ET.Element:
    root = ET.Element("manifest", {"identifier": ident("manifest", quiz), **_MANIFEST})
    metadata = _sub(root, "metadata")
    _sub(metadata, "schema", "IMS Content")
    _sub(metadata, "schemaversion", "1.1.3")
    _sub(root, "organizations")
    resources = _sub(root, "resources")
    meta = ident("dependency", quiz)
    resource = _sub(resources, "resource", identifier=quiz, type="imsqti_xmlv1p2")
    _sub(resource, "file", href=f"{quiz}/{quiz}.xml")
    _sub(resource, "dependency", identifierref=meta)
    dependency = _sub(
        resources,
        "resource",
        identifier=meta,
        type="associatedcontent/imscc_xmlv1p1/learning-application-resource",
        href=f"{quiz}/assessment_meta.xml",
    )
    _sub(dependency, "file", href=f"{quiz}/assessment_meta.xml")
    return root


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


def qti_zip(items: Sequence[Item], title: str, name: str) -> bytes:
    """The zip Canvas imports (Settings → Import Course Content → QTI .zip file).

    ``title`` names the quiz; ``name`` (the bank's) makes its identifier.
    """
    quiz = ident("assessment", name)
    title = clean(title)
    files = {
        "imsmanifest.xml": _xml(_manifest(quiz)),
        "non_cc_assessments/": b"",  # as in Canvas's own exports (and text2qti's)
        f"{quiz}/{quiz}.xml": _xml(_assessment(items, title, quiz)),
        f"{quiz}/assessment_meta.xml": _xml(_meta(items, title, quiz)),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, _EPOCH), data, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
