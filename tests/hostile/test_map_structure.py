"""Hostile tests: a map's shared structure corrupted by another process never wedges or crashes a user.

Issue 9, class 2.  A map's storage is a file every holder maps, so another process (or one killed
mid-write) may leave anything in it.  Each case creates a map on the user backend and pins it in
this test's private root, together with an intact companion map, corrupts one piece of the map's
shared structure through the file (hash chains and free lists, LRU links, LPM trie links and
prefix lengths, queue indices, bloom filter header, ring buffer positions and record lengths,
map-in-map and prog array slots, the map's lock word and header, or all of the storage at random),
and then uses the map from a child process with a time limit: through ``pybpf.Map`` (including a
full iteration), through raw ``bpf()`` attrs, through a batch lookup and through a program
(``bpf_map_lookup_elem`` / ``update`` / ``delete`` / ``push`` / ``pop`` / ring buffer helpers run by
BPF_PROG_TEST_RUN).  The child reports every outcome as JSON; the test asserts that the child
ended on its own (no hang: the time limit; no crash: its exit status), that every outcome is a
result or a ``BPFError`` errno (any other exception fails the child), that the case's key
operations answer EUCLEAN (pybpf's errno for a corrupted map, see ``pybpf.maps.base``), and that
the companion map is intact -- checked from the child and once more from a second child.
"""

from __future__ import annotations

import ctypes
import json
import os
import random
import signal
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import pybpf
from pybpf import Map, uapi
from pybpf.kernel.backend import UserBackend
from pybpf.maps.object import MapObject

TIMEOUT = 90
"""Seconds a child may take: it imports pybpf and runs a few dozen operations (one case waits
about two seconds for a lock).  A walk that looped would never end."""
SRC = str(Path(pybpf.__file__).resolve().parent.parent)
U32 = struct.Struct("<I")
U64 = struct.Struct("<Q")
INTACT = {i.to_bytes(4, "little"): (i * 7).to_bytes(8, "little") for i in range(16)}
"""What the companion hash map holds, checked after every case."""

