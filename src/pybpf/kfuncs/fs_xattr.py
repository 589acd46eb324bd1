"""The xattr kfuncs: bpf_cgroup_read_xattr, and fs/bpf_fs_kfuncs.c's bpf_get_file_xattr,
bpf_get_dentry_xattr, bpf_set_dentry_xattr and bpf_remove_dentry_xattr.

Mirrors Linux 6.18:

* ``int bpf_cgroup_read_xattr(struct cgroup *cgroup, const char *name__str, struct bpf_dynptr
  *value_p)`` (kernel/bpf/helpers.c, ``common_btf_ids``, KF_RCU: every program type may call it --
  measured --, with an RCU-protected or trusted cgroup): a name outside the ``user.`` namespace
  -EPERM; the value dynptr must be writable plain memory (__bpf_dynptr_data_rw(): else -EINVAL);
  then kernfs_xattr_get() on the cgroup's kernfs node: -ENODATA without such an xattr, -ERANGE when
  the dynptr is shorter than the value, else the value copied to the dynptr's start and its length.
  pybpf reads the xattr of the cgroup v2 directory itself (``os.getxattr`` on the path of the
  cgroup's id): the same kernfs node, so the same bytes.
* The four fs kfuncs (``bpf_fs_kfunc_set_ids``: KF_SLEEPABLE | KF_TRUSTED_ARGS) are registered for
  BPF_PROG_TYPE_LSM with a filter that refuses every other program type sharing the tracing hook
  (measured: TRACEPOINT and PERF_EVENT refuse them; LSM, which this kernel's lockdown keeps from
  loading, from the source).  ``struct file *`` and ``struct dentry *`` are objects pybpf never hands
  a program (bpf_get_task_exe_file finds no file: ``pybpf.kfuncs.kernel_objects``) and an LSM
  program has no test run, so these run only in what their arguments' checks would answer first:
  reading a name outside ``user.`` and ``security.bpf.`` -EPERM (bpf_xattr_read_permission()),
  writing or removing one outside ``security.bpf.`` -EPERM (bpf_xattr_write_permission()), else
  -ENODATA / -EINVAL for the object that is not there.
"""

from __future__ import annotations

import errno
import os

from pybpf import uapi
from pybpf.helpers.context import HelperContext
from pybpf.helpers.dynptr import DynptrKern
from pybpf.isa.words import M32
from pybpf.kfuncs.dynptr_pkt import dynptr_slice_rdwr
from pybpf.kfuncs.proto import ArgKind, KArg, KfFlag, KFunc, RetKind
from pybpf.objects.cgroups import cgroup_id_of_address, cgroup_path_of_id

LSM_PROG_TYPES = frozenset({uapi.BPF_PROG_TYPE_LSM})
"""The fs kfuncs' program type: the set is LSM's, its filter keeps the other tracing types out."""
XATTR_USER_PREFIX = b"user."
XATTR_NAME_BPF_LSM = b"security.bpf."
XATTR_NAME_MAX = 255
"""The longest xattr name (include/uapi/linux/limits.h)."""


def _name(ctx: HelperContext, address: int) -> bytes:
    return ctx.memory.read_cstring(address, XATTR_NAME_MAX + 2)  # the verifier proved its NUL


def cgroup_read_xattr(ctx: HelperContext, cgroup: int, name_p: int, value_p: int, _r4: int, _r5: int) -> int:
    """``int bpf_cgroup_read_xattr(cgroup, name__str, value_p)``."""
    name = _name(ctx, name_p)
    if not name.startswith(XATTR_USER_PREFIX):
        return -errno.EPERM & M32
    size = DynptrKern.at(ctx, value_p).size
    value = dynptr_slice_rdwr(ctx, value_p, 0, 0, size, 0)
    if not value:
        return -errno.EINVAL & M32
    cgroup_id = cgroup_id_of_address(cgroup)
    path = None if cgroup_id is None else cgroup_path_of_id(cgroup_id)
    if path is None:
        return -errno.ENODATA & M32
    try:  # (kernfs_xattr_get() answers a value, -ENODATA or -ERANGE: a name the VFS refuses is none)
        data = os.getxattr(path, os.fsdecode(name)) if len(name) <= XATTR_NAME_MAX else None
    except OSError:
        data = None
    if data is None:
        return -errno.ENODATA & M32
    if size < len(data):
        return -errno.ERANGE & M32
    ctx.memory.write(value, data)
    return len(data)


def get_xattr(ctx: HelperContext, _obj: int, name_p: int, _value_p: int, _r4: int, _r5: int) -> int:
    """bpf_get_file_xattr / bpf_get_dentry_xattr: the name's permission check, then no xattr."""
    name = _name(ctx, name_p)
    if not name.startswith((XATTR_USER_PREFIX, XATTR_NAME_BPF_LSM)):
        return -errno.EPERM & M32
    return -errno.ENODATA & M32


def change_xattr(ctx: HelperContext, _dentry: int, name_p: int, _r3: int, _r4: int, _r5: int) -> int:
    """bpf_set_dentry_xattr / bpf_remove_dentry_xattr: only ``security.bpf.`` names may change."""
    if not _name(ctx, name_p).startswith(XATTR_NAME_BPF_LSM):
        return -errno.EPERM & M32
    return -errno.EINVAL & M32


_NAME = KArg(ArgKind.CONST_STR, "const char *", "name__str")
_VALUE = KArg(ArgKind.DYNPTR, "struct bpf_dynptr *", "value_p")
_FILE = KArg(ArgKind.BTF_ID, "struct file *", "file")
_DENTRY = KArg(ArgKind.BTF_ID, "struct dentry *", "dentry")
_FS = KfFlag.SLEEPABLE | KfFlag.TRUSTED_ARGS


KFUNCS: tuple[KFunc, ...] = (
    KFunc("bpf_cgroup_read_xattr", KfFlag.RCU,
          (KArg(ArgKind.BTF_ID, "struct cgroup *", "cgroup"), _NAME, _VALUE),
          RetKind.SCALAR, "int", 4, cgroup_read_xattr),
    KFunc("bpf_get_file_xattr", _FS, (_FILE, _NAME, _VALUE), RetKind.SCALAR, "int", 4, get_xattr,
          LSM_PROG_TYPES),
    KFunc("bpf_get_dentry_xattr", _FS, (_DENTRY, _NAME, _VALUE), RetKind.SCALAR, "int", 4, get_xattr,
          LSM_PROG_TYPES),
    KFunc("bpf_set_dentry_xattr", _FS,
          (_DENTRY, _NAME, KArg(ArgKind.DYNPTR, "const struct bpf_dynptr *", "value_p"),
           KArg(ArgKind.SCALAR, "int", "flags")),
          RetKind.SCALAR, "int", 4, change_xattr, LSM_PROG_TYPES),
    KFunc("bpf_remove_dentry_xattr", _FS, (_DENTRY, _NAME), RetKind.SCALAR, "int", 4, change_xattr,
          LSM_PROG_TYPES),
)  # fmt: skip
"""The xattr kfuncs."""
