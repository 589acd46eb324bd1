"""Reads of a map's kernel struct through the map pointer give the kernel's values.

The kernel's verifier lets a program read (never write) the struct a map pointer points to --
``struct bpf_map`` inside its type's ``struct bpf_array``, ``bpf_htab`` ... (check_ptr_to_map_access,
the selftests' verifier_map_ptr.c and map_ptr_kern.c) -- and the load reads the kernel object.
pybpf images that struct (``pybpf.helpers.map_image``): the fields user space knows, ``map->ops`` as
an address the same for every map of a type, opaque bytes elsewhere.

Each case creates the same maps on pybpf and on the kernel, loads one socket filter reading the
known fields of a map (through ``lddw map_fd`` and, for a map-in-map, through the inner map a lookup
returned) into an output array, runs it with BPF_PROG_TEST_RUN on every engine (the ``engine``
fixture) and compares the output with the kernel's.  Pointers are compared as NULL or not; ``id``
is compared with each side's own map id; ``ops`` with another map's of the same and of another type.
The kernel half is skipped where bpf(2) is unavailable.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from pybpf import Program, uapi
from pybpf.btf.kinds import Kind
from pybpf.errors import ProgramFaultError
from pybpf.helpers.map_image import MAP_STRUCTS
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.libbpf import bpf_map_lookup_elem, bpf_map_update_elem
from tests.btf.btfcases import I32, STRUCT, blob, member, t

pytestmark = pytest.mark.usefixtures("engine")

BTF_TYPES = I32 + t("s", STRUCT, 2, sot=8) + member("a", 1, 0) + member("b", 1, 32)
"""[1] int, [2] struct s { int a; int b; }: the key and value types of the maps created with BTF."""

COMMON = (
    "map_type", "key_size", "value_size", "max_entries", "map_extra", "map_flags", "id", "name",
    "numa_node", "btf_key_type_id", "btf_value_type_id", "btf_vmlinux_value_type_id",
)  # fmt: skip
"""``struct bpf_map`` members read from every map."""
NULL_WITHOUT_BTF = ("inner_map_meta", "btf", "record", "excl_prog_sha")
"""Pointer members read (as NULL or not) from a map created without BTF that is no map-in-map."""
TYPE_MEMBERS = {"bpf_array": ("elem_size", "index_mask"), "bpf_htab": ("n_buckets", "elem_size")}


@dataclass(frozen=True)
class Case:
    map_type: int
    key_size: int
    value_size: int
    max_entries: int
    flags: int = 0
    name: str = ""
    with_btf: bool = False
    map_extra: int = 0


CASES = {
    "array": Case(uapi.BPF_MAP_TYPE_ARRAY, 4, 12, 5, name="arr_twelve"),
    "array_one": Case(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, uapi.BPF_F_RDONLY_PROG),
    "array_btf": Case(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 33, name="with_btf", with_btf=True),
    "percpu_array": Case(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 20, 7),
    "prog_array": Case(uapi.BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 3),
    "hash": Case(uapi.BPF_MAP_TYPE_HASH, 8, 20, 5, uapi.BPF_F_NO_PREALLOC, name="a_hash_map_name"),
    "hash_btf": Case(uapi.BPF_MAP_TYPE_HASH, 4, 8, 1024, with_btf=True),
    "percpu_hash": Case(uapi.BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 3),
    "lru_hash": Case(uapi.BPF_MAP_TYPE_LRU_HASH, 16, 1, 100),
    "ringbuf": Case(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4096),
    "bloom_filter": Case(uapi.BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 10, map_extra=3),
    "queue": Case(uapi.BPF_MAP_TYPE_QUEUE, 0, 8, 6),
}


def _need_kernel_btf() -> None:
    if not kernel_btf().from_kernel:
        pytest.skip("the running kernel's BTF is not available: pybpf makes no map struct image")


def _member(struct_name: str, path: str) -> tuple[int, int]:
    """(offset, size) of member ``path`` of the running kernel's ``struct_name``."""
    btf = kernel_btf().btf
    type_id = next(i for i in btf.ids_by_name(struct_name) if btf[i].kind == Kind.STRUCT)
    found = btf.member_at(type_id, path)
    return found.bit_offset // 8, btf.size_of(found.type_id)


