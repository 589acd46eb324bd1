"""The ``structure`` pass: do_check()'s per-instruction checks that need no value tracking.

Mirrors what the kernel's do_check() refuses about an instruction itself, in the kernel's order
within each instruction (kernel/bpf/verifier.c: check_alu_op, check_load_mem/check_store_reg,
check_atomic, check_ld_abs, check_ld_imm, the BPF_CALL/BPF_JA/BPF_EXIT branches of do_check and
check_cond_jmp_op):

* reserved fields: an instruction is legal when the opcode table (``pybpf.isa.opcodes``) has an
  entry for it and none of the entry's ``kernel_reserved`` fields is in use; otherwise the message
  is the kernel's for the opcode's family ("BPF_ALU uses reserved fields", "BPF_MOV ...", "BPF_NEG
  ...", "BPF_END ...", "BPF_ST ...", "BPF_STX ...", "BPF_CALL ...", "BPF_JA ...", "BPF_EXIT ...",
  "BPF_JMP/JMP32 ...", "BPF_LD_IMM64 ...", "BPF_LD_[ABS|IND] ...", "invalid may_goto imm %d",
  "BPF_ATOMIC uses invalid atomic opcode %02x", "invalid atomic operand size" for an atomic
  operation the table has only at other sizes).  ``addr_space_cast`` (``mov`` with off 1), which
  the table does not describe, is legal only between address spaces 1 and 0 and in a program with
  an arena map.  Then "div by zero" and "invalid shift %d" for constant operands;
* bpf-to-bpf calls deeper than MAX_CALL_FRAMES: "the call stack of %d frames is too deep" (E2BIG);
* register numbers and writes to r10 (``registers``), helper ids, program-type and GPL rules and
  LD_ABS/LD_IND program types (``helpers``); an lddw BPF_PSEUDO_FUNC needs BTF func_info, which a
  load without BTF never has ("missing btf func_info");
* loads and stores through the context pointer (found by ``ctx_track``): the program type's
  is_valid_access() decides ("invalid bpf_context access off=%d size=%d", EACCES) and read-modify-
  write atomics on it are refused ("BPF_ATOMIC stores into R%d ctx is not allowed"), and so are
  store-release once the access itself is valid and load-acquire from it whatever the access
  ("BPF_ATOMIC loads from R%d ctx is not allowed": Linux 6.18's order, see ``_check_atomic``).

The kernel meets these instructions in the order its path exploration visits them, so this pass
walks the program's control flow (the program view's successors and call edges) the same way —
fall-through first, conditional branch targets pushed on a stack, bpf-to-bpf calls entered and
returned from — and checks each instruction when first reached.  The kernel prunes branches it
proves dead; without values this walk explores them, which is the one place its first error can
differ.  A value-tracking pass that performs these checks itself sets
``state.value_tracking_done`` and this pass then only records the context accesses.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind, OpSpec
from pybpf.isa.program import CallKind
from pybpf.uapi import BPF_ADDR_SPACE_CAST, BPF_COMPLEXITY_LIMIT_INSNS, BPF_MAP_TYPE_ARENA
from pybpf.verifier import ctx_track, helpers, registers
from pybpf.verifier.pseudo import KERNEL_OPCODES
from pybpf.verifier.state import VerifierState

_MOV64_X = op.BPF_ALU64 | op.ALU_OPS["mov"] | op.BPF_X
_RMW_ATOMICS = frozenset(
    spec.discriminator[1] for spec in op.OPCODES if spec.kind is Kind.ATOMIC and spec.discriminator
)
"""The imm of every read-modify-write atomic operation of the table (at any size)."""
_ATOMIC_KINDS = frozenset({Kind.ATOMIC, Kind.LOAD_ACQ, Kind.STORE_REL})

_RESERVED_MESSAGE = {
    Kind.ALU: "BPF_ALU uses reserved fields",
    Kind.NEG: "BPF_NEG uses reserved fields",
    Kind.END: "BPF_END uses reserved fields",
    Kind.MOVSX: "BPF_MOV uses reserved fields",
    Kind.LDX: "BPF_LDX uses reserved fields",
    Kind.LDXSX: "BPF_LDX uses reserved fields",
    Kind.ST: "BPF_ST uses reserved fields",
    Kind.STX: "BPF_STX uses reserved fields",
    Kind.LDDW: "BPF_LD_IMM64 uses reserved fields",
    Kind.LD_ABS: "BPF_LD_[ABS|IND] uses reserved fields",
    Kind.LD_IND: "BPF_LD_[ABS|IND] uses reserved fields",
    Kind.CALL: "BPF_CALL uses reserved fields",
    Kind.CALL_LOCAL: "BPF_CALL uses reserved fields",
    Kind.CALL_KFUNC: "BPF_CALL uses reserved fields",
    Kind.JA: "BPF_JA uses reserved fields",
    Kind.GOTOL: "BPF_JA uses reserved fields",
    Kind.EXIT: "BPF_EXIT uses reserved fields",
    Kind.JCOND: "BPF_JMP/JMP32 uses reserved fields",
}
"""The kernel's message for illegal fields, by the kind of the opcode's first table entry (its
family: ``mov`` shares the ALU kind and has its own message, ``may_goto`` names its imm)."""


class StructurePass:
    name = "structure"

    def run(self, state: VerifierState) -> None:
        facts = ctx_track.analyze(state)
        if not state.stack_depths:
            state.stack_depths = stack_depths(state, facts)
        if state.value_tracking_done:
            state.ctx_accesses |= {i for i in facts if _unmoved_ctx(state.insns[i], facts[i])}
            return
        view = state.view
        checked: set[int] = set()
        for index, depth in exploration_order(state):
            state.insn_processed += 1
            if index not in checked:
                checked.add(index)
                check_insn(state, index, facts.get(index))
            edge = view.call_edge(view.starts[index])
            if edge is not None and edge.kind is CallKind.CALL and depth + 1 >= op.MAX_CALL_FRAMES:
                state.fail(errno.E2BIG, f"the call stack of {depth + 2} frames is too deep")


def stack_depths(state: VerifierState, facts: dict[int, tuple[ctx_track.Value, ...]]) -> list[int]:
    """Per subprogram, the deepest stack byte a load or store reaches through r10 or a constant
    offset from it (the kernel's subprog stack_depth, as far as it is known without values)."""
    view = state.view
    depths = [0] * len(view.subprograms)
    for index, regs in facts.items():
        insn = view.insns[index]
        cls = insn.opcode & 0x07
        if cls not in (op.BPF_LDX, op.BPF_ST, op.BPF_STX):
            continue
        base = insn.src if cls == op.BPF_LDX else insn.dst
        value = regs[base] if 0 <= base < len(regs) else None
        if isinstance(value, int):
            n = view.subprog_of(view.starts[index])
            depths[n] = max(depths[n], -(value + insn.off))
    return [(d + 7) // 8 * 8 for d in depths]  # reported rounded up to whole 8-byte slots


def exploration_order(state: VerifierState) -> Iterator[tuple[int, int]]:
    """(instruction index, call depth) in the order do_check() reaches them (no pruning by values).

    Depth 0 is the main program's frame; a walk stops at a call that would need a ninth frame.  A
    conditional jump is followed falling through first (its target waits), ``may_goto`` jumping
    first, as do_check() pushes the other branch."""
    view = state.view
    pending: list[tuple[int, tuple[int, ...]]] = [(0, ())]
    visited: set[tuple[int, tuple[int, ...]]] = set()
    steps = 0
    while pending:
        slot, frames = pending.pop()
        while steps < BPF_COMPLEXITY_LIMIT_INSNS:
            index = view.index_at(slot)
            if index is None or (slot, frames) in visited:
                break
            visited.add((slot, frames))
            steps += 1
            yield index, len(frames)
            edge = view.call_edge(slot)
            if edge is not None and edge.kind is CallKind.CALL:
                if len(frames) + 1 >= op.MAX_CALL_FRAMES:
                    break
                frames = (*frames, view.next_slot(slot))
                slot = edge.target
                continue
            successors = view.successors(slot)
            if not successors:  # exit: back to the caller
                if not frames:
                    break
                slot, frames = frames[-1], frames[:-1]
            elif len(successors) == 1:
                slot = successors[0]
            else:
                fall, jump = successors
                spec = view.insns[index].spec
                if spec is not None and spec.kind is Kind.MAY_GOTO:
                    pending.append((fall, frames))
                    slot = jump
                else:
                    pending.append((jump, frames))
                    slot = fall


def _ctx_base(insn: Instruction, regs: tuple[ctx_track.Value, ...]) -> int | None:
    """The base register of a load/store that surely holds the (maybe moved) context, else None."""
    cls = insn.opcode & 0x07
    if cls == op.BPF_LDX:
        base = insn.src
    elif cls in (op.BPF_ST, op.BPF_STX):
        base = insn.dst
        if cls == op.BPF_STX and insn.opcode & 0xE0 == op.BPF_ATOMIC and insn.imm == op.BPF_LOAD_ACQ:
            base = insn.src
    else:
        return None
    if 0 <= base < len(regs) and ctx_track.is_ctx(regs[base]):
        return base
    return None


def _unmoved_ctx(insn: Instruction, regs: tuple[ctx_track.Value, ...]) -> bool:
    base = _ctx_base(insn, regs)
    return base is not None and regs[base] == ctx_track.CTX


def kernel_spec(insn: Instruction) -> OpSpec | None:
    """The table entry of ``insn`` when the kernel's verifier accepts its fields, else None."""
    spec = insn.spec
    if spec is None or insn.opcode not in KERNEL_OPCODES:
        return None
    for field in spec.kernel_reserved:
        if getattr(insn, field):
            return None
    return spec


def _reserved_message(insn: Instruction) -> str:
    family = op.BY_OPCODE[insn.opcode][0]
    if family.kind is Kind.MAY_GOTO:
        return f"invalid may_goto imm {insn.imm}"
    if family.op == "mov":
        return "BPF_MOV uses reserved fields"
    return _RESERVED_MESSAGE[family.kind]


Facts = tuple[ctx_track.Value, ...] | None
"""What ``ctx_track`` knows of the registers at an instruction (None: unreachable there)."""


def check_insn(state: VerifierState, index: int, regs: Facts) -> None:
    """The checks of one instruction: its fields against the opcode table, then its operands."""
    insn = state.insns[index]
    code = insn.opcode
    if code not in KERNEL_OPCODES:  # the pseudo pass refuses these first
        state.einval(f"unknown opcode {code:02x}")
    family = op.BY_OPCODE[code][0].kind
    if family in _ATOMIC_KINDS:
        _check_atomic(state, index, insn, regs)
        return
    if family in (Kind.LD_ABS, Kind.LD_IND) and not helpers.may_access_skb(state.request.prog_type.prog_type):
        state.einval("BPF_LD_[ABS|IND] instructions not allowed for this program type")
    if code == _MOV64_X and insn.off == BPF_ADDR_SPACE_CAST:
        _check_addr_space_cast(state, insn)
        return
    spec = kernel_spec(insn)
    if spec is None:
        state.einval(_reserved_message(insn))
    _OPERAND_CHECKS[spec.kind](state, index, insn, spec, regs)


def _check_addr_space_cast(state: VerifierState, insn: Instruction) -> None:
    if insn.imm not in (1, 1 << 16):
        state.einval("addr_space_cast insn can only convert between address space 1 and 0")
    if not any(m.map_type == BPF_MAP_TYPE_ARENA for m in state.maps):
        state.einval("addr_space_cast insn can only be used in a program that has an associated arena")
    registers.check_src(state, insn.src)
    registers.check_dst(state, insn.dst)


OperandCheck = Callable[[VerifierState, int, Instruction, OpSpec, Facts], None]


def _unary(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    """neg, le/be/bswap: dst is read and written."""
    registers.check_src(state, insn.dst)
    registers.check_dst(state, insn.dst)


def _alu(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    if spec.use_src_reg:
        registers.check_src(state, insn.src)
    if spec.op in ("mov", "movsx"):  # dst is only written
        registers.check_dst(state, insn.dst)
        return
    registers.check_src(state, insn.dst)
    if not spec.use_src_reg:
        if spec.op in ("div", "mod", "sdiv", "smod") and insn.imm == 0:
            state.einval("div by zero")
        if spec.op in ("lsh", "rsh", "arsh") and not 0 <= insn.imm < (64 if spec.alu64 else 32):
            state.einval(f"invalid shift {insn.imm}")
    registers.check_dst(state, insn.dst)


def _load(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    registers.check_src(state, insn.src)
    registers.check_dst(state, insn.dst)
    _check_ctx(state, index, insn, regs, write=False)


def _store(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    if spec.use_src_reg:
        registers.check_src(state, insn.src)
    registers.check_src(state, insn.dst)
    _check_ctx(state, index, insn, regs, write=True)


def _ld_packet(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    registers.check_src(state, 6)  # LD_ABS / LD_IND read the skb from r6
    if spec.use_src_reg:
        registers.check_src(state, insn.src)


def _lddw(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    registers.check_dst(state, insn.dst)
    if insn.src == op.BPF_PSEUDO_FUNC and state.func_info is None:
        state.einval("missing btf func_info")


def _helper_call(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    helpers.check_helper_call(state, insn.imm)


def _cond_jump(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    registers.check_src(state, insn.dst)
    if spec.use_src_reg:
        registers.check_src(state, insn.src)


def _nothing(state: VerifierState, index: int, insn: Instruction, spec: OpSpec, regs: Facts) -> None:
    """ja, gotol, exit, may_goto, bpf-to-bpf and kfunc calls: no operand to check here."""


_OPERAND_CHECKS: dict[Kind, OperandCheck] = {
    Kind.ALU: _alu,
    Kind.MOVSX: _alu,
    Kind.NEG: _unary,
    Kind.END: _unary,
    Kind.LDX: _load,
    Kind.LDXSX: _load,
    Kind.ST: _store,
    Kind.STX: _store,
    Kind.LD_ABS: _ld_packet,
    Kind.LD_IND: _ld_packet,
    Kind.LDDW: _lddw,
    Kind.CALL: _helper_call,
    Kind.CALL_LOCAL: _nothing,
    Kind.CALL_KFUNC: _nothing,
    Kind.JA: _nothing,
    Kind.GOTOL: _nothing,
    Kind.EXIT: _nothing,
    Kind.MAY_GOTO: _nothing,
    Kind.JCOND: _cond_jump,
}
"""What each kind of legal instruction checks of its operands, in the kernel's order."""


def _check_atomic(state: VerifierState, index: int, insn: Instruction, regs: Facts) -> None:
    spec = insn.spec
    if spec is None:
        if insn.imm in _RMW_ATOMICS:  # check_atomic_rmw(): the table has it only at other sizes
            state.einval("invalid atomic operand size")
        state.einval(f"BPF_ATOMIC uses invalid atomic opcode {insn.imm & 0xFFFFFFFF:02x}")
    if spec.kind is Kind.ATOMIC:
        registers.check_src(state, insn.src)
        registers.check_src(state, insn.dst)
        if regs is not None and _ctx_base(insn, regs) is not None:
            state.eacces(f"BPF_ATOMIC stores into R{insn.dst} ctx is not allowed")
        if spec.fetch:  # the old value is loaded into r0 (cmpxchg) or src
            registers.check_dst(state, 0 if spec.op == "cmpxchg" else insn.src)
    elif spec.kind is Kind.LOAD_ACQ:
        # Linux 6.18 refuses a ctx source before check_load_mem() looks at the access or at dst
        # (6.15-6.17 checked the access first: "invalid bpf_context access ...").
        registers.check_src(state, insn.src)
        if regs is not None and _ctx_base(insn, regs) is not None:
            state.eacces(f"BPF_ATOMIC loads from R{insn.src} ctx is not allowed")
        registers.check_dst(state, insn.dst)
        _check_ctx(state, index, insn, regs, write=False)
    else:  # store-release: check_store_reg(), then atomic_ptr_type_ok()
        registers.check_src(state, insn.src)
        registers.check_src(state, insn.dst)
        _check_ctx(state, index, insn, regs, write=True)
        if regs is not None and _ctx_base(insn, regs) is not None:
            state.eacces(f"BPF_ATOMIC stores into R{insn.dst} ctx is not allowed")


def _check_ctx(
    state: VerifierState,
    index: int,
    insn: Instruction,
    regs: Facts,
    *,
    write: bool,
) -> None:
    base = None if regs is None else _ctx_base(insn, regs)
    if regs is None or base is None:
        return
    moved = regs[base]
    if isinstance(moved, ctx_track.CtxPtr):
        state.eacces(f"dereference of modified ctx ptr R{base} off={moved.off} disallowed")
    size = op.SIZE_BYTES[insn.opcode & 0x18]
    if not state.request.prog_type.is_valid_access(insn.off, size, write):
        state.eacces(f"invalid bpf_context access off={insn.off} size={size}")
    state.ctx_accesses.add(index)
