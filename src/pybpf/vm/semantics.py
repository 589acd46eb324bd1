"""The semantics of every eBPF instruction, as a table of emitters of Python source.

Every instruction kind of the opcode table (``pybpf.isa.opcodes.Kind``) has one emitter here, and
every ALU operation and jump condition one entry in ``ALU64``/``ALU32``/``COND64``/``COND32``; the
interpreter's dispatch is by table, never by an opcode if-chain.  The semantics are those of
RFC 9669 and of the Linux kernel's interpreter (kernel/bpf/core.c ``___bpf_prog_run``) after the
verifier's run-time fixups (``do_misc_fixups``):

* ALU32 results are zero-extended; shift amounts are masked (& 63, & 31);
* unsigned division by zero gives 0, modulo by zero leaves the dividend (32-bit: zero-extended);
* ``sdiv`` of INT_MIN by -1 gives INT_MIN, ``smod`` 0 (the kernel rewrites both at load time);
* ``le``/``be`` on a little-endian host truncate or swap; ``bswap`` always swaps;
* 32-bit atomics zero-extend the fetched value; ``cmpxchg`` compares with r0 and returns into r0;
  atomics and load-acquire/store-release run as native atomic operations (``pybpf.vm.atomics``),
  so they are atomic against other processes sharing the memory, like the kernel's.

An emitter turns one instruction into Python statements over register locals ``r0``..``r10``
(unsigned 64-bit ints), calling the bounds-checked memory accessors (``_ld8``, ``_st4``, ...) and
run-time functions (``pybpf.vm.runtime``, ``_atomic_*`` of ``pybpf.vm.atomics``) by name;
``_code_base`` is the address of the interpreter's copy of the program (``lddw`` of a function),
so the generated code depends only on the program and can be shared.  Control transfers (jumps,
calls, exit, helper calls) are requested from a ``CodeWriter``; ``pybpf.vm.codegen`` decides how
they are spelled in the dispatch functions and in the single-instruction step functions.
"""

from __future__ import annotations

import abc
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from pybpf.isa import opcodes
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind, OpSpec
from pybpf.isa.words import M32, M64
from pybpf.uapi import BPF_FUNC_tail_call as TAIL_CALL_HELPER

S64 = 1 << 63
S32 = 1 << 31
LITTLE_ENDIAN_HOST = sys.byteorder == "little"
LOAD_FAILED = M64
"""What ``pybpf.vm.runtime.load_packet`` answers for a legacy packet load past the packet (a load's
value has at most 32 bits).  The code then takes the hidden exit the kernel's ``bpf_gen_ld_abs``
(net/core/filter.c) emits after its ``bpf_skb_load_helper_*`` call: r0 = 0 and ``exit`` -- of the
function the load is in, which returns 0 to its caller (a bpf-to-bpf call, a helper running a
callback); in the main program the run ends with r0 = 0.  As after a tail call made in a function,
the budget charged for the load's basic block covers the instructions after the load too."""


def _hex(value: int) -> str:
    return hex(value) if value > 9 else str(value)


@dataclass(frozen=True)
class Operand:
    """The second operand of an ALU op or jump: a register local (``const`` None) or a constant."""

    text: str
    const: int | None = None


