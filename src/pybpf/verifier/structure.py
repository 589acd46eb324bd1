"""The ``structure`` pass: do_check()'s per-instruction checks that need no value tracking.

Mirrors what the kernel's do_check() refuses about an instruction itself, in the kernel's order
within each instruction (kernel/bpf/verifier.c: check_alu_op, check_load_mem/check_store_reg,
check_atomic, check_ld_abs, check_ld_imm, the BPF_CALL/BPF_JA/BPF_EXIT branches of do_check and
check_cond_jmp_op):

* reserved fields, with the kernel's own per-class rules ("BPF_ALU uses reserved fields", "BPF_MOV
  ...", "BPF_NEG ...", "BPF_END ...", "BPF_ST ...", "BPF_STX ...", "BPF_CALL ...", "BPF_JA ...",
  "BPF_EXIT ...", "BPF_JMP/JMP32 ...", "BPF_LD_IMM64 ...", "BPF_LD_[ABS|IND] ...", "invalid may_goto
  imm %d", "BPF_ATOMIC uses invalid atomic opcode %02x", "invalid atomic operand size",
  addr_space_cast without an arena), "div by zero" and "invalid shift %d" for constant operands;
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
walks the program the same way — fall-through first, conditional branch targets pushed on a stack,
bpf-to-bpf calls entered and returned from — and checks each instruction when first reached.  The
kernel prunes branches it proves dead; without values this walk explores them, which is the one
place its first error can differ.  A value-tracking pass that performs these checks itself sets
``state.value_tracking_done`` and this pass then only records the context accesses.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind
from pybpf.uapi import BPF_ADDR_SPACE_CAST, BPF_COMPLEXITY_LIMIT_INSNS, BPF_MAP_TYPE_ARENA
from pybpf.verifier import ctx_track, helpers, registers
from pybpf.verifier.state import VerifierState

_RMW_ATOMICS = frozenset(
    {
        *op.ATOMIC_OPS.values(),
        *(v | op.BPF_FETCH for v in op.ATOMIC_OPS.values()),
        op.BPF_XCHG,
        op.BPF_CMPXCHG,
    }
)
_CALL = op.BPF_JMP | op.JMP_OPS["call"]


class StructurePass:
    name = "structure"

    def run(self, state: VerifierState) -> None:
        facts = ctx_track.analyze(state)
        if not state.stack_depths:
            state.stack_depths = stack_depths(state, facts)
        if state.value_tracking_done:
            state.ctx_accesses |= {i for i in facts if _unmoved_ctx(state.insns[i], facts[i])}
            return
        checked: set[int] = set()
        for index, depth in exploration_order(state):
            state.insn_processed += 1
            if index not in checked:
                checked.add(index)
                check_insn(state, index, facts.get(index))
            insn = state.insns[index]
            if insn.opcode == _CALL and insn.src == op.BPF_PSEUDO_CALL and depth + 1 >= op.MAX_CALL_FRAMES:
                state.fail(errno.E2BIG, f"the call stack of {depth + 2} frames is too deep")


def stack_depths(state: VerifierState, facts: dict[int, tuple[ctx_track.Value, ...]]) -> list[int]:
    """Per subprogram, the deepest stack byte a load or store reaches through r10 or a constant
    offset from it (the kernel's subprog stack_depth, as far as it is known without values)."""
    depths = [0] * len(state.subprogs)
    for index, regs in facts.items():
        insn = state.insns[index]
        cls = insn.opcode & 0x07
        if cls not in (op.BPF_LDX, op.BPF_ST, op.BPF_STX):
            continue
        base = insn.src if cls == op.BPF_LDX else insn.dst
        value = regs[base] if 0 <= base < len(regs) else None
        if isinstance(value, int):
            n = state.subprog_of(state.starts[index])
            depths[n] = max(depths[n], -(value + insn.off))
    return [(d + 7) // 8 * 8 for d in depths]  # reported rounded up to whole 8-byte slots


def exploration_order(state: VerifierState) -> Iterator[tuple[int, int]]:
    """(instruction index, call depth) in the order do_check() reaches them (no pruning by values).

    Depth 0 is the main program's frame; a walk stops at a call that would need a ninth frame."""
    insns, starts, index_at = state.insns, state.starts, state.index_at
    pending: list[tuple[int, tuple[int, ...]]] = [(0, ())]
    visited: set[tuple[int, tuple[int, ...]]] = set()
    steps = 0
    while pending:
        slot, frames = pending.pop()
        while steps < BPF_COMPLEXITY_LIMIT_INSNS:
            index = index_at.get(slot)
            if index is None or (slot, frames) in visited:
                break
            visited.add((slot, frames))
            steps += 1
            yield index, len(frames)
            insn = insns[index]
            spec = insn.spec
            kind = spec.kind if spec is not None else None
            nxt = starts[index] + insn.slots
            if kind is Kind.EXIT:
                if not frames:
                    break
                slot, frames = frames[-1], frames[:-1]
            elif kind is Kind.JA:
                slot = slot + insn.off + 1
            elif kind is Kind.GOTOL:
                slot = slot + insn.imm + 1
            elif kind is Kind.JCOND:
                pending.append((slot + insn.off + 1, frames))
                slot = nxt
            elif kind is Kind.MAY_GOTO:
                pending.append((nxt, frames))
                slot = slot + insn.off + 1
            elif kind is Kind.CALL_LOCAL:
                if len(frames) + 1 >= op.MAX_CALL_FRAMES:
                    break
                frames = (*frames, nxt)
                slot = slot + insn.imm + 1
            else:
                slot = nxt


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


def check_insn(state: VerifierState, index: int, regs: tuple[ctx_track.Value, ...] | None) -> None:
    insn = state.insns[index]
    cls = insn.opcode & 0x07
    if cls in (op.BPF_ALU, op.BPF_ALU64):
        _check_alu(state, insn)
    elif cls == op.BPF_LDX:
        registers.check_src(state, insn.src)
        registers.check_dst(state, insn.dst)
        _check_ctx(state, index, insn, regs, write=False)
    elif cls == op.BPF_STX:
        if insn.opcode & 0xE0 == op.BPF_ATOMIC:
            _check_atomic(state, index, insn, regs)
            return
        if insn.opcode & 0xE0 != op.BPF_MEM or insn.imm != 0:
            state.einval("BPF_STX uses reserved fields")
        registers.check_src(state, insn.src)
        registers.check_src(state, insn.dst)
        _check_ctx(state, index, insn, regs, write=True)
    elif cls == op.BPF_ST:
        if insn.opcode & 0xE0 != op.BPF_MEM or insn.src != 0:
            state.einval("BPF_ST uses reserved fields")
        registers.check_src(state, insn.dst)
        _check_ctx(state, index, insn, regs, write=True)
    elif cls == op.BPF_LD:
        _check_ld(state, insn)
    else:
        _check_jmp(state, insn)


def _check_alu(state: VerifierState, insn: Instruction) -> None:
    code, src, off, imm = insn.opcode, insn.src, insn.off, insn.imm
    alu_op = code & 0xF0
    is_x = bool(code & op.BPF_X)
    is64 = code & 0x07 == op.BPF_ALU64
    if alu_op == op.ALU_OPS["neg"]:
        if is_x or src or off or imm:
            state.einval("BPF_NEG uses reserved fields")
        registers.check_src(state, insn.dst)
        registers.check_dst(state, insn.dst)
    elif alu_op == op.ALU_OPS["end"]:
        if src or off or imm not in (16, 32, 64) or (is64 and is_x):
            state.einval("BPF_END uses reserved fields")
        registers.check_src(state, insn.dst)
        registers.check_dst(state, insn.dst)
    elif alu_op == op.ALU_OPS["mov"]:
        if is_x:
            if not is64:
                if off not in (0, 8, 16) or imm:
                    state.einval("BPF_MOV uses reserved fields")
            elif off == BPF_ADDR_SPACE_CAST:
                if imm not in (1, 1 << 16):
                    state.einval("addr_space_cast insn can only convert between address space 1 and 0")
                if not any(m.map_type == BPF_MAP_TYPE_ARENA for m in state.maps):
                    state.einval(
                        "addr_space_cast insn can only be used in a program that has an associated arena"
                    )
            elif off not in (0, 8, 16, 32) or imm:
                state.einval("BPF_MOV uses reserved fields")
            registers.check_src(state, src)
        elif src or off:
            state.einval("BPF_MOV uses reserved fields")
        registers.check_dst(state, insn.dst)
    else:
        divmod_ = alu_op in (op.ALU_OPS["div"], op.ALU_OPS["mod"])
        bad_off = off not in (0, 1) or (off == 1 and not divmod_)
        if is_x:
            if imm or bad_off:
                state.einval("BPF_ALU uses reserved fields")
            registers.check_src(state, src)
        elif src or bad_off:
            state.einval("BPF_ALU uses reserved fields")
        registers.check_src(state, insn.dst)
        if divmod_ and not is_x and imm == 0:
            state.einval("div by zero")
        shift = alu_op in (op.ALU_OPS["lsh"], op.ALU_OPS["rsh"], op.ALU_OPS["arsh"])
        if shift and not is_x and not 0 <= imm < (64 if is64 else 32):
            state.einval(f"invalid shift {imm}")
        registers.check_dst(state, insn.dst)


def _check_atomic(
    state: VerifierState, index: int, insn: Instruction, regs: tuple[ctx_track.Value, ...] | None
) -> None:
    imm = insn.imm
    if imm in _RMW_ATOMICS:
        if insn.opcode & 0x18 not in (op.BPF_W, op.BPF_DW):
            state.einval("invalid atomic operand size")
        registers.check_src(state, insn.src)
        registers.check_src(state, insn.dst)
        if regs is not None and _ctx_base(insn, regs) is not None:
            state.eacces(f"BPF_ATOMIC stores into R{insn.dst} ctx is not allowed")
        if imm & op.BPF_FETCH:  # the old value is loaded into r0 (cmpxchg) or src
            registers.check_dst(state, 0 if imm == op.BPF_CMPXCHG else insn.src)
    elif imm == op.BPF_LOAD_ACQ:
        # Linux 6.18 refuses a ctx source before check_load_mem() looks at the access or at dst
        # (6.15-6.17 checked the access first: "invalid bpf_context access ...").
        registers.check_src(state, insn.src)
        if regs is not None and _ctx_base(insn, regs) is not None:
            state.eacces(f"BPF_ATOMIC loads from R{insn.src} ctx is not allowed")
        registers.check_dst(state, insn.dst)
        _check_ctx(state, index, insn, regs, write=False)
    elif imm == op.BPF_STORE_REL:  # check_store_reg(), then atomic_ptr_type_ok()
        registers.check_src(state, insn.src)
        registers.check_src(state, insn.dst)
        _check_ctx(state, index, insn, regs, write=True)
        if regs is not None and _ctx_base(insn, regs) is not None:
            state.eacces(f"BPF_ATOMIC stores into R{insn.dst} ctx is not allowed")
    else:
        state.einval(f"BPF_ATOMIC uses invalid atomic opcode {imm & 0xFFFFFFFF:02x}")


def _check_ctx(
    state: VerifierState,
    index: int,
    insn: Instruction,
    regs: tuple[ctx_track.Value, ...] | None,
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


def _check_ld(state: VerifierState, insn: Instruction) -> None:
    mode = insn.opcode & 0xE0
    if mode in (op.BPF_ABS, op.BPF_IND):
        if not helpers.may_access_skb(state.request.prog_type.prog_type):
            state.einval("BPF_LD_[ABS|IND] instructions not allowed for this program type")
        if insn.dst or insn.off or insn.opcode & 0x18 == op.BPF_DW or (mode == op.BPF_ABS and insn.src):
            state.einval("BPF_LD_[ABS|IND] uses reserved fields")
        registers.check_src(state, 6)
        if mode == op.BPF_IND:
            registers.check_src(state, insn.src)
        return
    if insn.off != 0:
        state.einval("BPF_LD_IMM64 uses reserved fields")
    registers.check_dst(state, insn.dst)
    if insn.src == op.BPF_PSEUDO_FUNC and state.func_info is None:
        state.einval("missing btf func_info")


def _check_jmp(state: VerifierState, insn: Instruction) -> None:
    code, src, dst, off, imm = insn.opcode, insn.src, insn.dst, insn.off, insn.imm
    jmp_op = code & 0xF0
    is_x = bool(code & op.BPF_X)
    jmp32 = code & 0x07 == op.BPF_JMP32
    if jmp_op == op.JMP_OPS["call"]:
        if (
            is_x
            or (src != op.BPF_PSEUDO_KFUNC_CALL and off != 0)
            or src not in (0, op.BPF_PSEUDO_CALL, op.BPF_PSEUDO_KFUNC_CALL)
            or dst != 0
            or jmp32
        ):
            state.einval("BPF_CALL uses reserved fields")
        if src == 0:
            helpers.check_helper_call(state, imm)
    elif jmp_op == op.JMP_OPS["ja"]:
        if is_x or src or dst or (not jmp32 and imm) or (jmp32 and off):
            state.einval("BPF_JA uses reserved fields")
    elif jmp_op == op.JMP_OPS["exit"]:
        if is_x or imm or src or dst or jmp32:
            state.einval("BPF_EXIT uses reserved fields")
    elif jmp_op == op.JMP_OPS["jcond"]:
        if code != op.BPF_JMP | op.JMP_OPS["jcond"] or src != op.BPF_MAY_GOTO or dst or imm:
            state.einval(f"invalid may_goto imm {imm}")
    else:
        if is_x:
            if imm:
                state.einval("BPF_JMP/JMP32 uses reserved fields")
        elif src:
            state.einval("BPF_JMP/JMP32 uses reserved fields")
        registers.check_src(state, dst)
        if is_x:
            registers.check_src(state, src)
