"""BPF_MAP_TYPE_REUSEPORT_SOCKARRAY: SO_REUSEPORT sockets by index, for bpf_sk_select_reuseport.

Mirrors ``reuseport_array_ops`` in kernel/bpf/reuseport_array.c (asked of Linux 6.18):

* creation (``reuseport_array_alloc_check``): a value of 4 or 8 bytes, then the array rules
  (``array_map_alloc_check``): a 4-byte key, max_entries > 0, flags within the array mask without
  BPF_F_MMAPABLE / BPF_F_INNER_MAP / BPF_F_PRESERVE_ELEMS and not both BPF_F_RDONLY_PROG and
  BPF_F_WRONLY_PROG, else EINVAL.
* update (``bpf_fd_reuseport_array_update_elem``), in the kernel's order: flags above BPF_EXIST
  EINVAL, an index past the end E2BIG, the socket fd of the calling process (a u64 above S32_MAX
  EINVAL; not open EBADF; not a socket ENOTSOCK), BPF_NOEXIST on an occupied slot EEXIST and
  BPF_EXIST on an empty one ENOENT, a socket that is not TCP or UDP over IPv4/IPv6 ENOTSUPP, one that
  is not hashed with SO_REUSEPORT (a TCP socket not listening, a UDP socket not bound, no
  SO_REUSEPORT) EINVAL, and a socket already in the array (the kernel's ``sk_user_data``) EBUSY.
* lookup: ENOSPC for every key unless the value is 8 bytes; then the socket's cookie, ENOENT for an
  empty slot or an index past the end.  delete: E2BIG past the end, ENOENT for an empty slot.
  get_next_key as arrays.  No batch operations (ENOTSUPP).

pybpf holds no socket (see ``pybpf.maps.sockmap``): a slot keeps the socket's cookie, and a closed
socket's slot stays until deleted.  Known differences: a socket in another reuseport array is not
EBUSY here (the kernel marks the socket itself), and SO_REUSEPORT set after listen() counts (the
kernel wants it set when the socket was hashed).
"""

from __future__ import annotations

import errno
import socket
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import ARRAY_CREATE_FLAG_MASK, next_array_key
from pybpf.maps.base import MapOps, MapParams, flags_access_ok, index_of
from pybpf.maps.registry import register
from pybpf.maps.sockmap import S32_MAX, TCP_LISTEN, cookie_of, open_socket
from pybpf.uapi import ENOTSUPP

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_INET = (socket.AF_INET, socket.AF_INET6)


def _check_socket(sock: socket.socket) -> None:
    """``reuseport_array_update_check``'s socket checks: ENOTSUPP, then EINVAL."""
    if (
        sock.family not in _INET
        or sock.proto not in (socket.IPPROTO_TCP, socket.IPPROTO_UDP)
        or sock.type not in (socket.SOCK_STREAM, socket.SOCK_DGRAM)
    ):
        raise BPFError(ENOTSUPP, "reuseport arrays hold TCP and UDP sockets")
    if not sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT):
        raise BPFError(errno.EINVAL, "the socket has no SO_REUSEPORT")
    if sock.proto == socket.IPPROTO_TCP:
        hashed = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == TCP_LISTEN
    else:
        hashed = sock.getsockname()[1] != 0
    if not hashed:
        raise BPFError(errno.EINVAL, "the socket is not listening or bound")


@register(uapi.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY)
class ReuseportArray(MapOps):
    """Socket cookies by index (a u64 each, 0 = empty)."""

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.value_size not in (4, 8)
            or params.key_size != 4
            or params.max_entries == 0
            or params.flags & ~ARRAY_CREATE_FLAG_MASK
            or params.flags & (uapi.BPF_F_MMAPABLE | uapi.BPF_F_INNER_MAP | uapi.BPF_F_PRESERVE_ELEMS)
            or not flags_access_ok(params.flags)
        ):
            raise BPFError(errno.EINVAL, "invalid reuseport array attributes")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _U64.size * params.max_entries

    def _cookie(self, index: int) -> int:
        cookie: int = _U64.unpack_from(self.mem, _U64.size * index)[0]
        return cookie

    def lookup(self, key: bytes) -> bytes:
        if self.value_size != _U64.size:
            raise BPFError(errno.ENOSPC, "a reuseport array's cookies are read through 8-byte values")
        index = index_of(key)
        if index >= self.max_entries or not self._cookie(index):
            raise KeyNotExistError()
        return _U64.pack(self._cookie(index))

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        if self.value_size == _U64.size:
            fd: int = _U64.unpack(value)[0]
            if fd > S32_MAX:
                raise BPFError(errno.EINVAL, f"socket fd {fd} out of range")
        else:
            fd = _I32.unpack(value)[0]
        with open_socket(fd) as sock:
            occupied = self._cookie(index) != 0
            if occupied and flags == uapi.BPF_NOEXIST:
                raise BPFError(errno.EEXIST, "slot is occupied")
            if not occupied and flags == uapi.BPF_EXIST:
                raise KeyNotExistError()
            _check_socket(sock)
            cookie = cookie_of(sock)
        if any(self._cookie(i) == cookie for i in range(self.max_entries)):
            raise BPFError(errno.EBUSY, "the socket is in the array already")
        _U64.pack_into(self.mem, _U64.size * index, cookie)

    def delete(self, key: bytes) -> None:
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        if not self._cookie(index):
            raise KeyNotExistError()
        _U64.pack_into(self.mem, _U64.size * index, 0)

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)