CHILD = r'''
import ctypes, errno, json, os, struct, sys
from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.syscall import bpf

U = UserBackend()
ROOT = os.environ["PYBPF_BPFFS"]
CASE = json.loads(sys.argv[1])
results = {}


def record(name, fn):
    """Run ``fn``: its result, or the errno of a BPFError; anything else fails the child."""
    try:
        value = fn()
    except BPFError as exc:
        results[name] = ["errno", errno.errorcode.get(exc.errno, str(exc.errno))]
    else:
        results[name] = ["ok", value.hex() if isinstance(value, (bytes, bytearray)) else value]


def raw(cmd, fd, key=None, value_size=0, value=None, flags=0, next_key=False):
    """One element command through bpf() with attr pointers, as a C program makes it."""
    attr = uapi.bpf_attr()
    attr.map_fd = fd
    keep = []
    if key is not None:
        kbuf = ctypes.create_string_buffer(key, max(len(key), 1))
        keep.append(kbuf)
        attr.key = ctypes.addressof(kbuf)
    out = ctypes.create_string_buffer(max(value_size, len(value or b""), 1))
    if value is not None:
        ctypes.memmove(out, value, len(value))
    if cmd != uapi.BPF_MAP_DELETE_ELEM:
        if next_key:
            attr.next_key = ctypes.addressof(out)
        else:
            attr.value = ctypes.addressof(out)
    attr.flags = flags
    bpf(cmd, attr)
    return out.raw[: max(value_size, len(value or b""))]


def batch(fd, key_size, value_size):
    """BPF_MAP_LOOKUP_BATCH of up to 64 elements from the start."""
    keys = ctypes.create_string_buffer(64 * max(key_size, 1))
    values = ctypes.create_string_buffer(64 * max(value_size, 1))
    out_batch = ctypes.create_string_buffer(max(key_size, 8))
    attr = uapi.bpf_attr()
    attr.batch.map_fd, attr.batch.count = fd, 64
    attr.batch.keys, attr.batch.values = ctypes.addressof(keys), ctypes.addressof(values)
    attr.batch.out_batch = ctypes.addressof(out_batch)
    bpf(uapi.BPF_MAP_LOOKUP_BATCH, attr)
    return attr.batch.count


def key_on_stack(key):
    """Instructions storing ``key`` (a multiple of 4 bytes) at r10 - len(key)."""
    return "".join(
        f"*(u32 *)(r10 - {len(key) - i}) = {int.from_bytes(key[i:i + 4], 'little')}\n"
        for i in range(0, len(key), 4)
    )


def run(fd, text):
    """Load ``text`` (map ``m`` is ``fd``) as a socket filter and run it once: r0 as a signed int."""
    prog = Program.load(text, maps={"m": fd}, backend=U)
    try:
        return ctypes.c_int32(prog.run(bytes(64)).retval).value
    finally:
        prog.close()


def prog_lookup(fd, key):
    return run(fd, key_on_stack(key) + f"""
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -{len(key)}
        call bpf_map_lookup_elem
        if r0 == 0 goto +2
        r0 = *(u8 *)(r0 + 0)
        exit
        r0 = -1
        exit""")


def prog_update(fd, key, value_size):
    return run(fd, key_on_stack(key) + "".join(
        f"*(u32 *)(r10 - {len(key) + value_size - i}) = 0x5a5a5a5a\n" for i in range(0, value_size, 4)
    ) + f"""
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -{len(key)}
        r3 = r10
        r3 += -{len(key) + value_size}
        r4 = 0
        call bpf_map_update_elem
        exit""")


def prog_delete(fd, key):
    return run(fd, key_on_stack(key) + f"""
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -{len(key)}
        call bpf_map_delete_elem
        exit""")


def iterate(m):
    """Walk every key with get_next_key (bounded by the child's time limit: it must end)."""
    return len(list(m.keys()))


def keyed_battery(m, probe, present):
    """Every way to use a map with keys, on a key in the corrupted place and on one elsewhere."""
    fd, ks, vs = m.fd, m.key_size, m.user_value_size
    record("lookup_probe", lambda: m.lookup(probe))
    record("lookup_present", lambda: m.lookup(present))
    record("update_probe", lambda: m.update(probe, bytes(vs)))
    record("delete_probe", lambda: m.delete(probe))
    record("iterate", lambda: iterate(m))
    record("raw_lookup_probe", lambda: raw(uapi.BPF_MAP_LOOKUP_ELEM, fd, probe, vs))
    record("raw_update_probe", lambda: raw(uapi.BPF_MAP_UPDATE_ELEM, fd, probe, value=bytes(vs)))
    record("raw_next_key_probe", lambda: raw(uapi.BPF_MAP_GET_NEXT_KEY, fd, probe, ks, next_key=True))
    record("raw_next_key_first", lambda: raw(uapi.BPF_MAP_GET_NEXT_KEY, fd, None, ks, next_key=True))
    record("batch_lookup", lambda: batch(fd, ks, vs))
    record("prog_lookup_probe", lambda: prog_lookup(fd, probe))
    record("prog_update_probe", lambda: prog_update(fd, probe, m.value_size))
    record("prog_delete_probe", lambda: prog_delete(fd, probe))


def queue_battery(m):
    fd, vs = m.fd, m.value_size
    record("peek", lambda: raw(uapi.BPF_MAP_LOOKUP_ELEM, fd, None, vs))
    record("push", lambda: raw(uapi.BPF_MAP_UPDATE_ELEM, fd, None, value=bytes(vs)))
    record("pop", lambda: raw(uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, None, vs))
    record("prog_push", lambda: run(fd, f"""
        *(u64 *)(r10 - 8) = 7
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -8
        r3 = 0
        call bpf_map_push_elem
        exit"""))
    record("prog_pop", lambda: run(fd, f"""
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -8
        call bpf_map_pop_elem
        exit"""))


def opened():
    """The pinned map, or None when opening it fails (recorded as "open")."""
    found = []
    record("open", lambda: found.append(Map.from_pinned(os.path.join(ROOT, "map"), backend=U)) or 0)
    return found[0] if found else None


def check_intact():
    intact = Map.from_pinned(os.path.join(ROOT, "intact"), backend=U)
    expected = {bytes.fromhex(k): bytes.fromhex(v) for k, v in CASE["intact"].items()}
    found = {key: intact.lookup(key) for key in intact.keys()}
    results["intact"] = found == expected


'''


@dataclass
class Case:
    """One corruption: how the map is made and filled, how it is corrupted, what the child runs and
    which outcomes are required (name -> outcome; every other outcome may be a result or an errno)."""

    name: str
    make: Callable[[Path], dict[str, Any]]
    """Creates the map pinned at ``root / "map"``, corrupts it; returns values for the child."""
    child: str
    """Child statements (``CASE`` holds what ``make`` returned)."""
    expect: dict[str, list[Any]] = field(default_factory=dict)


