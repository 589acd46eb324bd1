"""The task, cgroup and inode storage helpers, and the current task as programs see it.

Mirrors kernel/bpf/bpf_task_storage.c (``bpf_task_storage_get`` / ``_delete``),
kernel/bpf/bpf_cgrp_storage.c (``bpf_cgrp_storage_get`` / ``_delete``), kernel/bpf/bpf_inode_storage.c
(``bpf_inode_storage_get`` / ``_delete``) and ``bpf_get_current_task`` / ``bpf_get_current_task_btf``
of kernel/trace/bpf_trace.c (Linux 6.18), on the local storage maps of ``pybpf.maps.local_storage``:

* ``get(map, owner, value, flags)``: NULL for flags other than 0 and BPF_LOCAL_STORAGE_GET_F_CREATE
  or a NULL owner; the owner's value when it has one; else, with F_CREATE, a new value -- a copy of
  ``value`` (zeroes when NULL), its ``bpf_spin_lock`` zero -- or NULL when it cannot be made.  The
  pointer is a map value region of exactly ``value_size`` bytes (``MapAccess.value_pointer``).
* ``delete(map, owner)``: -EINVAL for a NULL owner, -ENOENT without a value, else 0.

What a run can point at: the current task is the calling thread (``pybpf.objects.tasks``: a
BPF_PROG_TEST_RUN runs in the caller's context), given to programs by ``bpf_get_current_task`` and
``bpf_get_current_task_btf`` as a read-only image of its ``task_struct`` (``pybpf.helpers.task_image``:
pid, tgid, comm, parents, and ``cgroups->dfl_cgrp``, an image of its cgroup, which the cgroup storage
helpers take too); its values persist in the map between runs, as the task does.  A cgroup reaches a
run through ``bpf_cgroup_from_id`` (``pybpf.objects.cgroups.cgroup_address``: its values are those user space
reaches through the cgroup directory's fd).  No kernel function hands a pybpf run an inode, so a
non-NULL owner the run cannot have is a ``HelperError`` (the kernel's verifier admits only such
objects), like any other task pointer.
"""

from __future__ import annotations

import errno

from pybpf import uapi
from pybpf.errors import BPFError, HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.maps import _checked_access, _map, _read, _wrong_type
from pybpf.helpers.registry import HelperRegistry
from pybpf.helpers.task_image import cgroup_id_of_image, current_task, task_key_of_image
from pybpf.maps.local_storage import CgrpStorageMap, InodeStorageMap, LocalStorageMap, TaskStorageMap
from pybpf.objects.cgroups import cgroup_id_of_address, cgroup_key_of_id
from pybpf.objects.tasks import task_of_address

LOCAL_STORAGE_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = LOCAL_STORAGE_HELPERS.helper

GET_F_CREATE = uapi.BPF_LOCAL_STORAGE_GET_F_CREATE


def _owner(map_cls: type[LocalStorageMap], owner: int, helper: str) -> bytes:
    """The storage name of the object at ``owner``: the current task, or a cgroup ``bpf_cgroup_from_id``
    gave (the only objects a run has)."""
    found: bytes | None = None
    if map_cls is TaskStorageMap:
        found = task_of_address(owner) or task_key_of_image(owner)
    elif map_cls is CgrpStorageMap:
        cgroup_id = cgroup_id_of_address(owner) or cgroup_id_of_image(owner)
        found = cgroup_key_of_id(cgroup_id) if cgroup_id is not None else None
    if found is None:
        raise HelperError(None, f"{helper}: R2 = {owner:#x} is not a {map_cls.kind} this run has")
    return found


def _get(  # noqa: PLR0917 - the helper's arguments and which storage
    ctx: HelperContext, map_ptr: int, owner: int, value: int, flags: int, map_cls: type[LocalStorageMap]
) -> int:
    helper = f"bpf_{'cgrp' if map_cls is CgrpStorageMap else map_cls.kind}_storage_get"
    obj = _map(ctx, map_ptr, helper)
    impl = obj.impl
    if not isinstance(impl, map_cls):
        raise _wrong_type(helper, obj, f"{map_cls.kind} storage maps")
    if flags & ~GET_F_CREATE or not owner:
        return 0
    key = _owner(map_cls, owner, helper)
    access = _checked_access(ctx)
    with obj.lock:
        offset = impl.owner_value_offset(key)
    if offset is None:
        if not flags:
            return 0
        size = obj.params.value_size
        initial = _read(ctx, value, size, (helper, 3, "value")) if value else bytes(size)
        with obj.lock:
            offset = impl.create_owner_value(key, initial)
        if offset is None:
            return 0
    return access.value_pointer(obj, offset, helper)


