"""Kfunc arguments that are plain memory: KF_ARG_PTR_TO_MEM and KF_ARG_PTR_TO_MEM_SIZE.

Mirrors check_kfunc_args() of kernel/bpf/verifier.c (Linux 6.18) for the catch-all pointer
argument of get_kfunc_ptr_arg_type() -- a pointer to a scalar or to a struct made of scalars
(``u64 *timestamp`` of bpf_xdp_metadata_rx_timestamp, ``union nf_inet_addr *addr`` of
bpf_ct_set_nat_info) -- and for such a pointer followed by its length (``struct bpf_sock_tuple
*bpf_tuple, u32 tuple__sz``, ``struct bpf_ct_opts *opts, u32 opts__sz`` of the conntrack kfuncs,
``void *dst, u32 dst__sz`` of bpf_copy_from_user_str):

* KF_ARG_PTR_TO_MEM: check_mem_reg() -- the pointee's bytes (btf_resolve_size()) readable and
  writable where the pointer points, a NULL-able pointer taken as not NULL for the check;
* KF_ARG_PTR_TO_MEM_SIZE: the size register must be a scalar (is_kfunc_arg_mem_size(); else the
  struct pointer is a kernel object's -- "R%d must be referenced or trusted" for memory -- and the
  size argument, checked next, is "R%d is not a scalar"), then check_kfunc_mem_size_reg(): the
  size bounded and the memory readable and writable for as many bytes as it may be ("arg#%d arg#%d
  memory, len pair leads to invalid memory access" after the reason); the size need not be a
  constant (``__szk`` sizes are ``kfuncs``');
* a ``struct <name> *`` parameter whose register is no kernel object (``check_memory_arg``): it is
  a kernel object (KF_ARG_PTR_TO_BTF_ID, ``kfunc_objects``) only when the register is PTR_TO_BTF_ID
  or a socket; any other register is taken as memory when the struct is made of scalars only
  (__btf_type_is_scalar_struct(): struct cpumask, struct bpf_cpumask), else it is "arg#%d pointer
  type STRUCT %s must point to scalar, or struct with scalar".  As memory it must be trusted for a
  KF_TRUSTED_ARGS or KF_RELEASE kfunc ("R%d must be referenced or trusted": memory never is), have
  a fixed offset (check_func_arg_reg_off()) and hold the struct's bytes, readable and writable
  (check_mem_reg(), whose errno the call returns: "R1 type=scalar expected=fp" is EACCES, "invalid
  read from stack R1 off=-8 size=32" EINVAL).  Measured on Linux 6.18: bpf_cpumask_weight() of 32
  initialised stack bytes, and bpf_cpumask_setall() of 40, load.

The NULL check every pointer argument has ("Possibly NULL pointer passed to trusted arg%d") and
check_func_arg_reg_off() are made before, in ``kfuncs``.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.btf.types import Struct
from pybpf.kfuncs.proto import KArg, KfFlag, KFunc
from pybpf.uapi import BPF_MAX_VAR_OFF
from pybpf.verifier import globals, kernel_btf, kfunc_objects
from pybpf.verifier.checks import mem
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.regstate import is_null
from pybpf.verifier.regtypes import RegType, TypeFlag

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


def check_mem_arg(w: Walker, regno: int, size: int) -> None:
    """check_mem_reg(): ``size`` bytes at the pointer in ``regno``, read and written (a NULL
    pointer passes: it is refused before, or allowed where the argument may be NULL)."""
    reg = w.state.cur.regs[regno]
    if is_null(reg):
        return
    saved = reg.flags
    reg.flags &= ~TypeFlag.PTR_MAYBE_NULL
    try:
        for access in (mem.BPF_READ, mem.BPF_WRITE):
            mem.helper_mem_access(
                w, regno, size, access, zero_ok=False, clobber=access == mem.BPF_WRITE, raw=False
            )
    finally:
        reg.flags = saved


def check_mem_sized_arg(w: Walker, kfunc: KFunc, i: int, arg: KArg) -> None:
    """check_kfunc_args() of the memory argument ``i`` whose length is argument ``i + 1``
    (``__sz``): KF_ARG_PTR_TO_MEM_SIZE when the length is a scalar; else the struct pointer is taken
    as a kernel object (KF_ARG_PTR_TO_BTF_ID: a stack or packet pointer is "R%d must be referenced
    or trusted", as Linux 6.18 answers) and the length is then refused as no scalar."""
    regno = i + 1
    if w.state.cur.regs[regno + 1].type is not RegType.SCALAR_VALUE:
        if not arg.struct:  # a pointer to a scalar: KF_ARG_PTR_TO_MEM of its size
            check_mem_arg(w, regno, arg.size)
            w.fail(errno.EINVAL, f"R{regno + 1} is not a scalar")
        if not kfunc_objects.is_trusted(w.state.cur.regs[regno]):
            w.fail(errno.EINVAL, f"R{regno} must be referenced or trusted")
        kfunc_objects.check_btf_arg(w, kfunc, i, arg)
        w.fail(errno.EINVAL, f"R{regno + 1} is not a scalar")
    check_mem_size_pair(w, i, regno)


def check_mem_size_pair(w: Walker, i: int, regno: int) -> None:
    """check_kfunc_args() of a KF_ARG_PTR_TO_MEM_SIZE pair: unless the memory is NULL (an optional
    one: the NULL check refused the others), check_kfunc_mem_size_reg() -- the size's bytes readable
    and writable there, a NULL-able pointer taken as not NULL: "arg#%d arg#%d memory, len pair leads
    to invalid memory access" after the reason.  A NULL memory's zero is relied on (precision)."""
    regs = w.state.cur.regs
    buffer = regs[regno]
    if is_null(buffer):
        w.mark_chain_precision(regno)
        return
    saved = buffer.flags
    buffer.flags &= ~TypeFlag.PTR_MAYBE_NULL
    try:
        for access in (mem.BPF_READ, mem.BPF_WRITE):
            _check_mem_size_reg(w, regno + 1, access)
    except VerifierError as exc:
        w.fail(
            exc.errno or errno.EACCES,
            f"arg#{i} arg#{i + 1} memory, len pair leads to invalid memory access",
        )
    finally:
        buffer.flags = saved


def _check_mem_size_reg(w: Walker, regno: int, access: int) -> None:
    """check_mem_size_reg() with a zero size allowed: the memory before ``regno`` holds as many
    bytes as the size may be."""
    reg = w.state.cur.regs[regno]
    if reg.smin < 0:
        w.fail(errno.EACCES, f"R{regno} min value is negative, either use unsigned or 'var &= const'")
    if reg.umax >= BPF_MAX_VAR_OFF:
        w.fail(errno.EACCES, f"R{regno} unbounded memory access, use 'var &= const' or 'if (var < const)'")
    mem.helper_mem_access(  # (not raw mode: the kernel's meta for a kfunc is zeroed; the slots are read)
        w, regno - 1, reg.umax, access, zero_ok=True, clobber=access == mem.BPF_WRITE, raw=False
    )
    w.mark_chain_precision(regno)


def scalar_struct_size(w: Walker, name: str) -> int | None:
    """The size of vmlinux's ``struct <name>`` when it is made of scalars only (None otherwise)."""
    btf = kernel_btf.vmlinux_btf()
    found = kernel_btf.kernel_struct(name)
    if btf is None or found is None:
        return None
    t = btf[found.type_id]
    if not isinstance(t, Struct) or not kernel_btf.is_scalar_struct(btf, t, log=w.env.log.line):
        return None
    return found.size


def check_memory_arg(w: Walker, kfunc: KFunc, i: int, arg: KArg) -> bool:
    """check_kfunc_args() of the ``struct`` pointer parameter ``i`` when its register is no kernel
    object: True when it was checked as memory, False when the object checks apply."""
    regno = i + 1
    reg = w.state.cur.regs[regno]
    if kfunc_objects.is_object_pointer(reg):
        return False
    size = scalar_struct_size(w, arg.struct)
    if size is None:
        return False  # kfunc_objects refuses it: "must point to scalar, or struct with scalar"
    if kfunc.flags & (KfFlag.TRUSTED_ARGS | KfFlag.RELEASE) and not kfunc_objects.is_trusted(reg):
        w.fail(errno.EINVAL, f"R{regno} must be referenced or trusted")
    mem.check_func_arg_reg_off(w, reg, regno, release=False, dynptr_arg=False)
    globals.check_mem_reg(w, reg, regno, size, keep_errno=True)
    return True
