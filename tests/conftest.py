"""Shared fixtures: a private results cache per test and stand-in Keras weights."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own results cache, its own user cache folder (where the key
    sealing cache entries is made: never the real user's) and an empty Keras home."""
    cache = tmp_path / "qbank-cache"
    monkeypatch.setenv("QBANK_CACHE_DIR", str(cache))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty-keras-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    return cache


@pytest.fixture(scope="session")
def stand_in_keras_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A KERAS_HOME whose models/ holds STAND-IN MobileNetV2 ImageNet weights: the real
    architecture and file format with random values (see tests/fixtures/make_keras_weights.py).
    Good for shapes and parameter counts, which is what the bank asks about."""
    home = tmp_path_factory.mktemp("keras-home")
    subprocess.run(
        [sys.executable, str(FIXTURES / "make_keras_weights.py"), str(home)],
        check=True,
        capture_output=True,
    )
    yield home
