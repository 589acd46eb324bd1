"""Kfuncs on kernel objects user space reaches in part: tasks, cgroups, maps, slab caches and files.

Mirrors Linux 6.18's registrations and implementations:

* kernel/bpf/helpers.c, ``generic_btf_ids`` (XDP, tc, cgroup_skb, tracing, struct_ops, syscall):
  bpf_task_from_vpid (KF_ACQUIRE | KF_RET_NULL), bpf_task_under_cgroup (KF_RCU),
  bpf_cgroup_ancestor and bpf_task_get_cgroup1 (KF_ACQUIRE | KF_RCU | KF_RET_NULL) and
  bpf_send_signal_task (KF_TRUSTED_ARGS; kernel/trace/bpf_trace.c's bpf_send_signal_common());
  ``common_btf_ids`` (every program type): bpf_get_kmem_cache (no flag: its result is an untrusted
  struct kmem_cache pointer, check_kfunc_call()'s special case);
* kernel/bpf/map_iter.c (every program type): bpf_map_sum_elem_count (KF_TRUSTED_ARGS), whose
  ``const struct bpf_map *`` takes a map pointer (reg2btf_ids[CONST_PTR_TO_MAP]);
* fs/bpf_fs_kfuncs.c (LSM programs only): bpf_get_task_exe_file (KF_ACQUIRE | KF_TRUSTED_ARGS |
  KF_RET_NULL), bpf_put_file (KF_RELEASE) and bpf_path_d_path (KF_TRUSTED_ARGS; ``char *buf`` with
  its ``buf__sz``).

At run time, as far as user space allows (``pybpf.objects``: the calling thread is the only task a
run reaches, cgroups are the cgroup v2 directories, named by their ids):

* bpf_task_from_vpid finds no task (NULL), as bpf_task_from_pid; bpf_task_get_cgroup1 no cgroup
  v1 hierarchy (NULL); bpf_get_kmem_cache no slab cache (NULL); bpf_get_task_exe_file no file
  (NULL), so bpf_put_file has nothing to put and bpf_path_d_path no path (-EINVAL for an empty
  buffer, as the kernel, else -ENOENT);
* bpf_task_under_cgroup(current, cgrp) answers whether the calling process's cgroup is ``cgrp`` or
  below it (task_under_cgroup_hierarchy()), 0 for any other task;
* bpf_cgroup_ancestor(cgrp, level) answers the cgroup at depth ``level`` above ``cgrp``'s directory
  (0: the root), NULL for a negative level or one deeper than ``cgrp`` (cgroup_ancestor());
* bpf_send_signal_task(current, sig, type, value) sends ``sig`` to the calling thread (PIDTYPE_PID)
  or process (PIDTYPE_TGID), as the kernel does from a test run; another type or a signal past 64 is
  -EINVAL, signal 0 only checks; another task (there is none) -ESRCH.  Not modelled: ``value``
  (the siginfo's si_value: Python sends no siginfo);
* bpf_map_sum_elem_count(map) counts the elements of the hash-table map types (hash, per-CPU hash,
  the LRU hashes, hash of maps: the only ones with ``map->elem_count``), 0 for the others.
"""

from __future__ import annotations

import errno
import os
import signal
import threading

from pybpf import uapi
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import access_of
from pybpf.helpers.maps import walk_keys
from pybpf.helpers.task_image import is_current_task
from pybpf.kfuncs.proto import (
    GENERIC_PROG_TYPES,
    ArgKind,
    KArg,
    KfFlag,
    KFunc,
    RetKind,
    do_nothing,
    no_object,
)
from pybpf.objects.cgroups import cgroup2_mount, cgroup_address, cgroup_id_of_address, cgroup_path_of_id
from pybpf.objects.cgroups import current_task_under as current_task_under_cgroup

GET_KMEM_CACHE = "bpf_get_kmem_cache"
"""check_kfunc_call() marks its result PTR_UNTRUSTED (special_kfunc_list)."""

PIDTYPE_PID, PIDTYPE_TGID = 0, 1
"""enum pid_type: the two bpf_send_signal_task() accepts."""
SIGNAL_MAX = 64
"""_NSIG: valid_signal()."""

COUNTED_MAP_TYPES = frozenset(
    {
        uapi.BPF_MAP_TYPE_HASH,
        uapi.BPF_MAP_TYPE_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_LRU_HASH,
        uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
        uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
    }
)
"""The map types htab_map_alloc() gives a per-CPU element count (bpf_map_init_elem_count())."""


def task_under_cgroup(_ctx: HelperContext, task: int, cgrp: int, _r3: int, _r4: int, _r5: int) -> int:
    """``long bpf_task_under_cgroup(task, ancestor)``."""
    cgroup_id = cgroup_id_of_address(cgrp)
    if not is_current_task(task) or cgroup_id is None:
        return 0
    return int(current_task_under_cgroup(cgroup_id))


def cgroup_ancestor(_ctx: HelperContext, cgrp: int, level: int, _r3: int, _r4: int, _r5: int) -> int:
    """``struct cgroup *bpf_cgroup_ancestor(cgrp, level)``: the ancestor at depth ``level``, or NULL."""
    level &= 0xFFFFFFFF
    level -= (level & 0x80000000) << 1  # an int
    cgroup_id = cgroup_id_of_address(cgrp)
    mount = cgroup2_mount()
    path = None if cgroup_id is None else cgroup_path_of_id(cgroup_id)
    if mount is None or path is None:
        return 0
    parts = [part for part in os.path.relpath(path, mount).split(os.sep) if part not in ("", ".")]
    if not 0 <= level <= len(parts):
        return 0
    try:
        return cgroup_address(os.stat(os.path.join(mount, *parts[:level])).st_ino)
    except OSError:
        return 0


