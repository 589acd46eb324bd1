"""The bpf_map_elem iterator (kernel/bpf/map_iter.c, hashtab.c's and arraymap.c's iter_seq_info) on
pybpf: attaching to a map, the elements each program run sees and writes, against a Python model.

The recording kernel refuses every load of a bpf_map_elem program with EPERM
(tests/data/verifier_corpus/iter_map_elem.asm), so the iteration is checked against what Linux
6.18's source does: ``bpf_iter_attach_map`` (the map from ``iter_info.map.map_fd``: EBADF without
one, EINVAL for a map type without element iterator, EACCES when the program reaches more of the
key or value than the map has), the ctx's key (read-only) and value (the element itself, written in
place; a per-CPU map's a copy of every CPU's, whose writes are lost), the NULL key and value of the
call past the last element, and the link's info (``iter.map.map_id``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.iter_link import read_iter
from pybpf.libbpf import (
    ProgLoadOpts,
    bpf_map_create,
    bpf_map_lookup_elem,
    bpf_map_update_elem,
    bpf_prog_load,
)
from pybpf.maps.percpu import possible_cpus
from tests.verifier.verifier_corpus import attach_btf_id

pytestmark = pytest.mark.usefixtures("engine")

_END = 0x0A646E65  # "end\n"


def _dump(bump: int = 0, key_bytes: int = 4) -> str:
    """Writes each element's key (``key_bytes`` of it) and the value's first 8 bytes to the
    seq_file, adds ``bump`` to that u64, and "end\\n" for the call past the last element."""
    return f"""
    r6 = *(u64 *)(r1 + 0)
    r7 = *(u64 *)(r1 + 16)
    r8 = *(u64 *)(r1 + 24)
    r6 = *(u64 *)(r6 + 0)
    if r7 == 0 goto end
    if r8 == 0 goto end
    r1 = r6
    r2 = r7
    r3 = {key_bytes}
    call 127
    r1 = r6
    r2 = r8
    r3 = 8
    call 127
    r1 = *(u64 *)(r8 + 0)
    r1 += {bump}
    *(u64 *)(r8 + 0) = r1
    r0 = 0
    exit
end:
    r1 = {_END}
    *(u32 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 4
    call 127
    r0 = 0
    exit
"""


@pytest.fixture
def backend() -> UserBackend:
    return UserBackend()


@pytest.fixture
def load(backend: UserBackend) -> Iterator[list[int]]:
    """Load programs (their fds are closed at the end)."""
    fds: list[int] = []
    yield fds
    for fd in fds:
        os.close(fd)


def _load(backend: UserBackend, fds: list[int], text: str) -> int:
    code = encode_program(assemble(text, "kernel"))
    opts = ProgLoadOpts(
        expected_attach_type=uapi.BPF_TRACE_ITER, attach_btf_id=attach_btf_id("bpf_iter_bpf_map_elem")
    )
    fd = bpf_prog_load(
        uapi.BPF_PROG_TYPE_TRACING, "elems", "GPL", code, len(code) // 8, opts, backend=backend
    )
    fds.append(fd)
    return fd


def _attach(backend: UserBackend, prog_fd: int, map_fd: int | None, info_len: int = 0) -> int:
    info = uapi.bpf_iter_link_info()
    attr = uapi.bpf_attr()
    attr.link_create.prog_fd, attr.link_create.attach_type = prog_fd, uapi.BPF_TRACE_ITER
    if map_fd is not None:
        info.map.map_fd = map_fd
        attr.link_create.iter_info = ctypes.addressof(info)
        attr.link_create.iter_info_len = info_len or ctypes.sizeof(info)
    return backend.bpf(uapi.BPF_LINK_CREATE, attr)


def _errno(call: object) -> int:
    try:
        call()  # type: ignore[operator]
    except OSError as exc:
        return exc.errno or 0
    return 0


def _iterate(backend: UserBackend, link: int) -> tuple[bytes, int]:
    attr = uapi.bpf_attr()
    attr.iter_create.link_fd = link
    fd = backend.bpf(uapi.BPF_ITER_CREATE, attr)
    try:
        return read_iter(fd)
    finally:
        os.close(fd)


def _records(data: bytes, key_size: int = 4) -> list[tuple[bytes, int]]:
    """The (key, u64) records of a dump's output, which must end with "end\\n"."""
    assert data.endswith(b"end\n"), data
    body, size = data[:-4], key_size + 8
    assert len(body) % size == 0
    return [
        (body[i : i + key_size], struct.unpack_from("<Q", body, i + key_size)[0])
        for i in range(0, len(body), size)
    ]


def test_hash_map_elements_seen_and_written(backend: UserBackend, load: list[int]) -> None:
    model = {k: k * 1000 + 7 for k in (3, 11, 42, 99, 1000)}
    m = bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "vme_hash", 4, 16, 64, backend=backend)
    try:
        for k, v in model.items():
            bpf_map_update_elem(m, struct.pack("<I", k), struct.pack("<QQ", v, k), backend=backend)
        link = _attach(backend, _load(backend, load, _dump(bump=5)), m)
        data, err = _iterate(backend, link)
        assert err == 0
        seen = _records(data)
        assert sorted(seen) == sorted((struct.pack("<I", k), v) for k, v in model.items())  # each once
        data, err = _iterate(backend, link)  # the values were written in place
        assert sorted(_records(data)) == sorted((struct.pack("<I", k), v + 5) for k, v in model.items())
        for k, v in model.items():
            assert bpf_map_lookup_elem(m, struct.pack("<I", k), backend=backend) == struct.pack(
                "<QQ", v + 10, k
            )
        os.close(link)
    finally:
        os.close(m)


