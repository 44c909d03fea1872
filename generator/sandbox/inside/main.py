"""Entry point in the jail: ``serve SOCKET_FD SPEC_JSON`` or ``run FILENAME``.

``serve`` is the warm server (:mod:`.serve`). ``run`` is a fresh interpreter
that the server started for one run, already isolated and limited: it reads
the snippet from stdin, forgets this package, and runs it as ``python -I
FILENAME`` would.
"""

from __future__ import annotations

import json
import os


def run(filename: str) -> None:
    """Mode ``run``: the snippet's source arrives on stdin; stdin is then /dev/null."""
    from . import execute

    with os.fdopen(0, "rb", closefd=False) as stdin:
        source = stdin.read()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    execute.finish(execute.execute(source, filename))


def main(argv: list[str]) -> None:
    """Dispatch on the mode word."""
    if argv[:1] == ["serve"]:
        from . import serve

        serve.serve(int(argv[1]), json.loads(argv[2]))
    elif argv[:1] == ["run"]:
        run(argv[1])
    else:
        raise SystemExit(f"qbank inside: unknown mode {argv!r}")
