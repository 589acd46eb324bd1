"""Random-but-plausible bpf(2) calls, run alike on pybpf and on the kernel, reduced to comparable answers.

The differential ABI fuzzer (``scripts/fuzz_abi.py``) and its bounded tests (``tests/kernel/
test_abi_fuzz.py``) share this module.  A *family* draws a case from a ``random.Random`` — plain data,
no fds — and runs it on one backend: it creates the objects the case needs there (maps, BTF, a
program), builds the ``union bpf_attr`` the case describes, calls ``bpf()`` and returns an
:class:`Answer`: the errno (0 on success) and the result fields that are deterministic (what the kernel
writes back into the attr and into the caller's buffers, the created object's info).  The case is the
same for both backends; only fds differ, and fds never appear in an answer.

Families (one per command group of ``kernel/bpf/syscall.c``): ``map_create`` (every map type, sizes,
flags, fds, name, attr size), ``map_elem`` (element commands with every flag on each map type,
frozen and read-only/write-only maps), ``map_batch``, ``btf_load`` (mutated valid blobs of
``tests/btf/btfcases``), ``btf_map`` (BTF-typed map creation), ``prog_load`` (the attrs around a
valid program), ``obj_info`` (BPF_OBJ_GET_INFO_BY_FD's info_len and pointers), ``test_run``
(BPF_PROG_TEST_RUN per program type), ``attach`` (LINK_CREATE / PROG_ATTACH with harmless
targets: no cgroup, no device), ``cgroup_links`` (PROG_ATTACH / DETACH / QUERY and LINK_CREATE /
UPDATE / DETACH sequences on a fresh pair of empty cgroups) and ``obj_pin`` (OBJ_PIN / OBJ_GET
sequences in a fresh bpffs directory: pybpf's root, a bpffs mounted for the kernel).

Sizes are drawn so that no case asks either side for more than ``FOOTPRINT`` bytes of memory unless
it is refused by a size check first (a size past ``INT_MAX``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pybpf import assemble, encode_program, uapi
from pybpf.errors import BPFError
from pybpf.maps.percpu import possible_cpus
from pybpf.objects.cgroups import cgroup2_mount
from pybpf.objects.files import bpffs_root
from tests.btf import btfcases as bc

FOOTPRINT = 64 << 20
"""The most memory a case may make a map reserve (kernel and pybpf alike)."""
INT_MAX = 0x7FFFFFFF
PAGE = 4096

Case = dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """What a backend answered: errno (0: success) and the deterministic results."""

    errno: int
    fields: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}"[:120] for k, v in self.fields)
        return f"errno={self.errno}" + (f" [{shown}]" if shown else "")


@dataclass
class Scope:
    """The fds and buffers one case created on one backend (all released by ``close``)."""

    backend: Any
    fds: list[int] = field(default_factory=list)
    buffers: list[Any] = field(default_factory=list)

    def keep(self, fd: int) -> int:
        self.fds.append(fd)
        return fd

    def buffer(self, data: bytes | int) -> ctypes.Array[ctypes.c_char]:
        buf = (
            ctypes.create_string_buffer(data)
            if isinstance(data, int)
            else ctypes.create_string_buffer(data, max(len(data), 1))
        )
        self.buffers.append(buf)
        return buf

    def address(self, data: bytes | int) -> int:
        return ctypes.addressof(self.buffer(data))

    def map(self, map_type: int, key: int, value: int, entries: int, flags: int = 0, **extra: int) -> int:
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size = map_type, key, value
        attr.max_entries, attr.map_flags = entries, flags
        for name, number in extra.items():
            setattr(attr, name, number)
        return self.keep(self.backend.bpf(uapi.BPF_MAP_CREATE, attr))

    def btf(self, data: bytes) -> int:
        buf = self.buffer(data)
        attr = uapi.bpf_attr()
        attr.btf, attr.btf_size = ctypes.addressof(buf), len(data)
        return self.keep(self.backend.bpf(uapi.BPF_BTF_LOAD, attr))

    def prog(self, prog_type: int, text: str = "r0 = 0\nexit", expected: int = 0) -> int:
        code = self.buffer(encode_program(assemble(text)))
        attr = uapi.bpf_attr()
        attr.prog_type, attr.insn_cnt, attr.insns = prog_type, len(code.raw) // 8, ctypes.addressof(code)
        attr.license, attr.expected_attach_type = self.address(b"GPL"), expected
        return self.keep(self.backend.bpf(uapi.BPF_PROG_LOAD, attr))

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fds.clear()
        self.buffers.clear()


@contextlib.contextmanager
def scope(backend: Any) -> Iterator[Scope]:
    s = Scope(backend)
    try:
        yield s
    finally:
        s.close()


def call(s: Scope, cmd: int, attr: Any, size: int | None = None, *, fd_result: bool = False) -> int:
    """``bpf(cmd, attr, size)``: the result (a returned fd is kept for closing), or -errno."""
    try:
        result = s.backend.bpf(cmd, attr, size)
    except BPFError as exc:
        return -(exc.errno or 0)
    if fd_result and result > 2:
        s.keep(result)
    return result


def errno_of(result: int) -> int:
    return -result if result < 0 else 0


TIMING = re.compile(rb"verification time (\d+) usec")
"""The statistics line (log level 4) that differs from run to run."""


def log_text(buffer: bytes) -> bytes:
    """A log buffer's text: up to its NUL (what lies past it is the log's scratch, not its text)."""
    return buffer.split(b"\0", 1)[0]


def raw(attr: Any) -> bytearray:
    return bytearray(bytes(attr))


# --- shared draws ---------------------------------------------------------------------------------------
MAP_TYPES = [int(t) for t in uapi.bpf_map_type]
PERCPU = {
    uapi.BPF_MAP_TYPE_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
    uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
}
SIZES = [
    0,
    1,
    2,
    3,
    4,
    5,
    7,
    8,
    12,
    16,
    20,
    64,
    255,
    512,
    513,
    4096,
    4097,
    65536,
    1 << 20,
    (4 << 20) + 8,
    0x80000000,
    0xFFFFFFFF,
]
ENTRIES = [0, 1, 2, 3, 4, 7, 64, 100, 4096, 65536, 1 << 20, INT_MAX, 0x80000000, 0xFFFFFFFF]
MAP_FLAG_BITS = 20
ARRAY_LIKE = {uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY}


def pick_size(rng: random.Random, sizes: list[int] = SIZES) -> int:
    return rng.choice(sizes) if rng.random() < 0.85 else rng.randrange(0, 600)


def pick_flags(rng: random.Random, bits: int, common: list[int]) -> int:
    roll = rng.random()
    if roll < 0.4:
        return 0
    if roll < 0.8:
        return rng.choice(common)
    if roll < 0.95:
        return 1 << rng.randrange(bits)
    return rng.getrandbits(32)


def footprint(map_type: int, key: int, value: int, entries: int) -> int:
    """Rough bytes a map of this shape would reserve (what FOOTPRINT bounds)."""
    if map_type in (uapi.BPF_MAP_TYPE_RINGBUF, uapi.BPF_MAP_TYPE_USER_RINGBUF):
        return entries * 2
    if map_type == uapi.BPF_MAP_TYPE_ARENA:
        return entries * PAGE
    if map_type == uapi.BPF_MAP_TYPE_BLOOM_FILTER:
        return entries * 8
    per = (key + 8) // 8 * 8 + (value + 8) // 8 * 8 + 64
    return entries * per * (possible_cpus() if map_type in PERCPU else 1)


def bounded(map_type: int, key: int, value: int, entries: int, rng: random.Random) -> int:
    """``entries``, or a small count where the shape would reserve more than FOOTPRINT and no size
    is absurd enough (past INT_MAX) for every map type to refuse it before reserving."""
    absurd = max(key, value, entries) > INT_MAX
    while not absurd and entries > 1 and footprint(map_type, key, value, entries) > FOOTPRINT:
        entries = rng.choice([1, 2, 3, 64, entries // 7])
    return entries


MAP_INFO_FIELDS = (
    "type",
    "key_size",
    "value_size",
    "max_entries",
    "map_flags",
    "map_extra",
    "btf_key_type_id",
    "btf_value_type_id",
    "btf_vmlinux_value_type_id",
)


def map_info(s: Scope, fd: int) -> tuple[tuple[str, Any], ...]:
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    result = call(s, uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    if result < 0:
        return (("info_errno", -result),)
    return (*((name, getattr(info, name)) for name in MAP_INFO_FIELDS), ("name", bytes(info.name)))


# --- BPF_MAP_CREATE -------------------------------------------------------------------------------------
COMMON_MAP_FLAGS = [
    uapi.BPF_F_NO_PREALLOC,
    uapi.BPF_F_RDONLY,
    uapi.BPF_F_WRONLY,
    uapi.BPF_F_RDONLY_PROG,
    uapi.BPF_F_WRONLY_PROG,
    uapi.BPF_F_ZERO_SEED,
    uapi.BPF_F_MMAPABLE,
    uapi.BPF_F_INNER_MAP,
    uapi.BPF_F_NUMA_NODE,
    uapi.BPF_F_NO_COMMON_LRU,
    uapi.BPF_F_CLONE,
    uapi.BPF_F_PRESERVE_ELEMS,
    uapi.BPF_F_SEGV_ON_FAULT,
    uapi.BPF_F_NO_USER_CONV,
    uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY,
    uapi.BPF_F_NO_PREALLOC | uapi.BPF_F_ZERO_SEED,
]
NAMES = [b"", b"m", b"map_name.x", b"a" * 15, b"a" * 16, b"bad-name", b"sp ace", b"\xff", b"a\0b", b"_.ok"]
FD_KINDS = ["none", "bad", "array", "hash", "btf", "prog", "file", "zero"]


def draw_fd_kind(rng: random.Random, usual: float = 0.7) -> str:
    return "none" if rng.random() < usual else rng.choice(FD_KINDS)


def make_fd(s: Scope, kind: str) -> int:
    """An fd of ``kind``: 0 for none, a closed/huge number for bad, else a fresh object."""
    if kind == "none":
        return 0
    if kind == "bad":
        return 9999
    if kind == "zero":
        return 0xFFFFFFFF
    if kind == "array":
        return s.map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    if kind == "hash":
        return s.map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 4)
    if kind == "btf":
        return s.btf(BTF_TYPES)
    if kind == "prog":
        return s.prog(uapi.BPF_PROG_TYPE_SOCKET_FILTER)
    return s.keep(os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC))


def gen_map_create(rng: random.Random) -> Case:
    map_type = rng.choice(MAP_TYPES) if rng.random() < 0.95 else rng.choice([len(MAP_TYPES), 0x7FFFFFFF])
    key = pick_size(rng)
    value = pick_size(rng)
    entries = rng.choice(ENTRIES) if rng.random() < 0.8 else rng.randrange(0, 5000)
    case: Case = {
        "map_type": map_type,
        "key_size": key,
        "value_size": value,
        "max_entries": bounded(map_type, key, value, entries, rng),
        "map_flags": pick_flags(rng, MAP_FLAG_BITS, COMMON_MAP_FLAGS),
        "numa_node": 0 if rng.random() < 0.8 else rng.choice([1, 0xFFFFFFFF, 64, 3]),
        "map_extra": 0 if rng.random() < 0.8 else rng.choice([1, 5, 15, 16, 1 << 32, 1 << 44, 2**64 - 1]),
        "map_ifindex": 0 if rng.random() < 0.9 else rng.choice([1, 99999]),
        "inner_map_fd": draw_fd_kind(rng, 0.8),
        "btf_fd": draw_fd_kind(rng, 0.85),
        "btf_key_type_id": 0 if rng.random() < 0.85 else rng.randrange(0, 12),
        "btf_value_type_id": 0 if rng.random() < 0.85 else rng.randrange(0, 12),
        "btf_vmlinux_value_type_id": 0 if rng.random() < 0.92 else rng.choice([1, 100, 0xFFFFFFFF]),
        "value_type_btf_obj_fd": draw_fd_kind(rng, 0.93),
        "map_token_fd": draw_fd_kind(rng, 0.93),
        "name": rng.choice(NAMES),
        "size": rng.choice([None] * 8 + [0, 4, 16, 20, 48, 72, 200, 4097]),
        "tail": rng.choice([b""] * 6 + [b"\1", bytes(8), b"\0" * 7 + b"\1"]),
    }
    return case


def run_map_create(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        try:
            fds = {
                name: make_fd(s, case[name])
                for name in ("inner_map_fd", "btf_fd", "value_type_btf_obj_fd", "map_token_fd")
            }
        except BPFError as exc:
            return Answer(-1, (("setup", exc.errno),))
        attr = uapi.bpf_attr()
        for name in (
            "map_type",
            "key_size",
            "value_size",
            "max_entries",
            "map_flags",
            "numa_node",
            "map_extra",
            "map_ifindex",
            "btf_key_type_id",
            "btf_value_type_id",
            "btf_vmlinux_value_type_id",
        ):
            setattr(attr, name, case[name])
        for name, fd in fds.items():
            setattr(attr, name, fd)
        buf = raw(attr)
        buf[28 : 28 + 16] = case["name"][:16].ljust(16, b"\0")
        buf += case["tail"]
        size = case["size"]
        result = call(
            s, uapi.BPF_MAP_CREATE, buf, size if size is None else min(size, len(buf)), fd_result=True
        )
        if result < 0:
            return Answer(-result)
        return Answer(0, map_info(s, result))


# --- element commands ----------------------------------------------------------------------------------
ELEM_TYPES = [
    uapi.BPF_MAP_TYPE_HASH,
    uapi.BPF_MAP_TYPE_ARRAY,
    uapi.BPF_MAP_TYPE_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
    uapi.BPF_MAP_TYPE_LRU_HASH,
    uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_LPM_TRIE,
    uapi.BPF_MAP_TYPE_QUEUE,
    uapi.BPF_MAP_TYPE_STACK,
    uapi.BPF_MAP_TYPE_BLOOM_FILTER,
    uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
    uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
    uapi.BPF_MAP_TYPE_PROG_ARRAY,
    uapi.BPF_MAP_TYPE_RINGBUF,
    uapi.BPF_MAP_TYPE_DEVMAP,
    uapi.BPF_MAP_TYPE_CPUMAP,
]
ELEM_CMDS = [
    uapi.BPF_MAP_LOOKUP_ELEM,
    uapi.BPF_MAP_UPDATE_ELEM,
    uapi.BPF_MAP_DELETE_ELEM,
    uapi.BPF_MAP_GET_NEXT_KEY,
    uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM,
]
ELEM_FLAGS = [
    uapi.BPF_ANY,
    uapi.BPF_NOEXIST,
    uapi.BPF_EXIST,
    uapi.BPF_F_LOCK,
    uapi.BPF_F_LOCK | uapi.BPF_EXIST,
    3,
    5,
    7,
    8,
    16,
    1 << 31,
    1 << 32,
    1 << 63,
]
ACCESS = [0, uapi.BPF_F_RDONLY, uapi.BPF_F_WRONLY, uapi.BPF_F_RDONLY_PROG, uapi.BPF_F_WRONLY_PROG]


def elem_shape(map_type: int, rng: random.Random) -> tuple[int, int, int, int]:
    """key_size, value_size, max_entries, extra flags of a map of ``map_type`` that can be created."""
    if map_type in (uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY):
        return 4, rng.choice([1, 4, 8, 12]), rng.choice([1, 4]), 0
    if map_type == uapi.BPF_MAP_TYPE_LPM_TRIE:
        return 8, 4, 8, uapi.BPF_F_NO_PREALLOC
    if map_type in (uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_STACK, uapi.BPF_MAP_TYPE_BLOOM_FILTER):
        return 0, rng.choice([4, 8]), 4, 0
    if map_type in (
        uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
        uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
        uapi.BPF_MAP_TYPE_PROG_ARRAY,
    ):
        return 4, 4, 4, 0
    if map_type == uapi.BPF_MAP_TYPE_RINGBUF:
        return 0, 0, PAGE, 0
    if map_type == uapi.BPF_MAP_TYPE_DEVMAP:
        return 4, 4, 4, 0
    if map_type == uapi.BPF_MAP_TYPE_CPUMAP:
        return 4, 4, 2, 0
    flags = rng.choice([0, uapi.BPF_F_NO_PREALLOC]) | rng.choice([0, uapi.BPF_F_ZERO_SEED])
    return rng.choice([1, 4, 8]), rng.choice([1, 4, 8, 12]), 4, flags


def value_span(map_type: int, value: int) -> int:
    return (value + 7) // 8 * 8 * possible_cpus() if map_type in PERCPU else value


def gen_map_elem(rng: random.Random) -> Case:
    map_type = rng.choice(ELEM_TYPES)
    key, value, entries, flags = elem_shape(map_type, rng)
    ops = []
    for _ in range(rng.randrange(1, 7)):
        ops.append(
            {
                "cmd": rng.choice(ELEM_CMDS) if rng.random() < 0.95 else uapi.BPF_MAP_FREEZE,
                "key": rng.randrange(0, 6),
                "key_null": rng.random() < 0.08,
                "value": rng.randrange(0, 256),
                "value_null": rng.random() < 0.05,
                "flags": rng.choice(ELEM_FLAGS) if rng.random() < 0.5 else 0,
                "inner": rng.choice(["array", "hash", "bad", "prog"]),
            }
        )
    return {
        "map_type": map_type,
        "key_size": key,
        "value_size": value,
        "max_entries": entries,
        "map_flags": flags | (rng.choice(ACCESS) if rng.random() < 0.3 else 0),
        "prefill": rng.randrange(0, 4),
        "freeze": rng.random() < 0.15,
        "ops": ops,
    }


def key_bytes(case: Case, n: int) -> bytes:
    size = case["key_size"]
    if case["map_type"] == uapi.BPF_MAP_TYPE_LPM_TRIE:
        return struct.pack("<I", 32 if n % 2 else 24) + bytes([10, n, 0, 0])
    return (n.to_bytes(8, "little") * ((size + 7) // 8))[:size]


def value_bytes(s: Scope, case: Case, op: dict[str, Any]) -> bytes:
    map_type, size = case["map_type"], case["value_size"]
    if map_type in (uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS):
        try:
            return struct.pack("<I", make_fd(s, op["inner"]))
        except BPFError:
            return struct.pack("<I", 9999)
    if map_type == uapi.BPF_MAP_TYPE_PROG_ARRAY:
        try:
            return struct.pack("<I", make_fd(s, "prog" if op["inner"] != "bad" else "bad"))
        except BPFError:
            return struct.pack("<I", 9999)
    if map_type in (uapi.BPF_MAP_TYPE_DEVMAP, uapi.BPF_MAP_TYPE_CPUMAP):
        return struct.pack("<I", op["value"] % 3)
    return bytes([op["value"]]) * value_span(map_type, size)


def inner_template(s: Scope, map_type: int) -> dict[str, int]:
    if map_type in (uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS):
        return {"inner_map_fd": s.map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)}
    return {}


def elem_call(s: Scope, case: Case, op: dict[str, Any], fd: int) -> tuple[int, bytes]:
    """One element command; the errno and the bytes written to the value/next_key buffer."""
    cmd = op["cmd"]
    attr = uapi.bpf_attr()
    attr.map_fd = fd
    span = max(value_span(case["map_type"], case["value_size"]), case["key_size"], 8)
    out = s.buffer(bytes(span + 8))
    if not op["key_null"] and case["key_size"]:
        attr.key = s.address(key_bytes(case, op["key"]))
    elif not op["key_null"]:
        attr.key = s.address(8)
    if cmd == uapi.BPF_MAP_UPDATE_ELEM and not op["value_null"]:
        attr.value = s.address(value_bytes(s, case, op))
    elif cmd == uapi.BPF_MAP_GET_NEXT_KEY:
        attr.next_key = 0 if op["value_null"] else ctypes.addressof(out)
    elif cmd != uapi.BPF_MAP_DELETE_ELEM and not op["value_null"]:
        attr.value = ctypes.addressof(out)
    attr.flags = op["flags"]
    result = call(s, cmd, attr)
    if cmd == uapi.BPF_MAP_GET_NEXT_KEY and seeded(case):  # which key is next, and whether it is the last
        # (without a next_key buffer, a next key faults on the copy out: EFAULT, the last ENOENT)
        endings = (0, errno.ENOENT) + (errno.EFAULT,) * bool(op["value_null"])
        return (-1 if -result in endings else errno_of(result)), b"(the hash's order)"
    written = (
        out.raw
        if case["map_type"]
        not in (uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH_OF_MAPS, uapi.BPF_MAP_TYPE_PROG_ARRAY)
        else b""
    )
    return errno_of(result), written if result >= 0 else b""


HASHED = {
    uapi.BPF_MAP_TYPE_HASH,
    uapi.BPF_MAP_TYPE_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_LRU_HASH,
    uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_HASH_OF_MAPS,
}


def seeded(case: Case) -> bool:
    """Whether the map's key order is a random seed's (each map draws its own, on either side); with
    BPF_F_ZERO_SEED both hash with seed 0 and walk the same buckets in the same order -- except the
    LRU types, whose evictions follow the kernel's per-CPU LRU lists."""
    if case["map_type"] in (uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH):
        return True
    return case["map_type"] in HASHED and not case["map_flags"] & uapi.BPF_F_ZERO_SEED


