"""The one interface every map type implements: the user-space ``struct bpf_map_ops``.

Mirrors the kernel's ``bpf_map_ops`` (``map_alloc_check``, ``map_lookup_elem``,
``map_update_elem``, ``map_delete_elem``, ``map_get_next_key``) for maps whose storage is a byte
range of the object's shared file (see ``pybpf.maps.object``).  Every process that holds the map
maps the same file, so the storage *is* the map: no state may live in Python objects.

How to add a map type
---------------------
1. Create ``pybpf/maps/<type>.py`` with one subclass of :class:`MapType`.
2. ``check(spec)``: raise ``BPFError`` with the errno of the kernel's ``map_alloc_check`` /
   ``map_alloc`` for that type (flags mask, key/value sizes, max_entries ...).
3. ``storage_size(spec)``: bytes of storage the type needs (the file is sparse and zero-filled, so
   an all-zero storage must be a valid empty map; otherwise override ``initialize``).
4. Implement ``lookup``, ``update``, ``delete``, ``get_next_key`` on ``self.mem`` (a writable
   memoryview of the storage) with the kernel's errnos.  Mutating calls (``update``, ``delete``)
   are made with the map's shared lock held; ``lookup`` / ``get_next_key`` are called with it held
   when ``read_locked`` is True.  Publish changes with one aligned store where a crash could
   otherwise leave a half-written structure, and make ``recover()`` repair whatever a process
   killed while holding the lock can leave behind.
5. Decorate the class with ``@register(BPF_MAP_TYPE_...)`` and add the module's name to
   ``_BUILTIN`` in ``pybpf/maps/registry.py``.
6. Add its behaviours to ``tests/maps`` so they run against both backends.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import ClassVar

from pybpf import uapi
from pybpf.errors import BPFError

KMALLOC_MAX_SIZE = 1 << 22
"""The kernel's KMALLOC_MAX_SIZE on x86_64 (4 MiB): the bound several size checks use."""

ACCESS_MASK = uapi.BPF_F_RDONLY | uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY | uapi.BPF_F_WRONLY_PROG


def round_up(value: int, align: int) -> int:
    """``value`` rounded up to a multiple of ``align``."""
    return (value + align - 1) // align * align


def flags_access_ok(flags: int) -> bool:
    """``bpf_map_flags_access_ok``: a map may not be both read-only and write-only for programs."""
    both = uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG
    return (flags & both) != both


@dataclass(frozen=True)
class MapSpec:
    """The creation parameters of a map, as BPF_MAP_CREATE received them."""

    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int
    numa_node: int = 0
    map_extra: int = 0
    """Bloom filters: the number of hash functions (kept in the object's header, reported by
    bpf_map_info)."""


class MapType:
    """Base class of map implementations; one instance per (process, map object)."""

    map_type: ClassVar[int]
    read_locked: ClassVar[bool] = True
    """Whether lookups need the shared lock (False when reads of a stable layout are safe)."""

    def __init__(self, spec: MapSpec, mem: memoryview) -> None:
        self.spec = spec
        self.mem = mem
        self.key_size = spec.key_size
        self.value_size = spec.value_size
        self.max_entries = spec.max_entries

    @classmethod
    def check(cls, spec: MapSpec) -> None:
        """Validate ``spec`` like the kernel's ``map_alloc_check``; raise ``BPFError`` on refusal."""
        raise NotImplementedError

    @classmethod
    def storage_size(cls, spec: MapSpec) -> int:
        """Bytes of storage this map needs (the caller rounds it up to whole pages)."""
        raise NotImplementedError

    def initialize(self) -> None:
        """Prepare fresh (all-zero) storage; called once, by the creator, with the lock held."""

    def lookup(self, key: bytes) -> bytes:
        """The value stored for ``key``; ``KeyNotExistError`` (ENOENT) when absent."""
        raise BPFError(errno.EINVAL, "lookup not supported by this map type")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        """Store ``value`` for ``key`` honouring BPF_ANY / BPF_NOEXIST / BPF_EXIST."""
        raise BPFError(errno.EINVAL, "update not supported by this map type")

    def delete(self, key: bytes) -> None:
        """Remove ``key``; ``KeyNotExistError`` when absent."""
        raise BPFError(errno.EINVAL, "delete not supported by this map type")

    def get_next_key(self, key: bytes | None) -> bytes:
        """The key after ``key`` (the first key when ``key`` is None or absent); ENOENT at the end."""
        raise BPFError(errno.EINVAL, "get_next_key not supported by this map type")

    def recover(self) -> None:
        """Repair the storage after a process died holding the lock (default: nothing to do)."""

    # --- the view BPF programs have (helpers in pybpf.helpers.maps) ------------------------------
    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """Offset in ``self.mem`` of the value a program's ``bpf_map_lookup_elem`` points at.

        Per-CPU maps give CPU ``cpu``'s value (None when ``cpu`` is not a possible CPU); LRU maps
        mark the entry as used, as the kernel's program-side lookup does.  None when ``key`` is
        absent or the map type gives programs no value pointers (the kernel's NULL).
        """
        return None

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """The update ``bpf_map_update_elem`` makes from a program running on ``cpu``.

        ``value`` is ``value_size`` bytes (one CPU's value for per-CPU maps).  Raises ``BPFError``
        with the errno the kernel's helper returns.  Called with the map's lock held.
        """
        self.update(key, value, flags)

    def program_delete(self, key: bytes) -> None:
        """The delete ``bpf_map_delete_elem`` makes from a program (called with the lock held)."""
        self.delete(key)
