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
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import SandboxError

BWRAP = "bwrap"
FALLBACK = "rlimits+unshare"
#: The fallback where files could not be made read-only (only with the variable below).
FALLBACK_UNPROTECTED = "rlimits+unshare (files writable)"
ALLOW_UNPROTECTED = "QBANK_ALLOW_UNPROTECTED_FILES"
#: The program run inside the sandbox, passed to ``python -I -c``.
RUNNER = (Path(__file__).parent / "runner.py").read_text(encoding="utf-8")

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
#: unshare's namespaces; the fallback's runner remounts everything read-only inside.
_UNSHARE_BASE = ("--net", "--pid", "--fork", "--kill-child")
_UNSHARE_FILES = ("--ipc", "--uts", "--mount", "--propagation", "private", "--mount-proc")
NOBODY = 65534


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
    flags = (exe, *_UNSHARE_BASE)
    for extra in ((), ("--map-root-user",)):
        if _works([*flags, *extra, "true"]):
            return (*flags, *extra)
    return None


def protected_unshare_flags() -> tuple[str, ...] | None:
    """``unshare`` flags under which the runner can make every file read-only, or None.

    Probed once per process with this process's own interpreter: a private mount
    namespace (with its own /proc) where the runner remounts every mount
    read-only and drops all capabilities (:func:`generator.runner.jail`).
    """
    return _protection()[0]


