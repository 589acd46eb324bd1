"""BPF_MAP_TYPE_ARRAY: fixed-size array of values indexed by a 4-byte key.

Mirrors ``kernel/bpf/arraymap.c``: key_size must be 4, elements are ``round_up(value_size, 8)``
bytes apart, all entries always exist (zero-filled), update with BPF_NOEXIST is EEXIST, delete is
EINVAL, an out-of-range index is ENOENT for lookup and E2BIG for update, and get_next_key walks
indices 0..max_entries-1.  The values start at offset 0 of the object's file, so with
BPF_F_MMAPABLE ``mmap(fd, 0)`` shows the values themselves, as the kernel's mmapable arrays do.
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import ACCESS_MASK, MapSpec, MapType, flags_access_ok, round_up
from pybpf.maps.hash import as_bytes, bytes_source
from pybpf.maps.registry import register

ARRAY_CREATE_FLAG_MASK = (
    uapi.BPF_F_NUMA_NODE
    | uapi.BPF_F_MMAPABLE
    | ACCESS_MASK
    | uapi.BPF_F_PRESERVE_ELEMS
    | uapi.BPF_F_INNER_MAP
)
_INDEX = struct.Struct("<I")
INT_MAX = (1 << 31) - 1


@register(uapi.BPF_MAP_TYPE_ARRAY)
class ArrayMap(MapType):
    """Plain array map: storage is ``max_entries`` slots of ``round_up(value_size, 8)`` bytes."""

    read_locked = False

    def __init__(self, spec: MapSpec, mem: memoryview) -> None:
        super().__init__(spec, mem)
        self.elem_size = round_up(spec.value_size, 8)
        self._buf = bytes_source(mem)

    @classmethod
    def check(cls, spec: MapSpec) -> None:
        if (
            spec.max_entries == 0
            or spec.key_size != 4
            or spec.value_size == 0
            or spec.flags & ~ARRAY_CREATE_FLAG_MASK
            or not flags_access_ok(spec.flags)
        ):
            raise BPFError(errno.EINVAL, "invalid array map attributes")
        if spec.flags & uapi.BPF_F_PRESERVE_ELEMS:
            raise BPFError(errno.EINVAL, "BPF_F_PRESERVE_ELEMS is for perf event arrays")
        if spec.value_size > INT_MAX:
            raise BPFError(errno.E2BIG, "value_size too large")

    @classmethod
    def storage_size(cls, spec: MapSpec) -> int:
        return spec.max_entries * round_up(spec.value_size, 8)

    def _index(self, key: bytes) -> int:
        index: int = _INDEX.unpack(key)[0]
        return index

    def lookup(self, key: bytes) -> bytes:
        index: int = _INDEX.unpack(key)[0]
        if index >= self.max_entries:
            raise KeyNotExistError()
        start = index * self.elem_size
        return as_bytes(self._buf[start : start + self.value_size])

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if (flags & ~uapi.BPF_F_LOCK) > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        index: int = _INDEX.unpack(key)[0]
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        if flags & uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "array elements always exist")
        start = index * self.elem_size
        self._buf[start : start + self.value_size] = value

    def delete(self, key: bytes) -> None:
        raise BPFError(errno.EINVAL, "array elements cannot be deleted")

    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """``array_map_lookup_elem``: the slot of the index, None past ``max_entries``."""
        index = self._index(key)
        return index * self.elem_size if index < self.max_entries else None

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """``array_map_update_elem`` from a program: BPF_F_LOCK needs a bpf_spin_lock in the value
        (EINVAL after the index and BPF_NOEXIST checks when there is none); the lock word is never
        written (``copy_map_value``: it stays zero, the lock itself being the map's mutex)."""
        lock_off = getattr(self, "spin_lock_off", None)
        if flags & uapi.BPF_F_LOCK and (flags & ~uapi.BPF_F_LOCK) <= uapi.BPF_EXIST and lock_off is None:
            if self._index(key) >= self.max_entries:
                raise BPFError(errno.E2BIG, "index out of range")
            if flags & uapi.BPF_NOEXIST:
                raise BPFError(errno.EEXIST, "array elements always exist")
            raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the map value")
        if lock_off is not None:
            value = value[:lock_off] + bytes(4) + value[lock_off + 4 :]
        self.update(key, value, flags)

    def get_next_key(self, key: bytes | None) -> bytes:
        index = 0xFFFFFFFF if key is None else self._index(key)
        if index >= self.max_entries:
            return _INDEX.pack(0)
        if index == self.max_entries - 1:
            raise KeyNotExistError()
        return _INDEX.pack(index + 1)