# -- running the child --------------------------------------------------------------------------------
def run_child(root: Path, code: str, case: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ, PYBPF_BPFFS=str(root), PYTHONPATH=SRC)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD + code + "\ncheck_intact()\nprint(json.dumps(results))\n",
            json.dumps(case),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"child ended with status {done.returncode}:\n{done.stderr[-4000:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def pin(m: Map, root: Path, name: str) -> None:
    attr = uapi.bpf_attr()
    path = ctypes.create_string_buffer(str(root / name).encode())
    attr.bpf_fd, attr.pathname = m.fd, ctypes.addressof(path)
    m.backend.bpf(uapi.BPF_OBJ_PIN, attr)


_OPENED: list[Map] = []
"""Maps this process made for the current case (closed after it: the pins keep them for the child)."""


def opened(m: Map) -> Map:
    _OPENED.append(m)
    return m


def new_map(  # noqa: PLR0917  (the fields of BPF_MAP_CREATE in attr order)
    root: Path, map_type: int, key_size: int, value_size: int, max_entries: int, flags: int = 0
) -> Map:
    m = opened(Map.create(map_type, key_size, value_size, max_entries, flags, backend=UserBackend()))
    pin(m, root, "map")
    return m


def storage(m: Map) -> tuple[MapObject, memoryview]:
    """The map's object and a writable view of its storage (what any holder of the file can write)."""
    obj = MapObject.from_fd(m.fd)
    return obj, memoryview(obj.mm)[: obj.storage_size]


def k32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def same_bucket_key(impl: Any, key: bytes, start: int = 1000) -> bytes:
    """A key not in the map whose hash falls in ``key``'s bucket."""
    bucket = impl.key_hash(key) & (impl.n_buckets - 1)
    return next(
        k32(i)
        for i in range(start, start + (1 << 20))
        if impl.key_hash(k32(i)) & (impl.n_buckets - 1) == bucket
    )


def hash_slot(impl: Any, link: int) -> int:
    """Storage offset of hash slot ``link`` (index + 1)."""
    return int(impl.slots_at + (link - 1) * impl.slot_size)


def hash_head(view: memoryview, impl: Any, key: bytes, base: int = 0) -> tuple[int, int]:
    """(offset of the bucket head of ``key``, the link it holds)."""
    at = base + 64 + 4 * (impl.key_hash(key) & (impl.n_buckets - 1))
    return at, U32.unpack_from(view, at)[0]


def key_slot(impl: Any, key: bytes) -> int:
    """Storage offset of the hash slot holding ``key`` (not necessarily its bucket's head: new
    elements go first)."""
    return int(impl.value_offset(key, 0)) - 8 - int(impl.key_stride)


def filled_hash(root: Path, map_type: int = uapi.BPF_MAP_TYPE_HASH, entries: int = 8, flags: int = 0) -> Map:
    m = new_map(root, map_type, 4, 8, entries, flags | uapi.BPF_F_ZERO_SEED)  # the same buckets every run
    for i in range(entries - 2):
        m.update(k32(i), m.user_value_size * b"\x11")
    return m


KEYED = """
m = opened()
if m is not None:
    keyed_battery(m, bytes.fromhex(CASE["probe"]), bytes.fromhex(CASE["present"]))
"""
OPENS = "opened()\n"


