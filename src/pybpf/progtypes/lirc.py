"""BPF_PROG_TYPE_LIRC_MODE2: an infrared decoder run on each raw IR sample of a lirc device.

Mirrors drivers/media/rc/bpf-lirc.c of Linux 6.18 (``lirc_mode2_verifier_ops``, built with
CONFIG_BPF_LIRC_MODE2):

* the ctx is the sample, one u32 (pulse/space/timeout and its duration), read only and whole
  (``lirc_mode2_is_valid_access``);
* the helpers are ``lirc_mode2_func_proto``'s own list -- no base set: bpf_rc_repeat,
  bpf_rc_keydown and bpf_rc_pointer_rel (GPL only; their first argument is the ctx), the map
  lookup/update/delete and push/pop/peek helpers, ktime_get_ns, ktime_get_boot_ns, tail_call,
  get_prandom_u32 and, for a loader with CAP_PERFMON, trace_printk;
* no expected attach type is checked at load and the return value is not range-checked;
* there is no BPF_PROG_TEST_RUN (``lirc_mode2_prog_ops`` is empty: ENOTSUPP, the contract's
  default) and pybpf has no lirc devices to attach to (BPF_PROG_ATTACH with BPF_LIRC_MODE2), so
  the helpers that report decoded keys never run: programs load and verify.

A kernel built without CONFIG_BPF_LIRC_MODE2 (the one these tests were measured on) refuses the
type at BPF_PROG_LOAD with EINVAL; pybpf models a kernel built with it.
"""

from __future__ import annotations

from typing import ClassVar

from pybpf.progtypes.base import ProgType, helper_ids
from pybpf.progtypes.registry import register
from pybpf.uapi import BPF_PROG_TYPE_LIRC_MODE2

LIRC_SAMPLE_SIZE = 4
"""The ctx: one u32 sample."""
LIRC_FUNC_IDS: frozenset[int] = helper_ids((1, 3), 5, 6, 7, 12, 77, 78, (87, 89), 92, 125)
"""``lirc_mode2_func_proto``: map lookup/update/delete (1-3), ktime_get_ns (5), trace_printk (6,
CAP_PERFMON), get_prandom_u32 (7), tail_call (12), rc_repeat (77), rc_keydown (78), map
push/pop/peek (87-89), rc_pointer_rel (92), ktime_get_boot_ns (125)."""


@register
class LircMode2ProgType(ProgType):
    """BPF_PROG_TYPE_LIRC_MODE2: the raw IR sample (a u32) as ctx."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_LIRC_MODE2
    name: ClassVar[str] = "lirc_mode2"
    ctx_size: ClassVar[int] = LIRC_SAMPLE_SIZE

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in LIRC_FUNC_IDS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``lirc_mode2_is_valid_access``: the one u32, read."""
        return not write and off == 0 and size == LIRC_SAMPLE_SIZE


__all__ = ["LIRC_FUNC_IDS", "LIRC_SAMPLE_SIZE", "LircMode2ProgType"]
