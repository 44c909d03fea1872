"""The jail a warm server lives in: a bubblewrap command line that shows only what a
snippet needs, read-only.

What a snippet can see: ``/usr`` (and the ``/bin``, ``/lib`` links into it), the
few ``/etc`` files the C library and Python read, a made-up ``/etc/passwd``, the
interpreter's installation (:mod:`.interpreter`), this package's in-jail code
at ``/qbank``, and the Keras weights when asked; a fresh ``/proc``, a minimal
``/dev``, and per-run tmpfs on ``/tmp`` and ``/dev/shm``. No home, no checkout,
no ``/run``, no sockets of the host. Everything else the jail is made of is
read-only.

Who it runs as: host uid :data:`HOST_UID` (nobody) when qbank runs as root, so a
snippet never has root's rights on any host file; else the user running qbank.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.errors import SandboxError
from generator.sandbox import interpreter
from generator.sandbox.inside import protocol

#: The host user a snippet runs as when qbank runs as root.
HOST_UID = 65534
#: The user (and group) a snippet sees itself as, in every case.
INSIDE_UID = 65534
#: ``/etc`` entries shown read-only when they exist (no secrets among them).
ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "timezone",
    "nsswitch.conf",
    "host.conf",
    "mime.types",
    "alternatives",
)
_PASSWD = (
    "root:x:0:0:root:/root:/usr/sbin/nologin\n"
    f"nobody:x:{INSIDE_UID}:{INSIDE_UID}:nobody:{protocol.HOME}:/usr/sbin/nologin\n"
)
_GROUP = f"root:x:0:\nnogroup:x:{INSIDE_UID}:\n"
#: Size of the server's own /tmp (runs get their own, see Limits).
_SERVER_TMP = 64 << 20
_INSIDE_CODE = Path(__file__).parent / "inside"


@functools.cache
def bwrap() -> str:
    """The bubblewrap executable, or SandboxError saying how to get one."""
    exe = shutil.which("bwrap")
    if exe is None:
        raise SandboxError(
            "cannot isolate snippets: bubblewrap (bwrap) is not installed; "
            "install it (Debian/Ubuntu: apt install bubblewrap; Fedora: dnf install bubblewrap)"
        )
    return exe


def as_root() -> bool:
    """Whether qbank runs as root (then the jail maps its user to :data:`HOST_UID`)."""
    return os.geteuid() == 0


@dataclass(frozen=True)
class Jail:
    """The fixed part of a server's command line, for one interpreter."""

    python: str
    args: tuple[str, ...]
    """bwrap arguments from the namespaces to the last mount."""
    keep: tuple[str, ...]
    """Paths under /tmp that each run must bind back over its own /tmp."""
    models: bool

    @classmethod
    def create(cls, python: str, keras_models: Path | None) -> Jail:
        """Lay out the jail for ``python`` (raises SandboxError)."""
        bwrap()
        interpreter.check_interpreter(python)
        shown = interpreter.folders(python)
        args: list[str] = []
        made: set[str] = set()

        def parents(path: str) -> None:
            # bwrap makes missing parents 0700: a snippet could not pass through them.
            parent = os.path.dirname(path)
            chain = []
            while parent not in ("/", "") and parent not in made:
                chain.append(parent)
                made.add(parent)
                parent = os.path.dirname(parent)
            for folder in reversed(chain):
                args.extend(("--perms", "0755", "--dir", folder))

        def show(source: str, target: str) -> None:
            parents(target)
            if os.path.islink(source) and not os.path.isabs(os.readlink(source)):
                args.extend(("--symlink", os.readlink(source), target))
            else:
                args.extend(("--ro-bind", source, target))

        for top in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = "/" + top
            if os.path.islink(path):
                args.extend(("--symlink", os.readlink(path), path))
            elif os.path.isdir(path):
                args.extend(("--ro-bind", path, path))
        for name in ETC:
            if os.path.lexists(f"/etc/{name}"):
                show(f"/etc/{name}", f"/etc/{name}")
        args.extend(("--proc", "/proc", "--dev", "/dev"))
        args.extend(("--size", str(_SERVER_TMP), "--perms", "1777", "--tmpfs", protocol.TMP))
        made.add(protocol.TMP)
        for path in shown:  # after /tmp: an interpreter under /tmp stays visible
            if interpreter.relative_link(path):
                show(path, path)  # e.g. lib64 -> lib: a link inside the jail's own view
            else:
                parents(path)
                args.extend(("--ro-bind", interpreter.real_source(path), path))
        show(str(_INSIDE_CODE), f"{protocol.ROOT}/{protocol.PACKAGE}")
        if keras_models is not None:
            show(str(keras_models), protocol.MODELS)
        keep = tuple(p for p in shown if p.startswith(protocol.TMP + "/"))
        return cls(python, tuple(args), keep, keras_models is not None)

    def command(
        self,
        sock_fd: int,
        modules: Sequence[str],
        data_fds: Sequence[int],
        block_fds: tuple[int, int] | None,
    ) -> list[str]:
        """The server's command line.

        ``data_fds`` hold /etc/passwd and /etc/group; as root, ``block_fds``
        (read end, info write end) let the host map the user (:func:`map_user`).
        """
        spec = json.dumps({"keep": list(self.keep), "models": self.models})
        caps = ["--cap-drop", "ALL", "--cap-add", "CAP_SYS_ADMIN"]
        user = ["--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID)]
        drop: list[str] = []
        if as_root():
            # The host writes the uid map itself (see start); setpriv then leaves root.
            assert block_fds is not None
            caps += [
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
                "--cap-add",
                "CAP_SETPCAP",
            ]
            user = ["--userns-block-fd", str(block_fds[0]), "--info-fd", str(block_fds[1])]
            drop = [
                "/usr/bin/setpriv",
                f"--reuid={INSIDE_UID}",
                f"--regid={INSIDE_UID}",
                "--clear-groups",
                "--no-new-privs",
                "--inh-caps=-all,+sys_admin",
                "--ambient-caps=+sys_admin",
                "--bounding-set=-all,+sys_admin",
                "--",
            ]
        return [
            bwrap(),
            "--unshare-user",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--hostname",
            "qbank",
            "--die-with-parent",
            "--new-session",
            "--as-pid-1",
            *caps,
            *user,
            *self.args,
            "--perms",
            "0444",
            "--ro-bind-data",
            str(data_fds[0]),
            "/etc/passwd",
            "--perms",
            "0444",
            "--ro-bind-data",
            str(data_fds[1]),
            "/etc/group",
            "--remount-ro",
            "/",
            "--chdir",
            "/",
            "--",
            *drop,
            self.python,
            "-I",
            "-c",
            protocol.BOOT,
            "serve",
            str(sock_fd),
            ",".join(modules),
            spec,
        ]


def account_files() -> tuple[int, int]:
    """Readable fds holding the jail's /etc/passwd and /etc/group (caller closes them)."""
    fds = []
    for text in (_PASSWD, _GROUP):
        fd = os.memfd_create("qbank-etc")
        os.write(fd, text.encode())
        os.lseek(fd, 0, os.SEEK_SET)
        fds.append(fd)
    return fds[0], fds[1]


def jail_pid(bwrap_pid: int, info_fd: int, deadline_s: float = 10.0) -> int:
    """The host pid of bwrap's child, which bwrap writes as JSON on ``info_fd``."""
    import select

    info = b""
    while not info.rstrip().endswith(b"}"):
        ready, _, _ = select.select([info_fd], [], [], deadline_s)
        chunk = os.read(info_fd, 4096) if ready else b""
        if not chunk:
            raise SandboxError(f"bubblewrap did not start (pid {bwrap_pid})")
        info += chunk
    return int(json.loads(info)["child-pid"])


def map_user(child: int, block_fd: int) -> None:
    """As root: map the jail's users (0 for bwrap's set-up, nobody for everything it runs),
    then let bwrap, which waits on ``block_fd``, go on."""
    maps = f"0 0 1\n{INSIDE_UID} {HOST_UID} 1\n"
    try:
        for name in ("uid_map", "gid_map"):
            with open(f"/proc/{child}/{name}", "w") as file:
                file.write(maps)
    except OSError as exc:
        raise SandboxError(f"cannot map the jail's user: {exc}") from exc
    os.write(block_fd, b"1")


def works() -> str | None:
    """Why bubblewrap cannot make a jail here, or None when it can (probed once)."""
    return _probe()


@functools.cache
def _probe() -> str | None:
    try:
        exe = bwrap()
    except SandboxError as exc:
        return str(exc)
    try:
        done = subprocess.run(
            [
                exe,
                "--unshare-user",
                "--unshare-pid",
                "--unshare-net",
                "--ro-bind",
                "/",
                "/",
                "true",
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap cannot run: {exc}"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip()[-300:]
        return f"bubblewrap cannot create namespaces here: {why}"
    return None