def _fields(case_struct: str, *, btf: bool, map_in_map: bool) -> list[tuple[str, str]]:
    """(label, member path in the map's struct) of every value the program reads."""
    paths = [(name, f"map.{name}") for name in (*COMMON, "sha")]  # (no map here is a frozen array)
    if not btf and not map_in_map:
        paths += [(name, f"map.{name}") for name in NULL_WITHOUT_BTF]
    elif btf and not map_in_map:
        paths.append(("inner_map_meta", "map.inner_map_meta"))
    paths += [(name, name) for name in TYPE_MEMBERS.get(case_struct, ())]
    return paths


def _reads(
    base: int, struct_name: str, fields: list[tuple[str, str]], first: int = 0, prefix: str = ""
) -> tuple[str, list[str]]:
    """Assembly reading ``fields`` of the struct in r``base`` into consecutive 8-byte slots of the
    output value (r8) from slot ``first`` on -- the name as two words, pointers as 0 or 1 -- and
    the label of each slot (``prefix`` before it)."""
    lines: list[str] = []
    labels: list[str] = []
    for label, path in fields:
        at, size = _member(struct_name, path)
        if label == "sha":  # 32 bytes: the first 8
            size = 8
        if label == "name":
            for half in range(2):
                lines += [
                    f"r1 = *(u64 *)(r{base} + {at + 8 * half})",
                    f"*(u64 *)(r8 + {8 * len(labels)}) = r1",
                ]
                labels.append(f"name{half}")
            continue
        width = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[size]
        lines.append(f"r1 = *({width} *)(r{base} + {at})")
        if size == 8 and label not in ("map_extra", "sha"):  # a pointer: NULL or not
            lines += ["r2 = 0", "if r1 == 0 goto +1", "r2 = 1", "r1 = r2"]
        lines.append(f"*(u64 *)(r8 + {8 * (first + len(labels))}) = r1")
        labels.append(prefix + label)
    return "\n".join(lines), labels


def _ops_comparisons(slot: int) -> tuple[str, list[str]]:
    """m->ops == same->ops and m->ops == other->ops, into slots ``slot`` and ``slot + 1``."""
    at, _ = _member("bpf_map", "ops")
    text = f"""
    r1 = map_fd(same)
    r1 = *(u64 *)(r1 + {at})
    r2 = map_fd(other)
    r2 = *(u64 *)(r2 + {at})
    r3 = *(u64 *)(r6 + {at})
    r4 = 0
    if r3 != r1 goto +1
    r4 = 1
    *(u64 *)(r8 + {8 * slot}) = r4
    r4 = 0
    if r3 != r2 goto +1
    r4 = 1
    *(u64 *)(r8 + {8 * (slot + 1)}) = r4
    """
    return text, ["same_ops", "other_ops"]


PROLOGUE = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(out)
    call bpf_map_lookup_elem
    if r0 == 0 goto end
    r8 = r0
    r6 = map_fd(m)
"""
END = """
end:
    r0 = 0
    exit