@functools.cache
def _protection() -> tuple[tuple[str, ...] | None, str]:
    """``(flags, "")`` when the protected fallback works here, else ``(None, why)``."""
    flags = unshare_flags()
    if flags is None:
        return None, "unshare is not permitted"
    cut = 1 + len(_UNSHARE_BASE)
    flags = (*flags[:cut], *_UNSHARE_FILES, *flags[cut:])
    python = os.path.realpath(sys.executable)
    spec = _spec(python, None, (), None, "/")
    try:
        done = subprocess.run(
            [*flags, *_runner(python, spec, ["probe"])],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if done.returncode != 0:
        return None, done.stderr.decode(errors="replace").strip()[-500:] or "probe failed"
    return flags, ""


def fallback_kind() -> str:
    """``rlimits+unshare`` when the fallback protects files here, else see below.

    Without that protection the fallback is refused (:class:`SandboxError`)
    unless ``QBANK_ALLOW_UNPROTECTED_FILES=1``: then it is
    ``rlimits+unshare (files writable)``.
    """
    if unshare_flags() is None:
        raise SandboxError(
            "cannot isolate snippets: bubblewrap (bwrap) does not work here and "
            "`unshare --net --pid` is not permitted; install bubblewrap or enable "
            "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)"
        )
    if protected_unshare_flags() is not None:
        return FALLBACK
    if os.environ.get(ALLOW_UNPROTECTED) == "1":
        return FALLBACK_UNPROTECTED
    raise SandboxError(
        "cannot isolate snippets safely: the fallback isolation (unshare with a private "
        "mount namespace, every mount remounted read-only) cannot make files read-only "
        f"here ({_protection()[1]}), so a snippet could change the bank or the project; "
        f"install bubblewrap (bwrap), or set {ALLOW_UNPROTECTED}=1 to run snippets with "
        "writable files anyway"
    )


def detect_isolation() -> str:
    """What ``isolation="auto"`` picks here: ``bwrap`` or ``rlimits+unshare``.

    Probes once per process (a few milliseconds) and raises :class:`SandboxError`
    when neither works, or when the fallback cannot protect files (see
    :func:`fallback_kind`): snippets never run unsandboxed.
    """
    if bwrap_flags() is not None:
        return BWRAP
    return fallback_kind()


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
    """``bwrap``, ``rlimits+unshare`` or ``rlimits+unshare (files writable)``."""
    python: str
    prefix: tuple[str, ...]
    """The wrapper's command line up to (not including) the command."""
    keras_models: Path | None = None
    specs: tuple[str, str] = ("", "")
    """The fallback runner's ``--jail`` argument for a plain run and for a server."""

    @classmethod
    def create(
        cls, kind: str, python: str, keras_models: Path | None, readonly: Sequence[Path]
    ) -> Jail:
        """Probe ``kind`` and build its fixed command line (raises SandboxError).

        Any kind but ``bwrap`` means the fallback, protected if it can be.
        """
        if kind == BWRAP:
            flags = bwrap_flags()
            if flags is None:
                raise SandboxError("bubblewrap (bwrap) is missing or cannot create namespaces")
            return cls(kind, python, _bwrap_prefix(flags, python, keras_models, readonly))
        kind = fallback_kind()
        if kind == FALLBACK_UNPROTECTED:
            flags = unshare_flags()
            assert flags is not None
            return cls(kind, python, flags, keras_models)
        flags = protected_unshare_flags()
        assert flags is not None
        uid = _nobody_can_run(flags, python, keras_models, readonly)
        specs = tuple(
            _spec(python, keras_models, readonly, uid, where) for where in (INSIDE_WORK, "/")
        )
        return cls(kind, python, flags, keras_models, (specs[0], specs[1]))

    def command(self, args: Sequence[str], *, server: bool = False) -> list[str]:
        """The runner with ``args``, wrapped to run as the init of a new pid namespace.

        Being init, the runner reaps the namespace; when it exits the kernel
        kills everything left in it before the wrapper sees the exit, so no
        process outlives a run.
        """
        if self.kind == BWRAP:
            where = "/" if server else INSIDE_WORK
            argv = [self.python, "-I", "-c", RUNNER, *args]
            return [*self.prefix, "--as-pid-1", "--chdir", where, "--", *argv]
        if self.kind == FALLBACK:
            return [*self.prefix, *_runner(self.python, self.specs[server], args)]
        return [*self.prefix, self.python, "-I", "-c", RUNNER, *args]

    def scratch(self) -> Scratch:
        """Per-run directories: fixed paths in the sandbox's tmpfs, or a host temp dir."""
        if self.kind != FALLBACK_UNPROTECTED:
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


def _hidden(python: str, readonly: Sequence[Path]) -> tuple[list[str], list[str]]:
    """Folders covered by a private tmpfs, and the needed paths under them to bind back.

    /tmp and the home folder are hidden; the interpreter's folders and the
    ``readonly`` paths that lie under them are bound back read-only.
    """
    home = os.path.expanduser("~")
    hidden = [INSIDE_TMP] + ([home] if home not in ("/", "") and os.path.isdir(home) else [])
    needed = sorted({*interpreter_paths(python), *(str(p) for p in readonly)})
    back = [p for p in needed if any(_under(p, h) for h in hidden)]
    return [h for h in hidden if h == INSIDE_TMP or not _under(h, INSIDE_TMP)], back


def _spec(
    python: str, keras_models: Path | None, readonly: Sequence[Path], uid: int | None, chdir: str
) -> str:
    """The fallback runner's ``--jail`` argument (see :func:`generator.runner.jail`)."""
    hide, back = _hidden(python, readonly)
    binds: list[str] = []
    for path in back:  # a bound folder brings its subfolders along
        if not any(_under(path, b) for b in binds):
            binds.append(path)
    models = [str(keras_models), f"{INSIDE_KERAS}/models"] if keras_models is not None else []
    return json.dumps(
        {
            "hide": hide,
            "binds": binds,
            "dirs": [INSIDE_WORK, INSIDE_HOME, INSIDE_KERAS],
            "models": models,
            "uid": uid,
            "size": TMPFS_BYTES,
            "chdir": chdir,
        }
    )


def _runner(python: str, spec: str, args: Sequence[str]) -> list[str]:
    """The fallback runner's command line: it protects files, then runs ``args``."""
    return [python, "-I", "-c", RUNNER, "--jail", spec, *args]


def _nobody_can_run(
    flags: tuple[str, ...], python: str, keras_models: Path | None, readonly: Sequence[Path]
) -> int | None:
    """65534 when the jail may drop to that uid and still run ``python``, else None.

    As an unprivileged user (``--map-root-user``) there is no other uid to drop
    to; an interpreter under a private folder (``/root``) is not readable by
    nobody. Then the runner stays uid 0 of its namespace, without capabilities.
    """
    if os.geteuid() != 0 or "--map-root-user" in flags:
        return None
    spec = _spec(python, keras_models, readonly, NOBODY, "/")
    return NOBODY if _works([*flags, *_runner(python, spec, ["probe"])]) else None


def _bwrap_prefix(
    flags: tuple[str, ...], python: str, keras_models: Path | None, readonly: Sequence[Path]
) -> tuple[str, ...]:
    """bwrap arguments: read-only root, private /tmp and home, interpreter bound back."""
    hidden, back = _hidden(python, readonly)
    args = [*flags, *_BWRAP_FS, "--perms", "1777", "--size", str(TMPFS_BYTES)]
    args += ["--tmpfs", INSIDE_TMP]
    for home in hidden[1:]:
        args += ["--tmpfs", home]
    for path in back:
        args += ["--ro-bind", path, path]
    for d in (INSIDE_WORK, INSIDE_HOME, INSIDE_KERAS):
        args += ["--dir", d]
    if keras_models is not None:
        args += ["--ro-bind", str(keras_models), f"{INSIDE_KERAS}/models"]
    return tuple(args)
