"""Map definitions of an object: BTF-defined maps in ``.maps`` and legacy ``struct bpf_map_def`` in ``maps``.

Mirrors libbpf's ``bpf_object__init_user_btf_maps`` / ``parse_btf_map_def`` / ``get_map_field_int`` /
``get_map_field_long`` and ``bpf_object__collect_map_relos`` (tools/lib/bpf/libbpf.c), and libbpf 0.x's
``bpf_object__init_user_maps`` for the legacy section that libbpf 1.x refuses:

* ``.maps``: each VAR of the ``.maps`` DATASEC is a struct whose members say ``__uint(type, T)``
  (a pointer to an array of T elements), ``__type(key, K)`` (a pointer to K), ``__ulong(map_extra, X)``
  (a one-enumerator enum), ``max_entries``, ``map_flags``, ``numa_node``, ``key_size``, ``value_size``,
  ``pinning`` (LIBBPF_PIN_BY_NAME) and, last, ``__array(values, ...)``: the inner map's definition of a
  map-in-map, or the program prototype of a prog array.  Unknown members are refused, as libbpf's strict
  parsing does.  Relocations in ``.rel.maps`` fill the ``values`` array: the initial inner maps or
  programs, slot by slot.
* ``maps``: one definition per symbol, all of the same size (the section size over the symbol count):
  ``struct bpf_map_def`` (type, key_size, value_size, max_entries, map_flags; shorter ones zero-filled),
  samples/bpf's 28-byte variant adding ``inner_map_idx`` and ``numa_node``, and iproute2's 36-byte
  ``struct bpf_elf_map`` whose ``pinning`` pins by name.  Other longer definitions load when their extra
  bytes are zero, as libbpf 0.x allowed.  Key and value BTF types come from a ``____btf_map_<name>``
  struct when the object has one (``BPF_ANNOTATE_KV_PAIR``).
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable

from pybpf import uapi
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF, Array, Datasec, Enum, Enum64, FuncProto, Ptr, Struct, Var, VarLinkage
from pybpf.elf.errors import ELFError
from pybpf.elf.reader import STT_SECTION, ElfObject, ElfSection, ElfSymbol
from pybpf.elf.spec import MapKind, MapSpec, PinType

__all__ = ["btf_maps", "legacy_maps", "map_initial_slots"]

_BPF_MAP_DEF = struct.Struct("<5I")  # type, key_size, value_size, max_entries, map_flags
_SAMPLES_DEF_SIZE = 28  # ... inner_map_idx, numa_node
_IPROUTE2_DEF_SIZE = 36  # ... id, pinning, inner_id, inner_idx
_PIN_OBJECT_NS, _PIN_GLOBAL_NS = 1, 2


# -- BTF-defined maps ---------------------------------------------------------------------------------------


def btf_maps(elf: ElfObject, section: ElfSection, btf: BTF | None) -> list[MapSpec]:
    """The maps of the ``.maps`` section, described by its DATASEC."""
    where = f"{elf.name}: section '.maps'"
    if btf is None:
        raise ELFError(f"{where}: BTF-defined maps need the object's .BTF section (compile with -g)")
    datasec = _datasec(btf, ".maps")
    if datasec is None:
        raise ELFError(f"{where}: no DATASEC '.maps' in the object's BTF")
    maps = []
    for index, vsi in enumerate(datasec.vars):
        var = _type(btf, vsi.type_id, f"{where}: map #{index}")
        if not isinstance(var, Var):
            raise ELFError(f"{where}: map #{index}: unexpected BTF kind {var.kind.name} (expected VAR)")
        name = var.name
        if var.linkage not in (VarLinkage.STATIC, VarLinkage.GLOBAL_ALLOCATED):
            raise ELFError(f"{where}: map '{name}': unsupported linkage {var.linkage}")
        def_id = btf.resolve(var.type_id)
        definition = btf[def_id]
        if not isinstance(definition, Struct):
            raise ELFError(f"{where}: map '{name}': definition is a {definition.kind.name}, not a struct")
        if definition.size > vsi.size:
            raise ELFError(
                f"{where}: map '{name}': definition ({definition.size} bytes) larger than its variable"
            )
        spec = _parse_btf_def(btf, name, def_id, definition, inner=False, where=where)
        spec.section, spec.offset, spec.kind, spec.kernel_name = ".maps", vsi.offset, MapKind.BTF, name
        maps.append(spec)
    return maps


def _parse_btf_def(
    btf: BTF, name: str, def_id: int, definition: Struct, *, inner: bool, where: str
) -> MapSpec:
    """``parse_btf_map_def``."""
    spec = MapSpec(name, 0, 0, 0, 0)
    has = set()
    last = len(definition.members) - 1
    for i, m in enumerate(definition.members):
        field = m.name
        here = f"{where}: map '{name}'"
        if not field:
            raise ELFError(f"{here}: anonymous member #{i} in the definition")
        if field in has:
            raise ELFError(f"{here}: '{field}' given twice")
        has.add(field)
        if field in _INT_FIELDS:
            setattr(spec, _INT_FIELDS[field], _int_field(btf, m.type_id, f"{here}: attr '{field}'"))
        elif field == "map_extra":
            spec.map_extra = _long_field(btf, m.type_id, f"{here}: attr 'map_extra'")
        elif field in ("key", "value"):
            _typed_field(btf, spec, field, m.type_id, here)
        elif field == "values":
            _values_field(btf, spec, m.type_id, is_last=i == last, inner=inner, where=here)
        elif field == "pinning":
            if inner:
                raise ELFError(f"{here}: an inner map definition cannot be pinned")
            value = _int_field(btf, m.type_id, f"{here}: attr 'pinning'")
            if value not in (PinType.NONE, PinType.BY_NAME):
                raise ELFError(f"{here}: invalid pinning value {value}")
            spec.pinning = PinType(value)
        else:
            raise ELFError(f"{here}: unknown field '{field}'", err=524)  # ENOTSUPP, as libbpf's strict parse
    if not spec.map_type:
        raise ELFError(f"{where}: map '{name}': map type isn't specified")
    return spec


_INT_FIELDS = {
    "type": "map_type",
    "max_entries": "max_entries",
    "map_flags": "flags",
    "numa_node": "numa_node",
    "key_size": "key_size",
    "value_size": "value_size",
}


def _int_field(btf: BTF, type_id: int, where: str) -> int:
    """``get_map_field_int``: ``int (*name)[value]``: a pointer to an array of ``value`` elements."""
    t = _type(btf, btf.resolve(type_id), where)
    if not isinstance(t, Ptr):
        raise ELFError(f"{where}: expected PTR, got {t.kind.name}")
    arr = _type(btf, t.type_id, where)
    if not isinstance(arr, Array):
        raise ELFError(f"{where}: type [{t.type_id}] is not an array")
    return arr.nelems


def _long_field(btf: BTF, type_id: int, where: str) -> int:
    """``get_map_field_long``: ``__ulong`` (an enum with one enumerator) or the ``__uint`` form."""
    t = _type(btf, btf.resolve(type_id), where)
    if isinstance(t, Ptr):
        return _int_field(btf, type_id, where)
    if not isinstance(t, (Enum, Enum64)):
        raise ELFError(f"{where}: expected ENUM or ENUM64, got {t.kind.name}")
    if len(t.values) != 1:
        raise ELFError(f"{where}: invalid __ulong (an enum with {len(t.values)} enumerators)")
    return t.values[0].value & 0xFFFFFFFFFFFFFFFF


def _typed_field(btf: BTF, spec: MapSpec, field: str, type_id: int, where: str) -> None:
    """``__type(key, T)`` / ``__type(value, T)``: ``T *name``; the size follows from T."""
    t = _type(btf, type_id, where)
    if not isinstance(t, Ptr):
        raise ELFError(f"{where}: {field} spec is not PTR: {t.kind.name}")
    try:
        size = btf.size_of(t.type_id)
    except BTFError as exc:
        raise ELFError(f"{where}: can't determine {field} size for type [{t.type_id}]: {exc}") from None
    attr = "key_size" if field == "key" else "value_size"
    if getattr(spec, attr) and getattr(spec, attr) != size:
        raise ELFError(f"{where}: conflicting {field} size {getattr(spec, attr)} != {size}")
    setattr(spec, attr, size)
    setattr(spec, "key_type_id" if field == "key" else "value_type_id", t.type_id)


def _values_field(btf: BTF, spec: MapSpec, type_id: int, *, is_last: bool, inner: bool, where: str) -> None:
    """``__array(values, struct inner)`` (map-in-map), ``__array(values, int (void *))`` (prog array)."""
    is_prog_array = spec.map_type == uapi.BPF_MAP_TYPE_PROG_ARRAY
    if inner:
        raise ELFError(f"{where}: multi-level inner maps not supported")
    if not is_last:
        raise ELFError(f"{where}: 'values' member should be last")
    if not spec.is_map_in_map and not is_prog_array:
        raise ELFError(f"{where}: 'values' is only for map-in-map and prog-array maps")
    if spec.value_size and spec.value_size != 4:
        raise ELFError(f"{where}: conflicting value size {spec.value_size} != 4")
    spec.value_size = 4
    what = "prog-array value" if is_prog_array else "map-in-map inner"
    t = _type(btf, type_id, where)
    if not isinstance(t, Array) or t.nelems:
        raise ELFError(f"{where}: {what} spec is not a zero-sized array")
    ptr = _type(btf, btf.resolve(t.elem_type), where)
    if not isinstance(ptr, Ptr):
        raise ELFError(f"{where}: {what} def is of unexpected kind {ptr.kind.name}")
    target_id = btf.resolve(ptr.type_id)
    target = _type(btf, target_id, where)
    if is_prog_array:
        if not isinstance(target, FuncProto):
            raise ELFError(f"{where}: prog-array value def is of unexpected kind {target.kind.name}")
        return
    if not isinstance(target, Struct):
        raise ELFError(f"{where}: map-in-map inner def is of unexpected kind {target.kind.name}")
    inner_name = f"{spec.name}.inner"
    inner_spec = _parse_btf_def(btf, inner_name, target_id, target, inner=True, where=where)
    inner_spec.kind, inner_spec.kernel_name = MapKind.BTF, inner_name
    spec.inner = inner_spec


def map_initial_slots(
    elf: ElfObject,
    section: ElfSection,
    btf: BTF | None,
    maps: list[MapSpec],
    program_at: Callable[[int, int], str | None],
) -> None:
    """``bpf_object__collect_map_relos``: fill ``contents`` of map-in-map and prog-array maps from the
    relocations of ``.maps`` (one 8-byte pointer per slot of the ``values`` array).

    ``program_at(section index, byte offset)`` names the entry program starting there.
    """
    where = f"{elf.name}: section '.rel.maps'"
    datasec = _datasec(btf, ".maps") if btf is not None else None
    if btf is None or datasec is None:
        return
    variables = sorted((v.offset, v.size, v.type_id) for v in datasec.vars)
    starts = [offset for offset, _, _ in variables]
    by_offset = {m.offset: m for m in maps if m.section == ".maps"}
    by_name = {m.name: m for m in maps if m.section == ".maps"}
    for rel in elf.relocations.get(section.index, []):
        sym = elf.symbols[rel.symbol]
        here = f"{where} relocation #{rel.index}"
        i = bisect.bisect_right(starts, rel.offset) - 1
        owner = by_offset.get(variables[i][0]) if i >= 0 else None
        if owner is None or rel.offset + 8 > variables[i][0] + variables[i][1]:
            raise ELFError(f"{here}: no map at offset {rel.offset} for '{sym.name}'")
        if owner.is_map_in_map:
            target = by_name.get(sym.name)
            if sym.shndx != section.index or target is None or target.offset != sym.value:
                raise ELFError(f"{here}: '{sym.name}' isn't a BTF-defined map")
            target_name = target.name
        elif owner.map_type == uapi.BPF_MAP_TYPE_PROG_ARRAY:
            prog = program_at(sym.shndx, sym.value)
            if prog is None or prog != sym.name:
                raise ELFError(f"{here}: '{sym.name}' isn't an entry-point program")
            target_name = prog
        else:
            raise ELFError(f"{here}: map '{owner.name}' has no 'values' to initialize")
        var = btf[variables[i][2]]
        definition = btf[btf.resolve(var.type_id)] if isinstance(var, Var) else None
        values = definition.members[-1] if isinstance(definition, Struct) and definition.members else None
        if values is None or values.name != "values":
            raise ELFError(f"{here}: map '{owner.name}' has no 'values' member")
        moff = rel.offset - owner.offset - values.bit_offset // 8
        if moff < 0 or moff % 8:
            raise ELFError(f"{here}: offset {rel.offset} is not a slot of '{owner.name}.values'")
        slot = moff // 8
        if slot >= owner.max_entries:
            raise ELFError(f"{here}: slot {slot} of '{owner.name}' past its max_entries {owner.max_entries}")
        owner.contents[slot] = target_name


# -- legacy maps ------------------------------------------------------------------------------------------


def legacy_maps(elf: ElfObject, section: ElfSection, btf: BTF | None) -> list[MapSpec]:
    """The ``struct bpf_map_def`` definitions of the ``maps`` section (libbpf 0.x's rules)."""
    where = f"{elf.name}: section 'maps'"
    symbols = sorted(
        (s for s in elf.symbols if s.shndx == section.index and s.type != STT_SECTION and s.name),
        key=lambda s: s.value,
    )
    if not symbols:
        return []
    data = section.data
    if not data or len(data) % len(symbols):
        raise ELFError(
            f"{where}: unable to determine the map definition size ({len(symbols)} maps in {len(data)} bytes)"
        )
    def_size = len(data) // len(symbols)
    specs = [_legacy_def(elf, data, sym, def_size, where) for sym in symbols]
    if def_size == _SAMPLES_DEF_SIZE:
        for sym, spec in zip(symbols, specs, strict=True):
            inner_idx = struct.unpack_from("<I", data, sym.value + 20)[0]
            if spec.is_map_in_map:
                if inner_idx >= len(specs) or specs[inner_idx] is spec:
                    raise ELFError(
                        f"{where}: map '{spec.name}': inner_map_idx {inner_idx} is not another map"
                    )
                template = specs[inner_idx]
                spec.inner = MapSpec(
                    f"{spec.name}.inner",
                    template.map_type,
                    template.key_size,
                    template.value_size,
                    template.max_entries,
                    template.flags,
                    kind=MapKind.LEGACY,
                    kernel_name=f"{spec.name}.inner",
                )
    if btf is not None:
        for spec in specs:
            _annotated_kv(btf, spec)
    return specs


def _legacy_def(elf: ElfObject, data: bytes, sym: ElfSymbol, def_size: int, where: str) -> MapSpec:
    here = f"{where}: map '{sym.name}'"
    if sym.value % 4 or sym.value + def_size > len(data):
        raise ELFError(f"{here}: definition at offset {sym.value} runs past the section or is misaligned")
    raw = data[sym.value : sym.value + def_size]
    head = raw[: _BPF_MAP_DEF.size].ljust(_BPF_MAP_DEF.size, b"\0")
    map_type, key_size, value_size, max_entries, flags = _BPF_MAP_DEF.unpack(head)
    spec = MapSpec(
        sym.name,
        map_type,
        key_size,
        value_size,
        max_entries,
        flags,
        kind=MapKind.LEGACY,
        kernel_name=sym.name,
        section="maps",
        offset=sym.value,
    )
    extra = raw[_BPF_MAP_DEF.size :]
    if def_size == _SAMPLES_DEF_SIZE:
        spec.numa_node = struct.unpack_from("<I", extra, 4)[0]
    elif def_size == _IPROUTE2_DEF_SIZE:
        map_id, pinning, inner_id, inner_idx = struct.unpack_from("<4I", extra)
        if map_id or inner_id or inner_idx:
            raise ELFError(f"{here}: iproute2 map-in-map fields (id, inner_id, inner_idx) are not supported")
        if pinning not in (0, _PIN_OBJECT_NS, _PIN_GLOBAL_NS):
            raise ELFError(f"{here}: invalid iproute2 pinning value {pinning}")
        spec.pinning = PinType.BY_NAME if pinning else PinType.NONE
    elif any(extra):
        raise ELFError(f"{here}: unrecognized non-zero options in a {def_size}-byte map definition")
    if not map_type:
        raise ELFError(f"{here}: map type isn't specified")
    return spec


def _annotated_kv(btf: BTF, spec: MapSpec) -> None:
    """``BPF_ANNOTATE_KV_PAIR``: ``struct ____btf_map_<name> { K key; V value; }`` names the types."""
    try:
        container = btf.get(f"____btf_map_{spec.name}", Struct)
    except BTFError:
        return
    if not isinstance(container, Struct) or len(container.members) != 2:
        return
    key, value = container.members
    try:
        if btf.size_of(key.type_id) == spec.key_size and btf.size_of(value.type_id) == spec.value_size:
            spec.key_type_id, spec.value_type_id = key.type_id, value.type_id
    except BTFError:
        return


# -- shared ---------------------------------------------------------------------------------------------


def _datasec(btf: BTF, name: str) -> Datasec | None:
    for _, t in btf:
        if isinstance(t, Datasec) and t.name == name:
            return t
    return None


def _type(btf: BTF, type_id: int, where: str):  # type: ignore[no-untyped-def]
    try:
        return btf[type_id]
    except BTFError as exc:
        raise ELFError(f"{where}: {exc}") from None
