"""BPF_MAP_TYPE_PERF_EVENT_ARRAY: per-index perf events that ``bpf_perf_event_output`` writes into.

Mirrors ``perf_event_array_map_ops`` in kernel/bpf/arraymap.c (asked of Linux 6.18):

* creation (``fd_array_map_alloc_check`` + ``array_map_alloc_check``): key and value 4 bytes,
  max_entries > 0, flags within the array mask, no BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG, no
  BPF_F_MMAPABLE / BPF_F_INNER_MAP; BPF_F_PRESERVE_ELEMS is allowed (only for this type); EINVAL
  otherwise, E2BIG past INT_MAX entries.
* update (``bpf_fd_array_map_update_elem``, the fd resolved by ``pybpf.kernel.map_elem``): flags other than
  BPF_ANY are EINVAL, an index past the array E2BIG, then the value must be a perf event fd
  (``perf_event_get``: EBADF for a closed fd or any other file, maps and programs included).
* lookup from user space is ENOTSUPP (524) for every key: the type has no
  ``map_fd_sys_lookup_elem``.  delete: E2BIG past the end, ENOENT for an empty slot.
  get_next_key as arrays.  No batch operations (ENOTSUPP).

Storage: per slot a u32 perf event object id (0 = empty) and a u32 open-file tag + 1 (0 = none).
A slot holds its event by a hard link ``perf-<id>`` in the array's reference directory
(``pybpf.objects.refs``), like a prog array holds programs.

Releases, per fd-array type, as kernel/bpf/arraymap.c has them: prog arrays empty every slot when
the map's last user reference (fd or pin) goes (``map_release_uref``, ``pybpf.maps.prog_array``);
map-in-map and cgroup arrays keep their slots until the map is freed (no release op).  Perf event
arrays have no ``map_release_uref`` but a per-file ``map_release``: without BPF_F_PRESERVE_ELEMS the
kernel empties the slots filled through one open file of the map when that file is released
(``perf_event_fd_array_release``: the entry remembers its ``map_file``; the last fd of that
description goes, and dup, fork and SCM_RIGHTS share it, while another fd of the same map, e.g. from
BPF_OBJ_GET, keeps nothing); with the flag they stay until the map is freed.  pybpf tags the open
file each update came through (``filled_through``: ``refs.tag_file``) and sees no close, so a slot
whose file is gone reads as empty at once -- to ``bpf_perf_event_output`` (``slot``) and to deletes
(ENOENT) -- and is emptied, its event let go, at the next collection (``release_closed_files``).
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import check_fd_array_params, next_array_key
from pybpf.maps.base import FdKind, FdTarget, MapParams, NoBtfMapOps, index_of
from pybpf.maps.registry import register
from pybpf.objects import refs
from pybpf.uapi import ENOTSUPP

_U32 = struct.Struct("<I")
_SLOT = struct.Struct("<II")
"""A slot: the event's id (0: empty), the tag + 1 of the open file that filled it (0: kept until
deleted, BPF_F_PRESERVE_ELEMS)."""


@register(uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY)
class PerfEventArrayMap(NoBtfMapOps):
    """Perf event object ids by index; updates go through ``store_object`` (the caller resolves the fd)."""

    read_locked = False
    fd_kind = FdKind.PERF_EVENT

    @classmethod
    def check(cls, params: MapParams) -> None:
        check_fd_array_params(params, "perf event array", preserve_elems=True)

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _SLOT.size * params.max_entries

    def _raw(self, index: int) -> tuple[int, int]:
        """(event id, tag + 1) of slot ``index``, whatever became of the file that filled it."""
        event_id, tag = _SLOT.unpack_from(self.mem, _SLOT.size * index)
        return event_id, tag

    def _file_gone(self, tag: int) -> bool:
        return tag != 0 and not self.file_alive(tag - 1)

    def slot(self, index: int) -> int:
        """The perf event id in slot ``index``; 0 when empty, or when the open file that filled it has
        been released (the kernel emptied the slot then)."""
        event_id, tag = self._raw(index)
        return 0 if event_id and self._file_gone(tag) else event_id

    def holds(self, object_id: int) -> bool:
        """Whether some slot still holds ``object_id`` (released files' slots too, until collected)."""
        return any(self._raw(i)[0] == object_id for i in range(self.max_entries))

    def _checked_index(self, key: bytes, flags: int) -> int:
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "perf event array updates take only BPF_ANY")
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        return index

    def check_fd_update(self, key: bytes, flags: int) -> None:
        """``bpf_fd_array_map_update_elem`` before the fd: only BPF_ANY, E2BIG past the end."""
        self._checked_index(key, flags)

    def store_object(self, key: bytes, target: FdTarget, flags: int) -> int:
        """Put perf event ``target`` into slot ``key``; returns the id it replaced (0: none)."""
        index = self._checked_index(key, flags)
        old = self._raw(index)[0]
        _SLOT.pack_into(self.mem, _SLOT.size * index, target.id, 0)
        return old

    def filled_through(self, key: bytes, map_fd: int) -> None:
        """Remember the open file of ``map_fd`` for slot ``key`` (``ee->map_file``), unless
        BPF_F_PRESERVE_ELEMS keeps the slot whatever becomes of it."""
        if not self.params.flags & uapi.BPF_F_PRESERVE_ELEMS:
            _U32.pack_into(self.mem, _SLOT.size * index_of(key) + 4, refs.tag_file(map_fd) + 1)

    def release_closed_files(self) -> list[int]:
        """``perf_event_fd_array_release`` of the files already released: their slots emptied; the
        events no slot holds any more."""
        gone = set()
        for index in range(self.max_entries):
            event_id, tag = self._raw(index)
            if event_id and self._file_gone(tag):
                _SLOT.pack_into(self.mem, _SLOT.size * index, 0, 0)
                gone.add(event_id)
        return [event_id for event_id in gone if not self.holds(event_id)]

    def lookup(self, key: bytes) -> bytes:
        raise BPFError(ENOTSUPP, "perf event arrays cannot be read from user space")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "perf event array values are perf event fds (use store_object)")

    def delete(self, key: bytes) -> None:
        self.remove_object(key)

    def remove_object(self, key: bytes) -> int:
        """Empty slot ``key``; returns the id it held.  E2BIG past the end, ENOENT when empty."""
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        old = self.slot(index)
        if not old:
            raise KeyNotExistError()  # a released file's slot stays for the collection to empty
        _SLOT.pack_into(self.mem, _SLOT.size * index, 0, 0)
        return old

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)
