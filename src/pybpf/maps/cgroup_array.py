"""BPF_MAP_TYPE_CGROUP_ARRAY: cgroups by index, for ``bpf_current_task_under_cgroup`` and
``bpf_skb_under_cgroup``.

Mirrors ``cgroup_array_map_ops`` in kernel/bpf/arraymap.c (measured on Linux 6.18):

* creation (``fd_array_map_alloc_check`` + ``array_map_alloc_check``): key and value 4 bytes,
  max_entries > 0, flags within the array mask, no BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG, no
  BPF_F_MMAPABLE / BPF_F_INNER_MAP / BPF_F_PRESERVE_ELEMS: EINVAL; E2BIG past INT_MAX entries.
  The type takes no BTF (``map_check_no_btf``: ENOTSUPP).
* update (``bpf_fd_array_map_update_elem``; the fd resolved by ``pybpf.kernel.map_elem`` as
  ``cgroup_fd_array_get_ptr`` does): flags other than BPF_ANY are EINVAL, an index past the array
  E2BIG, then the value must be the fd of a cgroup v2 directory (EBADF for anything else,
  ``pybpf.objects.cgroups``).
* lookup from user space is ENOTSUPP (524) for every key (no ``map_fd_sys_lookup_elem``), and
  lookup-and-delete too; delete: E2BIG past the end, ENOENT for an empty slot; get_next_key as
  arrays.  No batch operations; the slots stay until deleted or the map goes (no release op).

Storage: per slot the u64 id of the cgroup (0 = empty; no cgroup has id 0).  The kernel holds a
reference to the cgroup; pybpf keeps its id (a cgroup is the running kernel's object, see
``pybpf.objects.cgroups``).
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import check_fd_array_params, next_array_key
from pybpf.maps.base import FdKind, FdTarget, MapParams, NoBtfMapOps, index_of
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

_U32 = struct.Struct("<I")
_SLOT = struct.Struct("<Q")
"""A slot: the cgroup's id (0: empty)."""


@register(uapi.BPF_MAP_TYPE_CGROUP_ARRAY)
class CgroupArrayMap(NoBtfMapOps):
    """Cgroup ids by index; updates go through ``store_object`` (the caller resolves the fd)."""

    read_locked = False
    fd_kind = FdKind.CGROUP

    @classmethod
    def check(cls, params: MapParams) -> None:
        check_fd_array_params(params, "cgroup array")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _SLOT.size * params.max_entries

    def slot(self, index: int) -> int:
        """The id of the cgroup in slot ``index`` (0: empty)."""
        cgroup_id: int = _SLOT.unpack_from(self.mem, _SLOT.size * index)[0]
        return cgroup_id

    def _checked_index(self, key: bytes, flags: int) -> int:
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "cgroup array updates take only BPF_ANY")
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        return index

    def check_fd_update(self, key: bytes, flags: int) -> None:
        """``bpf_fd_array_map_update_elem`` before the fd: only BPF_ANY, E2BIG past the end."""
        self._checked_index(key, flags)

    def store_object(self, key: bytes, target: FdTarget, flags: int) -> int:
        """Put cgroup ``target`` into slot ``key``; returns the id it replaced (0: none)."""
        index = self._checked_index(key, flags)
        old = self.slot(index)
        _SLOT.pack_into(self.mem, _SLOT.size * index, target.id)
        return old

    def lookup(self, key: bytes) -> bytes:
        raise BPFError(ENOTSUPP, "cgroup arrays cannot be read from user space")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "cgroup array values are cgroup fds (use store_object)")

    def delete(self, key: bytes) -> None:
        self.remove_object(key)

    def remove_object(self, key: bytes) -> int:
        """Empty slot ``key``; returns the id it held.  E2BIG past the end, ENOENT when empty."""
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        old = self.slot(index)
        if not old:
            raise KeyNotExistError()
        _SLOT.pack_into(self.mem, _SLOT.size * index, 0)
        return old

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)
