"""``bpf_user_ringbuf_drain``: a program consumes the samples user space produced into a
BPF_MAP_TYPE_USER_RINGBUF map.

Mirrors ``bpf_user_ringbuf_drain`` of kernel/bpf/ringbuf.c (Linux 6.18): flags other than the
wakeup flags -EINVAL; -EBUSY while another drain of the map runs; then for at most
BPF_MAX_USER_RINGBUF_SAMPLES samples, each ready sample is handed to ``callback_fn(dynptr, ctx)``
as a LOCAL dynptr over its bytes (read-only to the program) and released after the callback; a
non-zero callback result stops the drain after that sample.  Discarded samples are skipped (they
count in the loop but not in the result); an empty ring or a BUSY sample ends the drain.  The result
is the number of samples handed to the callback, or the peek's -EINVAL / -E2BIG for a malformed
sample (the drain stops there; the samples drained before it stay consumed).

The dynptr lives in a read-only 16-byte region and the sample in a read-only region of its bytes,
both for the callback's duration only (``pybpf.maps.user_ringbuf`` makes a wrapping sample
contiguous first).  Each sample is charged as the bytes it hands out, besides the callback.
"""

from __future__ import annotations

import errno

from pybpf.errors import HelperError
from pybpf.helpers import dynptr
from pybpf.helpers.context import HelperContext
from pybpf.helpers.maps import _map, _wrong_type
from pybpf.helpers.registry import HelperRegistry
from pybpf.maps.object import MapObject
from pybpf.maps.ringbuf import WAKEUP_FLAGS
from pybpf.maps.user_ringbuf import UserRingBufMap
from pybpf.memory.regions import READ

USER_RINGBUF_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = USER_RINGBUF_HELPERS.helper

MAX_USER_RINGBUF_SAMPLES = 128 * 1024
"""``BPF_MAX_USER_RINGBUF_SAMPLES``: the most samples one drain visits."""


@_helper("bpf_user_ringbuf_drain")
def user_ringbuf_drain(
    ctx: HelperContext, map_ptr: int, callback: int, callback_ctx: int, flags: int, _r5: int
) -> int:
    """``long bpf_user_ringbuf_drain(map, callback_fn, ctx, flags)``: samples drained, or -errno."""
    helper = "bpf_user_ringbuf_drain"
    obj = _map(ctx, map_ptr, helper)
    impl = obj.impl
    if not isinstance(impl, UserRingBufMap):
        raise _wrong_type(helper, obj, "user ring buffers")
    if flags & ~WAKEUP_FLAGS:
        return -errno.EINVAL
    with impl.draining() as drained:
        if not drained:
            return -errno.EBUSY
        holder = ctx.memory.add_buffer(dynptr.BPF_DYNPTR_SIZE, name="user_ringbuf_drain dynptr")
        try:
            samples = discarded = 0
            stop = 0
            while samples < MAX_USER_RINGBUF_SAMPLES and not stop:
                found = impl.peek_sample(dynptr.DYNPTR_MAX_SIZE)
                if found == -errno.ENODATA:
                    break
                samples += 1
                if found == -errno.EAGAIN:
                    discarded += 1
                    continue
                if isinstance(found, int):
                    return found
                offset, size = found
                stop = _hand_out(ctx, obj, holder.start, (offset, size), callback, callback_ctx)
                impl.release_sample(size)
            return samples - discarded
        finally:
            ctx.memory.remove_region(holder)


def _hand_out(  # noqa: PLR0917 - one sample's call
    ctx: HelperContext, obj: MapObject, holder: int, sample: tuple[int, int], callback: int, cb_ctx: int
) -> int:
    """Call the callback with a dynptr (at ``holder``) over ``sample`` (storage offset, size); its
    result."""
    offset, size = sample
    address = obj.address + offset
    region = None
    if size:
        try:
            region = ctx.memory.add_view(
                memoryview(obj.mm)[offset : offset + size],
                address,
                access=READ,
                name="user ring buffer sample",
            )
        except ValueError as exc:
            why = f"the sample overlaps memory of this run: {exc}"
            raise HelperError(None, f"bpf_user_ringbuf_drain: {why}") from None
    dynptr.init(ctx, holder, address, dynptr.BPF_DYNPTR_TYPE_LOCAL, size)
    ctx.charge_bytes(size)
    try:
        return ctx.call_function(callback, holder, cb_ctx)
    finally:
        if region is not None:
            ctx.memory.remove_region(region)


__all__ = ["MAX_USER_RINGBUF_SAMPLES", "USER_RINGBUF_HELPERS", "user_ringbuf_drain"]
