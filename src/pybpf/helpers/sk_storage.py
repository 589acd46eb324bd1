"""The socket storage helpers: ``bpf_sk_storage_get`` and ``bpf_sk_storage_delete``.

Mirrors net/core/bpf_sk_storage.c (``bpf_sk_storage_get``, ``bpf_sk_storage_delete``, on the
local storage of kernel/bpf/bpf_local_storage.c), with the kernel's return values:

* ``bpf_sk_storage_get(map, sk, value, flags)``: NULL for a NULL ``sk`` or flags other than 0 and
  BPF_SK_STORAGE_GET_F_CREATE; the socket's value in ``map`` when it has one; else, with
  F_CREATE, a new value -- a copy of ``value`` (zeroes when NULL), its ``bpf_spin_lock`` zero --
  or NULL when it cannot be made; without F_CREATE, NULL.  The pointer is the start of a map value
  region of exactly ``value_size`` bytes (``MapAccess.value_pointer``), so programs read and write
  it as any map value.
* ``bpf_sk_storage_delete(map, sk)``: -EINVAL for a NULL ``sk``, -ENOENT when the socket has no
  value, 0 once it is deleted.

The map argument is checked as the map helpers check theirs (``pybpf.helpers.maps``) and must be a
BPF_MAP_TYPE_SK_STORAGE map.  A pybpf run points at two kinds of socket: the test socket of an skb
test run (``skb->sk``, the ``sock`` of the run's packet state), whose values are keyed by
``MapAccess.test_socket_key`` and deleted when the test run ends, as the kernel frees that socket
with its storage after the repeats (``bpf_prog_test_run_skb``): a second test run starts without
them; and the sockets of the namespace a socket lookup found (``pybpf.helpers.sock_images``), whose
values are keyed by their cookie, as user space reaches them through the socket's fd.  Any other
non-NULL ``sk`` is a ``HelperError`` (the kernel's verifier admits only sockets).
"""

from __future__ import annotations

import ctypes
import errno

from pybpf import uapi
from pybpf.errors import BPFError, HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import MapAccess
from pybpf.helpers.maps import _checked_access, _map, _read, _wrong_type
from pybpf.helpers.registry import HelperRegistry
from pybpf.helpers.sock_images import known_table
from pybpf.maps.object import MapObject
from pybpf.maps.sk_storage import SkStorageMap

SK_STORAGE_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = SK_STORAGE_HELPERS.helper

GET_F_CREATE = uapi.BPF_SK_STORAGE_GET_F_CREATE


def _storage_map(ctx: HelperContext, map_ptr: int, helper: str) -> tuple[MapObject, SkStorageMap]:
    """The socket storage map a helper's map argument names (``check_map_func_compatibility``)."""
    obj = _map(ctx, map_ptr, helper)
    impl = obj.impl
    if not isinstance(impl, SkStorageMap):
        raise _wrong_type(helper, obj, "socket storage maps")
    return obj, impl


def _socket_key(ctx: HelperContext, access: MapAccess, sk: int, helper: str) -> int:
    """The storage key of the socket at ``sk``: the test run's socket's, or the cookie of a socket a
    lookup found (``pybpf.helpers.sock_images``)."""
    sock = getattr(ctx.env.packet, "sock", None)
    if isinstance(sock, ctypes.Structure) and sk == ctypes.addressof(sock):
        return access.test_socket_key()
    table = known_table(ctx.memory)
    found = None if table is None else table.find(sk)
    if found is None:
        raise HelperError(None, f"{helper}: R2 = {sk:#x} is not a socket this run has")
    return found.diag.cookie


@_helper("bpf_sk_storage_get")
def sk_storage_get(ctx: HelperContext, map_ptr: int, sk: int, value: int, flags: int, _r5: int) -> int:
    """``void *bpf_sk_storage_get(map, sk, value, flags)``: the socket's value, or NULL."""
    helper = "bpf_sk_storage_get"
    obj, impl = _storage_map(ctx, map_ptr, helper)
    if not sk or flags > GET_F_CREATE:
        return 0
    access = _checked_access(ctx)
    key = _socket_key(ctx, access, sk, helper)
    with obj.lock:
        offset = impl.socket_value_offset(key)
    if offset is None:
        if flags != GET_F_CREATE:
            return 0
        size = obj.params.value_size
        initial = _read(ctx, value, size, (helper, 3, "value")) if value else bytes(size)
        access.test_socket_value(obj)
        with obj.lock:
            offset = impl.create_socket_value(key, initial)
        if offset is None:
            return 0
    return access.value_pointer(obj, offset, helper)


@_helper("bpf_sk_storage_delete")
def sk_storage_delete(ctx: HelperContext, map_ptr: int, sk: int, *_: int) -> int:
    """``long bpf_sk_storage_delete(map, sk)``: 0, -ENOENT without a value, -EINVAL for a NULL sk."""
    helper = "bpf_sk_storage_delete"
    obj, impl = _storage_map(ctx, map_ptr, helper)
    if not sk:
        return -errno.EINVAL
    key = _socket_key(ctx, _checked_access(ctx), sk, helper)
    try:
        with obj.lock:
            impl.delete_socket_value(key)
    except BPFError as exc:
        return -(exc.errno or errno.EINVAL)
    return 0


__all__ = ["GET_F_CREATE", "SK_STORAGE_HELPERS", "sk_storage_delete", "sk_storage_get"]
