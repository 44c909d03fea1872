"""The sandbox contract: isolation, limits, faithful output, no process left behind.

Every test runs real subprocesses in the real isolation of this machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.errors import SandboxError
from generator.sandbox import Limits, RunResult, Sandbox, cgroup, jail, require_jail
from tests.helpers import processes

PYTHON = str(Path(sys.prefix) / "bin" / "python")
PROJECT = Path(__file__).resolve().parent.parent
BANK_FILE = PROJECT / "tests" / "samples" / "sandbox-bank.yaml"
FAST = Limits(timeout=20, memory_mb=1024, output_bytes=1 << 16)
PATHS = [pytest.param((), id="fresh"), pytest.param(("numpy",), id="warm")]
#: First folders under /tmp that each run recreates to bind the interpreter back.
_BOUND = {
    Path(p).relative_to("/tmp").parts[0]
    for p in {sys.prefix, sys.base_prefix}
    if Path(p).is_relative_to("/tmp")
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(PYTHON) as box:
        yield box


def run(box: Sandbox, code: str, limits: Limits = FAST, **kwargs: object) -> RunResult:
    return box.run(textwrap.dedent(code), limits, **kwargs)  # type: ignore[arg-type]


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker``."""
    return processes(lambda _status, cmdline: marker.encode() in cmdline)


def test_the_jail_works_here(sandbox: Sandbox) -> None:
    """bubblewrap is the one isolation: nothing else is tried when it fails."""
    assert jail.works() is None
    require_jail()
    assert run(sandbox, "print('hi')").stdout == "hi\n"


def test_shim_and_non_installation_are_refused(tmp_path: Path) -> None:
    shim = tmp_path / "python"
    shim.write_text('#!/bin/sh\nexec python "$@"\n')
    shim.chmod(0o755)
    with pytest.raises(SandboxError, match="shim"):
        Sandbox(str(shim))
    stray = tmp_path / "home" / "bin" / "python"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(Path("/usr/bin/true").read_bytes())
    stray.chmod(0o755)
    with pytest.raises(SandboxError, match="not part of a Python installation"):
        Sandbox(str(stray))


