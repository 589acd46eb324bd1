"""Which fields of a socket a program may read: check_sock_access() and the is_valid_access functions
of the socket structs.

Mirrors kernel/bpf/verifier.c check_sock_access() and net/core/filter.c of Linux 6.18:
bpf_sock_is_valid_access() (``struct bpf_sock``, in ``pybpf.progtypes.bpf_sock``: CGROUP_SOCK
programs' context has the same rules),
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
from pybpf.progtypes.bpf_sock import U32, sock_is_valid_access
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

SOCK_TYPES = frozenset(
    {RegType.PTR_TO_SOCKET, RegType.PTR_TO_SOCK_COMMON, RegType.PTR_TO_TCP_SOCK, RegType.PTR_TO_XDP_SOCK}
)
"""type_is_sk_pointer()."""


def _field(struct: type[ctypes.Structure], name: str) -> tuple[int, int]:
    """(offset, size) of a uapi struct's field."""
    descriptor = getattr(struct, name)
    return descriptor.offset, descriptor.size


_SOCK = uapi.bpf_sock
_SOCK_COMMON_HIDDEN = range(_field(_SOCK, "type")[0], sum(_field(_SOCK, "priority")))
"""bpf_sock_common_is_valid_access(): a sock_common has no type, protocol, mark or priority."""

_TCP_SOCK_END = sum(_field(uapi.bpf_tcp_sock, "icsk_retransmits"))
_TCP_SOCK_U64 = frozenset(_field(uapi.bpf_tcp_sock, name)[0] for name in ("bytes_received", "bytes_acked"))
_XDP_SOCK_END = sum(_field(uapi.bpf_xdp_sock, "queue_id"))


def sock_common_is_valid_access(off: int, size: int) -> bool:
    """bpf_sock_common_is_valid_access()."""
    return off not in _SOCK_COMMON_HIDDEN and sock_is_valid_access(off, size)


def tcp_sock_is_valid_access(off: int, size: int) -> bool:
    """bpf_tcp_sock_is_valid_access()."""
    if off < 0 or off >= _TCP_SOCK_END or off % size:
        return False
    return size == (8 if off in _TCP_SOCK_U64 else U32)


def xdp_sock_is_valid_access(off: int, size: int) -> bool:
    """bpf_xdp_sock_is_valid_access()."""
    return 0 <= off < _XDP_SOCK_END and not off % size and size == U32


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
