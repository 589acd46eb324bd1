"""BPF_MAP_TYPE_HASH: a hash table of fixed-size keys and values in a pool of slots.

Mirrors ``kernel/bpf/hashtab.c`` as a user of the map can observe it: BPF_ANY / BPF_NOEXIST /
BPF_EXIST with EEXIST / ENOENT, E2BIG when a new key would exceed ``max_entries`` (replacing an
existing key always works, as with the kernel's per-CPU extra elements), ENOENT on deleting an absent
key, and get_next_key walking bucket by bucket: an absent (or NULL) key gives the first element, the
last element gives ENOENT.

Keys go where the kernel puts them, so every walk (get_next_key, the batch ops, for_each_map_elem,
map iterators) meets them in the kernel's order: the bucket is ``htab_map_hash`` (``jhash`` /
``jhash2``, ``pybpf.maps.jhash``) of the key under the map's seed, masked to ``n_buckets``; the
seed (``htab->hashrnd``) is 0 with BPF_F_ZERO_SEED, else random, drawn at creation and kept in the
shared header so that every process hashes alike.  A new element goes to the head of its bucket
(``hlist_nulls_add_head_rcu``), and so does the new element of an update of an existing key
(``htab_map_update_elem`` and ``htab_lru_map_update_elem`` add the new element at the head, then
unlink the old); the per-CPU types and hash of maps (``htab_map_update_elem_in_place``:
``replace_at_head`` False) and BPF_F_LOCK updates overwrite the value where the element is.

Storage (all little-endian u32 links, 0 = none, otherwise slot index + 1)::

    header   count, free list head, high-water mark of slots ever handed out, sequence count, seed
    buckets  n_buckets = roundup_pow_of_two(max_entries) heads
    journal  the redo journal of BPF_F_LOCK updates in place (``pybpf.maps.journal``, one value)
    slots    max_entries + 1 slots of [next u32][hash u32][key, 8-aligned][value, 8-aligned]

Creation applies ``htab_map_alloc``'s caps: more than 2^31 entries, or more buckets than a u32 byte
count of 16-byte buckets can hold (``n_buckets > U32_MAX / sizeof(struct bucket)``: more than 2^27
entries), is E2BIG.  The slot pool is backed with memory at creation unless BPF_F_NO_PREALLOC is
given; then slots are backed as the map grows (``MapOps.reserve_storage``), and an insert that
cannot get memory fails with ENOMEM, as the kernel's ``alloc_htab_elem`` does.

Every change is prepared in an unreachable slot and published with one aligned 4-byte store
(a bucket head or a predecessor's ``next``), so a process killed mid-update leaves every bucket chain
intact; ``recover()`` then rebuilds the free list and the count from the chains, cutting any chain
at a link that is out of range, already seen, or in the wrong bucket.  An update that moves a key
to the head publishes the new slot first and unlinks the old one after, as the kernel does: a
process killed in between leaves the key twice in its chain, the newer first, and ``recover()``
unlinks the older.

The storage is untrusted (``pybpf.maps.base``): every link is range-checked before it is followed
(a link beyond the pool is EUCLEAN; for growing maps, beyond the slots this process has seen backed,
the slots up to it are backed first), and chain walks detect loops with Brent's algorithm (a
tortoise that jumps to the walker after 1, 2, 4 ... steps: a few integer operations per step, no
visited set), so a lookup of an absent key on a looped chain
returns EUCLEAN after a number of steps of the order of the loop's length.  get_next_key returns a
key only if its slot sits in its hash's bucket and no earlier slot of the chain holds the same key,
so iteration always moves forward and ends.

Writers hold the map's mutex.  Readers from user space need not: the sequence count is a seqlock
(odd while a mutation is under way), so ``lookup_unlocked`` walks the chain without the mutex and
retries under it when the count moved -- the kernel's lookups are lock-free (RCU) too.  Each
process remembers the hashes of the keys it saw last (``KeyHashes``: jhash in Python costs about a
map operation; a remembered key one dict lookup); the seed is read from the header once per
process, when the map is opened or created.

A BPF_F_LOCK update of an existing element copies the value in place (``copy_map_value_locked``)
through the map's redo journal, inside an odd sequence count, and so does a per-CPU hash's program
update of one CPU's value (``write_value``: ``__htab_percpu_map_update_elem`` with ``onallcpus``
false, ``pybpf.maps.percpu`` and ``pybpf.maps.lru``): a writer killed in the copy leaves the count
odd (readers take the lock) and the journal published, which ``recover()`` replays (opening the map
does too: ``unsettled``), so the value is the old one or the new one, never a mixture.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import platform
import secrets
import struct
import sys
from typing import Protocol

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import (
    ACCESS_MASK,
    KMALLOC_MAX_SIZE,
    BatchWalk,
    MapOps,
    MapParams,
    corrupted,
    flags_access_ok,
    round_up,
)
from pybpf.maps.jhash import KeyHashes
from pybpf.maps.journal import ValueJournal, journal_bytes
from pybpf.maps.registry import register
from pybpf.objects.credentials import CAP_SYS_ADMIN, current

HTAB_CREATE_FLAG_MASK = (
    uapi.BPF_F_NO_PREALLOC
    | uapi.BPF_F_NO_COMMON_LRU
    | uapi.BPF_F_NUMA_NODE
    | ACCESS_MASK
    | uapi.BPF_F_ZERO_SEED
)
_U32 = struct.Struct("<I")
_LINK_HASH = struct.Struct("<II")
_HEADER_BYTES = 64
_COUNT, _FREE, _HIGH, _SEQ, _SEED = 0, 4, 8, 12, 16  # count, free list head, high-water mark, seqcount, seed
_COUNT_W, _FREE_W, _HIGH_W, _SEQ_W = 0, 1, 2, 3  # the same fields as word indices
_NOEXIST, _EXIST, _NOT_F_LOCK = uapi.BPF_NOEXIST, uapi.BPF_EXIST, ~uapi.BPF_F_LOCK
"""The update flags as module constants (one lookup each on the hot paths)."""
_HEAD_WORD = _HEADER_BYTES // 4
"""Word index of bucket 0's head."""
SEQ_OFFSET = _SEQ
"""Byte offset of the sequence count (the seqlock), for readers outside Python (the JIT's lookups)."""
SEED_OFFSET = _SEED
"""Byte offset of the map's hash seed (``htab->hashrnd``), for hashing outside Python (the JIT)."""
BUCKETS_OFFSET = _HEADER_BYTES
"""Byte offset of bucket 0's head link (then one u32 link per bucket)."""
COUNT_OFFSET, FREE_OFFSET, HIGH_OFFSET = _COUNT, _FREE, _HIGH
"""Byte offsets of the element count, the free list's head and the high-water mark (for writers
outside Python holding the map's mutex: the JIT's updates and deletes)."""
_SLOT_HEAD = 8  # next, hash
HTAB_BATCH_COMMANDS = frozenset(
    {
        uapi.BPF_MAP_LOOKUP_BATCH,
        uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH,
        uapi.BPF_MAP_UPDATE_BATCH,
        uapi.BPF_MAP_DELETE_BATCH,
    }
)
"""The batch ops of the hash types: ``htab_map_lookup_batch``, ``htab_map_lookup_and_delete_batch``,
``generic_map_update_batch`` and ``generic_map_delete_batch``."""
_LOCKFREE_READS = platform.machine().lower() in ("x86_64", "amd64", "i386", "i486", "i586", "i686")
"""Lock-free (seqlock) lookups need loads kept in program order, as x86 guarantees (TSO); Python
issues no memory barriers, so weakly ordered CPUs always take the lock."""


