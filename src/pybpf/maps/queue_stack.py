"""BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK: a bounded FIFO / LIFO of values without keys.

Mirrors ``kernel/bpf/queue_stack_maps.c``: creation needs key_size 0, a non-zero value_size and
max_entries, and only BPF_F_NUMA_NODE and the access flags (anything else, BPF_F_NO_PREALLOC
included, is EINVAL; a value_size above KMALLOC_MAX_SIZE is E2BIG).  The elements live in a ring of
``max_entries + 1`` slots with ``head`` (next push) and ``tail`` (oldest element) indices, as in the
kernel.  User space reaches the operations through the element commands with a NULL key:
push is BPF_MAP_UPDATE_ELEM (BPF_ANY: E2BIG when full; BPF_EXIST: overwrite the oldest element when
full; BPF_NOEXIST or unknown flags: EINVAL), peek is BPF_MAP_LOOKUP_ELEM and pop is
BPF_MAP_LOOKUP_AND_DELETE_ELEM (ENOENT when empty); DELETE and GET_NEXT_KEY are EINVAL.

Storage: an 8-byte word holding ``head`` and ``tail`` (u32 each), padding to 64 bytes, then the
ring.  A push writes the element into its free slot first and then publishes the new indices with
one aligned 8-byte store, and a pop reads the element before that store, so a process killed at any
point leaves either the old or the new state.  The indices are shared data: an index outside the
ring is EUCLEAN for every operation (``pybpf.maps.base``), and ``recover()`` resets such a ring.
"""

from __future__ import annotations

import errno
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import ACCESS_MASK, KMALLOC_MAX_SIZE, MapOps, MapParams, corrupted, flags_access_ok
from pybpf.maps.registry import register

QUEUE_STACK_CREATE_FLAG_MASK = uapi.BPF_F_NUMA_NODE | ACCESS_MASK
HEADER_BYTES = 64
_INDICES = struct.Struct("<II")


class QueueStackBase(MapOps):
    """The ring shared by both types; subclasses choose which end ``pop`` / ``peek`` take from."""

    push_pop_peek = True

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.size = params.max_entries + 1
        self.ring = mem[HEADER_BYTES:]

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.max_entries == 0
            or params.key_size != 0
            or params.value_size == 0
            or params.flags & ~QUEUE_STACK_CREATE_FLAG_MASK
            or not flags_access_ok(params.flags)
        ):
            raise BPFError(errno.EINVAL, "invalid queue/stack map attributes")
        if params.value_size > KMALLOC_MAX_SIZE:
            raise BPFError(errno.E2BIG, "value_size too large")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return HEADER_BYTES + (params.max_entries + 1) * params.value_size

    def _indices(self) -> tuple[int, int]:
        head, tail = _INDICES.unpack_from(self.mem, 0)
        if head >= self.size or tail >= self.size:
            raise corrupted(f"queue/stack indices {head}, {tail} outside a ring of {self.size} slots")
        return int(head), int(tail)

    def _publish(self, head: int, tail: int) -> None:
        self.mem[0:8] = _INDICES.pack(head, tail)

    def _slot(self, index: int) -> memoryview:
        start = index * self.value_size
        return self.ring[start : start + self.value_size]

    def _take(self) -> tuple[int, int, int]:
        """(slot to read, new head, new tail) for peek/pop; ENOENT when empty."""
        raise NotImplementedError

    def peek(self, value: bytes | None = None) -> bytes:
        """The element a pop would return, left in place."""
        index, _, _ = self._take()
        return bytes(self._slot(index))

    def pop(self) -> bytes:
        """Remove and return the next element (oldest for a queue, newest for a stack)."""
        index, head, tail = self._take()
        value = bytes(self._slot(index))
        self._publish(head, tail)
        return value

    def push(self, value: bytes, flags: int) -> None:
        """Append ``value``; when full E2BIG, or with BPF_EXIST drop the oldest element first."""
        if flags & uapi.BPF_NOEXIST or flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "queue/stack push takes BPF_ANY or BPF_EXIST")
        head, tail = self._indices()
        if (head + 1) % self.size == tail:
            if not flags & uapi.BPF_EXIST:
                raise BPFError(errno.E2BIG, "queue/stack is full")
            tail = (tail + 1) % self.size
        self._slot(head)[:] = value
        self._publish((head + 1) % self.size, tail)

    def lookup(self, key: bytes) -> bytes:
        return self.peek()

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        self.push(value, flags)

    def lookup_and_delete(self, key: bytes) -> bytes:
        """BPF_MAP_LOOKUP_AND_DELETE_ELEM pops (``map_pop_elem``)."""
        return self.pop()

    def recover(self) -> None:
        head, tail = _INDICES.unpack_from(self.mem, 0)
        if head >= self.size or tail >= self.size:
            self._publish(0, 0)


@register(uapi.BPF_MAP_TYPE_QUEUE)
class QueueMap(QueueStackBase):
    """FIFO: pop and peek take the oldest element (at ``tail``)."""

    def _take(self) -> tuple[int, int, int]:
        head, tail = self._indices()
        if head == tail:
            raise KeyNotExistError()
        return tail, head, (tail + 1) % self.size


@register(uapi.BPF_MAP_TYPE_STACK)
class StackMap(QueueStackBase):
    """LIFO: pop and peek take the newest element (just below ``head``)."""

    def _take(self) -> tuple[int, int, int]:
        head, tail = self._indices()
        if head == tail:
            raise KeyNotExistError()
        index = (head - 1) % self.size
        return index, index, tail