def test_array_elements_in_index_order(backend: UserBackend, load: list[int]) -> None:
    m = bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "vme_array", 4, 8, 5, backend=backend)
    try:
        bpf_map_update_elem(m, struct.pack("<I", 2), struct.pack("<Q", 77), backend=backend)
        link = _attach(backend, _load(backend, load, _dump(bump=1)), m)
        data, err = _iterate(backend, link)
        assert err == 0
        assert _records(data) == [(struct.pack("<I", i), 77 if i == 2 else 0) for i in range(5)]
        assert bpf_map_lookup_elem(m, struct.pack("<I", 4), backend=backend) == struct.pack("<Q", 1)
        os.close(link)
    finally:
        os.close(m)


def test_empty_map_only_the_end(backend: UserBackend, load: list[int]) -> None:
    m = bpf_map_create(uapi.BPF_MAP_TYPE_LRU_HASH, "vme_lru", 4, 8, 16, backend=backend)
    try:
        link = _attach(backend, _load(backend, load, _dump()), m)
        assert _iterate(backend, link) == (b"end\n", 0)
        os.close(link)
    finally:
        os.close(m)


def test_per_cpu_values_are_a_copy(backend: UserBackend, load: list[int]) -> None:
    """Every possible CPU's value, 8-byte rounded, one after the other; writes do not reach the map."""
    cpus = possible_cpus()
    m = bpf_map_create(uapi.BPF_MAP_TYPE_PERCPU_HASH, "vme_pcpu", 4, 4, 8, backend=backend)
    try:
        per_cpu = b"".join(struct.pack("<I", 100 + cpu).ljust(8, b"\0") for cpu in range(cpus))
        bpf_map_update_elem(m, struct.pack("<I", 9), per_cpu, backend=backend)
        link = _attach(backend, _load(backend, load, _dump(bump=3)), m)
        assert _records(_iterate(backend, link)[0]) == [(struct.pack("<I", 9), 100)]
        assert _records(_iterate(backend, link)[0]) == [(struct.pack("<I", 9), 100)]
        assert bpf_map_lookup_elem(m, struct.pack("<I", 9), backend=backend) == per_cpu
        os.close(link)
    finally:
        os.close(m)


