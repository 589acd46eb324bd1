"""BPF_MAP_TYPE_CPUMAP: the CPUs ``bpf_redirect_map`` hands XDP frames to.

Mirrors ``cpu_map_ops`` in kernel/bpf/cpumap.c (measured on Linux 6.18):

* creation (``cpu_map_alloc``): key 4 bytes, value 4 bytes (``struct bpf_cpumap_val``'s qsize) or 8
  (qsize and ``bpf_prog.fd``), max_entries > 0, no flag but BPF_F_NUMA_NODE: EINVAL; more entries
  than the kernel's NR_CPUS is E2BIG.  The type takes no BTF.
* update (``cpu_map_update_elem``): flags past BPF_EXIST are EINVAL, a key past the array E2BIG,
  BPF_NOEXIST always EEXIST, a qsize above 16384 EOVERFLOW, a key that is no possible CPU ENODEV;
  qsize 0 empties the entry; else the entry is allocated (``__cpu_map_entry_alloc``), and any
  failure there -- a ``bpf_prog.fd`` > 0 that is not an XDP program loaded for BPF_XDP_CPUMAP -- is
  ENOMEM.  The map holds the program by a reference (resolved by the syscall layer) and lookups
  read its id back.
* lookup: (qsize, program id), ENOENT for an empty entry or a key past the array; delete: EINVAL past
  the array, else 0 (empty or not); get_next_key as arrays; lookup-and-delete and the batch commands
  ENOTSUPP.  Programs cannot look entries up (only ``bpf_redirect_map`` takes the map).

pybpf runs no kthread per entry: a test run's ``bpf_redirect_map`` to an entry reports XDP_REDIRECT,
as the kernel's test run does, and the entry's program never runs (the kernel runs it only for frames
really redirected).

Storage: per entry (qsize, program id), qsize 0 = empty -- ``struct bpf_cpumap_val`` as read back.
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import next_array_key
from pybpf.maps.base import FdTarget, MapParams, NoBtfMapOps, ProgResolver, index_of, refuse_programs
from pybpf.maps.percpu import possible_cpus
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

NR_CPUS = 256
"""The kernel's CONFIG_NR_CPUS (measured: the largest max_entries BPF_MAP_CREATE accepts)."""
MAX_QSIZE = 16384
"""``cpu_map_update_elem``'s sanity limit on qsize."""
VALUE_SIZES = (4, 8)
"""``offsetofend(struct bpf_cpumap_val, qsize)`` and ``offsetofend(..., bpf_prog.fd)``."""
PROG_FD_AT = 4
"""Where ``struct bpf_cpumap_val`` holds ``bpf_prog.fd`` (``.id`` when read back)."""

_U32 = struct.Struct("<I")
_ENTRY = struct.Struct("<II")
"""(qsize, program id)."""


@register(uapi.BPF_MAP_TYPE_CPUMAP)
class CpuMap(NoBtfMapOps):
    """CPU entries by CPU number."""

    read_locked = False
    value_prog_fd_at = PROG_FD_AT
    redirect_flags = 0

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.max_entries == 0
            or params.key_size != 4
            or params.value_size not in VALUE_SIZES
            or params.flags & ~uapi.BPF_F_NUMA_NODE
        ):
            raise BPFError(errno.EINVAL, "invalid cpumap attributes")
        if params.max_entries > NR_CPUS:
            raise BPFError(errno.E2BIG, "more entries than NR_CPUS")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _ENTRY.size * params.max_entries

    def _entry(self, index: int) -> tuple[int, int]:
        qsize, prog_id = _ENTRY.unpack_from(self.mem, _ENTRY.size * index)
        return qsize, prog_id

    def lookup(self, key: bytes) -> bytes:
        index = index_of(key)
        if index >= self.max_entries or not self._entry(index)[0]:
            raise KeyNotExistError()
        return bytes(self.mem[_ENTRY.size * index : _ENTRY.size * index + self.value_size])

    def check_value_prog(self, target: FdTarget) -> None:
        """``bpf_prog_get_type(fd, BPF_PROG_TYPE_XDP)`` and the BPF_XDP_CPUMAP attach type."""
        if target.prog_type != uapi.BPF_PROG_TYPE_XDP or target.expected_attach_type != uapi.BPF_XDP_CPUMAP:
            raise BPFError(errno.EINVAL, "cpumap programs are XDP programs for BPF_XDP_CPUMAP")

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        self.update_with_programs(key, value, flags, refuse_programs)

    def update_with_programs(self, key: bytes, value: bytes, flags: int, resolve: ProgResolver) -> None:
        """``cpu_map_update_elem``."""
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "key past the array")
        if flags == uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "cpumap entries always exist")
        qsize: int = _U32.unpack_from(value)[0]
        if qsize > MAX_QSIZE:
            raise BPFError(errno.EOVERFLOW, "qsize above 16384")
        if index >= possible_cpus():
            raise BPFError(errno.ENODEV, f"CPU {index} is not possible")
        prog_id = 0
        if qsize:
            prog_fd: int = struct.unpack_from("<i", value, PROG_FD_AT)[0] if self.value_size == 8 else -1
            if prog_fd > 0:
                try:
                    prog_id = resolve(prog_fd)
                except BPFError:
                    raise BPFError(errno.ENOMEM, "the entry's program cannot be taken") from None
        _ENTRY.pack_into(self.mem, _ENTRY.size * index, qsize, prog_id)

    def delete(self, key: bytes) -> None:
        """``cpu_map_delete_elem``: EINVAL past the array, else the entry emptied (0 either way)."""
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.EINVAL, "key past the array")
        _ENTRY.pack_into(self.mem, _ENTRY.size * index, 0, 0)

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)

    def lookup_and_delete(self, key: bytes) -> bytes:
        raise BPFError(ENOTSUPP, "cpumaps have no lookup_and_delete")

    def holds(self, object_id: int) -> bool:
        return any(self._entry(i)[0] and self._entry(i)[1] == object_id for i in range(self.max_entries))

    def redirect_target(self, key: int) -> bool:
        """``__cpu_map_lookup_elem`` of ``bpf_redirect_map``: whether entry ``key`` is set up."""
        return key < self.max_entries and bool(self._entry(key)[0])