class CodeWriter(abc.ABC):
    """Collects the code of one block and the registers it reads (before writing) and writes.

    Subclasses spell control transfers; ``terminated`` is set once one has been requested.
    """

    def __init__(self) -> None:
        self.body: list[str] = []
        self.reads: set[int] = set()
        self.writes: set[int] = set()
        self.terminated = False

    def read(self, reg: int) -> str:
        if reg not in self.writes:
            self.reads.add(reg)
        return f"r{reg}"

    def write(self, reg: int) -> str:
        self.writes.add(reg)
        return f"r{reg}"

    def emit(self, line: str) -> None:
        self.body.append(line)

    # -- memory ------------------------------------------------------------------------------
    def load(self, dst: str, size: int, signed: bool, address: str, slot: int) -> None:
        """``dst = *(u<size> *)address`` (sign-extended if ``signed``), bounds-checked."""
        loader = f"_lds{size}" if signed else f"_ld{size}"
        self.emit(f"{dst} = {loader}({address}, {slot})")

    def store(self, size: int, address: str, value: str, slot: int) -> None:
        """``*(u<size> *)address = value`` (already truncated to the size), bounds-checked."""
        self.emit(f"_st{size}({address}, {value}, {slot})")

    # -- control transfers ------------------------------------------------------------------
    @abc.abstractmethod
    def goto(self, target: int) -> None: ...

    @abc.abstractmethod
    def branch(self, condition: str, target: int, fallthrough: int) -> None: ...

    @abc.abstractmethod
    def may_goto(self, target: int, fallthrough: int) -> None: ...

    @abc.abstractmethod
    def call_local(self, target: int, ret: int, slot: int) -> None: ...

    @abc.abstractmethod
    def callx(self, value: str, ret: int, slot: int) -> None: ...

    @abc.abstractmethod
    def exit(self, slot: int) -> None: ...

    @abc.abstractmethod
    def exit_if_load_failed(self, slot: int) -> None:
        """After a legacy packet load into r0: when it is ``LOAD_FAILED``, r0 = 0 and exit (the
        kernel's hidden exit) -- not a block terminator: control goes on when the load worked."""

    @abc.abstractmethod
    def helper_call(self, helper: int, slot: int) -> None:
        """``r0 = helper(r1, ..., r5)`` — not a block terminator: control comes back."""

    def helper_invocation(self, helper: int, slot: int) -> list[str]:
        """The statements calling a registered helper (shared by the writers)."""
        args = ", ".join(self.read(reg) for reg in range(1, 6))
        lines = [
            "try:",
            f"    {self.write(0)} = _h{helper}(st.ctx, {args}) & {M64:#x}",
            "except Exception as exc:",
            f"    raise _helper_fault(exc, {helper}, {slot})",
        ]
        if helper == TAIL_CALL_HELPER:  # in a BPF function: the target runs in its frame's place
            lines[:0] = ["_tc = 0"]
            lines += [
                "except _TailCall as _call:",
                f"    {self.write(0)} = _in_place(st, _call)",
                "    _tc = 1",
            ]
        return lines


@dataclass(frozen=True)
class Site:
    """One instruction being translated, where it is and what surrounds it."""

    insn: Instruction
    spec: OpSpec
    slot: int
    next_slot: int
    resolved: Mapping[int, int]
    """slot -> the value of each resolved ``lddw``; at the slot of an arena's cast to address space 1
    (given as ``wD = wS``, ``pybpf.vm.arena.arena_casts``), the upper half of the arena's address."""
    helper_ids: Collection[int]
    jump_target: int | None
    """The slot a jump, local call or ``lddw`` of a function goes to (the program view's), else None."""

    @property
    def target(self) -> int:
        assert self.jump_target is not None
        return self.jump_target


# --- ALU operations: (dst local, second operand) -> expression ------------------------------------
AluOp = Callable[[str, Operand], str]


def _shift(b: Operand, mask: int) -> str:
    return str(b.const & mask) if b.const is not None else f"({b.text} & {mask})"


def _add64(a: str, b: Operand) -> str:
    if b.const is not None and b.const >= S64:
        return f"({a} - {_hex((1 << 64) - b.const)}) & {M64:#x}"
    return f"({a} + {b.text}) & {M64:#x}"


def _sub64(a: str, b: Operand) -> str:
    if b.const is not None and b.const >= S64:
        return f"({a} + {_hex((1 << 64) - b.const)}) & {M64:#x}"
    return f"({a} - {b.text}) & {M64:#x}"


def _div(a: str, b: Operand) -> str:
    if b.const is not None:
        return f"{a} // {b.text}" if b.const else "0"
    return f"({a} // {b.text} if {b.text} else 0)"


def _mod(a: str, b: Operand) -> str:
    if b.const is not None:
        return f"{a} % {b.text}" if b.const else a
    return f"({a} % {b.text} if {b.text} else {a})"


ALU64: dict[str, AluOp] = {
    "add": _add64,
    "sub": _sub64,
    "mul": lambda a, b: f"({a} * {b.text}) & {M64:#x}",
    "div": _div,
    "sdiv": lambda a, b: f"_sdiv64({a}, {b.text})",
    "mod": _mod,
    "smod": lambda a, b: f"_smod64({a}, {b.text})",
    "or": lambda a, b: f"{a} | {b.text}",
    "and": lambda a, b: f"{a} & {b.text}",
    "xor": lambda a, b: f"{a} ^ {b.text}",
    "lsh": lambda a, b: f"({a} << {_shift(b, 63)}) & {M64:#x}",
    "rsh": lambda a, b: f"{a} >> {_shift(b, 63)}",
    "arsh": lambda a, b: f"((({a} ^ {S64:#x}) - {S64:#x}) >> {_shift(b, 63)}) & {M64:#x}",
    "mov": lambda a, b: b.text,
}
"""64-bit ALU operations; operands are unsigned 64-bit values, ``imm`` sign-extended to 64 bits."""


