"""The code that runs in the jail (generator/sandbox/inside/), run outside bubblewrap.

In the jail no coverage tool and no debugger can reach it, so here it runs where they
can: the executor in a child forked from the test, the rlimits and prctl calls in
another, and the whole server (preload, per-run namespaces, the executor, KILL and the
reaping) under ``unshare`` as a user namespace's root instead of under bubblewrap,
spoken to with the same socket protocol as :mod:`generator.sandbox.warm` speaks.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.sandbox.inside import execute, isolate, main, protocol

INSIDE = Path(execute.__file__).parent


# ----------------------------------------------------------------- in a forked child


@dataclass
class Ended:
    """What a forked child printed and how it ended."""

    out: str
    err: str
    code: int


def _in_child(action: Callable[[], object], cwd: Path) -> Ended:
    """Run ``action`` in a forked child with its own stdout and stderr; it must end the
    process itself (as :func:`execute.finish` does); anything else is exit 99."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            atexit._clear()  # the test process's handlers are not the snippet's
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            os.chdir(cwd)
            action()
        finally:
            os._exit(99)
    os.close(out_w)
    os.close(err_w)
    with open(out_r, "rb") as out, open(err_r, "rb") as err:
        got_out, got_err = out.read(), err.read()
    _, status = os.waitpid(pid, 0)
    return Ended(got_out.decode(), got_err.decode(), os.waitstatus_to_exitcode(status))


def _run(source: str, tmp_path: Path, machinery: frozenset[str] = frozenset()) -> Ended:
    """``source`` through execute() and finish(), as a run's child does in the jail."""
    code = textwrap.dedent(source).encode()
    return _in_child(
        lambda: execute.finish(execute.execute(code, "snippet.py", machinery)), tmp_path
    )


def test_a_snippet_runs_as_main_and_its_file_is_where_python_would_put_it(
    tmp_path: Path,
) -> None:
    ended = _run(
        """
        import sys
        print(__name__, __file__, sys.argv, open(__file__).read().startswith("\\nimport sys"))
        """,
        tmp_path,
    )
    assert ended == Ended("__main__ snippet.py ['snippet.py'] True\n", "", 0)
    assert (tmp_path / "snippet.py").exists()


@pytest.mark.parametrize(
    ("ending", "code", "err"),
    [
        ("sys.exit()", 0, ""),
        ("sys.exit(None)", 0, ""),
        ("sys.exit(3)", 3, ""),
        ("sys.exit(300)", 300 & 0xFF, ""),
        ("sys.exit('no luck')", 1, "no luck\n"),
    ],
)
def test_sys_exit_ends_the_run_as_the_interpreter_would(
    ending: str, code: int, err: str, tmp_path: Path
) -> None:
    assert _run(f"import sys\n{ending}\n", tmp_path) == Ended("", err, code)


def test_an_uncaught_exception_prints_the_snippets_traceback_only(tmp_path: Path) -> None:
    ended = _run(
        """
        def f():
            raise ValueError("bad value")
        f()
        """,
        tmp_path,
    )
    assert ended.code == 1
    assert ended.err.startswith("Traceback (most recent call last):\n")
    assert 'File "snippet.py", line 4, in <module>' in ended.err
    assert 'File "snippet.py", line 3, in f' in ended.err
    assert '    raise ValueError("bad value")' in ended.err  # the source line, from the file
    assert ended.err.endswith("ValueError: bad value\n")
    assert "inside" not in ended.err and "execute" not in ended.err


def test_a_snippets_own_excepthook_is_used(tmp_path: Path) -> None:
    ended = _run(
        """
        import sys
        sys.excepthook = lambda kind, value, tb: print("hooked", kind.__name__, value)
        raise KeyError("k")
        """,
        tmp_path,
    )
    assert ended == Ended("hooked KeyError 'k'\n", "", 1)


