"""Shared fixtures: a private results cache per test, stand-in Keras weights, and one
results cache per session for the tests that verify the reference bank with them."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sharing import locked, reference_lock, session_folder

FIXTURES = Path(__file__).parent / "fixtures"
#: The fixture of the tests that verify the reference bank's TensorFlow snippets.
STAND_IN = "stand_in_keras_home"


#: Tests that send a SIGINT to a qbank subprocess at any moment of its start-up. Under
#: `make coverage` the subprocess starts coverage from a .pth file whose `except:` swallows a
#: KeyboardInterrupt raised while it imports, so qbank never learns of that signal.
_SIGINT_AT_START_UP = ("test_ctrl_c_at_any_moment_under_load_stops_qbank",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-cov (`make coverage`), a SIGINT at start-up may be lost: such tests
    may fail there (`make test` runs them as they are)."""
    if not getattr(config.option, "cov_source", None):
        return
    for item in items:
        if getattr(item, "originalname", None) in _SIGINT_AT_START_UP:
            item.add_marker(
                pytest.mark.xfail(reason="coverage's start-up hook swallows the SIGINT")
            )


@pytest.fixture(scope="session")
def reference_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One results cache (``cache/``) and user cache folder (``user-cache/``, where the key
    sealing its entries is made) for the whole session, every xdist worker included,
    shared by the tests that verify the reference bank with the stand-in weights. Whoever
    verifies it holds :func:`reference_lock` meanwhile, so its snippets, TensorFlow's
    above all, run once per session and every later test takes them from the cache."""
    folder = session_folder(tmp_path_factory) / "reference-results"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def private_cache(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test gets its own results cache, its own user cache folder (where the key
    sealing cache entries is made: never the real user's) and an empty Keras home; a test
    that uses the stand-in weights gets the session's :func:`reference_results` instead,
    and holds its lock while it runs."""
    shared = STAND_IN in request.fixturenames
    if shared:
        folder: Path = request.getfixturevalue("reference_results")
        cache, user_cache = folder / "cache", folder / "user-cache"
    else:
        cache, user_cache = tmp_path / "qbank-cache", tmp_path / "user-cache"
    monkeypatch.setenv("QBANK_CACHE_DIR", str(cache))
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_cache))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    with reference_lock(folder) if shared else contextlib.nullcontext():
        yield cache


@pytest.fixture(scope="session")
def stand_in_keras_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KERAS_HOME whose models/ holds STAND-IN MobileNetV2 ImageNet weights: the real
    architecture and file format with random values (see tests/fixtures/make_keras_weights.py).
    Good for shapes and parameter counts, which is what the bank asks about. Made once per
    session, every xdist worker included: runs are cached by the bytes of the weights."""
    folder = session_folder(tmp_path_factory)
    home = folder / "keras-home"
    with locked(folder / "keras-home.lock"):
        if not (home / "made").exists():
            subprocess.run(
                [sys.executable, str(FIXTURES / "make_keras_weights.py"), str(home)],
                check=True,
                capture_output=True,
            )
            (home / "made").touch()
    return home
