"""The inlined trampoline helpers of tracing programs: do_misc_fixups()'s bpf_get_func_arg,
bpf_get_func_ret, bpf_get_func_arg_cnt and bpf_get_func_ip.

Mirrors do_misc_fixups() in kernel/bpf/verifier.c (Linux 6.18): in a BPF_PROG_TYPE_TRACING program
(the verifier only lets fentry, fexit and fmod_ret programs reach these calls) each call becomes
loads from the trampoline's frame, which keeps the function's argument count at ctx - 8 and its
address at ctx - 16:

* bpf_get_func_arg(ctx, n, value): n checked against the count, the argument stored at ``*value``
  (0), else -EINVAL;
* bpf_get_func_ret(ctx, value): for fexit and fmod_ret, the return value (after the arguments) at
  ``*value`` (0); for fentry -EOPNOTSUPP;
* bpf_get_func_arg_cnt(ctx): the count; bpf_get_func_ip(ctx): the address.

The rewrite runs after the ctx rewrite, as in the kernel.  pybpf runs none of these programs (they
have no BPF_PROG_TEST_RUN): the rewrite is what the xlated program shows.
"""

from __future__ import annotations

import errno
import functools

from pybpf import uapi
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind
from pybpf.verifier.patch import patch_program
from pybpf.verifier.state import VerifierState

GET_FUNC_IP, GET_FUNC_ARG, GET_FUNC_RET, GET_FUNC_ARG_CNT = 173, 183, 184, 185
_RETURNS = frozenset({uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN})


@functools.cache
def _sequence(text: str) -> tuple[Instruction, ...]:
    return tuple(assemble(text, "kernel"))


def inlined(helper_id: int, attach_type: int) -> tuple[Instruction, ...] | None:
    """The instructions a call of ``helper_id`` becomes (None: the call stays)."""
    if helper_id == GET_FUNC_ARG:
        return _sequence(
            "r0 = *(u64 *)(r1 - 8)\nif w2 >= w0 goto +6\nr2 <<= 3\nr2 += r1\nr0 = *(u64 *)(r2 + 0)\n"
            f"*(u64 *)(r3 + 0) = r0\nr0 = 0\ngoto +1\nr0 = {-errno.EINVAL}\n"
        )
    if helper_id == GET_FUNC_RET:
        if attach_type not in _RETURNS:
            return _sequence(f"r0 = {-errno.EOPNOTSUPP}\n")
        return _sequence(
            "r0 = *(u64 *)(r1 - 8)\nr0 <<= 3\nr0 += r1\nr3 = *(u64 *)(r0 + 0)\n"
            "*(u64 *)(r2 + 0) = r3\nr0 = 0\n"
        )
    if helper_id == GET_FUNC_ARG_CNT:
        return _sequence("r0 = *(u64 *)(r1 - 8)\n")
    if helper_id == GET_FUNC_IP:
        return _sequence("r0 = *(u64 *)(r1 - 16)\n")
    return None


class FuncArgFixupPass:
    """do_misc_fixups()'s inlining of the trampoline helpers in tracing programs."""

    name = "fixup_func_args"

    def run(self, state: VerifierState) -> None:
        request = state.request
        if request.prog_type.prog_type != uapi.BPF_PROG_TYPE_TRACING:
            return
        patches: dict[int, list[Instruction]] = {}
        for index, insn in enumerate(state.view.insns):
            spec = insn.spec
            if spec is None or spec.kind is not Kind.CALL or insn.src != 0:
                continue
            replacement = inlined(insn.imm, request.expected_attach_type)
            if replacement is not None:
                patches[index] = list(replacement)
        patch_program(state, patches)
