"""The tracepoint arguments a tp_btf program reads maybe-NULL or as error pointers, against the kernel.

btf_ctx_access() (kernel/bpf/btf.c) consults raw_tp_null_args for a BPF_TRACE_RAW_TP program's
struct-pointer arguments: some are PTR_MAYBE_NULL, some may hold an ERR_PTR and are read as scalars
("marking pointer arg%d as scalar as it may encode error").  pybpf's table
(``pybpf.verifier.btf_ctx.RAW_TP_NULL_ARGS``) is checked here argument by argument: every
struct-pointer argument of every ``btf_trace_*`` tracepoint of the running kernel's BTF is read by a
one-load program on both backends, and the two level-2 logs and errnos must be the same (skipped
where bpf(2) or the kernel's BTF is unavailable).  Without the kernel, a few entries are checked
against what the kernel was measured to do.
"""

from __future__ import annotations

import pytest

from pybpf.btf.kinds import Kind
from pybpf.btf.types import FuncProto, Ptr, Typedef
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.verifier.attach import skip_modifiers
from pybpf.verifier.btf_ctx import RAW_TP_NULL_ARGS
from pybpf.verifier.kernel_btf import vmlinux_btf
from tests.verifier import verifier_corpus as vc
from tests.verifier.test_corpus_log import compared

UNEXPLAINED = {
    ("btf_trace_neigh_create", 3): "Linux 6.18 reads neigh_create's const struct neighbour * as "
    "untrusted_ptr_neighbour, which btf_ctx_access() and prog_args_trusted() do not explain; pybpf "
    "reads it trusted as every other tp_btf struct pointer",
}
"""Arguments whose reading still differs from the kernel's, with the reason (a strict list: one that
starts agreeing fails the test)."""


def _struct_pointer_args() -> list[tuple[str, int]]:
    btf = vmlinux_btf()
    if btf is None:
        return []
    found = []
    for type_id in range(1, btf.end_id):
        t = btf[type_id]
        if not isinstance(t, Typedef) or not t.name.startswith("btf_trace_"):
            continue
        pointer = btf[t.type_id]
        proto = btf[pointer.type_id] if isinstance(pointer, Ptr) else None
        if not isinstance(proto, FuncProto):
            continue
        for arg, param in enumerate(proto.params[1:]):
            p = btf[skip_modifiers(btf, param.type_id)]
            if isinstance(p, Ptr) and btf[skip_modifiers(btf, p.type_id)].kind in (Kind.STRUCT, Kind.UNION):
                found.append((t.name, arg))
    return found


def _program(tracepoint: str, arg: int) -> vc.Program:
    return vc.Program(
        name=f"raw_tp_null/{tracepoint}_{arg}",
        theme="raw_tp_null",
        prog_type="tracing",
        text=f"    r2 = *(u64 *)(r1 + {8 * arg})\n    r0 = 0\n    exit\n",
        desc="one argument read",
        attach="trace_raw_tp",
        attach_btf=tracepoint,
    )


def test_table_shape() -> None:
    """Nibbles of bit 0 (maybe-NULL) and bit 1 (error pointer), per argument."""
    assert RAW_TP_NULL_ARGS["kfree_skb"] == 0x1000  # the receiving socket, arg3
    assert RAW_TP_NULL_ARGS["signal_generate"] == 0x20  # the siginfo, arg1: SEND_SIG_PRIV and kin
    assert all(not mask & ~0x3333_3333_3333_3333 for mask in RAW_TP_NULL_ARGS.values())


def test_every_tracepoint_argument_is_the_kernels() -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    cases = _struct_pointer_args()
    if not cases:
        pytest.skip("no kernel BTF")
    native, user = NativeBackend(), UserBackend()
    differ, known = [], set()
    for tracepoint, arg in cases:
        program = _program(tracepoint, arg)
        kerr, klog = vc.load_with_log(program, native, log_level=2)
        err, log = vc.load_with_log(program, user, log_level=2)
        if (err, compared(log)) == (kerr, compared(klog)):
            continue
        if (tracepoint, arg) in UNEXPLAINED:
            known.add((tracepoint, arg))
        else:
            differ.append(f"{tracepoint} arg{arg}: errno {err} (Linux {kerr})")
    assert not differ, "\n".join(differ[:20])
    assert known == set(UNEXPLAINED) & set(cases), "agreeing now: remove from UNEXPLAINED"
