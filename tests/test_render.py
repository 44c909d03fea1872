"""The learner site as HTML: safety, answer letters, determinism, themes, publishing, size."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2.sandbox import SandboxedEnvironment

import generator.render as render
from generator.errors import Location
from generator.model import Bank, Pattern, Solution, Step, Verify
from generator.render import environment, pages, render_site, search
from generator.render.pages import paginate
from generator.render.publish import SITE_MARKER, publish
from generator.render.text import ANSWER_MARK, TextRenderer, answer_letters, image_source_allowed
from generator.render.theme import ThemeError
from generator.render.views import build_view, choice_key, choice_keys, draw_test
from generator.result import Environment, QuestionResult
from generator.validate import load_bank
from tests.helpers import sample
from tests.site_helpers import (
    GOLDEN,
    build_small_site,
    generated_bank,
    pattern,
    question,
    render_chunk_noting_worker,
    small_bank,
    small_results,
    worker_pids,
)

EVIL = (
    "Look <script>alert(1)</script> here <img src=x onerror=alert(2)> and "
    '[click](javascript:alert(3)) or <a href="JaVaScRiPt:alert(4)" onclick="alert(5)">a</a> '
    '<iframe src="https://evil.example/"></iframe><style>body{display:none}</style> '
    "![remote](https://evil.example/pixel.png) {answer}"
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)


def parse(path: Path) -> Tags:
    parser = Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Published as `regenerate` publishes the golden copy (marker file included).
    out = tmp_path_factory.mktemp("small") / "site"
    build_small_site(out)
    return out


def evil_bank() -> Bank:
    """Hostile text in every field an author controls."""
    base = pattern("pretrained-models")
    evil_questions = []
    for q in base.questions:
        choices = tuple(
            dataclasses.replace(c, text=f"{c.text} {EVIL}" if not c.correct else c.text, why=EVIL)
            for c in q.choices
        )
        step = Step(EVIL, EVIL, q.location)
        evil_questions.append(
            dataclasses.replace(
                q,
                title=f"{q.title} <script>alert(6)</script>",
                prompt=f"{q.prompt}\n\n{EVIL}",
                hint=EVIL,
                choices=choices,
                solution=Solution((step,), EVIL, q.location),
                common_mistakes=(EVIL,),
            )
        )
    evil = dataclasses.replace(
        base,
        title="Evil <script>alert(7)</script> pattern",
        topic="Topic <img src=x onerror=alert(8)>",
        badge="<script>alert(9)</script>",
        tags=("<b onmouseover=alert(10)>t</b>",),
        intro=EVIL,
        questions=tuple(evil_questions),
    )
    bank = small_bank()
    settings = dataclasses.replace(
        bank.settings, title="Bank <script>alert(11)</script>", description=EVIL
    )
    return dataclasses.replace(bank, settings=settings, patterns=(evil,))


def test_author_html_never_executes(tmp_path: Path) -> None:
    render_site(evil_bank(), tmp_path)
    pages = html_files(tmp_path)
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        lowered = text.lower()
        assert "<script>alert" not in lowered, page
        assert "<iframe" not in lowered and "<style" not in lowered, page
        assert "<img" not in lowered, f"{page}: raw or remote image kept"
        parsed = parse(page)
        assert parsed.script_text == [], f"{page}: inline script"
        for tag, attrs in parsed.tags:
            if tag == "script":
                assert (attrs.get("src") or "").endswith(".js"), page
            for name, value in attrs.items():
                assert not name.startswith("on"), f"{page}: <{tag} {name}>"
                assert name != "style", f"{page}: style attribute on <{tag}>"
                assert not (value or "").strip().lower().startswith("javascript:"), page
                if name == "src":
                    assert not re.match(r"^\s*([a-z]+:|//)", value or "", re.I), page
    for part in (tmp_path / "assets" / "search").iterdir():
        text = part.read_text(encoding="utf-8")
        assert "<" not in text and "javascript:" not in text.lower(), part
        assert "onerror" not in text.lower(), part
    # The review page's questions: the same sanitised HTML, as strings in a script.
    for fragment in review_fragments(tmp_path):
        parsed = Tags()
        parsed.feed(fragment)
        assert parsed.script_text == []
        for tag, attrs in parsed.tags:
            assert tag not in ("script", "iframe", "style", "img"), tag
            for name, value in attrs.items():
                assert not name.startswith("on") and name != "style", (tag, name)
                assert not (value or "").strip().lower().startswith("javascript:")


def script_data(script: Path) -> Any:
    """What a script of the site assigns: ``(window.G=window.G||{})["key"]=DATA;``."""
    return json.loads(script.read_text(encoding="utf-8").partition("]=")[2].strip()[:-1])


def review_data(site: Path) -> dict[str, dict[str, object]]:
    """Every ``assets/review/<pattern>.js`` of a site, read back as the data it assigns."""
    found: dict[str, dict[str, object]] = {}
    for script in sorted((site / "assets" / "review").glob("*.js")):
        text = script.read_text(encoding="utf-8")
        assert "</" not in text, f"{script}: a string could close a <script>"
        head, _, body = text.partition("]=")
        found[json.loads(head.rpartition("[")[2])] = json.loads(body.strip().removesuffix(";"))
    return found


def review_fragments(site: Path) -> list[str]:
    """The HTML of every question as the review page would insert it."""
    return [
        html
        for data in review_data(site).values()
        for html in data["questions"].values()  # type: ignore[attr-defined]
    ]


def stdout_verify(output: str | None = None) -> Verify:
    """A ``verify`` block as the loader resolves it: stdout checked, bank defaults."""
    return Verify(
        expect="stdout",
        output=output,
        error=None,
        setup="",
        requires=(),
        resources=(),
        timeout=10.0,
        runs=1,
        match="exact",
        memory_mb=512,
        location=Location("x.yaml", 20, 7),
    )


def test_choices_checked_against_stdout_are_shown_literally() -> None:
    """Any question whose stdout is checked against the choice text shows it unchanged."""
    texts = ["<class 'int'> 24 __init__", "2*3*4", "`x` {answer}"]
    common = {"type": "code", "title": "Types", "prompt": "What prints?", "texts": texts}
    checked = question(
        "x.yaml",
        "p",
        "checked",
        correct=0,
        code="print(type(1), 24, '__init__')",
        verify=stdout_verify(),
        **common,  # type: ignore[arg-type]
    )
    view = build_view(checked, TextRenderer())
    shown = [str(c.html) for c in view.choices]
    assert shown == [
        '<code class="output">&lt;class &#39;int&#39;&gt; 24 __init__</code>',
        '<code class="output">2*3*4</code>',
        '<code class="output">`x` {answer}</code>',
    ]
    assert str(view.final_answer) == f"{shown[0]} → Option {letter('A')}"
    # With an `output:` override the choices are not what was checked: Markdown as usual.
    free = dataclasses.replace(checked, verify=stdout_verify("24"))
    view = build_view(free, TextRenderer())
    assert [str(c.html) for c in view.choices] == [
        "&lt;class 'int'&gt; 24 <strong>init</strong>",
        "2<em>3</em>4",
        f"<code>x</code> {letter('A')}",
    ]
    assert f"<strong>init</strong> → Option {letter('A')}" in str(view.final_answer)


def test_code_label_is_the_title_as_shown() -> None:
    q = question(
        "x.yaml",
        "p",
        "label",
        title="Q <b>1</b> {answer} <script>alert(1)</script>",
        texts=["a", "b"],
        correct=1,
        code="print(1)",
    )
    view = build_view(q, TextRenderer())
    assert view.title == "Q 1 B"
    assert view.code is not None
    assert 'aria-label="Code for: Q 1 B"' in str(view.code)


@pytest.mark.parametrize(
    ("src", "depth", "allowed"),
    [
        ("x.png", 0, True),
        ("img/x.png?v=1#top", 0, True),
        ("../../assets/x.png", 2, True),
        ("../../assets/x.png", 0, False),
        ("../../../x.png", 2, False),
        ("a/../../x.png", 0, False),
        ("%2e%2e/x.png", 0, False),
        ("/etc/x.png", 2, False),
        ("//evil.example/x.png", 2, False),
        ("https://evil.example/x.png", 2, False),
        ("file:///etc/x.png", 2, False),
        ("\\\\evil\\x.png", 2, False),
        ("/\t/evil.example/x.png", 2, False),
        ("data:image/png;base64,AAAA", 0, True),
        ("data:text/html,x", 0, False),
    ],
)
def test_image_sources_stay_inside_the_site(src: str, depth: int, allowed: bool) -> None:
    assert image_source_allowed(src, depth) is allowed


def test_only_markdown_images_inside_the_site_are_kept() -> None:
    texts = TextRenderer(2)
    html = str(
        texts.block(
            'Raw <img src=x onerror=alert(1)> <IMG SRC="y.png"> <image src=z> '
            '<img src="data:image/png;base64,AA"> '
            '![ok](../../assets/d.png "Diagram") ![far](../../../d.png) '
            "![remote <b>](https://evil.example/p.png) ![inline](data:image/gif;base64,R0) "
            "[link](data:text/html,x)"
        )
    )
    images = re.findall(r"<img[^>]*>", html)
    assert images == [
        '<img alt="ok" src="../../assets/d.png" title="Diagram">',
        '<img alt="inline" src="data:image/gif;base64,R0">',
    ]
    assert "data-qbank" not in html and "data:text" not in html
    # A refused Markdown image leaves its alt text; raw <img> leaves nothing.
    assert " far " in html and "remote &lt;b&gt;" in html
    assert str(TextRenderer(0).block("![ok](../../assets/d.png)")) == "<p>ok</p>"


def test_every_page_has_a_strict_csp(small_site: Path) -> None:
    for page in html_files(small_site):
        metas = [a for t, a in parse(page).tags if t == "meta" and a.get("http-equiv")]
        assert len(metas) == 1, page
        assert metas[0]["http-equiv"] == "Content-Security-Policy"
        csp = metas[0]["content"] or ""
        for rule in ("script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri"):
            assert rule in csp, (page, rule)
        assert "unsafe-inline" not in csp and "http" not in csp


def test_urls_are_relative_and_resolve(small_site: Path) -> None:
    for page in html_files(small_site):
        for tag, attrs in parse(page).tags:
            for name in ("href", "src"):
                url = attrs.get(name)
                if not url or (tag == "a" and name == "href" and url.startswith("#")):
                    continue
                assert not re.match(r"^([a-z]+:|/)", url), f"{page}: {url}"
                target = (page.parent / url.split("#")[0]).resolve()
                assert target.is_file(), f"{page}: {url} does not exist"


def test_overview_says_how_many_modes(small_site: Path) -> None:
    overview = (small_site / "computer-vision/pretrained-models/index.html").read_text()
    assert "Choose your learning style</h2>" in overview
    assert '<p class="modes-available">3 modes available</p>' in overview


def letter(text: str) -> str:
    """An ``{answer}`` as the page writes it: an element the script fills, holding the
    author-order letter for a page without its script."""
    return f"<span data-answer-letter>{text}</span>"


def test_answer_letters_follow_the_correct_choice(small_site: Path) -> None:
    practice = (small_site / "computer-vision/pretrained-models/practice.html").read_text()
    assert f"Pre-trained models reuse features = {letter('D')}" in practice
    assert f"reducing training time → Option {letter('D')}" in practice
    assert f'<code class="output">(1, 1000)</code> → Option {letter("B")}' in practice
    assert f"Output shape = (batch, 1000 classes) = {letter('B')}" in practice
    assert f"Option {letter('A')} uses the correct function" in practice
    scripts = [*(small_site / "assets/search").iterdir(), *(small_site / "assets/review").iterdir()]
    for page in [*html_files(small_site), *scripts]:
        text = page.read_text(encoding="utf-8")
        assert "{answer}" not in text and ANSWER_MARK not in text, page


def test_answer_in_an_attribute_is_the_letter_itself() -> None:
    rendered = TextRenderer().block(
        f'[see]({ANSWER_MARK}.html "Option {ANSWER_MARK}") and `{ANSWER_MARK}`'
    )
    html = str(answer_letters(str(rendered), "C"))
    assert 'href="C.html" title="Option C"' in html
    assert f"<code>{letter('C')}</code>" in html


@pytest.fixture(scope="module")
def pool_bank() -> Bank:
    """tests/samples/test-pool: 18 questions over three bands, shuffled bank-wide."""
    bank, problems = load_bank(sample("test-pool"))
    assert problems == []
    return bank


def test_shuffle_is_left_to_the_browser(pool_bank: Bank, tmp_path: Path) -> None:
    """`defaults: shuffle` applies to every question that does not pin its order; pages
    keep the author's order, mark the questions that shuffle, and name choices by key."""
    assert pool_bank.settings.defaults.shuffle is True
    questions = {q.id: q for q in pool_bank.questions()}
    assert questions["reshape-size"].shuffle is True
    assert questions["all-of-the-above"].shuffle is False
    assert all(
        q.shuffle is False for q in small_bank().questions() if q.pattern_id != "data-splits"
    )

    render_site(pool_bank, tmp_path)
    html = (tmp_path / "tensors/tensor-shapes/test.html").read_text()
    pinned = re.search(r'<article class="question" id="q-all-of-the-above"[^>]*>', html)
    shuffled = re.search(r'<article class="question" id="q-reshape-size"[^>]*>', html)
    assert pinned and shuffled
    assert "data-shuffle" not in pinned[0] and "data-shuffle" in shuffled[0]
    q = questions["reshape-size"]
    keys = choice_keys(q)
    assert f'data-answer="{keys[q.correct_index]}"' in shuffled[0]
    values = re.findall(r'name="a-reshape-size" id="[^"]+" value="([^"]+)"', html)
    assert values == keys, "choices in the author's order, each named by its key"


