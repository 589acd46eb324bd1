"""Helper 25, ``bpf_perf_event_output``, in its three kernel flavours.

Mirrors kernel/trace/bpf_trace.c (``bpf_perf_event_output``, ``bpf_perf_event_output_raw_tp``,
``bpf_event_output`` and ``__bpf_perf_event_output``) and net/core/filter.c
(``bpf_skb_event_output``, ``bpf_xdp_event_output``), with the kernel's return values:

* ``perf_event_output`` (tracing, raw tracepoint, syscall programs): flags other than
  BPF_F_INDEX_MASK bits are -EINVAL; the raw data is ``size`` bytes at ``data``.
* ``packet_event_output``, the skb (socket filter, tc) and XDP flavours: flags may also carry
  BPF_F_CTXLEN_MASK, a byte count (flags >> 32) of packet bytes from ``data`` appended after the
  ``size`` bytes of meta data; a count past the packet (``skb->len``, ``xdp_get_buff_len``, XDP
  fragments included) is -EFAULT.
* then ``__bpf_perf_event_output``: index = flags & BPF_F_INDEX_MASK, BPF_F_CURRENT_CPU meaning the
  running CPU; an index past the array is -E2BIG, an empty slot -ENOENT, an event of another CPU
  -EOPNOTSUPP (``event->oncpu != cpu``); then the sample is written (``PerfEventObject.output``:
  0, or -ENOSPC and a lost record when the ring is full).

The map argument (R2) is the address ``lddw map_fd`` produced; it must be a perf event array
(``MapOps.fd_kind`` PERF_EVENT) the run may reach (``RunEnv.maps``, see
``pybpf.helpers.map_access``), else the call is a ``HelperError`` naming the register, as the
kernel's verifier refuses such a program at load.  The running CPU is ``ctx.env.cpu``.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from pybpf import uapi
from pybpf.errors import HelperError, MemoryAccessError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import access_of, describe_map
from pybpf.helpers.maps import argument_fault
from pybpf.maps.base import FdKind
from pybpf.objects.perf_event import event_in_array

HELPER = "bpf_perf_event_output"
"""The kernel's name for helper 25 (the skb and XDP flavours share the id)."""
INDEX_MASK: int = uapi.BPF_F_INDEX_MASK
CURRENT_CPU: int = uapi.BPF_F_CURRENT_CPU
CTXLEN_MASK: int = uapi.BPF_F_CTXLEN_MASK


def event_output(ctx: HelperContext, map_ptr: int, flags: int, parts: list[bytes]) -> int:
    """``__bpf_perf_event_output``: pick the event by index and write one sample of ``parts``."""
    array = access_of(ctx.env.maps, HELPER).map_arg(map_ptr, HELPER, 2)
    impl = array.impl
    if impl.fd_kind is not FdKind.PERF_EVENT:
        raise HelperError(None, f"{HELPER}: R2 is {describe_map(array)}; {HELPER} takes perf event arrays")
    cpu = ctx.env.cpu
    index = flags & INDEX_MASK
    if index == CURRENT_CPU:
        index = cpu
    if index >= impl.max_entries:
        return -errno.E2BIG
    event_id = impl.slot(index)
    event = event_in_array(array.id, event_id) if event_id else None
    if event is None:
        return -errno.ENOENT
    if event.cpu != cpu:
        return -errno.EOPNOTSUPP
    return event.output(parts)


def _read(ctx: HelperContext, address: int, size: int, reg: int, what: str) -> bytes:
    try:
        return ctx.memory.read(address, size)
    except MemoryAccessError as exc:
        raise argument_fault(exc, (HELPER, reg, what)) from None


def perf_event_output(ctx: HelperContext, _ctx: int, map_ptr: int, flags: int, data: int, size: int) -> int:
    """``long bpf_perf_event_output(ctx, map, flags, data, size)`` of tracing programs."""
    if flags & ~INDEX_MASK:
        return -errno.EINVAL
    return event_output(ctx, map_ptr, flags, [_read(ctx, data, size, 4, "data") if size else b""])


def _packet_output(
    ctx: HelperContext,
    map_ptr: int,
    flags: int,
    meta: tuple[int, int],
    packet: tuple[int, Callable[[int], bytes]],
) -> int:
    """The part ``bpf_skb_event_output`` / ``bpf_xdp_event_output`` share; ``meta`` is (address, size),
    ``packet`` (packet length, reader of its first n bytes)."""
    length, copy = packet
    if flags & ~(CTXLEN_MASK | INDEX_MASK):
        return -errno.EINVAL
    wanted = (flags & CTXLEN_MASK) >> 32
    if wanted > length:
        return -errno.EFAULT
    parts = [_read(ctx, meta[0], meta[1], 4, "data") if meta[1] else b""]
    if wanted:
        parts.append(copy(wanted))
    return event_output(ctx, map_ptr, flags, parts)


def packet_event_output(
    ctx: HelperContext, _ctx_ptr: int, map_ptr: int, flags: int, meta: int, size: int
) -> int:
    """``bpf_skb_event_output`` / ``bpf_xdp_event_output``: meta data, then (flags >> 32) packet bytes.

    The packet is the run's (``ctx.env.packet``: the skb from ``skb->data``, the xdp_buff from
    ``data``, fragments included).
    """
    packet = ctx.env.packet
    if packet is None:
        raise HelperError(None, "this helper needs the packet of a networking program")
    return _packet_output(
        ctx, map_ptr, flags, (meta, size), (packet.packet_length(), lambda n: packet.copy_packet(0, n))
    )


PERF_EVENT_OUTPUT = 25
"""``BPF_FUNC_perf_event_output``: the id all three flavours share."""

__all__ = ["PERF_EVENT_OUTPUT", "event_output", "packet_event_output", "perf_event_output"]
