"""Command lines that isolate one snippet process: bubblewrap, or the fallback.

A :class:`Jail` knows which isolation works on this machine and turns a command
into the command line that runs it isolated, plus the environment and scratch
directories the snippet sees. It starts no process per run itself.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import SandboxError

BWRAP = "bwrap"
FALLBACK = "rlimits+unshare"

#: Where things live inside the bubblewrap sandbox (all on a private tmpfs).
INSIDE_TMP = "/tmp"
INSIDE_WORK = "/tmp/work"
INSIDE_HOME = "/tmp/home"
INSIDE_KERAS = "/tmp/keras"
#: Size cap of that tmpfs: it lives in RAM, which RLIMIT_AS does not cover.
TMPFS_BYTES = 512 << 20
_NOBODY = ("--uid", "65534", "--gid", "65534")
_BWRAP_BASE = (
    "--unshare-all",
    "--unshare-user",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
)
_BWRAP_FS = ("--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev")


def _works(argv: Sequence[str]) -> bool:
    """Whether a probe command exits 0 (quietly, within a few seconds)."""
    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@functools.cache
def bwrap_flags() -> tuple[str, ...] | None:
    """The strongest set of bubblewrap namespace flags that works here, or None."""
    exe = shutil.which("bwrap")
    if exe is None:
        return None
    for extra in (("--disable-userns", *_NOBODY), _NOBODY, ()):
        flags = (*_BWRAP_BASE, *extra)
        if _works([exe, *flags, *_BWRAP_FS, "--tmpfs", INSIDE_TMP, "true"]):
            return (exe, *flags)
    return None


@functools.cache
def unshare_flags() -> tuple[str, ...] | None:
    """``unshare`` flags giving a private network and pid namespace, or None."""
    exe = shutil.which("unshare")
    if exe is None:
        return None
    flags = (exe, "--net", "--pid", "--fork", "--kill-child")
    for extra in ((), ("--map-root-user",)):
        if _works([*flags, *extra, "true"]):
            return (*flags, *extra)
    return None


def detect_isolation() -> str:
    """What ``isolation="auto"`` picks here: ``bwrap`` or ``rlimits+unshare``.

    Probes once per process (a few milliseconds) and raises :class:`SandboxError`
    when neither works: snippets never run unsandboxed.
    """
    if bwrap_flags() is not None:
        return BWRAP
    if unshare_flags() is not None:
        return FALLBACK
    raise SandboxError(
        "cannot isolate snippets: bubblewrap (bwrap) does not work here and "
        "`unshare --net --pid` is not permitted; install bubblewrap or enable "
        "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)"
    )


def check_interpreter(python: str) -> None:
    """Refuse a missing interpreter or a launcher script (a pyenv shim re-resolves it)."""
    try:
        with open(python, "rb") as exe:
            head = exe.read(2)
    except OSError as exc:
        raise SandboxError(f"snippet interpreter {python}: {exc.strerror}") from exc
    if head == b"#!":
        raise SandboxError(
            f"snippet interpreter {python} is a script (a pyenv shim?); "
            "pass the interpreter itself, e.g. .venv/bin/python"
        )
    if not os.access(python, os.X_OK):
        raise SandboxError(f"snippet interpreter {python} is not executable")


def interpreter_paths(python: str) -> tuple[str, ...]:
    """Directories the interpreter needs: its prefixes and ``sys.path``, resolved."""
    probe = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, *sys.path]))"
    try:
        done = subprocess.run(
            [python, "-I", "-c", probe], capture_output=True, text=True, timeout=60, check=True
        )
        listed = json.loads(done.stdout)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        raise SandboxError(f"cannot run the snippet interpreter {python}: {exc}") from exc
    paths = {os.path.dirname(os.path.dirname(python)), *listed}
    paths |= {os.path.realpath(p) for p in list(paths)}
    paths.add(os.path.dirname(os.path.realpath(python)))
    return tuple(sorted(p for p in paths if p and os.path.isdir(p)))


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


@dataclass(frozen=True)
class Jail:
    """One isolation method with the binds and environment of one interpreter."""

    kind: str
    """``bwrap`` or ``rlimits+unshare`` (reported as ``RunResult.isolation``)."""
    python: str
    prefix: tuple[str, ...]
    """The wrapper's command line up to (not including) the command."""
    keras_models: Path | None = None

    @classmethod
    def create(
        cls, kind: str, python: str, keras_models: Path | None, readonly: Sequence[Path]
    ) -> Jail:
        """Probe ``kind`` and build its fixed command line (raises SandboxError)."""
        if kind == BWRAP:
            flags = bwrap_flags()
            if flags is None:
                raise SandboxError("bubblewrap (bwrap) is missing or cannot create namespaces")
            return cls(kind, python, _bwrap_prefix(flags, python, keras_models, readonly))
        flags = unshare_flags()
        if flags is None:
            raise SandboxError("`unshare --net --pid --fork` is not permitted here")
        return cls(kind, python, flags, keras_models)

    def command(self, argv: Sequence[str], *, server: bool = False) -> list[str]:
        """``argv`` wrapped to run as the init of a new pid namespace.

        Being init, the runner reaps the namespace; when it exits the kernel
        kills everything left in it before the wrapper sees the exit, so no
        process outlives a run.
        """
        if self.kind == BWRAP:
            where = "/" if server else INSIDE_WORK
            return [*self.prefix, "--as-pid-1", "--chdir", where, "--", *argv]
        return [*self.prefix, *argv]

    def scratch(self) -> Scratch:
        """Per-run directories: fixed paths in the sandbox's tmpfs, or a host temp dir."""
        if self.kind == BWRAP:
            return Scratch(INSIDE_WORK, INSIDE_HOME, INSIDE_TMP, INSIDE_KERAS, None)
        root = tempfile.mkdtemp(prefix="qbank-run-")
        for sub in ("work", "home", "tmp", "keras"):
            os.mkdir(os.path.join(root, sub))
        if self.keras_models is not None:
            os.symlink(self.keras_models, os.path.join(root, "keras", "models"))
        at = functools.partial(os.path.join, root)
        return Scratch(at("work"), at("home"), at("tmp"), at("keras"), root)

    def environment(self, scratch: Scratch) -> dict[str, str]:
        """The scrubbed environment of a snippet (hash randomisation stays on)."""
        return {
            "PATH": f"{os.path.dirname(self.python)}:/usr/local/bin:/usr/bin:/bin",
            "HOME": scratch.home,
            "TMPDIR": scratch.tmp,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "KERAS_HOME": scratch.keras,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "TF_ENABLE_ONEDNN_OPTS": "0",
        }


