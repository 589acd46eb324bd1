"""BPF_PROG_TYPE_SK_SKB: the stream parser and verdict programs of sockmaps, on a __sk_buff.

Mirrors net/core/filter.c ``sk_skb_verifier_ops`` / ``sk_skb_prog_ops`` (Linux 6.18):

* ``sk_skb_is_valid_access``: tc_classid, data_meta, tstamp, wire_len and hwtstamp are out of
  reach, and so is mark; only tc_index and priority may be written; data / data_end are packet
  pointers (direct packet access, read and write); the rest follows ``bpf_skb_is_valid_access``;
* ``sk_skb_convert_ctx_access``: cb[] is the ``sk_skb_cb`` data at the start of skb->cb, data_end
  is computed from skb->data, len and data_len (``bpf_convert_data_end_access``; pybpf reads the one
  field that sum is), the rest as ``bpf_convert_ctx_access``;
* ``sk_skb_func_proto`` for a root loader: the set below was read off the running kernel by
  loading ``call N`` for every helper id (the base helpers, the skb load/store/pull/adjust
  helpers, bpf_sk_redirect_map / _hash and the socket lookups);
* no expected attach type rule (any value loads: the attach type is given at BPF_PROG_ATTACH to a
  sockmap: stream parser, stream verdict or skb verdict), no return range (SK_PASS / SK_DROP are
  not enforced), and no test_run: the type's ``prog_ops`` are empty, so BPF_PROG_TEST_RUN is
  ENOTSUPP.  pybpf verifies and loads these programs; it has no socket traffic to run them on.
"""

from __future__ import annotations

from typing import ClassVar

from pybpf.isa.instruction import Instruction
from pybpf.progtypes.base import ProgType, helper_ids
from pybpf.progtypes.registry import register
from pybpf.progtypes.skb import END, OFF, SK_BUFF_SIZE, convert_skb_access, skb_is_valid_access
from pybpf.uapi import BPF_PROG_TYPE_SK_SKB

SK_SKB_HELPERS = helper_ids(
    (1, 3), (5, 9), 12, (14, 17), 22, (25, 26), 35, (37, 39), (42, 43), (46, 47), 50, 52, 55, 72, 80,
    (84, 89), (93, 94), 99, (105, 106), 109, (112, 115), (117, 118), 120, 123, 125, (130, 134),
    (136, 141), (148, 149), (153, 154), (156, 158), 160, (164, 165), (169, 172), (175, 178), (180, 182),
    191, (194, 203), (208, 211),
)  # fmt: skip
"""``sk_skb_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""

_HIDDEN = ("tc_classid", "data_meta", "tstamp", "wire_len", "hwtstamp", "mark")
_WRITABLE = ("tc_index", "priority")


@register
class SkSkb(ProgType):
    """BPF_PROG_TYPE_SK_SKB (no test_run: the base class answers ENOTSUPP)."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_SK_SKB
    name: ClassVar[str] = "sk_skb"
    ctx_size: ClassVar[int] = SK_BUFF_SIZE

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in SK_SKB_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if any(OFF[name] <= off < END[name] for name in _HIDDEN):
            return False
        if write and not any(OFF[name] <= off < END[name] for name in _WRITABLE):
            return False
        return skb_is_valid_access(off, size, write)

    def convert_ctx_access(self, insn: Instruction) -> list[Instruction]:
        return convert_skb_access(insn, l2=False)
