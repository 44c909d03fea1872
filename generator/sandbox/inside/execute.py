"""Run a snippet's source as ``__main__``, the way ``python snippet.py`` would."""

from __future__ import annotations

import io
import os
import sys


class _Source:
    """``__loader__`` of the snippet's module: lets linecache show its lines."""

    def __init__(self, text: str) -> None:
        self.text = text

    def get_source(self, name: str) -> str:
        """The snippet's source, for tracebacks, warnings and ``inspect``."""
        return self.text


def _exit_code(exc: SystemExit) -> int:
    """What CPython's ``handle_system_exit`` makes of ``sys.exit(code)``."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def _report(exc: BaseException) -> None:
    """Print an uncaught exception as CPython does, minus this package's frames.

    The C hook is used, as the interpreter itself does: it prints at most
    ``sys.tracebacklimit`` (1000) frames and folds repeated lines, so a
    million-frame RecursionError prints in milliseconds. It reads source lines
    from the file, which :func:`execute` wrote where ``python`` would find it.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_globals.get("__name__", "").startswith(__package__):
        tb = tb.tb_next
    exc = exc.with_traceback(tb)
    if sys.excepthook is not sys.__excepthook__:
        sys.excepthook(type(exc), exc, tb)
    else:
        sys.__excepthook__(type(exc), exc, tb)


def _main_module(text: str, filename: str) -> dict[str, object]:
    """A fresh ``__main__`` for the snippet, its lines known to linecache if it is loaded
    (else tracebacks read them from the file, as for ``python snippet.py``)."""
    import builtins

    main = type(sys)("__main__")
    main.__dict__.update(
        __file__=filename, __builtins__=builtins, __loader__=_Source(text), __cached__=None
    )
    sys.modules["__main__"] = main
    linecache = sys.modules.get("linecache")
    if linecache is not None:
        lines = text.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        linecache.cache[filename] = (len(text), None, lines, filename)
    return main.__dict__


def _forget_qbank(machinery: frozenset[str]) -> None:
    """Leave ``sys.path`` and ``sys.modules`` as a fresh ``python -I`` has them (plus
    the preloaded modules): this package and the ``machinery`` it imported are forgotten,
    so a snippet that imports one of them gets its own copy, as a new interpreter would."""
    from . import protocol

    while protocol.ROOT in sys.path:
        sys.path.remove(protocol.ROOT)
    package = protocol.PACKAGE
    for name in list(sys.modules):
        if name in machinery or name == package or name.startswith(package + "."):
            del sys.modules[name]


def execute(source: bytes, filename: str, machinery: frozenset[str] = frozenset()) -> int:
    """Run ``source`` as ``__main__`` named ``filename`` (in the working folder); exit code.

    stdout is line-buffered, as on a terminal: a program that prints and then
    calls ``os._exit`` shows its line there, so it does here.
    """
    try:
        with open(filename, "wb") as file:
            file.write(source)  # where tracebacks and ``open(__file__)`` look for it
    except OSError:
        pass
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    sys.argv[:] = [filename]
    _forget_qbank(machinery)
    namespace = _main_module(source.decode("utf-8", errors="replace"), filename)
    try:
        exec(compile(source, filename, "exec", dont_inherit=True), namespace)
    except SystemExit as exc:
        return _exit_code(exc)
    except BaseException as exc:
        _report(exc)
        return 1
    return 0


def finish(code: int) -> None:
    """End the process the way the interpreter ends: threads, atexit, flush, exit."""
    threading = sys.modules.get("threading")
    try:
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                code = 120
        os._exit(code & 0xFF)
