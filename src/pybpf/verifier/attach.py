"""The load-time attach rules the verifier applies before walking the program: check_attach_btf_id().

Mirrors the opening of check_attach_btf_id() in kernel/bpf/verifier.c (Linux 6.18), as far as it
decides without a kernel to attach to: a BPF_PROG_TYPE_SYSCALL program must be loaded with
BPF_F_SLEEPABLE ("Syscall programs can only be sleepable"), and only the program types that may
sleep — tracing programs attached as fentry, fexit, fmod_ret or iterators, LSM, kprobe (for
uprobes) and struct_ops: can_be_sleepable() — may be loaded with it ("Only fentry/fexit/fmod_ret,
lsm, iter, uprobe, and struct_ops programs can be sleepable").  Both are EINVAL, logged by the
verifier.  The attach-target checks that follow in the kernel (BTF ids of kernel functions) need the
running kernel and are not modelled.
"""

from __future__ import annotations

from pybpf import uapi
from pybpf.verifier.state import VerifierState

_SLEEPABLE_TRACING_ATTACH = frozenset(
    {uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT, uapi.BPF_MODIFY_RETURN, uapi.BPF_TRACE_ITER}
)
_SLEEPABLE_TYPES = frozenset(
    {uapi.BPF_PROG_TYPE_LSM, uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_STRUCT_OPS}
)


def can_be_sleepable(prog_type: int, expected_attach_type: int) -> bool:
    """can_be_sleepable(): whether a program of this type may be loaded with BPF_F_SLEEPABLE."""
    if prog_type == uapi.BPF_PROG_TYPE_TRACING:
        return expected_attach_type in _SLEEPABLE_TRACING_ATTACH
    return prog_type in _SLEEPABLE_TYPES


class AttachPass:
    """check_attach_btf_id(): the sleepable rules."""

    name = "attach"

    def run(self, state: VerifierState) -> None:
        request = state.request
        prog_type = request.prog_type.prog_type
        sleepable = bool(request.prog_flags & uapi.BPF_F_SLEEPABLE)
        if prog_type == uapi.BPF_PROG_TYPE_SYSCALL:
            if not sleepable:
                state.einval("Syscall programs can only be sleepable")
            return
        if sleepable and not can_be_sleepable(prog_type, request.expected_attach_type):
            state.einval(
                "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable"
            )
