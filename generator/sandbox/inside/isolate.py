"""Give one run namespaces of its own, inside the server's jail (Linux, through libc).

The server holds CAP_SYS_ADMIN in the jail's user namespace and nothing else.
A forked child calls :func:`enter`, which returns in the snippet's process:

* a pid namespace of its own, whose init (pid 1) is the server's child
  (:func:`fork_into_own_pid_namespace`); new mount and IPC namespaces: a fresh
  tmpfs on /tmp (work, home, Keras home) and on /dev/shm, sized; its own /proc;
  SysV IPC of its own; nothing a previous run left can be seen. The network and
  UTS namespaces are the jail's own (no network, only ``lo``): the run has no
  capability in them, so it can change nothing there, and its sockets end with
  its processes. A namespace of each per run would cost about 1 ms more and
  keep nothing more apart (``bench/RESULTS.md``);
* the snippet is pid 2 under a reaper that is pid 1: when the reaper ends, the
  kernel ends every process of the run;
* the snippet then enters a user namespace of its own (its own keyrings, its own
  process count for RLIMIT_NPROC), drops every capability for good and takes
  the run's limits.

Anything that fails here ends the run with :data:`.protocol.SETUP_FAILED` before
a line of the snippet runs.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import signal
from collections.abc import Sequence

from . import protocol

_NEWNS, _NEWIPC, _NEWUSER, _NEWPID = 0x20000, 0x8000000, 0x10000000, 0x20000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 16384, 1 << 18
_PR_SET_DUMPABLE, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS, _PR_CAP_AMBIENT = 4, 24, 38, 47

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
_libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
_libc.unshare.argtypes = [ctypes.c_int]
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    args = [None if s is None else s.encode() for s in (source, target, fstype)]
    _check(_libc.mount(args[0], args[1], args[2], flags, data.encode() or None), f"mount {target}")


def prctl(option: int, arg: int) -> int:
    """prctl(2); the errno, 0 on success."""
    return 0 if _libc.prctl(option, arg, 0, 0, 0) == 0 else int(ctypes.get_errno())


def not_dumpable() -> None:
    """Nothing of this uid may read or write this process's memory or fds (/proc, ptrace)."""
    if prctl(_PR_SET_DUMPABLE, 0):
        raise OSError("cannot make the process non-dumpable")


def _tmpfs(target: str, size: int, extra: int = 0) -> None:
    _mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV | extra, f"mode=1777,size={size}")


def _bind_read_only(fd: int, target: str) -> None:
    """Bind the file or tree open as O_PATH ``fd`` at ``target`` (created), read-only."""
    if os.path.isdir(f"/proc/self/fd/{fd}"):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o644))
    _mount(f"/proc/self/fd/{fd}", target, None, _MS_BIND | _MS_REC)
    _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)


#: Whether each run must make its copy of the mount tree private itself (see below).
_private_per_run = True


def private_mounts() -> None:
    """Once, in the server: make sure no mount a run makes in its copy of the tree
    propagates anywhere, so that runs need not do it each (about 0.3 ms a run).

    bubblewrap's mounts are private already; if one is shared, the server makes the
    tree private, and where it may not (its user namespace does not own the jail's
    mounts, as for a user who is not root), each run does it, as before.
    """
    global _private_per_run
    with open("/proc/self/mountinfo") as info:
        shared = " shared:" in info.read()
    if shared:
        try:
            _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
            shared = False
        except OSError:
            pass
    _private_per_run = shared


def _own_files(tmp_bytes: int, shm_bytes: int, keep: Sequence[str], models: bool) -> None:
    """Fresh /tmp and /dev/shm; what the jail bound under /tmp, and the models, bound back."""
    opened = {path: os.open(path, os.O_PATH) for path in keep}
    models_fd = os.open(protocol.MODELS, os.O_PATH) if models else None
    if _private_per_run:
        _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    _tmpfs(protocol.TMP, tmp_bytes)
    _tmpfs(protocol.SHM, shm_bytes, _MS_NOEXEC)
    for path, fd in opened.items():
        _bind_read_only(fd, path)
        os.close(fd)
    for folder in (protocol.WORK, protocol.HOME, protocol.KERAS_HOME):
        os.makedirs(folder, exist_ok=True)
    if models_fd is not None:
        _bind_read_only(models_fd, protocol.KERAS_HOME + "/models")
        os.close(models_fd)


