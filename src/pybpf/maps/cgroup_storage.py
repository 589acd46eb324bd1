"""BPF_MAP_TYPE_CGROUP_STORAGE and BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: a value per (cgroup, attach
type) a program using the map is attached to.

Mirrors ``cgroup_storage_map_ops`` in kernel/bpf/local_storage.c (measured on Linux 6.18):

* creation (``cgroup_storage_map_alloc``), in this order: a key of 16 bytes (``struct
  bpf_cgroup_storage_key``: the cgroup's inode id and the attach type) or 8 (the inode id alone),
  else EINVAL; a value_size of 0 EINVAL; above 65407 bytes (``BPF_LOCAL_STORAGE_MAX_VALUE_SIZE``),
  or 32768 for the per-CPU flavour (``PCPU_MIN_UNIT_SIZE``), E2BIG; flags beyond BPF_F_NUMA_NODE and
  the access flags, or both BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG, EINVAL; max_entries other
  than 0 EINVAL (the storage is allocated per attachment, not at creation).
* the elements exist only while a program using the map is attached to a cgroup
  (``bpf_cgroup_storage_alloc`` / ``_link`` at attach).  pybpf has no cgroup attach, so every map
  is as the kernel's is before an attach: lookups are ENOENT; updates check their flags first
  (``cgroup_storage_update_elem``: only BPF_ANY, BPF_EXIST and BPF_F_LOCK with a lock in the
  value, else EINVAL; the per-CPU ``bpf_percpu_cgroup_storage_update``: BPF_ANY or BPF_EXIST) and
  then find no storage (ENOENT); delete is EINVAL for every key (``cgroup_storage_delete_elem``);
  get_next_key is ENOENT with or without a key.  No batch operations, and no ``map_meta_equal``:
  never a map-in-map's inner map (ENOTSUPP).
* per-CPU values are seen from user space as one 8-byte-rounded slot per possible CPU
  (``bpf_map_value_size``).

The type's own ``map_check_btf`` (``cgroup_storage_check_btf``): an 8-byte key must be a 64-bit
integer, a 16-byte key a struct of two members, else EINVAL (a key type id 0 too).  Not modelled:
the members' own check (a u64 at offset 0, a u32 at offset 8), which needs the member types resolved.
"""

from __future__ import annotations

import errno
from typing import ClassVar

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import MapOps, MapParams, flags_access_ok
from pybpf.maps.local_storage import LOCAL_STORAGE_MAX_VALUE_SIZE
from pybpf.maps.percpu import PCPU_MIN_UNIT_SIZE, user_value_size
from pybpf.maps.registry import register

CGROUP_STORAGE_KEY_SIZE = 16
"""``sizeof(struct bpf_cgroup_storage_key)``: ``__u64 cgroup_inode_id; __u32 attach_type;`` padded."""
CGROUP_INODE_ID_KEY_SIZE = 8
"""The other key the type takes: the cgroup's inode id alone (``__u64``)."""
ACCESS_FLAG_MASK = uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY | uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG
"""``BPF_F_ACCESS_MASK``."""
CGROUP_STORAGE_CREATE_FLAG_MASK = uapi.BPF_F_NUMA_NODE | ACCESS_FLAG_MASK
"""``LOCAL_STORAGE_CREATE_FLAG_MASK`` of local_storage.c."""


@register(uapi.BPF_MAP_TYPE_CGROUP_STORAGE)
class CgroupStorageMap(MapOps):
    """Storage of cgroups a program using the map is attached to: none in pybpf (no cgroup attach)."""

    checked_by_alloc = True  # no map_alloc_check: map_alloc checks, after the capabilities

    spin_lock_allowed = True
    can_be_inner = False
    max_value_size = LOCAL_STORAGE_MAX_VALUE_SIZE
    """The largest value_size creation accepts (E2BIG above)."""
    update_flags: ClassVar[tuple[int, ...]] = (
        uapi.BPF_ANY,
        uapi.BPF_EXIST,
        uapi.BPF_F_LOCK | uapi.BPF_EXIST,
    )
    """The update flags that are not EINVAL (BPF_F_LOCK also needs a lock in the value)."""

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.user_value_size = user_value_size(params.map_type, params.value_size)

    own_btf_check = True

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """``cgroup_storage_check_btf``: the key's BTF type has the shape of the key size's key."""
        if params.key_size == CGROUP_STORAGE_KEY_SIZE:
            if key_type is None or key_type.kind != Kind.STRUCT or key_type.vlen != 2:
                raise BPFError(errno.EINVAL, "a 16-byte cgroup storage key is a struct of two members")
        elif key_type is None or key_type.kind != Kind.INT or key_type.int_bits != 64 or key_type.int_offset:
            raise BPFError(errno.EINVAL, "an 8-byte cgroup storage key is a 64-bit integer")

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.key_size not in (CGROUP_STORAGE_KEY_SIZE, CGROUP_INODE_ID_KEY_SIZE)
            or not params.value_size
        ):
            raise BPFError(errno.EINVAL, "cgroup storage keys are 16 or 8 bytes, values not empty")
        if params.value_size > cls.max_value_size:
            raise BPFError(errno.E2BIG, "value_size too large")
        if params.flags & ~CGROUP_STORAGE_CREATE_FLAG_MASK or not flags_access_ok(params.flags):
            raise BPFError(errno.EINVAL, "invalid cgroup storage flags")
        if params.max_entries:
            raise BPFError(errno.EINVAL, "cgroup storage takes max_entries 0")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return 0

    def lookup(self, key: bytes) -> bytes:
        raise KeyNotExistError()

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if flags not in self.update_flags or (flags & uapi.BPF_F_LOCK and self.spin_lock_off is None):
            raise BPFError(errno.EINVAL, "invalid cgroup storage update flags")
        raise KeyNotExistError()

    def delete(self, key: bytes) -> None:
        raise BPFError(errno.EINVAL, "cgroup storage cannot be deleted")

    def get_next_key(self, key: bytes | None) -> bytes:
        raise KeyNotExistError()


@register(uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
class PercpuCgroupStorageMap(CgroupStorageMap):
    """The per-CPU flavour: values of at most ``PCPU_MIN_UNIT_SIZE`` bytes, no spin locks."""

    percpu = True
    spin_lock_allowed = False
    max_value_size = PCPU_MIN_UNIT_SIZE
    update_flags = (uapi.BPF_ANY, uapi.BPF_EXIST)
