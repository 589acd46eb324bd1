"""The helper calls do_misc_fixups() inlines: bpf_jiffies64 in every program, and in tracing
programs the trampoline helpers bpf_get_func_arg, bpf_get_func_ret, bpf_get_func_arg_cnt and
bpf_get_func_ip.

Mirrors do_misc_fixups() in kernel/bpf/verifier.c (Linux 6.18, x86-64 with the JIT on, as pybpf
models it: ``prog->jit_requested``):

* bpf_jiffies64(): ``r0 = &jiffies`` (an lddw of ``pybpf.helpers.basic.JIFFIES_ADDRESS``) and
  ``r0 = *(u64 *)(r0 + 0)``; each process runs that lddw as the address of its own ``jiffies``
  (``pybpf.helpers.basic.JiffiesCell``, ``jiffies_loads``).

In a BPF_PROG_TYPE_TRACING program (the verifier only lets fentry, fexit and fmod_ret programs
reach these calls) each trampoline helper call becomes loads from the trampoline's frame, which
keeps the function's argument count at ctx - 8 and its address at ctx - 16:

* bpf_get_func_arg(ctx, n, value): n checked against the count, the argument stored at ``*value``
  (0), else -EINVAL;
* bpf_get_func_ret(ctx, value): for fexit and fmod_ret, the return value (after the arguments) at
  ``*value`` (0); for fentry -EOPNOTSUPP;
* bpf_get_func_arg_cnt(ctx): the count; bpf_get_func_ip(ctx): the address.

The rewrite runs after the ctx rewrite, as in the kernel.  pybpf runs no tracing programs (they
have no BPF_PROG_TEST_RUN): the rewrite is what the xlated program shows.

fixup_kfunc_call() (called from do_misc_fixups()) inlines the two cast kfuncs, bpf_cast_to_kern_ctx
and bpf_rdonly_cast, as ``r0 = r1``: the same pointer, another type for the verifier only (pybpf's
own implementation of both returns its argument, ``pybpf.kfuncs.proto.same_object``).

The kernel inlines more at 6.18, which pybpf does not (yet): bpf_get_smp_processor_id (a per-CPU
load through the internal ``BPF_MOV64_PERCPU_REG``), map lookups (``map_gen_lookup``), and
bpf_get_branch_snapshot (a call of the perf function); bpf_get_current_task(_btf) stays a call.
"""

from __future__ import annotations

import errno
import functools

from pybpf import uapi
from pybpf.helpers.basic import JIFFIES_ADDRESS
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_ALU64, BPF_CALL, BPF_DW, BPF_JMP, BPF_LDX, BPF_MEM, BPF_MOV, BPF_X, Kind
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.verifier.patch import patch_program
from pybpf.verifier.state import VerifierState

GET_FUNC_IP, GET_FUNC_ARG, GET_FUNC_RET, GET_FUNC_ARG_CNT = 173, 183, 184, 185
_LDX_DW = BPF_LDX | BPF_MEM | BPF_DW
_JIFFIES = (Instruction.lddw(0, JIFFIES_ADDRESS), Instruction(_LDX_DW, 0, 0))
"""bpf_jiffies64() inlined: ``r0 = &jiffies ll; r0 = *(u64 *)(r0 + 0)``."""
_RETURNS = frozenset({uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN})


@functools.cache
def _sequence(text: str) -> tuple[Instruction, ...]:
    return tuple(assemble(text, "kernel"))


def inlined(helper_id: int, prog_type: int, attach_type: int) -> tuple[Instruction, ...] | None:
    """The instructions a call of ``helper_id`` becomes (None: the call stays)."""
    if helper_id == uapi.BPF_FUNC_jiffies64:
        return _JIFFIES
    if prog_type != uapi.BPF_PROG_TYPE_TRACING:
        return None
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


def jiffies_loads(insns: list[Instruction]) -> list[int]:
    """The indexes in ``insns`` (an xlated program) of the lddw of inlined bpf_jiffies64 calls: an
    lddw of ``JIFFIES_ADDRESS`` into r0 followed by the load through it, which no program the
    verifier accepts has otherwise (it refuses a load through a scalar)."""
    first, second = _JIFFIES
    return [
        i
        for i in range(len(insns) - 1)
        if insns[i].opcode == first.opcode and insns[i] == first and insns[i + 1] == second
    ]


CAST_KFUNCS = ("bpf_cast_to_kern_ctx", "bpf_rdonly_cast")
_R0_IS_R1 = Instruction(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1)
_CALL_OPCODE = BPF_JMP | BPF_CALL


def cast_kfunc_ids() -> frozenset[int]:
    """The BTF ids (in pybpf's kernel BTF) of the kfuncs fixup_kfunc_call() makes ``r0 = r1``."""
    kbtf = kernel_btf()
    return frozenset(i for i in (kbtf.func_id(name) for name in CAST_KFUNCS) if i is not None)


class HelperInlinePass:
    """do_misc_fixups()'s inlining of helper calls (and fixup_kfunc_call()'s of the casts)."""

    name = "inline_helpers"

    def run(self, state: VerifierState) -> None:
        request = state.request
        prog_type = request.prog_type.prog_type
        patches: dict[int, list[Instruction]] = {}
        casts: frozenset[int] | None = None
        for index, insn in enumerate(state.view.insns):
            if insn.opcode != _CALL_OPCODE:  # (helper and kfunc calls alike: no table look-up for others)
                continue
            spec = insn.spec
            if spec is not None and spec.kind is Kind.CALL_KFUNC and not insn.off:
                casts = cast_kfunc_ids() if casts is None else casts
                if insn.imm in casts:
                    patches[index] = [_R0_IS_R1]
                continue
            if spec is None or spec.kind is not Kind.CALL or insn.src != 0:
                continue
            replacement = inlined(insn.imm, prog_type, request.expected_attach_type)
            if replacement is not None:
                patches[index] = list(replacement)
        patch_program(state, patches)
