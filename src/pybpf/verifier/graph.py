"""Graph fields in the verifier: bpf_list_head / bpf_list_node, bpf_rb_root / bpf_rb_node, bpf_refcount
and the list, tree and refcount kfuncs.

Mirrors Linux 6.18:

* kernel/bpf/btf.c btf_parse_fields() / btf_parse_graph_root() for BPF_LIST_HEAD: a member of the
  map's value struct (or a variable of a DATASEC value) of type ``struct bpf_list_head`` carrying the
  decl tag ``contains:<struct>:<field>`` (libbpf's ``__contains(struct, field)``); ``<struct>`` is a
  struct of the same BTF (its first one of that name) and ``<field>`` its ``struct bpf_list_node``
  member, whose offset is the root's ``node_offset``.  A head whose tag is missing or names nothing
  such is not a field here (the kernel refuses the record: the map has no list head either);
  BPF_LIST_NODE: a program's struct's members of type ``struct bpf_list_node``; BPF_RB_ROOT and
  BPF_RB_NODE the same for ``struct bpf_rb_root`` / ``struct bpf_rb_node``; BPF_REFCOUNT: the
  struct's ``struct bpf_refcount`` member (``rec->refcount_off``);
* check_kfunc_args() for KF_ARG_PTR_TO_LIST_HEAD: a map value or a referenced allocated object
  ("arg#%d expected pointer to map value or allocated object", "allocated object must be
  referenced"), then __process_kf_arg_ptr_to_graph_root(): a constant offset ("R%d doesn't have
  constant offset. bpf_list_head has to be at the constant offset"), a head there ("bpf_list_head
  not found at offset=%u"), and check_reg_allocation_locked(): the path holds the spin lock of the
  same allocation ("held lock and object are not in the same allocation", then "bpf_spin_lock at
  off=%d must be held for bpf_list_head");
* KF_ARG_PTR_TO_LIST_NODE: a referenced allocated object ("arg#%d expected pointer to allocated
  object", "allocated object must be referenced"), __process_kf_arg_ptr_to_graph_node(): a constant
  offset, a node there ("bpf_list_node not found at offset=%u"), of the head's struct ("operation
  on bpf_list_head expects arg#1 bpf_list_node at offset=%d in struct %s, but arg is at offset=%d in
  struct %s") and at its node offset ("arg#1 offset=%d, but expected bpf_list_node at offset=%d in
  struct %s");
* check_kfunc_call(): bpf_list_push_front_impl / bpf_list_push_back_impl turn the node's owning
  reference into non-owning ones (ref_convert_owning_non_owning(): every register holding it loses
  its ``ref_obj_id`` and gains NON_OWN_REF) and release it; bpf_list_pop_front / bpf_list_pop_back
  return the node (mark_reg_graph_node(): PTR_TO_BTF_ID | MEM_ALLOC of the head's struct at the node
  offset) acquired and maybe NULL, bpf_list_front / bpf_list_back the same but non-owning
  (ref_set_non_owning()); the graph kfuncs may be called holding the lock (kfunc_spin_allowed());
* KF_ARG_PTR_TO_RB_ROOT and KF_ARG_PTR_TO_RB_NODE the same for a tree, the "bpf_rb_root" /
  "bpf_rb_node" in the messages; but where bpf_rbtree_add_impl's node is owned (as a push's), the
  node of bpf_rbtree_remove, bpf_rbtree_left and bpf_rbtree_right is a non-owning or a referenced
  one ("%s can only
  take non-owning or refcounted bpf_rb_node pointer"), and not within the less() callback of an
  add ("%s not allowed in rbtree cb", in_rbtree_lock_required_cb());
* KF_ARG_PTR_TO_CALLBACK (bpf_rbtree_add_impl's ``less``): a PTR_TO_FUNC ("arg%d expected pointer to
  func"); check_kfunc_call() then verifies it as a synchronous callback
  (set_rbtree_add_callback_state(): r1 and r2 non-owning nodes of the root's struct, r3-r5 not
  initialised, the return value in [0, 1]; ``callbacks``), the call a forced checkpoint;
* KF_ARG_PTR_TO_REFCOUNTED_KPTR (bpf_refcount_acquire_impl): an allocated object, owning or not ("arg#%d
  is neither owning or non-owning ref"), whose struct has special fields (else "verifier bug:
  Couldn't find btf_record", EFAULT) among them a bpf_refcount ("arg#%d doesn't point to a type with
  bpf_refcount field"); the result is a new owning reference to that struct, NULL-able only when the
  argument was not owning (is_kfunc_ret_null());
* ref_set_non_owning(): a non-owning reference to a refcounted struct is MEM_RCU too;
* process_spin_lock(): bpf_spin_unlock invalidates every non-owning reference
  (invalidate_non_owning_refs(): they become unknown scalars);
* check_map_access(): a load or store touching a head is "bpf_list_head cannot be accessed directly
  by load/store" (``value_fields``);
* fixup_kfunc_call() of a push or an add (__fixup_collection_insert_kfunc()): ``r3 = meta ll; r4 =
  <node offset>`` before the call (r4 / r5 for bpf_rbtree_add_impl), of bpf_refcount_acquire_impl
  ``r2 = meta ll``; pybpf's struct meta says where the struct's bpf_refcount is
  (``pybpf.kfuncs.alloc_obj.struct_meta``).

Not modelled: list heads inside allocated objects pass no lock check (pybpf's bpf_spin_lock takes
only a map value's lock), nested structs holding heads, heads of a map with another BTF than the
program's (structs are matched by BTF id), btf_parse_fields()'s refusals of a record (a root
without a lock beside it, graph cycles between structs).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, Datasec, DeclTag, Struct, Var
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_PSEUDO_KFUNC_CALL
from pybpf.isa.program import CALL_OPCODE
from pybpf.kfuncs import alloc_obj as alloc_runtime
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.kfuncs.proto import KFunc
from pybpf.kfuncs.table import LIST_PUSH, RBTREE_ADD, RBTREE_KFUNCS, REFCOUNT_ACQUIRE
from pybpf.uapi import BPF_ALU64, BPF_K, BPF_MOV
from pybpf.verifier import kptrs, references, tnum
from pybpf.verifier.kptrs import LocalType
from pybpf.verifier.record_error import search_fails
from pybpf.verifier.regstate import RegState, map_attr
from pybpf.verifier.regtypes import RegType, TypeFlag

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker
    from pybpf.verifier.request import InsnFacts
    from pybpf.verifier.state import FuncFrame

LIST_HEAD, LIST_NODE, SPIN_LOCK = "bpf_list_head", "bpf_list_node", "bpf_spin_lock"
RB_ROOT, RB_NODE, REFCOUNT = "bpf_rb_root", "bpf_rb_node", "bpf_refcount"
NODE_OF = {LIST_HEAD: LIST_NODE, RB_ROOT: RB_NODE}
"""The node type of each graph root type."""
ROOT_SIZE = 16
"""sizeof(struct bpf_list_head) and sizeof(struct bpf_rb_root)."""
_CONTAINS = "contains:"
_ALLOC = TypeFlag.MEM_ALLOC


@dataclass(frozen=True)
class GraphRoot:
    """One bpf_list_head or bpf_rb_root field (``kind``): its offset, the struct its nodes are in and
    their offset there."""

    off: int
    value: LocalType
    node_off: int
    kind: str = LIST_HEAD

    @property
    def node(self) -> str:
        return NODE_OF[self.kind]


# --- the fields (btf_parse_fields) -------------------------------------------------------------


def find_graph_roots(btf: BTF, type_id: int) -> tuple[GraphRoot, ...]:
    """The list heads and tree roots of the value type ``type_id`` of ``btf``, in offset order (none
    where the kernel's search for special fields fails: ``pybpf.verifier.record_error``)."""
    if search_fails(btf, type_id):
        return ()
    t = btf[type_id]
    candidates: list[tuple[int, int, int, str]] = []  # (offset, tagged type id, component index, kind)
    if isinstance(t, Struct):
        for index, member in enumerate(t.members):
            kind = _struct_name(btf, member.type_id)
            if kind in NODE_OF and not member.bit_offset % 8:
                candidates.append((member.bit_offset // 8, type_id, index, kind))
    elif isinstance(t, Datasec):
        for info in t.vars:
            var = btf[info.type_id]
            kind = _struct_name(btf, var.type_id) if isinstance(var, Var) else ""
            if kind in NODE_OF:
                candidates.append((info.offset, info.type_id, -1, kind))
    if not candidates:
        return ()
    tags = {(tag.type_id, tag.component_idx): tag.name for _, tag in btf if isinstance(tag, DeclTag)}
    roots = []
    for off, tagged, index, kind in candidates:
        root = _graph_root(btf, off, tags.get((tagged, index), ""), kind)
        if root is not None:
            roots.append(root)
    return tuple(roots)


def _struct_name(btf: BTF, type_id: int) -> str:
    t = btf[btf.resolve(type_id)]
    return t.name if isinstance(t, Struct) else ""


def _graph_root(btf: BTF, off: int, tag: str, kind: str) -> GraphRoot | None:
    """btf_parse_graph_root(): the root at ``off`` whose decl tag is ``tag``."""
    if not tag.startswith(_CONTAINS) or tag.count(":") != 2:
        return None
    struct_name, field_name = tag[len(_CONTAINS) :].split(":")
    for value_id in btf.ids_by_name(struct_name):
        value = btf[value_id]
        if isinstance(value, Struct):
            for member in value.members:
                if member.name == field_name and _struct_name(btf, member.type_id) == NODE_OF[kind]:
                    local = LocalType(value_id, value.name, Kind.STRUCT, value.size)
                    return GraphRoot(off, local, member.bit_offset // 8, kind)
            return None
    return None


def _member_offsets(btf: BTF, type_id: int, name: str) -> tuple[int, ...]:
    t = btf[type_id] if 0 < type_id < btf.end_id else None
    if not isinstance(t, Struct):
        return ()
    return tuple(m.bit_offset // 8 for m in t.members if _struct_name(btf, m.type_id) == name)


def node_offsets(btf: BTF, type_id: int, node: str = LIST_NODE) -> tuple[int, ...]:
    """The offsets of the ``node`` (bpf_list_node, bpf_rb_node) members of the struct ``type_id``."""
    return _member_offsets(btf, type_id, node)


def spin_lock_offset(btf: BTF, type_id: int) -> int:
    """``rec->spin_lock_off`` of the struct ``type_id`` (-EINVAL without one)."""
    found = _member_offsets(btf, type_id, SPIN_LOCK)
    return found[0] if found else -errno.EINVAL


def refcount_offset(btf: BTF, type_id: int) -> int:
    """``rec->refcount_off`` of the struct ``type_id`` (-EINVAL without one)."""
    found = _member_offsets(btf, type_id, REFCOUNT)
    return found[0] if found else -errno.EINVAL


def map_graph_roots(map_ref: Any) -> tuple[GraphRoot, ...]:
    """``map->record``'s list heads and tree roots (none for a map without BTF)."""
    return kptrs.value_record(map_ref, "graph_root", find_graph_roots)


def _program_btf(w: Walker) -> BTF:
    """The program's BTF (an allocated object's types; it has some: bpf_obj_new needed them)."""
    types = w.env.request.btf_types
    assert types is not None
    return types()


def struct_meta(w: Walker, local: Any) -> int:
    """The struct meta pybpf's fixups pass for objects of ``local`` (``alloc_obj.struct_meta``)."""
    if not isinstance(local, LocalType) or w.env.request.btf_types is None:
        return 0
    return alloc_runtime.struct_meta(refcount_offset(_program_btf(w), local.type_id))


def _is_refcounted(w: Walker, local: Any) -> bool:
    return struct_meta(w, local) != 0


# --- kfunc arguments (check_kfunc_args) --------------------------------------------------------


def check_root_arg(w: Walker, i: int, regno: int, kind: str) -> GraphRoot:
    """KF_ARG_PTR_TO_LIST_HEAD / KF_ARG_PTR_TO_RB_ROOT: the root the register points to, under its
    allocation's lock."""
    reg = w.state.cur.regs[regno]
    is_alloc = reg.type is RegType.PTR_TO_BTF_ID and reg.flags == _ALLOC
    if reg.type is not RegType.PTR_TO_MAP_VALUE and not is_alloc:
        w.fail(errno.EINVAL, f"arg#{i} expected pointer to map value or allocated object")
    if is_alloc and not reg.ref_obj_id:
        w.fail(errno.EINVAL, "allocated object must be referenced")
    root_off = _constant_offset(w, reg, regno, kind)
    if is_alloc:
        btf = _program_btf(w)
        roots = find_graph_roots(btf, reg.map.type_id)
        lock_off = spin_lock_offset(btf, reg.map.type_id)
    else:
        roots = map_graph_roots(reg.map)
        map_lock = references.spin_lock_off(reg.map)
        lock_off = -errno.EINVAL if map_lock is None else map_lock
    root = next((r for r in roots if r.off == root_off and r.kind == kind), None)
    if root is None:
        w.fail(errno.EINVAL, f"{kind} not found at offset={root_off}")
    held = references.active_lock(w.state)
    if held is not None and (
        is_alloc or held.id != reg.id or held.ptr != int(map_attr(reg.map, "address", 0))
    ):
        w.env.log.line("held lock and object are not in the same allocation")
        held = None
    if held is None:
        w.fail(errno.EINVAL, f"bpf_spin_lock at off={lock_off} must be held for {kind}")
    return root


def check_node_arg(w: Walker, kfunc: KFunc, i: int, regno: int, root: GraphRoot | None) -> None:
    """KF_ARG_PTR_TO_LIST_NODE / KF_ARG_PTR_TO_RB_NODE: an owned object of the root's struct, at its
    node (for a tree's lookups and removal: a non-owning or referenced one)."""
    assert root is not None  # (the root argument comes first)
    node = root.node
    reg = w.state.cur.regs[regno]
    if node == LIST_NODE or kfunc.name == RBTREE_ADD:
        if reg.type is not RegType.PTR_TO_BTF_ID or reg.flags != _ALLOC:
            w.fail(errno.EINVAL, f"arg#{i} expected pointer to allocated object")
        if not reg.ref_obj_id:
            w.fail(errno.EINVAL, "allocated object must be referenced")
    else:
        if not is_non_owning(reg) and not reg.ref_obj_id:
            w.fail(errno.EINVAL, f"{kfunc.name} can only take non-owning or refcounted {node} pointer")
        if in_rbtree_callback(w):
            w.fail(errno.EINVAL, f"{kfunc.name} not allowed in rbtree cb")
    node_off = _constant_offset(w, reg, regno, node)
    local = reg.map if isinstance(reg.map, LocalType) else None
    if local is None or node_off not in node_offsets(_program_btf(w), local.type_id, node):
        w.fail(errno.EINVAL, f"{node} not found at offset={node_off}")
    expected = root.value.name
    if local != root.value:
        w.fail(
            errno.EINVAL,
            f"operation on {root.kind} expects arg#1 {node} at offset={root.node_off} in struct "
            f"{expected}, but arg is at offset={node_off} in struct {local.name}",
        )
    if node_off != root.node_off:
        w.fail(
            errno.EINVAL,
            f"arg#1 offset={node_off}, but expected {node} at offset={root.node_off} in struct {expected}",
        )
    if kfunc.name in LIST_PUSH or kfunc.name == RBTREE_ADD:
        facts = w.facts()
        facts.insert_off = reg.off
        facts.struct_meta = struct_meta(w, local)


def is_non_owning(reg: RegState) -> bool:
    """type_is_non_owning_ref()."""
    return reg.type is RegType.PTR_TO_BTF_ID and bool(reg.flags & _ALLOC and reg.flags & TypeFlag.NON_OWN_REF)


def in_rbtree_callback(w: Walker) -> bool:
    """in_rbtree_lock_required_cb(): the current frame is the less() callback of a tree kfunc."""
    state = w.state
    if not state.curframe or state.cur.callback_ret is None:
        return False
    return _callsite_kfunc(w, state.cur.callsite) in RBTREE_KFUNCS


def _callsite_kfunc(w: Walker, slot: int) -> str:
    insn = w.view.insn_at(slot)
    if insn.opcode != CALL_OPCODE or insn.src != BPF_PSEUDO_KFUNC_CALL or not insn.imm:
        return ""
    found = kernel_btf().kfunc(insn.imm & 0xFFFFFFFF)
    return found.name if found is not None else ""


def check_callback_arg(w: Walker, i: int, regno: int) -> int:
    """KF_ARG_PTR_TO_CALLBACK: the subprogram a PTR_TO_FUNC names (``meta->subprogno``)."""
    reg = w.state.cur.regs[regno]
    if reg.type is not RegType.PTR_TO_FUNC:
        w.fail(errno.EINVAL, f"arg{i} expected pointer to func")
    return int(reg.map.subprog)


def check_refcounted_arg(w: Walker, i: int, regno: int) -> tuple[LocalType, bool]:
    """KF_ARG_PTR_TO_REFCOUNTED_KPTR: the object's struct and whether the reference is owning."""
    reg = w.state.cur.regs[regno]
    if reg.type is not RegType.PTR_TO_BTF_ID or not reg.flags & _ALLOC:
        w.fail(errno.EINVAL, f"arg#{i} is neither owning or non-owning ref")

    local = reg.map
    btf = _program_btf(w)
    if not isinstance(local, LocalType) or not kptrs.object_fields(btf, local.type_id):
        w.fail(errno.EFAULT, "verifier bug: Couldn't find btf_record")
    if refcount_offset(btf, local.type_id) < 0:
        w.fail(errno.EINVAL, f"arg#{i} doesn't point to a type with {REFCOUNT} field")
    w.facts().struct_meta = struct_meta(w, local)
    return local, not reg.flags & TypeFlag.NON_OWN_REF


# --- after the arguments (check_kfunc_call) ----------------------------------------------------


def _set_non_owning(w: Walker, reg: RegState) -> None:
    """ref_set_non_owning(): NON_OWN_REF, and MEM_RCU for a refcounted struct."""
    reg.flags |= TypeFlag.NON_OWN_REF
    if _is_refcounted(w, reg.map):
        reg.flags |= TypeFlag.MEM_RCU


def convert_owning_non_owning(w: Walker, kfunc: KFunc, ref_obj_id: int, btf_id: int) -> None:
    """ref_convert_owning_non_owning() and release_reference() of the node a push or add inserted."""
    for reg in w.state.all_regs():
        if reg.ref_obj_id == ref_obj_id:
            reg.ref_obj_id = 0
            _set_non_owning(w, reg)
    if not references.release_reference(w.state, ref_obj_id, w.env.allow_ptr_leaks):
        w.fail(errno.EINVAL, f"kfunc {kfunc.name}#{btf_id} reference has not been acquired before")


def _mark_graph_node(reg: RegState, root: GraphRoot) -> None:
    """mark_reg_graph_node(): PTR_TO_BTF_ID | MEM_ALLOC of the root's struct at the node offset."""
    reg.mark_pointer(RegType.PTR_TO_BTF_ID, _ALLOC)
    reg.map = root.value
    reg.off = root.node_off


def mark_node_result(w: Walker, r0: RegState, root: GraphRoot, *, owning: bool) -> None:
    """r0 of a pop or remove (acquired) or of a lookup (non-owning), maybe NULL."""
    _mark_graph_node(r0, root)
    r0.flags |= TypeFlag.PTR_MAYBE_NULL
    r0.id = w.new_id()
    if owning:
        r0.id = r0.ref_obj_id = references.acquire_reference(w)
    else:
        _set_non_owning(w, r0)


def mark_refcount_result(w: Walker, r0: RegState, local: LocalType, *, owning_arg: bool) -> None:
    """r0 of bpf_refcount_acquire_impl: a new owning reference, NULL-able unless the argument owned."""
    r0.mark_pointer(RegType.PTR_TO_BTF_ID, _ALLOC)
    r0.map = local
    if not owning_arg:
        r0.flags |= TypeFlag.PTR_MAYBE_NULL
        r0.id = w.new_id()
    ref = references.acquire_reference(w)
    if not owning_arg:
        r0.id = ref
    r0.ref_obj_id = ref


def set_rbtree_add_callback_state(w: Walker, root: GraphRoot, callee: FuncFrame) -> None:
    """set_rbtree_add_callback_state(): less(a, b) gets two non-owning nodes of the root's struct."""
    for regno in (1, 2):
        _mark_graph_node(callee.regs[regno], root)
        _set_non_owning(w, callee.regs[regno])


def _constant_offset(w: Walker, reg: RegState, regno: int, field: str) -> int:
    """The graph field's offset in the object ``reg`` points into, which must be a constant."""
    if not tnum.is_const(reg.var_off):
        message = f"R{regno} doesn't have constant offset. {field} has to be at the constant offset"
        w.fail(errno.EINVAL, message)
    return reg.off + reg.var_off.value


def fixup_call(insn: Instruction, kfunc: KFunc, facts: InsnFacts | None) -> list[Instruction] | None:
    """__fixup_collection_insert_kfunc() of a push or add (the meta and the node offset after the
    node), and the meta of bpf_refcount_acquire_impl."""
    if facts is None:
        return None
    meta = facts.struct_meta or 0
    if kfunc.name == REFCOUNT_ACQUIRE:
        return [Instruction.lddw(2, meta), insn]
    if facts.insert_off is None or (kfunc.name not in LIST_PUSH and kfunc.name != RBTREE_ADD):
        return None
    regno = 3 if kfunc.name in LIST_PUSH else 4
    off = Instruction(BPF_ALU64 | BPF_MOV | BPF_K, regno + 1, 0, 0, facts.insert_off)
    return [Instruction.lddw(regno, meta), off, insn]