def test_the_end_runs_threads_and_atexit_and_keeps_a_line_before_os_exit(
    tmp_path: Path,
) -> None:
    ended = _run(
        """
        import atexit, threading, time
        atexit.register(print, "atexit ran")
        threading.Thread(target=lambda: (time.sleep(0.2), print("thread done"))).start()
        print("main done")
        """,
        tmp_path,
    )
    assert ended == Ended("main done\nthread done\natexit ran\n", "", 0)
    # Line-buffered as on a terminal: a printed line survives os._exit.
    assert _run("import os\nprint('kept')\nos._exit(5)\n", tmp_path) == Ended("kept\n", "", 5)


def test_output_that_cannot_be_flushed_ends_the_run_with_120(tmp_path: Path) -> None:
    ended = _run(
        """
        import sys
        class Broken:
            def write(self, text): return len(text)
            def flush(self): raise OSError("disk full")
        sys.stdout = Broken()
        """,
        tmp_path,
    )
    assert ended.code == 120


def test_a_snippet_starts_without_the_servers_machinery(tmp_path: Path) -> None:
    """What the server imported for itself, and the package under its jail name, are
    forgotten before the snippet runs; the preloaded modules stay."""

    def prepare_and_run() -> None:
        sys.path.insert(0, protocol.ROOT)
        sys.modules[protocol.PACKAGE] = type(sys)(protocol.PACKAGE)
        sys.modules[f"{protocol.PACKAGE}.serve"] = type(sys)("serve")
        sys.modules["qbank_machinery_stand_in"] = type(sys)("machinery")
        source = (
            "import sys\n"
            f"print({protocol.ROOT!r} in sys.path, sorted(m for m in sys.modules"
            " if m.startswith(('qbank_', 'json'))))\n"
        )
        execute.finish(
            execute.execute(source.encode(), "snippet.py", frozenset({"qbank_machinery_stand_in"}))
        )

    import json as _preloaded  # noqa: F401 - the test process has it, as a preload would

    ended = _in_child(prepare_and_run, tmp_path)
    assert ended.code == 0, ended.err
    assert ended.out.startswith("False [")
    assert "qbank_" not in ended.out and "'json'" in ended.out


def test_a_snippet_whose_file_cannot_be_written_still_runs(tmp_path: Path) -> None:
    source = b"print('ran')\nraise SystemExit(2)\n"
    ended = _in_child(
        lambda: execute.finish(execute.execute(source, "/nonexistent/dir/snippet.py")), tmp_path
    )
    assert ended == Ended("ran\n", "", 2)


def test_limits_and_prctl_take_hold_in_the_process(tmp_path: Path) -> None:
    def limited() -> None:
        isolate.limit(7, 3 << 30, 5 << 20, 300)
        isolate.not_dumpable()
        got = {
            name: resource.getrlimit(getattr(resource, f"RLIMIT_{name}"))
            for name in ("CPU", "AS", "FSIZE", "NPROC", "CORE")
        }
        dumpable = isolate._libc.prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
        print(json.dumps({"limits": got, "dumpable": dumpable, "bad": isolate.prctl(-1, 0)}))
        sys.stdout.flush()
        os._exit(0)

    ended = _in_child(limited, tmp_path)
    assert ended.code == 0, ended.err
    got = json.loads(ended.out)
    assert got["limits"] == {
        "CPU": [7, 8],
        "AS": [3 << 30, 3 << 30],
        "FSIZE": [5 << 20, 5 << 20],
        "NPROC": [300, 300],
        "CORE": [0, 0],
    }
    assert got["dumpable"] == 0
    assert got["bad"] == 22  # EINVAL: the errno, not an exception


def test_a_failing_libc_call_is_an_oserror_naming_it() -> None:
    with pytest.raises(OSError, match=r"^\[Errno 2\] mount /nonexistent/qbank-test: "):
        isolate._mount(None, "/nonexistent/qbank-test", None, 0)


# ------------------------------------------------------------------------ main, preload


@pytest.mark.parametrize("argv", [[], ["run", "3", "", "{}"], ["serve", "3", ""]])
def test_main_refuses_anything_but_serve_with_its_three_arguments(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="qbank inside: unknown mode"):
        main.main(argv)


