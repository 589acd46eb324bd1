"""BPF_MAP_TYPE_DEVMAP and BPF_MAP_TYPE_DEVMAP_HASH: network devices ``bpf_redirect_map`` sends to.

Mirrors ``dev_map_ops`` and ``dev_map_hash_ops`` in kernel/bpf/devmap.c (measured on Linux 6.18):

* creation (``dev_map_init_map``): key 4 bytes, value 4 bytes (``struct bpf_devmap_val``'s ifindex)
  or 8 (ifindex and ``bpf_prog.fd``), max_entries > 0, flags within BPF_F_NUMA_NODE | BPF_F_RDONLY |
  BPF_F_WRONLY: EINVAL; a hash with more than 2^31 entries is EINVAL.  The map is created with
  BPF_F_RDONLY_PROG added (programs get a pointer to the entry: they may only read it).  The types
  take no BTF.
* values: the ifindex must name a device of the caller's network namespace (``dev_get_by_index``:
  EINVAL otherwise); a ``bpf_prog.fd`` > 0 must be an XDP program loaded with expected attach type
  BPF_XDP_DEVMAP (EINVAL otherwise; the map holds it by a reference, resolved by the syscall layer,
  and lookups read its id back); 0 or less means no program.
* DEVMAP (``dev_map_update_elem``, ``dev_map_delete_elem``, ``dev_map_get_next_key``): update flags
  past BPF_EXIST are EINVAL, an index past the array E2BIG, BPF_NOEXIST always EEXIST; ifindex 0
  empties the slot (with a program fd > 0: EINVAL); delete is EINVAL past the array and succeeds on
  an empty slot; get_next_key as arrays; lookup ENOENT for an empty slot.
* DEVMAP_HASH (``__dev_map_hash_update_elem`` & co.): any u32 key; flags past BPF_EXIST or ifindex 0
  are EINVAL, BPF_NOEXIST on a present key EEXIST (BPF_EXIST is not enforced), a new key when
  ``max_entries`` are present E2BIG (after the device and program checks); delete and lookup of an
  absent key ENOENT.  Keys live in ``roundup_pow_of_two(max_entries)`` buckets (key & (buckets -
  1)), newest first, and get_next_key walks them in that order, an absent key restarting at the
  first bucket -- the kernel's order, so iteration matches.
* lookup-and-delete and the batch commands are ENOTSUPP.

Storage (untrusted, see ``pybpf.maps.base``): an entry is (ifindex, program id) -- exactly the
``struct bpf_devmap_val`` a lookup returns, so a program's value pointer reads the kernel's bytes.
DEVMAP: one entry per index, ifindex 0 = empty.  DEVMAP_HASH: a u32 count of entries and 4 bytes of
padding, the bucket heads (u32 slot + 1, 0 = none), then per slot (u32 next slot + 1, key, ifindex,
program id); a free slot has ifindex 0.  Every link is range-checked and every chain walk bounded by
max_entries (EUCLEAN otherwise).
"""

from __future__ import annotations

import dataclasses
import errno
import socket
import struct

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.array import next_array_key
from pybpf.maps.base import (
    FdTarget,
    MapParams,
    NoBtfMapOps,
    ProgResolver,
    corrupted,
    index_of,
    refuse_programs,
)
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

DEV_CREATE_FLAG_MASK = uapi.BPF_F_NUMA_NODE | uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY
"""``DEV_CREATE_FLAG_MASK`` of kernel/bpf/devmap.c."""
VALUE_SIZES = (4, 8)
"""``offsetofend(struct bpf_devmap_val, ifindex)`` and ``offsetofend(..., bpf_prog.fd)``."""
PROG_FD_AT = 4
"""Where ``struct bpf_devmap_val`` holds ``bpf_prog.fd`` (``.id`` when read back)."""

_U32 = struct.Struct("<I")
_ENTRY = struct.Struct("<II")
"""(ifindex, program id): ``struct bpf_devmap_val`` as lookups return it."""
_HASH_HEADER = struct.Struct("<II")
"""DEVMAP_HASH: (entries present, padding)."""
_NODE_SIZE = 8 + _ENTRY.size
"""DEVMAP_HASH per slot: u32 next slot + 1, u32 key, then the entry (ifindex, program id)."""


