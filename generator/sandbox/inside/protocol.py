"""What the host and a server in the jail agree on: paths, messages, exit codes."""

from __future__ import annotations

#: Where the jail shows this package, and the name it is imported under there.
ROOT = "/qbank"
PACKAGE = "qbank_inside"
#: Read-only folder of Keras weights in the jail (each run sees it at $KERAS_HOME/models).
MODELS = "/qbank/keras-models"
#: The ``python -I -c`` program that starts this package's ``main`` in the jail.
BOOT = (
    f"import sys; sys.path.insert(0, {ROOT!r}); from {PACKAGE}.main import main; main(sys.argv[1:])"
)

#: Written by a server once its modules are imported.
READY = b"ready\n"
#: Sent by the host during a run: stop it now (KILL), or the run is over (ACK).
KILL = b"k"
ACK = b"d"

#: Per-run folders, all on the run's own tmpfs at /tmp.
TMP = "/tmp"
WORK = "/tmp/work"
HOME = "/tmp/home"
KERAS_HOME = "/tmp/keras"
SHM = "/dev/shm"

#: Exit code of a run whose isolation could not be set up (the snippet never ran).
SETUP_FAILED = 71
#: How a setup failure starts its line on stderr.
SETUP_MARK = "qbank sandbox: "