def test_preload_imports_what_it_can_and_leaves_failures_to_the_snippet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "qbank_exits_on_import.py").write_text("raise SystemExit('no')\n")
    (tmp_path / "qbank_preloaded.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("qbank_preloaded", "qbank_exits_on_import"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    main._preload(["qbank_exits_on_import", "qbank_no_such_module", "qbank_preloaded"])
    assert "qbank_preloaded" in sys.modules
    assert "qbank_exits_on_import" not in sys.modules


# ------------------------------------------------------- the whole server, under unshare

_BOOT = (
    f"import sys; sys.path.insert(0, {str(INSIDE.parent)!r}); "
    "from inside.main import main; main(sys.argv[1:])"
)


def _unshare_works() -> str | None:
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no unshare(1)"
    done = subprocess.run(
        [unshare, "--user", "--map-root-user", "--mount", "--pid", "--fork", "true"],
        capture_output=True,
        check=False,
    )
    return None if done.returncode == 0 else f"unshare fails: {done.stderr.decode()[:200]}"


class Server:
    """A server started as the jail starts it, in namespaces made by unshare(1)."""

    def __init__(
        self, modules: str, *, keep: tuple[str, ...] = (), models: Path | None = None
    ) -> None:
        """With ``models``, the runs see that folder at $KERAS_HOME/models (the jail's
        is at /qbank, which is not there outside it); with ``keep``, the tree is made
        shared first, as a host's may be (the server must then make it private)."""
        self.sock, theirs = socket.socketpair()
        spec = json.dumps({"keep": list(keep), "models": models is not None})
        boot = _BOOT
        if models is not None:
            boot = boot.replace(
                "from inside.main",
                f"import inside.protocol as p; p.MODELS = {str(models)!r}; from inside.main",
            )
        shared = ["sh", "-c", 'mount --make-rshared / && exec "$@"', "sh"] if keep else []
        argv = [
            "unshare", "--user", "--map-root-user", "--mount", "--pid", "--fork",
            "--mount-proc", "--kill-child", *shared,
            sys.executable, "-I", "-c", boot, "serve", str(theirs.fileno()), modules, spec,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            argv, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        theirs.close()
        self.sock.settimeout(60)
        ready = self.sock.recv(len(protocol.READY))
        assert ready == protocol.READY, self.proc.stderr.read() if self.proc.stderr else ""

    def run(self, source: str, *, kill: bool = False, **changes: object) -> Ended:
        """One run; with ``kill``, the host stops it once it has printed its first line."""
        request: dict[str, object] = {
            "source": textwrap.dedent(source),
            "filename": "snippet.py",
            "cpu": 30,
            "as": 4 << 30,
            "processes": 64,
            "tmp_bytes": 64 << 20,
            "shm_bytes": 8 << 20,
            "env": {"PATH": "/usr/bin:/bin", "HOME": protocol.HOME},
            **changes,
        }
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        payload = json.dumps(request).encode()
        socket.send_fds(self.sock, [len(payload).to_bytes(8, "big")], [out_w, err_w])
        os.close(out_w)
        os.close(err_w)
        self.sock.sendall(payload)
        with open(out_r, "rb") as out, open(err_r, "rb") as err:
            if kill:
                first = out.readline()
                self.sock.sendall(protocol.KILL)
            else:
                first = b""
            status_line = self._line()
            if not kill:
                self.sock.sendall(protocol.ACK)
            got_out, got_err = first + out.read(), err.read()
        status = int(json.loads(status_line)["status"])
        return Ended(got_out.decode(), got_err.decode(), os.waitstatus_to_exitcode(status))

    def _line(self) -> bytes:
        line = b""
        while not line.endswith(b"\n"):
            chunk = self.sock.recv(4096)
            assert chunk, "the server went away"
            line += chunk
        return line

    def stop(self) -> int:
        """Close the socket: the server returns and ends; unshare's exit code."""
        self.sock.close()
        return self.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    why = _unshare_works()
    if why is not None:
        pytest.skip(why)
    started = Server("json,qbank_no_such_module")
    try:
        yield started
    finally:
        if started.proc.poll() is None:
            assert started.stop() == 0


def test_server_runs_a_snippet_isolated_as_in_the_jail(server: Server) -> None:
    ended = server.run(
        """
        import os, sys
        print(sys.modules["__main__"].__file__, os.getcwd(), os.getpid())
        print(sorted(os.environ), "json" in sys.modules)
        print(open("/proc/self/status").read().count("CapEff:\\t0000000000000000"))
        print(sorted(os.listdir("/tmp")))
        """
    )
    assert ended.code == 0, ended.err
    lines = ended.out.splitlines()
    # pid 2: its reaper is pid 1 of the run's own pid namespace.
    assert lines[0] == f"snippet.py {protocol.WORK} 2"
    assert lines[1] == "['HOME', 'PATH'] True"  # its own environment; json preloaded
    assert lines[2] == "1"  # no capability left
    assert lines[3] == "['home', 'keras', 'work']"  # a fresh /tmp of its own


def test_server_reports_a_crash_and_the_exit_code(server: Server) -> None:
    ended = server.run("import sys\nprint('before')\nsys.exit(4)\n")
    assert ended == Ended("before\n", "", 4)
    ended = server.run("1 / 0\n")
    assert ended.code == 1 and ended.err.endswith("ZeroDivisionError: division by zero\n")


def test_server_stops_a_run_on_kill_and_goes_on(server: Server) -> None:
    ended = server.run(
        "import subprocess, time\n"
        "subprocess.Popen(['sleep', '60'])\n"  # a process the kill must end too
        "print('started', flush=True)\n"
        "time.sleep(60)\n",
        kill=True,
    )
    assert ended.out == "started\n"
    assert ended.code == -9
    assert server.run("print('next')\n") == Ended("next\n", "", 0)


def test_server_reads_a_request_longer_than_one_message(server: Server) -> None:
    big = "x = " + repr("y" * 200_000) + "\nprint(len(x))\n"
    assert server.run(big) == Ended("200000\n", "", 0)


def test_a_run_that_cannot_be_isolated_never_runs(server: Server) -> None:
    ended = server.run("print('ran')\n", tmp_bytes="a lot")
    assert ended.code == protocol.SETUP_FAILED
    assert ended.out == ""
    assert ended.err.startswith(f"{protocol.SETUP_MARK}cannot isolate the run: ")


def test_server_ends_when_the_host_closes_its_socket() -> None:
    why = _unshare_works()
    if why is not None:
        pytest.skip(why)
    started = Server("")
    assert started.run("print(6 * 7)\n") == Ended("42\n", "", 0)
    assert started.stop() == 0


def test_what_the_jail_keeps_under_tmp_and_the_models_are_bound_back_read_only(
    tmp_path: Path,
) -> None:
    why = _unshare_works()
    if why is not None:
        pytest.skip(why)
    assert str(tmp_path).startswith("/tmp/"), "the test needs its folder under /tmp"
    kept_dir = tmp_path / "kept-dir"
    kept_dir.mkdir()
    (kept_dir / "data.txt").write_text("kept data")
    kept_file = tmp_path / "kept-file.txt"
    kept_file.write_text("kept file")
    models = tmp_path / "models"
    models.mkdir()
    (models / "weights.h5").write_text("weights")
    started = Server("", keep=(str(kept_dir), str(kept_file)), models=models)
    try:
        ended = started.run(
            f"""
            import os
            print(open({str(kept_dir / "data.txt")!r}).read())
            print(open({str(kept_file)!r}).read())
            print(open("{protocol.KERAS_HOME}/models/weights.h5").read())
            for path in ({str(kept_dir / "new.txt")!r}, "{protocol.KERAS_HOME}/models/new"):
                try:
                    open(path, "w")
                except OSError as exc:
                    print(exc.strerror)
            """
        )
    finally:
        assert started.stop() == 0
    assert ended == Ended(
        "kept data\nkept file\nweights\nRead-only file system\nRead-only file system\n", "", 0
    )
    assert sorted(p.name for p in kept_dir.iterdir()) == ["data.txt"]