# -- the cases -------------------------------------------------------------------------------------------
def hash_chain_loop(root: Path) -> dict[str, Any]:
    """The issue's case: the element's next link points at itself (a write before its value)."""
    m = filled_hash(root)
    obj, view = storage(m)
    slot = key_slot(obj.impl, k32(0))
    U32.pack_into(view, slot, (slot - obj.impl.slots_at) // obj.impl.slot_size + 1)
    return {"probe": same_bucket_key(obj.impl, k32(0)).hex(), "present": k32(0).hex()}


def hash_two_slot_loop(root: Path) -> dict[str, Any]:
    """Two slots of one bucket pointing at each other."""
    m = new_map(root, uapi.BPF_MAP_TYPE_HASH, 4, 8, 4)
    first = k32(0)
    second = same_bucket_key(MapObject.from_fd(m.fd).impl, first, 10)
    m.update(first, bytes(8))
    m.update(second, bytes(8))
    obj, view = storage(m)
    _, head = hash_head(view, obj.impl, first)
    nxt = U32.unpack_from(view, hash_slot(obj.impl, head))[0]
    U32.pack_into(view, hash_slot(obj.impl, nxt), head)
    return {"probe": same_bucket_key(obj.impl, first, 5000).hex(), "present": k32(1).hex()}


def hash_link_out_of_range(root: Path) -> dict[str, Any]:
    m = filled_hash(root)
    obj, view = storage(m)
    at, _ = hash_head(view, obj.impl, k32(0))
    U32.pack_into(view, at, 0xFFFFFFF0)
    return {"probe": k32(0).hex(), "present": k32(0).hex()}


def hash_free_list_garbage(root: Path) -> dict[str, Any]:
    m = filled_hash(root)
    m.delete(k32(1))  # the free list now has a head
    _, view = storage(m)
    U32.pack_into(view, 4, 0xFFFFFFFF)
    return {"probe": k32(4242).hex(), "present": k32(0).hex()}


def hash_free_list_in_use(root: Path) -> dict[str, Any]:
    """The free list names a slot a chain still holds: an insert must not hand it out twice."""
    m = filled_hash(root)
    obj, view = storage(m)
    _, head = hash_head(view, obj.impl, k32(0))
    U32.pack_into(view, 4, head)
    return {"probe": k32(0).hex(), "present": k32(0).hex()}


def hash_wrong_bucket(root: Path) -> dict[str, Any]:
    """A slot's stored hash moved to another bucket: iteration must still end."""
    m = filled_hash(root)
    obj, view = storage(m)
    _, head = hash_head(view, obj.impl, k32(0))
    at = hash_slot(obj.impl, head) + 4
    U32.pack_into(view, at, U32.unpack_from(view, at)[0] ^ 1)
    return {"probe": k32(0).hex(), "present": k32(2).hex()}


def hash_duplicate_key(root: Path) -> dict[str, Any]:
    """A chain holding one key twice with another key between them: get_next_key must not cycle."""
    m = new_map(root, uapi.BPF_MAP_TYPE_HASH, 4, 8, 8)
    first = k32(0)
    second = same_bucket_key(MapObject.from_fd(m.fd).impl, first, 10)
    third = same_bucket_key(MapObject.from_fd(m.fd).impl, first, int.from_bytes(second, "little") + 1)
    for key in (first, second, third):
        m.update(key, bytes(8))
    obj, view = storage(m)
    _, head = hash_head(view, obj.impl, first)  # chain: third -> second -> first
    last = U32.unpack_from(view, hash_slot(obj.impl, U32.unpack_from(view, hash_slot(obj.impl, head))[0]))[0]
    key_at = hash_slot(obj.impl, last) + 8
    view[key_at : key_at + 4] = view[hash_slot(obj.impl, head) + 8 : hash_slot(obj.impl, head) + 12]
    U32.pack_into(
        view, hash_slot(obj.impl, last) + 4, U32.unpack_from(view, hash_slot(obj.impl, head) + 4)[0]
    )
    return {"probe": second.hex(), "present": k32(0).hex()}


def hash_count_huge(root: Path) -> dict[str, Any]:
    m = filled_hash(root)
    _, view = storage(m)
    U32.pack_into(view, 0, 0xFFFFFFFF)
    return {"probe": k32(4242).hex(), "present": k32(0).hex()}


def garbage(root: Path, map_type: int, key_size: int, flags: int = 0) -> dict[str, Any]:
    m = new_map(root, map_type, key_size, 8, 64, flags)
    rng = random.Random(map_type * 31 + key_size)
    for i in range(40):
        key = (k32(24) + k32(i << 8)) if key_size == 8 else k32(i)
        m.update(key, m.user_value_size * b"\x22")
    _, view = storage(m)
    view[:] = rng.randbytes(len(view))
    probe = (k32(24) + k32(5 << 8)) if key_size == 8 else k32(5)
    return {"probe": probe.hex(), "present": probe.hex()}


def percpu_chain_loop(root: Path) -> dict[str, Any]:
    m = filled_hash(root, uapi.BPF_MAP_TYPE_PERCPU_HASH)
    obj, view = storage(m)
    inner = obj.impl.inner
    _, head = hash_head(view, inner, k32(0), base=64)
    U32.pack_into(view, 64 + hash_slot(inner, head), head)
    return {"probe": same_bucket_key(inner, k32(0)).hex(), "present": k32(0).hex()}


def lru_heads_garbage(root: Path) -> dict[str, Any]:
    """Every list head of a full LRU map links outside the node pool: the insert, which must take a
    node from the lists, fails."""
    m = new_map(root, uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 8)
    for i in range(8):
        m.update(k32(i), bytes(8))
    obj, view = storage(m)
    for link in range(1, obj.impl.n_heads + 1):
        head = obj.impl.pool_at + (link - 1) * obj.impl.node_size
        U32.pack_into(view, head, 0xFFFF)
        U32.pack_into(view, head + 4, 0xFFFF)
    return {"probe": k32(4242).hex(), "present": k32(0).hex()}


def lru_node_links(root: Path) -> dict[str, Any]:
    """Every LRU node's links point at node 1 (a list head): flushing, rotating, shrinking and
    evicting stay bounded."""
    m = new_map(root, uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 8)
    for i in range(8):
        m.update(k32(i), bytes(8))
    obj, view = storage(m)
    for link in range(1, obj.impl.n_nodes + 1):
        node = obj.impl.pool_at + (link - 1) * obj.impl.node_size
        U32.pack_into(view, node, 1)
        U32.pack_into(view, node + 4, 1)
    return {"probe": k32(4242).hex(), "present": k32(3).hex()}


def lpm_key(plen: int, data: int) -> bytes:
    return k32(plen) + data.to_bytes(4, "big")


def lpm_filled(root: Path) -> tuple[Map, MapObject, memoryview]:
    m = new_map(root, uapi.BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, uapi.BPF_F_NO_PREALLOC)
    for plen, data in ((8, 0x0A000000), (16, 0x0A010000), (24, 0x0A010200), (16, 0x0A020000)):
        m.update(lpm_key(plen, data), bytes(8))
    obj, view = storage(m)
    return m, obj, view


def lpm_cycle(root: Path) -> dict[str, Any]:
    """A child link pointing back at the root: every descent must stop."""
    _, obj, view = lpm_filled(root)
    root_link = U32.unpack_from(view, 0)[0]
    for link in range(1, U32.unpack_from(view, 12)[0] + 1):
        node = 64 + (link - 1) * obj.impl.node_size
        for side in (0, 4):
            if not U32.unpack_from(view, node + side)[0]:
                U32.pack_into(view, node + side, root_link)
    return {"probe": lpm_key(32, 0x0A010203).hex(), "present": lpm_key(8, 0x0A000000).hex()}


def lpm_prefixlen_garbage(root: Path) -> dict[str, Any]:
    """Prefix lengths past the key's bits (a negative shift if trusted)."""
    _, obj, view = lpm_filled(root)
    for link in range(1, U32.unpack_from(view, 12)[0] + 1):
        U32.pack_into(view, 64 + (link - 1) * obj.impl.node_size + 8, 0xFFFFFF00 + link)
    return {"probe": lpm_key(32, 0x0A010203).hex(), "present": lpm_key(8, 0x0A000000).hex()}


def lpm_misplaced_child(root: Path) -> dict[str, Any]:
    """A node hung on the wrong side of its parent: iteration must still end."""
    _, obj, view = lpm_filled(root)
    root_node = 64 + (U32.unpack_from(view, 0)[0] - 1) * obj.impl.node_size
    left, right = U32.unpack_from(view, root_node)[0], U32.unpack_from(view, root_node + 4)[0]
    U32.pack_into(view, root_node, right)
    U32.pack_into(view, root_node + 4, left)
    return {"probe": lpm_key(32, 0x0A010203).hex(), "present": lpm_key(8, 0x0A000000).hex()}


def queue_indices(root: Path, map_type: int) -> dict[str, Any]:
    m = new_map(root, map_type, 0, 8, 8)
    for i in range(3):
        m.backend.bpf(uapi.BPF_MAP_UPDATE_ELEM, _push_attr(m.fd, i))
    _, view = storage(m)
    U32.pack_into(view, 0, 0x7FFFFFFF)
    U32.pack_into(view, 4, 0xFFFFFFFE)
    return {}


def _push_attr(fd: int, value: int) -> uapi.bpf_attr:
    buf = ctypes.create_string_buffer(value.to_bytes(8, "little"), 8)
    attr = uapi.bpf_attr()
    attr.map_fd, attr.value = fd, ctypes.addressof(buf)
    _KEEP.append(buf)
    return attr


_KEEP: list[Any] = []


def bloom_header(root: Path) -> dict[str, Any]:
    m = new_map(root, uapi.BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 64)
    _, view = storage(m)
    U32.pack_into(view, 4, 0xFFFFFFFF)  # billions of hash functions
    U32.pack_into(view, 8, 0xFFFFFFFF)  # a mask past the bit array
    return {}


def header_max_entries(root: Path) -> dict[str, Any]:
    """The trailer's max_entries rewritten: the layout no longer fits the file."""
    m = filled_hash(root)
    obj = MapObject.from_fd(m.fd)
    U32.pack_into(obj.mm, obj.header_at + 24, 1 << 20)
    return {}


def header_spin_lock(root: Path) -> dict[str, Any]:
    """The trailer's bpf_spin_lock offset moved past the value."""
    m = filled_hash(root)
    obj = MapObject.from_fd(m.fd)
    U32.pack_into(obj.mm, obj.header_at + 76, 4000)
    return {}


def lock_dead_owner(root: Path) -> dict[str, Any]:
    """The lock word names a thread that does not exist (not a crash: nothing reports the death)."""
    m = filled_hash(root)
    obj = MapObject.from_fd(m.fd)
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    U32.pack_into(obj.mm, obj.header_at + 128, pid)  # __lock: owner tid, no waiters
    U32.pack_into(obj.mm, obj.header_at + 136, pid)  # __owner
    return {"probe": k32(4242).hex(), "present": k32(0).hex()}


def lock_garbage(root: Path) -> dict[str, Any]:
    """The whole pthread mutex overwritten with garbage."""
    m = filled_hash(root)
    obj = MapObject.from_fd(m.fd)
    obj.mm[obj.header_at + 128 : obj.header_at + 168] = bytes(range(7, 47))
    return {"probe": k32(4242).hex(), "present": k32(0).hex()}


RINGBUF_CHILD = r"""
rb = Map.from_pinned(os.path.join(ROOT, 'map'), backend=U)
record("prog_output", lambda: run(rb.fd, '''
    *(u64 *)(r10 - 8) = 7
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    call bpf_ringbuf_output
    exit'''))
record("prog_reserve", lambda: run(rb.fd, '''
    r1 = map_fd(m) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto +4
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
    r0 = 1
    exit'''))
record("prog_query", lambda: run(rb.fd, '''
    r1 = map_fd(m) ll
    r2 = 0
    call bpf_ringbuf_query
    exit'''))
from pybpf.ringbuf import RingBuffer
def consume():
    with RingBuffer(rb.fd, lambda record: None, backend=U) as ring:
        return ring.consume()
record("consume", consume)
"""


def ringbuf_producer(root: Path) -> dict[str, Any]:
    """The issue's case: a rewritten producer position (the kernel's is read-only to user space)."""
    m = new_map(root, uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096)
    _, view = storage(m)
    U64.pack_into(view, 4096, 0x7FFF_FFFF_FFFF_FF00)
    return {}


def ringbuf_record_length(root: Path) -> dict[str, Any]:
    """A committed record whose length runs past the producer position."""
    m = new_map(root, uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096)
    obj, view = storage(m)
    offset = obj.impl.reserve(16)
    obj.impl.commit(offset, False)
    U32.pack_into(view, offset - 8, 0x3FFFF000)
    return {}


def ringbuf_pending(root: Path) -> dict[str, Any]:
    """The pending position far behind the producer (a walk of 2^60 records if trusted)."""
    m = new_map(root, uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096)
    _, view = storage(m)
    U64.pack_into(view, 4096, 1 << 62)
    U64.pack_into(view, 4096 + 8, 8)
    U64.pack_into(view, 0, 1 << 62)
    return {}


FD_ARRAY_CHILD = r"""
m = Map.from_pinned(os.path.join(ROOT, 'map'), backend=U)
record("lookup", lambda: raw(uapi.BPF_MAP_LOOKUP_ELEM, m.fd, (0).to_bytes(4, 'little'), 4))
record("delete", lambda: raw(uapi.BPF_MAP_DELETE_ELEM, m.fd, (1).to_bytes(4, 'little')))
record("iterate", lambda: iterate(m))
record("prog", lambda: run(m.fd, CASE["prog"]))
"""


def array_of_maps_slots(root: Path) -> dict[str, Any]:
    inner = opened(Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=UserBackend()))
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4
    attr.inner_map_fd = inner.fd
    m = opened(Map(UserBackend().bpf(uapi.BPF_MAP_CREATE, attr), backend=UserBackend()))
    pin(m, root, "map")
    m.update(k32(0), k32(inner.fd))
    _, view = storage(m)
    for index in range(4):
        U32.pack_into(view, 32 + 4 * index, 0xFFFFFF00 + index)
    prog = """
        *(u32 *)(r10 - 4) = 0
        r1 = map_fd(m) ll
        r2 = r10
        r2 += -4
        call bpf_map_lookup_elem
        if r0 == 0 goto +6
        r1 = r0
        r2 = r10
        r2 += -4
        call bpf_map_lookup_elem
        r0 = 1
        exit
        r0 = 0
        exit"""
    return {"prog": prog}


