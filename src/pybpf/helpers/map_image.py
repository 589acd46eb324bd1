"""The kernel struct behind a map pointer, as a program reads it: ``struct bpf_map`` inside its type's
``struct bpf_array`` / ``bpf_htab`` / ..., in the running kernel's BTF layout.

Mirrors what a program reaches in Linux 6.18 through a ``CONST_PTR_TO_MAP`` (an ``lddw map_fd``, an
inner map a map-in-map lookup returned, a ``bpf_for_each_map_elem`` callback's first argument):
check_ptr_to_map_access() (kernel/bpf/verifier.c) lets it read, never write, the struct its type's
ops name (``map_btf_id``: ``MAP_STRUCTS``) as btf_struct_access() allows -- ``map->max_entries``,
``array->elem_size``, even ``map->ops`` -- and the load reads the kernel's object.

pybpf gives each map object, in each process, an image of that struct at the address its
``lddw map_fd`` holds (``MapObject.pointer``: ``MapObject.struct_image``, memory of its own, never the
map's storage).  ``expose`` fills it and registers it in a run's address space (``pybpf.helpers.
known_bytes``): the bytes whose value user space knows read-only, every other byte ``OPAQUE`` (a load
touching them stops the run with ``UnknownMemoryError``, where the kernel reads something pybpf does
not have).  Known, all fixed when the map was created:

* of ``struct bpf_map``: ``map_type``, ``key_size``, ``value_size``, ``max_entries``, ``map_extra``,
  ``map_flags``, ``id``, ``name``, ``btf_key_type_id``, ``btf_value_type_id``,
  ``btf_vmlinux_value_type_id``, ``numa_node`` (``NUMA_NO_NODE`` unless BPF_F_NUMA_NODE chose one:
  ``bpf_map_attr_numa_node``), and the pointers known to be NULL: ``inner_map_meta`` of a map that
  is no map-in-map, ``btf`` and ``record`` of a map without BTF, ``excl_prog_sha`` of a map with no
  exclusive program, and ``sha`` (6.18's first member: the SHA-256 of a frozen array's values once
  BPF_OBJ_GET_INFO_BY_FD asked for it) zero for a map that cannot have it yet -- any but a frozen
  array; when this process takes that hash the image is made again (``revise``), one made in
  another process keeps its zeros (``MAP_FIELDS``, shared with the bpf_map iterator's images);
* ``map->ops``: the kernel's address of the type's ``struct bpf_map_ops`` (one object per type, as
  ``array_map_ops``), which a program may read and follow (a probe load of a function pointer).
  pybpf answers with a nonzero address of its own that is the same for every map of a type and
  different between types, as the kernel's is, inside a block of ``OPAQUE`` bytes the size of
  ``struct bpf_map_ops`` per type (``_ops_block``): reading ``map->ops`` works, comparing two maps'
  ops gives the kernel's answer, and a load through it stops the run rather than inventing a
  function address;
* of ``struct bpf_array`` (the array types): ``elem_size`` (the value size rounded up to 8) and
  ``index_mask`` (the next power of two of ``max_entries``, less one: array_map_alloc, privileged);
* of ``struct bpf_htab`` (the hash types): ``n_buckets`` (``max_entries`` rounded up to a power of
  two) and ``elem_size`` (``struct htab_elem``, the key rounded up to 8, then a per-CPU pointer or the
  value rounded up to 8: htab_map_alloc).

Opaque: the rest -- ``frozen`` (BPF_MAP_FREEZE may come after the image is made), reference
counts, locks, ``security``, ``objcg``, ``cookie``, ``sha``, the type's own state (hash counts,
buckets, array values).  Without the kernel's BTF no image is made: the map pointer's struct is
then no memory at all, and a read faults as before.

The image of a map leaves the address space (``_drop_pending``) once its ``MapObject`` is gone:
never from the finalizer itself, which may run in the middle of another region operation.
"""

from __future__ import annotations

import ctypes
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, BTFError
from pybpf.helpers.known_bytes import KnownBytes, register, unregister
from pybpf.helpers.task_image import running_btf
from pybpf.maps.object import MAP_STRUCT_BYTES, MapObject
from pybpf.memory.regions import OPAQUE, Memory, Region

MAP_STRUCTS: Final = {
    1: "bpf_htab", 2: "bpf_array", 3: "bpf_array", 4: "bpf_array", 5: "bpf_htab", 6: "bpf_array",
    7: "bpf_stack_map", 8: "bpf_array", 9: "bpf_htab", 10: "bpf_htab", 11: "lpm_trie", 12: "bpf_array",
    13: "bpf_htab", 14: "bpf_dtab", 15: "bpf_stab", 16: "bpf_cpu_map", 17: "xsk_map", 18: "bpf_shtab",
    19: "bpf_cgroup_storage_map", 20: "reuseport_array", 21: "bpf_cgroup_storage_map",
    22: "bpf_queue_stack", 23: "bpf_queue_stack", 24: "bpf_local_storage_map", 25: "bpf_dtab",
    26: "bpf_struct_ops_map", 27: "bpf_ringbuf_map", 28: "bpf_local_storage_map",
    29: "bpf_local_storage_map", 30: "bpf_bloom_filter", 31: "bpf_ringbuf_map",
    32: "bpf_local_storage_map", 33: "bpf_arena",
}  # fmt: skip
"""The kernel struct of each map type (its ops' ``map_btf_id``), as check_ptr_to_map_access() names it."""

