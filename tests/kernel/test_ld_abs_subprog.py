"""A legacy packet load that fails inside a bpf-to-bpf function returns 0 from that function only.

The kernel rewrites every LD_ABS/LD_IND (``do_misc_fixups`` -> ``bpf_gen_ld_abs``, net/core/filter.c)
into a call of ``bpf_skb_load_helper_*`` followed, when it fails, by ``r0 = 0; exit`` -- a plain
exit of the function the load is in.  In the main program that ends the run with 0; in a
subprogram (allowed only with BTF saying it returns ``int``: check_btf_func) it returns 0 to the
caller, which goes on with its r6-r9 and stack intact.  The verifier models this since the fix of
the selftests' verifier_ld_ind.c ("ld_abs: subprog early exit on ld_abs failure").

Each program is loaded with func_info BTF (the corpus loader, ``btf: func_info`` or
``global_subprogs``) and run through BPF_PROG_TEST_RUN on a short packet (the load fails) and a
long one (it succeeds), on pybpf (every engine: the ``engine`` fixture) and on the kernel, which
must answer the same; the kernel half is skipped where bpf(2) is unavailable.  The values asserted
are the kernel's (Linux 6.18).
"""

from __future__ import annotations

import os

import pytest

from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.libbpf import TestRunOpts, bpf_prog_test_run_opts
from tests.verifier.verifier_corpus import Program, load_fd

pytestmark = pytest.mark.usefixtures("engine")

SHORT, LONG = bytes(64), bytes(range(256))
"""Packets the loads at offset 200 miss and reach."""

ABS_IN_FUNCTION = """
    r6 = r1
    r7 = 5
    *(u64 *)(r10 - 8) = r7
    call f
    r1 = *(u64 *)(r10 - 8)
    r0 += r1
    r0 += r7
    r0 += 100
    exit
f:
    r6 = r1
    r7 = 9
    r0 = *(u8 *)skb[200]
    r0 = 7
    exit
"""
"""Failed: f returns 0 and the caller adds its own r7 and stack slot (5 + 5 + 100)."""

IND_IN_FUNCTION = """
    r6 = r1
    r7 = 5
    call f
    r0 += r7
    r0 += 100
    exit
f:
    r6 = r1
    r8 = 150
    r0 = *(u16 *)skb[r8 + 50]
    r0 = 7
    exit
"""

TWO_DEEP = """
    r6 = r1
    call g
    r0 += 1000
    exit
g:
    r6 = r1
    call f
    r0 += 100
    exit
f:
    r6 = r1
    r0 = *(u32 *)skb[200]
    r0 = 7
    exit
"""
"""Only the innermost function returns early: g and the main program go on (1100)."""

IN_MAIN = """
    r6 = r1
    call f
    r0 = *(u8 *)skb[200]
    r0 = 3
    exit
f:
    r0 = 1
    exit
"""
"""A failed load in the main program ends the run with 0."""

GLOBAL_FUNCTION = """
    r6 = r1
    r7 = 5
    call f
    r0 += r7
    r0 += 100
    exit
f:
    r6 = r1
    r0 = *(u8 *)skb[200]
    r0 = 7
    exit
"""
"""The same in a global function (verified on its own, with the ctx as its argument)."""


def _run(program: Program, backend: Backend, packet: bytes, repeat: int = 1) -> int:
    fd, err, log = load_fd(program, backend)
    assert fd >= 0, (err, log)
    try:
        opts = TestRunOpts(data_in=packet, repeat=repeat)
        bpf_prog_test_run_opts(fd, opts, backend=backend)
        return opts.retval
    finally:
        os.close(fd)


def _both(
    text: str, packet: bytes, *, btf: str = "func_info", protos: tuple[str, ...] = (), repeat: int = 1
) -> int:
    """pybpf's retval, after checking that it is the kernel's where bpf(2) works."""
    program = Program(
        name="ld_abs_subprog", theme="", prog_type="socket_filter", text=text, btf=btf, protos=protos
    )
    mine = _run(program, UserBackend(), packet, repeat)
    if kernel_bpf_available():
        assert mine == _run(program, NativeBackend(), packet, repeat)
    return mine


@pytest.mark.parametrize(
    ("text", "failed", "loaded"), [(ABS_IN_FUNCTION, 110, 117), (IND_IN_FUNCTION, 105, 112)]
)
def test_failed_load_returns_zero_to_the_caller(text: str, failed: int, loaded: int) -> None:
    assert _both(text, SHORT) == failed
    assert _both(text, LONG) == loaded


def test_failed_load_two_functions_deep_returns_to_the_inner_caller() -> None:
    assert _both(TWO_DEEP, SHORT) == 1100
    assert _both(TWO_DEEP, LONG) == 1107


def test_failed_load_in_the_main_program_ends_the_run() -> None:
    assert _both(IN_MAIN, SHORT) == 0
    assert _both(IN_MAIN, LONG) == 3


def test_failed_load_in_a_global_function_returns_to_the_caller() -> None:
    protos = ("int f1(struct __sk_buff *ctx)",)
    assert _both(GLOBAL_FUNCTION, SHORT, btf="global_subprogs", protos=protos) == 105
    assert _both(GLOBAL_FUNCTION, LONG, btf="global_subprogs", protos=protos) == 112


def test_repeated_runs_each_return_to_the_caller() -> None:
    """Test runs with ``repeat`` (the JIT's native repeat loop): every run goes on in the caller."""
    assert _both(ABS_IN_FUNCTION, SHORT, repeat=5) == 110