def _div32(a: str, b: Operand) -> str:
    if b.const is not None:
        return f"({a} & {M32:#x}) // {b.text}" if b.const else "0"
    return f"(({a} & {M32:#x}) // _t if (_t := {b.text} & {M32:#x}) else 0)"


def _mod32(a: str, b: Operand) -> str:
    if b.const is not None:
        return f"({a} & {M32:#x}) % {b.text}" if b.const else f"{a} & {M32:#x}"
    return f"(({a} & {M32:#x}) % _t if (_t := {b.text} & {M32:#x}) else {a} & {M32:#x})"


ALU32: dict[str, AluOp] = {
    "add": lambda a, b: f"({a} + {b.text}) & {M32:#x}",
    "sub": lambda a, b: f"({a} - {b.text}) & {M32:#x}",
    "mul": lambda a, b: f"({a} * {b.text}) & {M32:#x}",
    "div": _div32,
    "sdiv": lambda a, b: f"_sdiv32({a}, {b.text})",
    "mod": _mod32,
    "smod": lambda a, b: f"_smod32({a}, {b.text})",
    "or": lambda a, b: f"({a} | {b.text}) & {M32:#x}",
    "and": lambda a, b: f"{a} & {b.text}" if b.const is not None else f"{a} & {b.text} & {M32:#x}",
    "xor": lambda a, b: f"({a} ^ {b.text}) & {M32:#x}",
    "lsh": lambda a, b: f"({a} << {_shift(b, 31)}) & {M32:#x}",
    "rsh": lambda a, b: f"({a} & {M32:#x}) >> {_shift(b, 31)}",
    "arsh": lambda a, b: f"(((({a} & {M32:#x}) ^ {S32:#x}) - {S32:#x}) >> {_shift(b, 31)}) & {M32:#x}",
    "mov": lambda a, b: b.text if b.const is not None else f"{b.text} & {M32:#x}",
}
"""32-bit ALU operations: the low 32 bits of the operands, the result zero-extended."""


# --- jump conditions: (dst local, second operand) -> boolean expression -----------------------------
def _signed(bits: int, relation: str) -> Callable[[str, Operand], str]:
    sign = S64 if bits == 64 else S32

    def condition(a: str, b: Operand) -> str:
        left = f"({a} ^ {sign:#x})" if bits == 64 else f"(({a} & {M32:#x}) ^ {sign:#x})"
        if b.const is not None:
            right = _hex(b.const ^ sign)
        else:
            right = f"({b.text} ^ {sign:#x})" if bits == 64 else f"(({b.text} & {M32:#x}) ^ {sign:#x})"
        return f"{left} {relation} {right}"

    return condition


def _unsigned(bits: int, relation: str) -> Callable[[str, Operand], str]:
    def condition(a: str, b: Operand) -> str:
        if bits == 64:
            return f"{a} {relation} {b.text}"
        right = b.text if b.const is not None else f"({b.text} & {M32:#x})"
        return f"({a} & {M32:#x}) {relation} {right}"

    return condition


def _jset(bits: int) -> Callable[[str, Operand], str]:
    def condition(a: str, b: Operand) -> str:
        if bits == 64 or b.const is not None:
            return f"{a} & {b.text}"
        return f"{a} & {b.text} & {M32:#x}"

    return condition


def _conditions(bits: int) -> dict[str, Callable[[str, Operand], str]]:
    table = {
        name: _unsigned(bits, rel)
        for name, rel in (
            ("jeq", "=="),
            ("jne", "!="),
            ("jgt", ">"),
            ("jge", ">="),
            ("jlt", "<"),
            ("jle", "<="),
        )
    }
    table.update(
        {
            name: _signed(bits, rel)
            for name, rel in (("jsgt", ">"), ("jsge", ">="), ("jslt", "<"), ("jsle", "<="))
        }
    )
    table["jset"] = _jset(bits)
    return table


COND64 = _conditions(64)
COND32 = _conditions(32)


# --- emitters, one per instruction kind ----------------------------------------------------------------
def _second_operand(w: CodeWriter, site: Site, width: int) -> Operand:
    insn = site.insn
    if site.spec.use_src_reg:
        return Operand(w.read(insn.src))
    value = insn.imm & (M64 if width == 64 else M32)
    return Operand(_hex(value), value)