"""
OUT_SLOTS = 64
OUT = Case(uapi.BPF_MAP_TYPE_ARRAY, 4, 8 * OUT_SLOTS, 1)
"""The output array: one value of ``OUT_SLOTS`` 8-byte slots."""


def _load_btf(backend: Backend) -> int:
    raw = blob(BTF_TYPES)
    buf = ctypes.create_string_buffer(raw, len(raw))
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(buf), len(raw)
    return backend.bpf(uapi.BPF_BTF_LOAD, attr)


def _create(backend: Backend, case: Case, btf_fd: int = -1, inner_fd: int = 0) -> int:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size = case.map_type, case.key_size, case.value_size
    attr.max_entries, attr.map_flags, attr.map_extra = case.max_entries, case.flags, case.map_extra
    attr.map_name = case.name.encode()
    attr.inner_map_fd = inner_fd
    if case.with_btf:
        attr.btf_fd, attr.btf_key_type_id, attr.btf_value_type_id = btf_fd, 1, 2
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


def _map_id(backend: Backend, fd: int) -> int:
    info = uapi.bpf_map_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return int(info.id)


@contextlib.contextmanager
def _fds(backend: Backend) -> Iterator[list[int]]:
    fds: list[int] = []
    try:
        yield fds
    finally:
        for fd in fds:
            os.close(fd)


def _out(backend: Backend, text: str, maps: dict[str, int], out_fd: int) -> list[int]:
    with Program.load(text, "socket_filter", maps=maps, backend=backend) as program:
        assert program.run(bytes(64)).retval == 0
    value = bytearray(8 * OUT_SLOTS)
    bpf_map_lookup_elem(out_fd, struct.pack("<I", 0), value, backend=backend)
    return list(struct.unpack(f"<{OUT_SLOTS}Q", value))


def _labelled(words: list[int], labels: list[str], ids: dict[str, int]) -> dict[str, int]:
    """The output's slots by label; each ``ids`` entry (label -> map id) as whether it matched (each
    side compares with its own ids)."""
    answer = dict(zip(labels, words, strict=False))
    for label, map_id in ids.items():
        answer[label] = int(answer[label] == map_id)
    return answer


def _run_case(backend: Backend, case: Case) -> dict[str, int]:
    name = MAP_STRUCTS[case.map_type]
    reads, labels = _reads(6, name, _fields(name, btf=case.with_btf, map_in_map=False))
    ops, more = _ops_comparisons(len(labels))
    text = PROLOGUE + reads + ops + END
    other_type = (
        uapi.BPF_MAP_TYPE_HASH if case.map_type == uapi.BPF_MAP_TYPE_ARRAY else uapi.BPF_MAP_TYPE_ARRAY
    )
    with _fds(backend) as fds:
        btf_fd = _load_btf(backend) if case.with_btf else -1
        if btf_fd >= 0:
            fds.append(btf_fd)
        fds.append(m := _create(backend, case, btf_fd))
        fds.append(same := _create(backend, case, btf_fd))
        fds.append(other := _create(backend, Case(other_type, 4, 4, 2)))
        fds.append(out := _create(backend, OUT))
        words = _out(backend, text, {"m": m, "same": same, "other": other, "out": out}, out)
        return _labelled(words, labels + more, {"id": _map_id(backend, m)})


INNER = Case(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 3, name="inner")
MAP_IN_MAP = """
    r1 = r6
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto end
    r7 = r0
"""
"""The inner map at key 0 of the outer map (r6), in r7 (the key 0 is still at fp-4)."""


def _run_map_in_map(backend: Backend, case: Case) -> dict[str, int]:
    """An outer map's fields (not ``inner_map_meta``, a kernel pointer) and its inner map's, read
    through the pointer a lookup returned."""
    name = MAP_STRUCTS[case.map_type]
    outer, labels = _reads(6, name, _fields(name, btf=False, map_in_map=True))
    inner, inner_labels = _reads(
        7, "bpf_array", _fields("bpf_array", btf=False, map_in_map=False), len(labels), "inner_"
    )
    text = PROLOGUE + outer + MAP_IN_MAP + inner + END
    with _fds(backend) as fds:
        fds.append(template := _create(backend, INNER))
        fds.append(element := _create(backend, INNER))
        fds.append(m := _create(backend, case, inner_fd=template))
        bpf_map_update_elem(m, bytes(case.key_size), struct.pack("<I", element), 0, backend=backend)
        fds.append(out := _create(backend, OUT))
        words = _out(backend, text, {"m": m, "out": out}, out)
        ids = {"id": _map_id(backend, m), "inner_id": _map_id(backend, element)}
        return _labelled(words, labels + inner_labels, ids)


MAP_IN_MAP_CASES = {
    "array_of_maps": Case(uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, name="outer"),
    "hash_of_maps": Case(uapi.BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 8),
}


_KERNEL: dict[str, dict[str, int]] = {}
"""The kernel's answer of each case, asked once for all engines."""


def _both(name: str, run: Callable[[Backend, Case], dict[str, int]], case: Case) -> dict[str, int]:
    """pybpf's answer, after checking that it is the kernel's where bpf(2) works."""
    mine = run(UserBackend(), case)
    if kernel_bpf_available():
        if name not in _KERNEL:
            _KERNEL[name] = run(NativeBackend(), case)
        assert mine == _KERNEL[name]
    return mine