def device_exists(ifindex: int) -> bool:
    """``dev_get_by_index(net, ifindex) != NULL`` in the caller's network namespace."""
    try:
        socket.if_indextoname(ifindex)
    except OSError:
        return False
    return True


class _DevMapBase(NoBtfMapOps):
    """What both device maps share: creation, values, the program fd of a value."""

    value_prog_fd_at = PROG_FD_AT
    redirect_flags = uapi.BPF_F_BROADCAST | uapi.BPF_F_EXCLUDE_INGRESS

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.max_entries == 0
            or params.key_size != 4
            or params.value_size not in VALUE_SIZES
            or params.flags & ~DEV_CREATE_FLAG_MASK
        ):
            raise BPFError(errno.EINVAL, "invalid device map attributes")

    @classmethod
    def check_adjusted(cls, params: MapParams) -> None:
        """``check`` of parameters that may carry the BPF_F_RDONLY_PROG ``adjust_params`` added."""
        cls.check(dataclasses.replace(params, flags=params.flags & ~uapi.BPF_F_RDONLY_PROG))

    @classmethod
    def adjust_params(cls, params: MapParams) -> MapParams:
        """``dev_map_init_map`` adds BPF_F_RDONLY_PROG: programs only read the entries."""
        return dataclasses.replace(params, flags=params.flags | uapi.BPF_F_RDONLY_PROG)

    def _prog_fd(self, value: bytes) -> int:
        if self.value_size < PROG_FD_AT + 4:
            return -1
        prog_fd: int = struct.unpack_from("<i", value, PROG_FD_AT)[0]
        return prog_fd

    def _new_entry(self, value: bytes, resolve: ProgResolver) -> bytes:
        """``__dev_map_alloc_node``: the entry of a value whose ifindex is not 0 (EINVAL for a device
        that does not exist or a program the map cannot take)."""
        ifindex: int = _U32.unpack_from(value)[0]
        if not device_exists(ifindex):
            raise BPFError(errno.EINVAL, f"no network device with ifindex {ifindex}")
        prog_fd = self._prog_fd(value)
        return _ENTRY.pack(ifindex, resolve(prog_fd) if prog_fd > 0 else 0)

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        self.update_with_programs(key, value, flags, refuse_programs)

    def check_value_prog(self, target: FdTarget) -> None:
        """``bpf_prog_get_type_dev(fd, BPF_PROG_TYPE_XDP)`` and the BPF_XDP_DEVMAP attach type."""
        if target.prog_type != uapi.BPF_PROG_TYPE_XDP or target.expected_attach_type != uapi.BPF_XDP_DEVMAP:
            raise BPFError(errno.EINVAL, "device map programs are XDP programs for BPF_XDP_DEVMAP")

    def lookup_and_delete(self, key: bytes) -> bytes:
        raise BPFError(ENOTSUPP, "device maps have no lookup_and_delete")

    def _value(self, entry_at: int) -> bytes:
        return bytes(self.mem[entry_at : entry_at + self.value_size])


