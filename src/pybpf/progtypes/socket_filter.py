"""BPF_PROG_TYPE_SOCKET_FILTER: classic and extended socket filters on a __sk_buff.

Mirrors net/core/filter.c ``sk_filter_verifier_ops``/``sk_filter_prog_ops``:

* ``sk_filter_is_valid_access``: tc_classid, data, data_meta, data_end, the socket fields
  (family .. local_port), tstamp, wire_len and hwtstamp are out of reach; only cb[] may be written;
  everything else follows ``bpf_skb_is_valid_access`` (narrow reads of 4-byte fields allowed);
* ``sk_filter_func_proto`` (+ ``bpf_sk_base_func_proto`` + ``bpf_base_func_proto`` for a root
  loader): the set below was read off the running kernel by loading ``call N`` for every helper id
  and is checked against it by the tests;
* test_run: ``bpf_prog_test_run_skb`` with the packet starting at the network header
  (``pybpf.progtypes.skb``); LD_ABS/LD_IND read relative to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pybpf.helpers.registry import Helper
from pybpf.progtypes.base import helper_ids
from pybpf.progtypes.registry import register
from pybpf.progtypes.skb import END, OFF, SkbProgType, skb_is_valid_access
from pybpf.progtypes.skb_helpers import skb_type_helpers
from pybpf.uapi import BPF_PROG_TYPE_SOCKET_FILTER

SOCKET_FILTER_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, (25, 26), 35, 37, 42, (46, 47), 55, 68, 80, (87, 89), (93, 94),
    (105, 106), 109, (112, 115), (117, 118), 120, (122, 123), 125, (130, 134), (136, 141), (148, 149),
    (153, 154), (156, 158), 160, (164, 165), (169, 172), (175, 178), (180, 182), 191, (194, 203),
    (208, 211),
)  # fmt: skip
"""``sk_filter_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""

_HIDDEN = ("tc_classid", "data", "data_meta", "data_end", "tstamp", "wire_len", "hwtstamp")


@register
class SocketFilter(SkbProgType):
    """BPF_PROG_TYPE_SOCKET_FILTER."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SOCKET_FILTER
    name: ClassVar[str] = "socket_filter"
    l2: ClassVar[bool] = False
    allowed_helpers: ClassVar[frozenset[int]] = SOCKET_FILTER_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if any(OFF[name] <= off < END[name] for name in _HIDDEN):
            return False
        if OFF["family"] <= off < END["local_port"]:
            return False
        if write and not OFF["cb"] <= off < END["cb"]:
            return False
        return skb_is_valid_access(off, size, write)

    def helpers(self) -> Mapping[int, Helper]:
        return skb_type_helpers(self.allowed_helpers)


__all__ = ["BPF_PROG_TYPE_SOCKET_FILTER", "SOCKET_FILTER_HELPERS", "SocketFilter"]
