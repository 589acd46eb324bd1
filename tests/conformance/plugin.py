"""Running ``pybpf-conformance-plugin`` as a conformance suite does, in this process or in its own.

``in_process`` calls the plugin's ``main`` with the program on a substituted stdin (no interpreter
start-up per case); ``in_subprocess`` starts it as a suite's runner does (``PYBPF_ENGINE`` inherited
with the environment).  Both return the exit status, stdout and stderr as a ``CompletedProcess``.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

from pybpf.cli import conformance


def in_process(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = conformance.main(list(args))
            except SystemExit as exit_:  # argparse
                code = int(exit_.code or 0)
    finally:
        sys.stdin = saved
    return subprocess.CompletedProcess(
        ["pybpf-conformance-plugin", *args], code, out.getvalue(), err.getvalue()
    )


def in_subprocess(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pybpf.cli.conformance", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