NUMA_NO_NODE = -1
_MAP_IN_MAP = frozenset({uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS})
_PERCPU_HASH = frozenset({uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH})
_POINTER = 8

Getter = Callable[[MapObject], "int | bytes | None"]

MAP_FIELDS: tuple[tuple[str, Getter], ...] = (
    ("map_type", lambda m: m.params.map_type),
    ("key_size", lambda m: m.params.key_size),
    ("value_size", lambda m: m.params.value_size),
    ("max_entries", lambda m: m.params.max_entries),
    ("map_extra", lambda m: m.params.map_extra),
    ("map_flags", lambda m: m.params.flags),
    ("id", lambda m: m.id),
    ("name", lambda m: m.name[: uapi.BPF_OBJ_NAME_LEN - 1]),
    ("numa_node", lambda m: None if m.params.flags & uapi.BPF_F_NUMA_NODE else NUMA_NO_NODE),
    ("btf_key_type_id", lambda m: m.btf_key_type_id),
    ("btf_value_type_id", lambda m: m.btf_value_type_id),
    ("btf_vmlinux_value_type_id", lambda m: getattr(m.impl, "value_type_id", 0)),
    ("inner_map_meta", lambda m: None if m.params.map_type in _MAP_IN_MAP else 0),
    ("btf", lambda m: None if m.btf_id else 0),
    ("record", lambda m: None if m.btf_id else 0),
    ("excl_prog_sha", lambda m: None if m.excl_prog_hash is not None else 0),
    ("sha", lambda m: None if m.impl.can_hash_values and m.frozen else bytes(32)),
)
"""``struct bpf_map`` members (paths in it) and their value for a map object, fixed at its creation;
None where user space does not know it."""


def _power_of_two_above(n: int) -> int:
    """roundup_pow_of_two() (1 for 0 or 1)."""
    return 1 << max(n - 1, 0).bit_length()


def _array_fields(btf: BTF, m: MapObject) -> dict[str, int | None]:
    return {
        "elem_size": (m.params.value_size + 7) & ~7,
        "index_mask": _power_of_two_above(m.params.max_entries) - 1,
    }


def _htab_fields(btf: BTF, m: MapObject) -> dict[str, int | None]:
    params = m.params
    elem = _struct_id(btf, "htab_elem")
    value = _POINTER if params.map_type in _PERCPU_HASH else (params.value_size + 7) & ~7
    return {
        "n_buckets": _power_of_two_above(params.max_entries),
        "elem_size": None if elem is None else btf.size_of(elem) + ((params.key_size + 7) & ~7) + value,
    }


_TYPE_FIELDS: Final[dict[str, Callable[[BTF, MapObject], dict[str, int | None]]]] = {
    "bpf_array": _array_fields,
    "bpf_htab": _htab_fields,
}
"""Members of a type's own struct (after its ``struct bpf_map``) known for a map object."""


def _struct_id(btf: BTF, name: str) -> int | None:
    found = [i for i in btf.ids_by_name(name) if btf[i].kind == Kind.STRUCT]
    return found[0] if found else None


Exposed = dict[int, tuple[Memory, list[Region]]]
"""The regions of one map's image by the memory (its ``id``) they are registered in."""


@dataclass
class _Image:
    """What one map object's image holds (its bytes are ``MapObject.struct_image``)."""

    known: KnownBytes
    label: str
    regions: Exposed = field(default_factory=dict)


_IMAGES: weakref.WeakKeyDictionary[MapObject, _Image] = weakref.WeakKeyDictionary()
_PENDING: list[tuple[Memory, list[Region]]] = []
"""Images of map objects gone since: taken out of their memory at the next ``expose``."""
_OPS_IN: weakref.WeakKeyDictionary[Memory, list[Region]] = weakref.WeakKeyDictionary()
_OPS_BLOCK: list[ctypes.Array[ctypes.c_char]] = []
_OPS_TYPES = max(MAP_STRUCTS) + 1


def _ops_block(btf: BTF) -> tuple[ctypes.Array[ctypes.c_char], int] | None:
    """This process's stand-in for the kernel's ``struct bpf_map_ops`` objects: one per map type,
    back to back (the buffer and the size of one); None without the struct in the BTF."""
    ops = _struct_id(btf, "bpf_map_ops")
    if ops is None:
        return None
    size = btf.size_of(ops)
    if not _OPS_BLOCK:
        _OPS_BLOCK.append((ctypes.c_char * (size * _OPS_TYPES))())
    return _OPS_BLOCK[0], size


