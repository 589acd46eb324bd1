"""Reference tracking and spin locks: what a path has acquired and must give back.

Mirrors kernel/bpf/verifier.c as of Linux 6.18, where references live in the verifier state
(``struct bpf_verifier_state.refs``, shared by the frames of a path):

* acquire_reference(): a helper returning a referenced pointer (ring-buffer records of
  bpf_ringbuf_reserve, sockets of bpf_sk_lookup_tcp/udp and bpf_skc_lookup_tcp, and of
  bpf_map_lookup_elem on a sockmap or sockhash — the kernel's is_acquire_function()) records a new
  id with the acquiring instruction; the returned register carries it as ``id`` (for the NULL
  check) and ``ref_obj_id``;
* release_reference(): a release argument (OBJ_RELEASE: bpf_ringbuf_submit/discard,
  bpf_sk_release) drops the reference and every register or spilled register holding it becomes an
  unknown scalar (mark_reg_invalid(); NOT_INIT for a loader without allow_ptr_leaks);
  release_reference_nomark() is the NULL branch of a null check of the acquired pointer (nothing to
  release there);
* check_reference_leak() / check_resource_leak(): at the main program's exit, before a tail call and
  at LD_ABS/LD_IND every acquired pointer is reported ("Unreleased reference id=%d alloc_insn=%d")
  and the program refused ("%s would lead to reference leak"); a held spin lock there is "%s cannot
  be used inside bpf_spin_lock-ed region" (in a subprogram's exit neither is checked: the caller
  goes on with the references);
* process_spin_lock(): bpf_spin_lock / bpf_spin_unlock take a map value pointer at the constant
  offset of the value's ``struct bpf_spin_lock`` (from the map's BTF, ``spin_lock_off`` of the map
  reference); one lock at a time, released only by an unlock of the same lock.  As in the kernel
  (acquire_lock_state()), the held lock is an entry of the path's references: REF_TYPE_LOCK, with
  the value pointer's id and the map (``active_locks``, ``active_lock_id`` and ``active_lock_ptr``
  are what ``active_lock()`` finds there).  It prints with the pointer references (``refs=2``: the
  ids of the references, in order) and states_equal() compares it as refsafe() does
  (``prune.refsafe``): the same kinds in the same order, a lock of the same map, ids through the
  same one-to-one map as the registers' (so a path that took the lock through another lookup's
  pointer is pruned against one that took it through the first's).

RCU read-side and non-preemptible regions are opened and closed by kfuncs (``pybpf.verifier.kfuncs``)
and checked here at the same places; so are IRQ-disabled regions (``pybpf.verifier.irq``): each
saved IRQ flag is a REF_TYPE_IRQ reference (never a leak: check_reference_leak() counts pointer
references only), the innermost one ``active_irq_id``, and an exit or tail call while one is held
is "%s cannot be used inside bpf_local_irq_save-ed region".

The special fields of a map value (spin lock, timers, kptrs, list heads) are guarded against loads
and stores by ``value_fields``; an unlock invalidates the non-owning references to allocated objects
(``graph``'s).  The resilient spin
locks (``pybpf.verifier.res_lock``) are references too (REF_TYPE_RES_LOCK, REF_TYPE_RES_LOCK_IRQ): any
held lock forbids calls, exits and tail calls alike, and every unlock must name the lock taken last
(``release_lock``).  Not modelled: dynptr references, locks in allocated objects (the kernel's
``local`` locks).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any, Final

from pybpf.isa.helper_names import HELPER_IDS
from pybpf.kfuncs.res_spin_lock import RES_SPIN_LOCK
from pybpf.uapi import BPF_MAP_TYPE_SOCKHASH, BPF_MAP_TYPE_SOCKMAP
from pybpf.verifier import timer, tnum
from pybpf.verifier.regstate import RegState, map_attr, map_name
from pybpf.verifier.regtypes import RegType, TypeFlag
from pybpf.verifier.state import PathState, Reference, in_sleepable

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

REF_TYPE_PTR: Final = 1
REF_TYPE_LOCK: Final = 2
REF_TYPE_IRQ: Final = 3
REF_TYPE_RES_LOCK: Final = 4
REF_TYPE_RES_LOCK_IRQ: Final = 5
LOCK_KINDS: Final = frozenset({REF_TYPE_LOCK, REF_TYPE_RES_LOCK, REF_TYPE_RES_LOCK_IRQ})
"""REF_TYPE_LOCK_MASK: a bpf_spin_lock, a bpf_res_spin_lock and one taken with irqsave."""
SOCKET_MAP_TYPES: Final = frozenset({BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH})
"""The maps whose values are sockets: a lookup gives a referenced socket or NULL (released with
bpf_sk_release), and the value a helper writes into them is a socket (resolve_map_arg_type())."""
_MAP_LOOKUP: Final = HELPER_IDS["bpf_map_lookup_elem"]


def is_socket_map(map_ref: Any) -> bool:
    """Whether ``map_ref`` is a sockmap or a sockhash."""
    return map_attr(map_ref, "map_type", None) in SOCKET_MAP_TYPES


def acquires_socket(helper_id: int, map_ref: Any) -> bool:
    """is_acquire_function()'s map case: bpf_map_lookup_elem on a sockmap or sockhash."""
    return helper_id == _MAP_LOOKUP and is_socket_map(map_ref)