@dataclass(frozen=True)
class Scratch:
    """A run's working, home, temp and Keras directories as the snippet sees them."""

    work: str
    home: str
    tmp: str
    keras: str
    host_root: str | None
    """Host directory to remove after the run (None: it vanishes with the sandbox)."""

    def remove(self) -> None:
        """Delete the host directory, if there is one."""
        if self.host_root is not None:
            shutil.rmtree(self.host_root, ignore_errors=True)


def _bwrap_prefix(
    flags: tuple[str, ...], python: str, keras_models: Path | None, readonly: Sequence[Path]
) -> tuple[str, ...]:
    """bwrap arguments: read-only root, private /tmp and home, interpreter bound back."""
    home = os.path.expanduser("~")
    hidden = [INSIDE_TMP] + ([home] if home not in ("/", "") and os.path.isdir(home) else [])
    args = [*flags, *_BWRAP_FS, "--perms", "1777", "--size", str(TMPFS_BYTES)]
    args += ["--tmpfs", INSIDE_TMP]
    if len(hidden) > 1 and not _under(home, INSIDE_TMP):
        args += ["--tmpfs", home]
    needed = [*interpreter_paths(python), *(str(p) for p in readonly)]
    for path in sorted(set(needed)):
        if any(_under(path, h) for h in hidden):
            args += ["--ro-bind", path, path]
    for d in (INSIDE_WORK, INSIDE_HOME, INSIDE_KERAS):
        args += ["--dir", d]
    if keras_models is not None:
        args += ["--ro-bind", str(keras_models), f"{INSIDE_KERAS}/models"]
    return tuple(args)
