"""Kfunc arguments and results that are kernel objects: PTR_TO_BTF_ID of a struct, acquired and released.

Mirrors check_kfunc_args() and check_kfunc_call() of kernel/bpf/verifier.c (Linux 6.18) for a
``struct <name> *`` parameter (KF_ARG_PTR_TO_BTF_ID) and return value, after the NULL check every
pointer argument has ("Possibly NULL pointer passed to trusted arg%d", ``kfuncs``):

* a register that is no PTR_TO_BTF_ID is "arg#%d pointer type STRUCT %s must point to scalar, or
  struct with scalar" (get_kfunc_ptr_arg_type(): a scalar, the stack, the context ... all end there),
  except the socket pointers, which stand for their kernel structs (reg2btf_ids);
* the pointer must be trusted — referenced, or PTR_TRUSTED / MEM_ALLOC with no other flag
  (is_trusted_reg()) — "R%d must be referenced or trusted", or for a KF_RCU kfunc at least MEM_RCU
  ("R%d must be a rcu pointer");
* a referenced pointer given to a KF_RELEASE kfunc has offset 0 ("R%d must have zero offset when
  passed to release func or trusted arg to kfunc") and is released with every copy of it; a
  release kfunc given no referenced pointer is "release kernel function %s expects refcounted
  PTR_TO_BTF_ID";
* the pointee is the parameter's struct at the pointer's offset, or one nested there unless the
  kfunc acquires or releases it or the two structs are no-cast aliases (``nf_conn`` and
  ``nf_conn___init``: btf_type_ids_nocast_alias()) (btf_struct_ids_match(): "kernel function %s
  args#%d expected pointer to STRUCT %s but R%d has a pointer to STRUCT %s");
* the result is PTR_TO_BTF_ID of the returned struct; a KF_ACQUIRE kfunc acquires a reference for
  it (its id, for the NULL check of KF_RET_NULL, is the reference's).

The structs are the kernel's (``kernel_btf``: the running kernel's vmlinux BTF).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.kfuncs.kernel_objects import GET_KMEM_CACHE
from pybpf.kfuncs.proto import KArg, KfFlag, KFunc
from pybpf.verifier import kernel_btf, references
from pybpf.verifier.kernel_btf import KernelType
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType, TypeFlag

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker

TRUSTED_MODIFIERS = TypeFlag.MEM_ALLOC | TypeFlag.PTR_TRUSTED | TypeFlag.NON_OWN_REF
"""BPF_REG_TRUSTED_MODIFIERS."""
_REG2BTF = {
    RegType.PTR_TO_SOCKET: "sock",
    RegType.PTR_TO_SOCK_COMMON: "sock_common",
    RegType.PTR_TO_TCP_SOCK: "tcp_sock",
    RegType.PTR_TO_XDP_SOCK: "xdp_sock",
    RegType.CONST_PTR_TO_MAP: "bpf_map",
}
"""reg2btf_ids: the socket and map pointers a kfunc takes as the kernel structs they point to
(always trusted)."""


def is_trusted(reg: RegState) -> bool:
    """is_trusted_reg()."""
    if reg.ref_obj_id or reg.type in _REG2BTF:
        return True
    return bool(reg.flags & TRUSTED_MODIFIERS) and not reg.flags & ~TRUSTED_MODIFIERS


NOCAST_ALIAS_SUFFIX = "___init"
"""What makes a struct a no-cast alias of the struct named without it (``nf_conn___init``)."""


def nocast_alias(have: str, want: str) -> bool:
    """btf_type_ids_nocast_alias(): one of the two struct names is the other's with ``___init``
    appended -- a pointer to one is then passed for the other only as that very struct (strict
    btf_struct_ids_match()): an allocated ``nf_conn___init`` is no ``nf_conn`` until inserted."""
    return have + NOCAST_ALIAS_SUFFIX == want or want + NOCAST_ALIAS_SUFFIX == have


def is_object_pointer(reg: RegState) -> bool:
    """A register get_kfunc_ptr_arg_type() takes for a kernel object (KF_ARG_PTR_TO_BTF_ID):
    PTR_TO_BTF_ID or a socket standing for its struct."""
    return reg.type is RegType.PTR_TO_BTF_ID or reg.type in _REG2BTF


def check_btf_arg(w: Walker, kfunc: KFunc, i: int, arg: KArg) -> int:
    """check_kfunc_args() of the ``struct`` pointer parameter ``i`` (r``i + 1``); the reference it
    releases (0: none)."""
    regno = i + 1
    reg = w.state.cur.regs[regno]
    if not is_object_pointer(reg):
        w.fail(
            errno.EINVAL,
            f"arg#{i} pointer type STRUCT {arg.struct} must point to scalar, or struct with scalar",
        )
    if not is_trusted(reg):
        if not kfunc.flags & KfFlag.RCU:
            w.fail(errno.EINVAL, f"R{regno} must be referenced or trusted")
        if not reg.flags & TypeFlag.MEM_RCU:
            w.fail(errno.EINVAL, f"R{regno} must be a rcu pointer")
    released = reg.ref_obj_id if kfunc.flags & KfFlag.RELEASE else 0
    if released and reg.off:
        w.fail(
            errno.EINVAL,
            f"R{regno} must have zero offset when passed to release func or trusted arg to kfunc",
        )
    target = kernel_btf.kernel_struct(arg.struct)
    pointee = _REG2BTF.get(reg.type) or (reg.map.name if isinstance(reg.map, KernelType) else "")
    have = kernel_btf.kernel_struct(pointee) if reg.type in _REG2BTF else reg.map
    strict = bool(kfunc.flags & KfFlag.ACQUIRE or released)  # acquiring or releasing: this very struct
    strict = strict or nocast_alias(pointee, arg.struct)
    if (
        pointee
        and target is not None
        and (
            not isinstance(have, KernelType)
            or not kernel_btf.struct_ids_match(have, reg.off, target, strict=strict, log=w.env.log.line)
        )
    ):
        w.fail(
            errno.EINVAL,
            f"kernel function {kfunc.name} args#{i} expected pointer to STRUCT {arg.struct} "
            f"but R{regno} has a pointer to STRUCT {pointee}",
        )
    return released


PROJECTIONS = {"__sk_buff": "sk_buff", "xdp_md": "xdp_buff"}
"""btf_is_projection_of(): the uapi ctx structs and the kernel structs they stand for."""


def check_projection_arg(w: Walker, kfunc: KFunc, i: int, arg: KArg) -> None:
    """check_kfunc_args() of a ctx struct parameter (``struct __sk_buff *``) in a program type whose
    ctx is another struct (NETFILTER): a trusted pointer to the kernel struct it projects
    (the NULL check made before) one btf_struct_ids_match() accepts, or at offset 0 one of the
    struct the parameter projects -- "R%d must be referenced or trusted" for any other register (the
    ctx itself too), the struct mismatch message for another struct (measured on Linux 6.18)."""
    regno = i + 1
    reg = w.state.cur.regs[regno]
    if not is_trusted(reg) or (reg.type is not RegType.PTR_TO_BTF_ID and reg.type not in _REG2BTF):
        w.fail(errno.EINVAL, f"R{regno} must be referenced or trusted")
    pointee = _REG2BTF.get(reg.type) or (reg.map.name if isinstance(reg.map, KernelType) else "")
    target = kernel_btf.kernel_struct(arg.struct)
    same = (
        reg.type is RegType.PTR_TO_BTF_ID
        and isinstance(reg.map, KernelType)
        and target is not None
        and kernel_btf.struct_ids_match(reg.map, reg.off, target, strict=False, log=w.env.log.line)
    )  # (the walk looking for the struct inside the pointee logs why it fails, as the kernel's)
    projection = reg.type is RegType.PTR_TO_BTF_ID and not reg.off and PROJECTIONS.get(arg.struct) == pointee
    if not same and not projection:
        w.fail(
            errno.EINVAL,
            f"kernel function {kfunc.name} args#{i} expected pointer to STRUCT {arg.struct} "
            f"but R{regno} has a pointer to STRUCT {pointee}",
        )


def release(w: Walker, kfunc: KFunc, btf_id: int, ref_obj_id: int) -> None:
    """check_kfunc_call(): a KF_RELEASE kfunc releases its argument's reference."""
    if not ref_obj_id:
        w.fail(errno.EINVAL, f"release kernel function {kfunc.name} expects refcounted PTR_TO_BTF_ID")
    if not references.release_reference(w.state, ref_obj_id, w.env.allow_ptr_leaks):
        w.fail(errno.EINVAL, f"kfunc {kfunc.name}#{btf_id} reference has not been acquired before")


def mark_result(w: Walker, kfunc: KFunc, r0: RegState) -> None:
    """r0 of a kfunc returning ``struct <name> *``: PTR_TO_BTF_ID of it, acquired under KF_ACQUIRE."""
    r0.mark_pointer(RegType.PTR_TO_BTF_ID)
    r0.map = kernel_btf.kernel_struct(kfunc.ret_ctype[len("struct ") : -2])
    if kfunc.name == GET_KMEM_CACHE:  # no reference, no trust: any memory (check_kfunc_call())
        r0.flags |= TypeFlag.PTR_UNTRUSTED
    if kfunc.flags & KfFlag.RET_NULL:
        r0.flags |= TypeFlag.PTR_MAYBE_NULL
        r0.id = w.new_id()
    if kfunc.flags & KfFlag.ACQUIRE:
        ref = references.acquire_reference(w)
        if kfunc.flags & KfFlag.RET_NULL:
            r0.id = ref
        r0.ref_obj_id = ref
