"""The ``subprogs`` pass: subprogram discovery and per-subprogram jump ranges.

Mirrors the kernel's add_subprog_and_kfunc() and check_subprogs() (kernel/bpf/verifier.c), which
run first in bpf_check() over the raw 8-byte slots:

* every bpf-to-bpf call (``call pc+N``, src 1) and every ``lddw`` of BPF_PSEUDO_FUNC (src 4) starts
  a subprogram at ``slot + imm + 1``; a target outside the program is "call to invalid destination"
  (EINVAL); more than BPF_MAX_SUBPROGS is "too many subprograms" (E2BIG); with log level 2 each
  subprogram is announced as ``func#N @S``;
* a kfunc call (src 2) names a kernel function by BTF id: pybpf has no kernel BTF functions, so it is
  refused as the kernel refuses an id that is not a function ("kernel btf_id %u is not a function");
* each jump must land inside its own subprogram ("jump out of range from insn %d to %d"), and the
  last slot of every subprogram must be ``exit`` or ``ja``/``gotol`` ("last insn is not an exit or
  jmp"), so that no subprogram falls through into the next;
* without BTF func_info (pybpf takes none), subprograms other than the main one may not use
  LD_ABS/LD_IND or bpf_tail_call (check_abnormal_return()).
"""

from __future__ import annotations

import errno

from pybpf.isa import opcodes as op
from pybpf.uapi import BPF_MAX_SUBPROGS, BPF_FUNC_tail_call
from pybpf.verifier.state import VerifierState

_CALL = op.BPF_JMP | op.JMP_OPS["call"]
_LDDW = op.BPF_LD | op.BPF_IMM | op.BPF_DW
_EXIT = op.BPF_JMP | op.JMP_OPS["exit"]
_JA = op.BPF_JMP | op.JMP_OPS["ja"]
_GOTOL = op.BPF_JMP32 | op.JMP_OPS["ja"]


class SubprogsPass:
    name = "subprogs"

    def run(self, state: VerifierState) -> None:
        add_subprogs(state)
        check_subprogs(state)


def add_subprogs(state: VerifierState) -> None:
    """add_subprog_and_kfunc(): collect subprogram starts (sorted, 0 first)."""
    count = state.slot_count
    starts = {0}
    for i, s in enumerate(state.slots):
        pseudo_func = s.code == _LDDW and s.src == op.BPF_PSEUDO_FUNC
        pseudo_call = s.code == _CALL and s.src == op.BPF_PSEUDO_CALL
        if s.code == _CALL and s.src == op.BPF_PSEUDO_KFUNC_CALL:
            state.einval(f"kernel btf_id {s.imm & 0xFFFFFFFF} is not a function")
        if not (pseudo_func or pseudo_call):
            continue
        target = i + s.imm + 1
        if not 0 <= target < count:
            state.einval("call to invalid destination")
        if target in starts:
            continue
        if len(starts) >= BPF_MAX_SUBPROGS:
            state.fail(errno.E2BIG, "too many subprograms")
        starts.add(target)
    state.subprogs = sorted(starts)
    if state.log.level2:
        for n, start in enumerate(state.subprogs):
            state.log.line(f"func#{n} @{start}")


def check_subprogs(state: VerifierState) -> None:
    """check_subprogs(): jumps stay inside their subprogram; no subprogram falls through.

    Then check_abnormal_return() (from check_btf_info(), for a load without BTF func_info): a
    subprogram other than the main one may not use LD_ABS/LD_IND or bpf_tail_call.
    """
    bounds = [*state.subprogs, state.slot_count]
    has_ld_abs = [False] * len(state.subprogs)
    has_tail_call = [False] * len(state.subprogs)
    for n in range(len(state.subprogs)):
        start, end = bounds[n], bounds[n + 1]
        for i in range(start, end):
            s = state.slots[i]
            cls = s.code & 0x07
            opcode = s.code & 0xF0
            if s.code == _CALL and s.src == 0 and s.imm == BPF_FUNC_tail_call:
                has_tail_call[n] = True
            if cls == op.BPF_LD and s.code & 0xE0 in (op.BPF_ABS, op.BPF_IND):
                has_ld_abs[n] = True
            if cls in (op.BPF_JMP, op.BPF_JMP32) and opcode not in (op.JMP_OPS["exit"], op.JMP_OPS["call"]):
                target = i + (s.imm if s.code == _GOTOL else s.off) + 1
                if not start <= target < end:
                    state.einval(f"jump out of range from insn {i} to {target}")
            if i == end - 1 and s.code not in (_EXIT, _JA, _GOTOL):
                state.einval("last insn is not an exit or jmp")
    if state.func_info is not None:
        return  # check_abnormal_return() applies only to loads without BTF func_info
    for n in range(1, len(state.subprogs)):
        if has_ld_abs[n]:
            state.einval("LD_ABS is not allowed in subprogs without BTF")
        if has_tail_call[n]:
            state.einval("tail_call is not allowed in subprogs without BTF")
