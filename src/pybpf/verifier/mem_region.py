"""check_mem_region_access(): a pointer with a variable offset reaches only memory of a known size.

Mirrors kernel/bpf/verifier.c's check_mem_region_access() and __check_mem_access() (the messages
"invalid access to map value, value_size=%d off=%d size=%d", "R%d min value is outside of the allowed
memory range", ...): every offset the pointer may have (its signed minimum and unsigned maximum),
plus the access's fixed offset, keeps ``size`` bytes inside ``mem_size``.  Used by the memory
accesses (``checks.mem``) and by the Spectre v1 sanitation of pointer arithmetic
(``sanitize.sanitize_check_bounds``: a map value pointer must stay in its value).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.uapi import BPF_MAX_VAR_OFF
from pybpf.verifier import bounds
from pybpf.verifier.bounds import S32_MAX, S32_MIN
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import PACKET_TYPES, RegType

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def mem_message(regno: int, reg: RegState, off: int, size: int, mem_size: int) -> str:
    if reg.type is RegType.PTR_TO_MAP_KEY:
        return f"invalid access to map key, key_size={mem_size} off={off} size={size}"
    if reg.type is RegType.PTR_TO_MAP_VALUE:
        return f"invalid access to map value, value_size={mem_size} off={off} size={size}"
    if reg.type in PACKET_TYPES or reg.type is RegType.PTR_TO_PACKET_END:
        return (
            f"invalid access to packet, off={off} size={size}, R{regno}(id={reg.id},off={off},r={mem_size})"
        )
    return f"invalid access to memory, mem_size={mem_size} off={off} size={size}"


def mem_ok(off: int, size: int, mem_size: int, zero_ok: bool) -> bool:
    return (size > 0 or (size == 0 and zero_ok)) and off >= 0 and size <= mem_size and off + size <= mem_size


def check_mem_region_access(
    w: Walker, regno: int, reg: RegState, off: int, size: int, *, mem_size: int, zero_ok: bool = False
) -> None:
    """check_mem_region_access(): every offset the pointer may have, plus ``off``, fits."""
    if reg.smin < 0 and (
        reg.smin == bounds.S64_MIN or not S32_MIN <= off + reg.smin <= S32_MAX or reg.smin + off < 0
    ):
        w.fail(
            errno.EACCES,
            f"R{regno} min value is negative, either use unsigned index or do a if (index >=0) check.",
        )
    low = reg.smin + off
    if not mem_ok(low, size, mem_size, zero_ok):
        w.env.log.line(mem_message(regno, reg, low, size, mem_size))
        w.fail(errno.EACCES, f"R{regno} min value is outside of the allowed memory range")
    if reg.umax >= BPF_MAX_VAR_OFF:
        w.fail(errno.EACCES, f"R{regno} unbounded memory access, make sure to bounds check any such access")
    high = reg.umax + off
    if not mem_ok(high, size, mem_size, zero_ok):
        w.env.log.line(mem_message(regno, reg, high, size, mem_size))
        w.fail(errno.EACCES, f"R{regno} max value is outside of the allowed memory range")


__all__ = ["check_mem_region_access", "mem_message", "mem_ok"]