@pytest.mark.parametrize("preload", PATHS)
def test_stdout_and_stderr_are_separate(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    result = run(
        sandbox,
        """
        import sys
        print("out 1")
        print("err", file=sys.stderr)
        print("out 2")
        """,
        preload=preload,
    )
    assert (result.stdout, result.stderr) == ("out 1\nout 2\n", "err\n")
    assert (result.returncode, result.killed) == (0, None)


@pytest.mark.parametrize("preload", PATHS)
@pytest.mark.parametrize(
    ("code", "returncode", "stderr"),
    [
        ("pass", 0, ""),
        ("import sys; sys.exit(3)", 3, ""),
        ("import sys; sys.exit('bye')", 1, "bye\n"),
        ("raise SystemExit", 0, ""),
        ("import os; os._exit(5)", 5, ""),
        ("import sys; sys.exit(256 + 7)", 7, ""),
    ],
)
def test_exit_codes(
    sandbox: Sandbox, preload: tuple[str, ...], code: str, returncode: int, stderr: str
) -> None:
    result = run(sandbox, code, preload=preload)
    assert (result.returncode, result.killed, result.stderr) == (returncode, None, stderr)


@pytest.mark.parametrize("preload", PATHS)
def test_death_by_signal_is_named(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    result = run(
        sandbox, "import os, signal; os.kill(os.getpid(), signal.SIGTERM)", preload=preload
    )
    assert (result.returncode, result.killed) == (-15, "signal:SIGTERM")


@pytest.mark.parametrize("preload", PATHS)
def test_traceback_names_the_file_with_its_own_lines(
    sandbox: Sandbox, preload: tuple[str, ...]
) -> None:
    code = "import os\n\ndef f(x):\n    return 1 / x\n\nprint('before')\nf(0)\n"
    result = sandbox.run(code, FAST, filename="cv-question-3.py", preload=preload)
    assert result.returncode == 1
    assert result.stdout == "before\n"
    assert result.stderr.splitlines() == [
        "Traceback (most recent call last):",
        '  File "cv-question-3.py", line 7, in <module>',
        "    f(0)",
        '  File "cv-question-3.py", line 4, in f',
        "    return 1 / x",
        "           ~~^~~",
        "ZeroDivisionError: division by zero",
    ]


@pytest.mark.parametrize("preload", PATHS)
def test_syntax_error_and_main_module(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    bad = sandbox.run("x = 1\ny = (\n", FAST, filename="q.py", preload=preload)
    assert bad.returncode == 1
    assert bad.stderr.startswith('  File "q.py", line 2\n')
    assert bad.stderr.endswith("SyntaxError: '(' was never closed\n")
    main = run(
        sandbox,
        """
        import sys, warnings
        print(__name__, __file__, sys.argv, sys.modules["__main__"].__dict__ is globals())
        warnings.warn("careful")
        """,
        preload=preload,
    )
    assert main.stdout == "__main__ snippet.py ['snippet.py'] True\n"
    assert main.stderr == 'snippet.py:4: UserWarning: careful\n  warnings.warn("careful")\n'


PROGRAMS = [
    "import numpy as np\nprint(np.arange(6).reshape(2, 3) * 2)\nprint(np.float32(1) / 3)",
    "import numpy as np\nnp.zeros((2, 3)) @ np.zeros((2, 3))",
    "import json, sys\nprint(json.dumps({'a': [1, 2]}))\nsys.exit(4)",
    "import threading\nthreading.Thread(target=lambda: print('thread')).start()\nprint('main')",
    "import atexit\natexit.register(print, 'at exit')\nprint('body', end='')",
    "print('prompt?')\nprint(input())",
    "import os\nos.close(1)\nraise ValueError('after closing stdout')",
]


@pytest.mark.parametrize("code", PROGRAMS)
def test_warm_path_matches_the_plain_path(sandbox: Sandbox, code: str) -> None:
    plain = sandbox.run(code, FAST)
    warm = sandbox.run(code, FAST, preload=("numpy",))
    assert (warm.stdout, warm.stderr, warm.returncode, warm.killed) == (
        plain.stdout,
        plain.stderr,
        plain.returncode,
        plain.killed,
    )


@pytest.mark.parametrize("preload", PATHS)
def test_runs_differ_in_hash_seed_and_random_state(
    sandbox: Sandbox, preload: tuple[str, ...]
) -> None:
    code = "import numpy as np, random\nprint(hash('abc'), random.random(), np.random.rand())"
    first, second = (run(sandbox, code, preload=preload).stdout for _ in range(2))
    assert first.split() != second.split()
    assert all(a != b for a, b in zip(first.split(), second.split(), strict=True))


@pytest.mark.parametrize("preload", PATHS)
def test_no_network(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = run(
            sandbox,
            f"""
            import socket
            for address in [("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", {port})]:
                try:
                    socket.create_connection(address, timeout=3).close()
                    print("connected", address)
                except OSError as exc:
                    print("refused", type(exc).__name__)
            """,
            preload=preload,
        )
    assert "connected" not in result.stdout
    assert result.stdout.count("refused") == 3


@pytest.mark.parametrize("preload", PATHS)
def test_scratch_dirs_are_private_and_fresh(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    code = """
        import os, tempfile
        print(os.getcwd(), sorted(os.listdir(".")), sorted(os.listdir(tempfile.gettempdir())))
        print(os.path.expanduser("~"), os.access(os.path.expanduser("~"), os.W_OK))
        for path in ("here.txt", tempfile.gettempdir() + "/left.txt", "/dev/shm/left"):
            open(path, "w").write("x")
        """
    first = run(sandbox, code, preload=preload)
    second = run(sandbox, code, preload=preload)
    assert first.stdout == second.stdout
    listing = sorted({"home", "keras", "work"} | _BOUND)
    # The program itself is there, as for a learner who saved it and ran `python snippet.py`.
    assert first.stdout == f"/tmp/work ['snippet.py'] {listing}\n/tmp/home True\n"


@pytest.mark.parametrize("preload", PATHS)
def test_environment_is_scrubbed(
    sandbox: Sandbox, preload: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QBANK_SECRET", "leak")
    result = run(
        sandbox,
        """
        import os
        print(sorted(k for k in os.environ if k != "PWD"))
        print(os.environ["KERAS_HOME"])
        """,
        preload=preload,
    )
    names = "HOME KERAS_HOME LANG LC_ALL PATH TF_CPP_MIN_LOG_LEVEL TF_ENABLE_ONEDNN_OPTS TMPDIR"
    assert result.stdout == f"{names.split()}\n/tmp/keras\n"


def test_keras_models_are_read_only_and_keras_home_writable(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "weights.h5").write_text("w")
    with Sandbox(PYTHON, keras_models=models) as box:
        result = run(
            box,
            """
            import os
            home = os.environ["KERAS_HOME"]
            print(open(home + "/models/weights.h5").read())
            open(home + "/keras.json", "w").write("{}")
            try:
                open(home + "/models/new.h5", "w")
            except OSError:
                print("models read-only")
            """,
        )
    assert result.stdout == "w\nmodels read-only\n", result.stderr
    assert sorted(os.listdir(models)) == ["weights.h5"]


def test_a_venv_under_tmp_is_bound_back(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [PYTHON, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True
    )
    with Sandbox(str(venv / "bin" / "python")) as box:
        result = run(box, "import sys\nprint(sys.prefix)", preload=("json",))
    assert result.stdout == f"{venv}\n", result.stderr


ORPHAN = """
import subprocess, sys
subprocess.Popen(["sleep", "{marker}"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("orphan started", flush=True)
{ending}
"""


@pytest.mark.parametrize("preload", PATHS)
@pytest.mark.parametrize(
    ("ending", "killed"), [("pass", None), ("while True: pass", "timeout")], ids=["exit", "timeout"]
)
def test_no_process_outlives_a_run(
    sandbox: Sandbox, preload: tuple[str, ...], ending: str, killed: str | None
) -> None:
    marker = f"900.{random.randrange(10**9)}"
    code = ORPHAN.format(marker=marker, ending=ending)
    result = sandbox.run(code, Limits(timeout=2, memory_mb=1024), preload=preload)
    assert result.stdout == "orphan started\n", result.stderr
    assert result.killed == killed
    assert processes_with(marker) == []


@pytest.mark.parametrize("preload", PATHS)
@pytest.mark.parametrize(
    "code",
    [
        "while True: pass",
        "import time\ntime.sleep(60)",
        "import os, time\nos.setsid()\nos.fork()\ntime.sleep(60)",
    ],
    ids=["busy", "sleep", "forked"],
)
def test_timeout(sandbox: Sandbox, preload: tuple[str, ...], code: str) -> None:
    result = sandbox.run(code, Limits(timeout=1, memory_mb=1024), preload=preload)
    assert (result.returncode, result.killed) == (None, "timeout")


def test_cpu_limit_ends_a_run_as_timeout(sandbox: Sandbox) -> None:
    code = "import os\nfor _ in range(3):\n    os.fork()\nwhile True: pass"  # 8 busy processes
    result = sandbox.run(code, Limits(timeout=1, memory_mb=1024))
    assert result.killed == "timeout"


@pytest.mark.parametrize("preload", PATHS)
@pytest.mark.parametrize(
    "code",
    [
        "x = bytearray(64 << 30)",
        "chunks = []\nwhile True:\n    chunks.append(bytearray(32 << 20))",
        "import numpy as np\nnp.ones((1 << 16, 1 << 16))",
    ],
    ids=["at-once", "gradual", "numpy"],
)
def test_memory_bomb_is_stopped(sandbox: Sandbox, preload: tuple[str, ...], code: str) -> None:
    result = sandbox.run(code, Limits(timeout=20, memory_mb=512), preload=preload)
    assert result.killed == "memory", result.stderr
    assert "MemoryError" in result.stderr.splitlines()[-1]


@pytest.mark.parametrize("preload", PATHS)
@pytest.mark.parametrize("stream", ["stdout", "stderr"])
def test_output_flood_is_capped(sandbox: Sandbox, preload: tuple[str, ...], stream: str) -> None:
    code = f"import sys\nwhile True:\n    print('x' * 999, file=sys.{stream})"
    limits = Limits(timeout=20, memory_mb=1024, output_bytes=100_000)
    result = sandbox.run(code, limits, preload=preload)
    assert (result.returncode, result.killed) == (None, "output")
    assert len(getattr(result, stream)) == 100_000
    # The server is still usable after it was stopped.
    assert run(sandbox, "print('next')", preload=preload).stdout == "next\n"


def test_concurrent_runs_from_threads(sandbox: Sandbox) -> None:
    results: dict[int, RunResult] = {}

    def work(i: int) -> None:
        preload = ("numpy",) if i % 2 else ()
        results[i] = run(
            sandbox, f"import time\ntime.sleep(0.2)\nprint({i} * {i})", preload=preload
        )

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {i: r.stdout for i, r in results.items()} == {i: f"{i * i}\n" for i in range(6)}


def test_warm_servers_outlive_the_thread_that_started_them() -> None:
    with Sandbox(PYTHON) as box:
        first = threading.Thread(target=run, args=(box, "print(1)"), kwargs={"preload": ("json",)})
        first.start()
        first.join()
        assert run(box, "print(2)", preload=("json",)).stdout == "2\n"


def test_a_missing_preload_module_fails_like_a_plain_run(sandbox: Sandbox) -> None:
    code = "import no_such_module_qbank"
    warm = sandbox.run(code, FAST, preload=("no_such_module_qbank",))
    plain = sandbox.run(code, FAST)
    assert warm.stderr == plain.stderr
    assert warm.stderr.endswith("ModuleNotFoundError: No module named 'no_such_module_qbank'\n")


def test_sample_bank_file_is_intact() -> None:
    digest = hashlib.sha256(BANK_FILE.read_bytes()).hexdigest()
    assert digest == hashlib.sha256(b"# Read-only target of tests/test_sandbox.py.\n").hexdigest()


@pytest.mark.tf
def test_tensorflow_through_a_warm_server(sandbox: Sandbox) -> None:
    code = "import tensorflow as tf\nprint(tf.constant([1, 2]).shape)"
    limits = Limits(timeout=120)
    for _ in range(2):
        result = sandbox.run(code, limits, filename="tf.py", preload=("tensorflow",))
        assert (result.stdout, result.returncode, result.killed) == ("(2,)\n", 0, None), (
            result.stderr
        )


@pytest.mark.parametrize("preload", PATHS)
def test_the_jail_shows_only_what_a_snippet_needs(
    sandbox: Sandbox, preload: tuple[str, ...]
) -> None:
    """No home, no checkout, no /run, no host secrets; the run's own processes only."""
    result = run(
        sandbox,
        f"""
        import os, sys
        def visible(path):
            return os.path.exists(path)
        print(sorted(os.listdir("/etc")))
        print([p for p in {[str(PROJECT / "tests"), str(PROJECT / ".git"), str(BANK_FILE)]!r}
               if visible(p)])
        print([p for p in ["/run", "/var", "/home", "/root/.bashrc", "/etc/shadow",
                           "/etc/hostname", "/sys"] if visible(p)])
        print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
        print(open("/etc/passwd").read().count(chr(10)), os.getuid(), os.getgid())
        """,
        preload=preload,
    )
    etc, project, host, pids, users = result.stdout.splitlines() or [result.stderr] * 5
    assert set(eval(etc)) <= {*jail.ETC, "passwd", "group"}, etc
    assert (project, host) == ("[]", "[]")
    assert pids == "[1, 2]"
    assert users == "2 65534 65534"


@pytest.mark.parametrize("preload", PATHS)
def test_what_is_shown_is_read_only(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    result = run(
        sandbox,
        """
        import errno, os, sys
        # (sys.prefix itself may be a folder of the run's own /tmp when the venv is under /tmp)
        for path in (sys.prefix + "/lib/planted", sys.base_prefix + "/lib/planted", "/usr/planted",
                     "/etc/passwd", "/qbank/planted", "/planted"):
            try:
                open(path, "a")
                print("wrote", path)
            except OSError as exc:
                print(errno.errorcode[exc.errno])
        """,
        preload=preload,
    )
    # /etc/passwd exists and is not writable by the snippet's user: EACCES before EROFS.
    assert result.stdout.split() == ["EROFS"] * 3 + ["EACCES"] + ["EROFS"] * 2, result.stdout


@pytest.mark.skipif(
    os.geteuid() != 0, reason="qbank maps snippets to nobody only when it runs as root"
)
def test_as_root_a_snippet_runs_as_host_nobody(sandbox: Sandbox) -> None:
    """Root's rights on host files never reach a snippet: its host uid is nobody's."""
    marker = f"qbu{random.randrange(10**9)}"  # the run's name (comm), seen from the host
    found: list[str] = []

    def look() -> None:
        for _ in range(200):
            for entry in os.listdir("/proc"):
                with contextlib.suppress(OSError):
                    if Path(f"/proc/{entry}/comm").read_text().strip() != marker:
                        continue
                    status = Path(f"/proc/{entry}/status").read_text()
                    found.extend(line for line in status.splitlines() if line.startswith("Uid:"))
            if found:
                return
            threading.Event().wait(0.05)

    watcher = threading.Thread(target=look)
    watcher.start()
    name = f"import ctypes, time\nctypes.CDLL(None).prctl(15, b{marker!r}, 0, 0, 0)\ntime.sleep(3)"
    sandbox.run(name, FAST)
    watcher.join()
    assert found and set(found[0].split()[1:]) == {str(jail.HOST_UID)}, found


@pytest.mark.parametrize("preload", PATHS)
def test_output_is_what_a_terminal_shows(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    """stdout is line-buffered as on a terminal: a line printed before os._exit is shown."""
    result = run(
        sandbox, "import os\nprint('shown')\nprint('half', end='')\nos._exit(0)", preload=preload
    )
    assert (result.stdout, result.returncode) == ("shown\n", 0)


@pytest.mark.parametrize("preload", PATHS)
def test_deep_recursion_reports_like_python(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    """A million frames: the traceback is folded as `python` folds it, not formatted frame by
    frame, so a question with a 10 s limit is not reported as a timeout."""
    code = "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return f(n + 1)\nf(0)\n"
    result = sandbox.run(code, Limits(timeout=10, memory_mb=4096), preload=preload)
    assert result.killed is None, result.stderr[-500:]
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("RecursionError: maximum recursion depth exceeded")
    assert any("Previous line repeated" in line for line in lines)
    assert len(lines) < 100


SYSTEM_PYTHON = "/usr/bin/python3"
AS_USER = """
import os, sys
sys.path.insert(0, {root!r})
from generator.sandbox import Limits, Sandbox
with Sandbox({python!r}) as box:
    for preload in [(), ("json",)]:
        code = (
            "import os\\n"
            "print(os.getuid(), sorted(p for p in os.listdir('/') if 'lib' not in p))"
        )
        result = box.run(code, Limits(timeout=20), preload=preload)
        print(result.stdout.strip(), result.returncode, result.sandbox_error)
"""


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.access(SYSTEM_PYTHON, os.X_OK),
    reason="needs root to become an ordinary user, and the system Python",
)
def test_an_ordinary_user_gets_the_same_jail() -> None:
    """qbank run by a user who is not root (a developer's laptop) isolates the same way."""
    # That user cannot read a checkout under root's home: give it its own copy of qbank.
    code_root = Path(tempfile.mkdtemp(prefix="qbank-as-user-", dir="/var/tmp"))
    try:
        shutil.copytree(PROJECT / "generator", code_root / "generator")
        for folder, _, files in os.walk(code_root):
            os.chmod(folder, 0o755)
            for name in files:
                os.chmod(Path(folder) / name, 0o644)
        done = _as_nobody(AS_USER.format(root=str(code_root), python=SYSTEM_PYTHON))
    finally:
        shutil.rmtree(code_root)
    assert done.returncode == 0, done.stderr[-2000:]
    shown = "['bin', 'dev', 'etc', 'proc', 'qbank', 'sbin', 'tmp', 'usr']"
    assert done.stdout.splitlines() == [f"65534 {shown} 0 None"] * 2


def _as_nobody(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SYSTEM_PYTHON, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"},
        timeout=120,
        check=False,
    )


MANY_PROCESSES_MUCH_MEMORY = """
import os, time
children = []
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        block = bytearray(200 << 20)  # under each process's own limit of 512 MB
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(5)
        os._exit(0)
    children.append(pid)
print([os.waitpid(pid, 0)[1] for pid in children])
"""


@pytest.mark.skipif(not cgroup.available(), reason="memory cgroups need root and cgroup v1 here")
@pytest.mark.parametrize("preload", PATHS)
def test_memory_of_the_whole_run_is_bounded(sandbox: Sandbox, preload: tuple[str, ...]) -> None:
    """8 processes × 200 MB pass every per-process limit; the run's cgroup stops them."""
    result = sandbox.run(
        MANY_PROCESSES_MUCH_MEMORY, Limits(timeout=30, memory_mb=512), preload=preload
    )
    assert result.killed == "memory", (result.stdout, result.stderr[-500:])
