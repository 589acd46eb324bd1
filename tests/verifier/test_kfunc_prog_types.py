"""Which program types may call which kfuncs: pybpf's kfunc sets against the running kernel's.

The kernel keeps a kfunc set per hook (bpf_prog_type_to_kfunc_hook(), kernel/bpf/btf.c): a set
registered for one program type serves every type of its hook -- the tracing hook (TRACING,
TRACEPOINT, PERF_EVENT, LSM), the cgroup hook (the CGROUP_* types and SOCK_OPS), the LWT hook --
and check_kfunc_call() refuses a kfunc outside the program's sets with "calling kernel function %s
is not allowed" (EACCES) before it looks at the arguments.  Here one kfunc of every distinct set
pybpf models (same program types, same attach-type filter) is called, without arguments, from a
program of every type both backends load; whether the answer is that refusal must be the kernel's.
Checked without the kernel too on facts read off it (Linux 6.18: a raw tracepoint is not in the
tracing hook).
"""

from __future__ import annotations

import pytest

from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.kfuncs.table import BY_NAME
from tests.verifier import verifier_corpus as vc

PROG_TYPES = (
    ("socket_filter", "", ""), ("kprobe", "", ""), ("sched_cls", "", ""), ("sched_act", "", ""),
    ("tracepoint", "", ""), ("xdp", "", ""), ("perf_event", "", ""), ("cgroup_skb", "", ""),
    ("cgroup_sock", "cgroup_inet4_post_bind", ""), ("lwt_in", "", ""), ("lwt_out", "", ""),
    ("lwt_xmit", "", ""), ("sock_ops", "", ""), ("sk_skb", "", ""), ("cgroup_device", "", ""),
    ("sk_msg", "", ""), ("raw_tracepoint", "", ""), ("cgroup_sock_addr", "cgroup_inet4_connect", ""),
    ("lwt_seg6local", "", ""), ("sk_reuseport", "", ""), ("flow_dissector", "", ""),
    ("cgroup_sysctl", "", ""), ("raw_tracepoint_writable", "", ""),
    ("cgroup_sockopt", "cgroup_getsockopt", ""), ("tracing", "trace_raw_tp", "btf_trace_task_newtask"),
    ("syscall", "", ""), ("sk_lookup", "sk_lookup", ""), ("netfilter", "netfilter", ""),
    ("struct_ops", "0", "tcp_congestion_ops"),
)  # fmt: skip
"""Every program type both backends load, with the attachment it needs (LSM and the trampoline
attachments of TRACING are left out: the recording kernel's lockdown refuses them with EPERM)."""


def _call_text(name: str) -> str | None:
    """A program calling kfunc ``name`` with no argument set up, or None where the kernel's BTF has no
    such function."""
    try:
        return vc.resolve_kfuncs(f"    call kfunc({name})\n    r0 = 0\n    exit\n")
    except (KeyError, LookupError, ValueError):
        return None


KNOWN_GAPS = {
    "bpf_arena_alloc_pages": "the recording kernel has no arenas (its arena kfuncs are 'not allowed' "
    "in every program type); pybpf follows Linux 6.18's kernel/bpf/arena.c, which registers them for "
    "BPF_PROG_TYPE_UNSPEC (tests/data/verifier_corpus/known_disagreements.txt)",
}
"""kfuncs whose answer differs from the recording kernel's, with the reason (checked too: the test
fails when one of them starts agreeing).  Their families are represented by them alone."""
_GAP_FAMILIES = ("bpf_arena_",)


def _representatives() -> tuple[str, ...]:
    """One kfunc (the first by name the kernel's BTF has) of each distinct set pybpf models, then
    the known gaps."""
    groups: dict[object, list[str]] = {}
    for name, kfunc in sorted(BY_NAME.items()):
        if not name.startswith(("__", *_GAP_FAMILIES)):
            groups.setdefault((kfunc.prog_types, kfunc.attach_types), []).append(name)
    found = (next((n for n in names if _call_text(n) is not None), None) for names in groups.values())
    return tuple(name for name in found if name is not None) + tuple(KNOWN_GAPS)


KFUNCS = _representatives()


def _program(name: str, prog_type: str, attach: str, attach_btf: str) -> vc.Program:
    text = _call_text(name)
    assert text is not None
    flags = ("sleepable",) if prog_type == "syscall" else ()  # (a syscall program must be)
    return vc.Program(
        name=f"kfunc_sets/{name}/{prog_type}", theme="kfunc_sets", prog_type=prog_type, text=text,
        attach=attach, attach_btf=attach_btf, flags=flags, desc=f"{name} called from {prog_type}",
    )  # fmt: skip


def refused_as_outside_sets(program: vc.Program, backend: Backend) -> bool:
    """Whether loading ``program`` is refused because its kfunc is in none of the type's sets."""
    verdict = vc.load(program, backend)
    return verdict.errno == "EACCES" and verdict.line.startswith("calling kernel function")


@pytest.mark.parametrize(("name", "prog_type", "refused"), [
    ("bpf_task_from_pid", "tracepoint", False),  # the generic set, registered for TRACING: its hook
    ("bpf_task_from_pid", "perf_event", False),
    ("bpf_task_from_pid", "raw_tracepoint", True),  # Linux 6.18: not in the tracing hook
    ("bpf_task_from_pid", "cgroup_sysctl", False),  # registered for CGROUP_SKB: the cgroup hook
    ("bpf_task_from_pid", "lwt_in", True),
    ("bpf_cpumask_create", "perf_event", False),
    ("bpf_cpumask_create", "xdp", True),
    ("bpf_dynptr_from_skb", "sock_ops", False),
    ("bpf_dynptr_from_skb_meta", "sched_act", False),
    ("bpf_lookup_system_key", "struct_ops", False),
    ("bpf_verify_pkcs7_signature", "tracing", True),  # in no set of the recording kernel
])  # fmt: skip
def test_known_answers(name: str, prog_type: str, refused: bool) -> None:
    attach, attach_btf = next((a, b) for t, a, b in PROG_TYPES if t == prog_type)
    assert refused_as_outside_sets(_program(name, prog_type, attach, attach_btf), UserBackend()) is refused


@pytest.mark.parametrize(("prog_type", "attach", "attach_btf"), PROG_TYPES)
def test_kfunc_sets_are_the_kernels(prog_type: str, attach: str, attach_btf: str, kernel: bool) -> None:
    differ, stale = [], []
    for name in KFUNCS:
        program = _program(name, prog_type, attach, attach_btf)
        ours = refused_as_outside_sets(program, UserBackend())
        same = ours == refused_as_outside_sets(program, NativeBackend())
        if not same and name not in KNOWN_GAPS:
            differ.append(f"{name}: pybpf {'refuses' if ours else 'allows'} it")
        elif same and name in KNOWN_GAPS:
            stale.append(f"{name} now agrees: remove it from KNOWN_GAPS")
    assert not differ, "\n".join(differ)
    assert not stale, "\n".join(stale)