U32_MAX = 0xFFFFFFFF
BUCKET_BYTES = 16
"""``sizeof(struct bucket)`` in the kernel (an hlist head and a spinlock), for the n_buckets cap."""
GROW_BYTES = 64 << 10
"""How much more slot storage a growing map backs at a time."""


def _pow2(value: int) -> int:
    return 1 << max(0, (value - 1).bit_length())


def htab_check_alloc(params: MapParams) -> None:
    """``htab_map_alloc``'s E2BIG caps on max_entries (after BPF_F_NO_COMMON_LRU rounding)."""
    if params.max_entries > 1 << 31:
        raise BPFError(errno.E2BIG, "more than 2^31 entries")
    if _pow2(params.max_entries) > U32_MAX // BUCKET_BYTES:
        raise BPFError(errno.E2BIG, f"{_pow2(params.max_entries)} buckets overflow a u32 byte count")


def _loop() -> BPFError:
    return corrupted("a hash chain loops")


def bytes_source(mem: memoryview) -> mmap.mmap | memoryview:
    """What to slice for reads: the mmap ``mem`` views from its start (slices of an mmap are bytes,
    built and compared faster than memoryview slices), else ``mem`` itself."""
    base = mem.obj
    if not isinstance(base, mmap.mmap) or mem.readonly or not len(mem):
        return mem
    try:
        same = ctypes.addressof(ctypes.c_char.from_buffer(mem)) == ctypes.addressof(
            ctypes.c_char.from_buffer(base)
        )
    except (TypeError, ValueError, BufferError):
        return mem
    return base if same else mem


