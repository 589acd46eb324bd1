"""``pybpf prog show`` prints the run statistics as ``bpftool prog show`` does once they are kept.

bpftool adds `` run_time_ns N run_cnt M`` to the header line (and ``run_time_ns`` / ``run_cnt`` to
the JSON, after ``gpl_compatible``) when ``run_time_ns`` is non-zero; compared with bpftool on a
kernel program where both are available.
"""

from __future__ import annotations

import fcntl
import json
import os
import re

import pytest

import pybpf
from pybpf import Program
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.cli.clitools import BPFTOOL, bpftool
from tests.cli.clitools import pybpf as run_pybpf
from tests.kernel.test_enable_stats import STATS_LOCK

SOURCE = "r0 = 2\nexit"
HEADER = re.compile(r"^\d+: socket_filter  tag [0-9a-f]{16}  gpl run_time_ns (\d+) run_cnt (\d+)$")


def test_show_prints_the_run_statistics(capsys: pytest.CaptureFixture[str]) -> None:
    backend = UserBackend()
    with Program.load(SOURCE, "socket_filter", backend=backend) as prog:
        prog.run(bytes(64))
        shown = run_pybpf(capsys, "-j", "prog", "show", "id", prog.id).json()
        assert "run_time_ns" not in shown and "run_cnt" not in shown
        with pybpf.enable_stats(backend=backend):
            prog.run(bytes(64), repeat=3)
        shown = run_pybpf(capsys, "-j", "prog", "show", "id", prog.id).json()
        keys = list(shown)
        assert keys[keys.index("gpl_compatible") + 1 : keys.index("gpl_compatible") + 3] == [
            "run_time_ns",
            "run_cnt",
        ]
        assert shown["run_cnt"] == 3 and shown["run_time_ns"] > 0
        header = run_pybpf(capsys, "prog", "show", "id", prog.id).out.splitlines()[0]
        found = HEADER.match(header)
        assert found is not None and int(found.group(2)) == 3


@pytest.mark.skipif(BPFTOOL is None or not kernel_bpf_available(), reason="needs bpftool and bpf(2)")
def test_bpftool_prints_them_so(capsys: pytest.CaptureFixture[str]) -> None:
    backend = NativeBackend()
    lock = os.open(STATS_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the kernel's key is global: not while another test needs it off
        _show_on_the_kernel(backend)
    finally:
        os.close(lock)


def _show_on_the_kernel(backend: NativeBackend) -> None:
    with Program.load(SOURCE, "socket_filter", backend=backend) as prog:
        with pybpf.enable_stats(backend=backend):
            prog.run(bytes(64), repeat=3)
        kernel = json.loads(bpftool("-j", "prog", "show", "id", prog.id).stdout)
        keys = list(kernel)
        assert keys[keys.index("gpl_compatible") + 1 : keys.index("gpl_compatible") + 3] == [
            "run_time_ns",
            "run_cnt",
        ]
        assert kernel["run_cnt"] == 3
        header = bpftool("prog", "show", "id", prog.id).stdout.splitlines()[0]
        found = HEADER.match(header)
        assert found is not None and int(found.group(2)) == 3
