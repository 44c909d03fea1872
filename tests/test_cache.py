"""The results cache cannot be planted: only entries this user's qbank sealed are reused.

An entry's key is computed from public data, so a pull request can name the
very file qbank reads. These tests plant entries there as an attacker would,
and check that a wrong answer key stays wrong.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import shutil
import stat
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from generator import sealed
from generator.sandbox import RunResult
from generator.sealed import seal
from generator.validate import load_bank
from generator.verify import cache
from generator.verify.cache import Cache, decode_runs, encode_runs
from generator.verify.snippet import Snippet
from tests.helpers import qbank, sample

#: What the program of wrong-answer.yaml would have to print for its wrong key to pass.
FORGED_OUTPUT = "15\n"


def _run(stdout: str = FORGED_OUTPUT) -> RunResult:
    return RunResult(stdout, "", 0, None, 0.02)


def _verify(tmp_path: Path, bank: Path) -> tuple[int, dict[str, Any], str]:
    report = tmp_path / "report.json"
    run = qbank("verify", bank, "--report", report)
    assert "Traceback" not in run.err, run.err
    (record,) = json.loads(report.read_text())["results"]
    return run.code, record, run.err


@pytest.fixture
def wrong_answer(tmp_path: Path) -> Path:
    bank = tmp_path / "b.yaml"
    shutil.copy(sample("wrong-answer.yaml"), bank)
    return bank


def _public_digest(bank: Path) -> str:
    """The entry's key, computed as anyone can: from the question and the interpreter."""
    loaded, _ = load_bank(bank)
    (question,) = loaded.questions()
    snippet = Snippet.of(question)
    assert snippet is not None
    return cache.key(snippet, f"{sys.executable} {platform.python_version()}", {}, {})


def _old_style(digest: str) -> str:
    """An entry exactly as qbank wrote them before entries were sealed."""
    return json.dumps({"runs": [asdict(_run()), asdict(_run())], "key": digest})


PLANTED = {
    "old-format": lambda digest: _old_style(digest).encode(),
    "forged-mac": lambda digest: seal(b"k" * sealed.KEY_BYTES, _old_style(digest).encode()),
    "missing-mac": lambda digest: b"qbank-cache 3\n" + _old_style(digest).encode(),
    "empty-mac": lambda digest: b"qbank-cache 3 \n" + _old_style(digest).encode(),
}


@pytest.mark.parametrize("entry", PLANTED.values(), ids=PLANTED.keys())
def test_planted_entry_does_not_pass_a_wrong_key(
    tmp_path: Path, private_cache: Path, wrong_answer: Path, entry: Any
) -> None:
    digest = _public_digest(wrong_answer)
    target = Cache(private_cache, b"").path(digest)
    target.parent.mkdir(parents=True)
    target.write_bytes(entry(digest))
    # The old place and name too, for an older layout of the same attack.
    old = private_cache / "results" / digest[:2] / f"{digest}.json"
    old.write_text(_old_style(digest))
    code, record, _ = _verify(tmp_path, wrong_answer)
    assert (code, record["status"], record["cached"]) == (1, "wrong-answer", False)
    assert record["actual"] == "10"
    # qbank replaced the planted entry with its own sealed one: the key was the right one.
    assert target.read_bytes().startswith(b"qbank-cache 3 ")
    assert sealed.secret() not in target.read_bytes()


