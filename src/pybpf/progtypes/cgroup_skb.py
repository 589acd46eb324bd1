"""BPF_PROG_TYPE_CGROUP_SKB: per-cgroup ingress/egress filters on a __sk_buff.

Mirrors net/core/filter.c ``cg_skb_verifier_ops``/``cg_skb_prog_ops`` and kernel/bpf/syscall.c of
Linux 6.18:

* ``bpf_prog_load_check_attach``: the expected attach type is BPF_CGROUP_INET_INGRESS (0, the
  default) or BPF_CGROUP_INET_EGRESS; anything else is EINVAL before the verifier runs (no log);
* ``cg_skb_is_valid_access``: tc_classid, data_meta and wire_len are out of reach; data and data_end
  are packet pointers (a privileged loader: pybpf's is root); writes only to mark, priority, cb[] and
  tstamp; the rest follows ``bpf_skb_is_valid_access`` (the socket fields and ``sk`` readable);
* ``bpf_convert_ctx_access``: the socket filter's rewrite (``ifindex`` with the NULL-device check);
* ``cg_skb_func_proto`` (+ ``sk_filter_func_proto``, ``bpf_sk_base_func_proto`` and
  ``bpf_base_func_proto`` for a root loader): the set below was read off the running kernel by
  loading ``call N`` for every helper id and is checked against it by the tests;
* ``check_return_code``: [0, 1], [0, 3] for BPF_CGROUP_INET_EGRESS (``pybpf.progtypes.return_ranges``;
  the kernel's ``enforce_expected_attach_type`` only matters when the program is attached);
* test_run: ``bpf_prog_test_run_skb`` as for a socket filter (the packet from the network header, a
  zeroed Ethernet header in data_out) but with direct packet access: data and data_end are set
  (``bpf_compute_data_pointers``).
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.helpers.perf_output import PERF_EVENT_OUTPUT, packet_event_output
from pybpf.helpers.registry import Helper
from pybpf.objects.credentials import current
from pybpf.progtypes.base import TestRunArgs, helper_ids
from pybpf.progtypes.registry import register
from pybpf.progtypes.skb import END, OFF, SkbProgType, SkbState, SkbStorage, skb_is_valid_access
from pybpf.progtypes.skb_helpers import SKB_HELPERS
from pybpf.uapi import BPF_CGROUP_INET_EGRESS, BPF_CGROUP_INET_INGRESS, BPF_PROG_TYPE_CGROUP_SKB

CGROUP_SKB_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, (25, 26), 35, 37, 42, (46, 47), 55, 68, (79, 81), (83, 89),
    (93, 99), (105, 109), (112, 115), (117, 118), 120, (122, 123), 125, (128, 134), (136, 141),
    (148, 149), (153, 154), (156, 158), 160, (164, 165), (169, 172), (175, 178), (180, 182), 191,
    (194, 203), (208, 211),
)  # fmt: skip
"""``cg_skb_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211)."""

CGROUP_SKB_ATTACH_TYPES = frozenset({BPF_CGROUP_INET_INGRESS, BPF_CGROUP_INET_EGRESS})
"""The expected attach types ``bpf_prog_load_check_attach`` accepts for a CGROUP_SKB program."""

_HIDDEN = ("tc_classid", "data_meta", "wire_len")
_WRITABLE = ("mark", "priority", "cb", "tstamp")
_NEED_CAP_BPF = {False: ("data", "data_end"), True: ("data", "data_end", "tstamp")}
"""The fields a loader without CAP_BPF may not read (direct packet access), or write."""


@register
class CgroupSkb(SkbProgType):
    """BPF_PROG_TYPE_CGROUP_SKB."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_CGROUP_SKB
    name: ClassVar[str] = "cgroup_skb"
    l2: ClassVar[bool] = False
    allowed_helpers: ClassVar[frozenset[int]] = CGROUP_SKB_HELPERS

    def check_expected_attach_type(self, expected_attach_type: int) -> None:
        """``bpf_prog_load_check_attach``: ingress or egress only."""
        if expected_attach_type not in CGROUP_SKB_ATTACH_TYPES:
            raise BPFError(
                errno.EINVAL, f"cgroup_skb programs cannot have attach type {expected_attach_type}"
            )

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``cg_skb_is_valid_access``."""
        if any(OFF[name] <= off < END[name] for name in _HIDDEN):
            return False
        if any(OFF[name] <= off < END[name] for name in _NEED_CAP_BPF[write]) and not current().bpf_capable:
            return False  # the loader's capability (prog->aux->token's: current at load)
        if write and not any(OFF[name] <= off < END[name] for name in _WRITABLE):
            return False
        return skb_is_valid_access(off, size, write)

    def helpers(self) -> Mapping[int, Helper]:
        own = {number: helper for number, helper in SKB_HELPERS.items() if number in self.allowed_helpers}
        return {**own, PERF_EVENT_OUTPUT: packet_event_output}  # bpf_skb_event_output

    def build(
        self, args: TestRunArgs, storage: SkbStorage | None = None
    ) -> tuple[SkbState, bytearray | None]:
        """The socket filter's test-run skb, with the packet pointers set (``is_direct_pkt_access``)."""
        state, ctx = super().build(args, storage)
        state.direct_access = True
        state.sync()
        return state, ctx


__all__ = ["BPF_PROG_TYPE_CGROUP_SKB", "CGROUP_SKB_ATTACH_TYPES", "CGROUP_SKB_HELPERS", "CgroupSkb"]
