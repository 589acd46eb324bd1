"""BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS: maps whose values are maps.

Mirrors kernel/bpf/map_in_map.c, ``array_of_maps_map_ops`` (arraymap.c) and
``htab_of_maps_map_ops`` (hashtab.c):

* Creation takes ``inner_map_fd``, a template: its type, key_size, value_size and map_flags (and
  for arrays max_entries, unless the template has BPF_F_INNER_MAP) are what every inner map must
  match (``bpf_map_meta_equal`` / ``array_map_meta_equal``); a map-in-map cannot be a template
  (EINVAL) and neither can the types the kernel gives no ``map_meta_equal`` (ENOTSUPP).  The outer
  value_size must be 4 and BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG are EINVAL.
* A user writes an inner map's fd and reads back its id; a program's map_lookup_elem gets the
  inner map itself.  Array updates take only BPF_ANY (EINVAL), past the end E2BIG (deletes too); an
  empty slot ENOENT.  Hash updates honour BPF_NOEXIST/BPF_EXIST.

Storage: a 32-byte template header, then the ids: for arrays ``max_entries`` u32 slots (0 empty),
for hashes a ``HashMap`` with 4-byte values.  Each stored inner map is held by a link in the outer
map's reference directory (``pybpf.objects.refs``), so it lives while some slot holds it.
"""

from __future__ import annotations

import dataclasses
import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import ARRAY_CREATE_FLAG_MASK, INT_MAX
from pybpf.maps.base import MapSpec, MapType, flags_access_ok
from pybpf.maps.hash import HashMap
from pybpf.maps.registry import register

_META = struct.Struct("<6I")  # present, map_type, key_size, value_size, max_entries, map_flags
META_BYTES = 32
_U32 = struct.Struct("<I")

MAP_IN_MAP_TYPES = frozenset({uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS})
NO_META_EQUAL = frozenset({uapi.BPF_MAP_TYPE_PROG_ARRAY})
"""Types that cannot be an inner map template (the kernel's ops without ``map_meta_equal``)."""


@dataclasses.dataclass(frozen=True)
class InnerTemplate:
    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    map_flags: int

    @classmethod
    def of(cls, spec: MapSpec) -> InnerTemplate:
        """``bpf_map_meta_alloc``: the template an inner map ``spec`` makes."""
        if spec.map_type in MAP_IN_MAP_TYPES:
            raise BPFError(errno.EINVAL, "a map-in-map cannot be an inner map")
        if spec.map_type in NO_META_EQUAL:
            raise BPFError(524, "this map type cannot be an inner map")
        return cls(spec.map_type, spec.key_size, spec.value_size, spec.max_entries, spec.flags)

    def accepts(self, spec: MapSpec) -> bool:
        """``map_meta_equal``: whether an inner map ``spec`` matches the template."""
        same = (self.map_type, self.key_size, self.value_size, self.map_flags) == (
            spec.map_type, spec.key_size, spec.value_size, spec.flags,
        )  # fmt: skip
        if not same:
            return False
        is_array = self.map_type in (uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY)
        if is_array and not self.map_flags & uapi.BPF_F_INNER_MAP:
            return self.max_entries == spec.max_entries
        return True


def _check_outer(spec: MapSpec) -> None:
    if spec.value_size != 4 or spec.flags & (uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG):
        raise BPFError(errno.EINVAL, "map-in-map values are 4-byte map fds")


class MapInMap(MapType):
    """Common part: the template header and id <-> slot bookkeeping."""

    def template(self) -> InnerTemplate | None:
        present, *fields = _META.unpack_from(self.mem, 0)
        return InnerTemplate(*fields) if present else None

    def set_template(self, template: InnerTemplate) -> None:
        _META.pack_into(self.mem, 0, 1, *dataclasses.astuple(template))

    def check_inner(self, spec: MapSpec) -> None:
        template = self.template()
        if template is None or not template.accepts(spec):
            raise BPFError(errno.EINVAL, "inner map does not match the map-in-map's template")

    def check_update(self, key: bytes, flags: int) -> None:
        """The checks an update makes before the inner map's fd is resolved."""

    def set_inner(self, key: bytes, map_id: int, flags: int) -> int:
        """Store inner map ``map_id`` under ``key``; returns the id it replaced (0: none)."""
        raise NotImplementedError

    def inner_id(self, key: bytes) -> int:
        """The inner map id stored under ``key``; ENOENT when none."""
        return int(_U32.unpack(self.lookup(key))[0])

    def clear(self, key: bytes) -> int:
        """Remove ``key``; returns the id it held."""
        raise NotImplementedError

    def holds(self, map_id: int) -> bool:
        raise NotImplementedError

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "map-in-map values are map fds (use set_inner)")

    def delete(self, key: bytes) -> None:
        self.clear(key)


