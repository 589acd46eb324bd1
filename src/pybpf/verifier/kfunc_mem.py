"""Kfunc struct-pointer arguments given as plain memory: KF_ARG_PTR_TO_MEM of a struct of scalars.

Mirrors get_kfunc_ptr_arg_type() and check_kfunc_args() of kernel/bpf/verifier.c (Linux 6.18): a
``struct <name> *`` parameter is a kernel object (KF_ARG_PTR_TO_BTF_ID, ``kfunc_objects``) only when
the register is PTR_TO_BTF_ID or a socket; any other register is taken as memory when the struct is
made of scalars only (__btf_type_is_scalar_struct(): struct cpumask, struct bpf_cpumask), else it is
"arg#%d pointer type STRUCT %s must point to scalar, or struct with scalar".  As memory it must be
trusted for a KF_TRUSTED_ARGS or KF_RELEASE kfunc ("R%d must be referenced or trusted": memory
never is), have a fixed offset (check_func_arg_reg_off()) and hold the struct's bytes, readable and
writable (check_mem_reg(), whose errno the call returns: "R1 type=scalar expected=fp" is EACCES,
"invalid read from stack R1 off=-8 size=32" EINVAL).  Measured on Linux 6.18: bpf_cpumask_weight()
of 32 initialised stack bytes, and bpf_cpumask_setall() of 40, load.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from pybpf.btf.types import Struct
from pybpf.kfuncs.proto import KArg, KfFlag, KFunc
from pybpf.verifier import globals, kernel_btf, kfunc_objects
from pybpf.verifier.checks import mem

if TYPE_CHECKING:
    from pybpf.verifier.do_check import Walker


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
