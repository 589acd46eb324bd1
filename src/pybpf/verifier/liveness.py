"""Which registers and stack slots are live before each instruction.

Registers: the kernel's compute_live_registers() (with its level-2 log, ``format_live_registers``);
stack slots are the walk's own analysis (``stack_liveness``).

Mirrors kernel/bpf/verifier.c (Linux 6.15+): a backward dataflow over the control flow of each
instruction's uses and definitions — ALU operands, memory bases and stored values, the arguments a
helper's prototype declares (a kernel function's parameters, r1-r5 for bpf-to-bpf calls) and r0-r5
clobbered by calls, r0 read by exit, r6 (and the index register) read by LD_ABS/LD_IND.  ``prune``
compares only live registers of the current frame: a dead one is written before it is read on every
path, so its value cannot matter (this is what makes the kernel prune a program whose branches
leave different values in registers that are never read again).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Final

from pybpf.helpers.protos import HelperProto, proto
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import (
    BPF_ALU,
    BPF_ALU64,
    BPF_ATOMIC,
    BPF_CALL,
    BPF_END,
    BPF_EXIT,
    BPF_FETCH,
    BPF_JA,
    BPF_JCOND,
    BPF_JMP,
    BPF_JMP32,
    BPF_LDX,
    BPF_MEM,
    BPF_MEMSX,
    BPF_MOV,
    BPF_PSEUDO_KFUNC_CALL,
    BPF_ST,
    BPF_STX,
    BPF_X,
    Kind,
)
from pybpf.isa.program import ProgramView
from pybpf.kfuncs.kernel_btf import kernel_btf

_CALLER_SAVED: Final = 0b111111  # r0-r5
_ARGS: Final = 0b111110  # r1-r5
_ALL: Final = (
    1 << 11
) - 1  # compute_insn_live_regs()'s default use (its 0xffff, cut to r0-r10: masks index tables)
_HELPER_CALL: Final = BPF_JMP | BPF_CALL


@functools.lru_cache(maxsize=1 << 16)
def _uses_defs(insn: Instruction) -> tuple[int, int]:
    """The registers ``insn`` reads and writes (a pure function of the instruction: remembered,
    as programs repeat instructions and reloads repeat programs)."""
    spec = insn.spec
    if spec is None:
        return _malformed_uses_defs(insn)
    kind = spec.kind
    d, s = 1 << insn.dst, 1 << insn.src
    if kind is Kind.ALU:
        if spec.op == "mov":
            return (s if spec.use_src_reg else 0), d
        return d | (s if spec.use_src_reg else 0), d
    if kind in (Kind.NEG, Kind.END):
        return d, d
    if kind is Kind.MOVSX:
        return s, d
    if kind in (Kind.LDX, Kind.LDXSX, Kind.LOAD_ACQ):
        return s, d
    if kind is Kind.ST:
        return d, 0
    if kind in (Kind.STX, Kind.STORE_REL):
        return d | s, 0
    if kind is Kind.ATOMIC:
        if spec.op == "cmpxchg":
            return d | s | 1, 1
        return d | s, s if spec.fetch else 0
    if kind in (Kind.LD_ABS, Kind.LD_IND):  # Linux 6.18 counts every register read, none written
        return _ALL, 0
    if kind is Kind.LDDW:
        return 0, d
    if kind is Kind.JCOND:
        return d | (s if spec.use_src_reg else 0), 0
    if kind is Kind.CALL:
        fn = proto(insn.imm)
        uses = _ARGS if fn is None else sum(1 << (i + 1) for i in range(len(fn.args)))
        return uses, _CALLER_SAVED
    if kind is Kind.CALL_KFUNC:  # get_call_summary(): a kfunc pybpf knows reads its parameters
        kfunc = kernel_btf().kfunc(insn.imm & 0xFFFFFFFF) if insn.imm and not insn.off else None
        uses = _ARGS if kfunc is None else sum(1 << (i + 1) for i in range(len(kfunc.args)))
        return uses, _CALLER_SAVED
    if kind in (Kind.CALL_LOCAL, Kind.CALLX):
        return _ARGS, _CALLER_SAVED
    if kind is Kind.EXIT:
        return 1, 0
    return 0, 0


def has_back_edge(view: ProgramView) -> bool:
    """Whether some jump leads back (to itself or an earlier slot): falling through leads forward, so
    without such a jump the control flow (call edges aside) has no cycle."""
    return any(target <= slot for slot, target in view.jumps.items())


def _malformed_uses_defs(insn: Instruction) -> tuple[int, int]:
    """compute_insn_live_regs() for an instruction the verifier refuses later (a reserved field or
    operation): it goes by the class, mode and operation alone, and an unknown shape reads every
    register and writes none."""
    code = insn.opcode
    cls, op, mode = code & 0x07, code & 0xF0, code & 0xE0
    d, s = 1 << insn.dst, 1 << insn.src
    imm_operand = not code & BPF_X
    if cls in (BPF_ALU, BPF_ALU64):
        if op == BPF_END:
            return d, d
        if op == BPF_MOV:
            return (0 if imm_operand else s), d
        return (d if imm_operand else d | s), d
    if cls in (BPF_JMP, BPF_JMP32):
        if op == BPF_JA:
            return (0 if imm_operand else d), 0
        if op == BPF_JCOND:
            return 0, 0
        if op == BPF_EXIT:
            return 1, 0
        if op == BPF_CALL:
            return _ARGS, _CALLER_SAVED
        return (d if imm_operand else d | s), 0
    if cls == BPF_LDX and mode in (BPF_MEM, BPF_MEMSX):
        return s, d
    if cls == BPF_ST and mode == BPF_MEM:
        return d, 0
    if cls == BPF_STX and mode == BPF_MEM:
        return d | s, 0
    if cls == BPF_STX and mode == BPF_ATOMIC:
        return d | s, (s if insn.imm & BPF_FETCH else 0)
    return _ALL, 0


def _call_uses_defs(
    insn: Instruction,
    offered: Callable[[int], bool],
    prog_type: int | None,
    attach_type: int,
    type_proto: Callable[[int], HelperProto | None] | None = None,
) -> tuple[int, int]:
    """_uses_defs(), where a helper the program type does not offer has no prototype to count its
    arguments from (get_call_summary() fails), nor a kfunc outside its kfunc sets (fetch_kfunc_meta()
    fails): r1-r5 are read; and a helper the type gives a prototype of its own (``type_proto``)
    reads that one's arguments."""
    if insn.opcode == _HELPER_CALL and insn.src == 0:
        if not offered(insn.imm):
            return _ARGS, _CALLER_SAVED
        fn = type_proto(insn.imm) if type_proto is not None else None
        if fn is not None and fn is not proto(insn.imm):
            return sum(1 << (i + 1) for i in range(len(fn.args))), _CALLER_SAVED
    if prog_type is not None and insn.opcode == _HELPER_CALL and insn.src == BPF_PSEUDO_KFUNC_CALL:
        kfunc = kernel_btf().kfunc(insn.imm & 0xFFFFFFFF) if insn.imm and not insn.off else None
        if kfunc is not None and not kfunc.allowed(prog_type, attach_type):
            return _ARGS, _CALLER_SAVED
    return _uses_defs(insn)


