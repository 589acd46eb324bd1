"""BPF_MAP_TYPE_SOCKMAP and BPF_MAP_TYPE_SOCKHASH: sockets by index or by key, from user space.

Mirrors ``sock_map_ops`` and ``sock_hash_ops`` in net/core/sock_map.c (asked of Linux 6.18):

* creation (``sock_map_alloc`` / ``sock_hash_alloc``, no ``map_alloc_check``): max_entries > 0, a
  value of 4 or 8 bytes (the socket fd user space writes; 8 also lets it read the socket's cookie
  back), flags within BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY, else EINVAL.  A sockmap's key is
  4 bytes (EINVAL) and more than INT_MAX entries is EINVAL; a sockhash's key is 1 to 512 bytes (0:
  EINVAL, more: E2BIG) and more than 2^27 entries (``roundup_pow_of_two(max_entries)`` buckets of 16
  bytes overflow a u32 byte count) is EINVAL.
* update (``sock_map_update_elem_sys``): the value is a socket fd of the calling process (a u64
  when value_size is 8, else a u32) -- above S32_MAX EINVAL, not open EBADF, not a socket ENOTSOCK;
  the socket must be of a kind that has sockmap support (``sock_map_sk_is_suitable``: TCP and UDP
  over IPv4/IPv6, AF_UNIX stream and datagram, AF_VSOCK) and in a state it allows
  (``sock_map_sk_state_allowed``: TCP established or listening, AF_UNIX and AF_VSOCK streams
  connected, UDP hashed, that is bound to a port), else EOPNOTSUPP.  Then flags above BPF_EXIST are
  EINVAL, a sockmap index past the end E2BIG, BPF_NOEXIST on an occupied key EEXIST, BPF_EXIST on an
  empty one ENOENT, and a new key in a full sockhash E2BIG.  A socket may sit under several keys.
* lookup (``sock_map_lookup_sys`` / ``sock_hash_lookup_sys``): ENOSPC for every key unless the value
  is 8 bytes; then the socket's cookie (``SO_COOKIE``), ENOENT for an empty or absent key.
* delete: a sockmap index past the end or an empty slot is EINVAL (``__sock_map_delete``), an absent
  sockhash key ENOENT.  get_next_key walks indices as arrays do (empty slots included), keys as hash
  maps do, in the kernel's order (seed 0).  No batch operations (ENOTSUPP).

pybpf holds no socket: a key remembers the socket's cookie, the kernel's unique 64-bit name of a
socket, which is the value lookups return.  The kernel drops a socket from every sockmap when the
socket is closed (``sock_map_close``); pybpf sees no close, so the key stays until deleted.  The
socket programs of these maps (stream parser, stream verdict, sk_msg) run only inside the kernel's
socket layer: pybpf verifies and loads them but has no traffic to run them on.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
import struct
from collections.abc import Callable, Iterator

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import next_array_key
from pybpf.maps.base import MapOps, MapParams, index_of
from pybpf.maps.hash import HashMap
from pybpf.maps.registry import register

SOCK_CREATE_FLAG_MASK = uapi.BPF_F_NUMA_NODE | uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY
"""The flags sockmaps and sockhashes take (``SOCK_CREATE_FLAG_MASK``)."""
INT_MAX = 0x7FFFFFFF
S32_MAX = INT_MAX
SOCK_HASH_MAX_ENTRIES = 1 << 27
"""The most entries whose ``roundup_pow_of_two`` buckets of 16 bytes stay within a u32 byte count."""
SO_COOKIE = 57
"""``SO_COOKIE`` (asm-generic/socket.h): the socket's cookie, generated on first use."""
TCP_ESTABLISHED, TCP_LISTEN = 1, 10
"""``sk_state`` values (include/net/tcp_states.h) as TCP_INFO's first byte reports them."""
_INET = (socket.AF_INET, socket.AF_INET6)
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


def _not_supported(what: str) -> BPFError:
    return BPFError(errno.EOPNOTSUPP, f"sockmaps cannot hold {what}")


def _check_kind_and_state(sock: socket.socket) -> None:
    """``sock_map_sk_is_suitable`` then ``sock_map_sk_state_allowed``: EOPNOTSUPP for a socket
    without sockmap support or in a state sockmaps refuse."""
    family, kind, proto = sock.family, sock.type, sock.proto
    if family in _INET and kind == socket.SOCK_STREAM and proto == socket.IPPROTO_TCP:
        state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
        if state not in (TCP_ESTABLISHED, TCP_LISTEN):
            raise _not_supported("a TCP socket neither established nor listening")
    elif family in _INET and kind == socket.SOCK_DGRAM and proto == socket.IPPROTO_UDP:
        if sock.getsockname()[1] == 0:
            raise _not_supported("a UDP socket bound to no port")
    elif family == socket.AF_UNIX and kind == socket.SOCK_DGRAM:
        return
    elif (family == socket.AF_UNIX and kind == socket.SOCK_STREAM) or (
        family == socket.AF_VSOCK and kind in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET)
    ):
        try:
            sock.getpeername()
        except OSError:
            raise _not_supported("a stream socket that is not connected") from None
    elif family != socket.AF_VSOCK or kind != socket.SOCK_DGRAM:
        raise _not_supported(f"a socket of family {family}, type {kind}, protocol {proto}")