def as_bytes(data: bytes | memoryview) -> bytes:
    return data if isinstance(data, bytes) else bytes(data)


class Words(Protocol):
    """The little-endian u32 words of a storage, indexed by byte offset // 4."""

    def __getitem__(self, index: int, /) -> int: ...
    def __setitem__(self, index: int, value: int, /) -> None: ...


class _LittleEndianWords:
    """``u32_words`` on a big-endian host: each word through ``struct`` (the storage stays
    little-endian, as on every other host)."""

    def __init__(self, mem: memoryview) -> None:
        self._mem = mem

    def __getitem__(self, index: int) -> int:
        if index < 0:
            raise IndexError("negative word index")
        word: int = _U32.unpack_from(self._mem, 4 * index)[0]
        return word

    def __setitem__(self, index: int, value: int) -> None:
        if index < 0:
            raise IndexError("negative word index")
        _U32.pack_into(self._mem, 4 * index, value)


def u32_words(mem: memoryview) -> Words:
    """``mem`` as u32 words (a word index is a byte offset // 4): on a little-endian host a cast of
    the memoryview, whose items read and write one aligned 4-byte word each -- about half the cost
    of a ``struct`` call, and a single store where the storage's links are published.  An index
    past the end raises IndexError or struct.error (EUCLEAN for the element commands); indices are
    never negative (a link is at least 1)."""
    if sys.byteorder == "little":
        return mem[: len(mem) // 4 * 4].cast("B").cast("I")
    return _LittleEndianWords(mem)


def _layout(params: MapParams) -> tuple[int, int]:
    """(journal, slots) offsets in a hash map's storage: after the header and the buckets."""
    journal_at = round_up(_HEADER_BYTES + 4 * _pow2(params.max_entries), 8)
    return journal_at, journal_at + journal_bytes(round_up(params.value_size, 8))


@register(uapi.BPF_MAP_TYPE_HASH)
class HashMap(MapOps):
    """Hash map whose whole state lives in the shared storage.

    Besides the chains, the header holds a sequence count (a seqlock): every mutation makes it odd
    before its first store and even again after its last, so ``lookup_unlocked`` can read without
    the map's mutex and detect a concurrent writer (or one that died mid-update: ``recover`` makes
    the count even again).  Mutations themselves run with the mutex held, as before.
    """

    spin_lock_allowed = True
    batch_commands = HTAB_BATCH_COMMANDS
    batch_walk = BatchWalk.BUCKETS

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.n_buckets = _pow2(params.max_entries)
        self.key_stride = round_up(params.key_size, 8)
        self.slot_size = _SLOT_HEAD + self.key_stride + round_up(params.value_size, 8)
        self.n_slots = params.max_entries + 1
        journal_at, self.slots_at = _layout(params)
        self.journal = ValueJournal(mem, journal_at, round_up(params.value_size, 8), len(mem))
        """The redo journal of BPF_F_LOCK updates in place (``update_in_place``)."""
        self._buf = bytes_source(mem)
        self._words = u32_words(mem)
        # slot link L (>= 1) starts at _base + L * slot_size; its key at +8, its value at +_value_at;
        # in words: its next link is word _wbase + L * _wsize, its hash the word after
        self._base = self.slots_at - self.slot_size
        self._wbase = self._base // 4
        self._wsize = self.slot_size // 4
        self._value_at = _SLOT_HEAD + self.key_stride
        self._mask = self.n_buckets - 1
        self._backed = 0 if params.flags & uapi.BPF_F_NO_PREALLOC else self.n_slots
        """Links up to this one name slots this process knows to be backed with memory (all of them
        for a preallocated map); following a larger link first backs the slots up to it."""
        self._grow_slots = max(1, GROW_BYTES // self.slot_size)
        self._hashes = KeyHashes(self._get(_SEED))
        """The hashes of keys under the map's seed (read once: ``initialize`` draws it)."""
        self._memo = self._hashes.memo
        self.replace_at_head = True
        """Whether an update of an existing key moves it to the head of its bucket (the kernel's
        hash and LRU hash) or keeps its place (the per-CPU types and hash of maps, whose existing
        elements' values are replaced in place: ``htab_map_update_elem_in_place``)."""

    @classmethod
    def check(cls, params: MapParams) -> None:
        if params.flags & uapi.BPF_F_ZERO_SEED and not current().capable(CAP_SYS_ADMIN):
            raise BPFError(errno.EPERM, "BPF_F_ZERO_SEED needs CAP_SYS_ADMIN")  # htab_map_alloc_check
        if params.flags & ~HTAB_CREATE_FLAG_MASK or not flags_access_ok(params.flags):
            raise BPFError(errno.EINVAL, "invalid hash map flags")
        lru = params.map_type in (uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH)
        if params.flags & uapi.BPF_F_NO_COMMON_LRU and not lru:
            raise BPFError(errno.EINVAL, "BPF_F_NO_COMMON_LRU is for LRU maps")
        if params.max_entries == 0 or params.key_size == 0 or params.value_size == 0:
            raise BPFError(errno.EINVAL, "zero key_size, value_size or max_entries")
        if params.key_size + params.value_size >= KMALLOC_MAX_SIZE - 48:
            raise BPFError(errno.E2BIG, "key and value too large")

    @classmethod
    def check_alloc(cls, params: MapParams) -> None:
        htab_check_alloc(params)

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        slot = _SLOT_HEAD + round_up(params.key_size, 8) + round_up(params.value_size, 8)
        return _layout(params)[1] + (params.max_entries + 1) * slot

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        """Everything when preallocated; else the header, the buckets (``htab->buckets``) and the
        journal."""
        if params.flags & uapi.BPF_F_NO_PREALLOC:
            return _layout(params)[1]
        return cls.storage_size(params)

    def initialize(self) -> None:
        """``htab_map_alloc``'s ``hashrnd``: 0 with BPF_F_ZERO_SEED, else a random u32."""
        seed = 0 if self.params.flags & uapi.BPF_F_ZERO_SEED else secrets.randbits(32)
        self._set(_SEED, seed)
        self._hashes = KeyHashes(seed)
        self._memo = self._hashes.memo

    @property
    def seed(self) -> int:
        """The seed this instance hashes keys with."""
        return self._hashes.seed

    def key_hash(self, key: bytes) -> int:
        """``htab_map_hash`` of ``key`` under the map's seed."""
        hashed = self._memo.get(key)
        return self._hashes(key) if hashed is None else hashed

    # --- raw access -------------------------------------------------------------------------
    def _get(self, offset: int) -> int:
        value: int = _U32.unpack_from(self.mem, offset)[0]
        return value

    def _set(self, offset: int, value: int) -> None:
        _U32.pack_into(self.mem, offset, value)

    def _slot(self, link: int) -> int:
        """Byte offset of the slot a link value (index + 1) names."""
        return self.slots_at + (link - 1) * self.slot_size

    def _back(self, link: int) -> None:
        """A link beyond ``_backed``: EUCLEAN beyond the pool (or 0 where a link is required), else
        back the slots up to it (growing maps; ENOMEM when there is no memory)."""
        if not 0 < link <= self.n_slots:
            raise corrupted(f"slot link {link} outside the pool of {self.n_slots} slots")
        if link <= self._backed:
            return
        target = min(self.n_slots, max(link, self._backed + self._grow_slots))
        size, base = self.slot_size, self._base
        self.reserve_storage(base + (self._backed + 1) * size, base + (target + 1) * size)
        self._backed = target

    def _checked(self, link: int) -> int:
        """``link`` after ``_back``: the offset of a slot that may be read and written."""
        if not 0 < link <= self._backed:
            self._back(link)
        return self._base + link * self.slot_size

    def _find(self, key: bytes) -> tuple[int, int, int]:
        """(hash, word index of the link pointing at the key's slot or at the chain end, slot link)."""
        hashed = self._memo.get(key)
        if hashed is None:
            hashed = self._hashes(key)
        link_at = _HEAD_WORD + (hashed & self._mask)
        buf, words, wbase, wsize, end = self._buf, self._words, self._wbase, self._wsize, 8 + self.key_size
        link = tortoise = words[link_at]
        backed = self._backed
        steps = 0  # Brent's loop detection: the tortoise jumps to the hare at steps 1, 2, 4 ...
        while link:
            if link > backed:
                self._back(link)
                backed = self._backed
            slot = wbase + link * wsize
            if words[slot + 1] == hashed:
                at = slot * 4
                if buf[at + 8 : at + end] == key:
                    return hashed, link_at, link
            link_at = slot
            link = words[slot]
            if link == tortoise:
                raise _loop()
            steps += 1
            if not steps & (steps - 1):
                tortoise = link
        return hashed, link_at, 0

    def _alloc(self) -> int:
        free = self._get(_FREE)
        if free:
            self._set(_FREE, self._get(self._checked(free)))
            return free
        high = self._get(_HIGH)
        if high >= self.n_slots:
            raise BPFError(errno.E2BIG, "no free slot")
        self._checked(high + 1)
        self._set(_HIGH, high + 1)
        return high + 1

    def _release(self, link: int) -> None:
        self._set(self._slot(link), self._get(_FREE))
        self._set(_FREE, link)

    def _fill(self, link: int, hashed: int, nxt: int, key: bytes, value: bytes) -> None:
        slot = self._checked(link)
        base = slot + _SLOT_HEAD
        self.mem[base : base + self.key_size] = key
        base += self.key_stride
        self.mem[base : base + self.value_size] = value
        _LINK_HASH.pack_into(self.mem, slot, nxt, hashed)

    def _begin_write(self) -> int:
        """Make the sequence count odd (a write is in progress); returns the count to end with."""
        seq = self._get(_SEQ)
        self._set(_SEQ, (seq | 1) & 0xFFFFFFFF)
        return ((seq | 1) + 1) & 0xFFFFFFFF

    # --- operations -------------------------------------------------------------------------
    def lookup(self, key: bytes) -> bytes:
        _, _, link = self._find(key)
        if not link:
            raise KeyNotExistError()
        start = self._base + link * self.slot_size + self._value_at
        found = self._buf[start : start + self.value_size]
        return as_bytes(found)

    def lookup_unlocked(self, key: bytes) -> bytes | None:
        """``lookup`` without the map's mutex: the value, ``KeyNotExistError``, or None when a writer
        ran meanwhile (or is dead mid-update), or something looked wrong, and the caller must take the
        lock and ``lookup`` (which reports corruption).

        The seqlock read side: the count is read before and after the walk; equal and even means no
        mutation overlapped, so what was read is a state the map really had.  The walk is bounded
        (Brent's loop detection) and every link is range-checked, since a slot may be recycled into
        another chain under it.
        """
        if not _LOCKFREE_READS:
            return None
        words = self._words
        seq = words[_SEQ_W]
        if seq & 1:
            return None
        hashed = self._memo.get(key)
        if hashed is None:
            hashed = self._hashes(key)
        buf, wbase, wsize, end = self._buf, self._wbase, self._wsize, 8 + self.key_size
        backed = self._backed
        link = tortoise = words[_HEAD_WORD + (hashed & self._mask)]
        steps = 0
        while link:
            if link > backed:
                return None
            slot = wbase + link * wsize
            if words[slot + 1] == hashed:
                at = slot * 4
                if buf[at + 8 : at + end] == key:
                    at += self._value_at
                    value = buf[at : at + self.value_size]
                    if words[_SEQ_W] != seq:
                        return None
                    return as_bytes(value)
            link = words[slot]
            if link == tortoise:
                return None
            steps += 1
            if not steps & (steps - 1):
                tortoise = link
        if words[_SEQ_W] != seq:
            return None
        raise KeyNotExistError()

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if (flags & _NOT_F_LOCK) > _EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        # _find, inlined: this is the hot path of every user-space and program update
        buf, words, wbase, wsize = self._buf, self._words, self._wbase, self._wsize
        hashed = self._memo.get(key)
        if hashed is None:
            hashed = self._hashes(key)
        head_at = link_at = _HEAD_WORD + (hashed & self._mask)
        key_end = 8 + self.key_size
        old = tortoise = words[link_at]
        backed = self._backed
        steps = 0
        while old:
            if old > backed:
                self._back(old)
                backed = self._backed
            slot = wbase + old * wsize
            if words[slot + 1] == hashed:
                at = slot * 4
                if buf[at + 8 : at + key_end] == key:
                    break
            link_at = slot
            old = words[slot]
            if old == tortoise:
                raise _loop()
            steps += 1
            if not steps & (steps - 1):
                tortoise = old
        if old:
            if flags & 3 == _NOEXIST:
                raise BPFError(errno.EEXIST, "key exists")
        elif flags & 3 == _EXIST:
            raise KeyNotExistError()
        elif words[_COUNT_W] >= self.max_entries:
            raise BPFError(errno.E2BIG, "map is full")
        new = words[_FREE_W]
        grown = not new
        if new:
            if new > backed:
                self._back(new)
            free = words[wbase + new * wsize]
        else:  # a slot never used before: the high-water mark grows
            new = words[_HIGH_W] + 1
            if new > self.n_slots:
                raise BPFError(errno.E2BIG, "no free slot")
            if new > backed:
                self._back(new)
            free = 0
        if new == old:
            raise corrupted("the free list holds a slot that is in use")
        seq = words[_SEQ_W] | 1
        # The new slot is unreachable until published by one aligned store (a bucket head or a
        # predecessor's next); the high-water mark grows before, the free list and count follow
        # (recover() rebuilds them from the chains if this process dies in between, keeping every
        # chain's slots up to the mark).
        words[_SEQ_W] = seq  # odd: a write is in progress
        try:
            slot = wbase + new * wsize
            at = slot * 4
            buf[at + 8 : at + key_end] = key
            at += self._value_at
            buf[at : at + self.value_size] = value
            words[slot + 1] = hashed
            if grown:  # before the slot is published: a chain never holds a link above the mark
                words[_HIGH_W] = new
            if old:
                old_slot = wbase + old * wsize
                if self.replace_at_head:  # the new element first in its bucket, then the old unlinked
                    words[slot] = words[head_at]
                    words[head_at] = new  # publish
                    words[slot if link_at == head_at else link_at] = words[old_slot]
                else:  # in the old element's place
                    words[slot] = words[old_slot]
                    words[link_at] = new  # publish
                words[old_slot] = free  # the old slot heads the free list
                words[_FREE_W] = old
            else:
                words[slot] = words[head_at]
                words[head_at] = new  # publish
                words[_FREE_W] = free
                words[_COUNT_W] += 1
        finally:
            words[_SEQ_W] = (seq + 1) & 0xFFFFFFFF  # even again

    def lookup_and_delete(self, key: bytes) -> bytes:
        """``htab_map_lookup_and_delete_elem``: the value, and the key removed."""
        value = self.lookup(key)
        self.delete(key)
        return value

    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """``htab_map_lookup_elem``: where the key's value lives in the storage, None when absent.

        (The pointer stays valid until the element is deleted or replaced: an update of an existing
        key publishes a new slot and frees the old one, as the kernel's preallocated htab does.)
        """
        _, _, link = self._find(key)
        return self._slot(link) + _SLOT_HEAD + self.key_stride if link else None

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """``htab_map_update_elem``: BPF_F_LOCK (valid flags otherwise) is EINVAL before any lookup
        when the values have no bpf_spin_lock; with one the lock word is never written and BPF_F_LOCK
        updates an existing element in place (``update_in_place``)."""
        lock_off = self.spin_lock_off
        if lock_off is not None:
            value = value[:lock_off] + bytes(4) + value[lock_off + 4 :]
            if flags & uapi.BPF_F_LOCK:
                self.update_in_place(key, value, flags)
                return
        if flags & uapi.BPF_F_LOCK and (flags & ~uapi.BPF_F_LOCK) <= uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "BPF_F_LOCK needs a bpf_spin_lock in the map value")
        self.update(key, value, flags)

    def update_in_place(self, key: bytes, value: bytes, flags: int) -> None:
        """``htab_map_update_elem`` with BPF_F_LOCK (values holding a bpf_spin_lock): an element that
        exists has its value overwritten in place (``copy_map_value_locked``; the caller holds the lock
        and has zeroed the lock word), a new key is inserted as by ``update``."""
        if (flags & ~uapi.BPF_F_LOCK) > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        _, _, link = self._find(key)
        if not link:
            self.update(key, value, flags)
            return
        if flags & 3 == uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "key exists")
        start = self._slot(link) + _SLOT_HEAD + self.key_stride
        if self.special_fields:  # copy_map_value_locked copies around them
            kept = bytearray(value)
            for off, width in self.special_fields:
                kept[off : off + width] = self.mem[start + off : start + off + width]
            value = bytes(kept)
        if len(value) != self.value_size:
            raise BPFError(errno.EINVAL, f"value must be {self.value_size} bytes, got {len(value)}")
        end_seq = self._begin_write()
        try:
            self.journal.write(self._buf, start, value)
        finally:
            self._set(_SEQ, end_seq)

    def write_value(self, offset: int, data: bytes) -> None:
        """Copy ``data`` to byte ``offset`` of the storage -- inside an element's value -- through the
        journal, in an odd sequence count (a per-CPU hash's one-CPU update from a program:
        ``__htab_percpu_map_update_elem`` with ``onallcpus`` false); the caller holds the lock and
        found the element.  A writer killed in the copy leaves the journal published, which
        ``recover`` replays: the value is whole, old or new."""
        if not (self.slots_at <= offset and offset + len(data) <= len(self.mem)):
            raise corrupted(f"a value copy to {offset} outside the slots")
        end_seq = self._begin_write()
        try:
            self.journal.write(self._buf, offset, data)
        finally:
            self._set(_SEQ, end_seq)

    def unsettled(self) -> bool:
        """Whether a journaled copy was left published (its writer at work, or dead)."""
        return self.journal.pending()

    def delete(self, key: bytes) -> None:
        # _find, inlined: the hot path of every user-space and program delete
        buf, words, wbase, wsize, end = self._buf, self._words, self._wbase, self._wsize, 8 + self.key_size
        hashed = self._memo.get(key)
        if hashed is None:
            hashed = self._hashes(key)
        link_at = _HEAD_WORD + (hashed & self._mask)
        link = tortoise = words[link_at]
        backed = self._backed
        steps = 0
        while link:
            if link > backed:
                self._back(link)
                backed = self._backed
            slot = wbase + link * wsize
            if words[slot + 1] == hashed:
                at = slot * 4
                if buf[at + 8 : at + end] == key:
                    break
            link_at = slot
            link = words[slot]
            if link == tortoise:
                raise _loop()
            steps += 1
            if not steps & (steps - 1):
                tortoise = link
        else:
            raise KeyNotExistError()
        seq = words[_SEQ_W] | 1
        words[_SEQ_W] = seq  # odd: a write is in progress
        try:
            words[link_at] = words[slot]  # unpublish: one aligned store
            words[slot] = words[_FREE_W]  # onto the free list
            words[_FREE_W] = link
            count = words[_COUNT_W]
            words[_COUNT_W] = count - 1 if count else 0
        finally:
            words[_SEQ_W] = (seq + 1) & 0xFFFFFFFF  # even again

    def _key_of(self, link: int) -> bytes:
        start = self._checked(link) + _SLOT_HEAD
        return bytes(self.mem[start : start + self.key_size])

    def _chain(self, bucket: int) -> list[int]:
        """The links of ``bucket``'s chain, in order; EUCLEAN when a link is out of range, a slot
        repeats (a loop) or a slot's hash belongs to another bucket.  Not for hot paths."""
        links: list[int] = []
        seen: set[int] = set()
        link = self._get(_HEADER_BYTES + 4 * bucket)
        while link:
            slot = self._checked(link)
            if link in seen:
                raise _loop()
            nxt, found = _LINK_HASH.unpack_from(self._buf, slot)
            if found & self._mask != bucket:
                raise corrupted(f"a slot of bucket {bucket} holds a hash of bucket {found & self._mask}")
            seen.add(link)
            links.append(link)
            link = nxt
        return links

    def _first_key(self, bucket: int, link: int) -> bytes:
        """The key of the slot ``link`` heading ``bucket``, checked to be found there again."""
        key = self._key_of(link)
        if self.key_hash(key) != _LINK_HASH.unpack_from(self._buf, self._checked(link))[1]:
            raise corrupted("a slot's stored hash is not its key's")
        return key

    def get_next_key(self, key: bytes | None) -> bytes:
        start = 0
        if key is not None:
            hashed = self.key_hash(key)
            bucket = hashed & self._mask
            links = self._chain(bucket)
            keys = [self._key_of(link) for link in links]
            position = next(
                (i for i, link in enumerate(links) if keys[i] == key and self._hash_of(link) == hashed), None
            )
            if position is not None:
                if position + 1 < len(links):
                    nxt_key = keys[position + 1]
                    # the next key must be found at its own place: no earlier slot holds it and its
                    # stored hash is its key's, so iteration always moves forward
                    if nxt_key in keys[: position + 1]:
                        raise corrupted("a key appears twice in one chain")
                    if self._hash_of(links[position + 1]) != self.key_hash(nxt_key):
                        raise corrupted("a slot's stored hash is not its key's")
                    return nxt_key
                start = bucket + 1
        heads = bytes(self.mem[_HEADER_BYTES + 4 * start : _HEADER_BYTES + 4 * self.n_buckets])
        nonzero = len(heads) - len(heads.lstrip(b"\0"))
        if nonzero == len(heads):
            raise KeyNotExistError()
        bucket = start + nonzero // 4
        link = self._get(_HEADER_BYTES + 4 * bucket)
        found = self._hash_of(link)
        if found & self._mask != bucket:
            raise corrupted(f"bucket {bucket} starts with a hash of bucket {found & self._mask}")
        return self._first_key(bucket, link)

    def _hash_of(self, link: int) -> int:
        value: int = _LINK_HASH.unpack_from(self._buf, self._checked(link))[1]
        return value

    def recover(self) -> None:
        """Rebuild count and free list from the bucket chains (the only published state), and end the
        dead writer's sequence (an odd count would send every lock-free reader to the lock)."""
        end_seq = self._begin_write()
        try:
            high = min(self._get(_HIGH), self.n_slots)  # a value of a slot handed out, backed
            if high > self._backed:
                self._back(high)
            self.journal.replay(self.slots_at, self.slots_at + high * self.slot_size)
            self._rebuild()
        finally:
            self._set(_SEQ, end_seq)

    def _rebuild(self) -> None:
        """Keep what the chains reach, cutting each chain at the first link that is out of range,
        seen before or in the wrong bucket, and unlinking a key's second slot in a chain (an update
        that moved the key to the head died before it unlinked the old one); the rest of the pool
        becomes the free list."""
        high = min(self._get(_HIGH), self.n_slots)
        if high > self._backed:
            self._back(high)
        reachable: set[int] = set()
        visited: set[int] = set()
        for bucket in range(self.n_buckets):
            link_at = _HEADER_BYTES + 4 * bucket
            link = self._get(link_at)
            keys: set[bytes] = set()
            while link:
                if link > high or link in visited:
                    self._set(link_at, 0)
                    break
                visited.add(link)
                slot = self._slot(link)
                if self._get(slot + 4) & self._mask != bucket:
                    self._set(link_at, 0)
                    break
                following = self._get(slot)
                key = bytes(self.mem[slot + _SLOT_HEAD : slot + _SLOT_HEAD + self.key_size])
                if key in keys:  # the older copy of a key an interrupted update moved to the head
                    self._set(link_at, following)
                else:
                    keys.add(key)
                    reachable.add(link)
                    link_at = slot
                link = following
        self._set(_COUNT, len(reachable))
        self._set(_HIGH, high)
        self._set(_FREE, 0)
        for link in range(high, 0, -1):
            if link not in reachable:
                self._release(link)

    # --- batch support (BPF_MAP_*_BATCH walk the table bucket by bucket, like htab's batch ops) ---
    def bucket_count(self) -> int:
        return self.n_buckets

    def bucket_items(self, bucket: int) -> list[tuple[bytes, bytes]]:
        """The (key, value) pairs chained in ``bucket``, in chain order; call with the lock held."""
        items: list[tuple[bytes, bytes]] = []
        for link in self._chain(bucket):
            key = self._key_of(link)
            start = self._slot(link) + _SLOT_HEAD + self.key_stride
            items.append((key, bytes(self.mem[start : start + self.value_size])))
        return items