def prog_array_slots(root: Path) -> dict[str, Any]:
    m = new_map(root, uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4)
    _, view = storage(m)
    for index in range(4):
        U32.pack_into(view, 8 + 4 * index, 0xFFFFFF00 + index)
    prog = """
        r2 = map_fd(m) ll
        r3 = 1
        call bpf_tail_call
        r0 = 42
        exit"""
    return {"prog": prog}


PERF_CHILD = r"""
import mmap
from pybpf.objects.perf_abi import DATA_HEAD_AT, PAGE
from pybpf.perfbuf import PerfBuffer
m = opened()
buffers = PerfBuffer(m, lambda cpu, data: None, pages=1, backend=U)
for index in range(buffers.buffer_cnt):  # every ring's data_head rewritten
    ring = mmap.mmap(buffers.buffer_fd(index), 2 * PAGE)
    struct.pack_into("<Q", ring, DATA_HEAD_AT, (1 << 64) - 8)
    ring.close()
record("prog_output", lambda: run(m.fd, '''
    r6 = r1
    *(u64 *)(r10 - 8) = 7
    r1 = r6
    r2 = map_fd(m) ll
    r3 = 0xffffffff ll
    r4 = r10
    r4 += -8
    r5 = 8
    call bpf_perf_event_output
    exit'''))
record("consume", buffers.consume)
"""


