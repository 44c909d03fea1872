"""The code that runs INSIDE the jail: the warm server, per-run isolation, the executor.

Standard library only, and importable under another name: the jail shows this
folder read-only as ``/qbank/qbank_inside`` (see :mod:`.protocol`), so modules
here import each other relatively. The host imports only :mod:`.protocol`.
"""
