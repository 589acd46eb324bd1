"""BPF_MAP_TYPE_BLOOM_FILTER: a bit array answering "maybe present" / "certainly absent".

Mirrors ``kernel/bpf/bloom_filter.c``: key_size must be 0, value_size and max_entries non-zero,
flags limited to BPF_F_NUMA_NODE, BPF_F_ZERO_SEED and the access flags, and ``map_extra`` gives the
number of hash functions (0 means 5; anything above 15 is EINVAL); a value_size above
KMALLOC_MAX_SIZE is E2BIG (``bloom_map_alloc_check``, before the other checks).  The bit array has
``max_entries * nr_hash_funcs * 7 / 5`` bits rounded up to a power of two (at least 64; 2^32 when
that overflows), as the kernel sizes it.  User space pushes a value with BPF_MAP_UPDATE_ELEM and a
NULL key (flags must be BPF_ANY, else EINVAL) and tests one with BPF_MAP_LOOKUP_ELEM and a NULL key,
the value pointer holding the value to test: 0 when it may be present, ENOENT when it is certainly
absent.  Delete and get_next_key are EOPNOTSUPP; LOOKUP_AND_DELETE is ENOTSUPP (syscall layer).

Deliberate difference: the kernel hashes with jhash and a seed; pybpf derives the bit positions from
a seeded BLAKE2b digest (double hashing).  Which values give false positives therefore differs from
the kernel, but there are never false negatives in either.

Storage: a 64-byte header (seed, nr_hash_funcs, bit mask) written once at creation, then the bit
array.  Setting a bit is one byte store, so a crashed writer can only leave some bits of one value
set, which can only add false positives, as an interrupted kernel push would.  Opening a map whose
header holds a function count or mask its parameters do not give is EUCLEAN (``pybpf.maps.base``):
a mask past the bit array or billions of hash functions can neither fault nor stall a test.
"""

from __future__ import annotations

import errno
import hashlib
import os
import struct

from pybpf import uapi
from pybpf.btf.raw import RawType
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import (
    ACCESS_MASK,
    KMALLOC_MAX_SIZE,
    MapOps,
    MapParams,
    corrupted,
    flags_access_ok,
    round_up,
)
from pybpf.maps.registry import register

BLOOM_CREATE_FLAG_MASK = uapi.BPF_F_NUMA_NODE | uapi.BPF_F_ZERO_SEED | ACCESS_MASK
HEADER_BYTES = 64
DEFAULT_HASH_FUNCS = 5
U32_MAX = (1 << 32) - 1
_HEADER = struct.Struct("<III")


def bitset_mask(max_entries: int, nr_hash_funcs: int) -> int:
    """The kernel's ``bitset_mask``: number of bits in the array minus one."""
    nr_bits = max_entries * nr_hash_funcs
    if nr_bits > U32_MAX or (nr_bits // 5) * 7 > U32_MAX or (nr_bits // 5) * 7 > 1 << 31:
        return U32_MAX
    nr_bits = (nr_bits // 5) * 7
    nr_bits = 64 if nr_bits <= 64 else 1 << (nr_bits - 1).bit_length()
    return nr_bits - 1


def _hash_funcs(params: MapParams) -> int:
    return params.map_extra or DEFAULT_HASH_FUNCS


@register(uapi.BPF_MAP_TYPE_BLOOM_FILTER)
class BloomFilterMap(MapOps):
    """Bloom filter: ``nr_hash_funcs`` bits set per pushed value."""

    checked_by_alloc = True  # no map_alloc_check: map_alloc checks, after the capabilities

    read_locked = False
    takes_map_extra = True
    lookup_tests_value = True
    push_pop_peek = True
    own_btf_check = True

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """``bloom_map_check_btf``: bloom filters are keyless."""
        if key_type is not None:
            raise BPFError(errno.EINVAL, "bloom filters are keyless")

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        seed, nr_hash_funcs, mask = _HEADER.unpack_from(mem, 0)
        if nr_hash_funcs == 0:  # fresh storage: initialize() will store these
            nr_hash_funcs = _hash_funcs(params)
            mask = bitset_mask(params.max_entries, nr_hash_funcs)
            seed = 0 if params.flags & uapi.BPF_F_ZERO_SEED else int.from_bytes(os.urandom(4), "little")
        elif nr_hash_funcs != _hash_funcs(params) or mask != bitset_mask(params.max_entries, nr_hash_funcs):
            raise corrupted(f"bloom filter header: {nr_hash_funcs} hash functions, mask {mask:#x}")
        self.seed: int = seed
        self.nr_hash_funcs: int = nr_hash_funcs
        self.mask: int = mask
        self.bits = mem[HEADER_BYTES:]

    @classmethod
    def check_early(cls, params: MapParams) -> None:
        """``bloom_map_alloc_check``: a value_size user space could not use is E2BIG."""
        if params.value_size > KMALLOC_MAX_SIZE:
            raise BPFError(errno.E2BIG, "value_size too large")

    @classmethod
    def check(cls, params: MapParams) -> None:
        cls.check_early(params)
        if (
            params.key_size != 0
            or params.value_size == 0
            or params.max_entries == 0
            or params.flags & ~BLOOM_CREATE_FLAG_MASK
            or not flags_access_ok(params.flags)
            or params.map_extra & ~0xF
        ):
            raise BPFError(errno.EINVAL, "invalid bloom filter attributes")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        bits = bitset_mask(params.max_entries, _hash_funcs(params)) + 1
        return HEADER_BYTES + round_up(bits // 8, 8)

    def initialize(self) -> None:
        _HEADER.pack_into(self.mem, 0, self.seed, self.nr_hash_funcs, self.mask)

    def _positions(self, value: bytes) -> list[int]:
        digest = hashlib.blake2b(value, digest_size=16, key=self.seed.to_bytes(4, "little")).digest()
        first, second = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little") | 1
        return [(first + i * second) & self.mask for i in range(self.nr_hash_funcs)]

    def peek(self, value: bytes | None = None) -> bytes:
        """b"" when ``value`` may have been pushed; ``KeyNotExistError`` when it certainly was not."""
        if value is None:
            raise BPFError(errno.EINVAL, "a bloom filter peek needs the value to test")
        for bit in self._positions(value):
            if not self.bits[bit >> 3] & (1 << (bit & 7)):
                raise KeyNotExistError()
        return b""

    def pop(self) -> bytes:
        """``bloom_map_pop_elem``: a bloom filter cannot give its values back."""
        raise BPFError(errno.EOPNOTSUPP, "bloom filters cannot pop")

    def push(self, value: bytes, flags: int) -> None:
        """Set the value's bits (flags must be BPF_ANY)."""
        if flags != uapi.BPF_ANY:
            raise BPFError(errno.EINVAL, "bloom filter push takes BPF_ANY only")
        for bit in self._positions(value):
            self.bits[bit >> 3] |= 1 << (bit & 7)

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        self.push(value, flags)

    def lookup(self, key: bytes) -> bytes:
        raise BPFError(errno.EINVAL, "a bloom filter lookup needs the value to test")

    def delete(self, key: bytes) -> None:
        raise BPFError(errno.EOPNOTSUPP, "bloom filters cannot delete")

    def get_next_key(self, key: bytes | None) -> bytes:
        raise BPFError(errno.EOPNOTSUPP, "bloom filters have no keys")