def _emit_alu(w: CodeWriter, site: Site) -> None:
    spec, insn = site.spec, site.insn
    if spec.op == "mov" and not spec.alu64 and spec.use_src_reg and site.slot in site.resolved:
        # an arena's cast to address space 1 (``pybpf.vm.arena.arena_casts``): 0 stays 0, anything
        # else gets the upper half of the arena's user address
        src = w.read(insn.src)
        upper = site.resolved[site.slot]
        w.emit(f"{w.write(insn.dst)} = ({upper:#x} | ({src} & {M32:#x})) if {src} & {M32:#x} else 0")
        return
    table = ALU64 if spec.alu64 else ALU32
    b = _second_operand(w, site, 64 if spec.alu64 else 32)
    a = "" if spec.op == "mov" else w.read(insn.dst)
    w.emit(f"{w.write(insn.dst)} = {table[spec.op](a, b)}")


def _emit_neg(w: CodeWriter, site: Site) -> None:
    mask = M64 if site.spec.alu64 else M32
    a = w.read(site.insn.dst)
    w.emit(f"{w.write(site.insn.dst)} = -{a} & {mask:#x}")


def _emit_movsx(w: CodeWriter, site: Site) -> None:
    bits = site.spec.width
    sign = 1 << (bits - 1)
    mask = M64 if site.spec.alu64 else M32
    b = w.read(site.insn.src)
    w.emit(f"{w.write(site.insn.dst)} = ((({b} & {(1 << bits) - 1:#x}) ^ {sign:#x}) - {sign:#x}) & {mask:#x}")


def _swap(a: str, bits: int) -> str:
    if bits == 16:
        return f"(({a} & 0xff) << 8) | (({a} >> 8) & 0xff)"
    if bits == 32:
        return f"int.from_bytes(({a} & {M32:#x}).to_bytes(4, 'little'), 'big')"
    return f"int.from_bytes({a}.to_bytes(8, 'little'), 'big')"


def _truncate(a: str, bits: int) -> str:
    return a if bits == 64 else f"{a} & {(1 << bits) - 1:#x}"


def _emit_end(w: CodeWriter, site: Site) -> None:
    spec = site.spec
    a = w.read(site.insn.dst)
    swaps = spec.op == "bswap" or (spec.op == "be") == LITTLE_ENDIAN_HOST
    w.emit(f"{w.write(site.insn.dst)} = {_swap(a, spec.width) if swaps else _truncate(a, spec.width)}")


def _emit_ja(w: CodeWriter, site: Site) -> None:
    w.goto(site.target)


def _emit_jcond(w: CodeWriter, site: Site) -> None:
    spec = site.spec
    table = COND64 if spec.alu64 else COND32
    b = _second_operand(w, site, 64 if spec.alu64 else 32)
    w.branch(table[spec.op](w.read(site.insn.dst), b), site.target, site.next_slot)


def _emit_may_goto(w: CodeWriter, site: Site) -> None:
    w.may_goto(site.target, site.next_slot)


def _emit_call(w: CodeWriter, site: Site) -> None:
    helper = site.insn.imm
    if helper not in site.helper_ids:
        w.emit(f"raise _no_helper({helper}, {site.slot})")
        return
    w.helper_call(helper, site.slot)


def _emit_call_local(w: CodeWriter, site: Site) -> None:
    w.call_local(site.target, site.next_slot, site.slot)


def _emit_call_kfunc(w: CodeWriter, site: Site) -> None:
    """A kernel function called like a helper (``pybpf.kfuncs``: found by its BTF id when first
    called; an id pybpf implements no function for faults there)."""
    imm, slot = site.insn.imm, site.slot
    args = ", ".join(w.read(reg) for reg in range(1, 6))
    w.body.extend(
        [
            "try:",
            f"    {w.write(0)} = _kfunc({imm}, {slot})(st.ctx, {args}) & {M64:#x}",
            "except Exception as exc:",
            f"    raise _kfunc_fault(exc, {imm}, {slot})",
        ]
    )


def _emit_callx(w: CodeWriter, site: Site) -> None:
    w.callx(w.read(site.insn.dst), site.next_slot, site.slot)


def _emit_exit(w: CodeWriter, site: Site) -> None:
    w.exit(site.slot)


def _emit_lddw(w: CodeWriter, site: Site) -> None:
    insn = site.insn
    if insn.src == 0:
        value = insn.imm64
    elif insn.src == opcodes.BPF_PSEUDO_FUNC:  # the address of the function's code: per interpreter
        w.emit(f"{w.write(insn.dst)} = _code_base + {8 * site.target}")
        return
    elif site.slot in site.resolved:
        value = site.resolved[site.slot] & M64
    else:
        w.emit(f"raise _unresolved({site.slot}, {insn.src})")
        return
    w.emit(f"{w.write(insn.dst)} = {_hex(value)}")


