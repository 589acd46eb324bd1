"""``struct bpf_timer`` (and ``bpf_wq``, ``bpf_task_work``) in map values: where it is (from the map's
BTF) and what the verifier allows.

Mirrors Linux 6.18: kernel/bpf/btf.c btf_parse_fields() / btf_find_field() for BPF_TIMER (a member
of type ``struct bpf_timer`` — 16 bytes, 8-aligned — found in the value struct, in nested structs
and arrays of one, or among a DATASEC's variables; the first one found is the map's ``timer_off``),
and alike for BPF_WORKQUEUE (``struct bpf_wq``, 16 bytes: ``wq_off``) and BPF_TASK_WORK
(``struct bpf_task_work``, 8 bytes: ``task_work_off``), and kernel/bpf/verifier.c:

* process_timer_func() / check_map_field_pointer(): the timer argument of bpf_timer_init /
  set_callback / start / cancel (and the wq or task work argument of their kfuncs, ``async_work``) is a
  map value pointer at a constant offset ("R%d doesn't have constant offset. bpf_timer has to be
  at the constant offset"), of a map with BTF ("map '%s' has to have BTF in order to use
  bpf_timer") whose value has a timer ("map '%s' has no valid bpf_timer"), exactly at it ("off %lld
  doesn't point to 'struct bpf_timer' that is at %d");
* the map argument of bpf_timer_init must be the timer's own map ("timer pointer in R1 map_uid=%d
  doesn't match map pointer in R2 map_uid=%d": pybpf has no inner-map uids, both print 0);
* check_map_access(): no load, store or helper access may touch the timer ("bpf_timer cannot be
  accessed directly by load/store", with the spin lock in ``value_fields``).

The map creation rules for timers (which map types may hold one, one per value) are BPF_MAP_CREATE's
and not modelled by pybpf's maps.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from pybpf.btf.types import BTF, Datasec, Struct, Var
from pybpf.verifier import tnum
from pybpf.verifier.record_error import MAX_RESOLVE_DEPTH, search_fails
from pybpf.verifier.regstate import RegState, map_name

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

TIMER_SIZE = 16
TIMER_ALIGN = 8
WQ_SIZE = 16
TASK_WORK_SIZE = 8
FIELD_SIZES = {"bpf_timer": TIMER_SIZE, "bpf_wq": WQ_SIZE, "bpf_task_work": TASK_WORK_SIZE}
"""The 8-aligned async fields btf_find_field() finds by struct name, and their sizes."""
_OTHER_FIELDS = {"bpf_res_spin_lock": (4, 4)}
"""Other fields found the same way: (size, alignment) -- the resilient spin lock's 4-byte word."""
_NOT_FOUND = -1

_CACHE_LIMIT = 64
_found: dict[tuple[int, int, str], tuple[BTF, int]] = {}
"""(id(btf), value type id, field struct) -> (the BTF, kept alive so that its id is not reused; the
field's offset or _NOT_FOUND)."""


def timer_off(map_ref: Any) -> int | None:
    """``map->record->timer_off``: the offset of the value's ``struct bpf_timer``, or None."""
    return field_off(map_ref, "bpf_timer")


def field_off(map_ref: Any, field: str) -> int | None:
    """``map->record->timer_off`` / ``wq_off`` / ``task_work_off``: the offset of the value's first
    ``struct <field>`` (``FIELD_SIZES``), or None."""
    value_btf = getattr(map_ref, "value_btf", None)
    if value_btf is None:
        return None
    btf, type_id = value_btf
    key = (id(btf), type_id, field)
    cached = _found.get(key)
    if cached is None:
        found = _find(btf, type_id, field)
        if len(_found) >= _CACHE_LIMIT:
            _found.clear()
        cached = _found[key] = (btf, _NOT_FOUND if found is None else found)
    off = cached[1]
    return None if off == _NOT_FOUND else off


def async_fields(map_ref: Any) -> tuple[tuple[int, int, str], ...]:
    """(offset, size, struct name) of each async field the value holds (none without BTF)."""
    if getattr(map_ref, "value_btf", None) is None:
        return ()
    found = ((field_off(map_ref, name), size, name) for name, size in FIELD_SIZES.items())
    return tuple((off, size, name) for off, size, name in found if off is not None)


