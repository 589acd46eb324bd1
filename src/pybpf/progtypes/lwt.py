"""BPF_PROG_TYPE_LWT_IN, LWT_OUT, LWT_XMIT and LWT_SEG6LOCAL: lightweight-tunnel programs on a __sk_buff.

Mirrors net/core/filter.c ``lwt_{in,out,xmit,seg6local}_verifier_ops``/``_prog_ops``:

* ``lwt_is_valid_access``: tc_classid, the socket fields (family .. local_port), data_meta, tstamp,
  wire_len and hwtstamp are out of reach; only mark, priority and cb[] may be written; data and
  data_end are packet pointers; the rest follows ``bpf_skb_is_valid_access``;
* ``bpf_convert_ctx_access`` (``ifindex`` with the NULL-device check, as for socket filters);
* direct packet access (``may_access_direct_pkt_data``): read-only for LWT_IN, LWT_OUT and
  LWT_SEG6LOCAL, read-write for LWT_XMIT (``pybpf.verifier.checks.mem.PACKET_WRITERS``);
* ``lwt_{in,out,xmit,seg6local}_func_proto`` for a root loader: the sets below were read off the
  running kernel by loading ``call N`` for every helper id and are checked against it by the tests
  (LWT_SEG6LOCAL's is LWT_OUT's: the seg6 helpers 74..76 need CONFIG_IPV6_SEG6_BPF, which the
  kernel measured is built without);
* any return value (check_return_code does not check these types);
* test_run: ``bpf_prog_test_run_skb`` with the packet starting at the network header (like a socket
  filter) and the packet pointers set (``is_direct_pkt_access``); data_out gets a zeroed Ethernet
  header pushed back.  LWT_SEG6LOCAL has no test run (``lwt_seg6local_prog_ops`` is empty):
  ENOTSUPP, as measured.

``bpf_lwt_push_encap`` is ``pybpf.progtypes.lwt_encap``'s (LWT_IN keeps LWT_BPF_MAX_HEADROOM more
headroom for it); LWT_XMIT's ``bpf_skb_change_head``/``_tail`` are ``pybpf.progtypes.skb_resize``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pybpf.helpers.registry import Helper
from pybpf.memory.regions import Memory
from pybpf.progtypes.base import ProgType, helper_ids
from pybpf.progtypes.lwt_encap import LWT_BPF_MAX_HEADROOM, lwt_in_push_encap, lwt_xmit_push_encap
from pybpf.progtypes.registry import register
from pybpf.progtypes.skb import END, OFF, SKB_HEADROOM, SkbProgType, skb_is_valid_access
from pybpf.progtypes.skb_helpers import skb_type_helpers
from pybpf.uapi import (
    BPF_PROG_TYPE_LWT_IN,
    BPF_PROG_TYPE_LWT_OUT,
    BPF_PROG_TYPE_LWT_SEG6LOCAL,
    BPF_PROG_TYPE_LWT_XMIT,
)

LWT_OUT_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, (24, 26), 28, (33, 35), 37, 39, 42, 55, 80, (87, 89), (93, 94),
    (105, 106), 109, (112, 115), (117, 118), 120, 123, 125, (130, 134), (136, 141), (148, 149),
    (153, 154), (156, 158), 160, (164, 165), (169, 172), (175, 178), (180, 182), 191, (194, 203),
    (208, 211),
)  # fmt: skip
"""``lwt_out_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""
PUSH_ENCAP = 73
"""``bpf_lwt_push_encap``."""
LWT_IN_HELPERS = LWT_OUT_HELPERS | {PUSH_ENCAP}
"""``lwt_in_func_proto``: lwt_out's set and ``bpf_lwt_push_encap``."""
LWT_XMIT_HELPERS = helper_ids(
    (1, 3), (5, 17), (20, 26), (28, 30), (33, 35), (37, 43), 55, 73, 80, (87, 89), (93, 94), (105, 106),
    109, (112, 115), (117, 118), 120, 123, 125, (130, 141), (148, 149), (153, 154), (156, 158), 160,
    (164, 165), (169, 172), (175, 178), (180, 182), 191, (194, 203), (208, 211),
)  # fmt: skip
"""``lwt_xmit_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""

_HIDDEN = ("tc_classid", "data_meta", "tstamp", "wire_len", "hwtstamp")
_WRITABLE = ("mark", "priority", "cb")


class LwtProgType(SkbProgType):
    """What the three LWT types share: the access rules and the test run; each has its helpers."""

    l2: ClassVar[bool] = False
    direct_packet_access: ClassVar[bool] = True
    classid_of_skb: ClassVar[bool] = True

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        if any(OFF[name] <= off < END[name] for name in _HIDDEN):
            return False
        if OFF["family"] <= off < END["local_port"]:
            return False
        if write and not any(OFF[name] <= off < END[name] for name in _WRITABLE):
            return False
        return skb_is_valid_access(off, size, write)

    def helpers(self) -> Mapping[int, Helper]:
        return skb_type_helpers(self.allowed_helpers)


@register
class LwtIn(LwtProgType):
    """BPF_PROG_TYPE_LWT_IN: on the input path of a route with a BPF lightweight tunnel."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_LWT_IN
    name: ClassVar[str] = "lwt_in"
    allowed_helpers: ClassVar[frozenset[int]] = LWT_IN_HELPERS
    headroom: ClassVar[int] = SKB_HEADROOM + LWT_BPF_MAX_HEADROOM

    def helpers(self) -> Mapping[int, Helper]:
        return {**super().helpers(), PUSH_ENCAP: lwt_in_push_encap}


@register
class LwtOut(LwtProgType):
    """BPF_PROG_TYPE_LWT_OUT: on the output path, before the packet gets its L2 header."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_LWT_OUT
    name: ClassVar[str] = "lwt_out"
    allowed_helpers: ClassVar[frozenset[int]] = LWT_OUT_HELPERS


@register
class LwtXmit(LwtProgType):
    """BPF_PROG_TYPE_LWT_XMIT: on transmit; may write the packet and redirect it."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_LWT_XMIT
    name: ClassVar[str] = "lwt_xmit"
    allowed_helpers: ClassVar[frozenset[int]] = LWT_XMIT_HELPERS

    def helpers(self) -> Mapping[int, Helper]:
        return {**super().helpers(), PUSH_ENCAP: lwt_xmit_push_encap}


@register
class LwtSeg6local(LwtProgType):
    """BPF_PROG_TYPE_LWT_SEG6LOCAL: the End.BPF action of an SRv6 local segment."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_LWT_SEG6LOCAL
    name: ClassVar[str] = "lwt_seg6local"
    allowed_helpers: ClassVar[frozenset[int]] = LWT_OUT_HELPERS
    check_test_run_attr = ProgType.check_test_run_attr  # no test run: ENOTSUPP
    test_run = ProgType.test_run

    def test_run_fixture(self, memory: Memory) -> None:
        return None


__all__ = [
    "LWT_IN_HELPERS",
    "LWT_OUT_HELPERS",
    "LWT_XMIT_HELPERS",
    "LwtIn",
    "LwtOut",
    "LwtProgType",
    "LwtSeg6local",
    "LwtXmit",
]