def _packet_offset(w: CodeWriter, site: Site) -> str:
    imm = site.insn.imm
    if site.spec.kind is Kind.LD_ABS:
        return str(imm)
    src = w.read(site.insn.src)
    return f"((({src} + {imm}) & {M32:#x}) ^ {S32:#x}) - {S32:#x}"


def _emit_ld_packet(w: CodeWriter, site: Site) -> None:
    offset = _packet_offset(w, site)
    w.emit(f"{w.write(0)} = _ldpkt(st, {offset}, {site.spec.size}, {site.slot})")
    w.exit_if_load_failed(site.slot)


def _address(w: CodeWriter, reg: int, off: int) -> str:
    base = w.read(reg)
    if off > 0:
        return f"{base} + {off}"
    if off < 0:
        return f"{base} - {-off}"
    return base


def _emit_ldx(w: CodeWriter, site: Site) -> None:
    insn, size = site.insn, site.spec.size
    address = _address(w, insn.src, insn.off)
    w.load(w.write(insn.dst), size, site.spec.kind is Kind.LDXSX, address, site.slot)


def _emit_nospec(w: CodeWriter, site: Site) -> None:
    """The speculation barrier: nothing to do for an engine that does not speculate."""
    w.emit("pass")


def _emit_st(w: CodeWriter, site: Site) -> None:
    insn, size = site.insn, site.spec.size
    value = insn.imm & ((1 << (8 * size)) - 1)
    w.store(size, _address(w, insn.dst, insn.off), _hex(value), site.slot)


def _stored(w: CodeWriter, reg: int, size: int) -> str:
    value = w.read(reg)
    return value if size == 8 else f"{value} & {(1 << (8 * size)) - 1:#x}"


def _emit_stx(w: CodeWriter, site: Site) -> None:
    insn, size = site.insn, site.spec.size
    w.store(size, _address(w, insn.dst, insn.off), _stored(w, insn.src, size), site.slot)


def _emit_atomic(w: CodeWriter, site: Site) -> None:
    """A read-modify-write through ``pybpf.vm.atomics`` (native atomics, cross-process)."""
    insn, spec, size, slot = site.insn, site.spec, site.spec.size, site.slot
    src = _stored(w, insn.src, size)
    address = _address(w, insn.dst, insn.off)
    if spec.op == "cmpxchg":
        expected = _stored(w, 0, size)
        w.emit(f"{w.write(0)} = _atomic_cmpxchg{size}({address}, {expected}, {src}, {slot})")
        return
    call = f"_atomic_{spec.op}{size}({address}, {src}, {slot})"
    w.emit(f"{w.write(insn.src)} = {call}" if spec.fetch else call)


def _emit_load_acquire(w: CodeWriter, site: Site) -> None:
    insn, size = site.insn, site.spec.size
    address = _address(w, insn.src, insn.off)
    w.emit(f"{w.write(insn.dst)} = _atomic_load_acq{size}({address}, {site.slot})")


def _emit_store_release(w: CodeWriter, site: Site) -> None:
    insn, size = site.insn, site.spec.size
    value = _stored(w, insn.src, size)
    w.emit(f"_atomic_store_rel{size}({_address(w, insn.dst, insn.off)}, {value}, {site.slot})")


EMITTERS: dict[Kind, Callable[[CodeWriter, Site], None]] = {
    Kind.ALU: _emit_alu,
    Kind.NEG: _emit_neg,
    Kind.MOVSX: _emit_movsx,
    Kind.END: _emit_end,
    Kind.JA: _emit_ja,
    Kind.GOTOL: _emit_ja,
    Kind.JCOND: _emit_jcond,
    Kind.MAY_GOTO: _emit_may_goto,
    Kind.CALL: _emit_call,
    Kind.CALL_LOCAL: _emit_call_local,
    Kind.CALL_KFUNC: _emit_call_kfunc,
    Kind.CALLX: _emit_callx,
    Kind.EXIT: _emit_exit,
    Kind.NOSPEC: _emit_nospec,
    Kind.LDDW: _emit_lddw,
    Kind.LD_ABS: _emit_ld_packet,
    Kind.LD_IND: _emit_ld_packet,
    Kind.LDX: _emit_ldx,
    Kind.LDXSX: _emit_ldx,
    Kind.ST: _emit_st,
    Kind.STX: _emit_stx,
    Kind.ATOMIC: _emit_atomic,
    Kind.LOAD_ACQ: _emit_load_acquire,
    Kind.STORE_REL: _emit_store_release,
}
"""The semantics table: how each kind of instruction is translated."""