def live_registers(
    view: ProgramView,
    offered: Callable[[int], bool] = lambda _: True,
    prog_type: int | None = None,
    attach_type: int = 0,
    type_proto: Callable[[int], HelperProto | None] | None = None,
) -> dict[int, int]:
    """Slot -> bitmask of the registers live before the instruction there (``offered``: whether the
    program type offers a helper; ``prog_type``: the program type, whose kfunc sets decide too, with
    their filters on the expected ``attach_type``; ``type_proto``: its own helper prototypes)."""
    slots = view.starts
    live_in = dict.fromkeys(slots, 0)
    get = live_in.get  # a successor outside the program (or inside an lddw) reads nothing
    # (one answer per instruction object: equal instructions of a program are often one object,
    # pybpf.isa.decode_program(); by id(), which needs no hash of the instruction)
    known: dict[int, tuple[int, int]] = {}
    order: list[tuple[int, int, int, tuple[int, ...]]] = []
    for slot, insn in zip(reversed(slots), reversed(view.insns), strict=True):
        uses_defs = known.get(id(insn))
        if uses_defs is None:
            uses_defs = known[id(insn)] = _call_uses_defs(insn, offered, prog_type, attach_type, type_proto)
        order.append((slot, uses_defs[0], uses_defs[1], view.successors(slot)))
    forward = not has_back_edge(view)
    changed = True
    while changed:
        changed = False
        for slot, uses, defs, succs in order:
            out = 0
            for t in succs:
                out |= get(t, 0)
            new = uses | (out & ~defs)
            if new != live_in[slot]:
                live_in[slot] = new
                changed = True
        if forward:  # every successor came before in this backward pass: nothing can change
            break
    return live_in


def format_live_registers(
    live: dict[int, int], sccs: dict[int, int], insn_texts: list[tuple[int, str]]
) -> str:
    """compute_live_registers()'s log at level 2: ``Live regs before insn:`` and, per instruction,
    its loop's number (if any), its slot, the registers live before it (``.1234.....``: r0-r9) and
    the instruction as the trace prints it (``insn_texts``: slot and text, without the slot)."""
    lines = ["Live regs before insn:\n"]
    for slot, text in insn_texts:
        scc = sccs.get(slot)
        mask = live.get(slot, 0)
        regs = "".join(str(r) if mask >> r & 1 else "." for r in range(10))
        lines.append(f"{f'{scc:3d} ' if scc else '    '}{slot:3d}: {regs} {text}\n")
    return "".join(lines)