def _let_go_of_output() -> None:
    """Point stdin, stdout and stderr at /dev/null: the run's pipes stay with the snippet."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


def _reap_as_init(child: int) -> None:
    """As pid 1 of the run: reap everything; exit as the snippet did (128 + signal)."""
    _let_go_of_output()
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(protocol.SETUP_FAILED)
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def _write(path: str, text: str) -> None:
    """Write a /proc file in one call (no Python file object: this runs for every run)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _last_cap() -> int:
    with open("/proc/sys/kernel/cap_last_cap") as last:
        return int(last.read())


#: The highest capability number this kernel knows (read once, in the server).
_LAST_CAP = _last_cap()


def _own_user() -> None:
    """A user namespace of the run's own, then no capability left in any namespace."""
    uid, gid = os.getuid(), os.getgid()
    prctl(_PR_SET_DUMPABLE, 1)  # its own /proc/self, as any process has (the server's is not)
    _write("/proc/self/oom_score_adj", "1000")  # out of memory, the snippet dies, not the server
    _check(_libc.unshare(_NEWUSER), "unshare(user)")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{uid} {uid} 1")
    _write("/proc/self/gid_map", f"{gid} {gid} 1")
    for cap in range(_LAST_CAP + 1):
        if prctl(_PR_CAPBSET_DROP, cap) not in (0, 22):  # EINVAL: unknown to this kernel
            raise OSError(f"cannot drop capability {cap}")
    prctl(_PR_CAP_AMBIENT, 4)  # PR_CAP_AMBIENT_CLEAR_ALL
    if prctl(_PR_SET_NO_NEW_PRIVS, 1):
        raise OSError("cannot set no_new_privs")
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    _check(_libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")


def limit(cpu_s: int, as_bytes: int, file_bytes: int, processes: int) -> None:
    """The run's rlimits: CPU seconds, address space, file size, processes, no core."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def fork_into_own_pid_namespace() -> int:
    """``os.fork()``, the child being pid 1 of a new pid namespace (in the server).

    The server asks for a new namespace for its next child, forks, and sets its own back
    as the one for later children, so each run's init is the server's own child: one
    fork and one process fewer per run than an init forked by an intermediate child.
    """
    _check(_libc.unshare(_NEWPID), "unshare(pid)")
    child = os.fork()
    if child and _libc.setns(_own_pid_namespace(), _NEWPID) != 0:
        err = ctypes.get_errno()
        os.kill(child, signal.SIGKILL)  # its run is reported as not isolated: it never runs
        os.waitpid(child, 0)
        raise OSError(err, f"setns(pid): {os.strerror(err)}")
    return child


def serve_from_own_pid_namespace() -> None:
    """Once, as the server starts: go on in a child that is pid 1 of a pid namespace of
    the server's own user namespace, so it may set that namespace back after each run's
    fork (:func:`fork_into_own_pid_namespace`; bubblewrap's may belong to a user namespace
    above, as for a user who is not root). This process only waits for it and ends as
    it ends."""
    _check(_libc.unshare(_NEWPID), "unshare(pid)")
    server = os.fork()
    if server:
        os.closerange(3, 1 << 20)  # the socket to the host is the server's alone
        _, status = os.waitpid(server, 0)
        code = os.waitstatus_to_exitcode(status)
        os._exit(code if code >= 0 else 128 - code)


@functools.cache
def _own_pid_namespace() -> int:
    """An fd of the server's own pid namespace (opened once; its children close it)."""
    return os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)


def enter(request: dict[str, object], keep: Sequence[str], models: bool) -> None:
    """In the run's init (pid 1 of its pid namespace, forked by the server): isolate the
    run; returns in the snippet's process."""

    def number(key: str) -> int:
        return int(str(request[key]))

    try:
        os.setsid()
        _check(_libc.unshare(_NEWNS | _NEWIPC), "unshare")
        _own_files(number("tmp_bytes"), number("shm_bytes"), keep, models)
        _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
        snippet = os.fork()
        if snippet:
            _reap_as_init(snippet)
        _own_user()
        limit(number("cpu"), number("as"), number("tmp_bytes"), number("processes"))
        os.chdir(protocol.WORK)
        os.environ.clear()
        env = request.get("env")
        if isinstance(env, dict):
            os.environ.update({str(k): str(v) for k, v in env.items()})
    except BaseException as exc:  # never run the snippet half-isolated
        os.write(2, f"{protocol.SETUP_MARK}cannot isolate the run: {exc}\n".encode())
        os._exit(protocol.SETUP_FAILED)
