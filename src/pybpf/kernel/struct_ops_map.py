"""BPF_MAP_CREATE of a BPF_MAP_TYPE_STRUCT_OPS map: the value type in vmlinux BTF, the layout.

Mirrors map_create()'s ``btf_vmlinux_value_type_id`` rules (kernel/bpf/syscall.c) and
bpf_struct_ops_map_alloc() (kernel/bpf/bpf_struct_ops.c) of Linux 6.18:

* ``btf_vmlinux_value_type_id`` is for struct_ops maps only, and not with ``btf_key_type_id`` /
  ``btf_value_type_id`` (EINVAL); a struct_ops map needs it (EINVAL, map_alloc_check);
* the id must be the value type (``bpf_struct_ops_<name>``) of a struct_ops type pybpf knows
  (``pybpf.verifier.struct_ops``; ENOTSUPP otherwise) and ``value_size`` its size (EINVAL); with
  BPF_F_VTYPE_BTF_OBJ_FD the type is in a kernel module's BTF (``value_type_btf_obj_fd``), which
  pybpf does not model: the fd's errno, else EINVAL as for a BTF of no module;
* ``btf_fd`` must be a BTF object (the program's: libbpf passes its object's), a kernel BTF refused.

The map (``pybpf.maps.struct_ops``) is then given the struct (``MapOps.set_struct_ops``).
"""

from __future__ import annotations

import errno
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel import btfobj
from pybpf.uapi import ENOTSUPP
from pybpf.verifier import struct_ops
from pybpf.verifier.struct_ops import StructOpsDesc


def check_attr(a: Any) -> None:
    """map_create()'s rule for ``btf_vmlinux_value_type_id`` (before map_alloc_check)."""
    if a.btf_vmlinux_value_type_id and (
        a.map_type != uapi.BPF_MAP_TYPE_STRUCT_OPS or a.btf_key_type_id or a.btf_value_type_id
    ):
        raise BPFError(errno.EINVAL, "btf_vmlinux_value_type_id is for struct_ops maps alone")


def alloc(a: Any) -> StructOpsDesc:
    """bpf_struct_ops_map_alloc_check()'s id rule, then bpf_struct_ops_map_alloc()'s checks."""
    if not a.btf_vmlinux_value_type_id:
        raise BPFError(errno.EINVAL, "a struct_ops map needs btf_vmlinux_value_type_id")
    if a.map_flags & uapi.BPF_F_VTYPE_BTF_OBJ_FD:  # a module's BTF: pybpf's BTF objects are none
        btfobj.BTFObject.from_fd(a.value_type_btf_obj_fd)
        raise BPFError(errno.EINVAL, "value_type_btf_obj_fd is not a kernel module's BTF")
    desc = struct_ops.find_value(a.btf_vmlinux_value_type_id)
    if desc is None:
        raise BPFError(ENOTSUPP, f"type {a.btf_vmlinux_value_type_id} is no struct_ops value type")
    if a.value_size != desc.value_size:
        raise BPFError(errno.EINVAL, f"a {desc.name} value is {desc.value_size} bytes")
    return desc


__all__ = ["alloc", "check_attr"]
