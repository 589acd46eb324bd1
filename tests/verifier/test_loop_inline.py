"""bpf_loop calls inlined (pybpf.verifier.loop_inline, the kernel's optimize_bpf_loop()): the xlated
program and what it runs, compared with Linux 6.18.

A call fit for inlining (flags known to be 0, one callback on every visit) becomes 19 instructions
that spill r6-r8 below the subprogram's stack and call the callback as a bpf-to-bpf function; the
xlated program holds that sequence with the kernel's stack offsets (test_verifier's
bpf_loop_inline.c asks for them), and running it gives what the kernel's gives: the iteration count,
the callback's early stop, -E2BIG past BPF_MAX_LOOPS, r6-r8 kept.  A call that is not fit (flags
unknown) stays a helper call.
"""

from __future__ import annotations

import ctypes
import os
import struct

import pytest

from pybpf import uapi
from pybpf.isa.instruction import decode_program, encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.libbpf import TestRunOpts, bpf_prog_get_info_by_fd, bpf_prog_test_run_opts
from pybpf.verifier.loop_inline import inlined_loop
from tests.verifier import verifier_corpus as vc

Insn = tuple[int, int, int, int]

# r6-r8 hold values the loop must give back; the callback counts its calls in the context (a stack
# area of the caller: the count at +8, the stop value at +4) and stops the loop at the stop value
LOOP = """
    r6 = 1000
    r7 = 2000
    r8 = 3000
    {prologue}
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = 5
    *(u32 *)(r10 - 12) = r1
    r1 = {loops} ll
    r2 = func(callback) ll
    r3 = r10
    r3 += -16
    r4 = {flags}
    call bpf_loop
    r1 = *(u64 *)(r10 - 8)
    r1 *= 100
    r0 += r1
    r0 += r6
    r0 += r7
    r0 += r8
    exit
callback:
    r3 = *(u64 *)(r2 + 8)
    r3 += 1
    *(u64 *)(r2 + 8) = r3
    r4 = *(u32 *)(r2 + 4)
    r0 = 0
    if r3 < r4 goto +1
    r0 = 1
    exit
"""


def _program(loops: int, *, flags_known: bool = True) -> vc.Program:
    prologue = "" if flags_known else "call bpf_get_prandom_u32\n    r9 = r0\n    r9 &= 1"
    text = LOOP.format(prologue=prologue, loops=loops, flags="0" if flags_known else "r9")
    return vc.Program(f"loop_{loops}", "loop_inline", "socket_filter", text, btf="func_info")


def _xlated(backend: Backend, fd: int) -> list[Insn]:
    size = int(bpf_prog_get_info_by_fd(fd, backend=backend).xlated_prog_len)
    buf = ctypes.create_string_buffer(size)
    info = uapi.bpf_prog_info()
    info.xlated_prog_len, info.xlated_prog_insns = size, ctypes.addressof(buf)
    bpf_prog_get_info_by_fd(fd, info, backend=backend)
    return [struct.unpack_from("<BBhi", buf.raw, i) for i in range(0, size, 8)]


def _load_and_run(program: vc.Program, backend: Backend) -> tuple[int, list[Insn]]:
    fd, err, log = vc.load_fd(program, backend)
    assert fd >= 0, (err, log)
    try:
        opts = TestRunOpts(data_in=bytes(64), repeat=1)
        bpf_prog_test_run_opts(fd, opts, backend=backend)
        return opts.retval, _xlated(backend, fd)
    finally:
        os.close(fd)


def _spills(xlated: list[Insn]) -> list[tuple[int, int]]:
    """(register, offset) of the stores of r6-r8 to r10's stack (the inlined loops' spills)."""
    stx = uapi.BPF_STX | uapi.BPF_MEM | uapi.BPF_DW
    return [
        (regs >> 4, off)
        for code, regs, off, _ in xlated
        if code == stx and regs & 0xF == 10 and regs >> 4 in (6, 7, 8)
    ]


def _helper_calls(xlated: list[Insn]) -> int:
    return sum(1 for code, regs, _, _ in xlated if code == uapi.BPF_JMP | uapi.BPF_CALL and regs >> 4 == 0)


def test_the_inlined_sequence_is_the_kernels_shape() -> None:
    seq = inlined_loop(-24)
    assert len(seq) == 19
    assert seq[12].src == uapi.BPF_PSEUDO_CALL
    assert [(i.dst, i.src, i.off) for i in seq[3:6]] == [(10, 6, -24), (10, 7, -16), (10, 8, -8)]
    assert seq[2].off == 16  # past the last instruction of the sequence
    assert seq[14].off == -6  # back to the loop header
    assert decode_program(encode_program(seq)) == seq


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("loops", [0, 3, 5, 9, uapi.BPF_MAX_LOOPS + 1])
def test_an_inlined_loop_runs_as_on_the_kernel(loops: int, kernel: bool) -> None:
    program = _program(loops)
    mine, my_xlated = _load_and_run(program, UserBackend())
    theirs, their_xlated = _load_and_run(program, NativeBackend())
    assert mine == theirs
    assert _helper_calls(my_xlated) == _helper_calls(their_xlated) == 0  # the bpf_loop call is gone
    assert _spills(my_xlated) == _spills(their_xlated) == [(6, -40), (7, -32), (8, -24)]


def test_flags_not_known_keep_the_helper_call(kernel: bool) -> None:
    program = _program(3, flags_known=False)
    _, my_xlated = _load_and_run(program, UserBackend())
    _, their_xlated = _load_and_run(program, NativeBackend())
    assert _spills(my_xlated) == _spills(their_xlated) == []
    assert _helper_calls(my_xlated) == _helper_calls(their_xlated) == 2  # bpf_get_prandom_u32, bpf_loop
