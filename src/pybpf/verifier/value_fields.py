"""check_map_access()'s special-field rule: loads, stores and helper accesses keep off a map value's
special fields.

Mirrors the btf_record loop of check_map_access() in kernel/bpf/verifier.c (Linux 6.18): an access
that may touch (over the register's whole range of offsets) the value's ``struct bpf_spin_lock`` or
``bpf_res_spin_lock``, ``bpf_timer``, ``bpf_wq``, ``bpf_task_work`` or a list head / rbtree root is
"%s cannot be accessed directly by load/store"; a kptr field is ``kptrs.check_field_access``'s to
judge.  The fields are taken in offset order and the first one touched decides.  Where the fields are
found: ``references`` (the locks), ``timer`` (the asynchronous ones), ``kptrs`` and ``graph``.
"""

from __future__ import annotations

import ctypes
import errno
from typing import TYPE_CHECKING

from pybpf.kfuncs.res_spin_lock import RES_SPIN_LOCK
from pybpf.uapi import bpf_spin_lock
from pybpf.verifier import graph, kptrs, references, timer
from pybpf.verifier.regstate import RegState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

SPIN_LOCK_SIZE = ctypes.sizeof(bpf_spin_lock)
"""sizeof(struct bpf_spin_lock), also the size of ``struct bpf_res_spin_lock``'s guarded word."""


_Field = tuple[int, int, str, kptrs.KptrField | None]
"""A special field of a map value: offset, size, name (the struct's, or the kptr's) and its kptr."""

_CACHE_LIMIT = 64
_records: dict[tuple[int, int, int], tuple[object, tuple[_Field, ...]]] = {}
"""(id(btf), value type id, spin lock offset or -1) -> (the BTF, kept alive so that its id is not
reused; the value's special fields in offset order): ``map_fields()``."""


def map_fields(map_ref: object) -> tuple[_Field, ...]:
    """``map->record``'s special fields in offset order (the order check_map_access() takes them
    in): the spin lock (the map object knows it) and what the value's BTF type holds -- a pure
    function of the two, found once per value type (every map value access asks, and timer, kptrs,
    graph and the resilient lock each walk their own table)."""
    lock_off = references.spin_lock_off(map_ref)
    value_btf = getattr(map_ref, "value_btf", None)
    if value_btf is None:  # no BTF: no field but the lock (the others come from the BTF)
        return () if lock_off is None else ((lock_off, SPIN_LOCK_SIZE, "bpf_spin_lock", None),)
    btf, type_id = value_btf
    key = (id(btf), type_id, -1 if lock_off is None else lock_off)
    cached = _records.get(key)
    if cached is None:
        fields: list[_Field] = [(at, n, name, None) for at, n, name in timer.async_fields(map_ref)]
        if lock_off is not None:
            fields.append((lock_off, SPIN_LOCK_SIZE, "bpf_spin_lock", None))
        res_lock_off = references.res_spin_lock_off(map_ref)
        if res_lock_off is not None:
            fields.append((res_lock_off, SPIN_LOCK_SIZE, RES_SPIN_LOCK, None))
        fields += [(field.off, kptrs.KPTR_SIZE, field.name, field) for field in kptrs.kptr_fields(map_ref)]
        fields += [(root.off, graph.ROOT_SIZE, root.kind, None) for root in graph.map_graph_roots(map_ref)]
        if len(_records) >= _CACHE_LIMIT:
            _records.clear()
        cached = _records[key] = (btf, tuple(sorted(fields, key=_field_offset)))
    return cached[1]


def check_map_fields(w: Walker, reg: RegState, off: int, size: int, *, direct: bool = True) -> None:
    """check_map_access(): no load, store or helper access may touch the value's spin lock, timer,
    workqueue or task work, and a kptr only as ``kptrs.check_field_access`` allows (the fields in
    offset order, the first one touched decides; ``direct``: a load or store, not a helper's
    access)."""
    check_fields(w, reg, off, size, map_fields(reg.map), direct=direct)


def check_fields(
    w: Walker, reg: RegState, off: int, size: int, fields: tuple[_Field, ...], *, direct: bool = True
) -> None:
    """check_map_fields() of the value's ``fields`` (``map_fields()``: a caller that already has
    them, and skips the call when there are none)."""
    for at, at_size, name, kptr in fields:
        if reg.smin + off < at + at_size and at < reg.umax + off + size:
            if kptr is None:
                w.fail(errno.EACCES, f"{name} cannot be accessed directly by load/store")
            kptrs.check_field_access(w, reg, off, size, kptr, direct=direct)


def _field_offset(field: _Field) -> int:
    return field[0]