@contextlib.contextmanager
def open_socket(fd: int) -> Iterator[socket.socket]:
    """Socket ``fd`` of the calling process (``sockfd_lookup``: EBADF when not open, ENOTSOCK for
    another file), as a ``socket.socket`` that leaves the fd open."""
    try:
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, OverflowError):
        raise BPFError(errno.EBADF, f"fd {fd} is not open") from None
    if not stat.S_ISSOCK(mode):
        raise BPFError(errno.ENOTSOCK, f"fd {fd} is not a socket")
    sock = socket.socket(fileno=fd)
    try:
        yield sock
    finally:
        sock.detach()


def cookie_of(sock: socket.socket) -> int:
    """The socket's cookie (``SO_COOKIE``: the kernel generates it on first use)."""
    cookie: int = _U64.unpack(sock.getsockopt(socket.SOL_SOCKET, SO_COOKIE, _U64.size))[0]
    return cookie


def socket_cookie(fd: int) -> int:
    """The cookie of socket ``fd`` of the calling process, checked as ``sock_map_update_elem_sys``
    checks the socket it is given (EBADF, ENOTSOCK, EOPNOTSUPP)."""
    with open_socket(fd) as sock:
        _check_kind_and_state(sock)
        return cookie_of(sock)


def socket_fd(value: bytes) -> int:
    """The socket fd a sockmap value holds: a u64 in 8 bytes, else a u32; above S32_MAX EINVAL."""
    fd: int = (_U64 if len(value) == 8 else _U32).unpack(value)[0]
    if fd > S32_MAX:
        raise BPFError(errno.EINVAL, f"socket fd {fd} out of range")
    return fd


def _check_common(params: MapParams) -> None:
    if params.max_entries == 0 or params.value_size not in (4, 8) or params.flags & ~SOCK_CREATE_FLAG_MASK:
        raise BPFError(errno.EINVAL, "invalid sockmap attributes")


def _check_update_flags(flags: int) -> None:
    if flags > uapi.BPF_EXIST:
        raise BPFError(errno.EINVAL, "unknown update flags")


@register(uapi.BPF_MAP_TYPE_SOCKMAP)
class SockMap(MapOps):
    """Socket cookies by index (a u64 each, 0 = empty: cookies start at 1)."""

    @classmethod
    def check(cls, params: MapParams) -> None:
        _check_common(params)
        if params.key_size != 4 or params.max_entries > INT_MAX:
            raise BPFError(errno.EINVAL, "a sockmap has 4-byte keys and at most INT_MAX entries")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _U64.size * params.max_entries

    def _cookie(self, index: int) -> int:
        cookie: int = _U64.unpack_from(self.mem, _U64.size * index)[0]
        return cookie

    def lookup(self, key: bytes) -> bytes:
        if self.value_size != _U64.size:
            raise BPFError(errno.ENOSPC, "a sockmap's cookies are read through 8-byte values")
        index = index_of(key)
        if index >= self.max_entries or not self._cookie(index):
            raise KeyNotExistError()
        return _U64.pack(self._cookie(index))

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        cookie = socket_cookie(socket_fd(value))
        _check_update_flags(flags)
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        if self._cookie(index):
            if flags == uapi.BPF_NOEXIST:
                raise BPFError(errno.EEXIST, "slot is occupied")
        elif flags == uapi.BPF_EXIST:
            raise KeyNotExistError()
        _U64.pack_into(self.mem, _U64.size * index, cookie)

    def delete(self, key: bytes) -> None:
        index = index_of(key)
        if index >= self.max_entries or not self._cookie(index):
            raise BPFError(errno.EINVAL, "no socket at this index")
        _U64.pack_into(self.mem, _U64.size * index, 0)

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)


@register(uapi.BPF_MAP_TYPE_SOCKHASH)
class SockHash(MapOps):
    """Socket cookies by key, in a growing hash table (``pybpf.maps.hash``) of u64 values."""

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.table = HashMap(self.table_params(params), mem)
        """The keys and their sockets' cookies."""

    @staticmethod
    def table_params(params: MapParams) -> MapParams:
        """The hash table holding the cookies: not preallocated, as the kernel's sockhash elements, and
        hashed with seed 0 (``sock_hash_bucket_hash``: ``jhash(key, len, 0)``)."""
        return MapParams(
            uapi.BPF_MAP_TYPE_HASH,
            params.key_size,
            _U64.size,
            params.max_entries,
            uapi.BPF_F_NO_PREALLOC | uapi.BPF_F_ZERO_SEED,
        )

    @classmethod
    def check(cls, params: MapParams) -> None:
        _check_common(params)
        if params.key_size == 0:
            raise BPFError(errno.EINVAL, "a sockhash needs a key")
        if params.key_size > uapi.MAX_BPF_STACK:  # a sockhash key must fit a program's stack
            raise BPFError(errno.E2BIG, "a sockhash key must fit the stack")
        if params.max_entries > SOCK_HASH_MAX_ENTRIES:
            raise BPFError(errno.EINVAL, "too many buckets")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return HashMap.storage_size(cls.table_params(params))

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        return HashMap.reserved_size(cls.table_params(params))

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        super().attach_storage(reserve)
        self.table.attach_storage(reserve)

    def initialize(self) -> None:
        self.table.initialize()

    def recover(self) -> None:
        self.table.recover()

    def lookup(self, key: bytes) -> bytes:
        if self.value_size != _U64.size:
            raise BPFError(errno.ENOSPC, "a sockhash's cookies are read through 8-byte values")
        return self.table.lookup(key)

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        cookie = socket_cookie(socket_fd(value))
        _check_update_flags(flags)
        self.table.update(key, _U64.pack(cookie), flags)

    def delete(self, key: bytes) -> None:
        self.table.delete(key)

    def get_next_key(self, key: bytes | None) -> bytes:
        return self.table.get_next_key(key)
