"""One markup module: lint judges a prompt by what the site shows learners."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.markup.convert import ExportText, SiteText
from generator.markup.visible import PATTERN_PAGE_DEPTH, shows_nothing, visible
from generator.render.plan import PATTERN_DEPTH
from tests.helpers import ROOT, qbank, sample

# (line of the prompt, question id): every prompt the site would show empty.
EMPTY_AFTER_SANITISING = [
    (12, "script-only"),
    (19, "style-only"),
    (26, "comment-only"),
    (36, "blank-entities"),
    (43, "empty-fence"),
    (52, "script-in-a-div"),
]


def test_prompts_the_sanitiser_empties_are_invalid_at_their_line() -> None:
    run = qbank("validate", sample("empty-after-sanitising.yaml"))
    assert run.code == 1
    problems = run.problems()
    assert [(p.line, p.column, p.status) for p in problems] == [
        (line, 13, "invalid") for line, _ in EMPTY_AFTER_SANITISING
    ]
    for problem, (_, question) in zip(problems, EMPTY_AFTER_SANITISING, strict=True):
        assert problem.message.startswith("prompt renders to nothing visible"), problem
        assert problem.message.endswith(f"[empty-after-sanitising/{question}]"), problem


@pytest.mark.parametrize(
    "prompt",
    [
        "<script>Which one?</script>",
        "<style>x</style>",
        "<!-- Which one? -->",
        "   ",
        "&nbsp;",
        "\u200b\u00ad",
        "\u3164",
        "```python\n```",
        "___",
        "#",
        "![](https://example.com/remote.png)",
        "<img src=x.png alt=Which>",
        '<a href="#" title="<img src=x>"></a>',
        "<b></b>",
        "[](https://example.com/where)",
        "[why]: https://example.com/why",
    ],
)
def test_what_learners_would_not_see(prompt: str) -> None:
    assert shows_nothing(prompt)
    assert not visible(SiteText(PATTERN_PAGE_DEPTH).block(prompt))


@pytest.mark.parametrize(
    "prompt",
    [
        "Which one?",
        "`<script>`",
        "&lt;script&gt;",
        "<b>Which</b> one?",
        "![Which one?](https://example.com/remote.png)",  # the alt text stands in
        "![](../../assets/diagram.png)",
        "```python\nprint(1)\n```",
        "1.",
        "¿Cuál?",
        "问题",
        "Q&A: a < b?",
    ],
)
def test_what_learners_see(prompt: str) -> None:
    assert not shows_nothing(prompt)


# Characters and constructs Markdown and HTML give meaning to, a few words and blanks.
_ALPHABET = [
    *"ab1_ *-+#=.):>|!\\\n\t`~[]()<>&;/",
    *("\u00a0", "\u200b", "\n\n", "\n    ", "1. ", "- ", "script", "<b>", "<style>"),
    *("<!--", "-->", "&nbsp;", "&#8203;", "&amp;", "```", "```python\n", "~~~", "[x]"),
    *("](", "![", "](https://example.com/p.png)", "[x]: https://example.com\n"),
    *("::python\n", ":::python\n", "#!python\n"),
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=16).map("".join))
def test_the_quick_answer_agrees_with_the_site(text: str) -> None:
    """Prompts of plain words skip Markdown; they must get the site's answer anyway."""
    assert shows_nothing(text) == (not visible(SiteText(PATTERN_PAGE_DEPTH).block(text)))


def test_lint_judges_prompts_at_the_depth_of_pattern_pages() -> None:
    assert PATTERN_PAGE_DEPTH == PATTERN_DEPTH


def test_site_and_export_share_the_markdown() -> None:
    text = "| a | b |\n|---|---|\n| 1 | 2 |\n\n1. one\n\n* two\n\n~~~\nx\n~~~"
    for rendered in (SiteText().block(text), ExportText().block(text)):
        assert "<table>" in rendered and "<ol>" in rendered and "<ul>" in rendered
        assert "<pre" in rendered and "<code" in rendered
    # The difference is raw HTML: the site drops a script, an export shows it as text.
    assert SiteText().block("Why <script>x</script>?") == "<p>Why ?</p>"
    assert ExportText().block("Why <script>x</script>?") == (
        "<p>Why &lt;script&gt;x&lt;/script&gt;?</p>"
    )


def _stage_imports(folder: Path) -> set[str]:
    """The ``generator.*`` modules the files of ``folder`` import."""
    found: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found.update(n for n in names if n.startswith("generator."))
    return found


@pytest.mark.parametrize(
    ("stage", "forbidden"),
    [
        ("validate", ("generator.render", "generator.export", "generator.verify")),
        ("export", ("generator.render",)),
        (
            "markup",
            ("generator.validate", "generator.verify", "generator.render", "generator.export"),
        ),
    ],
)
def test_imports_follow_the_pipeline(stage: str, forbidden: tuple[str, ...]) -> None:
    imported = _stage_imports(ROOT / "generator" / stage)
    assert not {m for m in imported if m.startswith(forbidden)}, stage


def test_lint_loads_markdown_only_for_a_prompt_that_needs_it() -> None:
    check = (
        "import sys\n"
        "from generator.markup.visible import shows_nothing\n"
        "assert not shows_nothing('Which one?') and 'markdown' not in sys.modules\n"
        "assert shows_nothing('<script>Which one?</script>') and 'markdown' in sys.modules\n"
        "import generator.validate.lint, generator.export\n"
        "assert not [m for m in sys.modules if m.startswith('generator.render')]\n"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=ROOT)