def acquire_reference(w: Walker) -> int:
    """acquire_reference(): a new reference acquired at the current instruction; its id."""
    ident = w.new_id()
    w.state.refs.append(Reference(REF_TYPE_PTR, ident, w.insn_idx))
    return ident


def release_reference_nomark(state: PathState, ref_obj_id: int) -> bool:
    """release_reference_nomark(): forget the pointer reference ``ref_obj_id``; False if not held."""
    for i, ref in enumerate(state.refs):
        if ref.kind == REF_TYPE_PTR and ref.id == ref_obj_id:
            del state.refs[i]
            return True
    return False


def release_reference(state: PathState, ref_obj_id: int, allow_ptr_leaks: bool = True) -> bool:
    """release_reference(): drop the reference and invalidate every register holding it
    (mark_reg_invalid(): an unknown scalar, or without allow_ptr_leaks not readable at all)."""
    if not release_reference_nomark(state, ref_obj_id):
        return False
    for reg in state.all_regs():
        if reg.ref_obj_id == ref_obj_id:
            mark_reg_invalid(reg, allow_ptr_leaks)
    return True


def mark_reg_invalid(reg: RegState, allow_ptr_leaks: bool) -> None:
    """mark_reg_invalid(): a pointer that stopped being valid becomes an unknown scalar for a loader
    with allow_ptr_leaks, else a register never written (NOT_INIT)."""
    if allow_ptr_leaks:
        reg.mark_unknown()
    else:
        reg.mark_not_init()


def active_lock(state: PathState) -> Reference | None:
    """The lock the path took last of those it holds, of any kind (``active_locks`` non-zero;
    ``active_lock_id`` and ``active_lock_ptr``: the lock an unlock must name)."""
    for ref in reversed(state.refs):
        if ref.kind in LOCK_KINDS:
            return ref
    return None


def find_lock_state(state: PathState, kinds: frozenset[int], ident: int, ptr: int) -> Reference | None:
    """find_lock_state(): a held lock of one of ``kinds`` with the id and map given."""
    for ref in state.refs:
        if ref.kind in kinds and ref.id == ident and ref.ptr == ptr:
            return ref
    return None


def release_lock(w: Walker, kind: int, reg: RegState, lock_str: str) -> None:
    """process_spin_lock()'s unlock: the lock of ``kind`` named by ``reg`` (its id, its map) must
    be held ("%s_unlock of different lock") and be the one taken last ("%s_unlock cannot be out of
    order"); released, the non-owning references go."""
    state = w.state
    held = active_lock(state)
    if held is None:
        w.fail(errno.EINVAL, f"{lock_str}_unlock without taking a lock")
    ptr = lock_address(reg.map)
    found = find_lock_state(state, frozenset({kind}), reg.id, ptr)
    if found is None:
        w.fail(errno.EINVAL, f"{lock_str}_unlock of different lock")
    if held.id != reg.id or held.ptr != ptr:
        w.fail(errno.EINVAL, f"{lock_str}_unlock cannot be out of order")
    state.refs.remove(found)
    invalidate_non_owning_refs(w)


def invalidate_non_owning_refs(w: Walker) -> None:
    """invalidate_non_owning_refs() at an unlock: the non-owning references to allocated objects
    (``graph``) become unknown scalars."""
    for reg in w.state.all_regs():
        if reg.flags & TypeFlag.NON_OWN_REF and reg.flags & TypeFlag.MEM_ALLOC:
            mark_reg_invalid(reg, w.env.allow_ptr_leaks)


def in_rcu_cs(w: Walker) -> bool:
    """in_rcu_cs(): inside bpf_rcu_read_lock(), holding a spin lock, or in a program (or callback)
    that cannot sleep."""
    state = w.state
    return state.active_rcu_lock or active_lock(state) is not None or not in_sleepable(w.env, state)


def check_reference_leak(w: Walker, exception_exit: bool = False) -> bool:
    """check_reference_leak(): log every pointer reference still held (none checked inside a
    subprogram, except at a bpf_throw: every frame unwinds); True when there is one."""
    state = w.state
    if state.curframe and not exception_exit:
        return False
    leaks = [ref for ref in state.refs if ref.kind == REF_TYPE_PTR]
    for ref in leaks:
        w.env.log.line(f"Unreleased reference id={ref.id} alloc_insn={ref.insn_idx}")
    return bool(leaks)