def _expose_ops(memory: Memory, block: ctypes.Array[ctypes.c_char]) -> None:
    if memory not in _OPS_IN:
        view = memoryview(block).cast("B")
        region = memory.add_view(view, ctypes.addressof(block), access=OPAQUE, name="struct bpf_map_ops")
        _OPS_IN[memory] = [region]


_MEMBERS: dict[tuple[int, int, str], tuple[int, int] | None] = {}
"""(BTF, struct, path) -> the member's (offset, size), None for none or a bitfield: walking the
kernel's BTF for a member costs milliseconds, and every map image asks for the same ones."""


def _member(btf: BTF, struct: int, path: str) -> tuple[int, int] | None:
    key = (id(btf), struct, path)
    if key not in _MEMBERS:
        try:
            member = btf.member_at(struct, path)
            found = None if member.bit_offset % 8 else (member.bit_offset // 8, btf.size_of(member.type_id))
        except BTFError:
            found = None
        _MEMBERS[key] = found
    return _MEMBERS[key]


def member_bytes(btf: BTF, struct: int, path: str, value: int | bytes) -> tuple[int, bytes] | None:
    """(offset, bytes) of member ``path`` of ``struct`` holding ``value`` (an integer truncated to
    the member's size, bytes cut or zero-padded to it); None for a member this kernel does not have
    or a bitfield."""
    found = _member(btf, struct, path)
    if found is None:
        return None
    at, size = found
    if isinstance(value, int):
        value = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    return at, value[:size].ljust(size, b"\0")


def _image(btf: BTF, obj: MapObject, known: KnownBytes, struct: int) -> None:
    """Write the known members into ``obj.struct_image`` and mark them in ``known``."""
    base = ctypes.addressof(obj.struct_image)

    def put(path: str, value: int | bytes | None) -> None:
        placed = None if value is None else member_bytes(btf, struct, path, value)
        if placed is not None and placed[0] + len(placed[1]) <= known.size:
            at, raw = placed
            ctypes.memmove(base + at, raw, len(raw))
            known.mark(at, len(raw))

    for path, get in MAP_FIELDS:
        put(f"map.{path}", get(obj))
    extra = _TYPE_FIELDS.get(btf[struct].name)
    if extra is not None:
        for path, value in extra(btf, obj).items():
            put(path, value)
    ops = _ops_block(btf)
    if ops is not None and 0 <= obj.params.map_type < _OPS_TYPES:
        block, size = ops
        put("map.ops", ctypes.addressof(block) + size * obj.params.map_type)


def _build(obj: MapObject) -> _Image | None:
    """Fill ``obj.struct_image``; None without the kernel's BTF or for a type whose struct pybpf
    does not know."""
    btf = running_btf()
    name = MAP_STRUCTS.get(obj.params.map_type)
    struct = _struct_id(btf, name) if btf is not None and name is not None else None
    if btf is None or struct is None:
        return None
    known = KnownBytes(min(btf.size_of(struct), MAP_STRUCT_BYTES))
    ctypes.memset(obj.struct_image, 0, MAP_STRUCT_BYTES)
    _image(btf, obj, known, struct)
    return _Image(known, f"struct {name} of map {obj.name.decode(errors='replace') or obj.id}")


def expose(memory: Memory, obj: MapObject) -> None:
    """Make ``obj``'s kernel struct readable through its pointer in ``memory`` (once per memory;
    nothing without the kernel's BTF or for a type whose struct pybpf does not know)."""
    _drop_pending()
    image = _IMAGES.get(obj)
    if image is None:
        image = _build(obj)
        if image is None:
            return
        _IMAGES[obj] = image
        weakref.finalize(obj, _forget, image.regions)
    if id(memory) in image.regions:
        return
    btf = running_btf()
    with memory.lock:
        ops = _ops_block(btf) if btf is not None else None
        if ops is not None:
            _expose_ops(memory, ops[0])
        image.regions[id(memory)] = (memory, register(memory, obj.struct_image, image.known, image.label))


def revise(obj: MapObject) -> None:
    """Make ``obj``'s image again where it is exposed, after something it shows changed (in this
    process): BPF_OBJ_GET_INFO_BY_FD took the hash of a frozen array's values, which the kernel
    keeps in ``map->sha`` -- unknown from then on."""
    image = _IMAGES.get(obj)
    fresh = _build(obj) if image is not None else None
    if image is None or fresh is None:
        return
    image.known = fresh.known
    for key, (memory, regions) in list(image.regions.items()):
        with memory.lock:
            unregister(memory, regions)
            image.regions[key] = (memory, register(memory, obj.struct_image, image.known, image.label))


def _forget(regions: Exposed) -> None:
    """The finalizer of an exposed map object: its images leave their memories later."""
    _PENDING.extend(regions.values())


def _drop_pending() -> None:
    while _PENDING:
        memory, regions = _PENDING.pop()
        unregister(memory, regions)


__all__ = ["MAP_FIELDS", "MAP_STRUCTS", "NUMA_NO_NODE", "Getter", "expose", "member_bytes", "revise"]
