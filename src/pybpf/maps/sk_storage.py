"""BPF_MAP_TYPE_SK_STORAGE: a value per socket, reached from user space through a socket fd.

Mirrors ``sk_storage_map_ops`` in net/core/bpf_sk_storage.c on the local storage every such type
shares (``pybpf.maps.local_storage``: creation, BTF, update flags, no walks), asked of Linux 6.18:

* the key user space passes is a socket fd of the calling process (``bpf_fd_sk_storage_*_elem``):
  not open EBADF, not a socket ENOTSOCK, checked before anything else.  Every kind of socket, in
  every state, has storage.  Two fds of one socket reach the same value.

pybpf keys the values by the socket's cookie (``SO_COOKIE``).  Programs (``bpf_sk_storage_get`` /
``bpf_sk_storage_delete``, ``pybpf.helpers.sk_storage``) reach values by the same 64-bit keys: a
socket's cookie, or the key pybpf gives a test run's socket (above any cookie the kernel hands out).
"""

from __future__ import annotations

import itertools
import os
import struct

from pybpf import uapi
from pybpf.maps.local_storage import LocalStorageMap, key_fd
from pybpf.maps.registry import register
from pybpf.maps.sockmap import cookie_of, open_socket

TEST_SOCKET_KEYS = 1 << 63
"""The keys of test runs' sockets start here, far above any socket cookie (a counter from 1)."""
_COOKIE = struct.Struct("<Q")
_test_sockets = itertools.count(1)


def new_test_socket_key() -> int:
    """A key for the socket of a new test run, unique on this host while this process lives: the
    kernel allocates a new socket for each BPF_PROG_TEST_RUN of an skb program."""
    return TEST_SOCKET_KEYS | os.getpid() << 32 | next(_test_sockets) & 0xFFFFFFFF


@register(uapi.BPF_MAP_TYPE_SK_STORAGE)
class SkStorageMap(LocalStorageMap):
    """Values by socket cookie."""

    owner_size = _COOKIE.size
    kind = "socket"

    def owner_key(self, key: bytes) -> bytes:
        """The cookie of the socket whose fd ``key`` holds (``sockfd_lookup``: EBADF, ENOTSOCK)."""
        with open_socket(key_fd(key)) as sock:
            return _COOKIE.pack(cookie_of(sock))

    # -- programs: the socket a value belongs to is named by its 64-bit key ------------------------
    def socket_value_offset(self, socket_key: int) -> int | None:
        """``owner_value_offset`` of socket ``socket_key`` (``bpf_sk_storage_lookup``)."""
        return self.owner_value_offset(_COOKIE.pack(socket_key))

    def create_socket_value(self, socket_key: int, value: bytes) -> int | None:
        """``create_owner_value`` for socket ``socket_key``."""
        return self.create_owner_value(_COOKIE.pack(socket_key), value)

    def delete_socket_value(self, socket_key: int) -> None:
        """``bpf_sk_storage_del``: the socket's value gone; ENOENT when it had none."""
        self.delete_owner_value(_COOKIE.pack(socket_key))