def test_choice_keys_survive_reordering_not_editing() -> None:
    q = pattern("pretrained-models").questions[0]
    reordered = dataclasses.replace(q, choices=tuple(reversed(q.choices)))
    assert choice_keys(reordered) == list(reversed(choice_keys(q)))
    wrong = next(c for c in q.choices if not c.correct)
    edited = dataclasses.replace(wrong, text=wrong.text + " (edited)")
    now_right = dataclasses.replace(wrong, correct=True)
    assert len({choice_key(wrong), choice_key(edited), choice_key(now_right)}) == 3
    assert choice_key(dataclasses.replace(wrong, why="new feedback")) == choice_key(wrong)


def test_builds_are_byte_identical(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    build_small_site(tmp_path / "one")
    build_small_site(tmp_path / "two")
    files = [
        {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        for root in (tmp_path / "one", tmp_path / "two")
    ]
    assert files[0] == files[1]


#: Versions in "verified with" notes: the machine's, not the site's; compared as a mark.
_VERSIONS = re.compile(rb"(Python|NumPy|TensorFlow) \d+(\.\d+)+")


def _unversioned(data: bytes) -> bytes:
    return _VERSIONS.sub(rb"\1 <version>", data)


def test_golden_site(small_site: Path) -> None:
    """A fresh build of tests/samples/golden-bank equals tests/golden/small-site;
    regenerate with ``make golden`` and review the diff."""
    hint = "site changed: run `make golden` and review `git diff tests/golden`"
    built = {p.relative_to(small_site) for p in small_site.rglob("*") if p.is_file()}
    golden = {p.relative_to(GOLDEN) for p in GOLDEN.rglob("*") if p.is_file()}
    assert built == golden, hint
    for rel in sorted(built):
        ours, theirs = (small_site / rel).read_bytes(), (GOLDEN / rel).read_bytes()
        assert _unversioned(ours) == _unversioned(theirs), f"{rel}: {hint}"


def test_verified_note_only_on_verified_questions(tmp_path: Path) -> None:
    results = small_results()
    env = Environment("3.11.7", (("tensorflow", "2.21.0"),))
    loc = Location("x.yaml", 1, 1)
    results["frozen-base-trainable-params"] = QuestionResult(
        "pretrained-models",
        "frozen-base-trainable-params",
        loc,
        "unstable",
        executed=True,
        environment=env,
    )
    results["why-save-time"] = QuestionResult(
        "pretrained-models", "why-save-time", loc, "ok", executed=False, environment=env
    )
    render_site(small_bank(), tmp_path, results)
    note = "Output verified with Python 3.11.7, TensorFlow 2.21.0"
    folder = tmp_path / "computer-vision/pretrained-models"
    assert (folder / "practice.html").read_text().count(note) == 1
    assert (folder / "test.html").read_text().count(note) == 1
    assert note not in (folder / "challenge.html").read_text()


def test_theme_overrides_templates_and_assets(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "templates" / "overview.html").write_text(
        '{% extends "_pattern.html" %}{% block mode %}<p class="themed">Themed '
        "{{ page.pattern.title }}</p>{% endblock %}"
    )
    (theme / "static" / "site.css").write_text("/* themed */\n")
    (theme / "static" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    out = tmp_path / "out"
    out.mkdir()
    written = render_site(small_bank(), out, theme=theme)
    overview = (out / "computer-vision/pretrained-models/index.html").read_text()
    assert '<p class="themed">Themed Why pre-trained' in overview
    assert (out / "assets/site.css").read_text() == "/* themed */\n"
    assert (out / "assets/logo.svg") in written
    assert "Challenge" in (out / "computer-vision/pretrained-models/challenge.html").read_text()


def test_templates_use_strict_undefined(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "index.html").write_text("\n{{ no_such_variable }}")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ThemeError, match="no_such_variable' is undefined") as raised:
        render_site(small_bank(), out, theme=theme)
    assert f"theme template {theme / 'index.html'} line 2:" in str(raised.value)
    assert environment(None).autoescape is True
    assert isinstance(environment(None), SandboxedEnvironment)


def test_test_mode_draws_ten_across_bands_easy_first() -> None:
    f, pid = "bank/t/many.yaml", "many"
    difficulties = ["easy"] * 6 + ["medium", "intermediate"] * 3 + ["hard", "advanced", "expert"]
    questions = tuple(
        question(
            f, pid, f"q{i}", difficulty=d, title=f"Q{i}", prompt="p", texts=["a", "b"], correct=0
        )
        for i, d in enumerate(difficulties)
    )
    many = Pattern(pid, "Many", "T", "t", questions, Path(f), Location(f, 1, 1))
    drawn = draw_test(many)
    assert len(drawn) == 10 and drawn == draw_test(many)
    bands = [{"easy": 0, "medium": 1, "intermediate": 1}.get(q.difficulty, 2) for q in drawn]
    assert bands == sorted(bands) and set(bands) == {0, 1, 2}
    assert len(draw_test(pattern("pretrained-models"))) == 10


def test_publish_swaps_in_a_new_site(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "old.html").write_text("old")

    def build(out: Path) -> None:
        (out / "new.html").write_text("new")

    publish(build, site)
    assert sorted(p.name for p in site.iterdir()) == [SITE_MARKER, "new.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_publish_keeps_the_old_site_when_the_build_fails(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("old site")

    def build(out: Path) -> None:
        (out / "index.html").write_text("half a site")
        raise RuntimeError("template broke")

    with pytest.raises(RuntimeError, match="template broke"):
        publish(build, site)
    assert (site / "index.html").read_text() == "old site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_publish_creates_a_missing_site(tmp_path: Path) -> None:
    site = tmp_path / "deep" / "site"
    build_small_site(site)
    assert (site / "index.html").is_file()


def loaded_bytes(page: Path) -> int:
    """The size of ``page`` and of every script and stylesheet of the site it loads."""
    names: set[str] = set(re.findall(r'(?:src|href)="((?:\.\./)*assets/[^"]+)"', page.read_text()))
    return page.stat().st_size + sum((page.parent / name).stat().st_size for name in names)


def test_pattern_page_weight(small_site: Path) -> None:
    """A pattern page with 10 questions, with every script and stylesheet it loads, stays
    under 150 KB; so does the index, whose search loads nothing before a query."""
    folder = small_site / "computer-vision/pretrained-models"
    for page, script in (
        ("practice.html", "practice.js"),
        ("challenge.html", "challenge.js"),
        ("test.html", "test.js"),
        ("index.html", "progress.js"),
    ):
        html = (folder / page).read_text()
        assert f'assets/{script}" defer' in html, f"{page} does not load {script}"
        assert 'assets/store.js" defer' in html, f"{page} does not load store.js"
        assert loaded_bytes(folder / page) <= 150_000
    index = small_site / "index.html"
    assert 'assets/search.js" defer' in index.read_text()
    assert loaded_bytes(index) <= 150_000
    assert "pygments.css" not in index.read_text(), "no code on the index"


def test_paginate_links_the_pages_around() -> None:
    lists = paginate(list(range(95)), 10, "page")
    assert [len(listing.items) for listing in lists] == [10] * 9 + [5]
    assert lists[0].url == "index.html" and lists[1].url == "page-2.html"
    middle = lists[4]
    assert middle.previous == "page-4.html" and middle.next == "page-6.html"
    labels = [(link.label, link.current) for link in middle.links]
    assert labels == [
        ("1", False), ("…", False), ("3", False), ("4", False), ("5", True),
        ("6", False), ("7", False), ("…", False), ("10", False),
    ]  # fmt: skip
    assert paginate([], 10, "page")[0].links == [pages.PageLink("1", "index.html", True)]


@pytest.mark.parametrize(("count", "shown"), [(pages.INDEX_SHOWS_ALL_UP_TO, 30), (31, 4)])
def test_the_index_shows_every_pattern_of_a_small_bank(count: int, shown: int) -> None:
    """One topic of ``count`` patterns: all on the index while the bank is small."""
    texts = TextRenderer(2)
    bank = generated_bank(count * 2, per_pattern=2)
    one_topic = [
        pages.pattern_page(dataclasses.replace(p, topic="T", topic_slug="t"), n, texts)
        for n, p in enumerate(bank.patterns)
    ]
    [topic] = pages.topics(one_topic)
    assert len(topic.pages) == count and len(topic.shown) == shown


#: The scaled-down site: 100 patterns of 4 questions in 20 topics (more than the index
#: shows in full), with search parts split at 1,000 bytes instead of 40,000 so that parts
#: are split twice (and some hold one word) at this size. `make bench` (bench/scale_checks.py)
#: checks the same bounds at 5,000 questions with the real budget.
SCALED_QUESTIONS, SCALED_PATTERNS, SCALED_TOPICS = 400, 100, 20
SCALED_SHARD_BYTES = 1_000


@pytest.fixture(scope="module")
def scaled_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The site of a generated bank of 400 questions, search parts split at 1,000 bytes."""
    out = tmp_path_factory.mktemp("scaled-site")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_BYTES", SCALED_SHARD_BYTES)
        return out, render_site(generated_bank(SCALED_QUESTIONS, per_pattern=4), out)


def test_every_question_is_searchable_in_parts_within_budget(
    scaled_site: tuple[Path, list[Path]],
) -> None:
    """Every question is searchable, in parts no larger than their budget."""
    out, written = scaled_site
    parts = out / "assets" / "search"
    manifest = script_data(parts / "index.js")
    assert manifest["count"] == SCALED_QUESTIONS
    assert (parts / "index.js").stat().st_size <= 20_000
    kinds = set()
    for name, kind, file, size in manifest["shards"]:
        assert (parts / f"{file}.js").stat().st_size == size
        data = script_data(parts / f"{file}.js")
        assert all(word.startswith(name) for word in data)
        kinds.add(kind if kind == "e" or len(name) < 2 else "split")
        if kind == "e":
            assert list(data) == [name]
        elif len(data) > 1:
            assert size <= SCALED_SHARD_BYTES + 200, (name, size)
    assert kinds >= {"e", "split"}, "the parts were never split: the check checked nothing"
    chunks = sorted(parts.glob("d-*.js"))
    assert len(chunks) == SCALED_QUESTIONS // search.CHUNK
    assert max(chunk.stat().st_size for chunk in chunks) <= 10_000
    html = [p for p in written if p.suffix == ".html"]
    # Each pattern × (overview + 3 modes), a page per topic, the index, the review page.
    assert len(html) == SCALED_PATTERNS * 4 + SCALED_TOPICS + 1 + 1
    assert len(list((out / "assets" / "review").iterdir())) == SCALED_PATTERNS


def test_the_index_stays_light_as_the_bank_grows(
    scaled_site: tuple[Path, list[Path]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The index shows a few patterns per topic and links every topic's own pages; with
    more topics than fit, the index itself has pages."""
    out, _ = scaled_site
    per_topic = SCALED_PATTERNS // SCALED_TOPICS
    index = (out / "index.html").read_text()
    assert index.count('class="card pattern-card"') == SCALED_TOPICS * pages.CARDS_PER_TOPIC
    assert index.count(f"All {per_topic} patterns in Topic") == SCALED_TOPICS
    assert len(index.encode()) <= 120_000
    topic = (out / "topic-03" / "index.html").read_text()
    assert topic.count('class="card pattern-card"') == per_topic
    assert '<a href="../topic-03/pattern-0003/index.html">' in topic

    monkeypatch.setattr(pages, "TOPICS_PER_PAGE", 6)
    monkeypatch.setattr(render, "TOPICS_PER_PAGE", 6)
    monkeypatch.setattr(render, "PATTERNS_PER_PAGE", 10)
    render_site(generated_bank(200), tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.html")) == [
        "index.html", "review.html", "topics-2.html", "topics-3.html", "topics-4.html"
    ]  # fmt: skip
    first = (tmp_path / "index.html").read_text()
    assert first.count('<section class="topic"') == 6
    assert '<a href="topics-2.html" rel="next">' in first
    assert sorted(p.name for p in (tmp_path / "topic-00").glob("*.html")) == ["index.html"]
    render_site(generated_bank(600, per_pattern=2), tmp_path / "more")
    assert sorted(p.name for p in (tmp_path / "more/topic-00").glob("*.html")) == [
        "index.html", "page-2.html"
    ]  # fmt: skip


def test_parallel_render_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large banks render in worker processes (a fork server while threads run), same bytes.

    The parallel path is forced whatever the machine's CPU count, and the test checks
    that more than one worker process really rendered pages.
    """
    bank = generated_bank(1000)
    assert sum(1 for _ in bank.questions()) >= render.PARALLEL_FROM
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(render, "_render_chunk", render_chunk_noting_worker)
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait, daemon=True)
    waiter.start()
    try:
        (tmp_path / "parallel").mkdir()
        parallel = render_site(bank, tmp_path / "parallel")
    finally:
        stop.set()
    workers = worker_pids(parallel)
    assert len(workers) >= 2, f"rendered by {workers}, not by several worker processes"
    assert os.getpid() not in workers

    monkeypatch.setattr(render, "PARALLEL_FROM", 10**9)
    (tmp_path / "serial").mkdir()
    assert worker_pids(render_site(bank, tmp_path / "serial")) == {os.getpid()}
    files = [
        {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
        for root in (tmp_path / "parallel", tmp_path / "serial")
    ]
    assert files[0] == files[1]
