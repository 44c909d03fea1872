"""Which host folders make up a Python installation, found without running it.

The snippet interpreter is the operator's (``--python``), but it is still never
run on the host: not to ask its ``sys.path``, not to ask its version.
Its folders are read from the file system instead: the ``bin``, ``lib`` and
``lib64`` folders of each prefix on the way from the named path to the real
binary (a venv's ``pyvenv.cfg`` leads to its base installation). Only those
are shown in the jail, read-only.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from generator.errors import SandboxError

#: Folders of a prefix that an interpreter needs (``include`` and ``share`` it does not).
_PARTS = ("bin", "lib", "lib64")


def check_interpreter(python: str) -> None:
    """Refuse a missing interpreter or a launcher script (a pyenv shim re-resolves it)."""
    try:
        with open(python, "rb") as exe:
            head = exe.read(4)
    except OSError as exc:
        raise SandboxError(f"snippet interpreter {python}: {exc.strerror}") from exc
    if head[:2] == b"#!":
        raise SandboxError(
            f"snippet interpreter {python} is a script (a pyenv shim?); "
            "pass the interpreter itself, e.g. .venv/bin/python"
        )
    if head != b"\x7fELF":
        raise SandboxError(f"snippet interpreter {python} is not a program (no ELF header)")
    if not os.access(python, os.X_OK):
        raise SandboxError(f"snippet interpreter {python} is not executable")


def _hops(python: str) -> list[str]:
    """``python`` and each path its symbolic links lead through, ending at the file."""
    seen = [os.path.abspath(python)]
    while os.path.islink(seen[-1]) and len(seen) < 40:
        target = os.readlink(seen[-1])
        seen.append(os.path.normpath(os.path.join(os.path.dirname(seen[-1]), target)))
    seen.append(os.path.realpath(python))
    return list(dict.fromkeys(seen))


def _is_installation(prefix: str) -> bool:
    """A venv (``pyvenv.cfg``) or an installation with a ``lib/pythonX.Y`` standard library."""
    if os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
        return True
    return any(
        os.path.isdir(p)
        for part in ("lib", "lib64")
        for p in glob.glob(f"{prefix}/{part}/python3*")
    )


def _venv_home(prefix: str) -> str | None:
    """The ``home`` folder (base interpreter's bin) that a venv's ``pyvenv.cfg`` names."""
    try:
        text = Path(prefix, "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home" and value.strip():
            return value.strip()
    return None


def prefixes(python: str) -> list[str]:
    """The installation prefixes ``python`` runs from: its venv (if any) and its base."""
    found: list[str] = []
    queue = [os.path.dirname(os.path.dirname(hop)) for hop in _hops(python)]
    while queue:
        prefix = queue.pop(0)
        if prefix in found or prefix in ("/", "") or not _is_installation(prefix):
            continue
        found.append(prefix)
        home = _venv_home(prefix)
        if home is not None:
            base = os.path.dirname(os.path.abspath(home))
            queue += [base, os.path.dirname(os.path.dirname(os.path.realpath(home + "/python3")))]
    if not found:
        raise SandboxError(
            f"snippet interpreter {python} is not part of a Python installation "
            "(no pyvenv.cfg and no lib/python3.X beside its bin folder)"
        )
    return found


def folders(python: str) -> list[str]:
    """Host paths to show read-only in the jail for ``python`` (outside /usr, which is shown).

    Each is checked where it really is (:func:`real_source`): a ``lib`` that is a link
    to ``/`` or to a file elsewhere is refused, not shown.
    """
    paths: list[str] = []
    for prefix in prefixes(python):
        if prefix == "/usr" or prefix.startswith("/usr/"):
            continue
        for part in (*_PARTS, "pyvenv.cfg"):
            path = os.path.join(prefix, part)
            if os.path.lexists(path):
                if not relative_link(path):
                    real_source(path)
                paths.append(path)
    return paths


def relative_link(path: str) -> bool:
    """A link such as ``lib64 -> lib``: shown as the same link, it leads only within the jail."""
    return os.path.islink(path) and not os.path.isabs(os.readlink(path))


def real_source(path: str) -> str:
    """Where ``path`` really is, the only thing the jail may bind for it.

    What is bound is what was checked: the real path must be of the same kind and
    name (a ``bin`` folder, a ``pyvenv.cfg`` file), never ``/`` or another folder
    that a link swapped in.
    """
    real = os.path.realpath(path)
    name = os.path.basename(path)
    wanted_dir = name != "pyvenv.cfg"
    kind_ok = os.path.isdir(real) if wanted_dir else os.path.isfile(real)
    if real == "/" or os.path.basename(real) != name or not kind_ok:
        raise SandboxError(
            f"snippet interpreter folder {path} leads to {real}: not shown in the sandbox "
            f"(it must be a real `{name}` {'folder' if wanted_dir else 'file'})"
        )
    return real
