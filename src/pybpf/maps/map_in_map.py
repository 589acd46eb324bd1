"""BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS: maps whose values are maps.

Mirrors kernel/bpf/map_in_map.c, ``array_of_maps_map_ops`` (arraymap.c) and
``htab_of_maps_map_ops`` (hashtab.c):

* Creation takes ``inner_map_fd``, a template: its type, key_size, value_size and map_flags (and
  for arrays max_entries, unless the template has BPF_F_INNER_MAP) are what every inner map must
  match (``bpf_map_meta_equal`` / ``array_map_meta_equal``); a map-in-map cannot be a template
  (EINVAL) and neither can the types the kernel gives no ``map_meta_equal`` (ENOTSUPP).  The outer
  value_size must be 4; an array of maps refuses BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG
  (``fd_array_map_alloc_check``), a hash of maps takes them as a hash does
  (``fd_htab_map_alloc_check`` checks the value size alone).
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
from collections.abc import Callable

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import ARRAY_BATCH_COMMANDS, ARRAY_CREATE_FLAG_MASK, INT_MAX
from pybpf.maps.base import BatchWalk, FdKind, FdTarget, MapOps, MapParams, flags_access_ok
from pybpf.maps.hash import HTAB_BATCH_COMMANDS, HashMap, htab_check_alloc
from pybpf.maps.registry import lookup_map_type, register

_META = struct.Struct("<6I")  # present, map_type, key_size, value_size, max_entries, map_flags
META_BYTES = 32
_U32 = struct.Struct("<I")


def _check_outer(params: MapParams, *, prog_access: bool) -> None:
    """The value is a 4-byte fd; ``prog_access``: the program access flags are allowed."""
    if params.value_size != 4 or (
        not prog_access and params.flags & (uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG)
    ):
        raise BPFError(errno.EINVAL, "map-in-map values are 4-byte map fds")


class MapInMap(MapOps):
    """Common part: the template header and id <-> slot bookkeeping."""

    fd_kind = FdKind.MAP
    takes_inner_map = True

    def template(self) -> MapParams | None:
        """The inner-map template (``inner_map_meta``), None before ``set_inner_template``."""
        present, map_type, key_size, value_size, max_entries, flags = _META.unpack_from(self.mem, 0)
        return MapParams(map_type, key_size, value_size, max_entries, flags) if present else None

    def set_inner_template(self, template: MapParams) -> None:
        t = template
        _META.pack_into(self.mem, 0, 1, t.map_type, t.key_size, t.value_size, t.max_entries, t.flags)

    def check_fd_object(self, target: FdTarget) -> None:
        """``map_meta_equal`` of the template's type: the inner map must match the template."""
        template = self.template()
        inner_type = None if template is None else lookup_map_type(template.map_type)
        if (
            template is None
            or inner_type is None
            or target.params is None
            or not inner_type.meta_equal(template, target.params)
        ):
            raise BPFError(errno.EINVAL, "inner map does not match the map-in-map's template")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "map-in-map values are map fds (use store_object)")

    def delete(self, key: bytes) -> None:
        self.remove_object(key)


