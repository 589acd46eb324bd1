"""Run one XDP program through pybpf's XdpProgType.test_run and through the kernel, and compare."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pybpf
from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.kernel.native import kernel_bpf_available
from pybpf.progtypes import TestRunArgs, TestRunResult, get_prog_type
from pybpf.progtypes.xdp import XdpProgType
from tests.kernel_build import build_refuses_xdp_live_frames, refused_in
from tests.progtypes import kernel_run
from tests.progtypes.runner import TinyRunner

XDP = 6
OUT_SIZE = 80_000


def xdp_type() -> XdpProgType:
    prog_type = get_prog_type(XDP)
    assert isinstance(prog_type, XdpProgType)
    return prog_type


def program(source: str | Sequence[Instruction]) -> list[Instruction]:
    return pybpf.assemble(source) if isinstance(source, str) else list(source)


@dataclass
class Outcome:
    """retval, full data_out, ctx_out (None when none) — or the errno of a refusal."""

    errno: int = 0
    retval: int = 0
    data_out: bytes = b""
    ctx_out: bytes | None = None


def run_pybpf(
    source: str | Sequence[Instruction],
    data: bytes,
    resolved: Mapping[int, int] | None = None,
    **kwargs: int | bytes,
) -> Outcome:
    runner = TinyRunner(xdp_type(), program(source), resolved=resolved, ctx_regs=(1, 6))
    args = TestRunArgs(data_in=data, data_size_out=OUT_SIZE, **kwargs)  # type: ignore[arg-type]
    try:
        xdp_type().check_test_run_attr(args)
        result: TestRunResult = xdp_type().test_run(runner, args)
    except BPFError as err:
        return Outcome(errno=err.errno or 0)
    return Outcome(0, result.retval, result.data_out or b"", result.ctx_out)


def run_kernel(source: str | Sequence[Instruction], data: bytes, **kwargs: int | bytes) -> Outcome:
    fd = kernel_run.load(program(source), XDP)
    try:
        ctx_size_out = int(kwargs.get("ctx_size_out", 0))  # type: ignore[call-overload]
        done = kernel_run.test_run(fd, data, data_size_out=OUT_SIZE, **kwargs)  # type: ignore[arg-type]
    except BPFError as err:
        return Outcome(errno=err.errno or 0)
    finally:
        os.close(fd)
    assert done.data_size_out <= OUT_SIZE
    return Outcome(
        0, done.retval, done.data_out, done.ctx_out if ctx_size_out or "ctx_in" in kwargs else None
    )


def compare(source: str | Sequence[Instruction], data: bytes, **kwargs: int | bytes) -> Outcome:
    """pybpf's outcome, asserted equal to the kernel's where the kernel is available (and its build
    lets XDP programs call the program's helpers and runs live frames, as Linux 6.18 does:
    ``tests.kernel_build``)."""
    mine = run_pybpf(source, data, **kwargs)
    live = int(kwargs.get("flags", 0)) & uapi.BPF_F_TEST_XDP_LIVE_FRAMES  # type: ignore[call-overload]
    if (
        kernel_bpf_available()
        and not refused_in(source, XDP)
        and not (live and build_refuses_xdp_live_frames())
    ):
        theirs = run_kernel(source, data, **kwargs)
        if theirs.ctx_out == b"" and mine.ctx_out is None:
            theirs.ctx_out = None
        assert mine == theirs
    return mine