@register(uapi.BPF_MAP_TYPE_DEVMAP)
class DevMap(_DevMapBase):
    """Devices by index."""

    read_locked = False

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _ENTRY.size * params.max_entries

    def _entry(self, index: int) -> tuple[int, int]:
        ifindex, prog_id = _ENTRY.unpack_from(self.mem, _ENTRY.size * index)
        return ifindex, prog_id

    def lookup(self, key: bytes) -> bytes:
        index = index_of(key)
        if index >= self.max_entries or not self._entry(index)[0]:
            raise KeyNotExistError()
        return self._value(_ENTRY.size * index)

    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """``dev_map_lookup_elem``: the entry, read-only to programs (BPF_F_RDONLY_PROG)."""
        index = index_of(key)
        if index >= self.max_entries or not self._entry(index)[0]:
            return None
        return _ENTRY.size * index

    def update_with_programs(self, key: bytes, value: bytes, flags: int, resolve: ProgResolver) -> None:
        """``__dev_map_update_elem``."""
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        if flags == uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "device map slots always exist")
        if _U32.unpack_from(value)[0]:
            entry = self._new_entry(value, resolve)
        elif self._prog_fd(value) > 0:
            raise BPFError(errno.EINVAL, "a program needs a device")
        else:
            entry = bytes(_ENTRY.size)
        self.mem[_ENTRY.size * index : _ENTRY.size * (index + 1)] = entry

    def delete(self, key: bytes) -> None:
        """``dev_map_delete_elem``: EINVAL past the array, an empty slot deletes fine."""
        index = index_of(key)
        if index >= self.max_entries:
            raise BPFError(errno.EINVAL, "index out of range")
        self.mem[_ENTRY.size * index : _ENTRY.size * (index + 1)] = bytes(_ENTRY.size)

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)

    def holds(self, object_id: int) -> bool:
        return any(self._entry(i)[0] and self._entry(i)[1] == object_id for i in range(self.max_entries))

    def redirect_target(self, key: int) -> bool:
        """``__dev_map_lookup_elem`` of ``bpf_redirect_map``: whether slot ``key`` holds a device."""
        return key < self.max_entries and bool(self._entry(key)[0])


def bucket_count(max_entries: int) -> int:
    """``roundup_pow_of_two(max_entries)``: DEVMAP_HASH's buckets."""
    return 1 << (max_entries - 1).bit_length()


