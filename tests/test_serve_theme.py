"""`qbank serve` and a theme that fails (issue 16): the server goes on, the last good
page stays, the problem shows in the panel and on the terminal; fixed, it is rebuilt."""

from __future__ import annotations

import time
from pathlib import Path

from tests.serve_helpers import Serving, save, write_bank


def _problems(served: Serving, timeout: float) -> list[str]:
    """The problems the panel shows, once it shows some."""
    deadline = time.monotonic() + timeout
    for state in served.states():
        if state["phase"] == "problems":
            problems = state["problems"]
            assert isinstance(problems, list)
            return [str(p) for p in problems]
        assert time.monotonic() < deadline, state
    raise AssertionError(f"the events stream ended; the server exited {served.proc.poll()}")


def test_a_theme_template_that_fails_keeps_the_last_good_page(tmp_path: Path) -> None:
    bank = write_bank(tmp_path / "bank", 20)
    template = bank / "look" / "templates" / "index.html"
    template.parent.mkdir(parents=True)
    template.write_text("<p>{{ site.title }} themed</p>\n<p>{{ site.no_such_thing.at_all }}</p>\n")
    served = Serving(bank, tmp_path)
    try:
        good = served.wait_for_page("/", lambda body: b"Generated" in body, timeout=120)
        served.wait_for(r"^built: ", timeout=30)
        save(bank / "bank.yaml", "title: Generated\n", "title: Generated\ntheme: look\n")
        problems = _problems(served, timeout=60)
        assert served.proc.poll() is None, served.stderr
        assert len(problems) == 1 and f"{template} line 2" in problems[0], problems
        served.wait_for(f"{template} line 2", timeout=10)  # on the terminal too
        assert served.get("/") == (200, good)  # the last good page
        # Fixed: rebuilt with the theme.
        save(template, "<p>{{ site.no_such_thing.at_all }}</p>\n", "")
        served.wait_for_page("/", lambda body: b"Generated themed" in body, timeout=60)
        served.wait_for(r"^rebuilt: ", timeout=10)
        assert "Traceback" not in served.stderr
    finally:
        served.close()