def perf_event_array(root: Path) -> dict[str, Any]:
    new_map(root, uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 64)
    return {}


HASH_REQUIRES_EUCLEAN = {"lookup_probe": ["errno", "EUCLEAN"], "update_probe": ["errno", "EUCLEAN"]}
CASES = [
    Case(
        "hash_chain_loop",
        hash_chain_loop,
        KEYED,
        {
            **HASH_REQUIRES_EUCLEAN,
            "delete_probe": ["errno", "EUCLEAN"],
            "raw_lookup_probe": ["errno", "EUCLEAN"],
            "prog_update_probe": ["ok", -117],
            "prog_delete_probe": ["ok", -117],
            "prog_lookup_probe": ["errno", "EFAULT"],
            "lookup_present": ["ok", "11" * 8],
        },
    ),
    Case("hash_two_slot_loop", hash_two_slot_loop, KEYED, HASH_REQUIRES_EUCLEAN),
    Case(
        "hash_link_out_of_range",
        hash_link_out_of_range,
        KEYED,
        {
            "lookup_probe": ["errno", "EUCLEAN"],
            "raw_lookup_probe": ["errno", "EUCLEAN"],
        },
    ),
    Case(
        "hash_free_list_garbage",
        hash_free_list_garbage,
        KEYED,
        {
            "update_probe": ["errno", "EUCLEAN"],
            "lookup_present": ["ok", "11" * 8],
        },
    ),
    Case("hash_free_list_in_use", hash_free_list_in_use, KEYED, {"update_probe": ["errno", "EUCLEAN"]}),
    Case("hash_wrong_bucket", hash_wrong_bucket, KEYED),
    Case("hash_duplicate_key", hash_duplicate_key, KEYED),
    Case("hash_count_huge", hash_count_huge, KEYED, {"update_probe": ["errno", "E2BIG"]}),
    Case("hash_garbage", lambda root: garbage(root, uapi.BPF_MAP_TYPE_HASH, 4), KEYED),
    Case(
        "hash_no_prealloc_garbage",
        lambda root: garbage(root, uapi.BPF_MAP_TYPE_HASH, 4, uapi.BPF_F_NO_PREALLOC),
        KEYED,
    ),
    Case("percpu_hash_chain_loop", percpu_chain_loop, KEYED, HASH_REQUIRES_EUCLEAN),
    Case("percpu_hash_garbage", lambda root: garbage(root, uapi.BPF_MAP_TYPE_PERCPU_HASH, 4), KEYED),
    Case("lru_heads_garbage", lru_heads_garbage, KEYED, {"update_probe": ["errno", "EUCLEAN"]}),
    Case("lru_node_links", lru_node_links, KEYED),
    Case("lru_garbage", lambda root: garbage(root, uapi.BPF_MAP_TYPE_LRU_HASH, 4), KEYED),
    Case("lpm_cycle", lpm_cycle, KEYED, {"lookup_probe": ["errno", "EUCLEAN"]}),
    Case("lpm_prefixlen_garbage", lpm_prefixlen_garbage, KEYED, {"lookup_probe": ["errno", "EUCLEAN"]}),
    Case("lpm_misplaced_child", lpm_misplaced_child, KEYED),
    Case(
        "lpm_garbage",
        lambda root: garbage(root, uapi.BPF_MAP_TYPE_LPM_TRIE, 8, uapi.BPF_F_NO_PREALLOC),
        KEYED,
    ),
    Case(
        "queue_indices",
        lambda root: queue_indices(root, uapi.BPF_MAP_TYPE_QUEUE),
        "queue_battery(opened())\n",
        {"push": ["errno", "EUCLEAN"], "pop": ["errno", "EUCLEAN"], "prog_push": ["ok", -117]},
    ),
    Case(
        "stack_indices",
        lambda root: queue_indices(root, uapi.BPF_MAP_TYPE_STACK),
        "queue_battery(opened())\n",
        {"push": ["errno", "EUCLEAN"], "pop": ["errno", "EUCLEAN"]},
    ),
    Case("bloom_header", bloom_header, OPENS, {"open": ["errno", "EUCLEAN"]}),
    Case("header_max_entries", header_max_entries, OPENS, {"open": ["errno", "EUCLEAN"]}),
    Case("header_spin_lock", header_spin_lock, OPENS, {"open": ["errno", "EUCLEAN"]}),
    Case(
        "lock_dead_owner",
        lock_dead_owner,
        KEYED,
        {
            "update_probe": ["errno", "EUCLEAN"],
            "delete_probe": ["errno", "EUCLEAN"],
            "prog_update_probe": ["ok", -117],
        },
    ),
    Case("lock_garbage", lock_garbage, KEYED, {"update_probe": ["errno", "EUCLEAN"]}),
    Case(
        "ringbuf_producer",
        ringbuf_producer,
        RINGBUF_CHILD,
        {
            "prog_output": ["ok", -117],
            "prog_reserve": ["errno", "EFAULT"],
            "consume": ["errno", "EUCLEAN"],
        },
    ),
    Case(
        "ringbuf_record_length",
        ringbuf_record_length,
        RINGBUF_CHILD,
        {
            "prog_output": ["ok", -117],
            "consume": ["errno", "EUCLEAN"],
        },
    ),
    Case("ringbuf_pending", ringbuf_pending, RINGBUF_CHILD, {"prog_output": ["ok", -117]}),
    Case("perf_ring_positions", perf_event_array, PERF_CHILD, {"consume": ["errno", "EUCLEAN"]}),
    Case("array_of_maps_slots", array_of_maps_slots, FD_ARRAY_CHILD, {"prog": ["ok", 0]}),
    Case("prog_array_slots", prog_array_slots, FD_ARRAY_CHILD, {"prog": ["ok", 42]}),
]


