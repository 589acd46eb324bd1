"""Which fields of a socket a program may read: check_sock_access() and the is_valid_access functions
of the socket structs.

Mirrors kernel/bpf/verifier.c check_sock_access() and net/core/filter.c of Linux 6.18:
bpf_sock_is_valid_access() (``struct bpf_sock``: the addresses, ports' words, family, type,
protocol, state and rx_queue_mapping may be read narrower than 4 bytes; ``dst_port`` is a 2-byte
field, the padding after it is never readable; every other field is one 4-byte word),
bpf_sock_common_is_valid_access() (a ``sock_common`` has no type..priority), and
bpf_tcp_sock_is_valid_access() / bpf_xdp_sock_is_valid_access() (4-byte words, ``bytes_received``
and ``bytes_acked`` 8 bytes).  A refused access is "R%d invalid %s access off=%d size=%d"; a
socket pointer is never written through ("R%d cannot write into %s") and its offset may not be
negative.
"""

from __future__ import annotations

import ctypes
import errno
from typing import TYPE_CHECKING

from pybpf import uapi
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

SOCK_TYPES = frozenset(
    {RegType.PTR_TO_SOCKET, RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_TCP_SOCK, RegType.PTR_TO_XDP_SOCK}
)
"""type_is_sk_pointer()."""

_U32 = 4


def _field(struct: type[ctypes.Structure], name: str) -> tuple[int, int]:
    """(offset, size) of a uapi struct's field."""
    descriptor = getattr(struct, name)
    return descriptor.offset, descriptor.size


def _range(struct: type[ctypes.Structure], name: str) -> range:
    off, size = _field(struct, name)
    return range(off, off + size)


_SOCK = uapi.bpf_sock
_SOCK_SIZE = ctypes.sizeof(_SOCK)
_SOCK_NARROW_AT = frozenset(
    _field(_SOCK, name)[0] for name in ("state", "family", "type", "protocol", "src_port", "rx_queue_mapping")
)
"""The words bpf_sock_is_valid_access() names by their first byte: narrow reads at that byte."""
_SOCK_NARROW_RANGES = tuple(_range(_SOCK, name) for name in ("src_ip4", "src_ip6", "dst_ip4", "dst_ip6"))
"""The address fields: narrow reads anywhere in them (bpf_ctx_range / bpf_ctx_range_till)."""
_DST_PORT = _range(_SOCK, "dst_port")
_DST_PORT_PAD = range(_DST_PORT.stop, _field(_SOCK, "dst_ip4")[0])
_SOCK_COMMON_HIDDEN = range(_field(_SOCK, "type")[0], sum(_field(_SOCK, "priority")))
"""bpf_sock_common_is_valid_access(): a sock_common has no type, protocol, mark or priority."""

_TCP_SOCK_END = sum(_field(uapi.bpf_tcp_sock, "icsk_retransmits"))
_TCP_SOCK_U64 = frozenset(_field(uapi.bpf_tcp_sock, name)[0] for name in ("bytes_received", "bytes_acked"))
_XDP_SOCK_END = sum(_field(uapi.bpf_xdp_sock, "queue_id"))


def _narrow_ok(size: int, size_default: int) -> bool:
    """bpf_ctx_narrow_access_ok()."""
    return size <= size_default and size & (size - 1) == 0


def sock_is_valid_access(off: int, size: int) -> bool:
    """bpf_sock_is_valid_access() for a read."""
    if off < 0 or off >= _SOCK_SIZE or off % size:
        return False
    if off in _SOCK_NARROW_AT or any(off in r for r in _SOCK_NARROW_RANGES):
        return _narrow_ok(size, _U32)
    if off in _DST_PORT:
        return _narrow_ok(size, _U32 if size == _U32 else len(_DST_PORT))
    if off in _DST_PORT_PAD:
        return False
    return size == _U32


def sock_common_is_valid_access(off: int, size: int) -> bool:
    """bpf_sock_common_is_valid_access()."""
    return off not in _SOCK_COMMON_HIDDEN and sock_is_valid_access(off, size)


def tcp_sock_is_valid_access(off: int, size: int) -> bool:
    """bpf_tcp_sock_is_valid_access()."""
    if off < 0 or off >= _TCP_SOCK_END or off % size:
        return False
    return size == (8 if off in _TCP_SOCK_U64 else _U32)


def xdp_sock_is_valid_access(off: int, size: int) -> bool:
    """bpf_xdp_sock_is_valid_access()."""
    return 0 <= off < _XDP_SOCK_END and not off % size and size == _U32


_VALID = {
    RegType.PTR_TO_SOCKET: sock_is_valid_access,
    RegType.PTR_TO_SOCK_COMMON: sock_common_is_valid_access,
    RegType.PTR_TO_TCP_SOCK: tcp_sock_is_valid_access,
    RegType.PTR_TO_XDP_SOCK: xdp_sock_is_valid_access,
}


def check_sock_access(w: Walker, regno: int, reg: RegState, off: int, size: int, *, write: bool) -> None:
    """check_mem_access() through a socket pointer (``off`` includes the pointer's fixed offset)."""
    if write:
        w.fail(errno.EACCES, f"R{regno} cannot write into {reg.type_name()}")
    if reg.smin < 0:
        w.fail(
            errno.EACCES,
            f"R{regno} min value is negative, either use unsigned index or do a if (index >=0) check.",
        )
    if not _VALID[reg.type](off, size):
        w.fail(errno.EACCES, f"R{regno} invalid {reg.type_name()} access off={off} size={size}")
