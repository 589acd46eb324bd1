"""BPF_MAP_TYPE_ARRAY: fixed-size array of values indexed by a 4-byte key.

Mirrors ``kernel/bpf/arraymap.c``: key_size must be 4, elements are ``round_up(value_size, 8)``
bytes apart, all entries always exist (zero-filled), update with BPF_NOEXIST is EEXIST, delete is
EINVAL, an out-of-range index is ENOENT for lookup and E2BIG for update, and get_next_key walks
indices 0..max_entries-1.  The values start at offset 0 of the object's file, so with
BPF_F_MMAPABLE ``mmap(fd, 0)`` shows the values themselves, as the kernel's mmapable arrays do;
``mmap_check`` has ``array_map_mmap``'s rules (BPF_F_MMAPABLE, nothing past the page-rounded values:
EINVAL) and ``values_hash`` is ``array_map_get_hash`` (SHA-256 over ``max_entries`` 8-aligned
values, padding included).  As root (``bpf_bypass_spec_v1``) the kernel does not round max_entries
up to a power of two, so no entry count is E2BIG; an array larger than the machine's memory is
ENOMEM at creation (``pybpf.objects.accounting``).

An update copies the value in place, as the kernel's ``copy_map_value`` does, through the map's
redo journal (``pybpf.maps.journal``), so a writer killed inside the copy leaves the old value or
(after recovery) the new one, never a mixture.  The journal follows the values (for BPF_F_MMAPABLE
arrays on the next page boundary, so a mapping of the values never shows it): storage is
``max_entries * round_up(value_size, 8)`` bytes of values, then ``journal_bytes(elem_size)``, backed
with memory (and charged as the map's) at creation, so that an update never fails with ENOMEM: the
kernel's ``array_map_update_elem`` allocates nothing either.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import struct

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import ACCESS_MASK, BatchWalk, MapOps, MapParams, flags_access_ok, index_of, round_up
from pybpf.maps.hash import as_bytes, bytes_source
from pybpf.maps.journal import HEAD_BYTES, ValueJournal, journal_bytes
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

ARRAY_CREATE_FLAG_MASK = (
    uapi.BPF_F_NUMA_NODE
    | uapi.BPF_F_MMAPABLE
    | ACCESS_MASK
    | uapi.BPF_F_PRESERVE_ELEMS
    | uapi.BPF_F_INNER_MAP
)
_INDEX = struct.Struct("<I")
INT_MAX = (1 << 31) - 1
ARRAY_BATCH_COMMANDS = frozenset({uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_UPDATE_BATCH})
"""The batch ops of the array types: ``generic_map_lookup_batch`` and ``generic_map_update_batch``."""


def check_fd_array_params(params: MapParams, what: str, *, preserve_elems: bool = False) -> None:
    """``fd_array_map_alloc_check`` (kernel/bpf/arraymap.c), shared by the arrays of fds (programs, perf
    events, cgroups): 4-byte fd values without program access flags, then the array's own attribute
    rules; BPF_F_PRESERVE_ELEMS only where ``preserve_elems`` (perf event arrays).  EINVAL, E2BIG past
    INT_MAX entries."""
    if params.value_size != 4 or params.flags & (uapi.BPF_F_RDONLY_PROG | uapi.BPF_F_WRONLY_PROG):
        raise BPFError(errno.EINVAL, f"{what} values are 4-byte fds")
    if (
        params.max_entries == 0
        or params.key_size != 4
        or params.flags & ~ARRAY_CREATE_FLAG_MASK
        or not flags_access_ok(params.flags)
        or params.flags & (uapi.BPF_F_MMAPABLE | uapi.BPF_F_INNER_MAP)
        or (params.flags & uapi.BPF_F_PRESERVE_ELEMS and not preserve_elems)
    ):
        raise BPFError(errno.EINVAL, f"invalid {what} attributes")
    if params.max_entries > INT_MAX:
        raise BPFError(errno.E2BIG, "too many entries")


def array_meta_equal(template: MapParams, inner: MapParams) -> bool:
    """``array_map_meta_equal``: ``bpf_map_meta_equal``, and the same max_entries unless the
    template has BPF_F_INNER_MAP."""
    if not MapOps.meta_equal(template, inner):
        return False
    return bool(template.flags & uapi.BPF_F_INNER_MAP) or template.max_entries == inner.max_entries


def array_check_btf(params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
    """``array_map_check_btf``: 32-bit integer keys; only a one-element plain array may be keyless
    (global data: its value a DATASEC)."""
    if key_type is None:
        keyless_ok = params.map_type == uapi.BPF_MAP_TYPE_ARRAY and params.max_entries == 1
        if not keyless_ok or value_type.kind != Kind.DATASEC:
            raise BPFError(errno.EINVAL, "a keyless array must be a one-element DATASEC")
    elif key_type.kind != Kind.INT or key_type.int_bits != 32 or key_type.int_offset:
        raise BPFError(errno.EINVAL, "array keys must be 32-bit integers")


def next_array_key(key: bytes | None, max_entries: int) -> bytes:
    """``array_map_get_next_key`` (kernel/bpf/arraymap.c), which every map indexed by a u32 shares
    (prog, perf event, cgroup, sock, reuseport, dev, cpu and xsk maps): the first index for no key or
    one past the array, ENOENT after the last, else the next."""
    index = 0xFFFFFFFF if key is None else int(_INDEX.unpack_from(key)[0])
    if index >= max_entries:
        return _INDEX.pack(0)
    if index == max_entries - 1:
        raise KeyNotExistError()
    return _INDEX.pack(index + 1)


def _journal_at(params: MapParams) -> int:
    """Where an array's journal starts: after the values, page-aligned for a mmapable array (whose
    mapping may cover the values' last page)."""
    values = params.max_entries * round_up(params.value_size, 8)
    return round_up(values, mmap.PAGESIZE) if params.flags & uapi.BPF_F_MMAPABLE else values