def _sealed_by_this_user(private_cache: Path, digest: str, body: bytes) -> None:
    target = Cache(private_cache, b"").path(digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(seal(sealed.secret(), body))


MALFORMED = {
    "bad-json": lambda d: b'{"key": "' + d.encode() + b'", "runs": [',
    "stdout-not-text": lambda d: _body(d, [{**asdict(_run()), "stdout": 5}]),
    "runs-not-a-list": lambda d: json.dumps({"key": d, "runs": "x"}).encode(),
    "missing-field": lambda d: _body(
        d, [{k: v for k, v in asdict(_run()).items() if k != "killed"}]
    ),
    "extra-field": lambda d: _body(d, [{**asdict(_run()), "verdict": "ok"}]),
    "no-runs": lambda d: _body(d, []),
    "other-key": lambda d: _body("0" * 64, encode_runs([_run()])),
    "not-an-object": lambda d: b"[1, 2]",
}


def _body(digest: str, runs: list[dict[str, Any]]) -> bytes:
    return json.dumps({"key": digest, "runs": runs}).encode()


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_entry_is_rerun_without_a_traceback(
    tmp_path: Path, private_cache: Path, wrong_answer: Path, body: Any
) -> None:
    digest = _public_digest(wrong_answer)
    _sealed_by_this_user(private_cache, digest, body(digest))
    code, record, _ = _verify(tmp_path, wrong_answer)
    assert (code, record["status"], record["cached"]) == (1, "wrong-answer", False)


def test_entry_sealed_by_qbank_is_reused(tmp_path: Path, private_cache: Path) -> None:
    bank = tmp_path / "ok.yaml"
    shutil.copy(sample("verified-ok.yaml"), bank)
    assert qbank("verify", bank, "--only", "ok-sum").code == 0
    (entry,) = private_cache.rglob("*.entry")
    assert entry.read_bytes().startswith(b"qbank-cache 3 ")
    report = tmp_path / "report.json"
    assert qbank("verify", bank, "--report", report).code == 0
    cached = {r["question"]: r["cached"] for r in json.loads(report.read_text())["results"]}
    assert cached == {q: q == "ok-sum" for q in cached}


def test_key_lives_in_the_user_cache_folder_not_the_cache_dir(
    tmp_path: Path, private_cache: Path, wrong_answer: Path
) -> None:
    _verify(tmp_path, wrong_answer)
    key = tmp_path / "user-cache" / "qbank" / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert len(key.read_bytes()) == sealed.KEY_BYTES
    assert not list(private_cache.rglob("key"))
    assert sealed.secret() == key.read_bytes()


def test_default_place_is_outside_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QBANK_CACHE_DIR")
    assert sealed.default_dir() == tmp_path / "user-cache" / "qbank"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert sealed.default_dir() == tmp_path / "home" / ".cache" / "qbank"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert sealed.default_dir() == tmp_path / "home" / ".cache" / "qbank"


def test_unusable_key_turns_the_cache_off_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path, wrong_answer: Path
) -> None:
    # A file where the folder should be: nothing can be created under it, even as root.
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    code, record, err = _verify(tmp_path, wrong_answer)
    assert (code, record["status"]) == (1, "wrong-answer")
    lines = [line for line in err.splitlines() if "cache" in line]
    assert lines == [
        f"qbank: results cache off for this run: cannot create its key "
        f"{tmp_path / 'not-a-folder' / 'qbank' / 'key'}: Not a directory"
    ]
    assert not private_cache.exists()


def test_key_open_to_other_users_is_not_used(
    tmp_path: Path, private_cache: Path, wrong_answer: Path
) -> None:
    key = tmp_path / "user-cache" / "qbank" / "key"
    key.parent.mkdir(parents=True)
    key.write_bytes(b"k" * sealed.KEY_BYTES)
    os.chmod(key, 0o644)
    _, record, err = _verify(tmp_path, wrong_answer)
    assert record["status"] == "wrong-answer"
    assert "results cache off for this run: its key" in err and "chmod 600" in err
    assert not private_cache.exists()


def _secret_in(folder: str) -> bytes:
    return sealed.secret(Path(folder))


def test_parallel_runs_agree_on_one_key(tmp_path: Path) -> None:
    folder = str(tmp_path / "fresh" / "qbank")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        keys = pool.map(_secret_in, [folder] * 8)
    assert len(set(keys)) == 1
    assert sorted(os.listdir(folder)) == ["key"]


def test_every_run_field_is_checked_against_its_type() -> None:
    """Derived from RunResult's fields: a field added there is checked too, or (if its type
    is not one the check knows) every entry is refused, never trusted unchecked."""
    runs = [_run(), RunResult("", "Traceback", None, "timeout", 2.5, "no server")]
    assert decode_runs(encode_runs(runs)) == runs
    for name, value in asdict(_run()).items():
        wrongs: tuple[object, ...] = (True, [], {}, 1.5 if not isinstance(value, float) else 1)
        for wrong in wrongs:
            bad = {**asdict(_run()), name: wrong}
            assert decode_runs([bad]) is None, (name, wrong)
    assert decode_runs([asdict(_run())] * 2) == [_run(), _run()]
    assert decode_runs("x") is None
    assert decode_runs([]) is None
