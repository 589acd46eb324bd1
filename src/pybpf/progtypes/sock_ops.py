"""BPF_PROG_TYPE_SOCK_OPS: TCP socket operations (connection events, options, callbacks) on a
struct bpf_sock_ops.

Mirrors net/core/filter.c ``sock_ops_verifier_ops``/``sock_ops_prog_ops`` of Linux 6.18:

* ``bpf_prog_load_check_attach`` has no rule for SOCK_OPS: any expected attach type loads (libbpf
  gives BPF_CGROUP_SOCK_OPS);
* ``sock_ops_is_valid_access``: writes only to ``reply`` (the first word of the args union) and
  ``sk_txhash``, as whole words; reads are words, but bytes_received and bytes_acked (u64),
  ``sk`` (a u64 giving a PTR_TO_SOCKET_OR_NULL), ``skb_data`` and ``skb_data_end`` (u64 packet
  pointers: pybpf.verifier.checks.mem), ``skb_hwtstamp`` (u64) and ``skb_tcp_flags`` (narrower
  reads too);
* ``sock_ops_func_proto`` (+ ``bpf_sk_base_func_proto``, ``bpf_base_func_proto``): the set below was
  read off the running kernel by loading ``call N`` for every helper id and is checked against it
  by the tests; the retval helpers follow the attach type (``pybpf.progtypes.cgroup_common``);
* ``check_return_code``: [0, 1] (``pybpf.progtypes.return_ranges``);
* no BPF_PROG_TEST_RUN (``sock_ops_prog_ops`` is empty: ENOTSUPP, the contract's default).

``sock_ops_convert_ctx_access`` rewrites the fields into loads through ``struct bpf_sock_ops_kern``
and its ``struct tcp_sock``; a SOCK_OPS program never runs in pybpf (no test run, nothing attached
to cgroups), so pybpf keeps the context as the uapi ``struct bpf_sock_ops`` and rewrites nothing.
"""

from __future__ import annotations

import ctypes
from typing import ClassVar

from pybpf.progtypes.base import helper_ids
from pybpf.progtypes.bpf_sock import U32, narrow_ok
from pybpf.progtypes.cgroup_common import AttachBound
from pybpf.progtypes.registry import register
from pybpf.uapi import BPF_CGROUP_SOCK_OPS, BPF_PROG_TYPE_SOCK_OPS, bpf_sock_ops

SOCK_OPS_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 46, 49, 53, 55, 57, 59, 70, (80, 81), (87, 89),
    (93, 94), 96, (105, 109), (112, 115), (117, 118), 120, (122, 123), 125, (130, 134), (136, 144),
    (148, 149), (153, 154), (156, 158), 160, (164, 165), (169, 172), (175, 178), (180, 182), 191,
    (194, 203), (208, 211),
)  # fmt: skip
"""``sock_ops_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211) but the
retval helpers."""


def _offset(name: str) -> int:
    offset: int = getattr(bpf_sock_ops, name).offset
    return offset


SOCK_OPS_SIZE = ctypes.sizeof(bpf_sock_ops)
REPLY_OFF = _offset("_anon_args")
SK_OFF, SKB_DATA_OFF, SKB_DATA_END_OFF = (
    _offset("_anon_sk"),
    _offset("_anon_skb_data"),
    _offset("_anon_skb_data_end"),
)
_WRITABLE = frozenset({REPLY_OFF, _offset("sk_txhash")})
_U64_READS = tuple(
    range(start, start + 8)
    for start in (SK_OFF, SKB_DATA_OFF, SKB_DATA_END_OFF, _offset("skb_hwtstamp"), _offset("bytes_received"),
                  _offset("bytes_acked"))
)  # fmt: skip
"""The u64 fields: read only whole, and no word of them alone (measured)."""
_SKB_TCP_FLAGS = _offset("skb_tcp_flags")


@register
class SockOps(AttachBound):
    """BPF_PROG_TYPE_SOCK_OPS, as a program of one expected attach type sees it."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SOCK_OPS
    name: ClassVar[str] = "sock_ops"
    ctx_size: ClassVar[int] = SOCK_OPS_SIZE
    default_attach_type: ClassVar[int] = BPF_CGROUP_SOCK_OPS
    helper_base: ClassVar[frozenset[int]] = SOCK_OPS_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``sock_ops_is_valid_access``."""
        if off < 0 or off >= SOCK_OPS_SIZE or off % size:
            return False
        if write:
            return off in _WRITABLE and size == U32
        if any(off in field for field in _U64_READS):
            return size == 8
        if off == _SKB_TCP_FLAGS:
            return narrow_ok(size, U32)
        return size == U32


__all__ = ["BPF_PROG_TYPE_SOCK_OPS", "SK_OFF", "SOCK_OPS_HELPERS", "SockOps"]
