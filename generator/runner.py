"""The program that runs INSIDE the sandbox: stdlib only, passed to ``python -I -c``.

Two modes share one way of running a snippet, so output and tracebacks look the
same whichever path ran it (and the same as a fresh ``python FILENAME``):

* ``run FILENAME CPU_S AS_BYTES`` -- read the source from stdin, run it, exit.
* ``serve FD WIPE MODULE...`` -- import the heavy modules once (import only: a
  TensorFlow op run before ``fork`` makes every child hang), then serve requests
  from the host over the socket FD, forking one fresh child per run.
* ``probe`` -- exit 0 when the interpreter's ``sys.path`` is readable here
  (after ``--jail``: by the uid the jail dropped to).

Under the fallback isolation (``unshare``, no bubblewrap) the mode is preceded by
``--jail SPEC``: the runner, still privileged in its new mount namespace, makes
every mount read-only, gives itself a private ``/dev``, ``/tmp`` and home, drops
its capabilities for good, and only then runs anything else (see :func:`jail`).

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


# --- The fallback's file protection (Linux mount API through libc) ----------------

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC = 32, 4096, 16384
_PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT = 24, 38, 47
_DEVICES = ("null", "zero", "full", "random", "urandom", "tty")


class _Libc:
    """``mount``, ``prctl`` and ``capset`` from the C library (ctypes is stdlib)."""

    def __init__(self) -> None:
        import ctypes

        self.ctypes = ctypes
        self.lib = ctypes.CDLL(None, use_errno=True)
        self.lib.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
        self.lib.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4

    def _check(self, result: int, what: str) -> None:
        if result != 0:
            err = self.ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    def mount(
        self,
        source: str | None,
        target: str,
        fstype: str | None,
        flags: int,
        data: str | None = None,
    ) -> None:
        """mount(2); raises OSError."""
        enc = [None if s is None else s.encode() for s in (source, target, fstype, data)]
        self._check(self.lib.mount(enc[0], enc[1], enc[2], flags, enc[3]), f"mount {target}")

    def prctl(self, option: int, arg: int, arg2: int = 0) -> int:
        """prctl(2); returns the errno (0 on success)."""
        if self.lib.prctl(option, arg, arg2, 0, 0) != 0:
            return int(self.ctypes.get_errno())
        return 0

    def clear_caps(self) -> None:
        """capset(2) with empty effective, permitted and inheritable sets."""
        ctypes = self.ctypes
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, self
        data = (ctypes.c_uint32 * 6)()
        self._check(self.lib.capset(header, data), "capset")


def _mount_points() -> list[str]:
    """Every mount point of this namespace, once each, in /proc/self/mountinfo order."""
    points: dict[str, None] = {}
    with open("/proc/self/mountinfo", "rb") as info:
        for line in info:
            point = line.split()[4]
            # Blanks, tabs, newlines and backslashes are escaped as \ooo.
            for code in (b"040", b"011", b"012", b"134"):
                point = point.replace(b"\\" + code, bytes([int(code, 8)]))
            points[os.fsdecode(point)] = None
    return list(points)


def _read_only(libc: _Libc, points: list[str]) -> None:
    """Remount every mount reachable by path read-only, then check that it is.

    A path that no longer leads to the root of its mount (hidden by a later
    mount, like the host's /proc under the namespace's own) cannot be remounted
    and cannot be reached either; what the path does lead to is checked.
    """
    import errno

    for point in points:
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue  # not reachable
        if flags & os.ST_RDONLY:
            continue
        keep = flags & (os.ST_NOSUID | os.ST_NODEV | os.ST_NOEXEC)
        try:
            libc.mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | keep)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
    for point in points:
        try:
            flags = os.statvfs(point).f_flag
        except OSError:
            continue
        if not flags & os.ST_RDONLY:
            raise OSError(errno.EROFS, f"{point} is still writable")


def _bind(libc: _Libc, fd: int, target: str, is_dir: bool) -> None:
    """Bind the file or tree open as O_PATH ``fd`` read-only at ``target`` (created)."""
    if is_dir:
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
    libc.mount(f"/proc/self/fd/{fd}", target, None, _MS_BIND | _MS_REC)
    flags = os.statvfs(target).f_flag
    keep = flags & (os.ST_NODEV | os.ST_NOEXEC)
    libc.mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | keep)
    if not os.statvfs(target).f_flag & os.ST_RDONLY:
        raise OSError(f"{target} is still writable")


def _private_dev(libc: _Libc, size: int) -> None:
    """A fresh /dev with only harmless devices (no disks) and an empty /dev/shm."""
    fds = {}
    for name in _DEVICES:
        if os.path.exists(f"/dev/{name}"):
            fds[name] = os.open(f"/dev/{name}", os.O_PATH)
    libc.mount("tmpfs", "/dev", "tmpfs", _MS_NOSUID | _MS_NOEXEC, f"mode=0755,size={size}")
    for name, fd in fds.items():
        _bind(libc, fd, f"/dev/{name}", is_dir=False)
        os.close(fd)
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"/dev/{name}")
    os.symlink("/proc/self/fd", "/dev/fd")
    os.mkdir("/dev/shm")
    os.chmod("/dev/shm", 0o1777)


def _drop_privileges(libc: _Libc, uid: int | None) -> None:
    """Lose every capability for good: no remount, no mount, no raw devices.

    With ``uid`` the process becomes that user; else it stays uid 0 of its
    namespace with empty capability sets, an empty bounding set and
    no_new_privs, so no exec (not even a set-uid one) brings a capability back.
    """
    with open("/proc/sys/kernel/cap_last_cap") as last:
        caps = range(int(last.read()) + 1)
    for cap in caps:
        err = libc.prctl(_PR_CAPBSET_DROP, cap)
        if err not in (0, 22):  # EINVAL: a capability this kernel lacks
            raise OSError(err, f"cannot drop capability {cap}")
    libc.prctl(_PR_CAP_AMBIENT, 4)  # PR_CAP_AMBIENT_CLEAR_ALL (absent before 4.3)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1):
        raise OSError("cannot set no_new_privs")
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    libc.clear_caps()
    with open("/proc/self/status") as status:
        for line in status:
            listed = line.startswith(("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"))
            if listed and int(line.split()[1], 16):
                raise OSError(f"capabilities left: {line.strip()}")


def jail(spec: dict[str, object]) -> None:
    """Fallback isolation, run first as root of fresh mount, pid and net namespaces.

    ``spec`` (from the host's ``Jail``): ``hide`` -- folders covered by a fresh
    tmpfs (/tmp and the home folder); ``binds`` -- paths under them bound back
    read-only (the interpreter); ``dirs`` -- scratch folders to create;
    ``models`` -- ``[host path, inside path]`` bound read-only, or null;
    ``uid`` -- the user to become, or null to stay uid 0 without capabilities;
    ``size`` -- bytes per tmpfs; ``chdir`` -- where to start.
    Any failure ends the process before the snippet is read: never unprotected.
    """

    def strings(key: str) -> list[str]:
        value = spec.get(key) or []
        assert isinstance(value, list)
        return [str(v) for v in value]

    try:
        os.umask(0o022)  # folders made for the binds must stay traversable
        libc = _Libc()
        size = int(str(spec["size"]))
        binds, models = strings("binds"), strings("models")
        uid = spec.get("uid")
        uid = uid if isinstance(uid, int) else None
        # Open what will be bound back before the tmpfs mounts cover it.
        sources = [*binds, *models[:1]]
        opened = {path: os.open(path, os.O_PATH) for path in sources}
        is_dir = {path: os.path.isdir(path) for path in sources}
        _read_only(libc, _mount_points())
        _private_dev(libc, size)
        for root in strings("hide"):
            mode = "1777" if root == "/tmp" else "0755"
            libc.mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode={mode},size={size}")
            if uid is not None and root != "/tmp":
                os.chown(root, uid, uid)  # a private home, as bubblewrap's
        for path in binds:
            _bind(libc, opened[path], path, is_dir[path])
        for d in strings("dirs"):
            os.makedirs(d, exist_ok=True)
            if uid is not None:
                os.chown(d, uid, uid)
        if models:
            _bind(libc, opened[models[0]], models[1], is_dir=True)
        for fd in opened.values():
            os.close(fd)
        _drop_privileges(libc, uid)
        os.chdir(str(spec["chdir"]))
    except Exception as exc:
        os.write(2, f"qbank runner: cannot protect files: {exc}\n".encode())
        os._exit(71)


def probe() -> None:
    """Mode ``probe``: exit 0 if this process can read the interpreter's ``sys.path``."""
    for path in sys.path:
        try:
            os.listdir(path)
        except (FileNotFoundError, NotADirectoryError):
            pass
        except OSError:
            raise SystemExit(3) from None
    if not os.access(sys.executable, os.R_OK | os.X_OK):
        raise SystemExit(3)


def main(argv: list[str]) -> None:
    """Dispatch on the mode word (see the module docstring)."""
    if argv[0] == "--jail":
        import json

        jail(json.loads(argv[1]))
        argv = argv[2:]
    if argv[0] == "probe":
        probe()
    elif argv[0] == "run":
        run_plain(argv[1], int(argv[2]), int(argv[3]))
    elif argv[0] == "serve":
        serve(int(argv[1]), argv[2] == "wipe", argv[3:])
    else:
        raise SystemExit(f"runner: unknown mode {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
