"""The ``ctx_rewrite`` fixup: context loads and stores rewritten by the program type.

Mirrors the kernel's convert_ctx_accesses(): every instruction that accesses the context (found by
the ``do_check`` pass) is replaced by what the program type's
convert_ctx_access() makes of it — e.g. a load of ``__sk_buff.len`` becomes a load from the real
sk_buff — and the program is patched with every branch kept pointing at the same instruction
(``patch``).  A conversion that returns the instruction unchanged patches nothing.
"""

from __future__ import annotations

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import SIZE_BYTES
from pybpf.verifier.patch import patch_program
from pybpf.verifier.state import VerifierState


class CtxRewritePass:
    name = "ctx_rewrite"

    def run(self, state: VerifierState) -> None:
        convert = state.request.prog_type.convert_ctx_access
        patches: dict[int, list[Instruction]] = {}
        for index in sorted(state.ctx_accesses):
            insn = state.insns[index]
            # prog->aux->max_ctx_offset: how much ctx test runs must supply (raw_tp, syscall)
            size = SIZE_BYTES.get(insn.opcode & 0x18, 0)
            state.max_ctx_offset = max(state.max_ctx_offset, insn.off + size)
            replacement = list(convert(insn))
            if replacement != [insn]:
                patches[index] = replacement
        patch_program(state, patches)
