"""BPF_MAP_TYPE_SK_STORAGE: a value per socket, reached from user space through a socket fd.

Mirrors ``sk_storage_map_ops`` in net/core/bpf_sk_storage.c and the local storage rules of
kernel/bpf/bpf_local_storage.c (asked of Linux 6.18):

* creation (``bpf_local_storage_map_alloc_check``): flags within BPF_F_NO_PREALLOC | BPF_F_CLONE and
  BPF_F_NO_PREALLOC given, max_entries 0, a 4-byte key, a value, and BTF type ids for both key and
  value (``requires_btf``), else EINVAL; a value above 65407 bytes (U16_MAX less the element's
  header) is E2BIG.  ``map_check_btf``: the key type must be a 4-byte int (EINVAL).  Values may hold
  a ``struct bpf_spin_lock`` (BPF_F_LOCK updates and lookups).
* the key user space passes is a socket fd of the calling process (``bpf_fd_sk_storage_*_elem``):
  not open EBADF, not a socket ENOTSOCK, checked before anything else.  Every kind of socket, in
  every state, has storage.  Updates take BPF_ANY / BPF_NOEXIST / BPF_EXIST (EEXIST / ENOENT), and
  BPF_F_LOCK only with a lock in the value; other flags are EINVAL.  A socket without a value is
  ENOENT to lookups and deletes.  Two fds of one socket reach the same value.
* no get_next_key and no batch operations (ENOTSUPP).

pybpf keys the values by the socket's cookie (``SO_COOKIE``), in a growing hash table
(``pybpf.maps.hash``).  The kernel frees a socket's storage with the socket; pybpf sees no close,
so the value of a closed socket stays in the table, unreachable (no later socket has its cookie),
and counts against pybpf's limit of ``SOCKETS`` sockets with a value per map (ENOMEM beyond).

Programs (``bpf_sk_storage_get`` / ``bpf_sk_storage_delete``, ``pybpf.helpers.sk_storage``) reach
values by the same 64-bit keys: a socket's cookie, or the key pybpf gives a test run's socket
(above any cookie the kernel hands out).  A value a program creates starts as the value it passed
(zeroes without one) with its ``struct bpf_spin_lock`` zero (``copy_map_value`` skips it).
"""

from __future__ import annotations

import errno
import itertools
import os
import struct
from collections.abc import Callable

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError
from pybpf.maps.base import MapOps, MapParams
from pybpf.maps.hash import HashMap
from pybpf.maps.registry import register
from pybpf.maps.sockmap import cookie_of, open_socket
from pybpf.uapi import ENOTSUPP

LOCAL_STORAGE_CREATE_FLAG_MASK = uapi.BPF_F_NO_PREALLOC | uapi.BPF_F_CLONE
"""``BPF_LOCAL_STORAGE_CREATE_FLAG_MASK``."""
LOCAL_STORAGE_MAX_VALUE_SIZE = 0xFFFF - 128
"""``BPF_LOCAL_STORAGE_MAX_VALUE_SIZE``: U16_MAX less ``sizeof(struct bpf_local_storage_elem)``."""
SOCKETS = 1 << 16
"""How many sockets one map can give a value in pybpf (the kernel: as many as memory allows)."""
TEST_SOCKET_KEYS = 1 << 63
"""The keys of test runs' sockets start here, far above any socket cookie (a counter from 1)."""
_COOKIE = struct.Struct("<Q")
_FD = struct.Struct("<i")
_test_sockets = itertools.count(1)


def new_test_socket_key() -> int:
    """A key for the socket of a new test run, unique on this host while this process lives: the
    kernel allocates a new socket for each BPF_PROG_TEST_RUN of an skb program."""
    return TEST_SOCKET_KEYS | os.getpid() << 32 | next(_test_sockets) & 0xFFFFFFFF


def storage_cookie(key: bytes) -> bytes:
    """The cookie of the socket whose fd ``key`` holds (``sockfd_lookup``: EBADF, ENOTSOCK)."""
    with open_socket(_FD.unpack(key)[0]) as sock:
        return _COOKIE.pack(cookie_of(sock))


