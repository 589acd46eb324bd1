"""Test runs of verified programs end as the kernel's do, however many instructions they take.

The kernel never stops a run of a program its verifier accepted; pybpf gives such runs
``VERIFIED_BUDGET`` (``pybpf.vm.runtime``), not the raw VM's ``DEFAULT_BUDGET`` of 10 million units,
which a may_goto loop spending its counter exceeds (``cond_break`` / ``can_loop`` of the kernel's
bpf_experimental.h: 2**23 iterations of at least two instructions).  Found by the kernel's 6.12
selftests (verifier_iterating_callbacks.c: ja_and_may_goto, cond_break4 and 5 ...), where pybpf's
test runs failed with EFAULT ("instruction budget ... exhausted"); jlt_and_may_goto also called
``bpf_jiffies64``, which pybpf did not implement.

Each program runs on the kernel and on each of pybpf's engines: the interpreter, the JIT and both
tiered (``auto``).  How many times a may_goto loop goes round is the one release-specific part: the
6.18 kernel on x86-64 bounds it by time (``bpf_check_timed_may_goto``: a quarter of a second per
function call), pybpf by count, as the kernel's rewrite without timed may_goto does
(``BPF_MAX_LOOPS`` per function call) -- so the kernel's count is only checked to be large.
"""

from __future__ import annotations

import pytest

from pybpf import Program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from pybpf.libbpf import TestRunOpts, bpf_prog_test_run_opts
from pybpf.vm.runtime import DEFAULT_BUDGET, MAY_GOTO_LOOPS

ENGINES = ("interpreter", "jit", "auto")

COUNT_LOOPS = """
    r0 = 0
loop:
    may_goto +2
    r0 += 1
    goto loop
    exit
"""
"""Counts the iterations of a may_goto loop until its counter is spent (3 instructions each)."""

MAIN_AND_SUBPROG = """
    r6 = *(u32 *)(r1 + 0)
loop:
    may_goto +2
    r6 += 1
    goto loop
    call sub
    r7 = 0
    if r6 < 66 goto out
    if r0 < 66 goto out
    r7 = 1
out:
    r0 = r7
    exit
sub:
    r0 = *(u32 *)(r1 + 0)
again:
    may_goto +2
    r0 += 1
    goto again
    exit
"""
"""selftests' cond_break5: the main program and a subprogram each loop until their own counter is
spent (each function call has one), counting from skb->len (64, unknown to the verifier, which
then need not walk each count); 1 when both went round more than once."""


JIFFIES_LOOP = """
loop:
    call bpf_jiffies64
    may_goto +1
    if r0 < 10 goto loop
    r0 = 0
    exit
"""
"""selftests' jlt_and_may_goto: jiffies are never below 10 (they start at -300 s in ticks, as u32)."""

JIFFIES_16 = "call bpf_jiffies64\nr0 >>= 4\nexit"
"""jiffies_64 in units of 16 ticks: the low 32 bits of the result hold all of it for years."""


@pytest.fixture(params=ENGINES)
def engine3(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv(ENGINE_VARIABLE, name)
    return name


def kernel() -> NativeBackend:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return NativeBackend()


def run(source: str, backend: Backend) -> int:
    with Program.load(source, "socket_filter", backend=backend) as program:
        return program.run(bytes(64)).retval


@pytest.mark.slow
@pytest.mark.usefixtures("engine3")
def test_may_goto_loop_spends_its_counter_beyond_the_default_budget() -> None:
    assert 3 * MAY_GOTO_LOOPS > DEFAULT_BUDGET  # what this test is about
    assert run(COUNT_LOOPS, UserBackend()) == MAY_GOTO_LOOPS
    assert run(COUNT_LOOPS, kernel()) > 1


@pytest.mark.parametrize("backend", [UserBackend, NativeBackend])
def test_may_goto_in_main_and_subprogram_through_the_attr(
    backend: type[Backend], monkeypatch: pytest.MonkeyPatch
) -> None:
    """BPF_PROG_TEST_RUN through the bpf_attr (the JIT: 2**24 iterations in all)."""
    monkeypatch.setenv(ENGINE_VARIABLE, "jit")
    on = backend() if backend is UserBackend else kernel()
    with Program.load(MAIN_AND_SUBPROG, "socket_filter", backend=on) as program:
        opts = TestRunOpts(data_in=bytes(64), data_out=bytearray(256), data_size_out=256, repeat=1)
        bpf_prog_test_run_opts(program.fd, opts, backend=on)
    assert opts.retval == 1


@pytest.mark.usefixtures("engine3")
def test_jiffies_loop_returns_at_once() -> None:
    assert run(JIFFIES_LOOP, UserBackend()) == 0
    assert run(JIFFIES_LOOP, kernel()) == 0


@pytest.mark.usefixtures("engine3")
def test_jiffies64_reads_the_kernels_jiffies() -> None:
    native = kernel()
    before = run(JIFFIES_16, native)
    mine = run(JIFFIES_16, UserBackend())
    after = run(JIFFIES_16, native)
    assert before - 1 <= mine <= after + 1, (before, mine, after)
