"""BPF_MAP_TYPE_LRU_HASH and BPF_MAP_TYPE_LRU_PERCPU_HASH: hash maps that evict instead of E2BIG.

Mirrors ``kernel/bpf/hashtab.c`` (``htab_lru_map_update_elem``, ``htab_lru_map_lookup_elem_sys``,
``htab_map_alloc_check``) and the observable effect of ``kernel/bpf/bpf_lru_list.c``:

* creation: BPF_F_NO_PREALLOC is ENOTSUPP (524), BPF_F_NO_COMMON_LRU is accepted, BPF_F_NUMA_NODE
  with a per-CPU type or with BPF_F_NO_COMMON_LRU is EINVAL, otherwise the hash map's checks (and
  the per-CPU value bound for LRU_PERCPU_HASH);
* an update that finds no free node evicts (below), so the map never holds more than
  ``max_entries`` entries; BPF_NOEXIST / BPF_EXIST give EEXIST / ENOENT as for HASH; flags beyond
  BPF_EXIST (BPF_F_LOCK included) are EINVAL;
* creation also applies ``htab_map_alloc``'s size rules: with BPF_F_NO_COMMON_LRU max_entries is
  rounded up to a multiple of the possible CPUs (down when that overflows a u32), and the map
  reports the rounded value; then more than 2^27 entries is E2BIG, as for HASH.

Which element goes is the kernel's (``kernel/bpf/bpf_lru_list.c`` of 6.18), modelled list for list:

* ``max_entries`` nodes, each on one list: a ``struct bpf_lru_list`` has an active, an inactive and a
  free list, counts of the first two and ``next_inactive_rotation``; the common LRU has one such list
  plus, per possible CPU, a local free list and a local pending list; with BPF_F_NO_COMMON_LRU each
  CPU has a ``bpf_lru_list`` of its own, holding ``max_entries / nr_cpus`` nodes
  (``bpf_percpu_lru_populate``);
* every update first takes a node (``prealloc_lru_pop`` -> ``bpf_lru_pop_free``, on the CPU it runs
  on: ``running_cpu`` for bpf(), the run's ``cpu`` for programs), even of a key that exists and even
  if the flags then refuse it (the node is given back): common LRU -- the local free list, else
  ``bpf_lru_list_pop_free_to_local`` (flush the pending list into active/inactive by ref bit, rotate,
  move up to ``target_free = clamp(max_entries / nr_cpus / 2, 1, 128)`` free nodes, shrinking the
  inactive list -- evicting -- for the rest, else force-shrinking), else stealing round-robin from the
  CPUs' local lists; per-CPU LRU -- rotate, shrink by up to 4 when the free list is empty, take its
  first node onto the inactive list;
* a program's lookup sets the element's ref bit (``bpf_lru_node_set_ref``), a user-space lookup does
  not (``map_lookup_elem_sys_only``); replacing an element gives its new node the ref bit
  (``htab_lru_map_update_elem``) or, per-CPU, sets the old one's (in place); deletes and replaced
  elements give their node back (``bpf_lru_push_free``: a pending node to its CPU's local free list,
  others to the free list).

So a sequence of updates, lookups and deletes leaves the kernel's keys whatever CPUs they run on
(``tests/maps/test_lru_policy.py`` compares with the kernel).  The lists live in the shared storage:
every link is range-checked (EUCLEAN), every walk is bounded by the node count, and ``recover()``
rebuilds the lists from what the hash holds after a process died holding the map's lock.  Walks are
the kernel's ``list_for_each_entry_safe_reverse``: lazy, each node's predecessor read before the node
is handled, so a scan of ``nr_scans`` nodes reads that many, whatever the list's length; the links
are read and written as u32 words of the storage, checked inline.  A program's per-CPU update of
one CPU's value copies through the inner hash's journal (``HashMap.write_value``): never torn.

Storage: a 64-byte header (nr_cpus of the values, CPUs of the lists, ``target_free``), a state
record per ``bpf_lru_list`` (counts, ``next_inactive_rotation``) and per local list
(``next_steal``), then the node pool -- the list heads first, then one node per element:
``[prev u32][next u32][type u8][ref u8][pad u16][cpu u32][key, 8-aligned]`` -- then a plain HASH
(``pybpf.maps.hash``) whose values are ``[node link u32, 8-aligned][user value]``.  (Maps pinned by
an earlier pybpf with the old single-list layout are not readable by this one.)
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import errno
import struct
from collections.abc import Callable, Iterator

from pybpf import uapi
from pybpf.errors import BPFError, KeyNotExistError
from pybpf.maps.base import BatchWalk, MapOps, MapParams, corrupted, flags_access_ok, round_up, running_cpu
from pybpf.maps.hash import HTAB_BATCH_COMMANDS, HTAB_CREATE_FLAG_MASK, HashMap, htab_check_alloc, u32_words
from pybpf.maps.percpu import check_percpu_value_size, percpu_value_size, possible_cpus
from pybpf.maps.registry import register
from pybpf.uapi import ENOTSUPP

HEADER_BYTES = 64
_NR_CPUS, _LIST_CPUS, _TARGET_FREE = 0, 4, 8
VALUE_PREFIX = 8  # node link in front of each stored value
_PAD = bytes(VALUE_PREFIX - 4)
_U32 = struct.Struct("<I")
ACTIVE, INACTIVE, FREE, LOCAL_FREE, LOCAL_PENDING = range(5)
"""``enum bpf_lru_list_type``: the lists of a ``bpf_lru_list``, then a CPU's local lists."""
LOCAL_FREE_TARGET = 128
"""The kernel's LOCAL_FREE_TARGET and LOCAL_NR_SCANS (common LRU)."""
PERCPU_FREE_TARGET = 4
"""The kernel's PERCPU_FREE_TARGET and PERCPU_NR_SCANS (BPF_F_NO_COMMON_LRU)."""
NODE_HEAD = 16
TYPE_AT, REF_AT, CPU_AT = 8, 9, 12
"""Offsets in a node of its list type (u8), ref bit (u8) and CPU (u32); its key follows the head."""
_LIST_STATE, _LOCAL_STATE = 16, 8
_NEXT_ROTATION = 8
ROTATION_AT = _NEXT_ROTATION
"""In a ``bpf_lru_list``'s state record (the first follows the header): u32 counts of the active and
inactive lists, then ``next_inactive_rotation`` at ``ROTATION_AT`` (for ``pybpf.jit.native_lru``)."""
_LIST_STATE_W, _ROTATION_W = _LIST_STATE // 4, _NEXT_ROTATION // 4
"""A ``bpf_lru_list``'s state in words: active count, inactive count, ``next_inactive_rotation``."""
U32_MAX = 0xFFFFFFFF


