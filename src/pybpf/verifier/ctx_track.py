"""Which loads and stores go through the context pointer: a small forward dataflow.

The kernel knows from value tracking that a register is PTR_TO_CTX, and check_mem_access() then
asks the program type's is_valid_access(); convert_ctx_accesses() later rewrites exactly those
instructions.  Before value tracking exists pybpf answers the same question with this must-analysis
over the control-flow graph:

* at the entry of the main program r1 holds the context and r10 the frame pointer;
* ``rX = rY`` (64-bit mov) copies what rY holds; 8-byte spills to ``r10 + off`` and fills from it
  keep the context pointer on the stack (stack pointers derived from r10 by constant adds are
  tracked so that such spills through copies count too);
* adding or subtracting a constant moves the context pointer (``CtxPtr``: the kernel refuses to
  dereference it, "dereference of modified ctx ptr"); every other write of a register clobbers it:
  other ALU results, loads, lddw; calls and LD_ABS/LD_IND clobber
  r0-r5; a call or a store through a pointer that may point into the stack forgets the stack;
* a bpf-to-bpf callee starts with what its callers pass in r1-r5 (joined over all call sites);
* at joins a register is the context only if it is on every incoming path (``MIXED`` otherwise:
  neither checked nor rewritten here; value tracking decides those).

The result gives, per reachable instruction index, the abstract registers at its entry.  The
control-flow graph walked is the program view's (``pybpf.isa.program``): its successors of each
instruction and its bpf-to-bpf call edges.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind
from pybpf.isa.program import CallKind
from pybpf.verifier.state import VerifierState


class CtxPtr(NamedTuple):
    """The context pointer moved by a constant (the kernel refuses to dereference it)."""

    off: int


# Abstract values: an int is a stack pointer at that frame offset; the strings are the other kinds.
CTX = "ctx"
OTHER = "other"  # scalar, or a pointer that is not the stack (map value, packet, ...)
MIXED = "mixed"  # the context on some paths, something else on others
STACKPTR = "stack?"  # may point into this frame's stack at an unknown offset
Value = int | str | CtxPtr

Regs = tuple[Value, ...]
Stack = Mapping[int, Value]  # 8-byte slot offset -> value; absent means OTHER


def join_value(a: Value, b: Value) -> Value:
    if a == b:
        return a
    if is_ctx(a) or is_ctx(b) or MIXED in (a, b):
        return MIXED
    return STACKPTR  # two different stack offsets, or a stack pointer and something else


def is_ctx(v: Value) -> bool:
    """The context pointer, moved or not."""
    return v == CTX or isinstance(v, CtxPtr)


def _join_regs(a: Regs, b: Regs) -> Regs:
    return tuple(join_value(x, y) for x, y in zip(a, b, strict=True))


def _may_be_stack(v: Value) -> bool:
    return isinstance(v, int) or v in (STACKPTR, MIXED)


class _State:
    __slots__ = ("regs", "stack")

    def __init__(self, regs: Regs, stack: Stack) -> None:
        self.regs = regs
        self.stack = stack

    def join(self, other: _State) -> _State:
        regs = _join_regs(self.regs, other.regs)
        stack: dict[int, Value] = {}
        for key in set(self.stack) | set(other.stack):
            v = join_value(self.stack.get(key, OTHER), other.stack.get(key, OTHER))
            if v != OTHER:
                stack[key] = v
        return _State(regs, stack)

    def key(self) -> tuple[Regs, tuple[tuple[int, Value], ...]]:
        return self.regs, tuple(sorted(self.stack.items(), key=lambda kv: kv[0]))


def _entry(args: Regs) -> _State:
    regs: list[Value] = [OTHER] * op.MAX_BPF_REG
    regs[1:6] = args[1:6]
    regs[op.BPF_REG_FP] = 0
    return _State(tuple(regs), {})


def _callee_args(regs: Regs) -> Regs:
    """What a callee sees in r1-r5: the caller's stack pointers are not the callee's frame."""
    return tuple(v if is_ctx(v) or v == MIXED else OTHER for v in regs)


def analyze(state: VerifierState) -> dict[int, Regs]:
    """Per instruction index, the abstract registers at its entry (only reachable instructions).

    Edges are the program view's: its successors, and its call edges into a callee's entry."""
    view = state.view
    insns, starts = view.insns, view.starts
    main_args: list[Value] = [OTHER] * op.MAX_BPF_REG
    main_args[1] = CTX
    inputs: dict[int, _State] = {0: _entry(tuple(main_args))}
    callee_in: dict[int, Regs] = {}
    work = [0]
    while work:
        i = work.pop()
        cur = inputs[i]
        insn = insns[i]
        spec = insn.spec
        slot = starts[i]
        targets: tuple[int, ...]
        if spec is None:  # refused when reached (structure); until then it writes dst and falls through
            regs = list(cur.regs)
            if 0 <= insn.dst < op.MAX_BPF_REG:
                regs[insn.dst] = OTHER
            out, targets = _State(tuple(regs), cur.stack), (view.next_slot(slot),)
        else:
            out, targets = _transfer(cur, insn.opcode, spec.kind, insn), view.successors(slot)
        edge = view.call_edge(slot)
        callee = None if edge is None or edge.kind is not CallKind.CALL else view.index_at(edge.target)
        if callee is not None:  # bpf-to-bpf call: feed the callee's entry
            args = _callee_args(cur.regs)
            prev = callee_in.get(callee)
            merged = args if prev is None else _join_regs(prev, args)
            if merged != prev:
                callee_in[callee] = merged
                _feed(inputs, work, callee, _entry(merged))
        for target in targets:
            j = view.index_at(target)
            if j is not None:
                _feed(inputs, work, j, out)
    return {i: s.regs for i, s in inputs.items()}


def _feed(inputs: dict[int, _State], work: list[int], j: int, incoming: _State) -> None:
    prev = inputs.get(j)
    new = incoming if prev is None else prev.join(incoming)
    if prev is None or new.key() != prev.key():
        inputs[j] = new
        work.append(j)


def _transfer(cur: _State, code: int, kind: Kind, insn: Instruction) -> _State:
    """The abstract state after ``insn`` (the same on every edge leaving it)."""
    regs = list(cur.regs)
    stack = cur.stack

    def set_reg(r: int, v: Value) -> None:
        if 0 <= r < op.MAX_BPF_REG:
            regs[r] = v

    def get(r: int) -> Value:
        return regs[r] if 0 <= r < op.MAX_BPF_REG else OTHER

    def kill_stack(base: Value, off: int, size: int) -> None:
        nonlocal stack
        if isinstance(base, int):
            lo = base + off
            stack = {k: v for k, v in stack.items() if k + 8 <= lo or k >= lo + size}
        elif _may_be_stack(base):
            stack = {}

    def clobber_call() -> None:
        nonlocal stack
        if any(_may_be_stack(regs[r]) for r in range(1, 6)):
            stack = {}
        for r in range(0, 6):
            regs[r] = OTHER

    if kind is Kind.ALU:
        dst_v = get(insn.dst)
        alu_op = code & 0xF0
        if code == op.BPF_ALU64 | op.ALU_OPS["mov"] | op.BPF_X and insn.off == 0:
            set_reg(insn.dst, get(insn.src))
        elif alu_op == op.ALU_OPS["mov"]:
            set_reg(insn.dst, OTHER)
        elif (
            code & 0x0F == op.BPF_ALU64 | op.BPF_K
            and alu_op in (op.ALU_OPS["add"], op.ALU_OPS["sub"])
            and (isinstance(dst_v, int) or is_ctx(dst_v))
        ):
            delta = insn.imm if code & 0xF0 == op.ALU_OPS["add"] else -insn.imm
            if isinstance(dst_v, int):
                set_reg(insn.dst, dst_v + delta)
            else:
                moved = (dst_v.off if isinstance(dst_v, CtxPtr) else 0) + delta
                set_reg(insn.dst, CtxPtr(moved) if moved else CTX)
        else:
            set_reg(insn.dst, _clobbered(dst_v))
    elif kind is Kind.MOVSX:
        set_reg(insn.dst, OTHER)
    elif kind in (Kind.NEG, Kind.END):
        set_reg(insn.dst, _clobbered(get(insn.dst)))
    elif kind in (Kind.LDX, Kind.LDXSX, Kind.LOAD_ACQ):
        base = get(insn.src)
        value: Value = OTHER
        if kind is Kind.LDX and insn.opcode & 0x18 == op.BPF_DW and isinstance(base, int):
            value = stack.get(base + insn.off, OTHER)
        set_reg(insn.dst, value)
    elif kind in (Kind.STX, Kind.ST, Kind.STORE_REL, Kind.ATOMIC):
        base = get(insn.dst)
        size = op.SIZE_BYTES[insn.opcode & 0x18]
        kill_stack(base, insn.off, size)
        if kind is Kind.STX and size == 8 and isinstance(base, int) and (base + insn.off) % 8 == 0:
            v = get(insn.src)
            if v != OTHER:
                stack = {**stack, base + insn.off: v}
        if kind is Kind.ATOMIC:
            spec_fetch = insn.spec
            if spec_fetch is not None and spec_fetch.fetch:
                if spec_fetch.op == "cmpxchg":
                    regs[0] = OTHER
                else:
                    set_reg(insn.src, OTHER)
    elif kind in (Kind.LD_ABS, Kind.LD_IND):
        for r in range(0, 6):
            regs[r] = OTHER
    elif kind is Kind.LDDW:
        set_reg(insn.dst, OTHER)
    elif kind in (Kind.CALL, Kind.CALL_KFUNC, Kind.CALLX, Kind.CALL_LOCAL):
        clobber_call()
    return _State(tuple(regs), stack)


def _clobbered(v: Value) -> Value:
    if _may_be_stack(v):
        return MIXED if v == MIXED else STACKPTR
    return OTHER
