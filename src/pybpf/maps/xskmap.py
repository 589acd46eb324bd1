"""BPF_MAP_TYPE_XSKMAP: AF_XDP sockets ``bpf_redirect_map`` sends XDP frames to.

Mirrors ``xsk_map_ops`` in net/xdp/xskmap.c (measured on Linux 6.18):

* creation (``xsk_map_alloc``): key and value 4 bytes, max_entries > 0, flags within
  BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY, else EINVAL.  No BTF (``map_check_no_btf``).
* update (``xsk_map_update_elem``): flags past BPF_EXIST EINVAL, then an index past the array E2BIG,
  then the value's fd: not open EBADF, not a socket ENOTSOCK, a socket of another family EOPNOTSUPP.
  Storing the socket a slot already holds succeeds whatever the flags; otherwise BPF_NOEXIST on a
  full slot is EEXIST and BPF_EXIST on an empty one ENOENT.
* delete: EINVAL past the array, else the slot emptied (an empty slot deletes fine); get_next_key
  as arrays; BPF_MAP_LOOKUP_ELEM is EOPNOTSUPP (``xsk_map_lookup_elem_sys``), lookup-and-delete and
  the batch commands ENOTSUPP.
* programs: ``bpf_redirect_map`` (``xsk_map_redirect``, no flags besides the fallback action)
  redirects to a slot that holds a socket.

Storage (untrusted): one u64 per slot, the socket's cookie (``SO_COOKIE``), 0 for an empty slot.

Deliberate differences: the kernel holds a reference to each socket and removes it from every map
when it is released (``xsk_delete_from_maps``); pybpf sees no close, so the slot of a closed socket
keeps its cookie.  Programs' ``bpf_map_lookup_elem`` on an XSKMAP (a ``struct bpf_xdp_sock``
pointer in the kernel) is ``pybpf.helpers.xsk_lookup``'s.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import next_array_key
from pybpf.maps.base import MapParams, NoBtfMapOps, index_of
from pybpf.maps.registry import register
from pybpf.maps.sockmap import cookie_of

XSK_CREATE_FLAG_MASK = uapi.BPF_F_NUMA_NODE | uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY
AF_XDP = 44
"""``PF_XDP``."""
_U32 = struct.Struct("<I")
_SLOT = struct.Struct("<Q")


def xdp_socket_cookie(fd: int) -> int:
    """``sockfd_lookup`` and the PF_XDP check: the cookie of AF_XDP socket ``fd`` (EBADF, ENOTSOCK,
    EOPNOTSUPP for another family)."""
    try:
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, OverflowError):
        raise BPFError(errno.EBADF, f"fd {fd} is not open") from None
    if not stat.S_ISSOCK(mode):
        raise BPFError(errno.ENOTSOCK, f"fd {fd} is not a socket")
    # family, type and proto given: an AF_XDP socket has no getsockname to ask them of
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_RAW, 0, fileno=fd)
    try:
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) != AF_XDP:
            raise BPFError(errno.EOPNOTSUPP, "XSKMAP values are AF_XDP sockets")
        return cookie_of(sock)
    finally:
        sock.detach()


@register(uapi.BPF_MAP_TYPE_XSKMAP)
class XskMap(NoBtfMapOps):
    """AF_XDP sockets by index, as cookies."""

    read_locked = False
    redirect_flags = 0

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.max_entries == 0
            or params.key_size != 4
            or params.value_size != 4
            or params.flags & ~XSK_CREATE_FLAG_MASK
        ):
            raise BPFError(errno.EINVAL, "invalid XSKMAP attributes")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _SLOT.size * params.max_entries

    def slot(self, index: int) -> int:
        """The cookie of the socket in slot ``index`` (0: empty)."""
        cookie: int = _SLOT.unpack_from(self.mem, _SLOT.size * index)[0]
        return cookie

    def lookup(self, key: bytes) -> bytes:
        raise BPFError(errno.EOPNOTSUPP, "XSKMAP elements cannot be read from user space")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        """``xsk_map_update_elem``."""
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        cookie = xdp_socket_cookie(int.from_bytes(value[:4], "little", signed=True))
        old = self.slot(index)
        if old != cookie:
            if old and flags == uapi.BPF_NOEXIST:
                raise BPFError(errno.EEXIST, "slot holds a socket")
            if not old and flags == uapi.BPF_EXIST:
                raise KeyNotExistError()
        _SLOT.pack_into(self.mem, _SLOT.size * index, cookie)

    def delete(self, key: bytes) -> None:
        """``xsk_map_delete_elem``: EINVAL past the array, an empty slot deletes fine."""
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.EINVAL, "index out of range")
        _SLOT.pack_into(self.mem, _SLOT.size * index, 0)

    def get_next_key(self, key: bytes | None) -> bytes:
        """``xsk_map_get_next_key``: as arrays."""
        return next_array_key(key, self.max_entries)

    def redirect_target(self, key: int) -> bool:
        """``__xsk_map_lookup_elem`` of ``bpf_redirect_map``: whether slot ``key`` holds a socket."""
        return key < self.max_entries and bool(self.slot(key))
