"""Differential property tests: random verifier-valid programs give the same r0 on pybpf and the kernel.

The kernel (BPF_PROG_LOAD + BPF_PROG_TEST_RUN, r0 recovered through an array map) is the oracle;
pybpf's interpreter runs the very same body followed by ``exit``.  Program shapes are described in
``program_gen``: ALU/ALU64 (every operation, division and modulo by zero, shifts by registers,
sdiv/smod, movsx, byte swaps), JMP/JMP32 conditions in if/else blocks, bounded loops, stack loads and
stores of every size including sign-extending loads, and atomics on the stack.  Every body ends by
folding all registers and the stack window into r0, so any difference in the final state is seen;
hypothesis shrinks a failing program to a minimal one.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.differential.kernel_harness import Comparator, KernelRunner
from tests.differential.profiles import SHARDS, scaled
from tests.differential.program_gen import (
    Const,
    Neg,
    Program,
    alu_ops,
    programs,
    regs,
    u64s,
)

pytestmark = pytest.mark.kernel
sharded = pytest.mark.parametrize("shard", range(SHARDS))

# ALU-heavy operations: more arithmetic per program than the general generator produces.
alu_only = st.one_of(alu_ops(), alu_ops(), st.builds(Neg, st.booleans(), regs), st.builds(Const, regs, u64s))


@sharded
@scaled(1.0, SHARDS)
@given(
    st.builds(
        Program,
        st.tuples(*[u64s] * 10),
        st.just((0, 0, 0, 0)),
        st.lists(alu_only, min_size=1, max_size=16).map(tuple),
    )
)
def test_alu_sequences(differential: Comparator, shard: int, program: Program) -> None:
    differential(program.body())


@sharded
@scaled(1.0, SHARDS)
@given(programs(max_ops=20, control_flow=False))
def test_straight_line_programs(differential: Comparator, shard: int, program: Program) -> None:
    differential(program.body())


@sharded
@scaled(0.75, SHARDS)
@given(programs(max_ops=16, with_loops=False))
def test_programs_with_branches(differential: Comparator, shard: int, program: Program) -> None:
    differential(program.body())


@sharded
@scaled(0.75, SHARDS)
@given(programs(max_ops=16))
def test_programs_with_branches_and_loops(differential: Comparator, shard: int, program: Program) -> None:
    differential(program.body())


@scaled(0.1)
@given(programs(max_ops=8, control_flow=False))
def test_program_type_does_not_matter(
    kernel: KernelRunner, xdp_kernel: KernelRunner, program: Program
) -> None:
    """The harness recovers the same r0 whether it loads the body as SOCKET_FILTER or XDP."""
    body = program.body()
    assert kernel.run(body) == xdp_kernel.run(body)