def test_attach_checks_the_map(backend: UserBackend, load: list[int]) -> None:
    prog = _load(backend, load, _dump())  # reaches 4 bytes of key, 8 of value
    small = bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "vme_small", 4, 4, 4, backend=backend)
    short_key = bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "vme_short", 2, 8, 4, backend=backend)
    ring = bpf_map_create(uapi.BPF_MAP_TYPE_RINGBUF, "vme_ring", 0, 0, 4096, backend=backend)
    fine = bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "vme_fine", 4, 8, 1, backend=backend)
    try:
        assert _errno(lambda: _attach(backend, prog, None)) == errno.EBADF  # no iter_info: map_fd 0
        assert _errno(lambda: _attach(backend, prog, 0)) == errno.EBADF
        assert _errno(lambda: _attach(backend, prog, 9999)) == errno.EBADF
        assert _errno(lambda: _attach(backend, prog, 0xFFFFFFFF)) == errno.EBADF
        assert _errno(lambda: _attach(backend, prog, prog)) == errno.EINVAL  # not a map
        assert _errno(lambda: _attach(backend, prog, ring)) == errno.EINVAL
        assert _errno(lambda: _attach(backend, prog, small)) == errno.EACCES  # value: 8 > 4
        assert _errno(lambda: _attach(backend, prog, short_key)) == errno.EACCES  # key: 4 > 2
        link = _attach(backend, prog, fine, info_len=4)  # a short iter_info holds map_fd
        info = uapi.bpf_link_info()
        attr = uapi.bpf_attr()
        attr.info.bpf_fd, attr.info.info_len, attr.info.info = (
            link,
            ctypes.sizeof(info),
            ctypes.addressof(info),
        )
        backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        fine_id = uapi.bpf_map_info()
        attr.info.bpf_fd, attr.info.info_len, attr.info.info = (
            fine,
            ctypes.sizeof(fine_id),
            ctypes.addressof(fine_id),
        )
        backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
        assert (info.type, info.iter.map.map_id) == (uapi.BPF_LINK_TYPE_ITER, fine_id.id)
        os.close(fine)  # the link holds the map
        fine = -1
        assert _records(_iterate(backend, link)[0]) == [(struct.pack("<I", 0), 0)]
        os.close(link)
    finally:
        for fd in (small, short_key, ring, fine):
            if fd >= 0:
                os.close(fd)


def test_wider_access_needs_a_wider_map(backend: UserBackend, load: list[int]) -> None:
    """max_rdonly_access counts the key bytes a helper reads too: an 8-byte key dump fits only a map
    whose keys have 8 bytes."""
    prog = _load(backend, load, _dump(key_bytes=8))
    narrow = bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "vme_narrow", 4, 8, 4, backend=backend)
    wide = bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "vme_wide", 8, 8, 4, backend=backend)
    try:
        assert _errno(lambda: _attach(backend, prog, narrow)) == errno.EACCES
        bpf_map_update_elem(wide, struct.pack("<Q", 1 << 40), struct.pack("<Q", 5), backend=backend)
        link = _attach(backend, prog, wide)
        assert _records(_iterate(backend, link)[0], key_size=8) == [(struct.pack("<Q", 1 << 40), 5)]
        os.close(link)
    finally:
        os.close(narrow)
        os.close(wide)


@pytest.mark.parametrize(
    ("map_type", "percpu"),
    [(uapi.BPF_MAP_TYPE_LRU_HASH, False), (uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, True),
     (uapi.BPF_MAP_TYPE_PERCPU_ARRAY, True)],
)  # fmt: skip
def test_other_map_types(backend: UserBackend, load: list[int], map_type: int, percpu: bool) -> None:
    """LRU hash maps like hash maps (their recency untouched), per-CPU arrays index by index."""
    cpus = possible_cpus() if percpu else 1
    m = bpf_map_create(map_type, "vme_other", 4, 8, 4, backend=backend)
    try:
        model = {k: 50 + k for k in (0, 2, 3)}
        for k, v in model.items():
            bpf_map_update_elem(m, struct.pack("<I", k), struct.pack("<Q", v) * cpus, backend=backend)
        link = _attach(backend, _load(backend, load, _dump(bump=1)), m)
        seen = _records(_iterate(backend, link)[0])
        if map_type == uapi.BPF_MAP_TYPE_PERCPU_ARRAY:
            assert seen == [(struct.pack("<I", k), model.get(k, 0)) for k in range(4)]
        else:
            assert sorted(seen) == sorted((struct.pack("<I", k), v) for k, v in model.items())
        for k, v in model.items():  # written in place unless per-CPU (a copy)
            now = struct.unpack_from("<Q", bpf_map_lookup_elem(m, struct.pack("<I", k), backend=backend))[0]
            assert now == (v if percpu else v + 1)
        os.close(link)
    finally:
        os.close(m)