def send_signal_task(_ctx: HelperContext, task: int, sig: int, kind: int, _value: int, _r5: int) -> int:
    """``int bpf_send_signal_task(task, sig, type, value)``."""
    sig &= 0xFFFFFFFF
    kind &= 0xFFFFFFFF
    if kind not in (PIDTYPE_PID, PIDTYPE_TGID) or sig > SIGNAL_MAX:
        return -errno.EINVAL
    if not is_current_task(task):
        return -errno.ESRCH
    if sig:
        if kind == PIDTYPE_PID:
            signal.pthread_kill(threading.get_ident(), sig)
        else:
            os.kill(os.getpid(), sig)
    return 0


def map_sum_elem_count(ctx: HelperContext, map_ptr: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``s64 bpf_map_sum_elem_count(map)``: the elements of a hash-table map (0 for other types)."""
    obj = access_of(ctx.env.maps, "bpf_map_sum_elem_count").map_arg(map_ptr, "bpf_map_sum_elem_count", 1)
    if obj.params.map_type not in COUNTED_MAP_TYPES:
        return 0
    return sum(len(keys) for keys in walk_keys(ctx, obj))


def path_d_path(_ctx: HelperContext, _path: int, _buf: int, size: int, _r4: int, _r5: int) -> int:
    """``int bpf_path_d_path(path, buf, buf__sz)``: pybpf has no path to name."""
    return -errno.EINVAL if not size else -errno.ENOENT


_TASK = KArg(ArgKind.BTF_ID, "struct task_struct *", "task")
_CGROUP = "struct cgroup *"
_LSM = frozenset({uapi.BPF_PROG_TYPE_LSM})
_ACQUIRED = KfFlag.ACQUIRE | KfFlag.RET_NULL

KFUNCS: tuple[KFunc, ...] = (
    KFunc(
        "bpf_task_from_vpid",
        _ACQUIRED,
        (KArg(ArgKind.SCALAR, "int", "vpid"),),
        RetKind.BTF_ID,
        "struct task_struct *",
        8,
        no_object,
        GENERIC_PROG_TYPES,
    ),
    KFunc(
        "bpf_task_under_cgroup",
        KfFlag.RCU,
        (_TASK, KArg(ArgKind.BTF_ID, _CGROUP, "ancestor")),
        RetKind.SCALAR,
        "long",
        8,
        task_under_cgroup,
        GENERIC_PROG_TYPES,
    ),
    KFunc(
        "bpf_cgroup_ancestor",
        _ACQUIRED | KfFlag.RCU,
        (KArg(ArgKind.BTF_ID, _CGROUP, "cgrp"), KArg(ArgKind.SCALAR, "int", "level")),
        RetKind.BTF_ID,
        _CGROUP,
        8,
        cgroup_ancestor,
        GENERIC_PROG_TYPES,
    ),
    KFunc(
        "bpf_task_get_cgroup1",
        _ACQUIRED | KfFlag.RCU,
        (_TASK, KArg(ArgKind.SCALAR, "int", "hierarchy_id")),
        RetKind.BTF_ID,
        _CGROUP,
        8,
        no_object,
        GENERIC_PROG_TYPES,
    ),
    KFunc(
        "bpf_send_signal_task",
        KfFlag.TRUSTED_ARGS,
        (
            _TASK,
            KArg(ArgKind.SCALAR, "int", "sig"),
            KArg(ArgKind.SCALAR, "int", "type"),
            KArg(ArgKind.SCALAR, "u64", "value"),
        ),
        RetKind.SCALAR,
        "int",
        4,
        send_signal_task,
        GENERIC_PROG_TYPES,
    ),
    KFunc(
        GET_KMEM_CACHE,
        KfFlag.NONE,
        (KArg(ArgKind.SCALAR, "u64", "addr"),),
        RetKind.BTF_ID,
        "struct kmem_cache *",
        8,
        no_object,
    ),
    KFunc(
        "bpf_map_sum_elem_count",
        KfFlag.TRUSTED_ARGS,
        (KArg(ArgKind.BTF_ID, "const struct bpf_map *", "map"),),
        RetKind.SCALAR,
        "s64",
        8,
        map_sum_elem_count,
    ),
    KFunc(
        "bpf_get_task_exe_file",
        _ACQUIRED | KfFlag.TRUSTED_ARGS,
        (_TASK,),
        RetKind.BTF_ID,
        "struct file *",
        8,
        no_object,
        _LSM,
    ),
    KFunc(
        "bpf_put_file",
        KfFlag.RELEASE,
        (KArg(ArgKind.BTF_ID, "struct file *", "file"),),
        RetKind.VOID,
        "void",
        0,
        do_nothing,
        _LSM,
    ),
    KFunc(
        "bpf_path_d_path",
        KfFlag.TRUSTED_ARGS,
        (
            KArg(ArgKind.BTF_ID, "const struct path *", "path"),
            KArg(ArgKind.MEM_SIZED, "char *", "buf"),
            KArg(ArgKind.SIZE, "size_t", "buf__sz"),
        ),
        RetKind.SCALAR,
        "int",
        4,
        path_d_path,
        _LSM,
    ),
)
"""The kfuncs of this module, in the order of their kernel sets."""
