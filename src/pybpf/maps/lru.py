"""BPF_MAP_TYPE_LRU_HASH and BPF_MAP_TYPE_LRU_PERCPU_HASH: hash maps that evict instead of E2BIG.

Mirrors ``kernel/bpf/hashtab.c`` (``htab_lru_map_update_elem``, ``htab_lru_map_lookup_elem_sys``,
``htab_map_alloc_check``) and the observable effect of ``kernel/bpf/bpf_lru_list.c``:

* creation: BPF_F_NO_PREALLOC is ENOTSUPP (524), BPF_F_NO_COMMON_LRU is accepted, BPF_F_NUMA_NODE
  with a per-CPU type or with BPF_F_NO_COMMON_LRU is EINVAL, otherwise the hash map's checks (and
  the per-CPU value bound for LRU_PERCPU_HASH);
* an update of a new key into a full map evicts the least recently used entry and succeeds, so
  the map never holds more than ``max_entries`` entries; BPF_NOEXIST / BPF_EXIST give EEXIST /
  ENOENT as for HASH; flags beyond BPF_EXIST (BPF_F_LOCK included) are EINVAL;
* recency: inserting or replacing a key makes it the most recently used; ``touch`` (what a BPF
  program's lookup does, ``bpf_lru_node_set_ref``) refreshes it too.  Lookups from user space do
  *not*, exactly as the kernel's ``map_lookup_elem_sys_only`` / ``bpf_percpu_hash_copy`` avoid
  disturbing the eviction order during a map walk.

* creation also applies ``htab_map_alloc``'s size rules: with BPF_F_NO_COMMON_LRU max_entries is
  rounded up to a multiple of the possible CPUs (down when that overflows a u32), and the map
  reports the rounded value; then more than 2^27 entries is E2BIG, as for HASH.

Deliberate differences (the kernel's LRU is approximate, per-CPU free lists and active/inactive
lists with reference bits): pybpf keeps one exact LRU order, so BPF_F_NO_COMMON_LRU changes nothing
but max_entries, and replacing an existing key never evicts another one (the kernel may, since it
takes a fresh node from the LRU before looking the key up).

The LRU list lives in shared storage like the hash (``pybpf.maps.base``): every node link is
range-checked before use (EUCLEAN), and an LRU list that does not lead to an element of the hash
when one must be evicted is EUCLEAN too; ``recover()`` walks it with a bound.

Storage: a 64-byte header (nr_cpus, most/least recent node, free node list, high-water mark), then
``max_entries + 1`` LRU nodes of ``[prev u32][next u32][key, 8-aligned]``, then a plain HASH
(``pybpf.maps.hash``) whose values are ``[node index u32, 8-aligned][user value]``.  ``recover()``
repairs the hash, then rebuilds the LRU list from it (keeping the surviving order).
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import struct
from collections.abc import Callable

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import BatchWalk, MapOps, MapParams, corrupted, flags_access_ok, round_up
from pybpf.maps.hash import HTAB_BATCH_COMMANDS, HTAB_CREATE_FLAG_MASK, HashMap, htab_check_alloc
from pybpf.maps.percpu import check_percpu_value_size, percpu_value_size, possible_cpus
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

HEADER_BYTES = 64
_NR_CPUS, MRU_AT, LRU_AT, FREE_AT, HIGH_AT, COUNT_AT = 0, 8, 12, 16, 20, 24
VALUE_PREFIX = 8  # node index in front of each stored value
_U32 = struct.Struct("<I")


class _LruBase(MapOps):
    """LRU hash over a plain hash table; ``percpu`` picks the per-CPU value layout."""

    batch_commands = HTAB_BATCH_COMMANDS
    batch_walk = BatchWalk.BUCKETS

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        stored = _U32.unpack_from(mem, _NR_CPUS)[0]
        self.nr_cpus: int = (stored or possible_cpus()) if self.percpu else 1
        self.user_value_size = self._user_value_size(params, self.nr_cpus)
        """Bytes user-space lookups return and updates take (``bpf_map_value_size``)."""
        self.node_size = 8 + round_up(params.key_size, 8)
        self.n_nodes = params.max_entries + 1
        inner_at = HEADER_BYTES + self.n_nodes * self.node_size
        self.inner = HashMap(self._inner_params(params, self.nr_cpus), mem[inner_at:])
        self.inner.replace_at_head = not self.percpu  # __htab_lru_percpu_map_update_elem: in place
        self.inner_at = inner_at
        """Offset of the inner hash table in ``mem``."""

    @classmethod
    def _user_value_size(cls, params: MapParams, nr_cpus: int) -> int:
        return percpu_value_size(params.value_size, nr_cpus) if cls.percpu else params.value_size

    @classmethod
    def _inner_params(cls, params: MapParams, nr_cpus: int) -> MapParams:
        value_size = VALUE_PREFIX + cls._user_value_size(params, nr_cpus)
        return dataclasses.replace(params, value_size=value_size, flags=params.flags & uapi.BPF_F_ZERO_SEED)

    @classmethod
    def check(cls, params: MapParams) -> None:
        if params.flags & ~HTAB_CREATE_FLAG_MASK or not flags_access_ok(params.flags):
            raise BPFError(errno.EINVAL, "invalid LRU hash map flags")
        if params.flags & uapi.BPF_F_NO_PREALLOC:
            raise BPFError(ENOTSUPP, "LRU maps are always preallocated")
        if params.flags & uapi.BPF_F_NUMA_NODE and (cls.percpu or params.flags & uapi.BPF_F_NO_COMMON_LRU):
            raise BPFError(errno.EINVAL, "per-CPU maps and per-CPU LRU lists take no NUMA node")
        HashMap.check(dataclasses.replace(params, flags=0))
        if cls.percpu:
            check_percpu_value_size(params)

    @classmethod
    def adjust_params(cls, params: MapParams) -> MapParams:
        """``htab_map_alloc`` for ``percpu_lru``: max_entries rounded up to a multiple of the possible
        CPUs (every CPU's list gets the same share), rounded down if that leaves a u32."""
        if not params.flags & uapi.BPF_F_NO_COMMON_LRU:
            return params
        cpus = possible_cpus()
        rounded = round_up(params.max_entries, cpus)
        if rounded > 0xFFFFFFFF:
            rounded = params.max_entries // cpus * cpus
        return dataclasses.replace(params, max_entries=rounded)

    @classmethod
    def check_alloc(cls, params: MapParams) -> None:
        htab_check_alloc(params)

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        nodes = (params.max_entries + 1) * (8 + round_up(params.key_size, 8))
        return HEADER_BYTES + nodes + HashMap.storage_size(cls._inner_params(params, possible_cpus()))

    def layout_size(self) -> int:
        return self.inner_at + self.inner.layout_size()

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        super().attach_storage(reserve)
        at = self.inner_at
        self.inner.attach_storage(lambda start, end: reserve(at + start, at + end))

    def initialize(self) -> None:
        _U32.pack_into(self.mem, _NR_CPUS, self.nr_cpus if self.percpu else 0)
        self.inner.initialize()

    # --- the LRU list (links are node index + 1, 0 = none) ----------------------------------
    def _get(self, offset: int) -> int:
        value: int = _U32.unpack_from(self.mem, offset)[0]
        return value

    def _set(self, offset: int, value: int) -> None:
        _U32.pack_into(self.mem, offset, value)

    def _node(self, link: int) -> int:
        """Offset of LRU node ``link``; EUCLEAN for a link outside the node pool."""
        if not 0 < link <= self.n_nodes:
            raise corrupted(f"LRU node link {link} outside the pool of {self.n_nodes} nodes")
        return HEADER_BYTES + (link - 1) * self.node_size

    def _unlink(self, link: int) -> None:
        node = self._node(link)
        prev, nxt = self._get(node), self._get(node + 4)
        prev_next_at = self._node(prev) + 4 if prev else MRU_AT
        next_prev_at = self._node(nxt) if nxt else LRU_AT
        self._set(prev_next_at, nxt)
        self._set(next_prev_at, prev)

    def _push_front(self, link: int) -> None:
        node, first = self._node(link), self._get(MRU_AT)
        first_prev_at = self._node(first) if first else LRU_AT
        self._set(node, 0)
        self._set(node + 4, first)
        self._set(first_prev_at, link)
        self._set(MRU_AT, link)

    def _alloc_node(self, key: bytes) -> int:
        link = self._get(FREE_AT)
        if link:
            self._set(FREE_AT, self._get(self._node(link) + 4))
            if self._get(self._node(link)) or self._get(MRU_AT) == link:
                raise corrupted("the free node list holds a node of the LRU list")
        else:
            link = self._get(HIGH_AT) + 1
            if link > self.n_nodes:
                raise BPFError(errno.ENOMEM, "no free LRU node")
            self._set(HIGH_AT, link)
        start = self._node(link) + 8
        self.mem[start : start + self.key_size] = key
        self._set(COUNT_AT, self._get(COUNT_AT) + 1)
        return link

    def _free_node(self, link: int) -> None:
        node = self._node(link)
        self._set(node, 0)  # free nodes have no predecessor (_alloc_node checks it)
        self._set(node + 4, self._get(FREE_AT))
        self._set(FREE_AT, link)
        self._set(COUNT_AT, max(self._get(COUNT_AT) - 1, 0))

    def _key_of(self, link: int) -> bytes:
        start = self._node(link) + 8
        return bytes(self.mem[start : start + self.key_size])

    def _find(self, key: bytes) -> int:
        """The node of ``key`` (0 when absent)."""
        try:
            stored = self.inner.lookup(key)
        except KeyNotExistError:
            return 0
        link: int = _U32.unpack_from(stored, 0)[0]
        self._node(link)  # in range, or EUCLEAN
        return link

    # --- operations -------------------------------------------------------------------------
    def lookup(self, key: bytes) -> bytes:
        """User-space lookup: the value, without refreshing recency (``map_lookup_elem_sys_only``)."""
        return self.inner.lookup(key)[VALUE_PREFIX:]

    def touch(self, key: bytes) -> bytes:
        """A BPF program's lookup: the value, and ``key`` becomes the most recently used."""
        value = self.inner.lookup(key)
        link: int = _U32.unpack_from(value, 0)[0]
        self._node(link)
        self._unlink(link)
        self._push_front(link)
        return value[VALUE_PREFIX:]

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        if len(value) != self.user_value_size:
            raise BPFError(errno.EINVAL, f"value must be {self.user_value_size} bytes, got {len(value)}")
        link = self._find(key)
        if link and flags == uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "key exists")
        if not link and flags == uapi.BPF_EXIST:
            raise KeyNotExistError()
        if link:
            self.inner.update(key, _U32.pack(link).ljust(VALUE_PREFIX, b"\0") + value, uapi.BPF_ANY)
            self._unlink(link)
            self._push_front(link)
            return
        if self._get(COUNT_AT) >= self.max_entries:
            self._evict()
        link = self._alloc_node(key)
        self.inner.update(key, _U32.pack(link).ljust(VALUE_PREFIX, b"\0") + value, uapi.BPF_ANY)
        self._push_front(link)

    def evicted_by_insert(self, key: bytes) -> int | None:
        """The value of the least recently used element when ``key`` is new and the map full."""
        if self._find(key) or self._get(COUNT_AT) < self.max_entries:
            return None
        victim = self._get(LRU_AT)
        return self._value_offset(self._key_of(victim), 0, touch=False) if victim else None

    def _evict(self) -> None:
        victim = self._get(LRU_AT)
        if not victim:
            raise corrupted("the LRU list is empty in a full map")
        try:
            self.inner.delete(self._key_of(victim))
        except KeyNotExistError:
            raise corrupted("the least recently used node names no element") from None
        self._unlink(victim)
        self._free_node(victim)

    def delete(self, key: bytes) -> None:
        link = self._find(key)
        if not link:
            raise KeyNotExistError()
        self.inner.delete(key)
        self._unlink(link)
        self._free_node(link)

    def get_next_key(self, key: bytes | None) -> bytes:
        return self.inner.get_next_key(key)

    def lookup_and_delete(self, key: bytes) -> bytes:
        """``htab_lru_map_lookup_and_delete_elem``: the value (recency untouched), and the key removed."""
        value = self.lookup(key)
        self.delete(key)
        return value

    # --- batch support: the inner table's buckets, read without refreshing recency ----------------
    def bucket_count(self) -> int:
        return self.inner.bucket_count()

    def bucket_items(self, bucket: int) -> list[tuple[bytes, bytes]]:
        return [(key, value[VALUE_PREFIX:]) for key, value in self.inner.bucket_items(bucket)]

    # --- the program's view ------------------------------------------------------------------------
    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """A program's lookup (``bpf_lru_node_set_ref``): the key becomes the most recently used.

        Per-CPU: CPU ``cpu``'s value (None for a CPU the map does not have); None when absent.
        """
        return self._value_offset(key, cpu, touch=True)

    def peek_value_offset(self, key: bytes, cpu: int) -> int | None:
        """``value_offset`` without refreshing recency (``bpf_for_each_map_elem`` walks do not)."""
        return self._value_offset(key, cpu, touch=False)

    def _value_offset(self, key: bytes, cpu: int, *, touch: bool) -> int | None:
        if self.percpu and not 0 <= cpu < self.nr_cpus:
            return None
        stored = self.inner.value_offset(key, 0)
        if stored is None:
            return None
        if touch:
            link: int = _U32.unpack_from(self.mem, self.inner_at + stored)[0]
            self._node(link)
            self._unlink(link)
            self._push_front(link)
        offset = self.inner_at + stored + VALUE_PREFIX
        return offset + cpu * round_up(self.value_size, 8) if self.percpu else offset

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """``htab_lru_map_update_elem`` / ``__htab_lru_percpu_map_update_elem(onallcpus=false)``.

        Per-CPU: an existing element gets the running CPU's value in place (and is marked used); a
        new one gets it with the other CPUs' values zeroed, evicting the least recently used entry
        of a full map.
        """
        if not self.percpu:
            self.update(key, value, flags)
            return
        if not 0 <= cpu < self.nr_cpus:
            raise BPFError(errno.EINVAL, f"cpu {cpu} is not one of the map's {self.nr_cpus} possible CPUs")
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        exists = self.inner.value_offset(key, 0) is not None
        if exists and flags == uapi.BPF_NOEXIST:
            raise BPFError(errno.EEXIST, "key exists")
        if not exists and flags == uapi.BPF_EXIST:
            raise KeyNotExistError()
        offset = self.value_offset(key, cpu)
        if offset is not None:
            self.mem[offset : offset + self.value_size] = value
            return
        block = bytearray(self.user_value_size)
        start = cpu * round_up(self.value_size, 8)
        block[start : start + self.value_size] = value
        self.update(key, bytes(block), uapi.BPF_ANY)

    def recover(self) -> None:
        """Repair the hash, then rebuild the LRU list and free nodes from what the hash holds."""
        self.inner.recover()
        entries: list[tuple[bytes, bytes]] = []
        for bucket in range(self.inner.bucket_count()):
            entries += self.inner.bucket_items(bucket)
        high = min(self._get(HIGH_AT), self.n_nodes)
        present: dict[int, bytes] = {}
        for key, stored in entries:
            link = int(_U32.unpack_from(stored, 0)[0])
            if 0 < link <= high and link not in present:
                present[link] = key
                start = self._node(link) + 8
                self.mem[start : start + self.key_size] = key
            else:  # no usable node: drop the entry rather than leave it outside the LRU
                with contextlib.suppress(KeyNotExistError):
                    self.inner.delete(key)
        order: list[int] = []
        ordered: set[int] = set()
        link, steps = self._get(MRU_AT), 0
        while link and steps < self.n_nodes and 0 < link <= self.n_nodes:
            if link in present and link not in ordered:
                order.append(link)
                ordered.add(link)
            link, steps = self._get(self._node(link) + 4), steps + 1
        order += [link for link in present if link not in ordered]
        self._set(MRU_AT, 0)
        self._set(LRU_AT, 0)
        for link in reversed(order):
            self._push_front(link)
        self._set(FREE_AT, 0)
        self._set(HIGH_AT, high)
        self._set(COUNT_AT, high)
        for link in range(high, 0, -1):
            if link not in present:
                self._free_node(link)


@register(uapi.BPF_MAP_TYPE_LRU_HASH)
class LruHashMap(_LruBase):
    """LRU hash: evicts the least recently used entry when a new key arrives in a full map."""


@register(uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH)
class LruPercpuHashMap(_LruBase):
    """LRU hash whose values are ``nr_cpus`` slots of ``round_up(value_size, 8)`` bytes."""

    percpu = True
