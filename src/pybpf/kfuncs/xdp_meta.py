"""The XDP kfuncs beyond dynptrs: the RX metadata kfuncs, the xfrm state lookup and bpf_xdp_pull_data.

Mirrors Linux 6.18 (each set registered for BPF_PROG_TYPE_XDP only):

* net/core/xdp.c's ``xdp_metadata_kfunc_ids``: bpf_xdp_metadata_rx_timestamp(ctx, u64 *),
  bpf_xdp_metadata_rx_hash(ctx, u32 *, enum xdp_rss_hash_type *) and
  bpf_xdp_metadata_rx_vlan_tag(ctx, __be16 *, u16 *).  add_kfunc_call() refuses a call of them in a
  program that is not device-bound ("metadata kfuncs require device-bound program", EINVAL, before
  the program is walked: ``pybpf.verifier.xdp_kfuncs``) -- and pybpf binds no program to a device
  (BPF_PROG_LOAD with prog_ifindex is EINVAL), so no pybpf program calls them.  Their default
  implementations, which a device-bound program's calls keep where the device offers no metadata,
  answer -EOPNOTSUPP: that is what they do here;
* net/xfrm/xfrm_state_bpf.c: bpf_xdp_get_xfrm_state(ctx, opts, opts__sz) (KF_ACQUIRE |
  KF_RET_NULL) and bpf_xdp_xfrm_state_release() (KF_RELEASE).  User space holds no IPsec security
  association: a lookup with 36-byte options (``struct bpf_xfrm_state_opts``) and netns_id -1 is NULL
  with ``opts->error`` = -ENOENT, as the kernel answers for a state nobody added; another options
  size is -EINVAL (one below 4 bytes: NULL, no error written), a netns_id below -1 -EINVAL, one of 0
  or more -ENONET (pybpf's one namespace has no id);
* net/core/filter.c's bpf_xdp_pull_data(ctx, len): 0 when ``len`` bytes are in the linear part
  already, -EINVAL when the packet (fragments included) is shorter.  Pulling bytes out of the
  fragments of a multi-buffer packet is not modelled (pybpf's XDP state offers no way for a kfunc to
  move them): -EINVAL too.  The verifier takes it as a call that moves the packet (every packet
  pointer is invalid after it: is_kfunc_pkt_changing()).
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind, do_nothing
from pybpf.uapi import BPF_PROG_TYPE_XDP

XDP_ONLY = frozenset({BPF_PROG_TYPE_XDP})
METADATA_KFUNCS = frozenset(
    {"bpf_xdp_metadata_rx_timestamp", "bpf_xdp_metadata_rx_hash", "bpf_xdp_metadata_rx_vlan_tag"}
)
"""xdp_metadata_kfunc_ids: the kfuncs only a device-bound program may call (bpf_dev_bound_kfunc_id())."""
PULL_DATA = "bpf_xdp_pull_data"
"""The kfunc that may move the packet (is_kfunc_pkt_changing())."""
XFRM_STATE_OPTS_SZ = 36
"""BPF_XFRM_STATE_OPTS_SZ: sizeof(struct bpf_xfrm_state_opts)."""


def metadata_unsupported(_ctx: HelperContext, _r1: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """The default bpf_xdp_metadata_rx_*(): the device offers no such metadata."""
    return -errno.EOPNOTSUPP


def get_xfrm_state(ctx: HelperContext, _xdp: int, opts: int, opts_sz: int, _r4: int, _r5: int) -> int:
    """bpf_xdp_get_xfrm_state(ctx, opts, opts__sz): NULL, ``opts->error`` saying why."""
    opts_sz &= 0xFFFF_FFFF
    if opts_sz < 4:
        return 0
    if opts_sz != XFRM_STATE_OPTS_SZ:
        error = -errno.EINVAL
    else:
        netns_id = int.from_bytes(ctx.memory.read(opts + 4, 4), "little", signed=True)
        error = -errno.EINVAL if netns_id < -1 else -errno.ENONET if netns_id >= 0 else -errno.ENOENT
    ctx.memory.store(opts, 4, error & 0xFFFF_FFFF)
    return 0


def pull_data(ctx: HelperContext, _xdp: int, length: int, _r3: int, _r4: int, _r5: int) -> int:
    """bpf_xdp_pull_data(ctx, len) of a packet whose bytes are all in its linear part."""
    length &= 0xFFFF_FFFF
    packet = ctx.env.packet
    if packet is None:
        return -errno.EINVAL
    return 0 if packet.packet_pointer(0, length) is not None else -errno.EINVAL


_CTX = KArg(ArgKind.CTX, "struct xdp_md *", "ctx")


def _metadata(name: str, *outs: tuple[str, str, int]) -> KFunc:
    args = (_CTX, *(KArg(ArgKind.MEM, ctype, arg, size) for ctype, arg, size in outs))
    return KFunc(name, KfFlag.NONE, args, RetKind.SCALAR, "int", 4, metadata_unsupported, XDP_ONLY)


KFUNCS: tuple[KFunc, ...] = (
    _metadata("bpf_xdp_metadata_rx_timestamp", ("u64 *", "timestamp", 8)),
    _metadata("bpf_xdp_metadata_rx_hash", ("u32 *", "hash", 4), ("enum xdp_rss_hash_type *", "rss_type", 4)),
    _metadata("bpf_xdp_metadata_rx_vlan_tag", ("__be16 *", "vlan_proto", 2), ("u16 *", "vlan_tci", 2)),
    KFunc(
        "bpf_xdp_get_xfrm_state",
        KfFlag.ACQUIRE | KfFlag.RET_NULL,
        (
            _CTX,
            KArg(ArgKind.MEM_SIZED, "struct bpf_xfrm_state_opts *", "opts", XFRM_STATE_OPTS_SZ),
            KArg(ArgKind.SIZE, "u32", "opts__sz"),
        ),
        RetKind.BTF_ID,
        "struct xfrm_state *",
        8,
        get_xfrm_state,
        XDP_ONLY,
    ),
    KFunc(
        "bpf_xdp_xfrm_state_release",
        KfFlag.RELEASE,
        (KArg(ArgKind.BTF_ID, "struct xfrm_state *", "x"),),
        RetKind.VOID,
        "void",
        0,
        do_nothing,
        XDP_ONLY,
    ),
    KFunc(
        PULL_DATA,
        KfFlag.NONE,
        (_CTX, KArg(ArgKind.SCALAR, "u32", "len")),
        RetKind.SCALAR,
        "int",
        4,
        pull_data,
        XDP_ONLY,
    ),
)
"""The XDP metadata, xfrm and pull-data kfuncs."""
