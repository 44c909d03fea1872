"""The interpreter snippets run in: which one, and what it has installed, asked in the jail."""

from __future__ import annotations

import glob
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from generator import sealed
from generator.errors import SandboxError, ToolError
from generator.result import Environment
from generator.sandbox import Limits, Sandbox
from generator.sandbox import interpreter as installation
from generator.verify import resources
from generator.verify.snippet import Snippet

#: Run in the snippet's interpreter: its version and the versions of the modules asked for,
#: found without importing them (importing TensorFlow would take seconds).
_PROBE = r"""
import importlib.util, importlib.metadata as md, json, platform, sys
dists = md.packages_distributions()
found = {}
for name in sys.argv[1:]:
    top = name.split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        found[name] = None
        continue
    version = ""
    for dist in dists.get(top, []):
        try:
            version = md.version(dist)
            break
        except md.PackageNotFoundError:
            pass
    found[name] = version or "unknown"
print(json.dumps({"python": platform.python_version(), "modules": found}))
"""


@dataclass(frozen=True)
class Runtime:
    """The interpreter snippets run in and what it has installed (as it says in the jail)."""

    python: str
    version: str
    modules: dict[str, str | None]
    """Module → version, None when not importable."""


def probe(sandbox: Sandbox, python: str, modules: set[str]) -> Runtime:
    """Ask the interpreter, in the jail, its version and which modules it can import.

    Even the operator's interpreter never runs on the host: its site-packages could.
    """
    source = f"import sys\nsys.argv[1:] = {sorted(modules)!r}\n{_PROBE}"
    run = sandbox.run(source, Limits(timeout=60), filename="qbank-probe.py")
    try:
        data = json.loads(run.stdout)
        version = str(data["python"])
        found = {str(k): (None if v is None else str(v)) for k, v in data["modules"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        detail = (run.sandbox_error or run.stderr).strip().splitlines()[-3:]
        why = " / ".join(detail) or f"exit code {run.returncode}"
        raise ToolError(f"the snippet interpreter {python} failed in the sandbox: {why}") from None
    return Runtime(python, version, found)


def environment(snippet: Snippet, runtime: Runtime) -> Environment:
    """What verified ``snippet``: the interpreter's version and its required modules'."""
    modules = tuple((name, runtime.modules.get(name) or "") for name in snippet.verify.requires)
    return Environment(runtime.version, modules)


def missing(snippet: Snippet, runtime: Runtime) -> str | None:
    """Why the snippet cannot run here (a module or a resource is missing), or None."""
    absent = [name for name in snippet.verify.requires if runtime.modules.get(name) is None]
    if absent:
        names = ", ".join(f"`{n}`" for n in absent)
        return f"required module {names} is not importable by {runtime.python}"
    lacking = resources.missing(snippet.question)
    if lacking:
        r = lacking[0]
        return (
            f"resource {r.name} is not available offline: {r.path} is missing; "
            "run `qbank fetch` where a network is available"
        )
    return None


def _fingerprint(python: str, modules: set[str]) -> str | None:
    """What the probe's answer depends on: the interpreter file and its installed
    packages (a site-packages folder's mtime moves with every install); None if unknown."""
    try:
        parts = [python, *sorted(modules)]
        real = os.path.realpath(python)
        info = os.stat(real)
        parts.append(f"{real}:{info.st_size}:{info.st_mtime_ns}")
        for prefix in installation.prefixes(python):
            for folder in sorted(glob.glob(f"{prefix}/lib*/python3*/site-packages")):
                parts.append(f"{folder}:{os.stat(folder).st_mtime_ns}")
    except (OSError, SandboxError):
        return None
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def remembered(python: str, modules: set[str]) -> Runtime | None:
    """What a probe of this interpreter said last time, if nothing installed has changed."""
    digest = _fingerprint(python, modules)
    if digest is None:
        return None
    try:
        key = sealed.secret()
    except (sealed.CacheKeyError, RuntimeError):
        return None
    data = sealed.read(sealed.default_dir() / "probes" / f"{digest}.json", 1 << 20)
    body = sealed.unseal(key, data) if data is not None else None
    try:
        found: Any = json.loads(body) if body is not None else None
        modules_found = {
            str(k): (None if v is None else str(v)) for k, v in found["modules"].items()
        }
        return Runtime(python, str(found["python"]), modules_found)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def remember(runtime: Runtime, modules: set[str]) -> None:
    """Keep a probe's answer for :func:`remembered`."""
    digest = _fingerprint(runtime.python, modules)
    try:
        key = sealed.secret()
    except (sealed.CacheKeyError, RuntimeError):
        return
    if digest is not None:
        body = json.dumps({"python": runtime.version, "modules": runtime.modules}).encode()
        sealed.write(sealed.default_dir() / "probes" / f"{digest}.json", sealed.seal(key, body))