def _within_limit(store: Callable[[], None]) -> None:
    """Run ``store``; a full table (pybpf's limit, E2BIG) is the kernel's ENOMEM."""
    try:
        store()
    except BPFError as exc:
        if exc.errno != errno.E2BIG:
            raise
        raise BPFError(errno.ENOMEM, f"pybpf gives at most {SOCKETS} sockets a value") from None


@register(uapi.BPF_MAP_TYPE_SK_STORAGE)
class SkStorageMap(MapOps):
    """Values by socket cookie."""

    requires_btf = True
    own_btf_check = True
    spin_lock_allowed = True

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.table = HashMap(self.table_params(params), mem)
        """The values, keyed by socket cookie."""

    @staticmethod
    def table_params(params: MapParams) -> MapParams:
        """The hash table holding the values: u64 cookies as keys, grown as sockets get values."""
        return MapParams(
            uapi.BPF_MAP_TYPE_HASH, _COOKIE.size, params.value_size, SOCKETS, uapi.BPF_F_NO_PREALLOC
        )

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.flags & ~LOCAL_STORAGE_CREATE_FLAG_MASK
            or not params.flags & uapi.BPF_F_NO_PREALLOC
            or params.max_entries
            or params.key_size != 4
            or not params.value_size
        ):
            raise BPFError(errno.EINVAL, "invalid socket storage attributes")
        if params.value_size > LOCAL_STORAGE_MAX_VALUE_SIZE:
            raise BPFError(errno.E2BIG, "socket storage value too large")

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """``bpf_local_storage_map_check_btf``: the key is a 4-byte int."""
        if key_type is None or key_type.kind != Kind.INT or key_type.size_type != 4:
            raise BPFError(errno.EINVAL, "socket storage keys are ints")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return HashMap.storage_size(cls.table_params(params))

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        return HashMap.reserved_size(cls.table_params(params))

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        super().attach_storage(reserve)
        self.table.attach_storage(reserve)

    def recover(self) -> None:
        self.table.recover()

    def lookup(self, key: bytes) -> bytes:
        return self.table.lookup(storage_cookie(key))

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        cookie = storage_cookie(key)
        if (flags & ~uapi.BPF_F_LOCK) > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        _within_limit(lambda: self.table.update(cookie, value, flags))

    def update_in_place(self, key: bytes, value: bytes, flags: int) -> None:
        """A BPF_F_LOCK update (``pybpf.kernel.btfobj.update_value``): the value overwritten in place."""
        cookie = storage_cookie(key)
        _within_limit(lambda: self.table.update_in_place(cookie, value, flags))

    def delete(self, key: bytes) -> None:
        self.table.delete(storage_cookie(key))

    # -- programs: bpf_sk_storage_get / bpf_sk_storage_delete (pybpf.helpers.sk_storage) ---------------
    def socket_value_offset(self, socket_key: int) -> int | None:
        """Where the value of socket ``socket_key`` lives in the storage (``bpf_sk_storage_lookup``);
        None when the socket has none."""
        return self.table.value_offset(_COOKIE.pack(socket_key), 0)

    def create_socket_value(self, socket_key: int, value: bytes) -> int | None:
        """``bpf_local_storage_update(.., BPF_NOEXIST)``: give socket ``socket_key`` the value
        ``value`` (its spin lock zero); where it lives, or None when the socket has one already or
        pybpf's table is full (the kernel: an allocation failure, both NULL to the program)."""
        lock_off = self.spin_lock_off
        if lock_off is not None:
            value = value[:lock_off] + bytes(4) + value[lock_off + 4 :]
        key = _COOKIE.pack(socket_key)
        try:
            self.table.update(key, value, uapi.BPF_NOEXIST)
        except BPFError:
            return None
        return self.table.value_offset(key, 0)

    def delete_socket_value(self, socket_key: int) -> None:
        """``bpf_sk_storage_del``: the socket's value gone; ENOENT when it had none."""
        self.table.delete(_COOKIE.pack(socket_key))

    def get_next_key(self, key: bytes | None) -> bytes:
        """``notsupp_get_next_key``: socket storage cannot be walked from user space."""
        raise BPFError(ENOTSUPP, "socket storage has no get_next_key")
