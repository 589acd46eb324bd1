"""Global variables as maps: ``.data``, ``.rodata``, ``.bss`` and their ``.data.*`` / ``.rodata.*`` kin.

Mirrors libbpf's ``bpf_object__init_global_data_maps`` / ``bpf_object__init_internal_map`` /
``internal_map_name`` / ``map_is_mmapable`` (tools/lib/bpf/libbpf.c): every such ELF section becomes a
one-element ``BPF_MAP_TYPE_ARRAY`` (4-byte key) whose value is the section's bytes -- zeros for the
``SHT_NOBITS`` ``.bss`` -- typed by the section's DATASEC in BTF.  ``.rodata*`` maps are
``BPF_F_RDONLY_PROG`` (and frozen by the loader once written); a map with a global (non-static,
non-hidden) variable is ``BPF_F_MMAPABLE``.  The kernel is given libbpf's name for it: up to eight
characters of the object's name and the section name (``xdp_coun.rodata``), or the section name alone
for a custom ``.data.*`` section.  Programs reach the variables through ``BPF_PSEUDO_MAP_VALUE`` lddws.

``__arena`` variables (clang's ``address_space(1)``, section ``.addr_space.1``) are no map of their own:
as libbpf's ``init_arena_map_data`` has it, they are the initial bytes of the object's one arena map
(refused without one, ENOENT; with two, EINVAL; E2BIG when they do not fit), laid out in the arena's
last pages (``MapSpec.data_offset``), which the loader writes through its mapping of the arena.
"""

from __future__ import annotations

from pybpf import uapi
from pybpf.btf.types import BTF, Datasec, Var, VarLinkage
from pybpf.elf.errors import ELFError
from pybpf.elf.reader import ElfObject, ElfSection
from pybpf.elf.spec import MapKind, MapSpec

__all__ = [
    "ARENA_SECTION",
    "MAX_DATA_SECTION",
    "arena_data",
    "data_kind",
    "global_data_maps",
    "internal_map_name",
]

ARENA_SECTION = ".addr_space.1"
"""libbpf's ``ARENA_SEC``: where clang puts ``__arena`` global variables."""
PAGE_SIZE = 4096

MAX_DATA_SECTION = 1 << 24
"""The largest global-data section pybpf reads (16 MiB: far above real objects, so a hostile ``.bss`` size
cannot make it allocate without bound)."""

_OBJ_NAME_LEN = uapi.BPF_OBJ_NAME_LEN


def data_kind(section: ElfSection) -> MapKind | None:
    """Which global-data map an ELF section makes, if any (``bpf_object__elf_collect``'s rules)."""
    name = section.name
    if section.nobits:
        return MapKind.BSS if name == ".bss" or name.startswith(".bss.") else None
    if section.type != 1 or section.executable or not section.size:  # SHT_PROGBITS with data
        return None
    if name == ".data" or name.startswith(".data."):
        return MapKind.DATA
    if name == ".rodata" or name.startswith(".rodata."):
        return MapKind.RODATA
    return None


def internal_map_name(object_name: str, section: str) -> str:
    """``internal_map_name``: the kernel-visible name of a global-data map."""
    suffix_len = min(max(7, len(section)), _OBJ_NAME_LEN - 1)
    prefix_len = 0 if "." in section[1:] else min(_OBJ_NAME_LEN - suffix_len - 1, len(object_name))
    name = (object_name[:prefix_len] + section[:suffix_len])[: _OBJ_NAME_LEN - 1]
    return "".join(c if c.isascii() and (c.isalnum() or c in "_.") else "_" for c in name)


def global_data_maps(elf: ElfObject, btf: BTF | None) -> list[MapSpec]:
    """One array map per global-data section, holding the section's initial bytes."""
    maps = []
    for section in elf.sections:
        kind = data_kind(section)
        if kind is None:
            continue
        if section.size > MAX_DATA_SECTION:
            raise ELFError(
                f"{elf.name}: section '{section.name}': {section.size} bytes of global data (limit "
                f"{MAX_DATA_SECTION})",
                err=7,  # E2BIG
            )
        data = bytearray(section.size) if section.nobits else bytearray(section.data)
        datasec_id = _datasec_id(btf, section.name)
        flags = uapi.BPF_F_RDONLY_PROG if kind is MapKind.RODATA else 0
        if btf is not None and datasec_id and _has_global_var(btf, datasec_id):
            flags |= uapi.BPF_F_MMAPABLE
        maps.append(
            MapSpec(
                section.name,
                uapi.BPF_MAP_TYPE_ARRAY,
                4,
                section.size,
                1,
                flags,
                kind=kind,
                kernel_name=internal_map_name(elf_object_name(elf.name), section.name),
                value_type_id=datasec_id,
                data=data,
                section=section.name,
            )
        )
    return maps


def arena_data(elf: ElfObject, maps: list[MapSpec], path: str) -> None:
    """``init_arena_map_data``: the ``.addr_space.1`` bytes become the data of the object's arena map,
    placed at the start of the arena's last pages that hold them."""
    section = elf.section_named(ARENA_SECTION)
    arenas = [m for m in maps if m.map_type == uapi.BPF_MAP_TYPE_ARENA]
    if len(arenas) > 1:
        raise ELFError(
            f"{path}: map '{arenas[1].name}': only single ARENA map is supported "
            f"(map '{arenas[0].name}' is also ARENA)",
            err=22,  # EINVAL
        )
    if section is None or not section.size:
        return
    if not arenas:
        raise ELFError(
            f"{path}: sec '{ARENA_SECTION}': to use global __arena variables the ARENA map should be "
            'explicitly declared in SEC(".maps")',
            err=2,  # ENOENT
        )
    arena = arenas[0]
    mmap_size = arena.max_entries * PAGE_SIZE
    alloc_size = -(-section.size // PAGE_SIZE) * PAGE_SIZE
    if alloc_size > mmap_size:
        raise ELFError(
            f"{path}: map '{arena.name}': static vars in '{ARENA_SECTION}' exceed arena size "
            f"({alloc_size} > {mmap_size})",
            err=7,  # E2BIG
        )
    arena.data = bytearray(section.size) if section.nobits else bytearray(section.data)
    arena.data_offset = mmap_size - alloc_size


def elf_object_name(path: str) -> str:
    """libbpf's object name: the file's base name up to its first dot (``xdp.bpf.o`` -> ``xdp``)."""
    base = path.rsplit("/", 1)[-1]
    return base.split(".", 1)[0] or base


def _datasec_id(btf: BTF | None, name: str) -> int:
    if btf is None:
        return 0
    for type_id in btf.ids_by_name(name):
        if isinstance(btf[type_id], Datasec):
            return type_id
    return 0


def _has_global_var(btf: BTF, datasec_id: int) -> bool:
    """``map_is_mmapable``: some variable of the section is global (visible to user space)."""
    datasec = btf[datasec_id]
    assert isinstance(datasec, Datasec)
    for vsi in datasec.vars:
        var = btf[vsi.type_id]
        if isinstance(var, Var) and var.linkage != VarLinkage.STATIC:
            return True
    return False
