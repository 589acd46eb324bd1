"""Socket kfuncs of net/core/filter.c (Linux 6.18) whose program types pybpf gives no socket to act on.

* bpf_sk_assign_tcp_reqsk(skb, sk, attrs, attrs__sz) (KF_TRUSTED_ARGS; tc: ``bpf_kfunc_set_tcp_reqsk``):
  assigns a SYN cookie's request socket to an skb arriving at tc ingress.  Its ``struct
  bpf_tcp_req_attrs`` must be 20 bytes with its reserved bytes 0 (else -EINVAL) and the skb at tc
  ingress -- a test run's skb never is (skb_at_tc_ingress()): -EINVAL whatever the arguments.  (On
  pybpf a program has no socket to pass it: the socket lookups are not implemented.)
* bpf_sock_addr_set_sun_path(sa_kern, sun_path, sun_path__sz) (CGROUP_SOCK_ADDR, its kernel context
  from bpf_cast_to_kern_ctx) and bpf_sock_ops_enable_tx_tstamp(skops, flags) (SOCK_OPS): both program
  types have no test run (BPF_PROG_TEST_RUN is ENOTSUPP on the kernel and on pybpf), so pybpf never
  runs them; what a call would answer outside a socket's hook is -EINVAL (a socket address that is
  no AF_UNIX one, a sock_ops program run for no sendmsg), which is what they return here.
* bpf_sock_destroy(sock) (``bpf_sk_iter_kfunc_ids``, KF_TRUSTED_ARGS): registered for TRACING with
  tracing_iter_filter(), which lets only socket iterator programs (expected attach type
  BPF_TRACE_ITER) call it -- TRACEPOINT and PERF_EVENT, which share the hook, refuse it (measured).
  pybpf runs no socket iterators, so no socket reaches it: -EINVAL here.
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind, registered_for
from pybpf.uapi import (
    BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    BPF_PROG_TYPE_SCHED_CLS,
    BPF_PROG_TYPE_SOCK_OPS,
    BPF_PROG_TYPE_TRACING,
    BPF_TRACE_ITER,
)

TCP_REQ_ATTRS_SZ = 20
"""sizeof(struct bpf_tcp_req_attrs)."""


def not_here(_ctx: HelperContext, _r1: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """-EINVAL: the socket hook these kfuncs act in is never where a pybpf run is."""
    return -errno.EINVAL


KFUNCS: tuple[KFunc, ...] = (
    KFunc(
        "bpf_sk_assign_tcp_reqsk",
        KfFlag.TRUSTED_ARGS,
        (
            KArg(ArgKind.CTX, "struct __sk_buff *", "s"),
            KArg(ArgKind.BTF_ID, "struct sock *", "sk"),
            KArg(ArgKind.MEM_SIZED, "struct bpf_tcp_req_attrs *", "attrs", TCP_REQ_ATTRS_SZ),
            KArg(ArgKind.SIZE, "int", "attrs__sz"),
        ),
        RetKind.SCALAR,
        "int",
        4,
        not_here,
        frozenset({BPF_PROG_TYPE_SCHED_CLS}),
    ),
    KFunc(
        "bpf_sock_addr_set_sun_path",
        KfFlag.TRUSTED_ARGS,
        (
            KArg(ArgKind.BTF_ID, "struct bpf_sock_addr_kern *", "sa_kern"),
            KArg(ArgKind.MEM_SIZED, "const u8 *", "sun_path", 1),
            KArg(ArgKind.SIZE, "u32", "sun_path__sz"),
        ),
        RetKind.SCALAR,
        "int",
        4,
        not_here,
        registered_for(BPF_PROG_TYPE_CGROUP_SOCK_ADDR),  # (the cgroup hook: measured)
    ),
    KFunc(
        "bpf_sock_ops_enable_tx_tstamp",
        KfFlag.TRUSTED_ARGS,
        (KArg(ArgKind.BTF_ID, "struct bpf_sock_ops_kern *", "skops"), KArg(ArgKind.SCALAR, "u64", "flags")),
        RetKind.SCALAR,
        "int",
        4,
        not_here,
        registered_for(BPF_PROG_TYPE_SOCK_OPS),
    ),
    KFunc(
        "bpf_sock_destroy",
        KfFlag.TRUSTED_ARGS,
        (KArg(ArgKind.BTF_ID, "struct sock_common *", "sock"),),
        RetKind.SCALAR,
        "int",
        4,
        not_here,
        frozenset({BPF_PROG_TYPE_TRACING}),
        attach_types=frozenset({BPF_TRACE_ITER}),
    ),
)
"""The socket kfuncs of net/core/filter.c pybpf knows."""