def _outside(link: int, n_nodes: int) -> BPFError:
    return corrupted(f"LRU node link {link} outside the pool of {n_nodes} nodes")


def _lists(params: MapParams, list_cpus: int) -> tuple[int, int]:
    """(``bpf_lru_list`` records, local list pairs) of a map: one common list and a local pair per
    CPU, or a list per CPU (BPF_F_NO_COMMON_LRU)."""
    if params.flags & uapi.BPF_F_NO_COMMON_LRU:
        return list_cpus, 0
    return 1, list_cpus


def _pool_at(params: MapParams, list_cpus: int) -> int:
    n_lists, n_locals = _lists(params, list_cpus)
    return HEADER_BYTES + round_up(_LIST_STATE * n_lists + _LOCAL_STATE * n_locals, 8)


def _pool_bytes(params: MapParams, list_cpus: int) -> int:
    n_lists, n_locals = _lists(params, list_cpus)
    nodes = 3 * n_lists + 2 * n_locals + params.max_entries
    return nodes * (NODE_HEAD + round_up(params.key_size, 8))


class _LruBase(MapOps):
    """LRU hash over a plain hash table; ``percpu`` picks the per-CPU value layout."""

    batch_commands = HTAB_BATCH_COMMANDS
    batch_walk = BatchWalk.BUCKETS

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        stored = _U32.unpack_from(mem, _NR_CPUS)[0]
        self.nr_cpus: int = (stored or possible_cpus()) if self.percpu else 1
        self.list_cpus: int = _U32.unpack_from(mem, _LIST_CPUS)[0] or possible_cpus()
        """The possible CPUs the LRU lists were made for (fixed at creation, like ``nr_cpus``)."""
        self.user_value_size = self._user_value_size(params, self.nr_cpus)
        """Bytes user-space lookups return and updates take (``bpf_map_value_size``)."""
        self.percpu_lru = bool(params.flags & uapi.BPF_F_NO_COMMON_LRU)
        self.n_lists, self.n_locals = _lists(params, self.list_cpus)
        self.nr_scans = PERCPU_FREE_TARGET if self.percpu_lru else LOCAL_FREE_TARGET
        self.n_heads = 3 * self.n_lists + 2 * self.n_locals
        self.node_size = NODE_HEAD + round_up(params.key_size, 8)
        self.n_nodes = self.n_heads + params.max_entries
        """Links 1 .. n_nodes: the list heads, then one node per element."""
        self.pool_at = _pool_at(params, self.list_cpus)
        self._words = u32_words(mem)
        self._nws = self.node_size // 4
        self._nw0 = (self.pool_at - self.node_size) // 4
        self._state_w = HEADER_BYTES // 4
        """Node ``link``'s first word is ``_nw0 + link * _nws`` of ``_words``."""
        inner_at = self.pool_at + self.n_nodes * self.node_size
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
        cpus = possible_cpus()
        nodes = _pool_at(params, cpus) + _pool_bytes(params, cpus)
        return nodes + HashMap.storage_size(cls._inner_params(params, cpus))

    def layout_size(self) -> int:
        return self.inner_at + self.inner.layout_size()

    def attach_storage(self, reserve: Callable[[int, int], None]) -> None:
        super().attach_storage(reserve)
        at = self.inner_at
        self.inner.attach_storage(lambda start, end: reserve(at + start, at + end))

    def initialize(self) -> None:
        """``bpf_lru_init`` and ``bpf_lru_populate``: empty lists, every node on a free list (the
        common one, or its CPU's: ``max_entries / nr_cpus`` consecutive nodes each), the node added
        last first; ``target_free`` as ``bpf_common_lru_populate`` sets it."""
        _U32.pack_into(self.mem, _NR_CPUS, self.nr_cpus if self.percpu else 0)
        _U32.pack_into(self.mem, _LIST_CPUS, self.list_cpus)
        target = min(max(self.max_entries // self.list_cpus // 2, 1), LOCAL_FREE_TARGET)
        _U32.pack_into(self.mem, _TARGET_FREE, target)
        for head in range(1, self.n_heads + 1):
            self._set_next(head, head)
            self._set_prev(head, head)
        for lst in range(self.n_lists):
            self._set(self._list_state(lst) + _NEXT_ROTATION, self._head(lst, INACTIVE))
        for cpu in range(self.n_locals):
            self._set(self._local_state(cpu), cpu)
        share = self.max_entries // self.n_lists
        for lst in range(self.n_lists):
            first = self.n_heads + 1 + lst * share
            self._populate(first, share if lst < self.n_lists - 1 else self.max_entries - lst * share, lst)
        self.inner.initialize()

    def _populate(self, first: int, count: int, lst: int) -> None:
        """Put nodes ``first .. first + count - 1`` on list ``lst``'s free list, each added at its head
        (so it reads last to first), their CPU ``lst`` -- written word by word in bulk."""
        if count <= 0:
            return
        head = self._head(lst, FREE)
        words = self.mem[self.pool_at : self.pool_at + self.n_nodes * self.node_size].cast("I")
        stride = self.node_size // 4
        base = (first - 1) * stride
        links = array.array("I", range(first, first + count))
        nexts = array.array("I", [head]) + links[:-1]  # next of node i is node i - 1
        prevs = links[1:] + array.array("I", [head])  # prev of node i is node i + 1
        end = base + count * stride
        words[base + 1 : end : stride] = nexts
        words[base:end:stride] = prevs
        words[base + CPU_AT // 4 : end : stride] = array.array("I", [lst]) * count
        raw = self.mem[self.pool_at : self.pool_at + self.n_nodes * self.node_size]
        start = (first - 1) * self.node_size
        raw[start + TYPE_AT : start + count * self.node_size : self.node_size] = bytes([FREE]) * count
        self._set_next(head, first + count - 1)
        self._set_prev(head, first)

    # --- shared words, node fields, list heads ------------------------------------------------------
    # A node's fields as u32 words of ``_words`` (a node starts 8-aligned): prev at ``_nw(link)``,
    # next at +1, type and ref the first two bytes of +2, cpu at +3.
    def _get(self, offset: int) -> int:
        return self._words[offset >> 2]

    def _set(self, offset: int, value: int) -> None:
        self._words[offset >> 2] = value

    def _nw(self, link: int) -> int:
        """Word index of node ``link`` (a list head or an element's node); EUCLEAN outside the pool."""
        if not 0 < link <= self.n_nodes:
            raise _outside(link, self.n_nodes)
        return self._nw0 + link * self._nws

    def _node(self, link: int) -> int:
        """Byte offset of node ``link``; EUCLEAN outside the pool."""
        return self._nw(link) << 2

    def _next(self, link: int) -> int:
        return self._words[self._nw(link) + 1]

    def _prev(self, link: int) -> int:
        return self._words[self._nw(link)]

    def _set_next(self, link: int, value: int) -> None:
        self._words[self._nw(link) + 1] = value

    def _set_prev(self, link: int, value: int) -> None:
        self._words[self._nw(link)] = value

    def _type(self, link: int) -> int:
        return self.mem[(self._nw(link) << 2) + TYPE_AT]

    def _set_type(self, link: int, kind: int) -> None:
        self.mem[(self._nw(link) << 2) + TYPE_AT] = kind

    def _ref(self, link: int) -> int:
        return self.mem[(self._nw(link) << 2) + REF_AT]

    def _set_ref(self, link: int, ref: int) -> None:
        self.mem[(self._nw(link) << 2) + REF_AT] = ref

    def _cpu(self, link: int, bound: int) -> int:
        cpu = self._words[self._nw(link) + 3]
        if cpu >= bound:
            raise corrupted(f"LRU node {link} names CPU {cpu}")
        return cpu

    def _head(self, lst: int, kind: int) -> int:
        return 1 + 3 * lst + kind

    def _local_head(self, cpu: int, kind: int) -> int:
        return 1 + 3 * self.n_lists + 2 * cpu + kind - LOCAL_FREE

    def _list_state(self, lst: int) -> int:
        return HEADER_BYTES + _LIST_STATE * lst

    def _local_state(self, cpu: int) -> int:
        return HEADER_BYTES + _LIST_STATE * self.n_lists + _LOCAL_STATE * cpu

    def _is_element(self, link: int) -> bool:
        return self.n_heads < link <= self.n_nodes

    # --- list_head operations ----------------------------------------------------------------------
    def _del(self, link: int) -> None:
        """``list_del``."""
        words, n, w0, ws = self._words, self.n_nodes, self._nw0, self._nws
        if not 0 < link <= n:
            raise _outside(link, n)
        at = w0 + link * ws
        prev, nxt = words[at], words[at + 1]
        if not (0 < prev <= n and 0 < nxt <= n):
            raise _outside(max(prev, nxt), n)
        words[w0 + prev * ws + 1] = nxt
        words[w0 + nxt * ws] = prev

    def _add(self, link: int, head: int) -> None:
        """``list_add``: ``link`` first after ``head``."""
        words, n, w0, ws = self._words, self.n_nodes, self._nw0, self._nws
        if not (0 < link <= n and 0 < head <= n):
            raise _outside(max(link, head), n)
        head_at, at = w0 + head * ws, w0 + link * ws
        nxt = words[head_at + 1]
        if not 0 < nxt <= n:
            raise _outside(nxt, n)
        words[w0 + nxt * ws] = link
        words[at] = head
        words[at + 1] = nxt
        words[head_at + 1] = link

    def _list_move(self, link: int, head: int) -> None:
        """``list_move``: ``list_del`` then ``list_add``."""
        if not 0 < head <= self.n_nodes:
            raise _outside(head, self.n_nodes)
        self._del(link)
        self._add(link, head)

    def _empty(self, head: int) -> bool:
        return self._next(head) == head

    def _walk_back(self, head: int) -> Iterator[int]:
        """The nodes of list ``head`` from its tail, each one's predecessor read before it is given
        (``list_for_each_entry_safe_reverse``: the caller may move the node it is given); bounded:
        EUCLEAN for a list that loops or links a list head."""
        words, nw, first, last = self._words, self._nw, self.n_heads, self.n_nodes
        link = words[nw(head)]
        steps = 0
        while link != head:
            if steps >= last or not first < link <= last:
                raise corrupted("an LRU list loops or links a list head")
            steps += 1
            prev = words[self._nw0 + link * self._nws]
            yield link
            link = prev

    # --- struct bpf_lru_list ----------------------------------------------------------------------
    def _count(self, lst: int, kind: int) -> int:
        return self._get(self._list_state(lst) + 4 * kind)

    def _count_add(self, lst: int, kind: int, delta: int) -> None:
        if kind < FREE:  # NR_BPF_LRU_LIST_COUNT: only active and inactive are counted
            at = self._state_w + _LIST_STATE_W * lst + kind
            self._words[at] = min(max(self._words[at] + delta, 0), U32_MAX)

    def _rotation(self, lst: int) -> int:
        return self._words[self._state_w + _LIST_STATE_W * lst + _ROTATION_W]

    def _set_rotation(self, lst: int, link: int) -> None:
        self._words[self._state_w + _LIST_STATE_W * lst + _ROTATION_W] = link

    def _move(self, lst: int, link: int, kind: int) -> None:
        """``__bpf_lru_node_move``: within or between the active and inactive (or to the free) list."""
        words, mem = self._words, self.mem
        at = self._nw(link)
        type_at = (at << 2) + TYPE_AT
        old = mem[type_at]
        if old >= LOCAL_FREE:
            raise corrupted(f"LRU node {link} of a local list moved on a global one")
        state = self._state_w + _LIST_STATE_W * lst
        if old != kind:
            if old < FREE:
                words[state + old] = max(words[state + old] - 1, 0)
            if kind < FREE:
                words[state + kind] = min(words[state + kind] + 1, U32_MAX)
            mem[type_at] = kind
        mem[type_at + 1] = 0  # the ref bit
        if link == words[state + _ROTATION_W]:
            words[state + _ROTATION_W] = words[at]
        self._list_move(link, 1 + 3 * lst + kind)

    def _move_to_free(self, lst: int, link: int, free_head: int, kind: int) -> None:
        """``__bpf_lru_node_move_to_free``."""
        words, mem = self._words, self.mem
        at = self._nw(link)
        state = self._state_w + _LIST_STATE_W * lst
        if link == words[state + _ROTATION_W]:
            words[state + _ROTATION_W] = words[at]
        type_at = (at << 2) + TYPE_AT
        old = mem[type_at]
        if old < FREE:
            words[state + old] = max(words[state + old] - 1, 0)
        mem[type_at] = kind
        self._list_move(link, free_head)

    def _move_in(self, lst: int, link: int, kind: int) -> None:
        """``__bpf_lru_node_move_in``: from a local list onto the LRU list."""
        type_at = (self._nw(link) << 2) + TYPE_AT
        at = self._state_w + _LIST_STATE_W * lst + kind
        self._words[at] = min(self._words[at] + 1, U32_MAX)
        self.mem[type_at] = kind
        self.mem[type_at + 1] = 0
        self._list_move(link, 1 + 3 * lst + kind)

    def _rotate_active(self, lst: int) -> None:
        """``__bpf_lru_list_rotate_active``: from the tail, referenced nodes back to the head, the
        others to the inactive list; at most ``nr_scans`` nodes."""
        active = self._head(lst, ACTIVE)
        first = self._next(active)
        for scanned, link in enumerate(self._walk_back(active), 1):
            self._move(lst, link, ACTIVE if self._ref(link) else INACTIVE)
            if scanned == self.nr_scans or link == first:
                break

    def _rotate_inactive(self, lst: int) -> None:
        """``__bpf_lru_list_rotate_inactive``: from ``next_inactive_rotation`` towards the head,
        referenced nodes to the active list; at most ``nr_scans`` nodes."""
        words, mem, n, w0, ws = self._words, self.mem, self.n_nodes, self._nw0, self._nws
        inactive = self._head(lst, INACTIVE)
        if words[self._nw(inactive) + 1] == inactive:
            return
        state = self._state_w + _LIST_STATE_W * lst
        start = words[state + _ROTATION_W]
        last = self._next(start)
        if last == inactive:
            last = self._next(last)
        cur, nxt, scanned, steps = start, inactive, 0, 0
        nr_scans = self.nr_scans
        limit = 2 * n + nr_scans
        while scanned < nr_scans:
            steps += 1
            if steps > limit:
                raise corrupted("the inactive list loops")
            if not 0 < cur <= n:
                raise _outside(cur, n)
            at = w0 + cur * ws
            if cur == inactive:
                cur = words[at]
                continue
            nxt = words[at]
            if mem[(at << 2) + REF_AT]:
                self._move(lst, cur, ACTIVE)
            if cur == last:
                break
            cur = nxt
            scanned += 1
        words[state + _ROTATION_W] = nxt

    def _rotate(self, lst: int) -> None:
        """``__bpf_lru_list_rotate``: the active list when the inactive one is the shorter."""
        state = self._state_w + _LIST_STATE_W * lst
        if self._words[state + INACTIVE] < self._words[state + ACTIVE]:
            self._rotate_active(lst)
        self._rotate_inactive(lst)

    def _shrink_inactive(self, lst: int, target: int, free_head: int, kind: int) -> int:
        """``__bpf_lru_list_shrink_inactive``: from the tail, referenced nodes to the active list,
        the others evicted onto ``free_head``, up to ``target`` of them within ``nr_scans`` nodes."""
        shrunk = 0
        for scanned, link in enumerate(self._walk_back(self._head(lst, INACTIVE)), 1):
            if self._ref(link):
                self._move(lst, link, ACTIVE)
            elif self._del_from_htab(link):
                self._move_to_free(lst, link, free_head, kind)
                shrunk += 1
                if shrunk == target:
                    break
            if scanned == self.nr_scans:
                break
        return shrunk

    def _shrink(self, lst: int, target: int, free_head: int, kind: int) -> int:
        """``__bpf_lru_list_shrink``: else one node evicted from the inactive (or active) list's tail
        whatever its ref bit."""
        shrunk = self._shrink_inactive(lst, target, free_head, kind)
        if shrunk:
            return shrunk
        inactive = self._head(lst, INACTIVE)
        forced = inactive if not self._empty(inactive) else self._head(lst, ACTIVE)
        for link in self._walk_back(forced):
            if self._del_from_htab(link):
                self._move_to_free(lst, link, free_head, kind)
                return 1
        return 0

    def _del_from_htab(self, link: int) -> bool:
        """``htab_lru_map_delete_node``: remove the element whose node ``link`` is, if the hash has it."""
        key = self._key_of(link)
        stored = self.inner.value_offset(key, 0)
        if stored is None or self._get(self.inner_at + stored) != link:
            return False
        self.evicted.append(self.inner_at + stored + VALUE_PREFIX)
        self.inner.delete(key)
        return True

    # --- bpf_lru_pop_free / bpf_lru_push_free -------------------------------------------------------
    def _pop_free(self, cpu: int) -> int:
        """A free node for an element inserted on ``cpu`` (0: none, the kernel's ENOMEM)."""
        if self.percpu_lru:
            return self._percpu_pop_free(cpu % self.n_lists)
        return self._common_pop_free(cpu % self.n_locals)

    def _percpu_pop_free(self, lst: int) -> int:
        """``bpf_percpu_lru_pop_free``."""
        self._rotate(lst)
        free = self._head(lst, FREE)
        words, free_at = self._words, self._nw(free) + 1
        if words[free_at] == free:
            self._shrink(lst, PERCPU_FREE_TARGET, free, FREE)
            if words[free_at] == free:
                return 0
        link = words[free_at]
        self._move(lst, link, INACTIVE)  # (its ref bit cleared)
        return link

    def _pop_local_free(self, cpu: int) -> int:
        free = self._local_head(cpu, LOCAL_FREE)
        link = self._next(free)
        if link == free:
            return 0
        self._del(link)
        return link

    def _common_pop_free(self, cpu: int) -> int:
        """``bpf_common_lru_pop_free``: the local free list, refilled from the common list; else a
        node stolen round-robin from the CPUs' local free or pending lists.  The node goes to the
        head of the CPU's pending list."""
        free = self._local_head(cpu, LOCAL_FREE)
        pending = free + 1  # the CPU's LOCAL_PENDING head
        link = self._words[self._nw(free) + 1]
        if link != free:  # the common case: list_del from the local free list, list_add to pending
            self._list_move(link, pending)
        else:
            self._pop_free_to_local(cpu)
            link = self._pop_local_free(cpu)
            if not link:
                first = steal = self._get(self._local_state(cpu)) % self.n_locals
                while True:
                    link = self._pop_local_free(steal) or self._pop_pending(steal)
                    steal = (steal + 1) % self.n_locals
                    if link or steal == first:
                        break
                self._set(self._local_state(cpu), steal)
                if not link:
                    return 0
            self._add(link, pending)
        at = self._nw(link)
        self._words[at + 3] = cpu
        type_at = (at << 2) + TYPE_AT
        self.mem[type_at] = LOCAL_PENDING
        self.mem[type_at + 1] = 0  # the ref bit
        return link

    def _pop_free_to_local(self, cpu: int) -> None:
        """``bpf_lru_list_pop_free_to_local``: flush the CPU's pending nodes onto the common list by
        ref bit, rotate it, then move up to ``target_free`` free nodes to the CPU, evicting for the
        rest."""
        pending = self._local_head(cpu, LOCAL_PENDING)
        for link in self._walk_back(pending):
            self._move_in(0, link, ACTIVE if self._ref(link) else INACTIVE)
        self._rotate(0)
        target = self._get(_TARGET_FREE)
        local = self._local_head(cpu, LOCAL_FREE)
        free = self._head(0, FREE)
        moved = 0
        while moved < target and not self._empty(free):
            self._move_to_free(0, self._next(free), local, LOCAL_FREE)
            moved += 1
        if moved < target:
            self._shrink(0, target - moved, local, LOCAL_FREE)

    def _pop_pending(self, cpu: int) -> int:
        """``__local_list_pop_pending``: the oldest unreferenced pending node whose element can be
        evicted, else the oldest whatever its ref bit."""
        pending = self._local_head(cpu, LOCAL_PENDING)
        for force in (False, True):
            for link in self._walk_back(pending):
                if (force or not self._ref(link)) and self._del_from_htab(link):
                    self._del(link)
                    return link
        return 0

    def _push_free(self, link: int) -> None:
        """``bpf_lru_push_free``: a pending node back to its CPU's local free list, any other to the
        free list of its ``bpf_lru_list``."""
        if self.percpu_lru:
            self._move(self._cpu(link, self.n_lists), link, FREE)
            return
        if self._type(link) == LOCAL_PENDING:
            self._set_type(link, LOCAL_FREE)
            self._set_ref(link, 0)
            self._list_move(link, self._local_head(self._cpu(link, self.n_locals), LOCAL_FREE))
            return
        self._move(0, link, FREE)

    def _key_of(self, link: int) -> bytes:
        start = self._node(link) + NODE_HEAD
        return bytes(self.mem[start : start + self.key_size])

    def _find(self, key: bytes) -> int:
        """The node of ``key`` (0 when absent)."""
        return self._find_stored(key)[0]

    def _find_stored(self, key: bytes) -> tuple[int, int]:
        """The node of ``key`` and the storage offset of its stored value (0, 0 when absent)."""
        stored = self.inner.value_offset(key, 0)
        if stored is None:
            return 0, 0
        stored += self.inner_at
        link = self._words[stored >> 2]
        if not self.n_heads < link <= self.n_nodes:
            raise corrupted(f"the element of a key names LRU node {link}")
        return link, stored

    def _take_node(self, key: bytes, cpu: int) -> int:
        """``prealloc_lru_pop``: a node for ``key`` (ENOMEM when none can be had)."""
        link = self._pop_free(cpu)
        if not link:
            raise BPFError(errno.ENOMEM, "no free LRU node")
        start = self._node(link) + NODE_HEAD
        self.mem[start : start + self.key_size] = key
        return link

    # --- operations -------------------------------------------------------------------------
    def lookup(self, key: bytes) -> bytes:
        """User-space lookup: the value, without setting the ref bit (``map_lookup_elem_sys_only``)."""
        return self.inner.lookup(key)[VALUE_PREFIX:]

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        """BPF_MAP_UPDATE_ELEM, on the CPU the caller runs on."""
        self._update(key, value, flags, running_cpu(), None)

    def _update(self, key: bytes, value: bytes, flags: int, cpu: int, value_cpu: int | None) -> None:
        """``htab_lru_map_update_elem`` / ``__htab_lru_percpu_map_update_elem``: a node first (which
        may evict), then the flags against the key; ``value_cpu``: a program's per-CPU update, of that
        CPU's slot only (``onallcpus`` false)."""
        self.evicted = []
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        if value_cpu is None and len(value) != self.user_value_size:
            raise BPFError(errno.EINVAL, f"value must be {self.user_value_size} bytes, got {len(value)}")
        link = 0 if self.percpu and flags == uapi.BPF_EXIST else self._take_node(key, cpu)
        old, stored = self._find_stored(key)
        if (old and flags == uapi.BPF_NOEXIST) or (not old and flags == uapi.BPF_EXIST):
            if link:
                self._push_free(link)
            raise BPFError(errno.EEXIST, "key exists") if old else KeyNotExistError()
        if not self.percpu:  # a new element, first in its bucket; the old one's node freed
            self.inner.update(key, link.to_bytes(4, "little") + _PAD + value, uapi.BPF_ANY)
            if old:
                self._set_ref(link, 1)
                self._push_free(old)
            return
        if old:  # per-CPU: the value replaced in place, the element referenced
            self._set_ref(old, 1)
            if value_cpu is None:
                self.inner.update(key, old.to_bytes(4, "little") + _PAD + value, uapi.BPF_ANY)
            else:
                offset = stored + VALUE_PREFIX + value_cpu * round_up(self.value_size, 8) - self.inner_at
                self.inner.write_value(offset, value)  # journaled: never torn
        else:
            if value_cpu is not None:
                block = bytearray(self.user_value_size)
                start = value_cpu * round_up(self.value_size, 8)
                block[start : start + self.value_size] = value
                value = bytes(block)
            self.inner.update(key, link.to_bytes(4, "little") + _PAD + value, uapi.BPF_ANY)
            link = 0
        if link:
            self._push_free(link)

    def unsettled(self) -> bool:
        return self.inner.unsettled()

    def delete(self, key: bytes) -> None:
        link = self._find(key)
        if not link:
            raise KeyNotExistError()
        self.inner.delete(key)
        self._push_free(link)

    def get_next_key(self, key: bytes | None) -> bytes:
        return self.inner.get_next_key(key)

    def lookup_and_delete(self, key: bytes) -> bytes:
        """``htab_lru_map_lookup_and_delete_elem``: the value (ref bit untouched), and the key removed."""
        value = self.lookup(key)
        self.delete(key)
        return value

    # --- batch support: the inner table's buckets, read without setting ref bits -------------------
    def bucket_count(self) -> int:
        return self.inner.bucket_count()

    def bucket_items(self, bucket: int) -> list[tuple[bytes, bytes]]:
        return [(key, value[VALUE_PREFIX:]) for key, value in self.inner.bucket_items(bucket)]

    # --- the program's view ------------------------------------------------------------------------
    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """A program's lookup: the element's ref bit set (``bpf_lru_node_set_ref``).

        Per-CPU: CPU ``cpu``'s value (None for a CPU the map does not have); None when absent.
        """
        return self._value_offset(key, cpu, touch=True)

    def peek_value_offset(self, key: bytes, cpu: int) -> int | None:
        """``value_offset`` without setting the ref bit (``bpf_for_each_map_elem`` walks do not)."""
        return self._value_offset(key, cpu, touch=False)

    def _value_offset(self, key: bytes, cpu: int, *, touch: bool) -> int | None:
        if self.percpu and not 0 <= cpu < self.nr_cpus:
            return None
        stored = self.inner.value_offset(key, 0)
        if stored is None:
            return None
        if touch:
            link = self._get(self.inner_at + stored)
            if not self._is_element(link):
                raise corrupted(f"the element of a key names LRU node {link}")
            if not self._ref(link):
                self._set_ref(link, 1)
        offset = self.inner_at + stored + VALUE_PREFIX
        return offset + cpu * round_up(self.value_size, 8) if self.percpu else offset

    def program_update(self, key: bytes, value: bytes, flags: int, cpu: int) -> None:
        """``htab_lru_map_update_elem`` / ``__htab_lru_percpu_map_update_elem(onallcpus=false)`` on
        the run's CPU: per-CPU, only that CPU's value is written (the others of a new element zeroed)."""
        if self.percpu and not 0 <= cpu < self.nr_cpus:
            raise BPFError(errno.EINVAL, f"cpu {cpu} is not one of the map's {self.nr_cpus} possible CPUs")
        self._update(key, value, flags, cpu, cpu if self.percpu else None)

    def check_lists(self) -> None:
        """EUCLEAN unless the lists hold every node exactly once, each with its list's type, and the
        hash's elements are the nodes of the active, inactive and pending lists."""
        heads = [
            (self._head(lst, kind), kind) for lst in range(self.n_lists) for kind in (ACTIVE, INACTIVE, FREE)
        ]
        heads += [
            (self._local_head(cpu, kind), kind)
            for cpu in range(self.n_locals)
            for kind in (LOCAL_FREE, LOCAL_PENDING)
        ]
        seen: set[int] = set()
        used = 0
        for head, kind in heads:
            for link in self._walk_back(head):
                if link in seen or self._type(link) != kind:
                    raise corrupted(f"LRU node {link} is twice on the lists or on a list of another type")
                seen.add(link)
                used += kind in (ACTIVE, INACTIVE, LOCAL_PENDING)
        elements = sum(len(self.inner.bucket_items(bucket)) for bucket in range(self.inner.bucket_count()))
        if len(seen) != self.max_entries or used != elements:
            raise corrupted(
                f"the lists hold {len(seen)} of {self.max_entries} nodes, {used} of {elements} elements"
            )

    def recover(self) -> None:
        """Repair the hash, then rebuild the lists: every node the hash names stays where the lists
        had it (in order) or goes to the inactive list, every other node to a free list."""
        self.inner.recover()
        present: dict[int, bytes] = {}
        for bucket in range(self.inner.bucket_count()):
            for key, stored in self.inner.bucket_items(bucket):
                link = int(_U32.unpack_from(stored, 0)[0])
                if self._is_element(link) and link not in present:
                    present[link] = key
                    start = self._node(link) + NODE_HEAD
                    self.mem[start : start + self.key_size] = key
                else:  # no usable node: drop the entry rather than leave it outside the lists
                    with contextlib.suppress(KeyNotExistError):
                        self.inner.delete(key)
        heads = [
            (self._head(lst, kind), lst, kind)
            for lst in range(self.n_lists)
            for kind in (ACTIVE, INACTIVE, FREE)
        ]
        heads += [
            (self._local_head(cpu, kind), cpu, kind)
            for cpu in range(self.n_locals)
            for kind in (LOCAL_FREE, LOCAL_PENDING)
        ]
        placed: dict[int, list[int]] = {}
        seen: set[int] = set()
        for head, _, kind in heads:
            kept: list[int] = []
            link, steps = self._get(self._node(head) + 4), 0
            while link != head and self._is_element(link) and link not in seen and steps < self.n_nodes:
                if (link in present) == (kind in (ACTIVE, INACTIVE, LOCAL_PENDING)):
                    kept.append(link)
                    seen.add(link)
                link, steps = self._get(self._node(link) + 4), steps + 1
            placed[head] = kept
        share = self.max_entries // self.n_lists
        for link in range(self.n_heads + 1, self.n_nodes + 1):
            if link not in seen:
                lst = min((link - self.n_heads - 1) // share, self.n_lists - 1) if self.percpu_lru else 0
                placed[self._head(lst, INACTIVE if link in present else FREE)].append(link)
        for head, owner, kind in heads:
            self._set_next(head, head)
            self._set_prev(head, head)
            for link in reversed(placed[head]):
                self._set_type(link, kind)
                if kind == LOCAL_PENDING or self.percpu_lru:
                    self._set(self._node(link) + CPU_AT, owner)
                self._add(link, head)
        for lst in range(self.n_lists):
            for kind in (ACTIVE, INACTIVE):
                self._set(self._list_state(lst) + 4 * kind, len(placed[self._head(lst, kind)]))
            self._set_rotation(lst, self._head(lst, INACTIVE))
        for cpu in range(self.n_locals):
            self._set(self._local_state(cpu), self._get(self._local_state(cpu)) % self.n_locals)


@register(uapi.BPF_MAP_TYPE_LRU_HASH)
class LruHashMap(_LruBase):
    """LRU hash: an update that finds no free node evicts as the kernel's LRU lists choose."""


@register(uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH)
class LruPercpuHashMap(_LruBase):
    """LRU hash whose values are ``nr_cpus`` slots of ``round_up(value_size, 8)`` bytes."""

    percpu = True
