"""Themes come with untrusted banks: they change how the site looks, and nothing else.

Each attack is a small theme made in the test. A refused theme is exit 2 with
``qbank: error: ...`` naming the file, no traceback, nothing run on the host,
and the previous site left as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import generator.render as render
from generator.render import render_site
from generator.render.publish import SITE_MARKER
from generator.render.theme import ThemeError
from tests.helpers import ROOT, Run, qbank
from tests.site_helpers import small_bank

#: A pattern with no executed question: building it runs no snippet.
PATTERN = """\
id: plain
title: Plain
topic: Samples
questions:
  - id: plain-question
    mode: practice
    type: conceptual
    difficulty: easy
    title: A question
    prompt: Which one?
    choices:
      - text: "this one"
        correct: true
      - "that one"
"""

#: Classic ways out of a Jinja template to the host; MARKER is a file each would create.
ESCAPES = {
    "cycler-globals": "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "lipsum-globals": "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "template-context": (
        "{{ self._TemplateReference__context.cycler.__init__.__globals__"
        ".os.popen('touch MARKER').read() }}"
    ),
    "object-subclasses": (
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}"
        "{% if c.__name__ == 'Popen' %}{{ c(['touch', 'MARKER']) }}{% endif %}{% endfor %}"
    ),
    "namespace-globals": "{{ namespace.__init__.__globals__['os'].system('touch MARKER') }}",
    # A public method of an object the site is made of: the pattern's path.
    "path-method": (
        "{{ (topics.values() | first | first).pattern.path.joinpath('MARKER').write_text('x') }}"
    ),
}


def _bank(tmp_path: Path) -> Path:
    bank = tmp_path / "bank"
    (bank / "samples").mkdir(parents=True)
    (bank / "samples" / "plain.yaml").write_text(PATTERN)
    return bank


def _old_site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("the previous site")
    (out / SITE_MARKER).write_text("")
    return out


def _theme(root: Path, files: dict[str, str]) -> Path:
    theme = root / "theme"
    for name, text in files.items():
        (theme / name).parent.mkdir(parents=True, exist_ok=True)
        (theme / name).write_text(text)
    return theme


def _assert_refused(run: Run, out: Path, *words: str) -> None:
    assert run.code == 2, run.out + run.err
    assert run.err.startswith("qbank: error: "), run.err
    assert "Traceback" not in run.err
    for word in words:
        assert word in run.err, run.err
    assert (out / "index.html").read_text() == "the previous site"
    assert sorted(p.name for p in out.iterdir()) == [SITE_MARKER, "index.html"]
    assert not list(out.parent.glob(f"{out.name}.*")), "a temp site was left behind"


@pytest.mark.parametrize("payload", ESCAPES.values(), ids=ESCAPES.keys())
def test_template_cannot_reach_the_host(tmp_path: Path, payload: str) -> None:
    marker = tmp_path / "pwned"
    out = _old_site(tmp_path)
    theme = _theme(
        tmp_path, {"templates/index.html": "<p>\n" + payload.replace("MARKER", str(marker))}
    )
    run = qbank("build", _bank(tmp_path), "--out", out, "--theme", theme)
    _assert_refused(run, out, f"theme template {theme / 'templates' / 'index.html'} line 2: ")
    assert not marker.exists()


def test_theme_named_by_the_bank_is_sandboxed_too(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    bank = _bank(tmp_path)
    (bank / "bank.yaml").write_text("title: T\ntheme: look\n")
    payload = ESCAPES["cycler-globals"].replace("MARKER", str(marker))
    (bank / "look").mkdir()
    (bank / "look" / "index.html").write_text(payload)
    out = _old_site(tmp_path)
    run = qbank("build", bank, "--out", out)
    _assert_refused(run, out, f"theme template {bank / 'look' / 'index.html'} line 1: ", "unsafe")
    assert not marker.exists()


def test_theme_named_by_the_bank_must_be_inside_it(tmp_path: Path) -> None:
    bank = _bank(tmp_path)
    elsewhere = _theme(tmp_path, {"templates/index.html": "borrowed"})
    (bank / "bank.yaml").write_text(f"title: T\ntheme: ../{elsewhere.name}\n")
    out = _old_site(tmp_path)
    _assert_refused(qbank("build", bank, "--out", out), out, "is outside the bank")


@pytest.fixture
def host_secret() -> Iterator[Path]:
    """A file outside the theme and outside /tmp (in the checkout), so that a tmpfs
    hiding /tmp cannot pass for a refusal."""
    folder = Path(tempfile.mkdtemp(prefix=".host-secret-", dir=ROOT))
    secret = folder / "secret.txt"
    secret.write_text(f"HOST-SECRET-{os.getpid()}-{folder.name}\n")
    yield secret
    shutil.rmtree(folder)


def _leaked(root: Path, secret: Path) -> list[Path]:
    """Files under ``root`` (not the theme's own links to it) that hold the secret."""
    text = secret.read_bytes().strip()
    return [
        p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and text in p.read_bytes()
    ]


@pytest.mark.parametrize(
    "link",
    ["static/leak.txt", "static/css/leak.css", "templates/index.html", "templates/extra.html"],
)
def test_symlinked_theme_file_is_refused(tmp_path: Path, host_secret: Path, link: str) -> None:
    theme = _theme(tmp_path, {"static/site.css": "/* themed */\n"})
    (theme / link).parent.mkdir(parents=True, exist_ok=True)
    (theme / link).symlink_to(host_secret)
    out = _old_site(tmp_path)
    run = qbank("build", _bank(tmp_path), "--out", out, "--theme", theme)
    _assert_refused(run, out, f"theme file {theme / link} is a symbolic link")
    assert not _leaked(tmp_path, host_secret)


def test_symlinked_theme_folder_is_refused(tmp_path: Path, host_secret: Path) -> None:
    theme = _theme(tmp_path, {"templates/index.html": "{{ site.title }}"})
    (theme / "static").symlink_to(host_secret.parent, target_is_directory=True)
    out = _old_site(tmp_path)
    run = qbank("build", _bank(tmp_path), "--out", out, "--theme", theme)
    _assert_refused(run, out, f"theme file {theme / 'static'} is a symbolic link")
    assert not _leaked(tmp_path, host_secret)


def test_symlink_inside_the_theme_is_refused_too(tmp_path: Path) -> None:
    theme = _theme(tmp_path, {"static/site.css": "/* themed */\n"})
    (theme / "static" / "copy.css").symlink_to(theme / "static" / "site.css")
    out = _old_site(tmp_path)
    run = qbank("build", _bank(tmp_path), "--out", out, "--theme", theme)
    _assert_refused(run, out, "copy.css is a symbolic link")


def test_render_site_refuses_a_symlink_before_reading_it(tmp_path: Path, host_secret: Path) -> None:
    theme = _theme(tmp_path, {"templates/index.html": "{{ site.title }}"})
    (theme / "static").mkdir()
    (theme / "static" / "leak.txt").symlink_to(host_secret)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ThemeError, match=r"leak\.txt is a symbolic link"):
        render_site(small_bank(), out, theme=theme)
    assert not list(out.iterdir())