def run_map_elem(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        try:
            fd = s.map(
                case["map_type"],
                case["key_size"],
                case["value_size"],
                case["max_entries"],
                case["map_flags"],
                **inner_template(s, case["map_type"]),
            )
        except BPFError as exc:
            return Answer(-1, (("create", exc.errno),))
        answers: list[tuple[int, bytes]] = []
        fill = dict(ELEM_OP, cmd=uapi.BPF_MAP_UPDATE_ELEM)
        for n in range(case["prefill"]):
            answers.append(elem_call(s, case, dict(fill, key=n, value=n + 1), fd))
        if case["freeze"]:
            answers.append((errno_of(call(s, uapi.BPF_MAP_FREEZE, struct.pack("<I", fd) + bytes(124))), b""))
        for op in case["ops"]:
            if op["cmd"] == uapi.BPF_MAP_FREEZE:
                answers.append(
                    (errno_of(call(s, uapi.BPF_MAP_FREEZE, struct.pack("<I", fd) + bytes(124))), b"")
                )
            else:
                answers.append(elem_call(s, case, op, fd))
        return Answer(0, tuple((f"op{i}", a) for i, a in enumerate(answers)))


ELEM_OP: dict[str, Any] = {
    "key": 0,
    "key_null": False,
    "value": 0,
    "value_null": False,
    "flags": 0,
    "inner": "array",
}


# --- batch commands ------------------------------------------------------------------------------------
BATCH_TYPES = [
    uapi.BPF_MAP_TYPE_HASH,
    uapi.BPF_MAP_TYPE_ARRAY,
    uapi.BPF_MAP_TYPE_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
    uapi.BPF_MAP_TYPE_LRU_HASH,
    uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
    uapi.BPF_MAP_TYPE_QUEUE,
    uapi.BPF_MAP_TYPE_LPM_TRIE,
]
BATCH_CMDS = [
    uapi.BPF_MAP_LOOKUP_BATCH,
    uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH,
    uapi.BPF_MAP_UPDATE_BATCH,
    uapi.BPF_MAP_DELETE_BATCH,
]


def gen_map_batch(rng: random.Random) -> Case:
    map_type = rng.choice(BATCH_TYPES)
    key, value, entries, flags = elem_shape(map_type, rng)
    if map_type in ARRAY_LIKE:
        entries = rng.choice([1, 4, 8])
    return {
        "map_type": map_type,
        "key_size": key,
        "value_size": value,
        "max_entries": entries,
        "map_flags": flags
        | uapi.BPF_F_ZERO_SEED
        * (
            map_type not in ARRAY_LIKE
            and map_type not in (uapi.BPF_MAP_TYPE_QUEUE, uapi.BPF_MAP_TYPE_LPM_TRIE)
        )
        | (rng.choice(ACCESS) if rng.random() < 0.2 else 0),
        "prefill": rng.randrange(0, entries + 1),
        "freeze": rng.random() < 0.1,
        "cmd": rng.choice(BATCH_CMDS),
        "count": rng.choice([0, 1, 2, 3, 4, 8, 100, 0xFFFFFFFF])
        if rng.random() < 0.9
        else rng.getrandbits(32),
        "elem_flags": rng.choice(ELEM_FLAGS) if rng.random() < 0.5 else 0,
        "flags": 0 if rng.random() < 0.85 else rng.choice([1, 4, 1 << 63]),
        "in_batch": rng.choice(["null"] * 3 + ["zero", "two", "big"]),
        "keys_null": rng.random() < 0.05,
        "values_null": rng.random() < 0.05,
        "out_null": rng.random() < 0.05,
        "second": rng.random() < 0.4,
    }


def run_map_batch(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        try:
            fd = s.map(
                case["map_type"], case["key_size"], case["value_size"], case["max_entries"], case["map_flags"]
            )
        except BPFError as exc:
            return Answer(-1, (("create", exc.errno),))
        answers: list[Any] = []
        fill = dict(ELEM_OP, cmd=uapi.BPF_MAP_UPDATE_ELEM)
        for n in range(case["prefill"]):
            answers.append(elem_call(s, case, dict(fill, key=n, value=n + 1), fd)[0])
        if case["freeze"]:
            answers.append(errno_of(call(s, uapi.BPF_MAP_FREEZE, struct.pack("<I", fd) + bytes(124))))
        count = case["count"]
        room = min(count, 64)
        kspan = max(case["key_size"], 1)
        vspan = max(value_span(case["map_type"], case["value_size"]), 1)
        keys = s.buffer(b"".join(key_bytes(case, n) for n in range(room)).ljust(room * kspan + 8, b"\0"))
        values = s.buffer(bytes([7]) * (room * vspan + 8))
        token_in = s.buffer(
            {"null": b"", "zero": bytes(8), "two": struct.pack("<Q", 2), "big": struct.pack("<Q", 1 << 40)}[
                case["in_batch"]
            ].ljust(8, b"\0")
        )
        token_out = s.buffer(8)
        attr = uapi.bpf_attr()
        b = attr.batch
        b.map_fd, b.elem_flags, b.flags = fd, case["elem_flags"], case["flags"]
        b.keys = 0 if case["keys_null"] else ctypes.addressof(keys)
        b.values = 0 if case["values_null"] else ctypes.addressof(values)
        b.in_batch = 0 if case["in_batch"] == "null" else ctypes.addressof(token_in)
        b.out_batch = 0 if case["out_null"] else ctypes.addressof(token_out)
        rounds = 2 if case["second"] else 1
        partial = False  # a lookup-and-delete deleted a bucket's worth before failing
        for _ in range(rounds):
            b.count = (
                count
                if count <= room
                or case["cmd"] in (uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH)
                else room
            )
            b.count = min(
                b.count, room
            )  # the buffers hold ``room`` elements: a larger count would overrun them
            asked = b.count
            result = call(s, case["cmd"], attr)
            ordered = case["map_type"] in ARRAY_LIKE or asked >= case["max_entries"]
            got: tuple[Any, ...] = (errno_of(result), b.count)
            # (a NULL keys or values buffer faults only if the walk finds an element: map_batch:400724)
            faults = partial or case["keys_null"] or case["values_null"]
            endings = (0, errno.ENOENT, errno.ENOSPC) + (errno.EFAULT,) * faults
            if seeded(case) and (b.in_batch or asked < case["max_entries"] or partial):
                # a walk from a bucket, or one that stops short, sees the buckets' order: only its
                # kind of ending is the ABI's (and after a partial delete, which elements are left
                # is the buckets' too: whether one is left to fault on; so is whether a walk from a
                # bucket finds one to copy to a NULL buffer)
                got = ("walk" if -result in endings else errno_of(result),)
                ordered = False
            deleting = case["cmd"] == uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH
            partial |= seeded(case) and deleting and -result == errno.EFAULT
            if ordered and case["map_type"] not in (uapi.BPF_MAP_TYPE_LPM_TRIE,):
                n = min(b.count, room)
                pairs = sorted(
                    (keys.raw[i * kspan : (i + 1) * kspan], values.raw[i * vspan : (i + 1) * vspan])
                    for i in range(n)
                )
                got += (tuple(pairs),)
            answers.append(got)
            if case["in_batch"] == "null" and not case["out_null"]:
                b.in_batch = ctypes.addressof(token_out)
        return Answer(0, tuple((f"step{i}", a) for i, a in enumerate(answers)))


# --- BPF_BTF_LOAD --------------------------------------------------------------------------------------
BTF_TYPES = bc.blob(
    bc.I32  # 1 int
    + bc.t("s", bc.STRUCT, 2, sot=8)
    + bc.member("a", 1, 0)
    + bc.member("b", 1, 32)  # 2 struct s {int a, b}
    + bc.t("", bc.ARRAY)
    + bc.u32(1, 1, 4)  # 3 int[4]
    + bc.SPIN_LOCK  # 4 struct bpf_spin_lock {int val}
    + bc.t("val", bc.STRUCT, 2, sot=8)
    + bc.member("a", 4, 0)
    + bc.member("b", 1, 32)  # 5 {lock; int}
    + bc.t("", bc.PTR, sot=1)  # 6 int *
    + bc.t("long", bc.TYPEDEF, sot=2)  # 7 typedef s long
    + bc.int_type(8, 64, 0, name="long")  # 8 long (8 bytes)
    + bc.t("", bc.FUNC_PROTO, 0, sot=1)  # 9 int (void)
    + bc.t("f", bc.FUNC, 0, sot=9)  # 10 f
    + bc.t("", bc.CONST, sot=2)  # 11 const struct s
)
"""A BTF blob with the types typed maps use (ids 1-11)."""
BTF_SEEDS = [BTF_TYPES, *bc.valid_cases().values()]


def mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        kind = rng.random()
        if kind < 0.3 and len(out) >= 24:  # a header field
            at = rng.choice([0, 2, 3, 4, 8, 12, 16, 20])
            width = 2 if at == 0 else 1 if at in (2, 3) else 4
            value = rng.choice(
                [
                    0,
                    1,
                    2,
                    4,
                    8,
                    24,
                    32,
                    0xFF,
                    0xFFFF,
                    0xFFFFFFFF,
                    len(out),
                    len(out) - 24,
                    rng.getrandbits(8 * width),
                ]
            ) & ((1 << (8 * width)) - 1)
            out[at : at + width] = value.to_bytes(width, "little")
        elif kind < 0.6 and len(out) > 28:  # a word of the type section: name, info (kind, vlen, kflag), size
            at = rng.randrange(24, len(out) - 3) & ~3
            word = int.from_bytes(out[at : at + 4], "little")
            choice = rng.random()
            if choice < 0.3:
                word = (word & ~(0x1F << 24)) | (rng.randrange(0, 32) << 24)
            elif choice < 0.5:
                word = (word & ~0xFFFF) | rng.choice([0, 1, 2, 3, 0xFFFF])
            elif choice < 0.6:
                word ^= 1 << 31
            else:
                word = rng.choice([0, 1, 2, 3, 4, 8, 31, 32, 64, 0x7FFFFFFF, 0xFFFFFFFF, rng.getrandbits(32)])
            out[at : at + 4] = word.to_bytes(4, "little")
        elif kind < 0.8 and out:  # a byte anywhere (the string table is last)
            at = (
                rng.randrange(len(out) - min(len(out), 40), len(out))
                if rng.random() < 0.5
                else rng.randrange(len(out))
            )
            out[at] = rng.choice([0, ord("a"), ord("."), ord("-"), 0xFF, rng.getrandbits(8)])
        elif kind < 0.9:
            out = out[: rng.randrange(len(out) + 1)]
        else:
            out += bytes(rng.choice([1, 4, 12]))
    return bytes(out)


def gen_btf_load(rng: random.Random) -> Case:
    return {
        "data": mutate(rng, rng.choice(BTF_SEEDS)),
        "log_level": rng.choice([0, 1, 1, 1, 2, 3, 4, 16]),
        "log_size": rng.choice([0, 1, 23, 24, 128, 4096, 1 << 16, 1 << 16]),
        "log_null": rng.random() < 0.05,
        "flags": 0 if rng.random() < 0.95 else rng.choice([1, 2, 0x80000000]),
    }


def run_btf_load(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        data = case["data"]
        log = s.buffer(case["log_size"] + 1)
        attr = uapi.bpf_attr()
        attr.btf, attr.btf_size = s.address(data), len(data)
        attr.btf_log_level, attr.btf_log_size = case["log_level"], case["log_size"]
        attr.btf_log_buf = 0 if case["log_null"] else ctypes.addressof(log)
        attr.btf_flags = case["flags"]
        result = call(s, uapi.BPF_BTF_LOAD, attr, fd_result=True)
        return Answer(errno_of(result), (("log", log_text(log.raw)), ("true_size", attr.btf_log_true_size)))


def gen_btf_map(rng: random.Random) -> Case:
    map_type = rng.choice(
        [
            uapi.BPF_MAP_TYPE_HASH,
            uapi.BPF_MAP_TYPE_ARRAY,
            uapi.BPF_MAP_TYPE_PERCPU_ARRAY,
            uapi.BPF_MAP_TYPE_LRU_HASH,
            uapi.BPF_MAP_TYPE_QUEUE,
            uapi.BPF_MAP_TYPE_BLOOM_FILTER,
            uapi.BPF_MAP_TYPE_SK_STORAGE,
            uapi.BPF_MAP_TYPE_CGROUP_STORAGE,
            uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS,
            uapi.BPF_MAP_TYPE_LPM_TRIE,
        ]
    )
    sizes = [0, 4, 8, 16, 32]
    return {
        "map_type": map_type,
        "key_size": rng.choice(sizes),
        "value_size": rng.choice(sizes),
        "max_entries": rng.choice([0, 1, 4]),
        "map_flags": rng.choice([0, 0, uapi.BPF_F_NO_PREALLOC, uapi.BPF_F_RDONLY_PROG, uapi.BPF_F_MMAPABLE]),
        "key_id": rng.randrange(0, 13),
        "value_id": rng.randrange(0, 13),
        "vmlinux_id": 0 if rng.random() < 0.9 else rng.choice([1, 2]),
        "btf": rng.choice(["good", "good", "good", "bad", "map"]),
    }


def run_btf_map(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        btf = {
            "good": lambda: s.btf(BTF_TYPES),
            "bad": lambda: 9999,
            "map": lambda: s.map(uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1),
        }[case["btf"]]()
        extra = inner_template(s, case["map_type"])
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size = case["map_type"], case["key_size"], case["value_size"]
        attr.max_entries, attr.map_flags = case["max_entries"], case["map_flags"]
        attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf, case["key_id"], case["value_id"]
        attr.btf_vmlinux_value_type_id = case["vmlinux_id"]
        for name, number in extra.items():
            setattr(attr, name, number)
        result = call(s, uapi.BPF_MAP_CREATE, attr, fd_result=True)
        return Answer(errno_of(result), map_info(s, result) if result >= 0 else ())


# --- BPF_PROG_LOAD -------------------------------------------------------------------------------------
PROG_TYPES = [int(t) for t in uapi.bpf_prog_type]
ATTACH_TYPES = [int(t) for t in uapi.bpf_attach_type]
PROG_FLAG_BITS = 8
COMMON_PROG_FLAGS = [
    uapi.BPF_F_STRICT_ALIGNMENT,
    uapi.BPF_F_ANY_ALIGNMENT,
    uapi.BPF_F_TEST_RND_HI32,
    uapi.BPF_F_TEST_STATE_FREQ,
    uapi.BPF_F_SLEEPABLE,
    uapi.BPF_F_XDP_HAS_FRAGS,
    uapi.BPF_F_XDP_DEV_BOUND_ONLY,
    uapi.BPF_F_TEST_REG_INVARIANTS,
]
LICENCES = ["GPL", "GPL", "Dual BSD/GPL", "MIT", "", None, "GPL v2", "Proprietary"]
PROG_NAMES = [b"", b"p", b"prog.name_1", b"a" * 15, b"a" * 16, b"bad name", b"x-y", b"\x80"]
TEXTS = ["r0 = 0\nexit", "r0 = 1\nexit", "exit", "r0 = 0\nr1 = 0\nexit"]


def gen_prog_load(rng: random.Random) -> Case:
    prog_type = rng.choice(PROG_TYPES) if rng.random() < 0.95 else rng.choice([len(PROG_TYPES), 0xFFFFFFFF])
    return {
        "prog_type": prog_type,
        "text": rng.choice(TEXTS),
        "insn_cnt_delta": 0 if rng.random() < 0.9 else rng.choice([-10, -1, 1, 1 << 20]),
        "insns_null": rng.random() < 0.03,
        "expected": 0 if rng.random() < 0.5 else rng.choice([*ATTACH_TYPES, len(ATTACH_TYPES), 0xFFFFFFFF]),
        "prog_flags": pick_flags(rng, PROG_FLAG_BITS, COMMON_PROG_FLAGS),
        "kern_version": 0 if rng.random() < 0.8 else rng.choice([1, 0x60C00, 0xFFFFFFFF]),
        "license": rng.choice(LICENCES),
        "log_level": rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 8, 16]),
        "log_size": rng.choice([0, 1, 127, 128, 4096, 1 << 16, 0x3FFFFFFF, 0x40000000, 0xFFFFFFFF]),
        "log_null": rng.random() < 0.3,
        "name": rng.choice(PROG_NAMES),
        "fd_array": rng.choice(["none"] * 6 + ["buf", "bad"]),
        "fd_array_cnt": 0 if rng.random() < 0.9 else rng.choice([1, 2, 1 << 20]),
        "func_info": 0 if rng.random() < 0.75 else rng.choice([1, 2]),
        "func_info_rec_size": rng.choice([0, 4, 7, 8, 12, 16, 256]),
        "line_info": 0 if rng.random() < 0.75 else rng.choice([1, 2]),
        "line_info_rec_size": rng.choice([0, 8, 15, 16, 17, 24, 256]),
        "prog_btf": rng.choice(["none", "none", "btf", "bad"]),
        "attach_btf_id": 0 if rng.random() < 0.9 else rng.choice([1, 5, 100000]),
        "attach_prog_fd": draw_fd_kind(rng, 0.9),
        "prog_ifindex": 0 if rng.random() < 0.95 else rng.choice([1, 99999]),
        "core_relo_cnt": 0 if rng.random() < 0.95 else rng.choice([1, 3]),
        "core_relo_rec_size": rng.choice([0, 16, 17]),
        "size": rng.choice([None] * 10 + [48, 64, 72, 200]),
        "tail": rng.choice([b""] * 6 + [b"\1", b"\0" * 7 + b"\2"]),
    }


def run_prog_load(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        code = encode_program(assemble(case["text"]))
        log = s.buffer(min(case["log_size"], 1 << 16) + 1)
        try:
            btf_fd = {"none": 0, "btf": s.btf(BTF_TYPES) if case["prog_btf"] == "btf" else 0, "bad": 9999}[
                case["prog_btf"]
            ]
            attach_prog = make_fd(s, case["attach_prog_fd"])
        except BPFError as exc:
            return Answer(-1, (("setup", exc.errno),))
        attr = uapi.bpf_attr()
        attr.prog_type = case["prog_type"]
        attr.insn_cnt = max(0, len(code) // 8 + case["insn_cnt_delta"])
        # a count one past the text reads zeros, not whatever follows the buffer in this process's
        # memory (the two backends' memory differs: prog_load:400778); past the limit: E2BIG first
        readable = code + bytes(8 * case["insn_cnt_delta"]) if 0 < case["insn_cnt_delta"] <= 16 else code
        attr.insns = 0 if case["insns_null"] else s.address(readable)
        attr.license = 0 if case["license"] is None else s.address(case["license"].encode())
        attr.log_level, attr.log_size = case["log_level"], case["log_size"]
        # a log_size past the buffer is only safe where the kernel refuses it first (past UINT_MAX >> 2)
        if (not case["log_null"] and case["log_size"] <= (1 << 16)) or (
            not case["log_null"] and case["log_size"] > 0x3FFFFFFF
        ):
            attr.log_buf = ctypes.addressof(log)
        attr.kern_version, attr.prog_flags = case["kern_version"], case["prog_flags"]
        attr.expected_attach_type = case["expected"]
        attr.prog_btf_fd = btf_fd
        fi = struct.pack("<II", 0, 10) + bytes(248)
        li = struct.pack("<IIII", 0, 1, 1, 0) + bytes(240)
        attr.func_info_cnt, attr.func_info_rec_size = case["func_info"], case["func_info_rec_size"]
        attr.func_info = s.address(fi) if case["func_info"] else 0
        attr.line_info_cnt, attr.line_info_rec_size = case["line_info"], case["line_info_rec_size"]
        attr.line_info = s.address(li) if case["line_info"] else 0
        attr.attach_btf_id, attr.attach_prog_fd = case["attach_btf_id"], attach_prog
        attr.prog_ifindex = case["prog_ifindex"]
        attr.core_relo_cnt, attr.core_relo_rec_size = case["core_relo_cnt"], case["core_relo_rec_size"]
        attr.core_relos = s.address(bytes(64)) if case["core_relo_cnt"] else 0
        if case["fd_array"] == "buf":
            attr.fd_array = s.address(bytes(16))
        elif case["fd_array"] == "bad":
            attr.fd_array = 8
        attr.fd_array_cnt = case["fd_array_cnt"]
        buf = raw(attr)
        name_at = uapi.bpf_attr_prog_load.prog_name.offset  # type: ignore[attr-defined]
        buf[name_at : name_at + 16] = case["name"][:16].ljust(16, b"\0")
        buf += case["tail"]
        size = case["size"]
        result = call(
            s, uapi.BPF_PROG_LOAD, buf, size if size is None else min(size, len(buf)), fd_result=True
        )
        true_at = uapi.bpf_attr_prog_load.log_true_size.offset  # type: ignore[attr-defined]
        reported = size is None or size > true_at  # an attr too short for log_true_size gets none
        true_size = struct.unpack_from("<I", buf, true_at)[0] if reported else 0
        text = log_text(log.raw)
        timing = TIMING.search(text)
        if timing is not None:  # the time's digits count in the true size
            true_size -= (len(timing.group(1)) - 1) if reported else 0
        elif case["log_level"] & 4:
            # the statistics line is in the log but not (whole) in the buffer: its length is unknown,
            # and the kept window's start moves with the time's digits
            true_size = -1
            text = text.split(b" usec\n", 1)[-1]
        return Answer(
            errno_of(result),
            (("log", TIMING.sub(b"verification time N usec", text)[-300:]), ("true_size", true_size)),
        )


# --- BPF_OBJ_GET_INFO_BY_FD ----------------------------------------------------------------------------
def gen_obj_info(rng: random.Random) -> Case:
    return {
        "object": rng.choice(["array", "hash", "prog", "btf", "file", "bad"]),
        "info_len": rng.choice(
            [0, 1, 4, 7, 8, 16, 40, 64, 88, 96, 100, 120, 200, 228, 256, 512, 4096, 0xFFFFFFFF]
        ),
        "trailing": rng.choice([0, 0, 0, 1]),
        "info_null": rng.random() < 0.05,
        "pointers": [
            (
                rng.choice(
                    [
                        8,
                        16,
                        24,
                        32,
                        40,
                        48,
                        56,
                        64,
                        72,
                        80,
                        88,
                        96,
                        104,
                        112,
                        136,
                        144,
                        160,
                        176,
                        184,
                        192,
                        200,
                        208,
                    ]
                ),
                rng.choice(["buf", "bad", "zero"]),
                rng.choice([0, 1, 8, 16, 64, 1 << 20]),
            )
            for _ in range(rng.randrange(0, 3))
        ],
    }


def run_obj_info(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        fd = {
            "array": lambda: s.map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4),
            "hash": lambda: s.map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 4),
            "prog": lambda: s.prog(uapi.BPF_PROG_TYPE_SOCKET_FILTER),
            "btf": lambda: s.btf(BTF_TYPES),
            "file": lambda: make_fd(s, "file"),
            "bad": lambda: 9999,
        }[case["object"]]()
        room = min(case["info_len"], 4096)
        info = s.buffer(bytes(room + 64))
        scratch = s.buffer(bytes(1 << 12))
        for at, kind, length in case["pointers"]:
            if at + 8 <= room:
                target = {"buf": ctypes.addressof(scratch), "bad": 8, "zero": 0}[kind]
                struct.pack_into("<Q", info, at, target)
                if at >= 8:  # the len field before the pointer in prog info (xlated/jited lens and counts)
                    struct.pack_into("<I", info, at - 4, min(length, 1 << 12))
        if case["trailing"] and room > 0:
            info[room - 1] = b"\x01"
        attr = uapi.bpf_attr()
        attr.info.bpf_fd, attr.info.info_len = fd, case["info_len"]
        attr.info.info = 0 if case["info_null"] else ctypes.addressof(info)
        if case["info_len"] > 4096:
            attr.info.info_len = case["info_len"] if case["info_null"] else 4096
        result = call(s, uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        fields: tuple[tuple[str, Any], ...] = (("info_len", attr.info.info_len),)
        if result >= 0 and case["object"] in ("array", "hash"):
            fields += (("head", info.raw[:4]), ("sizes", info.raw[8:24]))
        return Answer(errno_of(result), fields)


# --- BPF_PROG_TEST_RUN ---------------------------------------------------------------------------------
RUN_TYPES = [
    (uapi.BPF_PROG_TYPE_XDP, 0),
    (uapi.BPF_PROG_TYPE_SCHED_CLS, 0),
    (uapi.BPF_PROG_TYPE_SOCKET_FILTER, 0),
    (uapi.BPF_PROG_TYPE_SCHED_ACT, 0),
    (uapi.BPF_PROG_TYPE_CGROUP_SKB, 0),
    (uapi.BPF_PROG_TYPE_RAW_TRACEPOINT, 0),
    (uapi.BPF_PROG_TYPE_SYSCALL, 0),
    (uapi.BPF_PROG_TYPE_FLOW_DISSECTOR, uapi.BPF_FLOW_DISSECTOR),
    (uapi.BPF_PROG_TYPE_SK_LOOKUP, uapi.BPF_SK_LOOKUP),
    (uapi.BPF_PROG_TYPE_LWT_IN, 0),
    (uapi.BPF_PROG_TYPE_KPROBE, 0),
    (uapi.BPF_PROG_TYPE_TRACEPOINT, 0),
]
RUN_FLAGS = [
    0,
    uapi.BPF_F_TEST_RUN_ON_CPU,
    uapi.BPF_F_TEST_XDP_LIVE_FRAMES,
    uapi.BPF_F_TEST_SKB_CHECKSUM_COMPLETE,
    8,
    1 << 31,
]


def gen_test_run(rng: random.Random) -> Case:
    prog_type, expected = rng.choice(RUN_TYPES)
    return {
        "prog_type": prog_type,
        "expected": expected,
        "retval": rng.choice([0, 1, 2, 3]),
        "data_in": rng.choice([0, 1, 13, 14, 15, 54, 64, 100, 1500, 4096, 65535, 65536]),
        "data_null": rng.random() < 0.05,
        "data_out": rng.choice([None, 0, 1, 14, 64, 200, 4096]),
        "ctx_in": rng.choice([None] * 4 + [0, 4, 8, 16, 24, 64, 184, 192, 4096]),
        "ctx_out": rng.choice([None] * 4 + [0, 4, 64, 192, 4096]),
        "ctx_byte": rng.choice([0, 0, 1, 0xFF]),
        "repeat": rng.choice([0, 1, 2, 5]),
        "flags": rng.choice(RUN_FLAGS) if rng.random() < 0.3 else 0,
        "cpu": 0 if rng.random() < 0.85 else rng.choice([1, 2, 64, 0xFFFFFFFF]),
        "batch_size": 0 if rng.random() < 0.85 else rng.choice([1, 64, 257]),
        "ctx_bad": rng.random() < 0.05,
    }


def run_test_run(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        try:
            fd = s.prog(case["prog_type"], f"r0 = {case['retval']}\nexit", case["expected"])
        except BPFError as exc:
            return Answer(-1, (("load", exc.errno),))
        packet = bytes(range(256)) * 257
        data = s.buffer(packet[: case["data_in"]] + bytes(8))
        out = s.buffer(bytes(case["data_in"] + 8192))  # data_size_out 0: no limit, the whole packet comes out
        ctx = s.buffer(bytes([case["ctx_byte"]]) * (4096 + 8))
        ctx_out = s.buffer(bytes(4096 + 64))
        attr = uapi.bpf_attr()
        t = attr.test
        t.prog_fd = fd
        t.data_size_in = case["data_in"]
        t.data_in = 0 if case["data_null"] else ctypes.addressof(data)
        if case["data_out"] is not None:
            t.data_out, t.data_size_out = ctypes.addressof(out), case["data_out"]
        if case["ctx_in"] is not None:
            t.ctx_in, t.ctx_size_in = 8 if case.get("ctx_bad") else ctypes.addressof(ctx), case["ctx_in"]
        if case["ctx_out"] is not None:
            t.ctx_out, t.ctx_size_out = ctypes.addressof(ctx_out), case["ctx_out"]
        t.repeat, t.flags, t.cpu, t.batch_size = (
            case["repeat"],
            case["flags"],
            case["cpu"],
            case["batch_size"],
        )
        result = call(s, uapi.BPF_PROG_TEST_RUN, attr)
        fields: tuple[tuple[str, Any], ...] = ()
        if result >= 0:
            fields = (
                ("retval", t.retval),
                ("data_size_out", t.data_size_out),
                ("ctx_size_out", t.ctx_size_out),
            )
            if case["data_out"] is not None:
                fields += (("data", out.raw[: min(t.data_size_out, case["data_out"])]),)
        return Answer(errno_of(result), fields)


# --- LINK_CREATE / PROG_ATTACH -------------------------------------------------------------------------
ATTACH_PROGS = [
    uapi.BPF_PROG_TYPE_SOCKET_FILTER,
    uapi.BPF_PROG_TYPE_CGROUP_SKB,
    uapi.BPF_PROG_TYPE_SK_SKB,
    uapi.BPF_PROG_TYPE_SK_MSG,
    uapi.BPF_PROG_TYPE_SK_LOOKUP,
    uapi.BPF_PROG_TYPE_KPROBE,
    uapi.BPF_PROG_TYPE_RAW_TRACEPOINT,
    uapi.BPF_PROG_TYPE_SYSCALL,
    uapi.BPF_PROG_TYPE_CGROUP_SOCK,
]
"""Program types attached to harmless targets only.  Not XDP, tc or flow dissector: an fd number read
as an ifindex could name a real device, and BPF_PROG_ATTACH of a flow dissector ignores target_fd and
takes the current network namespace."""


def gen_attach(rng: random.Random) -> Case:
    case = {
        "cmd": rng.choice([uapi.BPF_LINK_CREATE, uapi.BPF_PROG_ATTACH, uapi.BPF_PROG_DETACH]),
        "prog_type": rng.choice(ATTACH_PROGS),
        "attach_type": rng.choice([*ATTACH_TYPES, len(ATTACH_TYPES), 0xFFFFFFFF]),
        "expected": rng.random() < 0.3,
        "target": rng.choice(["none", "bad", "array", "hash", "file", "prog"]),
        "flags": 0 if rng.random() < 0.7 else rng.choice([1, 2, 4, 8, 16, 32, 64, 1 << 31]),
        "prog": rng.choice(["prog", "prog", "prog", "bad", "array"]),
        "tail": rng.random() < 0.1,
    }
    if rng.random() < 0.25:  # a query of any attach type: read-only, so devices may be named too
        attach_type = rng.choice(QUERY_TYPES) if rng.random() < 0.7 else case["attach_type"]
        targets = ["none", "bad", "lo", "lo", "nodev"]
        if attach_type not in DEVICE_TYPES:  # (an object's fd number differs between the backends)
            targets += ["array", "file"]
        case.update(
            cmd=uapi.BPF_PROG_QUERY,
            target=rng.choice(targets),
            attach_type=attach_type,
            query_flags=rng.choice([0, 0, uapi.BPF_F_QUERY_EFFECTIVE, 2]),
            count=rng.choice([0, 1, 4]),
            ids=rng.random() < 0.8,
        )
    return case


DEVICE_TYPES = (uapi.BPF_TCX_INGRESS, uapi.BPF_TCX_EGRESS, uapi.BPF_NETKIT_PRIMARY, uapi.BPF_NETKIT_PEER)
"""The attach types whose target is an ifindex (a number, not an fd)."""


QUERY_TYPES = [
    *DEVICE_TYPES,
    uapi.BPF_CGROUP_DEVICE,
    uapi.BPF_SK_LOOKUP,
    uapi.BPF_LSM_MAC,
]
"""The attach types a query names most often: the devices' (tcx, netkit) and some of the others."""


def _query_target(s: Scope, kind: str) -> int:
    """A query's target: an fd of ``make_fd``'s kinds, or a device (``lo``: the loopback device's
    ifindex, ``nodev``: one no device has); the same number on both backends for the devices."""
    if kind == "lo":
        return socket.if_nametoindex("lo")
    if kind == "nodev":
        return 0x7FFFFFF0
    return make_fd(s, kind)


def _run_query(case: Case, s: Scope) -> Answer:
    """BPF_PROG_QUERY: the errno and what it wrote (attach_flags, count, revision, the first id)."""
    attr = uapi.bpf_attr()
    query = attr.query
    query.target_fd, query.attach_type = _query_target(s, case["target"]), case["attach_type"]
    query.query_flags, query.attach_flags = case["query_flags"], case["flags"]
    ids = (ctypes.c_uint32 * 4)(*[7] * 4)
    query.prog_cnt, query.revision = case["count"], 99
    if case["ids"]:
        query.prog_ids = ctypes.addressof(ids)
    result = call(s, uapi.BPF_PROG_QUERY, attr)
    written = (query.attach_flags, query.prog_cnt, query.revision, ids[0])
    return Answer(errno_of(result), (("query", written),))


def run_attach(case: Case, backend: Any) -> Answer:
    with scope(backend) as s:
        if case["cmd"] == uapi.BPF_PROG_QUERY:
            return _run_query(case, s)
        expected = case["attach_type"] if case["expected"] else 0
        try:
            prog = (
                s.prog(case["prog_type"], "r0 = 1\nexit", expected)
                if case["prog"] == "prog"
                else make_fd(s, case["prog"])
            )
            target = make_fd(s, case["target"])
        except BPFError as exc:
            return Answer(-1, (("setup", exc.errno),))
        attr = uapi.bpf_attr()
        if case["cmd"] == uapi.BPF_LINK_CREATE:
            struct.pack_into("<IIII", attr, 0, prog, target, case["attach_type"], case["flags"])
        else:
            attr.target_fd, attr.attach_bpf_fd = target, prog
            attr.attach_type, attr.attach_flags = case["attach_type"], case["flags"]
        buf = raw(attr)
        if case["tail"]:
            buf[60] = 1
        result = call(s, case["cmd"], buf, fd_result=case["cmd"] == uapi.BPF_LINK_CREATE)
        return Answer(errno_of(result))


# --- cgroup attachments: PROG_ATTACH / DETACH / QUERY, LINK_CREATE / UPDATE / DETACH ---------------------
CGROUP_PROGS = 3
"""cgroup_device programs p0..p2 (``r0 = i % 2``): harmless on an empty cgroup."""
F_BEFORE, F_AFTER, F_ID, F_PREORDER = uapi.BPF_F_BEFORE, uapi.BPF_F_AFTER, uapi.BPF_F_ID, uapi.BPF_F_PREORDER
CGROUP_OTHER_TYPES = [t for t in ATTACH_TYPES if t not in DEVICE_TYPES]
"""The attach types an op may name instead of BPF_CGROUP_DEVICE: not those whose target is an
ifindex (tcx, netkit: the cgroup's fd number would name whatever device this machine has)."""
CGROUP_ATTACH_FLAGS = [
    0,
    0,
    uapi.BPF_F_ALLOW_OVERRIDE,
    uapi.BPF_F_ALLOW_MULTI,
    uapi.BPF_F_ALLOW_MULTI,
    uapi.BPF_F_ALLOW_MULTI | uapi.BPF_F_REPLACE,
    uapi.BPF_F_REPLACE,
    uapi.BPF_F_ALLOW_MULTI | F_BEFORE,
    uapi.BPF_F_ALLOW_MULTI | F_AFTER,
    uapi.BPF_F_ALLOW_MULTI | F_BEFORE | F_ID,
    uapi.BPF_F_ALLOW_MULTI | F_AFTER | F_ID,
    uapi.BPF_F_ALLOW_MULTI | F_BEFORE | F_AFTER,
    uapi.BPF_F_ALLOW_MULTI | F_PREORDER,
    uapi.BPF_F_ALLOW_MULTI | F_PREORDER | F_BEFORE,
    uapi.BPF_F_ALLOW_MULTI | F_PREORDER | F_AFTER | F_ID,
    uapi.BPF_F_ALLOW_MULTI | uapi.BPF_F_REPLACE | F_AFTER,
    uapi.BPF_F_ALLOW_MULTI | F_BEFORE | uapi.BPF_F_LINK,
    uapi.BPF_F_ALLOW_MULTI | uapi.BPF_F_ALLOW_OVERRIDE,
    uapi.BPF_F_ALLOW_OVERRIDE | F_BEFORE,
    F_BEFORE,
    F_PREORDER,
]
CGROUP_LINK_FLAGS = [
    F_BEFORE,
    F_AFTER,
    F_BEFORE | F_AFTER,
    F_BEFORE | uapi.BPF_F_LINK,
    F_AFTER | uapi.BPF_F_LINK,
    F_BEFORE | uapi.BPF_F_LINK | F_ID,
    F_AFTER | uapi.BPF_F_LINK | F_ID | F_PREORDER,
    F_BEFORE | F_ID,
    uapi.BPF_F_LINK,
    F_PREORDER,
    F_PREORDER | F_BEFORE,
    uapi.BPF_F_REPLACE,
    uapi.BPF_F_ALLOW_MULTI,
    1 << 31,
]
"""``link_create.flags`` of cgroup links (``BPF_F_LINK_ATTACH_MASK`` and beyond)."""
CGROUP_RELATIVES = ["prog", "prog", "prog", "link", "link", "bad", "cgroup"]
"""What an anchor (``relative_fd`` / ``relative_id``) names: one of the programs, one of the links
made (fd, or id with BPF_F_ID), a closed fd / an id nothing has, the cgroup's directory."""


def _cgroup_relative(rng: random.Random) -> tuple[str, int] | None:
    if rng.random() < 0.5:
        return None
    return rng.choice(CGROUP_RELATIVES), rng.randrange(CGROUP_PROGS)


def _cgroup_op(rng: random.Random) -> Case:
    kind = rng.choice(
        [
            "attach",
            "attach",
            "attach",
            "detach",
            "detach",
            "link",
            "link",
            "update",
            "link_detach",
            "query",
            "query",
            "info",
        ]
    )
    op: Case = {
        "op": kind,
        "level": 0 if rng.random() < 0.7 else 1,  # the parent cgroup or its child
        "prog": rng.randrange(CGROUP_PROGS) if rng.random() < 0.9 else None,  # None: a bad fd
        "attach_type": uapi.BPF_CGROUP_DEVICE if rng.random() < 0.85 else rng.choice(CGROUP_OTHER_TYPES),
    }
    if kind == "attach":
        op["flags"] = rng.choice(CGROUP_ATTACH_FLAGS) if rng.random() < 0.95 else 1 << rng.randrange(16)
        op["replace"] = rng.randrange(CGROUP_PROGS) if rng.random() < 0.4 else None
        op["relative"] = _cgroup_relative(rng) if op["flags"] & (F_BEFORE | F_AFTER) else None
        if op["relative"] is None and rng.random() < 0.1:
            op["relative"] = ("prog", rng.randrange(CGROUP_PROGS))  # an anchor without an order
        op["revision"] = rng.choice([0, 0, 0, 1, 2, 3, 7])
    elif kind == "link":
        op["flags"] = 0 if rng.random() < 0.5 else rng.choice(CGROUP_LINK_FLAGS)
        op["relative"] = _cgroup_relative(rng) if op["flags"] or rng.random() < 0.1 else None
        op["revision"] = rng.choice([0, 0, 0, 0, 1, 2, 3, 5])
    elif kind in ("update", "link_detach", "info"):
        op["link"] = rng.randrange(3)  # the n-th link created (modulo), or a bad fd when there is none
        op["flags"] = 0 if rng.random() < 0.6 else rng.choice([uapi.BPF_F_REPLACE, 1, 1 << 31])
        op["old"] = rng.randrange(CGROUP_PROGS) if rng.random() < 0.5 else None
    elif kind == "query":
        op["flags"] = rng.choice([0, 0, uapi.BPF_F_QUERY_EFFECTIVE, 2])
        op["count"] = rng.choice([0, 1, 2, 8])
        op["ids"] = rng.random() < 0.85
        op["prog_flags"] = rng.random() < 0.5
        op["links"] = rng.random() < 0.4
    return op


def gen_cgroup_links(rng: random.Random) -> Case:
    return {"ops": [_cgroup_op(rng) for _ in range(rng.randint(2, 7))]}


def run_cgroup_links(case: Case, backend: Any) -> Answer:
    """The ops on a fresh parent/child pair of empty cgroups of this backend's own; each op's errno
    and what queries and link infos return, programs and links named by index (their ids differ)."""
    mount = cgroup2_mount()
    if mount is None or not os.access(mount, os.W_OK):
        return Answer(-1, (("setup", "no writable cgroup v2 hierarchy"),))
    base = os.path.join(mount, f"pybpf-abi-{os.getpid()}-{next(_CGROUP_SERIAL)}")
    paths = [base, os.path.join(base, "child")]
    with scope(backend) as s:
        for path in paths:
            os.mkdir(path)
        try:
            cgroups = [s.keep(os.open(path, os.O_RDONLY | os.O_DIRECTORY)) for path in paths]
            progs = [
                s.prog(uapi.BPF_PROG_TYPE_CGROUP_DEVICE, f"r0 = {i % 2}\nexit") for i in range(CGROUP_PROGS)
            ]
            prog_ids = [prog_id(s, fd) for fd in progs]
            run = _Cgroups(s, cgroups, progs, prog_ids, {pid: f"p{i}" for i, pid in enumerate(prog_ids)})
            results = [run.step(op) for op in case["ops"]]
            return Answer(
                0,
                tuple(
                    (f"{i}:{op['op']}", r) for i, (op, r) in enumerate(zip(case["ops"], results, strict=True))
                ),
            )
        finally:
            for fd in reversed(s.fds):  # links and programs go first, then what PROG_ATTACH left
                with contextlib.suppress(OSError):
                    os.close(fd)
            s.fds.clear()
            for path in reversed(paths):
                _remove_cgroup(path)


_CGROUP_SERIAL = iter(range(1 << 62))


def _remove_cgroup(path: str) -> None:
    """rmdir of an empty cgroup (its attached programs go with it, cgroup_bpf_release)."""
    with contextlib.suppress(OSError):
        os.rmdir(path)


def prog_id(s: Scope, fd: int) -> int:
    info = uapi.bpf_prog_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    s.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return int(info.id)


@dataclass
class _Cgroups:
    """One run's objects: the two cgroups' fds, the programs (fds, ids, names) and the links made."""

    s: Scope
    cgroups: list[int]
    progs: list[int]
    prog_ids: list[int]
    names: dict[int, str]
    links: list[int] = field(default_factory=list)

    def step(self, op: Case) -> Any:
        """One op's answer: its errno, or what a query or a link's info returned."""
        return _cgroup_step(self, op)


def _cgroup_step(run: _Cgroups, op: Case) -> Any:
    s, progs, links, names = run.s, run.progs, run.links, run.names
    cgroups = run.cgroups
    prog = progs[op["prog"]] if op["prog"] is not None else 9999
    target = cgroups[op["level"]]
    attr = uapi.bpf_attr()
    kind = op["op"]
    if kind in ("attach", "detach"):
        attr.target_fd, attr.attach_bpf_fd, attr.attach_type = target, prog, op["attach_type"]
        if kind == "attach":
            attr.attach_flags = op["flags"]
            if op["replace"] is not None:
                attr.replace_bpf_fd = progs[op["replace"]]
            attr.relative_fd = _cgroup_anchor(run, op)
            attr.expected_revision = op["revision"]
        return errno_of(call(s, uapi.BPF_PROG_ATTACH if kind == "attach" else uapi.BPF_PROG_DETACH, attr))
    if kind == "link":
        lc = attr.link_create
        lc.prog_fd, lc.target_fd, lc.attach_type, lc.flags = prog, target, op["attach_type"], op["flags"]
        lc.cgroup.relative_fd, lc.cgroup.expected_revision = _cgroup_anchor(run, op), op["revision"]
        result = call(s, uapi.BPF_LINK_CREATE, attr, fd_result=True)
        if result >= 0:
            links.append(result)
            return 0
        return errno_of(result)
    if kind == "query":
        return _cgroup_query(run, op, target)
    link = links[op["link"] % len(links)] if links else 9999
    if kind == "update":
        attr.link_update.link_fd, attr.link_update.new_prog_fd = link, prog
        attr.link_update.flags = op["flags"]
        if op["old"] is not None:
            attr.link_update.old_prog_fd = progs[op["old"]]
        return errno_of(call(s, uapi.BPF_LINK_UPDATE, attr))
    if kind == "link_detach":
        attr.link_detach.link_fd = link
        return errno_of(call(s, uapi.BPF_LINK_DETACH, attr))
    if kind == "info":
        info = uapi.bpf_link_info()
        attr.info.bpf_fd, attr.info.info_len, attr.info.info = (
            link,
            ctypes.sizeof(info),
            ctypes.addressof(info),
        )
        result = call(s, uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        if result < 0:
            return errno_of(result)
        return (info.type, names.get(info.prog_id, info.prog_id), info.cgroup.attach_type, attr.info.info_len)
    raise ValueError(f"unknown op {kind!r}")


def _cgroup_anchor(run: _Cgroups, op: Case) -> int:
    """The ``relative_fd`` / ``relative_id`` of an attach or link op: an fd, or an id with BPF_F_ID
    (links' ids as this backend gave them)."""
    if op["relative"] is None:
        return 0
    kind, index = op["relative"]
    by_id = bool(op["flags"] & F_ID)
    if kind == "prog":
        return int(run.prog_ids[index] if by_id else run.progs[index])
    if kind == "link" and run.links:
        link = run.links[index % len(run.links)]
        return _link_id(run.s, link) if by_id else link
    if kind == "cgroup":
        return run.cgroups[0]
    return 0x7FFFFFF0 if by_id else 9999  # an id no object has, an fd not open


def _link_id(s: Scope, fd: int) -> int:
    info = uapi.bpf_link_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    return int(info.id) if call(s, uapi.BPF_OBJ_GET_INFO_BY_FD, attr) >= 0 else 0


def _cgroup_query(run: _Cgroups, op: Case, target: int) -> Any:
    attr = uapi.bpf_attr()
    query = attr.query
    query.target_fd, query.attach_type, query.query_flags = target, op["attach_type"], op["flags"]
    ids = (ctypes.c_uint32 * 8)(*[0xEEEE] * 8)
    flags = (ctypes.c_uint32 * 8)(*[7] * 8)
    link_ids = (ctypes.c_uint32 * 8)(*[0xEEEE] * 8)
    query.prog_cnt = op["count"]
    if op["ids"]:
        query.prog_ids = ctypes.addressof(ids)
    if op["prog_flags"]:
        query.prog_attach_flags = ctypes.addressof(flags)
    if op["links"]:
        query.link_ids = ctypes.addressof(link_ids)
    query.revision = 99
    code = errno_of(call(run.s, uapi.BPF_PROG_QUERY, attr))
    shown = min(query.prog_cnt, op["count"], 8)
    return (
        code,
        query.attach_flags,
        query.prog_cnt,
        [run.names.get(found, found) for found in ids[:shown]],
        list(flags[:shown]),
        [found not in {0, 0xEEEE} for found in link_ids[:shown]],  # link ids differ: linked or not
        query.revision,
    )


# --- BPF_OBJ_PIN / BPF_OBJ_GET --------------------------------------------------------------------------
PIN_OBJECTS = ["map", "map", "prog", "prog", "btf", "file", "bad"]
PIN_PATHS = ["a", "a", "b", "sub/a", "sub/a", "nodir/a", "", ".", "a/", "outside", "long", "a/x"]
"""Where an op pins or gets: a name in the case's fresh bpffs directory, in a subdirectory made by an
op (or not), in none, the empty path, the directory itself, a trailing slash, a directory of another
filesystem (``outside``), a name past NAME_MAX, below a pinned object."""
PIN_FLAGS = [
    0,
    0,
    0,
    uapi.BPF_F_RDONLY,
    uapi.BPF_F_WRONLY,
    uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY,
    1 << 5,
    1 << 31,
]
_PIN_MOUNT: list[str] = []
"""The bpffs this process mounted for the kernel's pins (once, left mounted: a tmpfs-like mount)."""


def gen_obj_pin(rng: random.Random) -> Case:
    ops = []
    for _ in range(rng.randint(2, 7)):
        kind = rng.choice(["pin", "pin", "get", "get", "mkdir", "unlink"])
        ops.append(
            {
                "op": kind,
                "object": rng.choice(PIN_OBJECTS),
                "path": rng.choice(PIN_PATHS),
                "flags": rng.choice(PIN_FLAGS) if rng.random() < 0.4 else 0,
                "bpf_fd": rng.random() < 0.05,  # a get with a bpf_fd (EINVAL)
                "at": rng.choice(PATH_FDS) if rng.random() < 0.4 else None,
            }
        )
    return {"ops": ops}


PATH_FDS = ["base", "base", "opath", "sub", "file", "bad", "flagless"]
"""BPF_F_PATH_FD's ``path_fd`` (the name is then relative to the case's directory): an fd of that
directory, an O_PATH one, of its ``sub`` directory (made by an op, or not there: the fd is then a
closed one), of a file, a closed fd, and the directory's fd without the flag (EINVAL)."""


def _path_fd(s: Scope, base: str, at: str) -> int:
    if at in ("base", "opath", "flagless"):
        return s.keep(os.open(base, os.O_PATH if at == "opath" else os.O_RDONLY | os.O_DIRECTORY))
    if at == "sub" and os.path.isdir(os.path.join(base, "sub")):
        return s.keep(os.open(os.path.join(base, "sub"), os.O_RDONLY | os.O_DIRECTORY))
    if at == "file":
        return s.keep(os.open("/dev/null", os.O_RDONLY))
    return 9999


def _pin_base(backend: Any) -> str | None:
    """A fresh directory of a bpffs where ``backend`` pins: pybpf's root, or a bpffs mounted for the
    kernel in a temporary directory (None where none can be mounted)."""
    if backend.name == "user":
        parent = bpffs_root()
    else:
        if not _PIN_MOUNT:
            mount = tempfile.mkdtemp(prefix="pybpf-abi-bpffs-")
            if subprocess.run(
                ["mount", "-t", "bpf", "bpf", mount], capture_output=True, check=False
            ).returncode:
                return None
            _PIN_MOUNT.append(mount)
        parent = _PIN_MOUNT[0]
    base = os.path.join(parent, f"abi-pin-{os.getpid()}-{next(_CGROUP_SERIAL)}")
    os.mkdir(base)
    return base


def _pin_path(base: str, name: str) -> str:
    if name == "outside":
        outside = os.path.join(tempfile.gettempdir(), "pybpf-abi-not-bpffs")
        os.makedirs(outside, exist_ok=True)
        return os.path.join(outside, "a")
    if name == "long":
        return os.path.join(base, "n" * 300)
    return "" if not name else os.path.join(base, name) + ("/" if name.endswith("/") else "")


def _got_kind(s: Scope, fd: int) -> Any:
    """What an OBJ_GET fd is: a map's type and whether it is writable, or a program's type."""
    info = map_info(s, fd)
    if info[0][0] != "info_errno":
        attr = uapi.bpf_attr()
        attr.map_fd, attr.key = fd, s.address(bytes(4))
        attr.value = s.address(bytes(8))
        writable = errno_of(call(s, uapi.BPF_MAP_UPDATE_ELEM, attr))
        readable = errno_of(call(s, uapi.BPF_MAP_LOOKUP_ELEM, attr))
        return ("map", dict(info)["type"], writable, readable)
    prog = uapi.bpf_prog_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(prog), ctypes.addressof(prog)
    return ("prog", prog.type) if call(s, uapi.BPF_OBJ_GET_INFO_BY_FD, attr) >= 0 else ("other",)


def run_obj_pin(case: Case, backend: Any) -> Answer:
    """The ops in a fresh directory of a bpffs: each op's errno, and what each get opened."""
    base = _pin_base(backend)
    if base is None:
        return Answer(-1, (("setup", "cannot mount a bpffs"),))
    results: list[Any] = []
    try:
        with scope(backend) as s:
            for op in case["ops"]:
                path = _pin_path(base, op["path"])
                if op["op"] == "mkdir":
                    results.append(_os_errno(lambda path=path: os.mkdir(os.path.join(base, "sub"))))
                    continue
                if op["op"] == "unlink":
                    results.append(_os_errno(lambda path=path: os.unlink(path)))
                    continue
                at = op.get("at")
                path_fd = 0
                if at is not None:  # the name relative to the directory (or absolute, "outside")
                    path_fd = _path_fd(s, base, at)
                    path = path[len(base) + 1 :] if path.startswith(base + "/") else path
                buf = s.buffer(os.fsencode(path) + b"\0")
                attr = uapi.bpf_attr()
                attr.pathname, attr.file_flags = ctypes.addressof(buf), op["flags"]
                if at is not None:
                    attr.path_fd = path_fd
                    attr.file_flags |= 0 if at == "flagless" else uapi.BPF_F_PATH_FD
                if op["op"] == "pin":
                    attr.bpf_fd = (
                        make_fd(s, op["object"])
                        if op["object"] != "map"
                        else s.map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
                    )
                    results.append(errno_of(call(s, uapi.BPF_OBJ_PIN, attr)))
                    continue
                attr.bpf_fd = 5 if op["bpf_fd"] else 0
                result = call(s, uapi.BPF_OBJ_GET, attr, fd_result=True)
                results.append(errno_of(result) if result < 0 else _got_kind(s, result))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return Answer(
        0, tuple((f"{i}:{op['op']}", r) for i, (op, r) in enumerate(zip(case["ops"], results, strict=True)))
    )


def _os_errno(action: Callable[[], object]) -> int:
    try:
        action()
    except OSError as exc:
        return exc.errno or 0
    return 0


@dataclass(frozen=True)
class Family:
    name: str
    generate: Callable[[random.Random], Case]
    run: Callable[[Case, Any], Answer]


FAMILIES = {
    f.name: f
    for f in (
        Family("map_create", gen_map_create, run_map_create),
        Family("map_elem", gen_map_elem, run_map_elem),
        Family("map_batch", gen_map_batch, run_map_batch),
        Family("btf_load", gen_btf_load, run_btf_load),
        Family("btf_map", gen_btf_map, run_btf_map),
        Family("prog_load", gen_prog_load, run_prog_load),
        Family("obj_info", gen_obj_info, run_obj_info),
        Family("test_run", gen_test_run, run_test_run),
        Family("attach", gen_attach, run_attach),
        Family("cgroup_links", gen_cgroup_links, run_cgroup_links),
        Family("obj_pin", gen_obj_pin, run_obj_pin),
    )
}


LOCKED_DOWN = {uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_EXT, uapi.BPF_PROG_TYPE_LSM}


def environmental(family: str, case: Case, kernel: Answer) -> bool:
    """Whether the kernel's answer is this machine's, not Linux 6.18's: its lockdown refuses freplace,
    LSM and fentry-style loads and every arena with EPERM before looking at them
    (tests/progtypes/test_ext.py, tests/maps/test_arena.py), and its configuration has no lirc mode2
    programs (CONFIG_BPF_LIRC_MODE2: the load is EINVAL, and so is a BPF_LIRC_MODE2 attach or
    detach, whatever the fds) nor kprobe-multi links (CONFIG_FPROBE: bpf_kprobe_multi_link_attach's
    stub is EOPNOTSUPP for a kprobe-multi or kprobe-session link, whatever its attributes)."""
    if case.get("prog_type") == uapi.BPF_PROG_TYPE_LIRC_MODE2:
        return (
            kernel.errno == errno.EINVAL
            or (("load", errno.EINVAL) in kernel.fields)
            or (("setup", errno.EINVAL) in kernel.fields)
        )
    if family == "attach" and case["attach_type"] == uapi.BPF_LIRC_MODE2:
        return kernel.errno == errno.EINVAL  # lirc_prog_attach/detach's stubs without CONFIG_BPF_LIRC_MODE2
    if (
        family == "attach"
        and case["cmd"] == uapi.BPF_LINK_CREATE
        and case["prog_type"] == uapi.BPF_PROG_TYPE_KPROBE
        and case["attach_type"] in (uapi.BPF_TRACE_KPROBE_MULTI, uapi.BPF_TRACE_KPROBE_SESSION)
    ):
        return kernel.errno == errno.EOPNOTSUPP  # no CONFIG_FPROBE (this machine's 6.18 build)
    if family == "prog_load":
        return kernel.errno == errno.EPERM and case["prog_type"] in LOCKED_DOWN
    if family == "map_create":
        return kernel.errno == errno.EPERM and case["map_type"] == uapi.BPF_MAP_TYPE_ARENA
    return False


SKB_TYPES = {
    uapi.BPF_PROG_TYPE_SCHED_CLS,
    uapi.BPF_PROG_TYPE_SCHED_ACT,
    uapi.BPF_PROG_TYPE_SOCKET_FILTER,
    uapi.BPF_PROG_TYPE_CGROUP_SKB,
    uapi.BPF_PROG_TYPE_LWT_IN,
}


def known_gap(family: str, case: Case) -> str | None:
    """Why pybpf may answer this case otherwise than the kernel (a difference found by the fuzzer and
    not fixed yet), or None.  It excuses a disagreement only; an agreement needs no excuse."""
    if family == "attach" and case["attach_type"] == uapi.BPF_PERF_EVENT:
        return "perf event links are not implemented (pybpf: EINVAL; the kernel checks the perf event fd)"
    if family != "test_run":
        return None
    if case["prog_type"] in SKB_TYPES and case["flags"] & uapi.BPF_F_TEST_SKB_CHECKSUM_COMPLETE:
        return "BPF_F_TEST_SKB_CHECKSUM_COMPLETE is not implemented (pybpf: EINVAL)"
    if (case["data_in"] == 0 and not case["data_null"]) or case["data_out"] == 0:
        return "a data pointer without a size: pybpf's types see sizes, the kernel's check the pointers"
    return None


def case_of(family: str, seed: int) -> Case:
    """The case ``seed`` of ``family`` (the same on every run)."""
    return FAMILIES[family].generate(random.Random(f"{family}:{seed}"))
