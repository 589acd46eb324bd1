"""BPF_PROG_TYPE_SCHED_CLS and BPF_PROG_TYPE_SCHED_ACT: tc classifiers and actions on a __sk_buff.

Mirrors net/core/filter.c ``tc_cls_act_verifier_ops``/``tc_cls_act_prog_ops`` (both types share
them):

* ``tc_cls_act_is_valid_access``: writes only to mark, tc_index, priority, tc_classid, cb[],
  tstamp and queue_mapping; data/data_meta/data_end are packet pointers (direct packet access);
  the socket fields (family .. local_port) are out of reach; tstamp_type is read as one byte;
  the rest follows ``bpf_skb_is_valid_access``;
* ``tc_cls_act_convert_ctx_access``: ``ifindex`` without the NULL-device check (the skb always
  has a device), everything else as ``bpf_convert_ctx_access``;
* ``tc_cls_act_func_proto`` for a root loader: the set below was read off the running kernel by
  loading ``call N`` for every helper id and is checked against it by the tests;
* test_run: ``bpf_prog_test_run_skb`` with the packet starting at the MAC header.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pybpf.helpers.registry import Helper
from pybpf.progtypes.base import helper_ids
from pybpf.progtypes.registry import register, register_as
from pybpf.progtypes.skb import END, OFF, SkbProgType, skb_is_valid_access
from pybpf.progtypes.skb_helpers import skb_type_helpers
from pybpf.uapi import BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_SCHED_CLS

TC_HELPERS = helper_ids(
    (1, 3), (5, 26), (28, 35), (37, 43), (46, 48), 50, 55, 66, (68, 69), (79, 80), (83, 89), (93, 100),
    (105, 110), (112, 115), (117, 118), 120, (122, 125), (130, 141), (148, 149), (151, 158), 160,
    (163, 165), (169, 172), (175, 178), (180, 182), (191, 192), (194, 211),
)  # fmt: skip
"""``tc_cls_act_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""

_WRITABLE = ("mark", "tc_index", "priority", "tc_classid", "cb", "tstamp", "queue_mapping")


@register
class SchedCls(SkbProgType):
    """BPF_PROG_TYPE_SCHED_CLS (and, registered under its own number, SCHED_ACT)."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SCHED_CLS
    name: ClassVar[str] = "sched_cls"
    l2: ClassVar[bool] = True
    allowed_helpers: ClassVar[frozenset[int]] = TC_HELPERS
    classid_of_skb: ClassVar[bool] = True

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if write and not any(OFF[name] <= off < END[name] for name in _WRITABLE):
            return False
        if OFF["family"] <= off < END["local_port"]:
            return False
        if off == OFF["tstamp_type"]:
            return size == 1
        return skb_is_valid_access(off, size, write)

    def helpers(self) -> Mapping[int, Helper]:
        return skb_type_helpers(self.allowed_helpers)


register_as(BPF_PROG_TYPE_SCHED_ACT, "sched_act")(SchedCls)

__all__ = ["BPF_PROG_TYPE_SCHED_ACT", "BPF_PROG_TYPE_SCHED_CLS", "TC_HELPERS", "SchedCls"]