def _find(btf: BTF, type_id: int, field: str) -> int | None:
    """btf_find_field() of the field ``field`` on the value type (none where the search fails:
    ``pybpf.verifier.record_error``)."""
    if search_fails(btf, type_id):
        return None
    t = btf[type_id]
    if isinstance(t, Struct):
        return _in_struct(btf, t, 0, 0, field)
    if isinstance(t, Datasec):
        for info in t.vars:
            var = btf[info.type_id]
            if isinstance(var, Var):
                found = _field_one(btf, var.type_id, info.offset, info.size, 0, field=field)
                if found is not None:
                    return found
    return None


def _in_struct(btf: BTF, t: Struct, base: int, level: int, field: str) -> int | None:
    for member in t.members:
        if member.bit_offset % 8:
            return None  # the search fails (search_fails() answered first)
        found = _field_one(btf, member.type_id, base + member.bit_offset // 8, 0, level, field=field)
        if found is not None:
            return found
    return None


def _field_one(btf: BTF, type_id: int, off: int, expected: int, level: int, *, field: str) -> int | None:
    """btf_find_field_one(): arrays flattened, a ``struct <field>`` or a nested struct."""
    elem_id, nelems = btf.array_elements(type_id)
    t = btf[elem_id]
    if nelems == 0 or not isinstance(t, Struct):
        return None
    if t.name == field:
        size, align = _OTHER_FIELDS.get(field, (FIELD_SIZES.get(field, 0), TIMER_ALIGN))
        if (expected and expected != size * nelems) or off % align or t.size != size:
            return None
        return off
    if (expected and expected != t.size * nelems) or level >= MAX_RESOLVE_DEPTH:
        return None
    return _in_struct(btf, t, off, level + 1, field)


def process_timer_func(w: Walker, regno: int, reg: RegState, *, has_btf: bool) -> None:
    """process_timer_func(): the timer argument points at the value's ``struct bpf_timer`` (``has_btf``:
    the map was created with BTF)."""
    check_map_field_pointer(w, regno, reg, "bpf_timer", has_btf=has_btf)


def check_map_field_pointer(w: Walker, regno: int, reg: RegState, field: str, *, has_btf: bool) -> None:
    """check_map_field_pointer(): ``reg`` (a map value pointer) points at the value's ``struct
    <field>`` (bpf_timer, bpf_wq, bpf_task_work), at a constant offset of a map with BTF."""
    if not tnum.is_const(reg.var_off):
        w.fail(
            errno.EINVAL, f"R{regno} doesn't have constant offset. {field} has to be at the constant offset"
        )
    map_ref = reg.map
    name = map_name(map_ref)
    if not has_btf:
        w.fail(errno.EINVAL, f"map '{name}' has to have BTF in order to use {field}")
    at = field_off(map_ref, field)
    if at is None:
        w.fail(errno.EINVAL, f"map '{name}' has no valid {field}")
    off = reg.var_off.value + reg.off
    if off != at:
        w.fail(errno.EINVAL, f"off {off} doesn't point to 'struct {field}' that is at {at}")


def check_timer_map(w: Walker, timer_map: Any, map_ref: Any) -> None:
    """check_func_arg(ARG_CONST_MAP_PTR) after a timer argument: the same map."""
    if timer_map is not None and not same_map(timer_map, map_ref):
        w.fail(errno.EINVAL, "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0")


def same_map(a: Any, b: Any) -> bool:
    """Whether two map references name the same map (``map_ptr`` equal)."""
    return a is b or _address(a) == _address(b)


def _address(map_ref: Any) -> int:
    return int(getattr(map_ref, "address", 0) or 0)


def overlaps(reg: RegState, off: int, size: int) -> bool:
    """Whether an access of ``size`` bytes at ``off`` from the value pointer may touch the timer."""
    at = timer_off(reg.map)
    return at is not None and reg.smin + off < at + TIMER_SIZE and at < reg.umax + off + size
