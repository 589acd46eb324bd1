"""Shared plumbing of the skb program-type tests (no tests here): run one program on pybpf and on
the kernel with BPF_PROG_TEST_RUN and compare retval, data_out and ctx_out."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction
from pybpf.kernel.native import kernel_bpf_available
from pybpf.progtypes import TestRunArgs, get_prog_type
from pybpf.progtypes.skb import SK_BUFF_SIZE
from tests.progtypes import kernel_run
from tests.progtypes.runner import TinyRunner

SOCKET_FILTER, SCHED_CLS, SCHED_ACT = 1, 3, 4
SKB_TYPES = (SOCKET_FILTER, SCHED_CLS, SCHED_ACT)
IPV4_UDP = (
    bytes.fromhex(
        "00000000000002000000000108004500002e00014000401126bc0a0000010a000002"  # eth + ipv4 (csum ok)
        "303900350016c3b4"  # udp 12345 -> 53, len 22
    )
    + b"payload-14byte"
)
ETH_ONLY = bytes.fromhex("ffffffffffff0200000000010806") + bytes(28)

needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")


@dataclass
class Outcome:
    """What one BPF_PROG_TEST_RUN produced, or the errno it failed with."""

    retval: int = 0
    data_out: bytes | None = None
    ctx_out: bytes | None = None
    errno: int = 0


def run_pybpf(
    prog_type: int,
    program: Sequence[Instruction],
    data: bytes,
    ctx_in: bytes | None = None,
    *,
    ctx_out: bool = True,
    repeat: int = 0,
) -> Outcome:
    kind = get_prog_type(prog_type)
    assert kind is not None
    args = TestRunArgs(
        data_in=data,
        data_size_out=4096,
        ctx_in=ctx_in,
        ctx_size_out=SK_BUFF_SIZE if ctx_out else 0,
        repeat=repeat,
    )
    try:
        kind.check_test_run_attr(args)
        result = kind.test_run(TinyRunner(kind, program), args)
    except BPFError as err:
        return Outcome(errno=err.errno or 0)
    return Outcome(result.retval, result.data_out, result.ctx_out if ctx_out else None)


def run_kernel(
    prog_type: int,
    program: Sequence[Instruction],
    data: bytes,
    ctx_in: bytes | None = None,
    *,
    ctx_out: bool = True,
    repeat: int = 0,
) -> Outcome:
    fd = kernel_run.load(program, prog_type)
    try:
        run = kernel_run.test_run(
            fd,
            data,
            data_size_out=4096,
            ctx_in=ctx_in,
            ctx_size_out=SK_BUFF_SIZE if ctx_out else 0,
            repeat=repeat,
        )
    except BPFError as err:
        return Outcome(errno=err.errno or 0)
    finally:
        os.close(fd)
    return Outcome(run.retval, run.data_out, run.ctx_out if ctx_out else None)


def compare(
    prog_type: int,
    program: Sequence[Instruction],
    data: bytes = IPV4_UDP,
    ctx_in: bytes | None = None,
    *,
    ctx_out: bool = True,
    repeat: int = 0,
) -> Outcome:
    """Run on both; assert the same outcome and return it."""
    mine = run_pybpf(prog_type, program, data, ctx_in, ctx_out=ctx_out, repeat=repeat)
    theirs = run_kernel(prog_type, program, data, ctx_in, ctx_out=ctx_out, repeat=repeat)
    assert mine == theirs, f"pybpf {mine} != kernel {theirs}"
    return mine


def ctx_with(**fields: object) -> bytes:
    """A __sk_buff with the given fields set (cb as a list of five u32)."""
    from pybpf.uapi import sk_buff

    skb = sk_buff()
    for name, value in fields.items():
        if name == "cb":
            for i, word in enumerate(value):  # type: ignore[arg-type]
                skb.cb[i] = word
        else:
            setattr(skb, name, value)
    return bytes(ctypes.string_at(ctypes.addressof(skb), SK_BUFF_SIZE))