def check_resource_leak(w: Walker, check_lock: bool, prefix: str, *, exception_exit: bool = False) -> None:
    """check_resource_leak(): no lock held (when ``check_lock``), no pointer reference held, no
    IRQ-disabled, RCU read-side or non-preemptible region open (when ``check_lock``;
    ``pybpf.verifier.irq``, ``pybpf.verifier.kfuncs``)."""
    state = w.state
    if check_lock and active_lock(state) is not None:
        w.fail(errno.EINVAL, f"{prefix} cannot be used inside bpf_spin_lock-ed region")
    if check_reference_leak(w, exception_exit):
        w.fail(errno.EINVAL, f"{prefix} would lead to reference leak")
    if check_lock and state.active_irq_id:
        w.fail(errno.EINVAL, f"{prefix} cannot be used inside bpf_local_irq_save-ed region")
    if check_lock and state.active_rcu_lock:
        w.fail(errno.EINVAL, f"{prefix} cannot be used inside bpf_rcu_read_lock-ed region")
    if check_lock and state.active_preempt_locks:
        w.fail(errno.EINVAL, f"{prefix} cannot be used inside bpf_preempt_disable-ed region")


def spin_lock_off(map_ref: Any) -> int | None:
    """The offset of the ``struct bpf_spin_lock`` in the map's values (from its BTF), or None."""
    off = getattr(map_ref, "spin_lock_off", None)
    if off is None:  # pybpf's MapUse: the map object knows it from the map's BTF
        off = getattr(getattr(map_ref, "obj", None), "spin_lock_off", None)
    return None if off is None else int(off)


def res_spin_lock_off(map_ref: Any) -> int | None:
    """``rec->res_spin_lock_off``: the offset of the ``struct bpf_res_spin_lock`` in the map's
    values (from its BTF), or None.  Remembered by the map's ``value_btf`` (every null check of a
    map value asks, through holds_lock())."""
    value_btf = getattr(map_ref, "value_btf", None)
    if value_btf is None:  # (no BTF: no field)
        return None
    cached = _RES_LOCKS.get(id(value_btf))
    if cached is not None and cached[0] is value_btf:
        return cached[1]
    off = timer.field_off(map_ref, RES_SPIN_LOCK)
    if len(_RES_LOCKS) >= _CACHE_LIMIT:
        _RES_LOCKS.clear()
    _RES_LOCKS[id(value_btf)] = (value_btf, off)
    return off


_CACHE_LIMIT: Final = 64
_RES_LOCKS: Final[dict[int, tuple[object, int | None]]] = {}
"""id(a map's ``value_btf``) -> (that ``value_btf``, kept alive so that its id is not reused while
cached; the resilient lock's offset or None)."""


def holds_lock(map_ref: Any) -> bool:
    """btf_record_has_field(rec, BPF_SPIN_LOCK | BPF_RES_SPIN_LOCK): the map's values hold a spin
    lock or a resilient one."""
    return spin_lock_off(map_ref) is not None or res_spin_lock_off(map_ref) is not None


def may_point_to_spin_lock(reg: RegState) -> bool:
    """reg_may_point_to_spin_lock(): a map value of a map whose values hold a lock (its id then
    survives the null check: it names the lock)."""
    return reg.type is RegType.PTR_TO_MAP_VALUE and holds_lock(reg.map)


def has_btf(map_ref: Any) -> bool:
    if getattr(map_ref, "value_btf", None) is not None:
        return True
    btf_id = map_attr(map_ref, "btf_id", None)
    if btf_id is None:
        btf_id = getattr(getattr(map_ref, "obj", None), "btf_id", 0)
    return bool(btf_id) or spin_lock_off(map_ref) is not None


def lock_address(map_ref: Any) -> int:
    """A lock reference's ``ptr``: the map (its address)."""
    return int(map_attr(map_ref, "address", 0))


def process_spin_lock(w: Walker, regno: int, is_lock: bool) -> None:
    """process_spin_lock(): bpf_spin_lock (``is_lock``) or bpf_spin_unlock of the lock ``regno``
    points to."""
    reg = w.state.cur.regs[regno]
    if not tnum.is_const(reg.var_off):
        w.fail(
            errno.EINVAL,
            f"R{regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset",
        )
    map_ref = reg.map
    name = map_name(map_ref)
    if not has_btf(map_ref):
        w.fail(errno.EINVAL, f"map '{name}' has to have BTF in order to use bpf_spin_lock")
    lock_off = spin_lock_off(map_ref)
    if lock_off is None:
        w.fail(errno.EINVAL, f"map '{name}' has no valid bpf_spin_lock")
    off = reg.var_off.value + reg.off
    if off != lock_off:
        w.fail(errno.EINVAL, f"off {off} doesn't point to 'struct bpf_spin_lock' that is at {lock_off}")
    state = w.state
    if is_lock:
        if any(ref.kind == REF_TYPE_LOCK for ref in state.refs):
            w.fail(errno.EINVAL, "Locking two bpf_spin_locks are not allowed")
        state.refs.append(Reference(REF_TYPE_LOCK, reg.id, w.insn_idx, lock_address(map_ref)))
        return
    release_lock(w, REF_TYPE_LOCK, reg, "bpf_spin")
