"""BPF_MAP_TYPE_PERF_EVENT_ARRAY: per-index perf events that ``bpf_perf_event_output`` writes into.

Mirrors ``perf_event_array_map_ops`` in kernel/bpf/arraymap.c (asked of Linux 6.18):

* creation (``fd_array_map_alloc_check`` + ``array_map_alloc_check``): key and value 4 bytes,
  max_entries > 0, flags within the array mask, no BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG, no
  BPF_F_MMAPABLE / BPF_F_INNER_MAP; BPF_F_PRESERVE_ELEMS is allowed (only for this type); EINVAL
  otherwise, E2BIG past INT_MAX entries.
* update (``bpf_fd_array_map_update_elem``, the fd resolved by ``pybpf.kernel.map_elem``): flags other than
  BPF_ANY are EINVAL, an index past the array E2BIG, then the value must be a perf event fd
  (``perf_event_get``: EBADF for a closed fd or any other file, maps and programs included).
* lookup from user space is ENOTSUPP (524) for every key: the type has no
  ``map_fd_sys_lookup_elem``.  delete: E2BIG past the end, ENOENT for an empty slot.
  get_next_key as arrays.  No batch operations (ENOTSUPP).

Storage: ``max_entries`` u32 perf event object ids (0 = empty).  A slot holds its event by a hard
link ``perf-<id>`` in the array's reference directory (``pybpf.objects.refs``), like a prog array
holds programs.

Releases, per fd-array type, as kernel/bpf/arraymap.c has them: prog arrays empty every slot when
the map's last user reference (fd or pin) goes (``map_release_uref``; ``pybpf.maps.prog_array``,
done); map-in-map and cgroup arrays keep their slots until the map is freed (no release op; pybpf
the same).  Perf event arrays have no ``map_release_uref`` but a per-file ``map_release``: without
BPF_F_PRESERVE_ELEMS the kernel empties the slots filled through one open file of the map when that
file is released (``perf_event_fd_array_release``: the last fd of that description, shared by dup,
fork and SCM_RIGHTS; another fd of the same map, e.g. from BPF_OBJ_GET, does not keep them), and
with it they stay until the map is freed.  Deliberate difference: pybpf does not record which open
file filled a slot, so its perf event array slots stay filled until deleted or the map is freed, as
with BPF_F_PRESERVE_ELEMS.
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import ARRAY_CREATE_FLAG_MASK, INT_MAX
from pybpf.maps.base import FdKind, FdTarget, MapOps, MapParams, flags_access_ok
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

_U32 = struct.Struct("<I")


@register(uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY)
class PerfEventArrayMap(MapOps):
    """Perf event object ids by index; updates go through ``store_object`` (the caller resolves the fd)."""

    read_locked = False
    own_btf_check = True
    fd_kind = FdKind.PERF_EVENT

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """``map_check_no_btf``: this type takes no BTF."""
        raise BPFError(ENOTSUPP, "this map type takes no BTF")

    @classmethod
    def check(cls, params: MapParams) -> None:
        if params.value_size != 4 or params.flags & (uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG):
            raise BPFError(errno.EINVAL, "perf event array values are 4-byte perf event fds")
        if (
            params.max_entries == 0
            or params.key_size != 4
            or params.flags & ~ARRAY_CREATE_FLAG_MASK
            or not flags_access_ok(params.flags)
            or params.flags & (uapi.BPF_F_MMAPABLE | uapi.BPF_F_INNER_MAP)
        ):
            raise BPFError(errno.EINVAL, "invalid perf event array attributes")
        if params.max_entries > INT_MAX:
            raise BPFError(errno.E2BIG, "too many entries")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return 4 * params.max_entries

    def _index(self, key: bytes) -> int:
        index: int = _U32.unpack(key)[0]
        return index

    def slot(self, index: int) -> int:
        """The perf event id in slot ``index`` (0: empty)."""
        value: int = _U32.unpack_from(self.mem, 4 * index)[0]
        return value

    def holds(self, object_id: int) -> bool:
        return any(self.slot(i) == object_id for i in range(self.max_entries))

    def _checked_index(self, key: bytes, flags: int) -> int:
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "perf event array updates take only BPF_ANY")
        index = self._index(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        return index

    def check_fd_update(self, key: bytes, flags: int) -> None:
        """``bpf_fd_array_map_update_elem`` before the fd: only BPF_ANY, E2BIG past the end."""
        self._checked_index(key, flags)

    def store_object(self, key: bytes, target: FdTarget, flags: int) -> int:
        """Put perf event ``target`` into slot ``key``; returns the id it replaced (0: none)."""
        index = self._checked_index(key, flags)
        old = self.slot(index)
        _U32.pack_into(self.mem, 4 * index, target.id)
        return old

    def lookup(self, key: bytes) -> bytes:
        raise BPFError(ENOTSUPP, "perf event arrays cannot be read from user space")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "perf event array values are perf event fds (use store_object)")

    def delete(self, key: bytes) -> None:
        self.remove_object(key)

    def remove_object(self, key: bytes) -> int:
        """Empty slot ``key``; returns the id it held.  E2BIG past the end, ENOENT when empty."""
        index = self._index(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        old = self.slot(index)
        if not old:
            raise KeyNotExistError()
        _U32.pack_into(self.mem, 4 * index, 0)
        return old

    def get_next_key(self, key: bytes | None) -> bytes:
        index = 0xFFFFFFFF if key is None else self._index(key)
        if index >= self.max_entries:
            return _U32.pack(0)
        if index == self.max_entries - 1:
            raise KeyNotExistError()
        return _U32.pack(index + 1)
