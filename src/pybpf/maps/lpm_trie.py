"""BPF_MAP_TYPE_LPM_TRIE: longest-prefix-match trie over ``struct bpf_lpm_trie_key_u8`` keys.

Mirrors ``kernel/bpf/lpm_trie.c`` (Linux 6.13+, checked against 6.18) as bpf(2) shows it:

* creation (``trie_alloc``): every refusal is EINVAL: max_entries 0, BPF_F_NO_PREALLOC missing,
  flags outside NO_PREALLOC | NUMA_NODE | the access flags, RDONLY_PROG with WRONLY_PROG, key_size
  outside 5..260 (a u32 prefixlen + 1..256 data bytes), value_size outside 1..``LPM_VAL_SIZE_MAX``
  (KMALLOC_MAX_SIZE - 256 - sizeof(struct lpm_trie_node), 4194024 on x86_64);
* keys: ``prefixlen`` in host byte order, then the data bytes, most significant bit first;
* lookup: the value of the longest stored prefix that matches the key (ENOENT when none, or when
  prefixlen exceeds the data bits);
* update: flags above BPF_EXIST or prefixlen above the data bits are EINVAL; a new prefix with
  BPF_EXIST is ENOENT, an existing one with BPF_NOEXIST EEXIST; a new prefix in a full trie is
  ENOSPC (replacing an existing one always works).  The data bytes are stored as given, bits past
  the prefix included, and get_next_key returns them unchanged, as the kernel does;
* delete: the exact prefix only (ENOENT otherwise, EINVAL for a too-long prefixlen);
* get_next_key: post-order (more specific prefixes before the prefixes containing them, the
  0-bit side first); a NULL key, an over-long prefixlen or a key that is not stored gives the
  leftmost entry, the last entry ENOENT.

The trie has the kernel's exact shape (same node splitting, intermediate nodes, deletion rules), so
iteration order and returned key bytes agree with the kernel's.

Storage (little-endian u32 links, 0 = none, otherwise node index + 1)::

    header  root link, entry count, free-list head, high-water mark of nodes ever handed out
    nodes   2 * max_entries + 1 nodes of
            [child0][child1][prefixlen][flags][data, 8-aligned][value, 8-aligned]

A trie of n entries has at most n - 1 intermediate nodes (each has exactly two children), and an
update needs one spare node while the old one is still linked, hence the pool size.  Like the
kernel's RCU updates, every change is prepared in unreachable nodes and published with one aligned
4-byte store (a child link, the root link, or an intermediate flag); freed nodes return to the pool
afterwards.  ``recover()`` rebuilds the count and the free list from what the root reaches.

Memory: like the kernel's trie, which allocates each node as it is inserted, only the header is
backed at creation; nodes are backed as the pool's high-water mark grows
(``MapOps.reserve_storage``), and an update that cannot get memory fails with ENOMEM.

The storage is untrusted (``pybpf.maps.base``): links are range-checked, and every step down the
trie must reach a strictly longer prefix no longer than the key (the trie's own invariant), so a
walk takes at most ``8 * data_size + 1`` steps whatever the storage holds; get_next_key also checks
that each child it descends to extends its parent's prefix on the side it hangs from, so every key
it returns is strictly after the previous one and iteration ends.  Violations are EUCLEAN.
"""

from __future__ import annotations

import errno
import struct
import sys

from pybpf import uapi
from pybpf.btf.kinds import Kind
from pybpf.btf.raw import RawType
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
from pybpf.maps.registry import register

LPM_DATA_SIZE_MIN = 1
LPM_DATA_SIZE_MAX = 256
LPM_KEY_HEADER = 4
"""``offsetof(struct bpf_lpm_trie_key_u8, data)``: the u32 prefixlen."""
LPM_NODE_HEADER = 24
"""``sizeof(struct lpm_trie_node)`` in the kernel (two child pointers, prefixlen, flags)."""
LPM_VAL_SIZE_MAX = KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - LPM_NODE_HEADER
LPM_CREATE_FLAG_MASK = uapi.BPF_F_NO_PREALLOC | uapi.BPF_F_NUMA_NODE | ACCESS_MASK

FLAG_IM = 1
"""``LPM_TREE_NODE_FLAG_IM``: an intermediate node, which holds no value."""