@register(uapi.BPF_MAP_TYPE_ARRAY)
class ArrayMap(MapOps):
    """Plain array map: storage is ``max_entries`` slots of ``round_up(value_size, 8)`` bytes."""

    read_locked = False
    own_btf_check = True
    spin_lock_allowed = True
    can_mmap = True
    can_hash_values = True
    batch_commands = ARRAY_BATCH_COMMANDS
    batch_walk = BatchWalk.KEYS

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.elem_size = round_up(params.value_size, 8)
        self._buf = bytes_source(mem)
        values = params.max_entries * self.elem_size
        self._journal_data = _journal_at(params) + HEAD_BYTES
        self.journal = ValueJournal(mem, _journal_at(params), self.elem_size, values)
        """The redo journal of in-place value copies (see the module docstring)."""
        self._pending = self.journal.pending
        self._journal_words = self.journal.words

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        array_check_btf(params, key_type, value_type)

    @classmethod
    def check(cls, params: MapParams) -> None:
        if (
            params.max_entries == 0
            or params.key_size != 4
            or params.value_size == 0
            or params.flags & ~ARRAY_CREATE_FLAG_MASK
            or not flags_access_ok(params.flags)
        ):
            raise BPFError(errno.EINVAL, "invalid array map attributes")
        if params.flags & uapi.BPF_F_PRESERVE_ELEMS:
            raise BPFError(errno.EINVAL, "BPF_F_PRESERVE_ELEMS is for perf event arrays")
        if params.value_size > INT_MAX:
            raise BPFError(errno.E2BIG, "value_size too large")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _journal_at(params) + journal_bytes(round_up(params.value_size, 8))

    @classmethod
    def meta_equal(cls, template: MapParams, inner: MapParams) -> bool:
        return array_meta_equal(template, inner)

    def lookup(self, key: bytes) -> bytes:
        index: int = _INDEX.unpack(key)[0]
        if index >= self.max_entries:
            raise KeyNotExistError()
        if self._pending():  # a copy under way, or left by a dead writer: wait for it, or recover
            self.settle()
        start = index * self.elem_size
        return as_bytes(self._buf[start : start + self.value_size])

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if (flags & ~uapi.BPF_F_LOCK) > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        index: int = _INDEX.unpack(key)[0]
        if index >= self.max_entries:
            raise BPFError(errno.E2BIG, "index out of range")
        if flags & uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "array elements always exist")
        if len(value) != self.value_size:
            raise BPFError(errno.EINVAL, f"value must be {self.value_size} bytes, got {len(value)}")
        # ValueJournal.write, inlined (this is every user-space update's path): the new bytes to the
        # journal, published by one 8-byte store, copied, cleared.  (Should a copy raise, the journal
        # stays published and the next reader's settle completes it.)
        words, buf, at, start = self._journal_words, self._buf, self._journal_data, index * self.elem_size
        if words is None:  # pragma: no cover - big-endian hosts
            self.journal.write(buf, start, value)
            return
        size = self.value_size
        buf[at : at + size] = value
        words[1] = size
        words[0] = start + 1
        buf[start : start + size] = value
        words[0] = 0

    def write_value(self, offset: int, data: bytes) -> None:
        """Copy ``data`` to byte ``offset`` of the values through the journal (a per-CPU array's
        one-CPU update from a program); the caller holds the lock and has checked the range."""
        self.journal.write(self._buf, offset, data)

    def recover(self) -> None:
        """Complete the copy of a writer that died inside it (``ValueJournal.replay``)."""
        self.journal.replay()

    def unsettled(self) -> bool:
        return self._pending()

    def delete(self, key: bytes) -> None:
        raise BPFError(errno.EINVAL, "array elements cannot be deleted")

    def direct_value_offset(self, off: int) -> int:
        """``array_map_direct_value_addr``: only an array of one element has a direct value; ENOTSUPP
        for any other array, EINVAL past the value."""
        if self.max_entries != 1:
            raise BPFError(ENOTSUPP, "direct value access needs an array with max_entries 1")
        if off >= self.value_size:
            size = self.value_size
            raise BPFError(errno.EINVAL, f"invalid access to map value pointer, value_size={size} off={off}")
        return off

    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """``array_map_lookup_elem``: the slot of the index, None past ``max_entries``."""
        index = index_of(key)
        return index * self.elem_size if index < self.max_entries else None

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """``array_map_update_elem`` from a program: BPF_F_LOCK needs a bpf_spin_lock in the value
        (EINVAL after the index and BPF_NOEXIST checks when there is none); the lock word is never
        written (``copy_map_value``: it stays zero, the lock itself being the map's mutex)."""
        lock_off = self.spin_lock_off
        if flags & uapi.BPF_F_LOCK and (flags & ~uapi.BPF_F_LOCK) <= uapi.BPF_EXIST and lock_off is None:
            if index_of(key) >= self.max_entries:
                raise BPFError(errno.E2BIG, "index out of range")
            if flags & uapi.BPF_NOEXIST:
                raise BPFError(errno.EEXIST, "array elements always exist")
            raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the map value")
        if lock_off is not None:
            value = value[:lock_off] + bytes(4) + value[lock_off + 4 :]
        self.update(key, value, flags)

    def get_next_key(self, key: bytes | None) -> bytes:
        return next_array_key(key, self.max_entries)

    def mmap_check(self, offset: int, length: int, writable: bool) -> None:
        """``array_map_mmap``: only BPF_F_MMAPABLE arrays, and only their page-rounded values."""
        if not self.params.flags & uapi.BPF_F_MMAPABLE:
            raise BPFError(errno.EINVAL, "the array was not created with BPF_F_MMAPABLE")
        if offset + length > round_up(self.max_entries * self.elem_size, mmap.PAGESIZE):
            raise BPFError(errno.EINVAL, "mapping past the array's values")

    def values_hash(self) -> bytes:
        """``array_map_get_hash``: SHA-256 of ``max_entries * round_up(value_size, 8)`` bytes."""
        return hashlib.sha256(self.mem[: self.max_entries * self.elem_size]).digest()
