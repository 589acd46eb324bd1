"""``Map.mmap``: mapping a map's memory is refused as Linux 6.18's ``bpf_map_mmap`` refuses it.

On both backends: private mappings, mappings past the values, arrays without BPF_F_MMAPABLE,
writable mappings of frozen or BPF_F_RDONLY_PROG maps, read-only or write-only fds, map types that
cannot be mapped (ENOTSUPP), values holding a bpf_spin_lock, and the ring buffer's pages (only the
consumer page writable).  What ``Map.mmap`` returns shows the map's memory: writes through it are
seen by lookups.  (A pybpf map fd is a plain file, so ``mmap(2)`` of the fd itself maps the file
whatever the flags: ``Map.mmap`` is where the kernel's rules are applied.)
"""

from __future__ import annotations

import mmap
import os

import pytest

from pybpf import Map, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from tests.maps.test_btf_maps import _create, _load_btf

PAGE = mmap.PAGESIZE
RW, R, W = mmap.PROT_READ | mmap.PROT_WRITE, mmap.PROT_READ, mmap.PROT_WRITE
SHARED, PRIVATE = mmap.MAP_SHARED, mmap.MAP_PRIVATE
A, MMAPABLE = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_F_MMAPABLE
EINVAL, EPERM, EACCES, ENOTSUPP = 22, 1, 13, 524


def mapped(m: Map, length: int | None, offset: int = 0, prot: int = RW, flags: int = SHARED) -> int:
    """0 when the mapping is made (and then unmapped), else the errno."""
    try:
        area = m.mmap(length, offset, prot=prot, flags=flags)
    except BPFError as exc:
        return exc.errno or -1
    area.close()
    return 0


# (map flags, length, offset, prot, flags, errno) for an mmapable-or-not array of 1000 u64 (2 pages)
ARRAY_CASES = {
    "whole": (MMAPABLE, 2 * PAGE, 0, RW, SHARED, 0),
    "default_length": (MMAPABLE, None, 0, RW, SHARED, 0),
    "part_of_a_page": (MMAPABLE, 100, 0, RW, SHARED, 0),
    "second_page": (MMAPABLE, PAGE, PAGE, R, SHARED, 0),
    "past_the_values": (MMAPABLE, 3 * PAGE, 0, RW, SHARED, EINVAL),
    "offset_past": (MMAPABLE, PAGE, 2 * PAGE, R, SHARED, EINVAL),
    "offset_unaligned": (MMAPABLE, PAGE, 100, RW, SHARED, EINVAL),
    "zero_length": (MMAPABLE, 0, 0, R, SHARED, EINVAL),
    "private_read": (MMAPABLE, PAGE, 0, R, PRIVATE, EINVAL),
    "private_write": (MMAPABLE, PAGE, 0, RW, PRIVATE, EINVAL),
    "executable": (MMAPABLE, PAGE, 0, R | mmap.PROT_EXEC, SHARED, EPERM),
    "not_mmapable": (0, PAGE, 0, R, SHARED, EINVAL),
    "rdonly_prog_write": (MMAPABLE | uapi.BPF_F_RDONLY_PROG, PAGE, 0, RW, SHARED, EACCES),
    "rdonly_prog_read": (MMAPABLE | uapi.BPF_F_RDONLY_PROG, PAGE, 0, R, SHARED, 0),
    "rdonly_fd_write": (MMAPABLE | uapi.BPF_F_RDONLY, PAGE, 0, RW, SHARED, EACCES),
    "rdonly_fd_read": (MMAPABLE | uapi.BPF_F_RDONLY, PAGE, 0, R, SHARED, EINVAL),  # do_mmap drops VM_SHARED
    "rdonly_fd_private": (MMAPABLE | uapi.BPF_F_RDONLY, PAGE, 0, RW, PRIVATE, EINVAL),
    "wronly_fd_read": (MMAPABLE | uapi.BPF_F_WRONLY, PAGE, 0, R, SHARED, EACCES),
    "wronly_fd_write": (MMAPABLE | uapi.BPF_F_WRONLY, PAGE, 0, W, SHARED, EACCES),
}


@pytest.mark.parametrize("name", sorted(ARRAY_CASES))
def test_array_mappings(backend: Backend, name: str) -> None:
    map_flags, length, offset, prot, flags, expected = ARRAY_CASES[name]
    with Map.create(A, 4, 8, 1000, map_flags, backend=backend) as m:
        assert mapped(m, length, offset, prot, flags) == expected


def test_frozen_array(backend: Backend) -> None:
    with Map.create(A, 4, 8, 10, MMAPABLE, backend=backend) as m:
        m.freeze()
        assert mapped(m, PAGE, prot=RW) == EPERM
        assert mapped(m, PAGE, prot=R) == 0


def test_the_mapping_is_the_map(backend: Backend) -> None:
    with Map.create(A, 4, 8, 10, MMAPABLE, backend=backend, key_type=int, value_type=int) as m:
        area = m.mmap()
        try:
            area[8:16] = (0x1234).to_bytes(8, "little")
            m[3] = 99
            assert m[1] == 0x1234
            assert area[24:32] == (99).to_bytes(8, "little")
        finally:
            area.close()


@pytest.mark.parametrize(
    ("map_type", "key_size", "value_size"),
    [
        (uapi.BPF_MAP_TYPE_HASH, 4, 8),
        (uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8),
        (uapi.BPF_MAP_TYPE_QUEUE, 0, 8),
        (uapi.BPF_MAP_TYPE_LPM_TRIE, 8, 8),
    ],
)
def test_types_without_map_mmap(backend: Backend, map_type: int, key_size: int, value_size: int) -> None:
    flags = uapi.BPF_F_NO_PREALLOC if map_type == uapi.BPF_MAP_TYPE_LPM_TRIE else 0
    with Map.create(map_type, key_size, value_size, 4, flags, backend=backend) as m:
        assert mapped(m, PAGE, prot=R) == ENOTSUPP
        assert mapped(m, PAGE, prot=R, flags=PRIVATE) == ENOTSUPP  # before the shared check


def test_values_with_a_spin_lock_cannot_be_mapped(backend: Backend) -> None:
    btf = _load_btf(backend)
    try:
        fd = _create(backend, btf, (A, 4, 16, 4, MMAPABLE, 1, 3))
        with Map(fd, backend=backend) as m:
            assert mapped(m, PAGE, prot=R) == ENOTSUPP
    finally:
        os.close(btf)


RINGBUF_CASES = {
    "consumer_page_writable": (PAGE, 0, RW, SHARED, 0),
    "two_pages_writable": (2 * PAGE, 0, RW, SHARED, EPERM),
    "producer_page_writable": (PAGE, PAGE, RW, SHARED, EPERM),
    "producer_and_data": (PAGE + 8 * PAGE, PAGE, R, SHARED, 0),
    "past_the_data": (PAGE + 9 * PAGE, PAGE, R, SHARED, EINVAL),
    "everything": (10 * PAGE, 0, R, SHARED, 0),
    "private": (PAGE, 0, R, PRIVATE, EINVAL),
}


@pytest.mark.parametrize("name", sorted(RINGBUF_CASES))
def test_ring_buffer_mappings(backend: Backend, name: str) -> None:
    length, offset, prot, flags, expected = RINGBUF_CASES[name]
    with Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4 * PAGE, backend=backend) as m:
        assert mapped(m, length, offset, prot, flags) == expected


def test_default_length_is_for_arrays(backend: Backend) -> None:
    with Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 4 * PAGE, backend=backend) as m:
        assert mapped(m, None) == EINVAL