def test_template_error_in_a_worker_process_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "PARALLEL_FROM", 1)
    theme = _theme(tmp_path, {"templates/overview.html": "{% set n = 0 %}\n\n{{ 1 // n }}"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ThemeError) as raised:
        render_site(small_bank(), out, theme=theme)
    message = str(raised.value)
    assert f"theme template {theme / 'templates' / 'overview.html'} line 3: " in message
    assert "ZeroDivisionError" in message


def test_a_theme_still_restyles_the_site(tmp_path: Path) -> None:
    theme = _theme(
        tmp_path,
        {
            "templates/index.html": (
                '{% extends "base.html" %}{% block main %}{% for t, ps in topics.items() %}'
                "<h2>{{ t | upper }}</h2>{% for p in ps %}<a href='{{ p.url }}'>"
                "{{ p.pattern.title }}</a>{% endfor %}{% endfor %}{% endblock %}"
            ),
            "static/site.css": "/* themed */\n",
        },
    )
    out = tmp_path / "site"
    run = qbank("build", _bank(tmp_path), "--out", out, "--theme", theme)
    assert run.code == 0, run.err
    assert "<h2>SAMPLES</h2>" in (out / "index.html").read_text()
    assert (out / "assets" / "site.css").read_text() == "/* themed */\n"


#: Templates that would hold a build for hours or take gigabytes, each stopped on its own.
HOGS = {
    "loop-in-a-loop": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "took more than 1 s of CPU for one page; stopped",
    ),
    "huge-string": ("{{ 'x' * 10 ** 10 }}", "would make more than 10,000,000 items"),
    "huge-list": ("{{ ([0] * 100000) * 100000 }}", "would make more than 10,000,000 items"),
    "huge-number": ("{{ 7 ** 10000000 }}", "would make a number of more than 100,000 bits"),
}


@pytest.mark.parametrize(("payload", "said"), HOGS.values(), ids=HOGS.keys())
def test_a_theme_cannot_take_the_hosts_time_or_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: str, said: str
) -> None:
    """A build with a hostile theme ends with a clear error, not a CI job that runs out
    its time (the CPU budget is lowered to 1 s here; it is 30 s per page)."""
    monkeypatch.setattr("generator.render.theme.PAGE_CPU_SECONDS", 1.0)
    out = _old_site(tmp_path)
    theme = _theme(tmp_path, {"templates/index.html": "<p>\n" + payload})
    run = qbank("build", _bank(tmp_path), "--out", out, "--theme", theme)
    _assert_refused(run, out, "index.html", said)


def test_the_package_templates_render_within_the_budget(tmp_path: Path) -> None:
    """qbank's own templates, rendered through a theme that overrides nothing, stay far
    inside the budget: the same build with and without the theme writes the same site."""
    bank = _bank(tmp_path)
    theme = _theme(tmp_path, {"static/.keep": ""})
    plain, themed = tmp_path / "plain", tmp_path / "themed"
    assert qbank("build", bank, "--out", plain).code == 0
    assert qbank("build", bank, "--out", themed, "--theme", theme).code == 0
    assert (plain / "index.html").read_bytes() == (themed / "index.html").read_bytes()
