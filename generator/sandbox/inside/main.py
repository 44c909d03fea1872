"""Entry point in the jail: ``serve SOCKET_FD MODULES SPEC_JSON``.

The server imports the modules it preloads first, and its own machinery (sockets,
JSON, ctypes) only afterwards: whatever the machinery added is then known, and
each run forgets it (:func:`.execute.forget`), so a snippet starts with the
modules a fresh ``python -I`` has plus the preloaded ones, nothing of qbank's.
Only ``sys`` and ``os`` (which every interpreter has) are imported here first.
"""

from __future__ import annotations

import os
import sys


def _preload(names: list[str]) -> None:
    """Import each module; one that fails here fails again in the snippet, with a traceback."""
    for name in names:
        try:  # noqa: SIM105 - contextlib would be one more module the snippet inherits
            __import__(name)
        except BaseException:  # SystemExit and worse included
            pass


def main(argv: list[str]) -> None:
    """Serve: preload, note what the server's own code adds, then serve runs."""
    if argv[:1] != ["serve"] or len(argv) != 4:
        raise SystemExit(f"qbank inside: unknown mode {argv!r}")
    _preload([name for name in argv[2].split(",") if name])
    kept = frozenset(sys.modules)
    from . import serve  # the machinery: sockets, JSON, ctypes

    machinery = frozenset(sys.modules) - kept
    serve.serve(int(argv[1]), argv[3], machinery)
    os._exit(0)