@pytest.fixture
def root(_private_bpffs: Path) -> Iterator[Path]:
    intact = opened(Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 64, backend=UserBackend()))
    for key, value in INTACT.items():
        intact.update(key, value)
    pin(intact, _private_bpffs, "intact")
    try:
        yield _private_bpffs
    finally:
        while _OPENED:
            _OPENED.pop().close()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corrupted_map_gives_an_errno(case: Case, root: Path) -> None:
    values = case.make(root)
    values["intact"] = {key.hex(): value.hex() for key, value in INTACT.items()}
    results = run_child(root, case.child, values)
    assert results.pop("intact") is True
    for name, expected in case.expect.items():
        assert results[name] == expected, (name, results)
    for name, (kind, value) in results.items():
        assert kind in ("ok", "errno"), (name, kind, value)
    # and from a second process, the companion map is still what it was
    assert run_child(root, "", values)["intact"] is True


def test_iteration_of_garbage_always_ends(_private_bpffs: Path) -> None:
    """Many random storages of a hash map and an LPM trie: get_next_key walks always end."""
    for seed in range(40):
        for map_type, key_size, flags in (
            (uapi.BPF_MAP_TYPE_HASH, 4, 0),
            (uapi.BPF_MAP_TYPE_LPM_TRIE, 8, uapi.BPF_F_NO_PREALLOC),
        ):
            m = Map.create(map_type, key_size, 8, 16, flags, backend=UserBackend())
            obj = MapObject.from_fd(m.fd)
            view = memoryview(obj.mm)[: obj.storage_size]
            rng = random.Random(seed)
            view[:] = bytes(rng.choice((0, 0, 1, 2, 3, 255)) for _ in range(len(view)))
            seen = 0
            try:
                for _ in m:
                    seen += 1
                    assert seen < 10_000
            except OSError as exc:
                assert exc.errno is not None
            m.close()


def test_killed_holder_leaves_a_repairable_loop(_private_bpffs: Path) -> None:
    """A writer killed with the lock held after looping a chain: the next user's recovery cuts the
    loop and the map works again (recover rebuilds from what is reachable)."""
    m = Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 8, backend=UserBackend(), key_type=int, value_type=int)
    for i in range(6):
        m[i] = i
    pid = os.fork()
    if pid == 0:
        obj = MapObject.from_fd(m.fd)
        obj.lock.__enter__()
        view = memoryview(obj.mm)
        slot = key_slot(obj.impl, k32(0))
        U32.pack_into(view, slot, (slot - obj.impl.slots_at) // obj.impl.slot_size + 1)
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    with m:
        m[100] = 100  # EOWNERDEAD -> recover()
        assert m[100] == 100
        assert 0 in m
        assert len(list(m.keys())) <= 7
        assert m.get(12345) is None
