"""BPF_MAP_TYPE_STACK_TRACE: the stack traces ``bpf_get_stackid`` stores, by stack id.

Mirrors ``stack_trace_map_ops`` in kernel/bpf/stackmap.c (measured on Linux 6.18):

* creation (``stack_map_alloc``; the type has no ``map_alloc_check``): flags within BPF_F_NUMA_NODE
  | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID, max_entries > 0, key 4 bytes, value a
  non-zero multiple of 8 bytes holding at most ``kernel.perf_event_max_stack`` entries (8-byte
  instruction pointers, or 32-byte ``struct bpf_stack_build_id`` with BPF_F_STACK_BUILD_ID, the value
  then a multiple of 32): EINVAL; more than 2^31 entries is E2BIG.  The type takes no BTF.
* the stack ids are the buckets of a hash table of ``roundup_pow_of_two(max_entries)`` buckets:
  lookup (``bpf_stackmap_copy``) copies the bucket's trace and zeroes the rest of the value, ENOENT
  for an id past the buckets or an empty bucket; lookup-and-delete (``bpf_stackmap_extract``) also
  empties it; delete is E2BIG past the buckets, ENOENT for an empty one; get_next_key walks the
  non-empty buckets (a NULL, out-of-range or empty key starts over); update is EINVAL.  No batch
  operations.  Programs cannot look a trace up (``check_map_func_compatibility``: only
  ``bpf_get_stackid`` takes the map).

``bpf_get_stackid`` (``pybpf.helpers.stack_trace``) fills buckets with the stack it walks; pybpf runs
programs with no kernel stack and no task stack to walk, so the helper answers as the kernel's does
when ``get_perf_callchain`` finds no trace (-EFAULT) and the buckets stay empty -- the map's element
commands then answer as the kernel's do for a map its programs have not filled.

Storage: per bucket a u32 count of entries (0 = empty), the u32 hash of the trace and ``value_size``
bytes of entries.  The shared count is untrusted: it is clamped to what the value holds.
"""

from __future__ import annotations

import errno
import functools
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import MapParams, NoBtfMapOps
from pybpf.maps.registry import register

STACK_CREATE_FLAG_MASK = (
    uapi.BPF_F_NUMA_NODE | uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY | uapi.BPF_F_STACK_BUILD_ID
)
"""``STACK_CREATE_FLAG_MASK`` of kernel/bpf/stackmap.c."""
IP_SIZE = 8
"""An entry of a plain trace: one u64 instruction pointer."""
BUILD_ID_SIZE = 32
"""An entry of a BPF_F_STACK_BUILD_ID trace: ``sizeof(struct bpf_stack_build_id)``."""
DEFAULT_MAX_STACK = 127
"""``sysctl_perf_event_max_stack``'s default (PERF_MAX_STACK_DEPTH)."""

_U32 = struct.Struct("<I")
_HEADER = struct.Struct("<II")
"""A bucket's header: the number of entries (0: empty), the trace's hash."""


@functools.cache
def perf_event_max_stack() -> int:
    """``sysctl_perf_event_max_stack`` (kernel.perf_event_max_stack) of the running kernel."""
    try:
        with open("/proc/sys/kernel/perf_event_max_stack", encoding="ascii") as handle:
            return int(handle.read())
    except (OSError, ValueError):
        return DEFAULT_MAX_STACK


def entry_size(flags: int) -> int:
    """``stack_map_data_size``: bytes per trace entry."""
    return BUILD_ID_SIZE if flags & uapi.BPF_F_STACK_BUILD_ID else IP_SIZE


def bucket_count(max_entries: int) -> int:
    """``roundup_pow_of_two(max_entries)``: the number of buckets, so of stack ids."""
    return 1 << (max_entries - 1).bit_length()


@register(uapi.BPF_MAP_TYPE_STACK_TRACE)
class StackTraceMap(NoBtfMapOps):
    """Stack traces by stack id (a hash bucket)."""

    checked_by_alloc = True  # no map_alloc_check: map_alloc checks, after the capabilities

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.n_buckets = bucket_count(params.max_entries)
        self.entry_size = entry_size(params.flags)
        self._stride = _HEADER.size + params.value_size

    @classmethod
    def check(cls, params: MapParams) -> None:
        value_size = params.value_size
        if params.flags & ~STACK_CREATE_FLAG_MASK:
            raise BPFError(errno.EINVAL, "invalid stack trace map flags")
        if params.max_entries == 0 or params.key_size != 4 or value_size < IP_SIZE or value_size % IP_SIZE:
            raise BPFError(errno.EINVAL, "invalid stack trace map attributes")
        size = entry_size(params.flags)
        if value_size % size or value_size // size > perf_event_max_stack():
            raise BPFError(
                errno.EINVAL, "the value is not a whole trace of at most perf_event_max_stack entries"
            )
        if params.max_entries > 1 << 31:
            raise BPFError(errno.E2BIG, "too many entries")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return bucket_count(params.max_entries) * (_HEADER.size + params.value_size)

    def _id(self, key: bytes) -> int:
        stack_id: int = _U32.unpack(key)[0]
        return stack_id

    def _count(self, stack_id: int) -> int:
        """The entries in bucket ``stack_id`` (0: empty), clamped to what the value holds."""
        count: int = _U32.unpack_from(self.mem, self._stride * stack_id)[0]
        return min(count, self.value_size // self.entry_size)

    def _copy(self, key: bytes, *, delete: bool) -> bytes:
        """``bpf_stackmap_extract``: the trace of bucket ``key``, zero-padded to the value size."""
        stack_id = self._id(key)
        if stack_id >= self.n_buckets or not self._count(stack_id):
            raise KeyNotExistError()
        start = self._stride * stack_id + _HEADER.size
        length = self._count(stack_id) * self.entry_size
        value = bytes(self.mem[start : start + length]) + bytes(self.value_size - length)
        if delete:
            _HEADER.pack_into(self.mem, self._stride * stack_id, 0, 0)
        return value

    def lookup(self, key: bytes) -> bytes:
        """``bpf_stackmap_copy``."""
        return self._copy(key, delete=False)

    def lookup_and_delete(self, key: bytes) -> bytes:
        """``stack_map_lookup_and_delete_elem``: the trace, and the bucket emptied."""
        return self._copy(key, delete=True)

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        raise BPFError(errno.EINVAL, "stack traces are stored by bpf_get_stackid only")

    def delete(self, key: bytes) -> None:
        """``stack_map_delete_elem``: E2BIG past the buckets, ENOENT for an empty bucket."""
        stack_id = self._id(key)
        if stack_id >= self.n_buckets:
            raise BPFError(errno.E2BIG, "stack id past the buckets")
        if not self._count(stack_id):
            raise KeyNotExistError()
        _HEADER.pack_into(self.mem, self._stride * stack_id, 0, 0)

    def get_next_key(self, key: bytes | None) -> bytes:
        """``stack_map_get_next_key``: the next non-empty bucket."""
        stack_id = 0
        if key is not None:
            after = self._id(key)
            if after < self.n_buckets and self._count(after):
                stack_id = after + 1
        while stack_id < self.n_buckets and not self._count(stack_id):
            stack_id += 1
        if stack_id >= self.n_buckets:
            raise KeyNotExistError()
        return _U32.pack(stack_id)
