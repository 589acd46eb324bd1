"""``bpf_loop`` as native code: the callback re-entered natively, in the same run state.

Mirrors ``bpf_loop`` (kernel/bpf/bpf_iter.c: flags must be 0, else -EINVAL; more than
``BPF_MAX_LOOPS`` (1 << 23) loops is -E2BIG; the callback is called with the index and the context
until it returns non-zero, and the result is the number of calls made) and pybpf's Python form
(``pybpf.helpers.basic.loop``), whose every call goes through ``HelperContext.call_function``:
``CALLBACK_CHARGE`` budget units first, then ``JitSession.call_function``, which checks the
address names a BPF function of the program and that a frame is left, and enters the compiled code
at the function's slot with a fresh frame (r1 = the index, r2 = the context, r10 = the next frame's
top, the other registers 0; ``Field.DEPTH`` one more while it runs).  The native form does the same
from the compiled code: the budget is the state's (``Lowering.call_out`` syncs it around the whole
loop, as around a trampoline call), and the callback is the program's own entry function called
with the callback's slot, so its instructions, faults and budget are exactly those of the Python
form's re-entry — a fault inside it leaves STATUS set and ends the run the same way.

What the Python form raises before a call (a budget too short for ``CALLBACK_CHARGE``, an address
that is no BPF function of the program, no frame left) the native code does not restate: it asks
the Python helper for one loop (``bpf_loop(1, callback, ctx, 0)``), which charges and raises that
same error at the same instruction, before any callback runs.  Programs that tail-call keep the
Python form (a tail call inside a callback leaves through ``call_function``'s Python frames).
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

from llvmlite import ir

from pybpf.helpers.context import CALLBACK_CHARGE
from pybpf.isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
from pybpf.jit.lower import I64, Lowering, Site
from pybpf.jit.state import Field
from pybpf.uapi import BPF_MAX_LOOPS

REGISTERS = ir.ArrayType(I64, 11)


def lower_loop(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_loop(r1, r2, r3, r4)`` natively (see the module docstring)."""
    lo.set_reg(0, lo.call_out(lambda: _emit_loop(lo, site, args)))


def _emit_loop(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> ir.Value:
    b = lo.b
    with b.goto_entry_block():
        regs = b.alloca(REGISTERS, name="callback_regs")
    count, callback, callback_ctx, flags = b.and_(args[0], lo.const(0xFFFF_FFFF)), args[1], args[2], args[3]
    finished = lo.new_block("loop_finished")
    answers: list[tuple[ir.Value, ir.Block]] = []

    def answer(value: ir.Value) -> None:
        answers.append((value, b.block))
        b.branch(finished)

    bad_flags, flags_ok = lo.new_block("loop_einval"), lo.new_block("loop_flags_ok")
    b.cbranch(b.icmp_unsigned("!=", flags, lo.const(0)), bad_flags, flags_ok)
    lo.continue_in(bad_flags, dominated=True)
    answer(lo.const(-errno.EINVAL))
    lo.continue_in(flags_ok, dominated=True)
    too_many, head = lo.new_block("loop_e2big"), lo.new_block("loop_head")
    b.cbranch(b.icmp_unsigned(">", count, lo.const(BPF_MAX_LOOPS)), too_many, head)
    lo.continue_in(too_many, dominated=True)
    answer(lo.const(-errno.E2BIG))
    before = flags_ok

    lo.continue_in(head, dominated=True)
    index = b.phi(I64, name="loop_index")
    index.add_incoming(lo.const(0), before)
    body, all_done = lo.new_block("loop_body"), lo.new_block("loop_all_done")
    b.cbranch(b.icmp_unsigned("<", index, count), body, all_done)
    lo.continue_in(all_done, dominated=True)
    answer(count)

    lo.continue_in(body, dominated=True)
    remaining, depth = lo.load_field(Field.REMAINING), lo.load_field(Field.DEPTH)
    offset = b.sub(callback, lo.code_base)
    callable_here = b.and_(
        b.and_(
            b.icmp_unsigned(">=", remaining, lo.const(CALLBACK_CHARGE)),
            b.icmp_unsigned("<", depth, lo.const(MAX_CALL_FRAMES)),
        ),
        b.and_(
            b.icmp_unsigned("==", b.and_(offset, lo.const(7)), lo.const(0)),
            b.icmp_unsigned("<", offset, lo.const(8 * lo.total)),
        ),
    )
    lookup, python = lo.new_block("loop_function"), lo.new_block("loop_python")
    b.cbranch(callable_here, lookup, python).set_weights([1000, 1])
    lo.continue_in(lookup, dominated=True)
    calling = lo.new_block("loop_call")
    switch = b.switch(b.lshr(offset, lo.const(3)), python)
    for entry in lo.function_entries():
        if entry < lo.total:
            switch.add_case(lo.const(entry), calling)

    lo.continue_in(python, dominated=True)  # the Python helper raises what the Python form would
    answer(
        lo.call_python(site.insn.imm, [lo.const(1), callback, callback_ctx, lo.const(0), args[4]], site.slot)
    )

    lo.continue_in(calling, dominated=True)
    lo.store_field(Field.REMAINING, b.sub(remaining, lo.const(CALLBACK_CHARGE)))
    zero = lo.const(0, 32)
    registers = [b.gep(regs, [zero, lo.const(reg, 32)], inbounds=True) for reg in range(11)]
    top = b.sub(lo.load_field(Field.STACK_TOP), b.mul(depth, lo.const(STACK_SIZE)))
    for reg, address in enumerate(registers):
        b.store({1: index, 2: callback_ctx, 10: top}.get(reg, lo.const(0)), address)
    lo.store_field(Field.DEPTH, b.add(depth, lo.const(1)))
    failed = b.call(
        lo.function, [lo.state, b.gep(regs, [zero, zero], inbounds=True), b.lshr(offset, lo.const(3))]
    )
    lo.store_field(Field.DEPTH, depth)
    returned, stopped = lo.new_block("loop_returned"), lo.new_block("loop_fault")
    b.cbranch(b.icmp_unsigned("!=", failed, lo.const(0)), stopped, returned)
    lo.continue_in(stopped, dominated=True)  # STATUS says why: ``call_out`` leaves the run
    answer(lo.const(0))

    lo.continue_in(returned, dominated=True)
    following = b.add(index, lo.const(1))
    broke, again = lo.new_block("loop_break"), lo.new_block("loop_again")
    b.cbranch(b.icmp_unsigned("!=", b.load(registers[0]), lo.const(0)), broke, again)
    lo.continue_in(broke, dominated=True)
    answer(following)
    lo.continue_in(again, dominated=True)
    index.add_incoming(following, again)
    b.branch(head)

    lo.continue_in(finished)
    result = b.phi(I64, name="loop_result")
    for value, block in answers:
        result.add_incoming(value, block)
    return result


__all__ = ["lower_loop"]
