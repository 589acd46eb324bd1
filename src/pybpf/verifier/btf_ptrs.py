"""Pointers read out of kernel structs, and the two casts that make such pointers.

Mirrors kernel/bpf/verifier.c of Linux 6.18:

* check_ptr_to_btf_access() after btf_struct_access(): a read of a pointer member of a kernel
  struct loads PTR_TO_BTF_ID of the pointee struct (mark_btf_ld_reg(); a member that points to no
  struct loads untrusted read-only memory of size 0, ``rdonly_untrusted_mem``, whose reads are
  probe reads).  Its flags: through an untrusted pointer, PTR_UNTRUSTED; through a trusted or RCU
  pointer, the member's entry in the kernel's allow-lists -- type_is_trusted() (PTR_TRUSTED),
  type_is_trusted_or_null() (PTR_TRUSTED | PTR_MAYBE_NULL), and inside an RCU read-side section
  (in_rcu_cs(): bpf_rcu_read_lock(), a held spin lock, or any non-sleepable program)
  type_is_rcu() (MEM_RCU) and type_is_rcu_or_null() or an ``__rcu`` tag (MEM_RCU |
  PTR_MAYBE_NULL); every other pointer member gives PTR_UNTRUSTED -- also through a plain
  PTR_TO_BTF_ID and, in an RCU section, through a trusted one, where the kernel's source of 6.18
  reads as if they stayed plain PTR_TO_BTF_ID: the running 6.18 kernel answers untrusted (measured,
  tests/data/verifier_corpus/btf_ptrs.asm).  A maybe-NULL result gets an id for its NULL check.
  The allow-lists are the kernel's own ``<struct>__safe_trusted`` ... structs in vmlinux
  (``kernel_btf.nested_type_is_trusted``);
* check_ptr_to_map_access(): a read of a map's kernel struct (``bpf_array``, ``bpf_htab`` ...) is
  walked the same way, and a pointer member gives an untrusted PTR_TO_BTF_ID (measured);
* check_kfunc_call() of bpf_rcu_read_unlock(): every MEM_RCU pointer becomes PTR_UNTRUSTED;
* check_kfunc_call() of bpf_cast_to_kern_ctx(): PTR_TO_BTF_ID | PTR_TRUSTED of the program
  type's kernel context (get_kern_ctx_btf_id(): xdp_buff, sk_buff ...; "kern ctx type id %u is not
  a struct" for the types whose context is no struct, as raw tracepoints' and syscall programs');
  and of bpf_rdonly_cast(): PTR_TO_BTF_ID | PTR_UNTRUSTED of the vmlinux struct its constant
  names, or for type id 0 (void) untrusted read-only memory of size 0.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf import uapi
from pybpf.verifier import kernel_btf, references
from pybpf.verifier.kernel_btf import KernelType, Walk
from pybpf.verifier.kfunc_objects import is_trusted
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType, TypeFlag
from pybpf.verifier.state import PathState

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

_TAG_FLAGS = {"user": TypeFlag.MEM_USER, "percpu": TypeFlag.MEM_PERCPU, "rcu": TypeFlag.MEM_RCU}
"""btf_struct_walk(): the flag a pointer member's type tag gives."""
UNTRUSTED_MEM = TypeFlag.MEM_RDONLY | TypeFlag.PTR_UNTRUSTED
"""The flags of the memory a pointer to no struct gives (PTR_TO_MEM, size 0)."""


def _not_a_struct_pointer(walk: Walk) -> RegState | None:
    """What a member that is no pointer to a struct loads: a scalar (None), or for a pointer to
    anything else read-only untrusted memory (WALK_PTR_UNTRUSTED)."""
    if walk.answer == kernel_btf.WALK_SCALAR:
        return None
    result = RegState()
    result.mark_pointer(RegType.PTR_TO_MEM, UNTRUSTED_MEM)
    return result


