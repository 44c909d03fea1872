"""The program that runs INSIDE the sandbox: stdlib only, passed to ``python -I -c``.

Two modes share one way of running a snippet, so output and tracebacks look the
same whichever path ran it (and the same as a fresh ``python FILENAME``):

* ``run FILENAME CPU_S AS_BYTES`` -- read the source from stdin, run it, exit.
* ``serve FD WIPE MODULE...`` -- import the heavy modules once (import only: a
  TensorFlow op run before ``fork`` makes every child hang), then serve requests
  from the host over the socket FD, forking one fresh child per run.

The host module :mod:`generator.sandbox` reads this file's text; nothing here is
imported by the host.
"""

from __future__ import annotations

import os
import sys

#: Written by the server after it has imported its modules.
READY = b"ready\n"
#: Sent by the host to stop the current run.
KILL = b"k"


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
    """Print an uncaught exception as CPython would, minus this runner's frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_globals is globals():
        tb = tb.tb_next
    if sys.excepthook is not sys.__excepthook__:
        sys.excepthook(type(exc), exc, tb)
        return
    # The C hook reads source lines from disk; the traceback module uses __loader__.
    import traceback

    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)


def execute(source: bytes, filename: str) -> int:
    """Run ``source`` as ``__main__`` named ``filename``; return the exit code."""
    import builtins

    main = type(sys)("__main__")
    text = source.decode("utf-8", errors="replace")
    main.__dict__.update(
        __file__=filename, __builtins__=builtins, __loader__=_Source(text), __cached__=None
    )
    sys.modules["__main__"] = main
    # Warnings read source lines through linecache only, never through __loader__.
    import linecache

    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    linecache.cache[filename] = (len(text), None, lines, filename)
    sys.argv[:] = [filename]
    try:
        exec(compile(source, filename, "exec", dont_inherit=True), main.__dict__)
    except SystemExit as exc:
        return _exit_code(exc)
    except BaseException as exc:
        _report(exc)
        return 1
    return 0


def limit(cpu_s: int, as_bytes: int) -> None:
    """Apply the per-run rlimits to this process (and so to its children)."""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _as_init() -> None:
    """As a pid namespace's init (both wrappers make it so), fork; reap as the parent.

    A snippet must not be init: init ignores default-action signals and inherits
    orphans. The parent waits for the snippet and exits with its status in the
    shell's encoding (128 + signal), as bubblewrap does; its exit kills every
    other process of the namespace before the wrapper can see it.
    """
    if os.getpid() != 1:
        return
    child = os.fork()
    if child == 0:
        return
    while True:
        pid, status = os.wait()
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def run_plain(filename: str, cpu_s: int, as_bytes: int) -> None:
    """Mode ``run``: the snippet's source arrives on stdin; stdin is then /dev/null."""
    with os.fdopen(0, "rb", closefd=False) as stdin:
        source = stdin.read()
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    limit(cpu_s, as_bytes)
    _as_init()
    raise SystemExit(execute(source, filename))


def _finish(code: int) -> None:
    """End a forked child the way the interpreter ends: threads, atexit, flush."""
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


def _reseed() -> None:
    """Give a forked child fresh random state, as a new process would have.

    ``random`` reseeds itself after fork; NumPy's global generator does not.
    (The str hash seed cannot change after start-up: the host spreads a
    snippet's runs over different servers instead.)
    """
    nprandom = sys.modules.get("numpy.random")
    if nprandom is not None:
        nprandom.seed()


def _child(request: dict[str, object], out_fd: int, err_fd: int) -> None:
    """In a forked child of the server: take the run's fds, dirs and limits; run."""
    try:
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        os.chdir(str(request["cwd"]))
        env = request["env"]
        if isinstance(env, dict):
            os.environ.update(env)
        if "PWD" in os.environ:
            os.environ["PWD"] = os.getcwd()
        _reseed()
        limit(int(str(request["cpu"])), int(str(request["as"])))
        source = str(request["source"]).encode()
        code = execute(source, str(request["filename"]))
    except BaseException as exc:
        os.write(2, f"qbank runner: {exc!r}\n".encode())
        os._exit(70)
    _finish(code)


def _wipe(root: str, keep: set[str]) -> None:
    """Empty ``root`` except the mount points in ``keep`` and their parents."""
    import shutil

    for entry in os.scandir(root):
        if entry.path in keep:
            continue
        if any(k.startswith(entry.path + "/") for k in keep):
            _wipe(entry.path, keep)
        elif entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)


def _mounts_under(roots: tuple[str, ...]) -> set[str]:
    """Mount points below ``roots`` (binds we must not wipe)."""
    found = set()
    with open("/proc/self/mountinfo") as info:
        for line in info:
            point = line.split()[4]
            if any(point.startswith(r + "/") for r in roots):
                found.add(point)
    return found


def _recv_request(sock: object) -> tuple[dict[str, object], list[int]] | None:
    """One request: fds by SCM_RIGHTS, then an 8-byte length and JSON."""
    import json
    import socket

    assert isinstance(sock, socket.socket)
    data, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 4)
    if not data:
        return None
    size = int.from_bytes(data[:8], "big")
    chunks = [data[8:]]
    got = len(data) - 8
    while got < size:
        more = sock.recv(min(1 << 20, size - got))
        if not more:
            return None
        chunks.append(more)
        got += len(more)
    return json.loads(b"".join(chunks)), fds


def serve(sock_fd: int, wipe: bool, modules: list[str]) -> None:
    """Mode ``serve``: preload ``modules``, then fork a fresh child per request."""
    import contextlib
    import importlib
    import json
    import select
    import signal
    import socket

    assert os.getpid() == 1, "the server must be its pid namespace's init"
    sock = socket.socket(fileno=sock_fd)
    for name in modules:
        # A module that fails here fails again in the snippet, with a proper traceback.
        with contextlib.suppress(BaseException):
            importlib.import_module(name)
    dirs = ("/tmp", "/dev/shm")
    keep = _mounts_under(dirs) if wipe else set()
    sock.sendall(READY)
    while True:
        got = _recv_request(sock)
        if got is None:
            return
        request, fds = got
        sys.stdout.flush()
        sys.stderr.flush()
        child = os.fork()
        if child == 0:
            sock.close()
            _child(request, fds[0], fds[1])
        for fd in fds:
            os.close(fd)
        pidfd = os.pidfd_open(child)
        ready, _, _ = select.select([pidfd, sock.fileno()], [], [])
        os.close(pidfd)
        # The host sends one control byte per run: KILL to stop it early, else an ack.
        acked = sock.fileno() in ready
        if acked and not sock.recv(1):
            return
        os.kill(-1, signal.SIGKILL)  # the child if asked to stop, and any orphans
        status = 0
        while True:
            try:
                pid, st = os.wait()
            except ChildProcessError:
                break
            if pid == child:
                status = st
        if wipe:
            for d in dirs:
                _wipe(d, keep)
            for d in str(request.get("mkdirs", "")).split():
                os.makedirs(d, exist_ok=True)
        sock.sendall(json.dumps({"status": status}).encode() + b"\n")
        if not acked and not sock.recv(1):
            return


def main(argv: list[str]) -> None:
    """Dispatch on the mode word (see the module docstring)."""
    if argv[0] == "run":
        run_plain(argv[1], int(argv[2]), int(argv[3]))
    elif argv[0] == "serve":
        serve(int(argv[1]), argv[2] == "wipe", argv[3:])
    else:
        raise SystemExit(f"runner: unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
