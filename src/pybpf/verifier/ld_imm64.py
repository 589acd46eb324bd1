"""The ``ld_imm64`` fixup: lddw of maps become plain 64-bit constants.

Mirrors the kernel's convert_pseudo_ld_imm64(), the last step of bpf_check() before the misc
fixups: once verification no longer needs to know that an lddw loaded a map or a map value, its
src is cleared and its two immediates hold the address resolved by the ``pseudo`` pass.  lddw of
BPF_PSEUDO_FUNC keep their src and relative offset (the interpreter and the JIT resolve them).
"""

from __future__ import annotations

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.verifier.state import VerifierState

_MAP_SOURCES = frozenset(
    {op.BPF_PSEUDO_MAP_FD, op.BPF_PSEUDO_MAP_VALUE, op.BPF_PSEUDO_MAP_IDX, op.BPF_PSEUDO_MAP_IDX_VALUE}
)


class LdImm64Pass:
    name = "ld_imm64"

    def run(self, state: VerifierState) -> None:
        insns = list(state.insns)
        for i, insn in enumerate(insns):
            if insn.is_lddw and insn.src in _MAP_SOURCES:
                value = state.resolved.get(state.view.starts[i])
                if value is not None:
                    insns[i] = Instruction.lddw(insn.dst, value)
        state.set_insns(insns)
