"""RAW_TRACEPOINT and SYSCALL programs: ctx access rules, helpers, and test_run against the kernel."""

from __future__ import annotations

import errno
import os
import struct

import pytest

import pybpf
from pybpf.errors import BPFError
from pybpf.kernel.native import kernel_bpf_available
from pybpf.progtypes import TestRunArgs, get_prog_type
from pybpf.progtypes.generic import RawTracepointProgType, SyscallProgType
from tests.progtypes import kernel_run
from tests.progtypes.runner import TinyRunner

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")
RAW_TP, SYSCALL = 17, 31
SLEEPABLE = kernel_run.BPF_F_SLEEPABLE


def raw_tp() -> RawTracepointProgType:
    prog_type = get_prog_type(RAW_TP)
    assert isinstance(prog_type, RawTracepointProgType)
    return prog_type


def syscall() -> SyscallProgType:
    prog_type = get_prog_type(SYSCALL)
    assert isinstance(prog_type, SyscallProgType)
    return prog_type


def outcome(prog_type: int, source: str, **kwargs: int | bytes) -> tuple[int, int, bytes | None]:
    """(errno, retval, ctx written back) from pybpf."""
    kind = raw_tp() if prog_type == RAW_TP else syscall()
    runner = TinyRunner(kind, pybpf.assemble(source))
    args = TestRunArgs(**kwargs)  # type: ignore[arg-type]
    try:
        kind.check_test_run_attr(args)
        result = kind.test_run(runner, args)
    except BPFError as err:
        return err.errno or 0, 0, None
    return 0, result.retval, result.ctx_out


def kernel_outcome(prog_type: int, source: str, **kwargs: int | bytes) -> tuple[int, int, bytes | None]:
    flags = SLEEPABLE if prog_type == SYSCALL else 0
    fd = kernel_run.load(pybpf.assemble(source), prog_type, flags)
    data = kwargs.pop("data_in", b"")
    try:
        done = kernel_run.test_run(fd, data, **kwargs)  # type: ignore[arg-type]
    except BPFError as err:
        return err.errno or 0, 0, None
    finally:
        os.close(fd)
    written = done.ctx_in_after if prog_type == SYSCALL and kwargs.get("ctx_in") else None
    return 0, done.retval, written


def compare(prog_type: int, source: str, **kwargs: int | bytes) -> tuple[int, int, bytes | None]:
    mine = outcome(prog_type, source, **kwargs)
    if kernel_bpf_available():
        assert mine == kernel_outcome(prog_type, source, **kwargs)
    return mine


READ_ARG1 = "r0 = *(u64 *)(r1 + 8)\nexit"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ctx_in": struct.pack("<QQ", 1, 7)},
        {"ctx_in": bytes(96)},
        {"ctx_in": bytes(104)},
        {"ctx_in": bytes(16), "repeat": 2},
        {"ctx_in": bytes(16), "ctx_size_out": 16},
        {"ctx_in": bytes(16), "data_in": b"x" * 20},
        {"ctx_in": bytes(16), "batch_size": 1},
        {"ctx_in": bytes(16), "cpu": 1},
        {"ctx_in": bytes(16), "cpu": 1, "flags": 1},
        {"ctx_in": bytes(16), "cpu": 4096, "flags": 1},
        {"ctx_in": bytes(16), "flags": 6},
    ],
)
def test_raw_tp_test_run(kwargs: dict[str, int | bytes]) -> None:
    if kwargs.get("cpu") == 1 and (os.cpu_count() or 1) < 2:
        pytest.skip("needs two cpus")
    compare(RAW_TP, READ_ARG1, **kwargs)


def test_raw_tp_reads_its_arguments() -> None:
    assert compare(RAW_TP, READ_ARG1, ctx_in=struct.pack("<QQ", 1, 7)) == (0, 7, None)


def test_raw_tp_ctx_must_cover_what_the_program_reads() -> None:
    runner = TinyRunner(raw_tp(), pybpf.assemble(READ_ARG1))
    runner.max_ctx_offset = 16  # type: ignore[attr-defined]
    with pytest.raises(BPFError) as info:
        raw_tp().test_run(runner, TestRunArgs(ctx_in=bytes(8)))
    assert info.value.errno == errno.EINVAL
    if kernel_bpf_available():
        assert kernel_outcome(RAW_TP, READ_ARG1, ctx_in=bytes(8))[0] == errno.EINVAL


BUMP = """
    r2 = *(u32 *)(r1 + 0)
    r2 += 5
    *(u32 *)(r1 + 4) = r2
    r0 = r2
    exit
"""


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ctx_in": struct.pack("<II", 10, 0)},
        {"ctx_in": struct.pack("<II", 10, 0), "flags": 1},
        {"ctx_in": struct.pack("<II", 10, 0), "cpu": 1},
        {"ctx_in": struct.pack("<II", 10, 0), "repeat": 1},
        {"ctx_in": struct.pack("<II", 10, 0), "ctx_size_out": 8},
        {"ctx_in": struct.pack("<II", 10, 0), "batch_size": 8},
        {"ctx_in": struct.pack("<II", 10, 0), "data_in": b"x" * 20},
        {"ctx_in": bytes(65536)},
    ],
)
def test_syscall_test_run(kwargs: dict[str, int | bytes]) -> None:
    compare(SYSCALL, BUMP, **kwargs)


def test_syscall_writes_ctx_back_into_ctx_in() -> None:
    assert compare(SYSCALL, BUMP, ctx_in=struct.pack("<II", 10, 0)) == (0, 15, struct.pack("<II", 10, 15))


def test_syscall_without_ctx() -> None:
    assert compare(SYSCALL, "r0 = 3\nexit") == (0, 3, None)


def test_access_rules() -> None:
    assert raw_tp().is_valid_access(88, 8, False)
    assert raw_tp().is_valid_access(4, 4, False)
    assert not raw_tp().is_valid_access(96, 8, False)
    assert not raw_tp().is_valid_access(0, 8, True)
    assert not raw_tp().is_valid_access(3, 2, False)
    assert syscall().is_valid_access(8, 8, True)
    assert not syscall().is_valid_access(2, 4, False)
    assert not syscall().is_valid_access(-8, 8, False)


@needs_kernel
@pytest.mark.parametrize(("prog_type", "flags"), [(RAW_TP, 0), (SYSCALL, SLEEPABLE)])
def test_access_rules_match_the_kernel(prog_type: int, flags: int) -> None:
    kind = raw_tp() if prog_type == RAW_TP else syscall()
    for off in (-8, 0, 2, 3, 4, 8, 88, 92, 96, 200):
        for size in (1, 2, 4, 8):
            for write in (False, True):
                expected = kernel_run.access_allowed(prog_type, off, size, write, flags)
                assert kind.is_valid_access(off, size, write) == expected, (off, size, write)


@needs_kernel
@pytest.mark.parametrize(("prog_type", "flags"), [(RAW_TP, 0), (SYSCALL, SLEEPABLE)])
def test_func_allowed_matches_the_kernel(prog_type: int, flags: int) -> None:
    kind = raw_tp() if prog_type == RAW_TP else syscall()
    kernel = {h for h in range(1, 212) if kernel_run.helper_allowed(prog_type, h, flags)}
    mine = {h for h in range(1, 212) if kind.func_allowed(h)}
    assert mine == kernel, (sorted(mine - kernel), sorted(kernel - mine))