@pytest.mark.parametrize("name", sorted(CASES))
def test_map_struct_fields_read_as_on_the_kernel(name: str) -> None:
    _need_kernel_btf()
    case = CASES[name]
    answer = _both(name, _run_case, case)
    assert answer["map_type"] == case.map_type and answer["max_entries"] == case.max_entries
    assert answer["id"] == 1 and answer["same_ops"] == 1 and answer["other_ops"] == 0


@pytest.mark.parametrize("name", sorted(MAP_IN_MAP_CASES))
def test_inner_map_struct_read_through_the_lookups_pointer(name: str) -> None:
    _need_kernel_btf()
    case = MAP_IN_MAP_CASES[name]
    answer = _both(name, _run_map_in_map, case)
    assert answer["map_type"] == case.map_type and answer["id"] == answer["inner_id"] == 1
    assert (answer["inner_max_entries"], answer["inner_elem_size"], answer["inner_index_mask"]) == (3, 8, 3)


@pytest.mark.parametrize("what", ["ops_member", "frozen", "refcnt"])
def test_reads_of_what_user_space_cannot_know_stop_the_run(what: str) -> None:
    """A function pointer read through ``map->ops``, ``map->frozen`` (BPF_MAP_FREEZE may come after
    the image is made) and a reference count: the kernel reads its memory (the program goes on),
    pybpf stops the run (EFAULT, naming the opaque bytes) rather than answer a value it invented."""
    _need_kernel_btf()
    ops, _ = _member("bpf_map", "ops")
    reads = {
        "ops_member": f"r1 = *(u64 *)(r1 + {ops})\nr0 = *(u64 *)(r1 + 8)",
        "frozen": f"r0 = *(u8 *)(r1 + {_member('bpf_array', 'map.frozen')[0]})",
        "refcnt": f"r0 = *(u64 *)(r1 + {_member('bpf_array', 'map.refcnt')[0]})",
    }
    text = f"r1 = map_fd(m)\n{reads[what]}\nr0 = 0\nexit"
    case = Case(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 2)
    if kernel_bpf_available():
        native = NativeBackend()
        with _fds(native) as fds:
            fds.append(m := _create(native, case))
            with Program.load(text, "socket_filter", maps={"m": m}, backend=native) as program:
                assert program.run(bytes(64)).retval == 0
    mine = UserBackend()
    with _fds(mine) as fds:
        fds.append(m := _create(mine, case))
        with (
            Program.load(text, "socket_filter", maps={"m": m}, backend=mine) as program,
            pytest.raises(ProgramFaultError) as caught,
        ):
            program.run(bytes(64))
    assert caught.value.errno == errno.EFAULT
    assert "whose value user space cannot learn" in str(caught.value)


def test_hash_of_a_frozen_arrays_values_makes_its_sha_unknown() -> None:
    """6.18's ``map->sha`` is zero until BPF_OBJ_GET_INFO_BY_FD takes the SHA-256 of a frozen
    array's values and keeps it there: read before, it is 0 on both; after, the kernel's run reads
    the hash and pybpf's stops (``map_image.revise``: the bytes are unknown from then on)."""
    _need_kernel_btf()
    at, _ = _member("bpf_array", "map.sha")
    text = f"r1 = map_fd(m)\nr0 = *(u32 *)(r1 + {at})\nexit"
    case = Case(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 2)

    def freeze_and_hash(backend: Backend, fd: int) -> None:
        attr = uapi.bpf_attr()
        attr.map_fd = fd
        backend.bpf(uapi.BPF_MAP_FREEZE, attr)
        digest = ctypes.create_string_buffer(32)
        info = uapi.bpf_map_info()
        info.hash, info.hash_size = ctypes.addressof(digest), 32
        attr = uapi.bpf_attr()
        attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
        attr.info.info = ctypes.addressof(info)
        backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)

    backends: list[Backend] = [UserBackend()] + ([NativeBackend()] if kernel_bpf_available() else [])
    for backend in backends:
        with _fds(backend) as fds:
            fds.append(m := _create(backend, case))
            with Program.load(text, "socket_filter", maps={"m": m}, backend=backend) as program:
                assert program.run(bytes(64)).retval == 0
                freeze_and_hash(backend, m)
                if isinstance(backend, NativeBackend):
                    assert program.run(bytes(64)).retval != 0  # (a SHA-256's first word)
                    continue
                with pytest.raises(ProgramFaultError):
                    program.run(bytes(64))
