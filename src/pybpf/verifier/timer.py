"""``struct bpf_timer`` in map values: where it is (from the map's BTF) and what the verifier allows.

Mirrors Linux 6.18: kernel/bpf/btf.c btf_parse_fields() / btf_find_field() for BPF_TIMER (a member
of type ``struct bpf_timer`` — 16 bytes, 8-aligned — found in the value struct, in nested structs
and arrays of one, or among a DATASEC's variables; the first one found is the map's ``timer_off``)
and kernel/bpf/verifier.c:

* process_timer_func(): the timer argument of bpf_timer_init / set_callback / start / cancel is a
  map value pointer at a constant offset ("R%d doesn't have constant offset. bpf_timer has to be
  at the constant offset"), of a map with BTF ("map '%s' has to have BTF in order to use
  bpf_timer") whose value has a timer ("map '%s' has no valid bpf_timer"), exactly at it ("off %lld
  doesn't point to 'struct bpf_timer' that is at %d");
* the map argument of bpf_timer_init must be the timer's own map ("timer pointer in R1 map_uid=%d
  doesn't match map pointer in R2 map_uid=%d": pybpf has no inner-map uids, both print 0);
* check_map_access(): no load, store or helper access may touch the timer ("bpf_timer cannot be
  accessed directly by load/store", with the spin lock in ``references.check_map_fields``).

The map creation rules for timers (which map types may hold one, one per value) are BPF_MAP_CREATE's
and not modelled by pybpf's maps.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from pybpf.btf.types import BTF, Datasec, Struct, Var
from pybpf.verifier import tnum
from pybpf.verifier.regstate import RegState, map_name

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

TIMER_SIZE = 16
TIMER_ALIGN = 8
_MAX_RESOLVE_DEPTH = 32
_NOT_FOUND = -1

_CACHE_LIMIT = 64
_found: dict[tuple[int, int], tuple[BTF, int]] = {}
"""(id(btf), value type id) -> (the BTF, kept alive so that its id is not reused; the timer offset or
_NOT_FOUND)."""


def timer_off(map_ref: Any) -> int | None:
    """``map->record->timer_off``: the offset of the value's ``struct bpf_timer``, or None."""
    value_btf = getattr(map_ref, "value_btf", None)
    if value_btf is None:
        return None
    btf, type_id = value_btf
    key = (id(btf), type_id)
    cached = _found.get(key)
    if cached is None:
        found = _find(btf, type_id)
        if len(_found) >= _CACHE_LIMIT:
            _found.clear()
        cached = _found[key] = (btf, _NOT_FOUND if found is None else found)
    off = cached[1]
    return None if off == _NOT_FOUND else off


def _find(btf: BTF, type_id: int) -> int | None:
    """btf_find_field(BPF_TIMER) on the value type."""
    t = btf[type_id]
    if isinstance(t, Struct):
        return _in_struct(btf, t, 0, 0)
    if isinstance(t, Datasec):
        for info in t.vars:
            var = btf[info.type_id]
            if isinstance(var, Var):
                found = _field_one(btf, var.type_id, info.offset, info.size, 0)
                if found is not None:
                    return found
    return None


def _in_struct(btf: BTF, t: Struct, base: int, level: int) -> int | None:
    for member in t.members:
        if member.bit_offset % 8:
            return None  # valid C code cannot produce it; the kernel's map creation refuses it
        found = _field_one(btf, member.type_id, base + member.bit_offset // 8, 0, level)
        if found is not None:
            return found
    return None


def _field_one(btf: BTF, type_id: int, off: int, expected: int, level: int) -> int | None:
    """btf_find_field_one(): arrays flattened, a ``struct bpf_timer`` or a nested struct."""
    elem_id, nelems = btf.array_elements(type_id)
    t = btf[elem_id]
    if nelems == 0 or not isinstance(t, Struct):
        return None
    if t.name == "bpf_timer":
        if (expected and expected != TIMER_SIZE * nelems) or off % TIMER_ALIGN or t.size != TIMER_SIZE:
            return None
        return off
    if (expected and expected != t.size * nelems) or level >= _MAX_RESOLVE_DEPTH:
        return None
    return _in_struct(btf, t, off, level + 1)


def process_timer_func(w: Walker, regno: int, reg: RegState, *, has_btf: bool) -> None:
    """process_timer_func(): the timer argument points at the value's ``struct bpf_timer`` (``has_btf``:
    the map was created with BTF)."""
    if not tnum.is_const(reg.var_off):
        w.fail(
            errno.EINVAL, f"R{regno} doesn't have constant offset. bpf_timer has to be at the constant offset"
        )
    map_ref = reg.map
    name = map_name(map_ref)
    if not has_btf:
        w.fail(errno.EINVAL, f"map '{name}' has to have BTF in order to use bpf_timer")
    at = timer_off(map_ref)
    if at is None:
        w.fail(errno.EINVAL, f"map '{name}' has no valid bpf_timer")
    off = reg.var_off.value + reg.off
    if off != at:
        w.fail(errno.EINVAL, f"off {off} doesn't point to 'struct bpf_timer' that is at {at}")


def check_timer_map(w: Walker, timer_map: Any, map_ref: Any) -> None:
    """check_func_arg(ARG_CONST_MAP_PTR) after a timer argument: the same map."""
    if timer_map is not None and timer_map is not map_ref and _address(timer_map) != _address(map_ref):
        w.fail(errno.EINVAL, "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0")


def _address(map_ref: Any) -> int:
    return int(getattr(map_ref, "address", 0) or 0)


def overlaps(reg: RegState, off: int, size: int) -> bool:
    """Whether an access of ``size`` bytes at ``off`` from the value pointer may touch the timer."""
    at = timer_off(reg.map)
    return at is not None and reg.smin + off < at + TIMER_SIZE and at < reg.umax + off + size
