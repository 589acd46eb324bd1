"""What each eBPF instruction does, as LLVM IR: one lowering function per kind of the opcode table.

The JIT's counterpart of ``pybpf.vm.semantics`` (the interpreter's emitters), with the same meaning:
RFC 9669 and the kernel's interpreter (kernel/bpf/core.c ``___bpf_prog_run``) after the verifier's
run-time fixups (``do_misc_fixups``), which the x86 JIT (arch/x86/net/bpf_jit_comp.c) also honours:

* ALU32 results are zero-extended; shift amounts are masked (& 63, & 31), so LLVM never sees an
  oversized shift (poison);
* unsigned division by zero gives 0, modulo by zero leaves the dividend (32-bit: zero-extended);
  ``sdiv`` of INT_MIN by -1 gives INT_MIN and ``smod`` 0 — the divisor is replaced by 1 in those
  cases, so LLVM's division never traps or is undefined; an unsigned division by a register
  branches around the division when the divisor is 0 instead (``_unless_zero``), as the kernel's
  fixup does;
* ``le``/``be`` on this little-endian host truncate or swap (``llvm.bswap``); ``bswap`` always swaps;
* loads and stores are checked (``Lowering.check``) and unaligned (``align 1``); atomics are LLVM
  atomic instructions, sequentially consistent (load-acquire/store-release: acquire/release) on the
  checked address — the CPU's locked instructions, atomic against other processes sharing a map's
  pages.  A misaligned atomic goes to Python (``Op.ATOMIC``: ``pybpf.vm.atomics``' locked path),
  as the interpreter does, since the CPU's atomics need natural alignment;
* ``lddw`` loads its constant, the loader's resolved value of a map or BTF pseudo source, or the
  address of a BPF function (``code_base + 8 * slot``, as the interpreter answers); LD_ABS/LD_IND
  read the packet through the program type's reader (``Op.PACKET``) and, when the bytes are not
  there, take the kernel's hidden exit from their function (``pybpf.vm.semantics.LOAD_FAILED``);
  helper calls (``lower_call``: those ``pybpf.jit.native_helpers`` does not lower natively — its
  per-program table puts its own ``Kind.CALL`` lowerer first, falling back to this one), a
  ``callx`` of a helper id and a kfunc call (``Op.KFUNC``: ``pybpf.kfuncs`` finds it by its BTF id)
  go through the trampoline; faults the lowering can see (unknown helper, unresolved lddw) are
  raised where the instruction runs;
* the accesses through arena pointers (``BPF_PROBE_MEM32``) and the casts to address space 1 are
  ``pybpf.jit.arena``'s: a fault there reads 0, drops the store, or makes the atomic do nothing.

``LOWERERS`` maps each ``Kind`` to its function; ``ALU`` and ``CONDITIONS`` each operation.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from llvmlite import ir

from pybpf.isa import opcodes
from pybpf.isa.opcodes import Kind
from pybpf.jit.arena import arena_cast, arena_load_address, arena_or_zero, arena_store_address
from pybpf.jit.lower import I32, I64, INT_TYPES, Lowerer, Lowering, Site
from pybpf.jit.state import ATOMIC_FUNCTIONS, NEED_READ, NEED_READ_WRITE, NEED_WRITE, Field, Op, Status
from pybpf.uapi import BPF_FUNC_tail_call as TAIL_CALL_HELPER
from pybpf.vm.semantics import LOAD_FAILED

LITTLE_ENDIAN_HOST = sys.byteorder == "little"

AluOp = Callable[[ir.IRBuilder, ir.Value, ir.Value, int], ir.Value]
"""``(builder, a, b, bits) -> a <op> b`` on integers of ``bits`` bits."""


def _const(bits: int, value: int) -> ir.Constant:
    return ir.Constant(ir.IntType(bits), value & ((1 << bits) - 1))


def _safe_divisor(b: ir.IRBuilder, a: ir.Value, divisor: ir.Value, bits: int, signed: bool) -> ir.Value:
    """The divisor LLVM may divide by: 1 instead of 0 (and of -1 under INT_MIN, for signed ops)."""
    bad = b.icmp_unsigned("==", divisor, _const(bits, 0))
    if signed:
        overflow = b.and_(
            b.icmp_unsigned("==", a, _const(bits, 1 << (bits - 1))),
            b.icmp_unsigned("==", divisor, _const(bits, -1)),
        )
        bad = b.or_(bad, overflow)
    return b.select(bad, _const(bits, 1), divisor)


def _unless_zero(
    b: ir.IRBuilder, d: ir.Value, bits: int, divide: Callable[[], ir.Value], by_zero: ir.Value
) -> ir.Value:
    """``by_zero`` when the register divisor ``d`` is 0, else what ``divide`` computes in a block of
    its own entered only then (as the kernel's fixup jumps around the division: a test and a branch,
    where selecting a safe divisor and the result costs four instructions)."""
    before = b.block
    divides = b.append_basic_block("divide")
    done = b.append_basic_block("divided")
    b.cbranch(b.icmp_unsigned("==", d, _const(bits, 0)), done, divides)
    b.position_at_end(divides)
    answer = divide()
    b.branch(done)
    b.position_at_end(done)
    result = b.phi(ir.IntType(bits))
    result.add_incoming(answer, divides)
    result.add_incoming(by_zero, before)
    return result


def _div(signed: bool) -> AluOp:
    def lower(b: ir.IRBuilder, a: ir.Value, d: ir.Value, bits: int) -> ir.Value:
        if not signed and not isinstance(d, ir.Constant):
            return _unless_zero(b, d, bits, lambda: b.udiv(a, d), _const(bits, 0))
        safe = _safe_divisor(b, a, d, bits, signed)
        quotient = b.sdiv(a, safe) if signed else b.udiv(a, safe)
        return b.select(b.icmp_unsigned("==", d, _const(bits, 0)), _const(bits, 0), quotient)

    return lower


def _mod(signed: bool) -> AluOp:
    def lower(b: ir.IRBuilder, a: ir.Value, d: ir.Value, bits: int) -> ir.Value:
        if not signed and not isinstance(d, ir.Constant):
            return _unless_zero(b, d, bits, lambda: b.urem(a, d), a)
        safe = _safe_divisor(b, a, d, bits, signed)
        remainder = b.srem(a, safe) if signed else b.urem(a, safe)
        return b.select(b.icmp_unsigned("==", d, _const(bits, 0)), a, remainder)

    return lower


def _shift(kind: str) -> AluOp:
    def lower(b: ir.IRBuilder, a: ir.Value, amount: ir.Value, bits: int) -> ir.Value:
        masked = b.and_(amount, _const(bits, bits - 1))
        return getattr(b, kind)(a, masked)

    return lower


ALU: dict[str, AluOp] = {
    "add": lambda b, x, y, bits: b.add(x, y),
    "sub": lambda b, x, y, bits: b.sub(x, y),
    "mul": lambda b, x, y, bits: b.mul(x, y),
    "div": _div(False),
    "sdiv": _div(True),
    "mod": _mod(False),
    "smod": _mod(True),
    "or": lambda b, x, y, bits: b.or_(x, y),
    "and": lambda b, x, y, bits: b.and_(x, y),
    "xor": lambda b, x, y, bits: b.xor(x, y),
    "lsh": _shift("shl"),
    "rsh": _shift("lshr"),
    "arsh": _shift("ashr"),
    "mov": lambda b, x, y, bits: y,
}
"""ALU operations on same-width integers (64 bits, or 32 for ALU32 — zero-extended afterwards)."""

CONDITIONS = opcodes.JMP_RELATION
"""Jump conditions other than ``jset``: (relation, signed)."""


def _operands(lo: Lowering, site: Site, bits: int) -> tuple[ir.Value, ir.Value]:
    """dst and the second operand (src register or imm, sign-extended to 64 bits), at ``bits`` bits."""
    insn = site.insn
    a = lo.reg(insn.dst)
    b = lo.reg(insn.src) if site.spec.use_src_reg else lo.const(insn.imm)
    if bits == 32:
        a, b = lo.b.trunc(a, I32), lo.b.trunc(b, I32)
    return a, b


def _widen(lo: Lowering, value: ir.Value) -> ir.Value:
    return value if value.type == I64 else lo.b.zext(value, I64)


def lower_alu(lo: Lowering, site: Site) -> None:
    if site.slot in lo.arena_casts:  # ``wD = wS`` standing for addr_space_cast(rS, 1, 0)
        lo.set_reg(site.insn.dst, arena_cast(lo, lo.reg(site.insn.src)))
        return
    bits = 64 if site.spec.alu64 else 32
    a, b = _operands(lo, site, bits)
    lo.set_reg(site.insn.dst, _widen(lo, ALU[site.spec.op](lo.b, a, b, bits)))


def lower_neg(lo: Lowering, site: Site) -> None:
    bits = 64 if site.spec.alu64 else 32
    a, _ = _operands(lo, site, bits)
    lo.set_reg(site.insn.dst, _widen(lo, lo.b.neg(a)))


def lower_movsx(lo: Lowering, site: Site) -> None:
    b = lo.b
    narrow = b.trunc(lo.reg(site.insn.src), ir.IntType(site.spec.width))
    value = b.sext(narrow, I64) if site.spec.alu64 else b.zext(b.sext(narrow, I32), I64)
    lo.set_reg(site.insn.dst, value)


def lower_end(lo: Lowering, site: Site) -> None:
    spec, b = site.spec, lo.b
    width = ir.IntType(spec.width)
    value = lo.reg(site.insn.dst)
    narrow = value if spec.width == 64 else b.trunc(value, width)
    if spec.op == "bswap" or (spec.op == "be") == LITTLE_ENDIAN_HOST:
        narrow = b.bswap(narrow)
    lo.set_reg(site.insn.dst, _widen(lo, narrow))


def lower_ja(lo: Lowering, site: Site) -> None:
    assert site.target is not None
    lo.goto(site.target)


def lower_jcond(lo: Lowering, site: Site) -> None:
    assert site.target is not None
    spec, b = site.spec, lo.b
    bits = 64 if spec.alu64 else 32
    x, y = _operands(lo, site, bits)
    if spec.op == "jset":
        condition = b.icmp_unsigned("!=", b.and_(x, y), _const(bits, 0))
    else:
        relation, signed = CONDITIONS[spec.op]
        condition = b.icmp_signed(relation, x, y) if signed else b.icmp_unsigned(relation, x, y)
    lo.branch(condition, site.target, site.next_slot)


def lower_may_goto(lo: Lowering, site: Site) -> None:
    assert site.target is not None
    lo.may_goto(site.target, site.next_slot)


def lower_call(lo: Lowering, site: Site) -> None:
    helper = site.insn.imm
    if helper not in lo.helper_ids:
        lo.fault(Status.NO_HELPER, site.slot)
        return
    if helper != TAIL_CALL_HELPER:
        lo.set_reg(0, lo.trampoline(helper, lo.helper_args(), site.slot))
        return
    # A tail call made in a BPF function ran the target in the function's place (ARG = 1, set by
    # ``JitSession._call_helper``): the function returns the target's r0 to its caller.
    lo.store_field(Field.ARG, lo.const(0))
    lo.set_reg(0, lo.trampoline(helper, lo.helper_args(), site.slot))
    b = lo.b
    returning = lo.new_block(f"tail_call_return_{site.slot}")
    going_on = lo.new_block(f"tail_call_failed_{site.slot}")
    b.cbranch(b.icmp_unsigned("!=", lo.load_field(Field.ARG), lo.const(0)), returning, going_on)
    lo.continue_in(returning)
    lo.exit(site.slot)
    lo.continue_in(going_on)


def lower_call_local(lo: Lowering, site: Site) -> None:
    assert site.target is not None
    lo.call_local(site.target, site.next_slot, site.slot)


def lower_call_kfunc(lo: Lowering, site: Site) -> None:
    """A kernel function, called through the trampoline like a helper (ARG: its BTF id)."""
    lo.store_field(Field.ARG, lo.const(site.insn.imm & 0xFFFFFFFF))
    lo.set_reg(0, lo.trampoline(Op.KFUNC, lo.helper_args(), site.slot))


def lower_callx(lo: Lowering, site: Site) -> None:
    """Call the BPF function whose address dst holds, else the helper whose id it holds (uBPF)."""
    b = lo.b
    value = lo.reg(site.insn.dst)
    offset = b.sub(value, lo.code_base)
    entries = [slot for slot in lo.function_entries() if slot < lo.total]
    as_helper = lo.new_block("callx_helper")
    aligned = b.icmp_unsigned("==", b.and_(offset, lo.const(7)), lo.const(0))
    inside = b.icmp_unsigned("<", offset, lo.const(8 * lo.total))
    maybe_function = lo.new_block("callx_function")
    b.cbranch(b.and_(aligned, inside), maybe_function, as_helper)
    lo.continue_in(maybe_function)
    switch = b.switch(b.lshr(offset, lo.const(3)), as_helper)
    for entry in entries:
        call = lo.new_block(f"callx_{site.slot}_{entry}")
        switch.add_case(lo.const(entry), call)
        lo.continue_in(call)
        lo.call_local(entry, site.next_slot, site.slot)
    lo.continue_in(as_helper)
    lo.store_field(Field.ARG, value)
    lo.set_reg(0, lo.trampoline(Op.CALLX, lo.helper_args(), site.slot))
    lo.goto(site.next_slot)


def lower_exit(lo: Lowering, site: Site) -> None:
    lo.exit(site.slot)


def lower_nospec(lo: Lowering, site: Site) -> None:
    """The speculation barrier (the fixups' BPF_ST_NOSPEC): no code, as the interpreter's."""


def lower_lddw(lo: Lowering, site: Site) -> None:
    insn = site.insn
    if insn.src == 0:
        lo.set_reg(insn.dst, lo.const(insn.imm64))
    elif insn.src == opcodes.BPF_PSEUDO_FUNC:
        assert site.target is not None
        lo.set_reg(insn.dst, lo.b.add(lo.code_base, lo.const(8 * site.target)))
    elif site.slot in lo.resolved:
        lo.set_reg(insn.dst, lo.resolved_value(site.slot))
    else:
        lo.fault(Status.UNRESOLVED, site.slot)


def lower_ld_packet(lo: Lowering, site: Site) -> None:
    insn, b = site.insn, lo.b
    if site.spec.kind is Kind.LD_ABS:
        offset: ir.Value = lo.const(insn.imm)
    else:
        offset = b.sext(b.trunc(b.add(lo.reg(insn.src), lo.const(insn.imm)), I32), I64)
    value = lo.trampoline(Op.PACKET, [offset, lo.const(site.spec.size)], site.slot)
    # The bytes are not there: the kernel's hidden exit (``LOAD_FAILED``), from the load's function.
    failed = lo.new_block(f"ld_packet_failed_{site.slot}")
    loaded = lo.new_block(f"ld_packet_{site.slot}")
    b.cbranch(b.icmp_unsigned("==", value, lo.const(LOAD_FAILED)), failed, loaded).set_weights([1, 1000])
    lo.continue_in(failed)
    lo.set_reg(0, lo.const(0))
    lo.exit(site.slot)
    lo.continue_in(loaded)
    lo.set_reg(0, value)


def lower_ldx(lo: Lowering, site: Site) -> None:
    insn, size, b = site.insn, site.spec.size, lo.b
    if site.slot in lo.arena_accesses:
        address = arena_load_address(lo, lo.address(insn.src, insn.off), size, site.slot)
    else:  # (a probe's: maybe 0s)
        address = lo.check(lo.address(insn.src, insn.off), size, NEED_READ, site.slot)
    value = b.load(lo.pointer(address, size), align=1)
    if size < 8:
        value = b.sext(value, I64) if site.spec.kind is Kind.LDXSX else b.zext(value, I64)
    lo.set_reg(insn.dst, value)


def _store(lo: Lowering, site: Site, value: ir.Value) -> None:
    insn, size, b = site.insn, site.spec.size, lo.b
    address = lo.address(insn.dst, insn.off)
    if site.slot in lo.arena_accesses:
        address = arena_store_address(lo, address, size, site.slot)
    else:
        lo.check(address, size, NEED_WRITE, site.slot)
    if size < 8:
        value = b.trunc(value, INT_TYPES[size])
    b.store(value, lo.pointer(address, size), align=1)


def lower_st(lo: Lowering, site: Site) -> None:
    _store(lo, site, lo.const(site.insn.imm))


def lower_stx(lo: Lowering, site: Site) -> None:
    _store(lo, site, lo.reg(site.insn.src))


def _aligned_or_python(
    lo: Lowering, site: Site, address: ir.Value, name: str, operands: list[ir.Value]
) -> tuple[ir.Value, ir.Block]:
    """Split on alignment: the misaligned case asks Python; returns (Python's answer, the block it
    was computed in) with the builder in the aligned block."""
    b, size = lo.b, site.spec.size
    aligned = lo.new_block("atomic_aligned")
    misaligned = lo.new_block("atomic_misaligned")
    b.cbranch(b.icmp_unsigned("==", b.and_(address, lo.const(size - 1)), lo.const(0)), aligned, misaligned)
    lo.continue_in(misaligned)
    lo.store_field(Field.ARG, lo.const(ATOMIC_FUNCTIONS.index(name)))
    answer = lo.trampoline(Op.ATOMIC, [address, *operands], site.slot)
    python_block = b.block
    lo.continue_in(aligned)
    return answer, python_block


def _join(lo: Lowering, native: ir.Value, python: ir.Value, python_block: ir.Block) -> ir.Value:
    """Merge the native and the Python answer of an atomic."""
    b = lo.b
    native_block = b.block
    done = lo.new_block("atomic_done")
    b.branch(done)
    lo.continue_in(python_block)
    b.branch(done)
    lo.continue_in(done)
    phi = b.phi(I64)
    phi.add_incoming(native, native_block)
    phi.add_incoming(python, python_block)
    return phi


def _operate(
    lo: Lowering, site: Site, address: ir.Value, need: int, operate: Callable[[ir.Value], ir.Value]
) -> ir.Value:
    """``operate`` (an atomic, given the pointer to work on) on the checked ``address``, or at an arena
    access on the arena's page it reaches (0 and nothing done where it faults, ``arena_or_zero``)."""
    if site.slot in lo.arena_accesses:
        return arena_or_zero(lo, address, site.spec.size, site.slot, operate)
    lo.check(address, site.spec.size, need, site.slot)
    return operate(address)


def lower_atomic(lo: Lowering, site: Site) -> None:
    insn, spec, b = site.insn, site.spec, lo.b
    size = spec.size
    kind = INT_TYPES[size]
    address = lo.address(insn.dst, insn.off)
    operand = b.trunc(lo.reg(insn.src), kind) if size < 8 else lo.reg(insn.src)
    if spec.op == "cmpxchg":
        expected = b.trunc(lo.reg(0), kind) if size < 8 else lo.reg(0)
        python, python_block = _aligned_or_python(
            lo, site, address, f"cmpxchg{size}", [_widen(lo, expected), _widen(lo, operand)]
        )

        def exchange(pointer: ir.Value) -> ir.Value:
            pair = b.cmpxchg(b.inttoptr(pointer, kind.as_pointer()), expected, operand, "seq_cst", "seq_cst")
            return _widen(lo, b.extract_value(pair, 0))

        lo.set_reg(0, _join(lo, _operate(lo, site, address, NEED_READ_WRITE, exchange), python, python_block))
        return
    python, python_block = _aligned_or_python(lo, site, address, f"{spec.op}{size}", [_widen(lo, operand)])

    def update(pointer: ir.Value) -> ir.Value:
        return _widen(lo, b.atomic_rmw(spec.op, b.inttoptr(pointer, kind.as_pointer()), operand, "seq_cst"))

    merged = _join(lo, _operate(lo, site, address, NEED_READ_WRITE, update), python, python_block)
    if spec.fetch:
        lo.set_reg(insn.src, merged)


def lower_load_acquire(lo: Lowering, site: Site) -> None:
    insn, size, b = site.insn, site.spec.size, lo.b
    kind = INT_TYPES[size]
    address = lo.address(insn.src, insn.off)
    python, python_block = _aligned_or_python(lo, site, address, f"load_acq{size}", [])

    def load(pointer: ir.Value) -> ir.Value:
        return _widen(lo, b.load_atomic(b.inttoptr(pointer, kind.as_pointer()), "acquire", size))

    lo.set_reg(insn.dst, _join(lo, _operate(lo, site, address, NEED_READ, load), python, python_block))


def lower_store_release(lo: Lowering, site: Site) -> None:
    insn, size, b = site.insn, site.spec.size, lo.b
    kind = INT_TYPES[size]
    address = lo.address(insn.dst, insn.off)
    value = lo.reg(insn.src)
    narrow = b.trunc(value, kind) if size < 8 else value
    python, python_block = _aligned_or_python(lo, site, address, f"store_rel{size}", [_widen(lo, narrow)])

    def store(pointer: ir.Value) -> ir.Value:
        b.store_atomic(narrow, b.inttoptr(pointer, kind.as_pointer()), "release", size)
        return lo.const(0)

    _join(lo, _operate(lo, site, address, NEED_WRITE, store), python, python_block)


LOWERERS: dict[Kind, Lowerer] = {
    Kind.ALU: lower_alu,
    Kind.NEG: lower_neg,
    Kind.MOVSX: lower_movsx,
    Kind.END: lower_end,
    Kind.JA: lower_ja,
    Kind.GOTOL: lower_ja,
    Kind.JCOND: lower_jcond,
    Kind.MAY_GOTO: lower_may_goto,
    Kind.CALL: lower_call,
    Kind.CALL_LOCAL: lower_call_local,
    Kind.CALL_KFUNC: lower_call_kfunc,
    Kind.CALLX: lower_callx,
    Kind.EXIT: lower_exit,
    Kind.NOSPEC: lower_nospec,
    Kind.LDDW: lower_lddw,
    Kind.LD_ABS: lower_ld_packet,
    Kind.LD_IND: lower_ld_packet,
    Kind.LDX: lower_ldx,
    Kind.LDXSX: lower_ldx,
    Kind.ST: lower_st,
    Kind.STX: lower_stx,
    Kind.ATOMIC: lower_atomic,
    Kind.LOAD_ACQ: lower_load_acquire,
    Kind.STORE_REL: lower_store_release,
}
"""The lowering table: one function per kind of instruction."""

__all__ = ["ALU", "CONDITIONS", "LOWERERS"]