@register(uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS)
class ArrayOfMaps(MapInMap):
    @classmethod
    def check(cls, spec: MapSpec) -> None:
        _check_outer(spec)
        if (
            spec.max_entries == 0
            or spec.key_size != 4
            or spec.flags & ~ARRAY_CREATE_FLAG_MASK
            or not flags_access_ok(spec.flags)
            or spec.flags & (uapi.BPF_F_MMAPABLE | uapi.BPF_F_INNER_MAP | uapi.BPF_F_PRESERVE_ELEMS)
        ):
            raise BPFError(errno.EINVAL, "invalid array-of-maps attributes")
        if spec.max_entries > INT_MAX:
            raise BPFError(errno.E2BIG, "too many entries")

    @classmethod
    def storage_size(cls, spec: MapSpec) -> int:
        return META_BYTES + 4 * spec.max_entries

    def _slot(self, index: int) -> int:
        return int(_U32.unpack_from(self.mem, META_BYTES + 4 * index)[0])

    def lookup(self, key: bytes) -> bytes:
        index = _U32.unpack(key)[0]
        if index >= self.max_entries or not self._slot(index):
            raise KeyNotExistError()
        return _U32.pack(self._slot(index))

    def set_inner(self, key: bytes, map_id: int, flags: int) -> int:
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "array-of-maps updates take only BPF_ANY")
        index = _U32.unpack(key)[0]
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        old = self._slot(index)
        _U32.pack_into(self.mem, META_BYTES + 4 * index, map_id)
        return old

    def check_update(self, key: bytes, flags: int) -> None:
        """The checks ``bpf_fd_array_map_update_elem`` makes before resolving the fd."""
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "array-of-maps updates take only BPF_ANY")
        if _U32.unpack(key)[0] >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")

    def clear(self, key: bytes) -> int:
        index = _U32.unpack(key)[0]
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")  # fd_array_map_delete_elem
        old = self._slot(index)
        if not old:
            raise KeyNotExistError()
        _U32.pack_into(self.mem, META_BYTES + 4 * index, 0)
        return old

    def holds(self, map_id: int) -> bool:
        return any(self._slot(i) == map_id for i in range(self.max_entries))

    def get_next_key(self, key: bytes | None) -> bytes:
        index = 0xFFFFFFFF if key is None else _U32.unpack(key)[0]
        if index >= self.max_entries:
            return _U32.pack(0)
        if index == self.max_entries - 1:
            raise KeyNotExistError()
        return _U32.pack(index + 1)


@register(uapi.BPF_MAP_TYPE_HASH_OF_MAPS)
class HashOfMaps(MapInMap):
    def __init__(self, spec: MapSpec, mem: memoryview) -> None:
        super().__init__(spec, mem)
        self.table = HashMap(dataclasses.replace(spec, map_type=uapi.BPF_MAP_TYPE_HASH), mem[META_BYTES:])

    @classmethod
    def check(cls, spec: MapSpec) -> None:
        _check_outer(spec)
        HashMap.check(dataclasses.replace(spec, map_type=uapi.BPF_MAP_TYPE_HASH))

    @classmethod
    def storage_size(cls, spec: MapSpec) -> int:
        return META_BYTES + HashMap.storage_size(dataclasses.replace(spec, map_type=uapi.BPF_MAP_TYPE_HASH))

    def initialize(self) -> None:
        self.table.initialize()

    def lookup(self, key: bytes) -> bytes:
        return self.table.lookup(key)

    def check_update(self, key: bytes, flags: int) -> None:
        """Nothing is checked before the fd is resolved (``bpf_fd_htab_map_update_elem``)."""

    def set_inner(self, key: bytes, map_id: int, flags: int) -> int:
        try:
            old = int(_U32.unpack(self.table.lookup(key))[0])
        except KeyNotExistError:
            old = 0
        self.table.update(key, _U32.pack(map_id), flags)
        return old

    def clear(self, key: bytes) -> int:
        old = int(_U32.unpack(self.table.lookup(key))[0])
        self.table.delete(key)
        return old

    def holds(self, map_id: int) -> bool:
        wanted = _U32.pack(map_id)
        key: bytes | None = None
        while True:
            try:
                key = self.table.get_next_key(key)
            except KeyNotExistError:
                return False
            if self.table.lookup(key) == wanted:
                return True

    def get_next_key(self, key: bytes | None) -> bytes:
        return self.table.get_next_key(key)

    def recover(self) -> None:
        self.table.recover()
