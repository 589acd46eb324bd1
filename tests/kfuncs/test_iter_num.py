"""bpf_iter_num_new/next/destroy run by pybpf's engines as by the kernel (kernel/bpf/bpf_iter.c).

Each program makes an iterator over [start, end), walks it to the end and returns one thing it saw:
new()'s result, the number of values, their sum or the last one.  The same program runs on both
engines and, where bpf(2) works, on the kernel; the answers must be the kernel's.
"""

from __future__ import annotations

import errno

import pytest

import pybpf
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.uapi import BPF_MAX_LOOPS

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

INT_MAX, INT_MIN = 2**31 - 1, -(2**31)
RANGES = [
    (0, 10),
    (-5, 5),
    (7, 7),
    (7, 3),
    (INT_MAX - 3, INT_MAX),
    (INT_MIN, INT_MIN + 3),
    (0, BPF_MAX_LOOPS + 1),
]
WHAT = {
    "ret": "r0 = r9",
    "count": "r0 = r6",
    "sum": "r0 = r7",
    "last": "r0 = r8",
}


def program(start: int, end: int, what: str) -> str:
    k = kernel_btf()
    new, nxt, destroy = (k.func_id(f"bpf_iter_num_{n}") for n in ("new", "next", "destroy"))
    return f"""
        r6 = 0
        r7 = 0
        r8 = -1
        r1 = r10
        r1 += -8
        r2 = {start}
        r3 = {end}
        call kfunc({new})
        r9 = r0
    loop:
        r1 = r10
        r1 += -8
        call kfunc({nxt})
        if r0 == 0 goto done
        r8 = *(u32 *)(r0 + 0)
        r6 += 1
        r7 += r8
        goto loop
    done:
        r1 = r10
        r1 += -8
        call kfunc({destroy})
        {WHAT[what]}
        exit
    """


def expected(start: int, end: int, what: str) -> int:
    """The kernel's answer, from the documented semantics (for machines without bpf(2))."""
    if start > end:
        values, ret = [], -errno.EINVAL
    elif end - start > BPF_MAX_LOOPS:
        values, ret = [], -errno.E2BIG
    else:
        values, ret = list(range(start, end)), 0
    answer = {
        "ret": ret,
        "count": len(values),
        "sum": sum(v & 0xFFFFFFFF for v in values),
        "last": values[-1] & 0xFFFFFFFF if values else -1,
    }[what]
    return answer & 0xFFFFFFFF


@pytest.mark.parametrize("what", sorted(WHAT))
@pytest.mark.parametrize("bounds", RANGES, ids=[f"{a}..{b}" for a, b in RANGES])
def test_iter_num_results(bounds: tuple[int, int], what: str) -> None:
    start, end = bounds
    src = program(start, end, what)
    with pybpf.Program.load(src, "xdp", name="iter_num") as prog:
        got = prog.run(bytes(64)).retval
    assert got == expected(start, end, what)
    if kernel_bpf_available():
        with pybpf.Program.load(src, "xdp", name="iter_num", backend=NativeBackend()) as prog:
            assert prog.run(bytes(64)).retval == got


def test_unimplemented_kfunc_faults_at_run_time() -> None:
    """A call the verifier never saw (a raw interpreter run) of an id pybpf implements nothing for
    faults at the call."""
    from pybpf.errors import ExecutionError
    from pybpf.isa.asm import assemble
    from pybpf.vm.interpreter import Interpreter

    interp = Interpreter(assemble("call kfunc(1)\nexit", "kernel"))
    with pytest.raises(ExecutionError, match="pybpf implements no such kernel function"):
        interp.run()


def test_an_int_result_is_zero_extended_in_r0() -> None:
    """bpf_iter_num_new() returns an ``int``: r0 holds -EINVAL as 0xffffffea, the upper half zero,
    as the kernel's compiled kfunc leaves rax (measured on the kernel below)."""
    k = kernel_btf()
    new, destroy = (k.func_id(f"bpf_iter_num_{n}") for n in ("new", "destroy"))
    src = f"""
        r1 = r10
        r1 += -8
        r2 = 7
        r3 = 3
        call kfunc({new})
        r6 = r0
        r1 = r10
        r1 += -8
        call kfunc({destroy})
        r0 = r6
        r0 >>= 32
        if w6 != -22 goto out
        r0 += 100
    out:
        exit
    """
    with pybpf.Program.load(src, "xdp", name="iter_zext") as prog:
        assert prog.run(bytes(64)).retval == 100
    if kernel_bpf_available():
        with pybpf.Program.load(src, "xdp", name="iter_zext", backend=NativeBackend()) as prog:
            assert prog.run(bytes(64)).retval == 100
