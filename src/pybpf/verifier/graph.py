"""Graph fields in the verifier: bpf_list_head / bpf_list_node and the list kfuncs.

Mirrors Linux 6.18:

* kernel/bpf/btf.c btf_parse_fields() / btf_parse_graph_root() for BPF_LIST_HEAD: a member of the
  map's value struct (or a variable of a DATASEC value) of type ``struct bpf_list_head`` carrying the
  decl tag ``contains:<struct>:<field>`` (libbpf's ``__contains(struct, field)``); ``<struct>`` is a
  struct of the same BTF (its first one of that name) and ``<field>`` its ``struct bpf_list_node``
  member, whose offset is the root's ``node_offset``.  A head whose tag is missing or names nothing
  such is not a field here (the kernel refuses the record: the map has no list head either);
  BPF_LIST_NODE: a program's struct's members of type ``struct bpf_list_node``;
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
* process_spin_lock(): bpf_spin_unlock invalidates every non-owning reference
  (invalidate_non_owning_refs(): they become unknown scalars);
* check_map_access(): a load or store touching a head is "bpf_list_head cannot be accessed directly
  by load/store" (``references.check_map_fields``);
* fixup_kfunc_call() of a push (__fixup_collection_insert_kfunc()): ``r3 = meta ll; r4 = <node
  offset>`` before the call (pybpf has no struct meta: 0).

Not modelled: list heads inside allocated objects pass no lock check (pybpf's bpf_spin_lock takes
only a map value's lock), nested structs holding heads, heads of a map with another BTF than the
program's (structs are matched by BTF id), bpf_rb_root / bpf_rb_node and bpf_refcount.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pybpf.btf.kinds import Kind
from pybpf.btf.types import BTF, Datasec, DeclTag, Struct, Var
from pybpf.isa.instruction import Instruction
from pybpf.kfuncs.table import LIST_PUSH, KFunc
from pybpf.uapi import BPF_ALU64, BPF_K, BPF_MOV
from pybpf.verifier import kptrs, references, tnum
from pybpf.verifier.kptrs import LocalType
from pybpf.verifier.regstate import RegState, map_attr
from pybpf.verifier.regtypes import RegType, TypeFlag

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

LIST_HEAD, LIST_NODE, SPIN_LOCK = "bpf_list_head", "bpf_list_node", "bpf_spin_lock"
LIST_HEAD_SIZE = 16
_CONTAINS = "contains:"
_ALLOC = TypeFlag.MEM_ALLOC


@dataclass(frozen=True)
class ListHead:
    """One bpf_list_head field: its offset, the struct its nodes are in and their offset there."""

    off: int
    value: LocalType
    node_off: int


# --- the fields (btf_parse_fields) -------------------------------------------------------------


def find_list_heads(btf: BTF, type_id: int) -> tuple[ListHead, ...]:
    """The list heads of the value type ``type_id`` of ``btf``, in offset order."""
    t = btf[type_id]
    candidates: list[tuple[int, int, int]] = []  # (offset, tagged type id, component index)
    if isinstance(t, Struct):
        for index, member in enumerate(t.members):
            if _is_struct(btf, member.type_id, LIST_HEAD) and not member.bit_offset % 8:
                candidates.append((member.bit_offset // 8, type_id, index))
    elif isinstance(t, Datasec):
        for info in t.vars:
            var = btf[info.type_id]
            if isinstance(var, Var) and _is_struct(btf, var.type_id, LIST_HEAD):
                candidates.append((info.offset, info.type_id, -1))
    if not candidates:
        return ()
    tags = {(tag.type_id, tag.component_idx): tag.name for _, tag in btf if isinstance(tag, DeclTag)}
    heads = []
    for off, tagged, index in candidates:
        head = _graph_root(btf, off, tags.get((tagged, index), ""))
        if head is not None:
            heads.append(head)
    return tuple(heads)


def _is_struct(btf: BTF, type_id: int, name: str) -> bool:
    t = btf[btf.resolve(type_id)]
    return isinstance(t, Struct) and t.name == name


def _graph_root(btf: BTF, off: int, tag: str) -> ListHead | None:
    """btf_parse_graph_root(): the head at ``off`` whose decl tag is ``tag``."""
    if not tag.startswith(_CONTAINS) or tag.count(":") != 2:
        return None
    struct_name, field_name = tag[len(_CONTAINS) :].split(":")
    for value_id in btf.ids_by_name(struct_name):
        value = btf[value_id]
        if isinstance(value, Struct):
            for member in value.members:
                if member.name == field_name and _is_struct(btf, member.type_id, LIST_NODE):
                    local = LocalType(value_id, value.name, Kind.STRUCT, value.size)
                    return ListHead(off, local, member.bit_offset // 8)
            return None
    return None


def node_offsets(btf: BTF, type_id: int) -> tuple[int, ...]:
    """The offsets of the bpf_list_node members of the struct ``type_id``."""
    t = btf[type_id]
    if not isinstance(t, Struct):
        return ()
    return tuple(m.bit_offset // 8 for m in t.members if _is_struct(btf, m.type_id, LIST_NODE))


def spin_lock_offset(btf: BTF, type_id: int) -> int:
    """``rec->spin_lock_off`` of the struct ``type_id`` (-EINVAL without one)."""
    t = btf[type_id]
    if isinstance(t, Struct):
        for m in t.members:
            if _is_struct(btf, m.type_id, SPIN_LOCK):
                return m.bit_offset // 8
    return -errno.EINVAL


def map_list_heads(map_ref: Any) -> tuple[ListHead, ...]:
    """``map->record``'s list heads (none for a map without BTF)."""
    return kptrs.value_record(map_ref, "list_head", find_list_heads)


