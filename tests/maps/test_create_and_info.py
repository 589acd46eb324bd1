"""BPF_MAP_CREATE and BPF_OBJ_GET_INFO_BY_FD for maps as Linux 6.18 answers them, on both backends.

* the stored flags: BPF_F_RDONLY / BPF_F_WRONLY only choose the fd's mode (``bpf_map_init_from_attr``);
* LRU maps with BPF_F_NO_COMMON_LRU round max_entries up to a multiple of the possible CPUs;
* ``map_alloc``'s refusals come before the name is checked;
* names: ``bpf_obj_name_cpy`` takes the kernel ctype table's alphanumerics (Latin-1 letters too);
* the newer create fields: ``excl_prog_hash`` / ``excl_prog_hash_size``, BPF_F_TOKEN_FD + ``map_token_fd``;
* the info struct is read from the caller first (what the kernel does not fill comes back as written),
  and ``hash`` / ``hash_size`` are inputs: a frozen array's values' SHA-256, else EINVAL / EPERM.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
from collections.abc import Iterator

import pytest

from pybpf import Map, uapi
from pybpf.kernel.backend import Backend
from pybpf.maps.percpu import possible_cpus
from pybpf.objects import accounting
from tests.maps.helpers import create, create_outcome, outcome

A, H, LRU = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_LRU_HASH
EINVAL, EPERM, EBADF, EFAULT = ("errno", 22), ("errno", 1), ("errno", 9), ("errno", 14)
E2BIG, ENOMEM = ("errno", 7), ("errno", 12)


def info(backend: Backend, fd: int, info_len: int | None = None, **fields: int) -> uapi.bpf_map_info:
    """BPF_OBJ_GET_INFO_BY_FD into a struct the caller pre-filled with ``fields``."""
    found = uapi.bpf_map_info()
    for name, value in fields.items():
        setattr(found, name, value)
    attr = uapi.bpf_attr()
    attr.info.bpf_fd = fd
    attr.info.info_len = ctypes.sizeof(found) if info_len is None else info_len
    attr.info.info = ctypes.addressof(found)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return found


@pytest.fixture
def array(backend: Backend) -> Iterator[Map]:
    m = Map.create(A, 4, 12, 3, backend=backend)
    m.update((1).to_bytes(4, "little"), b"hello world!")
    yield m
    m.close()


def freeze(m: Map) -> None:
    m.freeze()


# -- create ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("flags", "stored"),
    [
        (uapi.BPF_F_RDONLY, 0),
        (uapi.BPF_F_WRONLY, 0),
        (uapi.BPF_F_RDONLY | uapi.BPF_F_RDONLY_PROG, uapi.BPF_F_RDONLY_PROG),
        (
            uapi.BPF_F_WRONLY | uapi.BPF_F_WRONLY_PROG | uapi.BPF_F_MMAPABLE,
            uapi.BPF_F_WRONLY_PROG | uapi.BPF_F_MMAPABLE,
        ),
    ],
)
def test_info_keeps_only_the_permanent_flags(backend: Backend, flags: int, stored: int) -> None:
    fd = create(backend, A, 4, 8, 4, flags)
    try:
        assert info(backend, fd).map_flags == stored
    finally:
        os.close(fd)


def test_an_inner_map_created_read_only_matches_its_template(backend: Backend) -> None:
    """The template's and the inner map's stored flags agree once BPF_F_RDONLY is dropped."""
    template = create(backend, A, 4, 8, 1)
    inner = create(backend, A, 4, 8, 1, uapi.BPF_F_RDONLY)
    outer = create(backend, uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 1, inner_map_fd=template)
    try:
        key, value = ctypes.c_uint32(0), ctypes.c_uint32(inner)
        attr = uapi.bpf_attr()
        attr.map_fd, attr.key, attr.value = outer, ctypes.addressof(key), ctypes.addressof(value)
        assert outcome(lambda: backend.bpf(uapi.BPF_MAP_UPDATE_ELEM, attr)) == 0
    finally:
        for fd in (outer, inner, template):
            os.close(fd)


@pytest.mark.parametrize("max_entries", [1, 3, 4, 5, 100])
def test_no_common_lru_rounds_max_entries_up(
    backend: Backend, max_entries: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYBPF_NR_CPUS", raising=False)  # the kernel's possible CPUs on both sides
    cpus = possible_cpus()
    for map_type in (LRU, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH):
        fd = create(backend, map_type, 4, 8, max_entries, uapi.BPF_F_NO_COMMON_LRU)
        try:
            assert info(backend, fd).max_entries == -(-max_entries // cpus) * cpus
        finally:
            os.close(fd)
        fd = create(backend, map_type, 4, 8, max_entries)
        try:
            assert info(backend, fd).max_entries == max_entries
        finally:
            os.close(fd)


def test_map_alloc_refusals_come_before_the_name(backend: Backend) -> None:
    assert create_outcome(backend, H, 4, 8, 1 << 28, name=b"a-b") == E2BIG
    accounting.set_memory_limit(None)
    try:
        huge = (2 * accounting.total_ram() >> 32) // 8 * 8 + 8
        assert create_outcome(backend, A, 4, huge, 0xFFFFFFFF, name=b"a-b") == ENOMEM
    finally:
        accounting.set_memory_limit(None, reset=True)
    assert create_outcome(backend, H, 4, 8, 4, name=b"a-b") == EINVAL


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        (b"abc_.09XZ", True),
        (bytes([0xC0, 0xE9, 0xFF]), True),
        (bytes([0xDF, 0xD8, 0xF8, 0xD6, 0xF6]), True),
        (bytes([0xD7]), False),
        (bytes([0xF7]), False),
        (bytes([0xA0]), False),
        (bytes([0xAA]), False),
        (bytes([0xB5]), False),
        (bytes([0xBA]), False),
        (bytes([0x80]), False),
        (bytes([0x9F]), False),
        (b"a-b", False),
        (b"a b", False),
    ],
)
def test_names_follow_the_kernel_ctype_table(backend: Backend, name: bytes, accepted: bool) -> None:
    got = create_outcome(backend, A, 4, 8, 1, name=name)
    assert got == ("ok" if accepted else EINVAL)
    if accepted:
        m = Map(create(backend, A, 4, 8, 1, name=name), backend=backend)
        try:
            assert bytes(info(backend, m.fd).name).rstrip(b"\0") == name
            assert m.name == name.decode("latin-1")
        finally:
            m.close()


def test_excl_prog_hash_fields(backend: Backend) -> None:
    digest = ctypes.create_string_buffer(32)
    address = ctypes.addressof(digest)
    assert create_outcome(backend, A, 4, 8, 1, excl_prog_hash_size=32) == EINVAL
    assert create_outcome(backend, A, 4, 8, 1, excl_prog_hash=address, excl_prog_hash_size=31) == EINVAL
    assert create_outcome(backend, A, 4, 8, 1, excl_prog_hash=address, excl_prog_hash_size=32) == "ok"
    assert create_outcome(backend, A, 4, 8, 1, excl_prog_hash=8, excl_prog_hash_size=32) == EFAULT
    # after map_alloc: a size cap wins over a bad hash size, a bad name and the hash are both EINVAL
    assert create_outcome(backend, H, 4, 8, 1 << 28, excl_prog_hash=8, excl_prog_hash_size=31) == E2BIG


def test_token_fd(backend: Backend) -> None:
    read_end, write_end = os.pipe()
    os.close(write_end)
    closed = os.dup(read_end)
    os.close(closed)
    try:
        token = uapi.BPF_F_TOKEN_FD
        assert create_outcome(backend, A, 4, 8, 1, token, map_token_fd=closed) == EBADF
        assert create_outcome(backend, A, 4, 8, 1, token, map_token_fd=read_end) == EINVAL  # not a token
        assert create_outcome(backend, A, 4, 8, 1, 0, map_token_fd=closed) == "ok"  # no flag: ignored
        assert (
            create_outcome(backend, A, 4, 8, 1, token | uapi.BPF_F_NO_PREALLOC, map_token_fd=closed) == EINVAL
        )
        assert create_outcome(backend, A, 4, 8, 1, token, name=b"a-b", map_token_fd=closed) == EBADF
        assert create_outcome(backend, H, 4, 8, 1 << 28, token, map_token_fd=closed) == EBADF
    finally:
        os.close(read_end)


# -- info ------------------------------------------------------------------------------------------------
def test_info_fields_the_kernel_does_not_fill_come_back(backend: Backend, array: Map) -> None:
    written = {
        "ifindex": 7, "netns_dev": 9, "netns_ino": 11, "btf_id": 5, "btf_key_type_id": 4,
        "btf_value_type_id": 6, "btf_vmlinux_id": 3, "btf_vmlinux_value_type_id": 2,
    }  # fmt: skip
    got = info(backend, array.fd, **written)
    assert {name: getattr(got, name) for name in written} == {**written, "btf_vmlinux_value_type_id": 0}
    assert (got.type, got.key_size, got.value_size, got.max_entries) == (A, 4, 12, 3)


def test_info_hash_rules(backend: Backend, array: Map) -> None:
    digest = ctypes.create_string_buffer(32)
    address = ctypes.addressof(digest)
    assert outcome(lambda: info(backend, array.fd, hash=address, hash_size=32)) == EPERM  # not frozen
    assert outcome(lambda: info(backend, array.fd, hash_size=32)) == EINVAL
    assert outcome(lambda: info(backend, array.fd, hash=address, hash_size=20)) == EINVAL
    freeze(array)
    got = info(backend, array.fd, hash=address, hash_size=32)
    expected = hashlib.sha256(bytes(16) + b"hello world!" + bytes(4) + bytes(16)).digest()
    assert digest.raw == expected
    assert (got.hash, got.hash_size) == (address, 32)
    assert outcome(lambda: info(backend, array.fd, hash=8, hash_size=32)) == EFAULT
    short = ctypes.sizeof(uapi.bpf_map_info) - 16  # ends before hash: the pointer is not read
    assert outcome(lambda: info(backend, array.fd, info_len=short, hash=address, hash_size=32)) != EFAULT


@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size"),
    [(H, 4, 8), (uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8), (uapi.BPF_MAP_TYPE_QUEUE, 0, 8)],
)
def test_only_arrays_hash_their_values(
    backend: Backend, map_type: int, key_size: int, value_size: int
) -> None:
    digest = ctypes.create_string_buffer(32)
    fd = create(backend, map_type, key_size, value_size, 4)
    try:
        attr = uapi.bpf_attr()
        attr.map_fd = fd
        backend.bpf(uapi.BPF_MAP_FREEZE, attr)
        assert outcome(lambda: info(backend, fd, hash=ctypes.addressof(digest), hash_size=32)) == EINVAL
        assert outcome(lambda: info(backend, fd, hash=ctypes.addressof(digest), hash_size=3)) == EINVAL
    finally:
        os.close(fd)
