"""Program-allocated objects in the verifier: bpf_obj_new_impl() and bpf_obj_drop_impl().

Mirrors kernel/bpf/verifier.c of Linux 6.18:

* check_kfunc_args() of a scalar ``<name>__k`` parameter (is_kfunc_arg_constant()): a known constant
  ("R%d must be a known constant"), relied on exactly (a precision mark): ``meta->arg_constant``;
  a ``<name>__ign`` parameter is not checked at all (is_kfunc_arg_ignore());
* check_kfunc_args() of a ``void *<name>__alloc`` parameter (KF_ARG_PTR_TO_ALLOC_BTF_ID): after the
  NULL check of every pointer argument and the trusted-pointer check ("R%d must be referenced or
  trusted"), check_func_arg_reg_off() (a released pointer has offset 0), then the register is
  PTR_TO_BTF_ID | MEM_ALLOC ("arg#%d expected for bpf_obj_drop_impl()" when another kfunc takes
  it), or else "arg#%d expected pointer to allocated object"; and it holds a reference ("allocated
  object must be referenced");
* check_special_kfunc() for bpf_obj_new_impl, once r0-r5 are clobbered: the constant is a u32
  ("local type ID argument must be in range [0, U32_MAX]"), the program has BTF
  ("bpf_obj_new/bpf_percpu_obj_new requires prog BTF") in which the constant names a struct
  ("bpf_obj_new/bpf_percpu_obj_new type ID argument must be of a struct"); r0 is PTR_TO_BTF_ID |
  MEM_ALLOC of that struct (``kptrs.LocalType``), may be NULL and holds a new reference (KF_ACQUIRE
  | KF_RET_NULL: its id is the reference's) -- an object not dropped or stashed by the exit is
  "Unreleased reference" (``references``); ``insn_aux->obj_new_size`` is the struct's size;
* fixup_kfunc_call(): bpf_obj_new_impl is called with r1 = that size and r2 = the struct meta
  (``r1 = size; r2 = meta ll; call``), bpf_obj_drop_impl with r2 = the meta (``r2 = meta ll;
  call``).  pybpf's struct meta says where the struct's bpf_refcount is (0: none;
  ``pybpf.kfuncs.alloc_obj.struct_meta``).

A local kptr is stashed in a map value with bpf_kptr_xchg (``kptrs``: the field's struct must be the
object's); what a program reads or writes of an object is check_ptr_to_btf_access()'s
(``checks.mem``); the graph kfuncs and bpf_refcount_acquire are ``graph``'s.

bpf_percpu_obj_new_impl is bpf_obj_new_impl for a struct of at most 512 bytes ("bpf_percpu_obj_new
type size (%d) is greater than %d") without special fields ("... must not contain special fields")
whose members are all scalars ("... must be of a struct of scalars"); its r0 is MEM_PERCPU too, which
only bpf_percpu_obj_drop_impl drops ("arg#%d expected for bpf_percpu_obj_drop_impl()", and
bpf_obj_drop_impl only the others), which no load or store reaches, and which bpf_this_cpu_ptr /
bpf_per_cpu_ptr take once stashed in a ``__percpu_kptr`` and loaded under RCU.  A
local type is matched by its BTF id alone: the kernel also compares the BTF objects (a map created
with another BTF than the program's has different types for it).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.btf.kinds import Kind
from pybpf.btf.types import Struct
from pybpf.isa.instruction import Instruction
from pybpf.kfuncs.proto import KFunc
from pybpf.kfuncs.table import OBJ_DROP, PERCPU_OBJ_DROP, PERCPU_OBJ_NEW
from pybpf.uapi import BPF_ALU64, BPF_K, BPF_MOV
from pybpf.verifier import graph, kernel_btf, kfunc_objects, kptrs, references
from pybpf.verifier.checks import mem
from pybpf.verifier.kptrs import LocalType
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType, TypeFlag

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker
    from pybpf.verifier.request import InsnFacts

U32_MAX = 0xFFFF_FFFF
_ALLOC = TypeFlag.MEM_ALLOC


def check_alloc_arg(w: Walker, kfunc: KFunc, i: int, regno: int) -> int:
    """check_kfunc_args() of the ``__alloc`` parameter ``i``: the reference a release kfunc drops."""
    reg = w.state.cur.regs[regno]
    if not kfunc_objects.is_trusted(reg):
        w.fail(errno.EINVAL, f"R{regno} must be referenced or trusted")
    mem.check_func_arg_reg_off(w, reg, regno, release=bool(reg.ref_obj_id), dynptr_arg=False)
    drop = {_ALLOC: OBJ_DROP, _ALLOC | TypeFlag.MEM_PERCPU: PERCPU_OBJ_DROP}.get(reg.flags)
    if reg.type is RegType.PTR_TO_BTF_ID and drop is not None:
        if kfunc.name != drop:
            w.fail(errno.EINVAL, f"arg#{i} expected for {drop}()")
    else:
        w.fail(errno.EINVAL, f"arg#{i} expected pointer to allocated object")
    if not reg.ref_obj_id:
        w.fail(errno.EINVAL, "allocated object must be referenced")
    w.facts().struct_meta = graph.struct_meta(w, reg.map)
    return reg.ref_obj_id


def mark_new_object(w: Walker, kfunc: KFunc, r0: RegState, type_id: int) -> None:
    """check_special_kfunc() of bpf_obj_new_impl / bpf_percpu_obj_new_impl(``type_id``): r0 is the new
    object, maybe NULL, referenced; the size is recorded for the fixup."""
    if type_id > U32_MAX:
        w.fail(errno.EINVAL, "local type ID argument must be in range [0, U32_MAX]")
    types = w.env.request.btf_types
    if types is None:
        w.fail(errno.EINVAL, "bpf_obj_new/bpf_percpu_obj_new requires prog BTF")
    btf = types()
    t = btf[type_id] if 0 < type_id < btf.end_id else None
    if not isinstance(t, Struct):
        w.fail(errno.EINVAL, "bpf_obj_new/bpf_percpu_obj_new type ID argument must be of a struct")
    percpu = kfunc.name == PERCPU_OBJ_NEW
    if percpu:
        if t.size > PERCPU_MAX_SIZE:
            w.fail(
                errno.EINVAL,
                f"{_PERCPU_NEW} type size ({t.size}) is greater than {PERCPU_MAX_SIZE}",
            )
        if kptrs.object_fields(btf, type_id):
            w.fail(errno.EINVAL, f"{_PERCPU_NEW} type ID argument must not contain special fields")
        if not kernel_btf.is_scalar_struct(btf, t, log=w.env.log.line):
            w.fail(errno.EINVAL, f"{_PERCPU_NEW} type ID argument must be of a struct of scalars")
    r0.mark_pointer(RegType.PTR_TO_BTF_ID, _ALLOC | TypeFlag.PTR_MAYBE_NULL)
    if percpu:
        r0.flags |= TypeFlag.MEM_PERCPU
    r0.map = LocalType(type_id, t.name, Kind.STRUCT, t.size)
    r0.id = w.new_id()
    r0.id = r0.ref_obj_id = references.acquire_reference(w)
    facts = w.facts()
    facts.obj_new_size = t.size
    facts.struct_meta = graph.struct_meta(w, r0.map)


PERCPU_MAX_SIZE = 512
"""BPF_GLOBAL_PERCPU_MA_MAX_SIZE: the largest struct bpf_percpu_obj_new allocates."""
_PERCPU_NEW = "bpf_percpu_obj_new"


def fixup_call(insn: Instruction, kfunc: KFunc, facts: InsnFacts | None) -> list[Instruction] | None:
    """fixup_kfunc_call() of a call of ``kfunc``: the instructions it becomes (None: unchanged)."""
    meta = Instruction.lddw(2, (facts.struct_meta or 0) if facts is not None else 0)  # r2 = meta ll
    if facts is not None and facts.obj_new_size is not None:
        return [Instruction(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, facts.obj_new_size), meta, insn]
    if kfunc.name in (OBJ_DROP, PERCPU_OBJ_DROP):
        return [meta, insn]
    return None
