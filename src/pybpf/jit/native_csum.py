"""``bpf_csum_diff`` as native code.

Mirrors ``bpf_csum_diff`` (net/core/filter.c, Linux >= 6.12: each buffer summed with
``csum_partial``, combined with ``csum_sub`` — or complemented when only ``from`` is given — and
folded with ``csum_from32to16``) as pybpf's Python helper computes it (``pybpf.helpers.csum``:
``csum_partial`` is the end-around-carried ones' complement sum of the buffer's little-endian 32-bit
words, a short tail zero-padded, in [1, 2**32 - 1], 0 only when seed and bytes are all zero).  The
native sum adds the words in 64 bits (a u32 size is at most 2**30 words, so it cannot overflow) and
reduces once: ``(total - 1) % (2**32 - 1) + 1``.  The sizes are the registers' low 32 bits; a size
of 0 reads nothing.

The buffers must lie in the stack or the region table (``pybpf.jit.native_memory``); any other
pointer goes to the Python helper, which reads or faults as on the interpreter.
"""

from __future__ import annotations

from collections.abc import Sequence

from llvmlite import ir

from pybpf.isa.words import M32
from pybpf.jit.lower import I8, I32, I64, Lowering, Site
from pybpf.jit.native_memory import accessible
from pybpf.jit.state import NEED_READ

PARTIAL = "bpf_csum_partial"
PARTIAL_TYPE = ir.FunctionType(I32, [I64, I64, I32])
"""``u32 bpf_csum_partial(address, size, seed)``."""


def _partial_function(lo: Lowering) -> ir.Function:
    """The module's ``bpf_csum_partial`` (see the module docstring)."""
    existing = lo.module.globals.get(PARTIAL)
    if isinstance(existing, ir.Function):
        return existing
    function = ir.Function(lo.module, PARTIAL_TYPE, name=PARTIAL)
    function.linkage = "internal"
    address, size, seed = function.args
    b = ir.IRBuilder(function.append_basic_block("entry"))
    words_end = b.and_(size, ir.Constant(I64, ~3))
    seed64 = b.zext(seed, I64)
    entry = b.block
    loop, body, tail = (function.append_basic_block(name) for name in ("words", "word", "tail"))
    b.branch(loop)
    b.position_at_end(loop)
    at = b.phi(I64, name="at")
    total = b.phi(I64, name="total")
    at.add_incoming(ir.Constant(I64, 0), entry)
    total.add_incoming(seed64, entry)
    b.cbranch(b.icmp_unsigned("<", at, words_end), body, tail)
    b.position_at_end(body)
    word = b.load(b.inttoptr(b.add(address, at), I32.as_pointer()), align=1)
    following = b.add(at, ir.Constant(I64, 4))
    at.add_incoming(following, body)
    total.add_incoming(b.add(total, b.zext(word, I64)), body)
    b.branch(loop)

    b.position_at_end(tail)  # 0 to 3 bytes, zero-padded to a little-endian word
    padded: ir.Value = ir.Constant(I64, 0)
    for index in range(3):
        present = b.icmp_unsigned("<", b.add(words_end, ir.Constant(I64, index)), size)
        here = function.append_basic_block(f"tail_byte{index}")
        after = function.append_basic_block(f"tail_after{index}")
        before = b.block
        b.cbranch(present, here, after)
        b.position_at_end(here)
        byte = b.load(b.inttoptr(b.add(address, b.add(words_end, ir.Constant(I64, index))), I8.as_pointer()))
        with_byte = b.or_(padded, b.shl(b.zext(byte, I64), ir.Constant(I64, 8 * index)))
        b.branch(after)
        b.position_at_end(after)
        merged = b.phi(I64)
        merged.add_incoming(padded, before)
        merged.add_incoming(with_byte, here)
        padded = merged
    total_all = b.add(total, padded)
    reduced = b.add(b.urem(b.sub(total_all, ir.Constant(I64, 1)), ir.Constant(I64, M32)), ir.Constant(I64, 1))
    zero = b.icmp_unsigned("==", total_all, ir.Constant(I64, 0))
    b.ret(b.trunc(b.select(zero, ir.Constant(I64, 0), reduced), I32))
    return function


def _csum_add(b: ir.IRBuilder, csum: ir.Value, addend: ir.Value) -> ir.Value:
    """``csum_add`` on u32s: addition with end-around carry."""
    res = b.add(csum, addend)
    return b.add(res, b.zext(b.icmp_unsigned("<", res, addend), I32))


def _from32to16(b: ir.IRBuilder, csum: ir.Value) -> ir.Value:
    """``csum_from32to16``: the high half of ``csum + rotl(csum, 16)``."""
    rotated = b.or_(b.lshr(csum, ir.Constant(I32, 16)), b.shl(csum, ir.Constant(I32, 16)))
    return b.lshr(b.add(csum, rotated), ir.Constant(I32, 16))


def lower_csum_diff(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """r0 = ``bpf_csum_diff(r1, r2, r3, r4, r5)`` natively when both buffers are readable here."""
    b = lo.b
    source, target = args[0], args[2]
    source_size, target_size = (b.and_(args[i], lo.const(M32)) for i in (1, 3))
    seed = b.trunc(args[4], I32)
    zero = lo.const(0)
    python, native, done = lo.new_block("csum_python"), lo.new_block("csum_native"), lo.new_block("csum_done")
    usable: ir.Value = ir.Constant(ir.IntType(1), 1)
    for address, size in ((source, source_size), (target, target_size)):
        empty = b.icmp_unsigned("==", size, zero)
        usable = b.and_(usable, b.or_(empty, accessible(lo, address, size, NEED_READ)))
    b.cbranch(usable, native, python).set_weights([1000, 1])

    lo.continue_in(python)
    lo.set_reg(0, lo.trampoline(site.insn.imm, list(args), site.slot))
    b.branch(done)

    lo.continue_in(native)
    partial = _partial_function(lo)
    has_source = b.icmp_unsigned("!=", source_size, zero)
    has_target = b.icmp_unsigned("!=", target_size, zero)
    zero32 = lo.const(0, 32)
    # what each case sums (a missing buffer is summed as 0 bytes: the seed itself, reduced)
    target_seed = seed
    source_seed = b.select(has_target, zero32, b.not_(seed))
    to_sum = b.call(partial, [target, target_size, target_seed])
    from_sum = b.call(partial, [source, source_size, source_seed])
    both = _csum_add(b, to_sum, b.not_(from_sum))
    only_from = b.not_(from_sum)
    combined = b.select(has_target, b.select(has_source, both, to_sum), b.select(has_source, only_from, seed))
    lo.set_reg(0, b.zext(_from32to16(b, combined), I64))
    b.branch(done)
    lo.continue_in(done)


__all__ = ["lower_csum_diff"]
