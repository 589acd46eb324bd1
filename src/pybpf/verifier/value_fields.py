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


def check_map_fields(w: Walker, reg: RegState, off: int, size: int, *, direct: bool = True) -> None:
    """check_map_access(): no load, store or helper access may touch the value's spin lock, timer,
    workqueue or task work, and a kptr only as ``kptrs.check_field_access`` allows (the fields in
    offset order, the first one touched decides; ``direct``: a load or store, not a helper's
    access)."""
    lock_off = references.spin_lock_off(reg.map)
    res_lock_off = references.res_spin_lock_off(reg.map)
    async_fields = timer.async_fields(reg.map)
    kptr_fields = kptrs.kptr_fields(reg.map)
    graph_roots = graph.map_graph_roots(reg.map)
    if lock_off is None and res_lock_off is None and not async_fields and not kptr_fields and not graph_roots:
        return
    fields: list[tuple[int, int, str, kptrs.KptrField | None]] = [
        (at, at_size, name, None) for at, at_size, name in async_fields
    ]
    if lock_off is not None:
        fields.append((lock_off, SPIN_LOCK_SIZE, "bpf_spin_lock", None))
    if res_lock_off is not None:
        fields.append((res_lock_off, SPIN_LOCK_SIZE, RES_SPIN_LOCK, None))
    fields += [(field.off, kptrs.KPTR_SIZE, field.name, field) for field in kptr_fields]
    fields += [(root.off, graph.ROOT_SIZE, root.kind, None) for root in graph_roots]
    for at, at_size, name, kptr in sorted(fields, key=_field_offset):
        if reg.smin + off < at + at_size and at < reg.umax + off + size:
            if kptr is None:
                w.fail(errno.EACCES, f"{name} cannot be accessed directly by load/store")
            kptrs.check_field_access(w, reg, off, size, kptr, direct=direct)


def _field_offset(field: tuple[int, int, str, object]) -> int:
    return field[0]
