"""What compiling a program costs LLVM, in straight-line instructions: the one measure the JIT's
budget (``pybpf.jit.codegen.check_budget``) and the lowering's loop copies (``pybpf.jit.lower``)
both bound.

pybpf's own model (the kernel's JIT compiles in one linear pass and needs none): LLVM's time grows
with a function's instructions and, faster, with its blocks and its memory accesses checked at run
time.
"""

from __future__ import annotations

BLOCK_COST = 50
"""What one block costs LLVM, in straight-line instructions (measured: a program of only jumps or
of a long ``if r1 == k goto`` chain against straight-line code of the same size)."""
CHECKED_ACCESS_COST = 40
"""What one memory access lowered with its run-time check costs, in straight-line instructions (its
lowering, printing and light compilation: 0.6-1.5 ms each against 0.03 ms for an ALU instruction)."""


def compile_cost(instructions: int, blocks: int, checked: int = 0) -> int:
    """What compiling a program costs, in straight-line instructions (``checked``: its memory accesses
    lowered with a run-time check)."""
    return instructions + BLOCK_COST * blocks + CHECKED_ACCESS_COST * checked
