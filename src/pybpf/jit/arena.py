"""Arena programs on the JIT: the ``BPF_PROBE_MEM32`` accesses and the cast to address space 1, as LLVM IR.

Mirrors what the x86 JIT emits for arena programs (arch/x86/net/bpf_jit_comp.c, Linux 6.18): a load,
store or atomic the verifier marked ``BPF_PROBE_MEM32`` (``VerifiedProgram.arena_accesses``)
addresses ``kern_vm_start + (u32)reg + off``, and its exception table makes a fault read 0 into the
destination (a fetch too) or drop the store; ``addr_space_cast(rS, 1, 0)`` is ``shl; or; rol; test;
cmove``: 0 stays 0, anything else gets the upper half of the arena's user address.

Here the model is ``pybpf.vm.arena.ArenaWindow``'s, the interpreter's, so both engines agree on every
access, faulting ones included.  The compiled code reads the arena's window from the run state
(``Field.ARENA_*``, set by the session: no per-process address in the code, which stays cacheable):

* ``at = address - ARENA_START`` (the pointer's low 32 bits plus the offset, less the low half of
  the arena's user address); an access of ``size`` bytes with ``at + size <= ARENA_SIZE`` whose
  first and last pages have memory in the arena's page bitmap (``ARENA_BITMAP``, which the arena
  kfuncs keep) is carried out at ``ARENA_PAGES + at`` — the fast path, no call;
* anything else asks Python (``Op.ARENA``: ``ArenaWindow.native_address``): a page user space gave
  memory by touching it is found there (``mincore``) and reached, elsewhere the answer is 0 and
  the access faults the kernel's way — a load reads ``PROBE_ZERO``'s zeros, a store goes to
  ``ARENA_SINK``, an atomic writes nothing and fetches 0;
* a misaligned atomic asks Python as every misaligned atomic does (``Op.ATOMIC``), where the
  runtime carries it out on the arena (``ArenaWindow.atomic``), as the interpreter does.
"""

from __future__ import annotations

from collections.abc import Callable

from llvmlite import ir

from pybpf.isa.words import M32
from pybpf.jit.lower import I8, I64, Lowering
from pybpf.jit.state import Field, Op
from pybpf.objects.files import PAGE

PAGE_SHIFT = PAGE.bit_length() - 1
ARENA_SINK = "bpf_arena_sink"
"""Where a store that faults in the arena writes (8 bytes nobody reads): the kernel drops it."""


def _page_present(lo: Lowering, bitmap: ir.Value, page: ir.Value) -> ir.Value:
    """Bit ``page`` of the arena's page bitmap, as an i64 0 or 1."""
    b = lo.b
    byte = b.load(b.inttoptr(b.add(bitmap, b.lshr(page, lo.const(3))), I8.as_pointer()))
    return b.and_(b.lshr(b.zext(byte, I64), b.and_(page, lo.const(7))), lo.const(1))


def arena_pointer(
    lo: Lowering, address: ir.Value, size: int, slot: int, on_fault: Callable[[], ir.Value] | None = None
) -> ir.Value:
    """The address in this process that the arena access of ``size`` bytes at ``address`` (at
    ``slot``) reaches; where it faults, ``on_fault()`` (emitted on the slow path only, so the fast
    path has no test of its own), or 0 without one."""
    b = lo.b
    at = b.sub(address, lo.load_field(Field.ARENA_START))
    span = lo.load_field(Field.ARENA_SIZE)
    inside = b.and_(b.icmp_unsigned("<=", at, span), b.icmp_unsigned(">=", b.sub(span, at), lo.const(size)))
    pages = lo.new_block("arena_pages")
    fast = lo.new_block("arena_fast")
    slow = lo.new_block("arena_slow")
    done = lo.new_block("arena_done")
    b.cbranch(inside, pages, slow).set_weights([1000, 1])
    lo.continue_in(pages, dominated=True)
    bitmap = lo.load_field(Field.ARENA_BITMAP)
    first = _page_present(lo, bitmap, b.lshr(at, lo.const(PAGE_SHIFT)))
    last = _page_present(lo, bitmap, b.lshr(b.add(at, lo.const(size - 1)), lo.const(PAGE_SHIFT)))
    present = b.icmp_unsigned("!=", b.and_(first, last), lo.const(0))
    b.cbranch(present, fast, slow).set_weights([1000, 1])
    lo.continue_in(fast, dominated=True)
    reached = b.add(lo.load_field(Field.ARENA_PAGES), at)
    b.branch(done)
    lo.continue_in(slow, dominated=True)
    answer = lo.trampoline(Op.ARENA, [address, lo.const(size)], slot)
    if on_fault is not None:
        answer = b.select(b.icmp_unsigned("==", answer, lo.const(0)), on_fault(), answer)
    slow_end = b.block
    b.branch(done)
    lo.continue_in(done)
    pointer = b.phi(I64, name="arena_pointer")
    pointer.add_incoming(reached, fast)
    pointer.add_incoming(answer, slow_end)
    return pointer


def _sink_address(lo: Lowering) -> ir.Value:
    sink = lo.module.globals.get(ARENA_SINK)
    if sink is None:
        sink = ir.GlobalVariable(lo.module, I64, ARENA_SINK)
        sink.linkage, sink.initializer = "internal", ir.Constant(I64, 0)
    return lo.b.ptrtoint(sink, I64)


def arena_load_address(lo: Lowering, address: ir.Value, size: int, slot: int) -> ir.Value:
    """Where the arena load reads: the arena's page, or ``PROBE_ZERO`` (it reads 0) where it faults."""
    return arena_pointer(lo, address, size, slot, lo.zero_address)


def arena_store_address(lo: Lowering, address: ir.Value, size: int, slot: int) -> ir.Value:
    """Where the arena store writes: the arena's page, or ``ARENA_SINK`` (it is dropped) where it faults."""
    return arena_pointer(lo, address, size, slot, lambda: _sink_address(lo))


def arena_or_zero(
    lo: Lowering, address: ir.Value, size: int, slot: int, operate: Callable[[ir.Value], ir.Value]
) -> ir.Value:
    """``operate(pointer)`` (an atomic, emitted in a block of its own) on the arena's page the access
    reaches; where it faults nothing is done and the answer is 0."""
    b = lo.b
    pointer = arena_pointer(lo, address, size, slot)
    before = b.block
    works = lo.new_block("arena_atomic")
    done = lo.new_block("arena_atomic_done")
    b.cbranch(b.icmp_unsigned("!=", pointer, lo.const(0)), works, done).set_weights([1000, 1])
    lo.continue_in(works, dominated=True)
    answer = operate(pointer)
    works_end = b.block
    b.branch(done)
    lo.continue_in(done)
    result = b.phi(I64, name="arena_atomic_result")
    result.add_incoming(answer, works_end)
    result.add_incoming(lo.const(0), before)
    return result


def arena_cast(lo: Lowering, source: ir.Value) -> ir.Value:
    """``addr_space_cast(source, 1, 0)``: 0 for a pointer whose low 32 bits are 0, else those bits
    under the upper half of the arena's user address (``Field.ARENA_UPPER``)."""
    b = lo.b
    low = b.and_(source, lo.const(M32))
    cast = b.or_(lo.load_field(Field.ARENA_UPPER), low)
    return b.select(b.icmp_unsigned("==", low, lo.const(0)), lo.const(0), cast)


__all__ = [
    "ARENA_SINK",
    "arena_cast",
    "arena_load_address",
    "arena_or_zero",
    "arena_pointer",
    "arena_store_address",
]