_U32 = struct.Struct("<I")
_HEADER_BYTES = 64
_ROOT, _COUNT, _FREE, _HIGH = 0, 4, 8, 12
_NODE_HEAD = 16  # child0, child1, prefixlen, flags
_PREFIXLEN, _FLAGS = 8, 12


def _node_bytes(params: MapParams) -> int:
    data_size = params.key_size - LPM_KEY_HEADER
    return _NODE_HEAD + round_up(data_size, 8) + round_up(params.value_size, 8)


@register(uapi.BPF_MAP_TYPE_LPM_TRIE)
class LpmTrieMap(MapOps):
    """Longest-prefix-match trie whose nodes live in a fixed pool inside the shared storage."""

    checked_by_alloc = True  # no map_alloc_check: map_alloc checks, after the capabilities

    batch_commands = frozenset(
        {uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_UPDATE_BATCH, uapi.BPF_MAP_DELETE_BATCH}
    )
    """``trie_map_ops``: the generic lookup, update and delete batches."""
    batch_walk = BatchWalk.KEYS
    own_btf_check = True

    @classmethod
    def check_btf(cls, params: MapParams, key_type: RawType | None, value_type: RawType) -> None:
        """``trie_check_btf``: keys are structs (prefix length, then data)."""
        if key_type is None or key_type.kind != Kind.STRUCT:
            raise BPFError(errno.EINVAL, "LPM trie keys must be structs")

    def __init__(self, params: MapParams, mem: memoryview) -> None:
        super().__init__(params, mem)
        self.data_size = params.key_size - LPM_KEY_HEADER
        self.max_prefixlen = 8 * self.data_size
        self.node_size = _node_bytes(params)
        self.value_at = _NODE_HEAD + round_up(self.data_size, 8)
        """Offset of the value inside a node."""
        self.n_nodes = 2 * params.max_entries + 1
        self._backed = 0
        """Links up to this one name nodes this process knows to be backed with memory."""
        self._grow_nodes = max(1, (64 << 10) // self.node_size)

    @classmethod
    def check(cls, params: MapParams) -> None:
        data_size = params.key_size - LPM_KEY_HEADER
        if (
            params.max_entries == 0
            or not params.flags & uapi.BPF_F_NO_PREALLOC
            or params.flags & ~LPM_CREATE_FLAG_MASK
            or not flags_access_ok(params.flags)
            or not LPM_DATA_SIZE_MIN <= data_size <= LPM_DATA_SIZE_MAX
            or not 1 <= params.value_size <= LPM_VAL_SIZE_MAX
        ):
            raise BPFError(errno.EINVAL, "invalid LPM trie attributes")

    @classmethod
    def storage_size(cls, params: MapParams) -> int:
        return _HEADER_BYTES + (2 * params.max_entries + 1) * _node_bytes(params)

    @classmethod
    def reserved_size(cls, params: MapParams) -> int:
        """Only the header: nodes are backed as they are first used (``trie_update_elem``'s
        ``lpm_trie_node_alloc``)."""
        return _HEADER_BYTES

    # --- raw access -------------------------------------------------------------------------
    def _get(self, offset: int) -> int:
        value: int = _U32.unpack_from(self.mem, offset)[0]
        return value

    def _set(self, offset: int, value: int) -> None:
        _U32.pack_into(self.mem, offset, value)

    def _node(self, link: int) -> int:
        """Byte offset of the node a link (index + 1) names, backed with memory; EUCLEAN for a link
        outside the pool."""
        if not 0 < link <= self._backed:
            self._back(link)
        return _HEADER_BYTES + (link - 1) * self.node_size

    def _back(self, link: int) -> None:
        if not 0 < link <= self.n_nodes:
            raise corrupted(f"trie link {link} outside the pool of {self.n_nodes} nodes")
        if link <= self._backed:
            return
        target = min(self.n_nodes, max(link, self._backed + self._grow_nodes))
        size = self.node_size
        self.reserve_storage(_HEADER_BYTES + self._backed * size, _HEADER_BYTES + target * size)
        self._backed = target

    def _plen(self, node: int, parent_plen: int) -> int:
        """The prefixlen of ``node`` found below a node of ``parent_plen`` (-1: the root): it must be
        longer than its parent's and fit the key (else the trie is corrupted)."""
        plen = self._get(node + _PREFIXLEN)
        if not parent_plen < plen <= self.max_prefixlen:
            raise corrupted(f"a trie node of prefixlen {plen} below one of {parent_plen}")
        return plen

    def _data(self, node: int) -> int:
        start = node + _NODE_HEAD
        return int.from_bytes(self.mem[start : start + self.data_size], "big")

    def _key(self, key: bytes) -> tuple[int, int]:
        """(prefixlen, data as a big-endian integer) of a user key."""
        return int.from_bytes(key[:LPM_KEY_HEADER], sys.byteorder), int.from_bytes(
            key[LPM_KEY_HEADER:], "big"
        )

    def _bit(self, data: int, index: int) -> int:
        """``extract_bit``: bit ``index`` counted from the most significant bit of the data."""
        return (data >> (self.max_prefixlen - 1 - index)) & 1

    def _match(self, node: int, plen: int, data: int, node_plen: int) -> int:
        """``longest_prefix_match``: leading bits node and key share, capped by both prefixlens."""
        common = self.max_prefixlen - (self._data(node) ^ data).bit_length()
        return min(common, node_plen, plen)

    def _alloc(self) -> int:
        free = self._get(_FREE)
        if free:
            self._set(_FREE, self._get(self._node(free)))
            if self._reachable_from_root(free):
                raise corrupted("the free list holds a node that is in the trie")
            return free
        high = self._get(_HIGH)
        if high >= self.n_nodes:
            raise BPFError(errno.ENOMEM, "LPM trie node pool exhausted")
        self._node(high + 1)  # backed before it is handed out
        self._set(_HIGH, high + 1)
        return high + 1

    def _release(self, link: int) -> None:
        self._set(self._node(link), self._get(_FREE))
        self._set(_FREE, link)

    def _fill(self, link: int, plen: int, data: bytes, value: bytes | None, children: tuple[int, int]) -> int:
        """Write a whole unreachable node; returns its link."""
        node = self._node(link)
        struct.pack_into(
            "<4I", self.mem, node, children[0], children[1], plen, FLAG_IM if value is None else 0
        )
        self.mem[node + _NODE_HEAD : node + _NODE_HEAD + self.data_size] = data
        if value is not None:
            self.mem[node + self.value_at : node + self.value_at + self.value_size] = value
        return link

    def _add_entry(self, flags: int) -> None:
        """``trie_check_add_elem``: a new entry is refused with ENOENT (BPF_EXIST) or ENOSPC (full)."""
        if flags == uapi.BPF_EXIST:
            raise KeyNotExistError()
        if self._get(_COUNT) >= self.max_entries:
            raise BPFError(errno.ENOSPC, "LPM trie is full")

    # --- operations -------------------------------------------------------------------------
    def _find(self, key: bytes) -> int:
        """``trie_lookup_elem``: the node of the longest matching prefix (0 when none)."""
        plen, data = self._key(key)
        if plen > self.max_prefixlen:
            return 0
        found, link, parent_plen = 0, self._get(_ROOT), -1
        while link:
            node = self._node(link)
            node_plen = parent_plen = self._plen(node, parent_plen)
            matchlen = self._match(node, plen, data, node_plen)
            if matchlen == self.max_prefixlen:
                return link
            if matchlen < node_plen:
                break
            if not self._get(node + _FLAGS) & FLAG_IM:
                found = link
            link = self._get(node + 4 * self._bit(data, node_plen))
        return found

    def value_offset(self, key: bytes, cpu: int) -> int | None:
        """Offset in ``self.mem`` of the value a longest-prefix lookup of ``key`` finds (None: none).

        ``cpu`` is ignored: an LPM trie has one value per entry.
        """
        link = self._find(key)
        return self._node(link) + self.value_at if link else None

    def lookup(self, key: bytes) -> bytes:
        offset = self.value_offset(key, 0)
        if offset is None:
            raise KeyNotExistError()
        return bytes(self.mem[offset : offset + self.value_size])

    def update(self, key: bytes, value: bytes, flags: int) -> None:
        if flags > uapi.BPF_EXIST:
            raise BPFError(errno.EINVAL, "unknown update flags")
        plen, data = self._key(key)
        if plen > self.max_prefixlen:
            raise BPFError(errno.EINVAL, "prefixlen larger than the key's data bits")
        raw = key[LPM_KEY_HEADER:]
        slot, link, matchlen, parent_plen = _ROOT, self._get(_ROOT), 0, -1
        while link:
            node = self._node(link)
            node_plen = parent_plen = self._plen(node, parent_plen)
            matchlen = self._match(node, plen, data, node_plen)
            if node_plen != matchlen or node_plen == plen:
                break
            slot = node + 4 * self._bit(data, node_plen)
            link = self._get(slot)
        if not link:  # an empty slot: the new node becomes a leaf
            self._add_entry(flags)
            self._set(slot, self._fill(self._alloc(), plen, raw, value, (0, 0)))
            self._set(_COUNT, self._get(_COUNT) + 1)
            return
        node = self._node(link)
        node_plen = self._get(node + _PREFIXLEN)
        if node_plen == matchlen:  # the same prefix: replace the node, keeping its children
            intermediate = self._get(node + _FLAGS) & FLAG_IM
            if not intermediate and flags == uapi.BPF_NOEXIST:
                raise BPFError(errno.EEXIST, "prefix exists")
            if intermediate:
                self._add_entry(flags)
            children = (self._get(node), self._get(node + 4))
            self._set(slot, self._fill(self._alloc(), plen, raw, value, children))
            self._release(link)
            if intermediate:
                self._set(_COUNT, self._get(_COUNT) + 1)
            return
        self._add_entry(flags)
        if matchlen == plen:  # the new prefix contains the node: insert it above
            side = self._bit(self._data(node), matchlen)
            children = (link, 0) if side == 0 else (0, link)
            self._set(slot, self._fill(self._alloc(), plen, raw, value, children))
        else:  # they diverge after matchlen bits: an intermediate node holds both
            new = self._fill(self._alloc(), plen, raw, value, (0, 0))
            im_data = bytes(self.mem[node + _NODE_HEAD : node + _NODE_HEAD + self.data_size])
            children = (link, new) if self._bit(data, matchlen) else (new, link)
            try:
                im = self._fill(self._alloc(), matchlen, im_data, None, children)
            except BPFError:
                self._release(new)
                raise
            self._set(slot, im)
        self._set(_COUNT, self._get(_COUNT) + 1)

    def delete(self, key: bytes) -> None:
        plen, data = self._key(key)
        if plen > self.max_prefixlen:
            raise BPFError(errno.EINVAL, "prefixlen larger than the key's data bits")
        trim = trim2 = _ROOT
        parent, link, matchlen, parent_plen = 0, self._get(_ROOT), 0, -1
        while link:
            node = self._node(link)
            node_plen = parent_plen = self._plen(node, parent_plen)
            matchlen = self._match(node, plen, data, node_plen)
            if node_plen != matchlen or node_plen == plen:
                break
            parent, trim2 = link, trim
            trim = node + 4 * self._bit(data, node_plen)
            link = self._get(trim)
        if not link:
            raise KeyNotExistError()
        node = self._node(link)
        node_plen = self._get(node + _PREFIXLEN)
        if node_plen != plen or node_plen != matchlen or self._get(node + _FLAGS) & FLAG_IM:
            raise KeyNotExistError()
        child0, child1 = self._get(node), self._get(node + 4)
        if child0 and child1:  # two children: the node stays as an intermediate one
            self._set(node + _FLAGS, self._get(node + _FLAGS) | FLAG_IM)
        elif parent and self._get(self._node(parent) + _FLAGS) & FLAG_IM and not child0 and not child1:
            # a leaf under an intermediate node: the sibling takes the intermediate node's place
            pnode = self._node(parent)
            sibling = self._get(pnode + 4) if self._get(pnode) == link else self._get(pnode)
            self._set(trim2, sibling)
            self._release(parent)
            self._release(link)
        else:
            self._set(trim, child0 or child1)
            self._release(link)
        self._set(_COUNT, max(self._get(_COUNT) - 1, 0))

    def _key_of(self, link: int) -> bytes:
        node = self._node(link)
        header = self._get(node + _PREFIXLEN).to_bytes(LPM_KEY_HEADER, sys.byteorder)
        return header + bytes(self.mem[node + _NODE_HEAD : node + _NODE_HEAD + self.data_size])

    def _extends(self, parent: int, side: int, child: int) -> None:
        """EUCLEAN unless node ``child``, hanging from ``parent``'s ``side``, has a longer prefix that
        starts with the parent's and continues with bit ``side`` (where the kernel's trie puts it)."""
        parent_plen = self._plen(parent, -1)
        self._plen(child, parent_plen)
        differ = self._data(parent) ^ self._data(child)
        if differ >> (self.max_prefixlen - parent_plen) or self._bit(self._data(child), parent_plen) != side:
            raise corrupted("a trie node hangs where its prefix does not belong")

    def _leftmost(self, link: int) -> int:
        """The first entry in post-order below ``link`` (intermediate nodes have two children)."""
        found = 0
        while link:
            node = self._node(link)
            self._plen(node, -1)
            if self._get(node + _FLAGS) & FLAG_IM:
                side = 0
                child = self._get(node)
            else:
                found = link
                side = 0 if self._get(node) else 1
                child = self._get(node + 4 * side)
            if child:
                self._extends(node, side, self._node(child))
            link = child
        return found

    def get_next_key(self, key: bytes | None) -> bytes:
        root = self._get(_ROOT)
        if not root:
            raise KeyNotExistError()
        if key is None:
            return self._key_of(self._leftmost(root))
        plen, data = self._key(key)
        if plen > self.max_prefixlen:
            return self._key_of(self._leftmost(root))
        stack: list[int] = []
        link, matchlen, parent_plen = root, 0, -1
        while link:
            stack.append(link)
            node = self._node(link)
            node_plen = parent_plen = self._plen(node, parent_plen)
            matchlen = self._match(node, plen, data, node_plen)
            if node_plen != matchlen or node_plen == plen:
                break
            link = self._get(node + 4 * self._bit(data, node_plen))
        if (
            not link
            or self._get(self._node(link) + _PREFIXLEN) != matchlen
            or self._get(self._node(link) + _FLAGS) & FLAG_IM
        ):
            return self._key_of(self._leftmost(root))
        link = stack[-1]
        for parent in reversed(stack[:-1]):
            pnode = self._node(parent)
            right = self._get(pnode + 4)
            if self._get(pnode) == link and right:
                self._extends(pnode, 1, self._node(right))
                return self._key_of(self._leftmost(right))
            if not self._get(pnode + _FLAGS) & FLAG_IM:
                return self._key_of(parent)
            link = parent
        raise KeyNotExistError()

    def _reachable_from_root(self, link: int) -> bool:
        """Whether a descent from the root by ``link``'s own prefix reaches it (the node is in the
        trie); bounded like every walk."""
        node = self._node(link)
        plen, data = self._get(node + _PREFIXLEN), self._data(node)
        if plen > self.max_prefixlen:
            return False
        current, parent_plen = self._get(_ROOT), -1
        while current:
            if current == link:
                return True
            cnode = self._node(current)
            try:
                node_plen = parent_plen = self._plen(cnode, parent_plen)
            except BPFError:
                return False
            if node_plen >= plen or self._match(cnode, plen, data, node_plen) < node_plen:
                return False
            current = self._get(cnode + 4 * self._bit(data, node_plen))
        return False

    def recover(self) -> None:
        """Rebuild the entry count and the free list from the nodes the root reaches, cutting every
        link that is out of range, seen before, or breaks the trie's prefix order."""
        high = min(self._get(_HIGH), self.n_nodes)
        if high:
            self._node(high)
        reachable: set[int] = set()
        entries = 0
        pending = [(_ROOT, -1)]
        while pending:
            link_at, parent_plen = pending.pop()
            link = self._get(link_at)
            if not link:
                continue
            node_plen = self._get(self._node(link) + _PREFIXLEN) if link <= high else -1
            if link > high or link in reachable or not parent_plen < node_plen <= self.max_prefixlen:
                self._set(link_at, 0)
                continue
            reachable.add(link)
            node = self._node(link)
            if not self._get(node + _FLAGS) & FLAG_IM:
                entries += 1
            pending += ((node, node_plen), (node + 4, node_plen))
        self._set(_HIGH, high)
        self._set(_COUNT, entries)
        self._set(_FREE, 0)
        for link in range(high, 0, -1):
            if link not in reachable:
                self._release(link)
