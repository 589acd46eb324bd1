"""Local storage maps: a value per kernel object (socket, task, inode, cgroup), reached from user
space through an fd of that object.

Mirrors kernel/bpf/bpf_local_storage.c, which the four types share (``bpf_local_storage_map_alloc_check``,
``bpf_local_storage_map_check_btf``, ``bpf_local_storage_update``), and the per-type files: socket
storage in net/core/bpf_sk_storage.c (``pybpf.maps.sk_storage``), and here
kernel/bpf/bpf_task_storage.c, kernel/bpf/bpf_inode_storage.c and kernel/bpf/bpf_cgrp_storage.c
(asked of Linux 6.18):

* creation: flags within BPF_F_NO_PREALLOC | BPF_F_CLONE and BPF_F_NO_PREALLOC given, max_entries 0,
  a 4-byte key, a value, and BTF type ids for both key and value (``requires_btf``), else EINVAL; a
  value above 65407 bytes (U16_MAX less the element's header) is E2BIG.  ``map_check_btf``: the key
  type must be a 4-byte int (EINVAL).  Values may hold a ``struct bpf_spin_lock``.
* the key user space passes is an fd of the calling process naming the owner, resolved before
  anything else (each type's ``owner_key``): a socket (sockets), a pidfd (tasks: EBADF for any other
  fd, ENOENT once the task is reaped), any open file (inodes: the file's inode), a cgroup directory of
  either hierarchy (cgroups: EBADF for anything else).  Updates take BPF_ANY / BPF_NOEXIST /
  BPF_EXIST (EEXIST / ENOENT), and BPF_F_LOCK only with a lock in the value; other flags are EINVAL.
  An owner without a value is ENOENT to lookups and deletes; two fds of one owner reach one value.
* no get_next_key and no batch operations (ENOTSUPP).

pybpf keys the values by a fixed-size name of the owner (``owner_size`` bytes: a socket's cookie, a
task's pid and start time, an inode's device and number, a cgroup's device and inode) in a growing
hash table (``pybpf.maps.hash``).  The kernel frees an owner's storage with the owner; pybpf sees no
close or exit, so the value of an owner that is gone stays in the table, unreachable, and counts
against pybpf's limit of ``OWNERS`` owners with a value per map (ENOMEM beyond).

Programs reach the values by the same names (``owner_value_offset``, ``create_owner_value``,
``delete_owner_value``; the helpers are in ``pybpf.helpers.sk_storage`` and
``pybpf.helpers.local_storage``).  A value a program creates starts as the value it passed (zeroes
without one) with its ``struct bpf_spin_lock`` zero (``copy_map_value`` skips it).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import ClassVar

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError
from pybpf.maps.base import MapOps, MapParams
from pybpf.maps.hash import HashMap
from pybpf.maps.registry import register
from pybpf.objects.cgroups import CGROUP_KEY, cgroup_key_of_fd
from pybpf.objects.tasks import TASK_KEY, pidfd_task_key
from pybpf.uapi import ENOTSUPP

LOCAL_STORAGE_CREATE_FLAG_MASK = uapi.BPF_F_NO_PREALLOC | uapi.BPF_F_CLONE
"""``BPF_LOCAL_STORAGE_CREATE_FLAG_MASK``."""
LOCAL_STORAGE_MAX_VALUE_SIZE = 0xFFFF - 128
"""``BPF_LOCAL_STORAGE_MAX_VALUE_SIZE``: U16_MAX less ``sizeof(struct bpf_local_storage_elem)``."""
OWNERS = 1 << 16
"""How many owners one map can give a value in pybpf (the kernel: as many as memory allows)."""


def key_fd(key: bytes) -> int:
    """The fd a local storage key holds (a native-endian int)."""
    return int.from_bytes(key[:4], "little", signed=True)


class LocalStorageMap(MapOps):
    """Values by owner name; subclasses say what the owners are (``owner_size``, ``owner_key``)."""

    requires_btf = True
    own_btf_check = True
    spin_lock_allowed = True
    owner_size: ClassVar[int]
    """Bytes of the name the values are keyed by."""
    kind: ClassVar[str]
    """What the owners are, for messages."""

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.table = HashMap(self.table_params(params), mem)
        """The values, keyed by owner name."""

    @classmethod
    def table_params(cls, params: MapParams) -> MapParams:
        """The hash table holding the values: owner names as keys, grown as owners get values."""
        return MapParams(
            uapi.BPF_MAP_TYPE_HASH, cls.owner_size, params.value_size, OWNERS, uapi.BPF_F_NO_PREALLOC
        )

    def owner_key(self, key: bytes) -> bytes:
        """The name of the owner whose fd ``key`` holds (the type's errnos for other fds)."""
        raise NotImplementedError

    # --- creation ---------------------------------------------------------------------------------
    @classmethod
    def check(cls, params: MapParams) -> None:
        """``bpf_local_storage_map_alloc_check``."""
        if (
            params.flags & ~LOCAL_STORAGE_CREATE_FLAG_MASK
            or not params.flags & uapi.BPF_F_NO_PREALLOC
            or params.max_entries
            or params.key_size != 4
            or not params.value_size
        ):
            raise BPFError(errno.EINVAL, f"invalid {cls.kind} storage attributes")
        if params.value_size > LOCAL_STORAGE_MAX_VALUE_SIZE:
            raise BPFError(errno.E2BIG, f"{cls.kind} storage value too large")

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """``bpf_local_storage_map_check_btf``: the key is a 4-byte int."""
        if key_type is None or key_type.kind != Kind.INT or key_type.size_type != 4:
            raise BPFError(errno.EINVAL, f"{cls.kind} storage keys are ints")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return HashMap.storage_size(cls.table_params(params))

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        return HashMap.reserved_size(cls.table_params(params))

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        super().attach_storage(reserve)
        self.table.attach_storage(reserve)

    def recover(self) -> None:
        self.table.recover()

    # --- user space: keys are fds -----------------------------------------------------------------
    def _within_limit(self, store: Callable[[], None]) -> None:
        """Run ``store``; a full table (pybpf's limit, E2BIG) is the kernel's ENOMEM."""
        try:
            store()
        except BPFError as exc:
            if exc.errno != errno.E2BIG:
                raise
            raise BPFError(errno.ENOMEM, f"pybpf gives at most {OWNERS} {self.kind}s a value") from None

    def lookup(self, key: bytes) -> bytes:
        return self.table.lookup(self.owner_key(key))

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        owner = self.owner_key(key)
        if (flags & ~uapi.BPF_F_LOCK) > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        self._within_limit(lambda: self.table.update(owner, value, flags))

    def update_in_place(self, key: bytes, value: bytes, flags: int) -> None:
        """A BPF_F_LOCK update (``pybpf.kernel.btfobj.update_value``): the value overwritten in place."""
        owner = self.owner_key(key)
        self._within_limit(lambda: self.table.update_in_place(owner, value, flags))

    def delete(self, key: bytes) -> None:
        self.table.delete(self.owner_key(key))

    def get_next_key(self, key: bytes | None) -> bytes:
        """``notsupp_get_next_key``: local storage cannot be walked from user space."""
        raise BPFError(ENOTSUPP, f"{self.kind} storage has no get_next_key")

    # --- programs: bpf_<kind>_storage_get / _delete -----------------------------------------------
    def owner_value_offset(self, owner: bytes) -> int | None:
        """Where the value of ``owner`` lives in the storage (``bpf_local_storage_lookup``); None when
        it has none."""
        return self.table.value_offset(owner, 0)

    def create_owner_value(self, owner: bytes, value: bytes) -> int | None:
        """``bpf_local_storage_update(.., BPF_NOEXIST)``: give ``owner`` the value ``value`` (its spin
        lock zero); where it lives, or None when the owner has one already or pybpf's table is full
        (the kernel: an allocation failure, both NULL to the program)."""
        lock_off = self.spin_lock_off
        if lock_off is not None:
            value = value[:lock_off] + bytes(4) + value[lock_off + 4 :]
        try:
            self.table.update(owner, value, uapi.BPF_NOEXIST)
        except BPFError:
            return None
        return self.table.value_offset(owner, 0)

    def delete_owner_value(self, owner: bytes) -> None:
        """``bpf_selem_unlink`` of the owner's value; ENOENT when it had none."""
        self.table.delete(owner)


@register(uapi.BPF_MAP_TYPE_TASK_STORAGE)
class TaskStorageMap(LocalStorageMap):
    """Values by task (``bpf_pid_task_storage_*_elem``: the key is a pidfd)."""

    owner_size = TASK_KEY.size
    kind = "task"

    def owner_key(self, key: bytes) -> bytes:
        return pidfd_task_key(key_fd(key))


@register(uapi.BPF_MAP_TYPE_INODE_STORAGE)
class InodeStorageMap(LocalStorageMap):
    """Values by inode (``bpf_fd_inode_storage_*_elem``: the key is any fd, ``fget_raw``)."""

    owner_size = 16
    kind = "inode"

    def owner_key(self, key: bytes) -> bytes:
        fd = key_fd(key)
        try:
            if fd < 0:
                raise OSError(errno.EBADF, "negative fd")
            st = os.fstat(fd)
        except OSError:
            raise BPFError(errno.EBADF, f"fd {fd} is not open") from None
        return st.st_dev.to_bytes(8, "little") + st.st_ino.to_bytes(8, "little")


@register(uapi.BPF_MAP_TYPE_CGRP_STORAGE)
class CgrpStorageMap(LocalStorageMap):
    """Values by cgroup (``bpf_cgrp_storage_*_elem``: the key is a cgroup directory's fd)."""

    owner_size = CGROUP_KEY.size
    kind = "cgroup"

    def owner_key(self, key: bytes) -> bytes:
        return cgroup_key_of_fd(key_fd(key))


__all__ = [
    "LOCAL_STORAGE_CREATE_FLAG_MASK",
    "LOCAL_STORAGE_MAX_VALUE_SIZE",
    "OWNERS",
    "CgrpStorageMap",
    "InodeStorageMap",
    "LocalStorageMap",
    "TaskStorageMap",
    "key_fd",
]