def loaded_register(w: Walker, reg: RegState, walk: Walk) -> RegState | None:
    """check_ptr_to_btf_access(): what a read through ``reg`` (a pointer to a kernel struct) loads,
    given the walk's answer (None: an unknown scalar)."""
    if walk.answer != kernel_btf.WALK_PTR:
        return _not_a_struct_pointer(walk)
    result = RegState()
    have = reg.map
    assert isinstance(have, KernelType)
    flag = _TAG_FLAGS.get(walk.tag, TypeFlag.NONE)

    def listed(suffix: str) -> bool:
        return kernel_btf.nested_type_is_trusted(have, walk.field, walk.type_id, suffix)

    if reg.flags & TypeFlag.PTR_UNTRUSTED:
        flag = TypeFlag.PTR_UNTRUSTED  # walking an untrusted pointer gives untrusted ones
    elif is_trusted(reg) or reg.flags & TypeFlag.MEM_RCU:
        if listed("trusted"):
            flag |= TypeFlag.PTR_TRUSTED
        elif listed("trusted_or_null"):
            flag |= TypeFlag.PTR_TRUSTED | TypeFlag.PTR_MAYBE_NULL
        elif references.in_rcu_cs(w):
            if listed("rcu"):
                flag |= TypeFlag.MEM_RCU
            elif flag & TypeFlag.MEM_RCU or listed("rcu_or_null"):
                flag |= TypeFlag.MEM_RCU | TypeFlag.PTR_MAYBE_NULL  # __rcu pointers may be NULL
            elif not flag & (TypeFlag.MEM_PERCPU | TypeFlag.MEM_USER):
                flag = TypeFlag.PTR_UNTRUSTED  # an unlisted member (measured on Linux 6.18)
        else:
            flag = TypeFlag.PTR_UNTRUSTED  # outside an RCU section nothing more is known
    else:
        flag = TypeFlag.PTR_UNTRUSTED  # a plain PTR_TO_BTF_ID's members (measured on Linux 6.18)
    result.mark_pointer(RegType.PTR_TO_BTF_ID, flag)
    result.map = kernel_btf.kernel_type(walk.type_id)
    if flag & TypeFlag.PTR_MAYBE_NULL:
        result.id = w.new_id()
    return result


def map_member_register(w: Walker, walk: Walk) -> RegState | None:
    """check_ptr_to_map_access(): what a read of a map's kernel struct loads -- a pointer member
    an untrusted pointer, as through any plain PTR_TO_BTF_ID (None: an unknown scalar)."""
    if walk.answer != kernel_btf.WALK_PTR:
        return _not_a_struct_pointer(walk)
    result = RegState()
    result.mark_pointer(RegType.PTR_TO_BTF_ID, TypeFlag.PTR_UNTRUSTED)
    result.map = kernel_btf.kernel_type(walk.type_id)
    return result


def end_rcu_section(state: PathState) -> None:
    """bpf_rcu_read_unlock(): the RCU pointers of every frame (spilled ones too) become untrusted
    (and no longer maybe-NULL: they cannot be dereferenced without the section anyway)."""
    for reg in state.all_regs():
        if reg.flags & TypeFlag.MEM_RCU:
            reg.flags = (reg.flags & ~(TypeFlag.MEM_RCU | TypeFlag.PTR_MAYBE_NULL)) | TypeFlag.PTR_UNTRUSTED


_PROG_TYPE_NAMES = {
    value: name
    for name, value in vars(uapi).items()
    if name.startswith("BPF_PROG_TYPE_") and isinstance(value, int)
}
"""``BPF_PROG_TYPE_*`` by number (the names of struct bpf_ctx_convert's members)."""


def mark_kern_ctx(w: Walker, r0: RegState) -> None:
    """bpf_cast_to_kern_ctx()'s result: the program type's kernel context, trusted."""
    name = _PROG_TYPE_NAMES.get(w.env.request.prog_type.prog_type, "")
    type_id, ctx = kernel_btf.kern_ctx_type(name)
    if ctx is None:
        w.fail(errno.EINVAL, f"kern ctx type id {type_id} is not a struct")
    r0.mark_pointer(RegType.PTR_TO_BTF_ID, TypeFlag.PTR_TRUSTED)
    r0.map = ctx


def mark_rdonly_cast(w: Walker, r0: RegState, type_id: int) -> None:
    """bpf_rdonly_cast()'s result: an untrusted pointer to the struct ``type_id`` names, or
    untrusted read-only memory for void."""
    try:
        target = kernel_btf.cast_target(type_id)
    except kernel_btf.WalkError as exc:
        w.fail(exc.errno, exc.message)
    if target is None:
        r0.mark_pointer(RegType.PTR_TO_MEM, UNTRUSTED_MEM)
        return
    r0.mark_pointer(RegType.PTR_TO_BTF_ID, TypeFlag.PTR_UNTRUSTED)
    r0.map = target