@register(uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS)
class ArrayOfMaps(MapInMap):
    """Inner map ids by index (0: empty slot)."""

    batch_commands = ARRAY_BATCH_COMMANDS
    batch_walk = BatchWalk.KEYS

    @classmethod
    def check(cls, params: MapParams) -> None:
        _check_outer(params, prog_access=False)
        if (
            params.max_entries == 0
            or params.key_size != 4
            or params.flags & ~ARRAY_CREATE_FLAG_MASK
            or not flags_access_ok(params.flags)
            or params.flags & (uapi.BPF_F_MMAPABLE | uapi.BPF_F_INNER_MAP | uapi.BPF_F_PRESERVE_ELEMS)
        ):
            raise BPFError(errno.EINVAL, "invalid array-of-maps attributes")
        if params.max_entries > INT_MAX:
            raise BPFError(errno.E2BIG, "too many entries")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return META_BYTES + 4 * params.max_entries

    def _slot(self, index: int) -> int:
        return int(_U32.unpack_from(self.mem, META_BYTES + 4 * index)[0])

    def lookup(self, key: bytes) -> bytes:
        index = _U32.unpack(key)[0]
        if index >= self.max_entries or not self._slot(index):
            raise KeyNotExistError()
        return _U32.pack(self._slot(index))

    def check_fd_update(self, key: bytes, flags: int) -> None:
        """The checks ``bpf_fd_array_map_update_elem`` makes before resolving the fd."""
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "array-of-maps updates take only BPF_ANY")
        if _U32.unpack(key)[0] >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")

    def store_object(self, key: bytes, target: FdTarget, flags: int) -> int:
        self.check_fd_update(key, flags)
        index = _U32.unpack(key)[0]
        old = self._slot(index)
        _U32.pack_into(self.mem, META_BYTES + 4 * index, target.id)
        return old

    def remove_object(self, key: bytes) -> int:
        index = _U32.unpack(key)[0]
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")  # fd_array_map_delete_elem
        old = self._slot(index)
        if not old:
            raise KeyNotExistError()
        _U32.pack_into(self.mem, META_BYTES + 4 * index, 0)
        return old

    def holds(self, object_id: int) -> bool:
        return any(self._slot(i) == object_id for i in range(self.max_entries))

    def get_next_key(self, key: bytes | None) -> bytes:
        index = 0xFFFFFFFF if key is None else _U32.unpack(key)[0]
        if index >= self.max_entries:
            return _U32.pack(0)
        if index == self.max_entries - 1:
            raise KeyNotExistError()
        return _U32.pack(index + 1)


@register(uapi.BPF_MAP_TYPE_HASH_OF_MAPS)
class HashOfMaps(MapInMap):
    """A hash table of inner map ids."""

    batch_commands = HTAB_BATCH_COMMANDS
    batch_walk = BatchWalk.BUCKETS

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.table = HashMap(dataclasses.replace(params, map_type=uapi.BPF_MAP_TYPE_HASH), mem[META_BYTES:])
        self.table.replace_at_head = False  # htab_map_update_elem_in_place: the inner map swapped in place

    @classmethod
    def check(cls, params: MapParams) -> None:
        _check_outer(params, prog_access=True)
        HashMap.check(dataclasses.replace(params, map_type=uapi.BPF_MAP_TYPE_HASH))

    @classmethod
    def check_alloc(cls, params: MapParams) -> None:
        htab_check_alloc(params)

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return META_BYTES + HashMap.storage_size(dataclasses.replace(params, map_type=uapi.BPF_MAP_TYPE_HASH))

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        return META_BYTES + HashMap.reserved_size(
            dataclasses.replace(params, map_type=uapi.BPF_MAP_TYPE_HASH)
        )

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        super().attach_storage(reserve)
        self.table.attach_storage(lambda start, end: reserve(META_BYTES + start, META_BYTES + end))

    def initialize(self) -> None:
        self.table.initialize()

    def lookup(self, key: bytes) -> bytes:
        return self.table.lookup(key)

    def store_object(self, key: bytes, target: FdTarget, flags: int) -> int:
        """``bpf_fd_htab_map_update_elem`` (nothing is checked before the fd is resolved)."""
        try:
            old = int(_U32.unpack(self.table.lookup(key))[0])
        except KeyNotExistError:
            old = 0
        self.table.update(key, _U32.pack(target.id), flags)
        return old

    def remove_object(self, key: bytes) -> int:
        old = int(_U32.unpack(self.table.lookup(key))[0])
        self.table.delete(key)
        return old

    def holds(self, object_id: int) -> bool:
        wanted = _U32.pack(object_id)
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

    def bucket_count(self) -> int:
        return self.table.bucket_count()

    def bucket_items(self, bucket: int) -> list[tuple[bytes, bytes]]:
        return self.table.bucket_items(bucket)
