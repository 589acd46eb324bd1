"""``bpf_map_lookup_elem`` of an XSKMAP from an XDP program: the slot's AF_XDP socket as a read-only
``struct bpf_xdp_sock``, or NULL.

Mirrors net/xdp/xskmap.c ``xsk_map_lookup_elem`` and net/core/filter.c
``bpf_xdp_sock_convert_ctx_access`` (Linux 6.18): an index past the array or an empty slot is NULL;
a filled slot gives the ``struct xdp_sock``, of which a program reads ``queue_id`` (the device queue
the socket is bound to, 0 while unbound).  pybpf's XSKMAP keeps each slot's socket cookie
(``pybpf.maps.xskmap``); the socket's queue comes from the AF_XDP sock_diag dump
(``pybpf.objects.sock_diag.xdp_queues``): a cookie the dump does not list is a closed socket, which
the kernel has taken out of its maps (NULL).

A kernel without CONFIG_XDP_SOCKETS_DIAG (Debian's, this one) has no such dump; then the socket is
looked for among this process's files (``SO_COOKIE``), and asked:

* unbound, it has queue 0: ``recv`` of it fails with ENXIO (``xsk_check_common``: not bound) before
  anything else happens -- a blocking ``recv`` of a bound socket fails with EOPNOTSUPP or ENOBUFS
  before it reads or wakes anything, a non-blocking one returns at once;
* bound, its queue is the one the ``netdev`` generic-netlink family lists with an XSK pool
  (``pybpf.objects.netdev_queues``) when the namespace's AF_XDP sockets are all bound to queues of
  one number.

Where neither answers (a socket only another process holds, sockets bound to queues of different
numbers) the run stops: nothing else in user space tells which queue a socket is bound to.  The
images stay registered as long as the address space, one per socket (at most ``MAX_IMAGES``: the
oldest go first).
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import weakref
from collections import OrderedDict

from pybpf import uapi
from pybpf.errors import HelperError
from pybpf.helpers.context import SYSCALL_CHARGE, HelperContext
from pybpf.maps.object import MapObject
from pybpf.maps.sockmap import cookie_of
from pybpf.maps.xskmap import XskMap
from pybpf.memory.regions import Memory, Region
from pybpf.objects.netdev_queues import xsk_queues
from pybpf.objects.sock_diag import own_socket_fds, xdp_queues

MAX_IMAGES = 256

_images: weakref.WeakKeyDictionary[Memory, OrderedDict[int, tuple[uapi.bpf_xdp_sock, Region]]] = (
    weakref.WeakKeyDictionary()
)


def _image(memory: Memory, cookie: int, queue_id: int) -> int:
    """The address of socket ``cookie``'s ``struct bpf_xdp_sock`` in ``memory``'s address space."""
    images = _images.get(memory)
    if images is None:
        images = _images[memory] = OrderedDict()
    held = images.get(cookie)
    if held is None:
        if len(images) >= MAX_IMAGES:
            _, (_, oldest) = images.popitem(last=False)
            memory.remove_region(oldest)
        sock = uapi.bpf_xdp_sock()
        region = memory.add_region(
            ctypes.addressof(sock), ctypes.sizeof(sock), writable=False, name="xdp_sock"
        )
        held = images[cookie] = (sock, region)
    images.move_to_end(cookie)
    held[0].queue_id = queue_id
    return ctypes.addressof(held[0])


def xsk_lookup(ctx: HelperContext, obj: MapObject, key: bytes) -> int:
    """``xsk_map_lookup_elem``: the slot's socket image, or 0."""
    impl = obj.impl
    if not isinstance(impl, XskMap):
        raise HelperError(None, "bpf_map_lookup_elem: not an XSKMAP")
    index = int.from_bytes(key[:4], "little")
    cookie = impl.slot(index) if index < obj.params.max_entries else 0
    if not cookie:
        return 0
    ctx.charge(2 * SYSCALL_CHARGE)  # the AF_XDP sock_diag dump
    try:
        queues = xdp_queues()
    except OSError as err:
        ctx.charge(8 * SYSCALL_CHARGE)  # the process's files, a recv, the netdev queue dump
        queue = queue_without_diag(cookie)
        if queue is None:
            raise HelperError(
                None,
                f"bpf_map_lookup_elem: XSKMAP slot {index}: the AF_XDP socket's queue is unknown ({err})",
            ) from err
        return _image(ctx.memory, cookie, queue)
    bound = queues.get(cookie)
    return 0 if bound is None else _image(ctx.memory, cookie, bound[1])


AF_XDP = 44
_UNBOUND = errno.ENXIO


def _own_xdp_socket(cookie: int) -> socket.socket | None:
    """A duplicate of this process's AF_XDP socket with ``cookie`` (None when it has none)."""
    for fd, _link in own_socket_fds():
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_RAW, 0, fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) == AF_XDP and cookie_of(sock) == cookie:
                return sock
        except OSError:
            pass
        sock.close()
    return None


def queue_without_diag(cookie: int) -> int | None:
    """The queue of AF_XDP socket ``cookie`` without sock_diag (see the module docstring), or None."""
    sock = _own_xdp_socket(cookie)
    if sock is None:
        return None
    with sock:
        try:
            sock.recv(1)  # (a size of 0 would not reach the kernel)
        except OSError as err:
            if err.errno == _UNBOUND:
                return 0
            if err.errno not in (errno.EOPNOTSUPP, errno.ENOBUFS, errno.EAGAIN):
                return None
    try:
        numbers = {queue for _, queue in xsk_queues()}
    except OSError:
        return None
    return numbers.pop() if len(numbers) == 1 else None


__all__ = ["queue_without_diag", "xsk_lookup"]
