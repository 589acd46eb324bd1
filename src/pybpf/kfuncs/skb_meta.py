"""bpf_dynptr_from_skb_meta(): a dynptr over a tc program's skb metadata (Linux 6.18, net/core/filter.c).

Registered for BPF_PROG_TYPE_SCHED_CLS only (``bpf_kfunc_set_skb_meta``): ``bpf_dynptr_from_skb_meta(skb,
flags, ptr__uninit)`` makes a dynptr of type BPF_DYNPTR_TYPE_SKB_META ("skb_meta" to the verifier)
over the ``skb_metadata_len()`` bytes an XDP program left in front of the packet; flags other than
0 are -EINVAL with the dynptr made NULL.  A test run's skb carries no metadata (the kernel's
bpf_prog_test_run_skb() puts none there either: measured, the dynptr's size is 0), so in pybpf's
test runs the dynptr is empty: reads, writes and slices of it fail as for any range past its end.
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.helpers.dynptr import init, set_null
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind
from pybpf.uapi import BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_SCHED_CLS

BPF_DYNPTR_TYPE_SKB_META = 5
"""enum bpf_dynptr_type (include/linux/bpf.h): after INVALID, LOCAL, RINGBUF, SKB and XDP."""
DYNPTR_SKB_META = "skb_meta"
"""dynptr_type_str() of BPF_DYNPTR_TYPE_SKB_META."""
TEST_RUN_META_LEN = 0
"""skb_metadata_len() of a test run's skb."""


def dynptr_from_skb_meta(ctx: HelperContext, skb: int, flags: int, ptr: int, _r4: int, _r5: int) -> int:
    """``bpf_dynptr_from_skb_meta(skb, flags, ptr)``: 0, or -EINVAL (and a NULL dynptr) for flags."""
    if flags:
        set_null(ctx, ptr)
        return -errno.EINVAL
    init(ctx, ptr, skb, BPF_DYNPTR_TYPE_SKB_META, TEST_RUN_META_LEN)
    return 0


KFUNCS: tuple[KFunc, ...] = (
    KFunc(
        "bpf_dynptr_from_skb_meta",
        KfFlag.TRUSTED_ARGS,
        (
            KArg(ArgKind.CTX, "struct __sk_buff *", "skb_"),
            KArg(ArgKind.SCALAR, "u64", "flags"),
            KArg(ArgKind.DYNPTR_UNINIT, "struct bpf_dynptr *", "ptr__uninit"),
        ),
        RetKind.SCALAR,
        "int",
        4,
        dynptr_from_skb_meta,
        prog_types=frozenset({BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_SCHED_ACT}),
        dynptr_type=DYNPTR_SKB_META,
    ),
)
"""The skb metadata dynptr kfunc."""