def _delete(ctx: HelperContext, map_ptr: int, owner: int, map_cls: type[LocalStorageMap]) -> int:
    helper = f"bpf_{'cgrp' if map_cls is CgrpStorageMap else map_cls.kind}_storage_delete"
    obj = _map(ctx, map_ptr, helper)
    impl = obj.impl
    if not isinstance(impl, map_cls):
        raise _wrong_type(helper, obj, f"{map_cls.kind} storage maps")
    if not owner:
        return -errno.EINVAL
    key = _owner(map_cls, owner, helper)
    try:
        with obj.lock:
            impl.delete_owner_value(key)
    except BPFError as exc:
        return -(exc.errno or errno.EINVAL)
    return 0


@_helper("bpf_task_storage_get")
def task_storage_get(ctx: HelperContext, map_ptr: int, task: int, value: int, flags: int, _r5: int) -> int:
    """``void *bpf_task_storage_get(map, task, value, flags)``: the task's value, or NULL."""
    return _get(ctx, map_ptr, task, value, flags, TaskStorageMap)


@_helper("bpf_task_storage_delete")
def task_storage_delete(ctx: HelperContext, map_ptr: int, task: int, *_: int) -> int:
    """``long bpf_task_storage_delete(map, task)``: 0, -ENOENT, -EINVAL for a NULL task."""
    return _delete(ctx, map_ptr, task, TaskStorageMap)


@_helper("bpf_cgrp_storage_get")
def cgrp_storage_get(ctx: HelperContext, map_ptr: int, cgroup: int, value: int, flags: int, _r5: int) -> int:
    """``void *bpf_cgrp_storage_get(map, cgroup, value, flags)``: the cgroup's value, or NULL."""
    return _get(ctx, map_ptr, cgroup, value, flags, CgrpStorageMap)


@_helper("bpf_cgrp_storage_delete")
def cgrp_storage_delete(ctx: HelperContext, map_ptr: int, cgroup: int, *_: int) -> int:
    """``long bpf_cgrp_storage_delete(map, cgroup)``: 0, -ENOENT, -EINVAL for a NULL cgroup."""
    return _delete(ctx, map_ptr, cgroup, CgrpStorageMap)


@_helper("bpf_inode_storage_get")
def inode_storage_get(ctx: HelperContext, map_ptr: int, inode: int, value: int, flags: int, _r5: int) -> int:
    """``void *bpf_inode_storage_get(map, inode, value, flags)``: the inode's value, or NULL."""
    return _get(ctx, map_ptr, inode, value, flags, InodeStorageMap)


@_helper("bpf_inode_storage_delete")
def inode_storage_delete(ctx: HelperContext, map_ptr: int, inode: int, *_: int) -> int:
    """``long bpf_inode_storage_delete(map, inode)``: 0, -ENOENT, -EINVAL for a NULL inode."""
    return _delete(ctx, map_ptr, inode, InodeStorageMap)


@_helper("bpf_get_current_task")
def get_current_task(ctx: HelperContext, *_: int) -> int:
    """``u64 bpf_get_current_task(void)``: the current task's image (``pybpf.helpers.task_image``)."""
    return current_task(ctx.memory)


@_helper("bpf_get_current_task_btf")
def get_current_task_btf(ctx: HelperContext, *_: int) -> int:
    """``struct task_struct *bpf_get_current_task_btf(void)``: the same address, BTF-typed."""
    return current_task(ctx.memory)


__all__ = [
    "LOCAL_STORAGE_HELPERS",
    "cgrp_storage_delete",
    "cgrp_storage_get",
    "get_current_task",
    "get_current_task_btf",
    "inode_storage_delete",
    "inode_storage_get",
    "task_storage_delete",
    "task_storage_get",
]
