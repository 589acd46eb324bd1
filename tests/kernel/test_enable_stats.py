"""BPF_ENABLE_STATS and the run statistics in ``bpf_prog_info``, on both backends and both engines.

Linux 6.18's answers: BPF_STATS_RUN_TIME is the only type (others EINVAL, as a non-zero byte past
``enable_stats.type``); while an fd is open every run counts (each repeat of a test run), with a
non-zero ``run_time_ns``; once the last fd is closed nothing more is counted; ``recursion_misses``
stays 0.  In pybpf the key is shared across processes, like the kernel's static key.
"""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

import pybpf
from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.libbpf import bpf_enable_stats
from pybpf.program import Program

pytestmark = pytest.mark.usefixtures("engine", "kernel_stats_alone")

STATS_LOCK = "/tmp/pybpf-tests-bpf-stats.lock"
"""Tests that turn the kernel's statistics on hold this file locked: the kernel's key is global, so
one test's fd would count the runs another expects not to be counted."""


@pytest.fixture
def kernel_stats_alone(request: pytest.FixtureRequest) -> Iterator[None]:
    """On the native backend, no other pybpf test holds a BPF_ENABLE_STATS fd meanwhile."""
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    if params.get("backend") != "native":
        yield
        return
    fd = os.open(STATS_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


PACKET = bytes(64)
LOOP = """
r0 = 0
r1 = 20
loop:
r0 += r1
r1 -= 1
if r1 != 0 goto loop
exit
"""


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


def _counts(prog: Program) -> tuple[int, int, int]:
    info = prog.info()
    return info.run_time_ns, info.run_cnt, info.recursion_misses


@pytest.mark.parametrize("source", ["r0 = 0\nexit", LOOP], ids=["exit", "loop"])
def test_runs_are_counted_while_an_fd_is_open(backend: Backend, source: str) -> None:
    prog = Program.load(source, "socket_filter", backend=backend)
    prog.run(PACKET, repeat=3)
    assert _counts(prog) == (0, 0, 0)
    with pybpf.enable_stats(backend=backend):
        prog.run(PACKET, repeat=5)
        run_time, count, misses = _counts(prog)
        assert count == 5
        assert run_time > 0
        assert misses == 0
        prog.run(PACKET)
        assert _counts(prog)[1] == 6
        assert prog.run_stats()[1] == 6
    prog.run(PACKET, repeat=4)
    assert _counts(prog)[1] == 6


def test_the_key_stays_on_while_any_fd_is_open(backend: Backend) -> None:
    prog = Program.load("r0 = 0\nexit", "socket_filter", backend=backend)
    first = bpf_enable_stats(backend=backend)
    second = bpf_enable_stats(backend=backend)
    try:
        os.close(first)
        prog.run(PACKET)
        assert _counts(prog)[1] == 1
        copy = os.dup(second)
        os.close(second)
        second = copy
        prog.run(PACKET)
        assert _counts(prog)[1] == 2
    finally:
        os.close(second)
    prog.run(PACKET)
    assert _counts(prog)[1] == 2


def test_the_stats_fd(backend: Backend) -> None:
    fd = bpf_enable_stats(backend=backend)
    try:
        assert os.get_inheritable(fd) is False
        assert os.fstat(fd)  # an open fd, read-only
        assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY
    finally:
        os.close(fd)


@pytest.mark.parametrize("stats_type", [1, 2, 0xFFFFFFFF])
def test_unknown_types(backend: Backend, stats_type: int) -> None:
    assert _errno(lambda: bpf_enable_stats(stats_type, backend=backend)) == errno.EINVAL


def test_attr_tail(backend: Backend) -> None:
    raw = bytearray(bytes(uapi.bpf_attr()))
    raw[4] = 1
    assert _errno(lambda: backend.bpf(uapi.BPF_ENABLE_STATS, raw)) == errno.EINVAL


def test_the_key_is_shared_with_other_processes(backend: Backend) -> None:
    """An fd another process holds turns counting on here; its exit turns it off."""
    if backend.name != "user":
        pytest.skip("pybpf's cross-process key")
    prog = Program.load("r0 = 0\nexit", "socket_filter", backend=backend)
    code = (
        "import sys; from pybpf.libbpf import bpf_enable_stats; fd = bpf_enable_stats(); "
        "print('on', flush=True); sys.stdin.readline()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "on"
        prog.run(PACKET, repeat=2)
        assert _counts(prog)[1] == 2
    finally:
        assert child.stdin is not None
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(timeout=60)
    prog.run(PACKET)
    assert _counts(prog)[1] == 2


def test_runs_in_another_process_are_counted(backend: Backend) -> None:
    """The statistics are the program's: a run in a child adds to what the parent reads."""
    if backend.name != "user":
        pytest.skip("pybpf's cross-process statistics")
    prog = Program.load("r0 = 0\nexit", "socket_filter", backend=backend)
    with pybpf.enable_stats(backend=backend):
        code = f"from pybpf.program import Program; Program.from_id({prog.id}).run(bytes(64), repeat=7)"
        subprocess.run([sys.executable, "-c", code], check=True)
        assert _counts(prog)[1] == 7