@register(uapi.BPF_MAP_TYPE_DEVMAP_HASH)
class DevMapHash(_DevMapBase):
    """Devices by any u32 key, in the kernel's hash buckets."""

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.n_buckets = bucket_count(params.max_entries)
        self._slots_at = _HASH_HEADER.size + 4 * self.n_buckets

    @classmethod
    def check(cls, params: MapParams) -> None:
        super().check(params)
        if params.max_entries > 1 << 31:
            raise BPFError(errno.EINVAL, "too many entries for a device hash")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _HASH_HEADER.size + 4 * bucket_count(params.max_entries) + _NODE_SIZE * params.max_entries

    # --- the shared structure ---------------------------------------------------------------------
    def _count(self) -> int:
        count: int = _U32.unpack_from(self.mem, 0)[0]
        return count

    def _head_at(self, key: int) -> int:
        return _HASH_HEADER.size + 4 * (key & (self.n_buckets - 1))

    def _link(self, at: int) -> int | None:
        """The slot a link at byte ``at`` points to (None: the end); EUCLEAN for a bad link."""
        raw: int = _U32.unpack_from(self.mem, at)[0]
        if raw == 0:
            return None
        if raw > self.max_entries:
            raise corrupted("device hash link out of range")
        return raw - 1

    def _slot_at(self, slot: int) -> int:
        return self._slots_at + _NODE_SIZE * slot

    def _key_of(self, slot: int) -> int:
        key: int = _U32.unpack_from(self.mem, self._slot_at(slot) + 4)[0]
        return key

    def _chain(self, bucket_head_at: int) -> list[int]:
        """The slots of one bucket, first to last (bounded: a cycle is EUCLEAN)."""
        slots: list[int] = []
        slot = self._link(bucket_head_at)
        while slot is not None:
            if len(slots) >= self.max_entries:
                raise corrupted("device hash chain loops")
            slots.append(slot)
            slot = self._link(self._slot_at(slot))
        return slots

    def _find(self, key: int) -> int | None:
        for slot in self._chain(self._head_at(key)):
            if self._key_of(slot) == key:
                return slot
        return None

    def _unlink(self, key: int, slot: int) -> None:
        """Take ``slot`` out of its bucket's chain."""
        at = self._head_at(key)
        for other in self._chain(at):
            if other == slot:
                self.mem[at : at + 4] = self.mem[self._slot_at(slot) : self._slot_at(slot) + 4]
                return
            at = self._slot_at(other)

    def _free_slot(self) -> int:
        for slot in range(self.max_entries):
            if not _U32.unpack_from(self.mem, self._slot_at(slot) + 8)[0]:
                return slot
        raise corrupted("device hash has no free slot below max_entries")

    def recover(self) -> None:
        """After a holder died mid-update: slots no bucket reaches are freed and the count is what
        the buckets hold (an entry is published by one store of its bucket head)."""
        reachable: set[int] = set()
        for bucket in range(self.n_buckets):
            reachable.update(self._chain(_HASH_HEADER.size + 4 * bucket))
        for slot in set(range(self.max_entries)) - reachable:
            at = self._slot_at(slot)
            self.mem[at : at + _NODE_SIZE] = bytes(_NODE_SIZE)
        _U32.pack_into(self.mem, 0, len(reachable))

    # --- the operations -----------------------------------------------------------------------------
    def lookup(self, key: bytes) -> bytes:
        slot = self._find(_U32.unpack(key)[0])
        if slot is None:
            raise KeyNotExistError()
        return self._value(self._slot_at(slot) + 8)

    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """``dev_map_hash_lookup_elem``: the entry, read-only to programs (BPF_F_RDONLY_PROG)."""
        slot = self._find(_U32.unpack(key)[0])
        return None if slot is None else self._slot_at(slot) + 8

    def update_with_programs(self, key: bytes, value: bytes, flags: int, resolve: ProgResolver) -> None:
        """``__dev_map_hash_update_elem``."""
        index: int = _U32.unpack(key)[0]
        if flags > uapi.BPF_EXIST or not _U32.unpack_from(value)[0]:
            raise BPFError(errno.EINVAL, "bad update flags or no ifindex")
        old = self._find(index)
        if old is not None and flags & uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "key exists")
        entry = self._new_entry(value, resolve)
        if old is not None:
            self._unlink(index, old)
            slot = old
        else:
            if self._count() >= self.max_entries:
                raise BPFError(errno.E2BIG, "device hash is full")
            slot = self._free_slot()
            _U32.pack_into(self.mem, 0, self._count() + 1)
        head_at = self._head_at(index)
        at = self._slot_at(slot)
        self.mem[at : at + 4] = self.mem[head_at : head_at + 4]
        _U32.pack_into(self.mem, at + 4, index)
        self.mem[at + 8 : at + 8 + _ENTRY.size] = entry
        _U32.pack_into(self.mem, head_at, slot + 1)

    def delete(self, key: bytes) -> None:
        index: int = _U32.unpack(key)[0]
        slot = self._find(index)
        if slot is None:
            raise KeyNotExistError()
        self._unlink(index, slot)
        at = self._slot_at(slot)
        self.mem[at : at + _NODE_SIZE] = bytes(_NODE_SIZE)
        _U32.pack_into(self.mem, 0, max(self._count() - 1, 0))

    def get_next_key(self, key: bytes | None) -> bytes:
        """``dev_map_hash_get_next_key``: the rest of the key's bucket, then the next buckets."""
        bucket = 0
        if key is not None:
            index: int = _U32.unpack(key)[0]
            chain = self._chain(self._head_at(index))
            keys = [self._key_of(slot) for slot in chain]
            if index in keys:
                position = keys.index(index)
                if position + 1 < len(keys):
                    return _U32.pack(keys[position + 1])
                bucket = (index & (self.n_buckets - 1)) + 1
        for each in range(bucket, self.n_buckets):
            first = self._link(_HASH_HEADER.size + 4 * each)
            if first is not None:
                return _U32.pack(self._key_of(first))
        raise KeyNotExistError()

    def holds(self, object_id: int) -> bool:
        for slot in range(self.max_entries):
            ifindex, prog_id = _ENTRY.unpack_from(self.mem, self._slot_at(slot) + 8)
            if ifindex and prog_id == object_id:
                return True
        return False

    def redirect_target(self, key: int) -> bool:
        """``__dev_map_hash_lookup_elem`` of ``bpf_redirect_map``: whether ``key`` is present."""
        return self._find(key) is not None