# --- kfunc arguments (check_kfunc_args) --------------------------------------------------------


def check_head_arg(w: Walker, i: int, regno: int) -> ListHead:
    """KF_ARG_PTR_TO_LIST_HEAD: the head the register points to, under its allocation's lock."""
    reg = w.state.cur.regs[regno]
    is_alloc = reg.type is RegType.PTR_TO_BTF_ID and reg.flags == _ALLOC
    if reg.type is not RegType.PTR_TO_MAP_VALUE and not is_alloc:
        w.fail(errno.EINVAL, f"arg#{i} expected pointer to map value or allocated object")
    if is_alloc and not reg.ref_obj_id:
        w.fail(errno.EINVAL, "allocated object must be referenced")
    head_off = _constant_offset(w, reg, regno, LIST_HEAD)
    if is_alloc:
        btf = _program_btf(w)
        heads = find_list_heads(btf, reg.map.type_id)
        lock_off = spin_lock_offset(btf, reg.map.type_id)
    else:
        heads = map_list_heads(reg.map)
        map_lock = references.spin_lock_off(reg.map)
        lock_off = -errno.EINVAL if map_lock is None else map_lock
    head = next((h for h in heads if h.off == head_off), None)
    if head is None:
        w.fail(errno.EINVAL, f"{LIST_HEAD} not found at offset={head_off}")
    held = references.active_lock(w.state)
    if held is not None and (
        is_alloc or held.id != reg.id or held.ptr != int(map_attr(reg.map, "address", 0))
    ):
        w.env.log.line("held lock and object are not in the same allocation")
        held = None
    if held is None:
        w.fail(errno.EINVAL, f"bpf_spin_lock at off={lock_off} must be held for {LIST_HEAD}")
    return head


def check_node_arg(w: Walker, i: int, regno: int, head: ListHead | None) -> None:
    """KF_ARG_PTR_TO_LIST_NODE: an owned object of the head's struct, at its node."""
    reg = w.state.cur.regs[regno]
    if reg.type is not RegType.PTR_TO_BTF_ID or reg.flags != _ALLOC:
        w.fail(errno.EINVAL, f"arg#{i} expected pointer to allocated object")
    if not reg.ref_obj_id:
        w.fail(errno.EINVAL, "allocated object must be referenced")
    node_off = _constant_offset(w, reg, regno, LIST_NODE)
    if node_off not in node_offsets(_program_btf(w), reg.map.type_id):
        w.fail(errno.EINVAL, f"{LIST_NODE} not found at offset={node_off}")
    assert head is not None  # (the head argument comes first)
    expected = head.value.name
    if reg.map != head.value:
        w.fail(
            errno.EINVAL,
            f"operation on {LIST_HEAD} expects arg#1 {LIST_NODE} at offset={head.node_off} in struct "
            f"{expected}, but arg is at offset={node_off} in struct {reg.map.name}",
        )
    if node_off != head.node_off:
        w.fail(
            errno.EINVAL,
            f"arg#1 offset={node_off}, but expected {LIST_NODE} at offset={head.node_off} "
            f"in struct {expected}",
        )
    w.facts().insert_off = reg.off


def _constant_offset(w: Walker, reg: RegState, regno: int, field: str) -> int:
    """The graph field's offset in the object ``reg`` points into, which must be a constant."""
    if not tnum.is_const(reg.var_off):
        message = f"R{regno} doesn't have constant offset. {field} has to be at the constant offset"
        w.fail(errno.EINVAL, message)
    return reg.off + reg.var_off.value


def _program_btf(w: Walker) -> BTF:
    """The program's BTF (an allocated object's types; it has some: bpf_obj_new needed them)."""
    types = w.env.request.btf_types
    assert types is not None
    return types()


# --- after the arguments (check_kfunc_call) ----------------------------------------------------


def convert_owning_non_owning(w: Walker, kfunc: KFunc, ref_obj_id: int, btf_id: int) -> None:
    """ref_convert_owning_non_owning() and release_reference() of the node a push inserted."""
    for reg in w.state.all_regs():
        if reg.ref_obj_id == ref_obj_id:
            reg.ref_obj_id = 0
            reg.flags |= TypeFlag.NON_OWN_REF
    if not references.release_reference(w.state, ref_obj_id):
        w.fail(errno.EINVAL, f"kfunc {kfunc.name}#{btf_id} reference has not been acquired before")


def mark_node_result(w: Walker, r0: RegState, head: ListHead, *, owning: bool) -> None:
    """mark_reg_graph_node() of a pop (acquired) or of a front / back (non-owning), maybe NULL."""
    r0.mark_pointer(RegType.PTR_TO_BTF_ID, _ALLOC | TypeFlag.PTR_MAYBE_NULL)
    r0.map = head.value
    r0.off = head.node_off
    r0.id = w.new_id()
    if owning:
        r0.id = r0.ref_obj_id = references.acquire_reference(w)
    else:
        r0.flags |= TypeFlag.NON_OWN_REF


def invalidate_non_owning_refs(w: Walker) -> None:
    """invalidate_non_owning_refs() at bpf_spin_unlock."""
    for reg in w.state.all_regs():
        if reg.flags & TypeFlag.NON_OWN_REF and reg.flags & _ALLOC:
            reg.mark_unknown()


def fixup_call(insn: Instruction, kfunc: KFunc, insert_off: int | None) -> list[Instruction] | None:
    """__fixup_collection_insert_kfunc() of a push: the meta and the node offset in r3 / r4."""
    if kfunc.name not in LIST_PUSH or insert_off is None:
        return None
    return [Instruction.lddw(3, 0), Instruction(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, insert_off), insn]
