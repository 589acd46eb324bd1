"""BPF_MAP_TYPE_PERF_EVENT_ARRAY: per-index perf events that ``bpf_perf_event_output`` writes into.

Mirrors ``perf_event_array_map_ops`` in kernel/bpf/arraymap.c (asked of Linux 6.18):

* creation (``fd_array_map_alloc_check`` + ``array_map_alloc_check``): key and value 4 bytes,
  max_entries > 0, flags within the array mask, no BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG, no
  BPF_F_MMAPABLE / BPF_F_INNER_MAP; BPF_F_PRESERVE_ELEMS is allowed (only for this type); EINVAL
  otherwise, E2BIG past INT_MAX entries.
* update (``bpf_fd_array_map_update_elem``, done by ``pybpf.kernel.syscall``): flags other than
  BPF_ANY are EINVAL, an index past the array E2BIG, then the value must be a perf event fd
  (``perf_event_get``: EBADF for a closed fd or any other file, maps and programs included).
* lookup from user space is ENOTSUPP (524) for every key: the type has no
  ``map_fd_sys_lookup_elem``.  delete: E2BIG past the end, ENOENT for an empty slot.
  get_next_key as arrays.  No batch operations (ENOTSUPP).

Storage: ``max_entries`` u32 perf event object ids (0 = empty).  A slot holds its event by a hard
link ``perf-<id>`` in the array's reference directory (``pybpf.objects.refs``), like a prog array
holds programs.

Deliberate difference: without BPF_F_PRESERVE_ELEMS the kernel empties the slots an fd of the map
filled when that fd's file is released (``perf_event_fd_array_release``); pybpf sees no close, so
slots stay filled until deleted or the map is freed.
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import ARRAY_CREATE_FLAG_MASK, INT_MAX
from pybpf.maps.base import MapSpec, MapType, flags_access_ok
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

_U32 = struct.Struct("<I")


@register(uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY)
class PerfEventArrayMap(MapType):
    """Perf event object ids by index; updates go through ``set_event`` (the caller resolves the fd)."""

    read_locked = False

    @classmethod
    def check(cls, spec: MapSpec) -> None:
        if spec.value_size != 4 or spec.flags & (uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG):
            raise BPFError(errno.EINVAL, "perf event array values are 4-byte perf event fds")
        if (
            spec.max_entries == 0
            or spec.key_size != 4
            or spec.flags & ~ARRAY_CREATE_FLAG_MASK
            or not flags_access_ok(spec.flags)
            or spec.flags & (uapi.BPF_F_MMAPABLE | uapi.BPF_F_INNER_MAP)
        ):
            raise BPFError(errno.EINVAL, "invalid perf event array attributes")
        if spec.max_entries > INT_MAX:
            raise BPFError(errno.E2BIG, "too many entries")

    @classmethod
    def storage_size(cls, spec: MapSpec) -> int:
        return 4 * spec.max_entries

    def _index(self, key: bytes) -> int:
        index: int = _U32.unpack(key)[0]
        return index

    def slot(self, index: int) -> int:
        """The perf event id in slot ``index`` (0: empty)."""
        value: int = _U32.unpack_from(self.mem, 4 * index)[0]
        return value

    def holds(self, event_id: int) -> bool:
        return any(self.slot(i) == event_id for i in range(self.max_entries))

    def check_update(self, key: bytes, flags: int) -> int:
        """The checks made before the fd is looked at; returns the index."""
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "perf event array updates take only BPF_ANY")
        index = self._index(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        return index

    def set_event(self, key: bytes, event_id: int, flags: int) -> int:
        """Put ``event_id`` into slot ``key``; returns the id it replaced (0: none)."""
        index = self.check_update(key, flags)
        old = self.slot(index)
        _U32.pack_into(self.mem, 4 * index, event_id)
        return old

    def lookup(self, key: bytes) -> bytes:
        raise BPFError(ENOTSUPP, "perf event arrays cannot be read from user space")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "perf event array values are perf event fds (use set_event)")

    def delete(self, key: bytes) -> None:
        self.clear(key)

    def clear(self, key: bytes) -> int:
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
