"""The values a program may return, per program type: the kernel's check_return_code() as data.

Mirrors check_return_code() in kernel/bpf/verifier.c (Linux 6.18): for the program types listed
here the verifier proves, at the main program's exit, that r0 is a scalar whose signed 64-bit range
lies within ``[min, max]``; the range may depend on the expected attach type.  Types not listed
(socket filters, XDP, tc, tracepoints without a BTF target, syscall programs ...) may return any
scalar — or even a pointer, for a privileged loader.  The verifier reads ``return_range()``.

Not listed although the kernel checks them: LSM programs (the range depends on the hook's BTF
prototype: the bound program's ``exit_range``, pybpf.progtypes.btf_tracing), struct_ops; tracing
programs whose attach type the kernel does not know (ENOTSUPP there).
"""

from __future__ import annotations

from pybpf.uapi import (
    BPF_CGROUP_INET4_BIND,
    BPF_CGROUP_INET4_GETPEERNAME,
    BPF_CGROUP_INET4_GETSOCKNAME,
    BPF_CGROUP_INET6_BIND,
    BPF_CGROUP_INET6_GETPEERNAME,
    BPF_CGROUP_INET6_GETSOCKNAME,
    BPF_CGROUP_INET_EGRESS,
    BPF_CGROUP_UDP4_RECVMSG,
    BPF_CGROUP_UDP6_RECVMSG,
    BPF_CGROUP_UNIX_GETPEERNAME,
    BPF_CGROUP_UNIX_GETSOCKNAME,
    BPF_CGROUP_UNIX_RECVMSG,
    BPF_PROG_TYPE_CGROUP_DEVICE,
    BPF_PROG_TYPE_CGROUP_SKB,
    BPF_PROG_TYPE_CGROUP_SOCK,
    BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    BPF_PROG_TYPE_CGROUP_SOCKOPT,
    BPF_PROG_TYPE_CGROUP_SYSCTL,
    BPF_PROG_TYPE_KPROBE,
    BPF_PROG_TYPE_NETFILTER,
    BPF_PROG_TYPE_SK_LOOKUP,
    BPF_PROG_TYPE_SOCK_OPS,
    BPF_PROG_TYPE_TRACING,
    BPF_TRACE_FENTRY,
    BPF_TRACE_FEXIT,
    BPF_TRACE_ITER,
    BPF_TRACE_KPROBE_SESSION,
    BPF_TRACE_UPROBE_SESSION,
)

Range = tuple[int, int]
ANY_ATTACH = -1

RETURN_RANGES: dict[int, dict[int, Range]] = {
    BPF_PROG_TYPE_CGROUP_SOCK_ADDR: {
        ANY_ATTACH: (0, 1),
        BPF_CGROUP_INET4_BIND: (0, 3),
        BPF_CGROUP_INET6_BIND: (0, 3),
        **dict.fromkeys(
            (
                BPF_CGROUP_UDP4_RECVMSG,
                BPF_CGROUP_UDP6_RECVMSG,
                BPF_CGROUP_UNIX_RECVMSG,
                BPF_CGROUP_INET4_GETPEERNAME,
                BPF_CGROUP_INET6_GETPEERNAME,
                BPF_CGROUP_UNIX_GETPEERNAME,
                BPF_CGROUP_INET4_GETSOCKNAME,
                BPF_CGROUP_INET6_GETSOCKNAME,
                BPF_CGROUP_UNIX_GETSOCKNAME,
            ),
            (1, 1),
        ),
    },
    BPF_PROG_TYPE_CGROUP_SKB: {ANY_ATTACH: (0, 1), BPF_CGROUP_INET_EGRESS: (0, 3)},
    BPF_PROG_TYPE_CGROUP_SOCK: {ANY_ATTACH: (0, 1)},
    BPF_PROG_TYPE_SOCK_OPS: {ANY_ATTACH: (0, 1)},
    BPF_PROG_TYPE_CGROUP_DEVICE: {ANY_ATTACH: (0, 1)},
    BPF_PROG_TYPE_CGROUP_SYSCTL: {ANY_ATTACH: (0, 1)},
    BPF_PROG_TYPE_CGROUP_SOCKOPT: {ANY_ATTACH: (0, 1)},
    BPF_PROG_TYPE_SK_LOOKUP: {ANY_ATTACH: (0, 1)},  # SK_DROP .. SK_PASS
    BPF_PROG_TYPE_NETFILTER: {ANY_ATTACH: (0, 1)},  # NF_DROP .. NF_ACCEPT
    BPF_PROG_TYPE_TRACING: {BPF_TRACE_FENTRY: (0, 0), BPF_TRACE_FEXIT: (0, 0), BPF_TRACE_ITER: (0, 1)},
    BPF_PROG_TYPE_KPROBE: {BPF_TRACE_KPROBE_SESSION: (0, 1), BPF_TRACE_UPROBE_SESSION: (0, 1)},
}
"""prog type -> expected attach type (or ANY_ATTACH) -> the inclusive range of r0 at exit."""


def return_range(prog_type: int, expected_attach_type: int) -> Range | None:
    """The range r0 must lie in at the exit of a ``prog_type`` program, or None (unchecked)."""
    by_attach = RETURN_RANGES.get(prog_type)
    if by_attach is None:
        return None
    found = by_attach.get(expected_attach_type)
    return found if found is not None else by_attach.get(ANY_ATTACH)
