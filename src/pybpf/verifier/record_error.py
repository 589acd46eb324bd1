"""Map value types whose special-field search fails: the kernel keeps the failure as the map's record.

Mirrors Linux 6.18 kernel/bpf/btf.c btf_find_field() / btf_find_struct_field() /
btf_find_field_one() / btf_find_nested_struct() and kernel/bpf/syscall.c map_check_btf().  The search
for special fields walks the value struct (or a DATASEC value's variables whose size matches their
type), and every struct it meets in a member or an array of them, but not the special structs
themselves; it fails on a struct member that does not start on a byte boundary (a bitfield after the
first in its byte: "valid C code cannot generate such BTF", EINVAL) and on structs nested
MAX_RESOLVE_DEPTH deep (E2BIG), before or after it found anything.  BPF_MAP_CREATE keeps the error as
``map->record`` and creates the map: its values then have no special field of any kind -- no spin
lock, timer, workqueue, kptr, list or tree root -- so a global struct with bitfields, or a value
struct with one, is an ordinary map.  (At BPF_BTF_LOAD, btf_parse_struct_metas() refuses a struct
holding a lock or a graph field directly when the same search fails on it: pybpf.kernel.btf_env.)
"""

from __future__ import annotations

from typing import Final

from pybpf.btf.types import BTF, Datasec, Struct, Var

MAX_RESOLVE_DEPTH: Final = 32
"""The nesting the kernel's BTF walks allow (MAX_RESOLVE_DEPTH)."""

SPECIAL_STRUCTS: Final = frozenset(
    {"bpf_spin_lock", "bpf_res_spin_lock", "bpf_timer", "bpf_wq", "bpf_list_head", "bpf_list_node",
     "bpf_rb_root", "bpf_rb_node", "bpf_refcount", "bpf_task_work"}
)  # fmt: skip
"""Structs that are special fields of their own (btf_get_field_type()): the search does not walk
into them."""


def search_fails(btf: BTF, type_id: int) -> bool:
    """btf_find_field() on the value type ``type_id`` of ``btf`` ends in an error: the map's record
    is that error, and its values hold no special fields."""
    t = btf[type_id]
    if isinstance(t, Struct):
        return _struct_fails(btf, t, 0)
    if isinstance(t, Datasec):
        for info in t.vars:
            var = btf[info.type_id]
            if isinstance(var, Var) and _field_fails(btf, var.type_id, info.size, 0):
                return True
    return False


def _struct_fails(btf: BTF, t: Struct, level: int) -> bool:
    for member in t.members:
        if member.bit_offset % 8:
            return True
        if _field_fails(btf, member.type_id, 0, level):
            return True
    return False


def _field_fails(btf: BTF, type_id: int, expected: int, level: int) -> bool:
    """btf_find_field_one(): arrays flattened; a struct that is no special field is walked into
    (when its size is the variable's ``expected`` one)."""
    elem_id, nelems = btf.array_elements(type_id)
    t = btf[elem_id]
    if not nelems or not isinstance(t, Struct) or t.name in SPECIAL_STRUCTS:
        return False
    if expected and expected != t.size * nelems:
        return False
    if level + 1 >= MAX_RESOLVE_DEPTH:
        return True
    return _struct_fails(btf, t, level + 1)
