"""A real `qbank serve` in a subprocess, what it prints, and plain HTTP to it (no browser)."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.helpers import ROOT, processes

PYTHON = Path(sys.prefix) / "bin" / "python"

_QUESTION = """  - id: q{i:05d}
    mode: practice
    type: conceptual
    difficulty: {difficulty}
    title: Generated question {i}
    prompt: Question {i} of a generated bank. Which choice is right?
    choices:
      - text: Right {i}
        correct: true
      - Wrong {i}
      - Also wrong {i}
    solution:
      steps:
        - title: Read it
          body: The first choice is right.
"""


def write_bank(root: Path, count: int, per_pattern: int = 10) -> Path:
    """A bank of ``count`` plain questions (nothing to run) under ``root``, in patterns
    ``generated/p0000.yaml``...: large enough, at a few thousand, for a build of seconds."""
    (root / "generated").mkdir(parents=True)
    (root / "bank.yaml").write_text("title: Generated\n")
    for n in range(0, count, per_pattern):
        questions = "".join(
            _QUESTION.format(i=i, difficulty=("easy", "medium", "hard")[i % 3])
            for i in range(n, min(n + per_pattern, count))
        )
        pid = f"p{n // per_pattern:04d}"
        head = f"id: {pid}\ntitle: Pattern {pid}\ntopic: Generated\nminutes: 10\nquestions:\n"
        (root / "generated" / f"{pid}.yaml").write_text(head + questions)
    return root


def save(file: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in ``file`` as editors save: a new file renamed over it."""
    text = file.read_text()
    assert old in text, (file, old)
    fresh = file.with_name(file.name + ".saving")
    fresh.write_text(text.replace(old, new, 1))
    os.replace(fresh, file)


class Serving:
    """A running ``qbank serve``: its lines on stdout (read as they come) and its stderr."""

    def __init__(
        self, bank: Path, work: Path, *args: str, env: dict[str, str] | None = None
    ) -> None:
        self.bank = bank
        self.stderr_file = work / "serve-stderr.txt"
        with self.stderr_file.open("wb") as err:
            self.proc = subprocess.Popen(
                [str(PYTHON), "-m", "generator", "serve", str(bank), "--port", "0", *args],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                cwd=work,
                start_new_session=True,  # its own group, as a terminal's foreground job
                env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            )
        self.lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        first = self.wait_for(r"serving http://", timeout=60)
        match = re.search(r"serving http://127\.0\.0\.1:(\d+)/", first)
        assert match, first
        self.port = int(match.group(1))

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self.port}/"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float, start: int = 0) -> str:
        """The first line from index ``start`` on that matches ``pattern``, waiting for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[start:]:
                    if re.search(pattern, line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self._ended:
                    why = "it ended" if self._ended else f"not within {timeout} s"
                    raise AssertionError(
                        f"no line matching {pattern!r} in {self.lines} ({why}); "
                        f"stderr: {self.stderr[-2000:]!r}"
                    )
                self._changed.wait(min(left, 0.5))

    @property
    def stderr(self) -> str:
        """What the server wrote on stderr so far."""
        return self.stderr_file.read_text(errors="replace")

    def get(self, path: str, host: str | None = None, timeout: float = 30) -> tuple[int, bytes]:
        """GET ``path``, with ``Host: host`` (default: 127.0.0.1 and the port)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host if host is not None else f"127.0.0.1:{self.port}")
            conn.endheaders()
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def wait_for_page(
        self, path: str, holds: Callable[[bytes], bool], timeout: float, pause: float = 0.05
    ) -> bytes:
        """The page at ``path`` once it answers 200 with a body for which ``holds`` is true."""
        deadline = time.monotonic() + timeout
        seen: tuple[int, bytes] = (0, b"")
        while time.monotonic() < deadline:
            seen = self.get(path)
            if seen[0] == 200 and holds(seen[1]):
                return seen[1]
            time.sleep(pause)
        raise AssertionError(f"{path} never held; last answer {seen[0]}: {seen[1][:300]!r}")

    def states(self, timeout: float = 30) -> Iterator[dict[str, object]]:
        """The states the live script receives, as they come."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        conn.request("GET", "/__qbank__/events")
        response = conn.getresponse()
        assert response.status == 200
        try:
            for raw in response:
                line = raw.decode().strip()
                if line.startswith("data: "):
                    yield json.loads(line[len("data: ") :])
        finally:
            conn.close()

    def interrupt(self, timeout: float = 30, group: bool = False, presses: int = 1) -> float:
        """Ctrl-C, pressed ``presses`` times a moment apart: to the server, or to its
        whole process group as a terminal sends it. The seconds the server took to exit."""
        began = time.monotonic()
        for press in range(presses):
            if press:
                time.sleep(0.3)
            if self.proc.poll() is not None:
                break
            if group:
                os.killpg(self.proc.pid, signal.SIGINT)
            else:
                self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=timeout)
        return time.monotonic() - began

    def close(self) -> None:
        """Kill the server if it still runs."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def threads_of(pid: int) -> int:
    """How many threads the process runs now."""
    return len(os.listdir(f"/proc/{pid}/task"))


def _parents() -> dict[int, int]:
    """Each running process and its parent."""
    parents: dict[int, int] = {}
    for pid in processes(lambda _status, _cmdline: True):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"\nPPid:\t(\d+)\n", status)
        if match:
            parents[pid] = int(match.group(1))
    return parents


def children(pid: int) -> set[int]:
    """The running processes whose parent is ``pid``."""
    return {child for child, parent in _parents().items() if parent == pid}


def descendants(pid: int) -> set[int]:
    """Every running process under ``pid``: its children, theirs..."""
    parents = _parents()
    found: set[int] = set()
    layer = {pid}
    while layer:
        layer = {child for child, parent in parents.items() if parent in layer} - found
        found |= layer
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not zombies)."""
    running = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            running.add(pid)
    return running
