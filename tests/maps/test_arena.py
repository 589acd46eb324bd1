"""BPF_MAP_TYPE_ARENA from user space: creation, element commands, mapping, and the page allocator.

The expectations are the kernel's (Linux 6.18, kernel/bpf/arena.c and range_tree.c) and run on both
backends; the kernel this suite runs on refuses every arena with EPERM (a security policy of this
machine), so there the kernel's side is skipped, as it is wherever bpf(2) is unavailable.  The page
allocator's order (best fit, last changed first) is checked on pybpf's ``ArenaMap`` directly.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
from collections.abc import Iterator

import pytest

from pybpf import Map, uapi
from pybpf.kernel.backend import Backend
from pybpf.maps.arena import ArenaMap
from pybpf.maps.object import MapObject

from .helpers import create, create_outcome, delete, elem, lookup, next_key, update

ARENA = uapi.BPF_MAP_TYPE_ARENA
M = uapi.BPF_F_MMAPABLE
PAGE = mmap.PAGESIZE
MAP_FIXED = 0x10
EINVAL = ("errno", errno.EINVAL)
FIXED = 1 << 32  # a user address no mapping of the test process is at


def _arena_or_skip(backend: Backend) -> None:
    if backend.name != "user" and create_outcome(backend, ARENA, 0, 0, 1, M) == ("errno", errno.EPERM):
        pytest.skip("this kernel refuses arenas (EPERM)")


@pytest.fixture
def arena_backend(backend: Backend) -> Backend:
    _arena_or_skip(backend)
    return backend


@pytest.mark.parametrize(
    ("key", "value", "entries", "flags", "extra", "expected"),
    [
        (0, 0, 1, M, 0, "ok"),
        (0, 0, 1, 0, 0, EINVAL),  # BPF_F_MMAPABLE is required
        (4, 0, 1, M, 0, EINVAL),
        (0, 8, 1, M, 0, EINVAL),
        (0, 0, 0, M, 0, EINVAL),
        (0, 0, 1, M | uapi.BPF_F_SEGV_ON_FAULT | uapi.BPF_F_NO_USER_CONV, 0, "ok"),
        (0, 0, 1, M | uapi.BPF_F_NUMA_NODE, 0, EINVAL),
        (0, 0, 1, M | uapi.BPF_F_RDONLY_PROG, 0, EINVAL),
        (0, 0, 1, M | uapi.BPF_F_NO_PREALLOC, 0, EINVAL),
        (0, 0, 1 << 20, M, 0, "ok"),  # 4 GiB
        (0, 0, (1 << 20) + 1, M, 0, ("errno", errno.E2BIG)),
        (0, 0, 1, M, 1 << 32, "ok"),
        (0, 0, 1, M, 0x1001, EINVAL),  # map_extra must be page aligned
        (0, 0, 2, M, (1 << 32) - PAGE, ("errno", errno.ERANGE)),  # crosses a 4 GiB boundary
        (0, 0, 1, M, (1 << 32) - PAGE, "ok"),
    ],
)
def test_create(  # noqa: PLR0917
    arena_backend: Backend, key: int, value: int, entries: int, flags: int, extra: int, expected: object
) -> None:
    assert create_outcome(arena_backend, ARENA, key, value, entries, flags, map_extra=extra) == expected


def test_element_commands(arena_backend: Backend) -> None:
    """lookup EINVAL, update / delete / get_next_key EOPNOTSUPP (a key pointer: EINVAL, key_size 0)."""
    backend = arena_backend
    fd = create(backend, ARENA, 0, 0, 4, M)
    try:
        eopnotsupp = ("errno", errno.EOPNOTSUPP)
        assert lookup(backend, fd, b"", 8) == EINVAL  # (a non-NULL key pointer)
        assert elem(backend, uapi.BPF_MAP_LOOKUP_ELEM, fd, None, value_size=8) == EINVAL
        assert elem(backend, uapi.BPF_MAP_UPDATE_ELEM, fd, None, b"") == eopnotsupp
        assert elem(backend, uapi.BPF_MAP_DELETE_ELEM, fd, None) == eopnotsupp
        assert next_key(backend, fd, None, 0) == eopnotsupp
        assert update(backend, fd, b"\0", b"") == EINVAL
        assert delete(backend, fd, b"\0") == EINVAL
        lookup_and_delete = elem(backend, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, None, value_size=8)
        assert lookup_and_delete == ("errno", uapi.ENOTSUPP)
    finally:
        os.close(fd)


@pytest.fixture
def arena(arena_backend: Backend) -> Iterator[Map]:
    with Map.create(ARENA, 0, 0, 4, M, backend=arena_backend) as created:
        yield created


def test_first_mapping_fixes_the_address(arena: Map) -> None:
    """``arena_map_mmap``: the first mapping picks the address (its range within one 4 GiB), a later
    one at another address or of another size is EBUSY; the same address and size is fine."""
    shared_rw = mmap.MAP_SHARED
    with arena.map_arena(flags=shared_rw) as first:
        assert first.address >> 32 == (first.address + 4 * PAGE - 1) >> 32
        with arena.map_arena(address=first.address, flags=shared_rw | MAP_FIXED) as second:
            assert first.view is not None and second.view is not None
            first.view[5] = 0x5A
            assert second.view[5] == 0x5A
        with pytest.raises(OSError) as refused:  # another size: arena_get_unmapped_area
            arena.map_arena(2 * PAGE, first.address, flags=shared_rw | MAP_FIXED)
        assert refused.value.errno == errno.EINVAL
        with pytest.raises(OSError) as refused:
            arena.map_arena(8 * PAGE, first.address, flags=shared_rw | MAP_FIXED)
        assert refused.value.errno == errno.E2BIG
        with pytest.raises(OSError) as refused:  # another address
            arena.map_arena(address=first.address + (1 << 32), flags=shared_rw | MAP_FIXED)
        assert refused.value.errno == errno.EINVAL


def test_map_extra_is_the_address(arena_backend: Backend) -> None:
    with Map.create(ARENA, 0, 0, 2, M, map_extra=FIXED, backend=arena_backend) as arena:
        with pytest.raises(OSError) as refused:  # not where map_extra says
            arena.map_arena(flags=mmap.MAP_SHARED)
        assert refused.value.errno == errno.EINVAL
        with arena.map_arena(address=FIXED, flags=mmap.MAP_SHARED | MAP_FIXED) as mapping:
            assert mapping.address == FIXED


@pytest.mark.parametrize(
    ("prot", "flags", "offset", "expected"),
    [
        (mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE, 0, errno.EINVAL),
        (mmap.PROT_READ, mmap.MAP_SHARED, PAGE, errno.EINVAL),
    ],
)
def test_mapping_refusals(arena: Map, prot: int, flags: int, offset: int, expected: int) -> None:
    if arena.backend.name != "user":
        pytest.skip("pybpf's own mmap path (the kernel's refusals are the same, asked through mmap(2))")
    from pybpf.maps.arena_mapping import arena_mmap

    with pytest.raises(OSError) as refused:
        arena_mmap(arena.fd, 4 * PAGE, prot=prot, flags=flags, offset=offset)
    assert refused.value.errno == expected


def test_frozen_arena_maps_read_only(arena: Map) -> None:
    arena.freeze()
    with pytest.raises(OSError) as refused:
        arena.map_arena(flags=mmap.MAP_SHARED)
    assert refused.value.errno == errno.EPERM
    with arena.map_arena(prot=mmap.PROT_READ, flags=mmap.MAP_SHARED) as mapping:
        assert mapping.view is not None and mapping.view[0] == 0


# -- the page allocator (pybpf's ArenaMap: the bodies of the arena kfuncs) --------------------------
@pytest.fixture
def pages() -> Iterator[tuple[MapObject, ArenaMap]]:
    """A user-backend arena of 8 pages mapped at ``FIXED``."""
    arena = Map.create(ARENA, 0, 0, 8, M, map_extra=FIXED)
    with arena, arena.map_arena(address=FIXED, flags=mmap.MAP_SHARED | MAP_FIXED):
        obj = MapObject.from_fd(arena.fd)
        assert isinstance(obj.impl, ArenaMap)
        yield obj, obj.impl


def test_alloc_is_best_fit_and_free_merges(pages: tuple[MapObject, ArenaMap]) -> None:
    obj, impl = pages
    with obj.lock:
        assert impl.alloc_pages(0, 1) == FIXED  # the one free run: its start
        assert impl.alloc_pages(FIXED + 3 * PAGE, 2) == FIXED + 3 * PAGE  # at an address
        # free runs now: [1, 2] and [5, 7]: two pages fit best at 1
        assert impl.alloc_pages(0, 2) == FIXED + PAGE
        assert impl.alloc_pages(0, 4) == 0  # no run of four
        assert impl.alloc_pages(FIXED + 3 * PAGE, 1) == 0  # taken
        assert impl.alloc_pages(FIXED + 7 * PAGE, 2) == 0  # past the end
        assert impl.alloc_pages(FIXED + 1, 1) == 0  # not page aligned
        impl.free_pages(FIXED + PAGE + 123, 2)  # the low 32 bits, page aligned
        impl.free_pages(FIXED + 3 * PAGE, 2)
        assert impl.alloc_pages(0, 7) == FIXED + PAGE  # [1, 7]: merged
        assert impl.alloc_pages(0, 9) == 0


def test_equal_runs_the_last_changed_first(pages: tuple[MapObject, ArenaMap]) -> None:
    obj, impl = pages
    with obj.lock:
        for page in range(8):
            assert impl.alloc_pages(FIXED + page * PAGE, 1) == FIXED + page * PAGE
        impl.free_pages(FIXED + 5 * PAGE, 1)
        impl.free_pages(FIXED + 2 * PAGE, 1)
        assert impl.alloc_pages(0, 1) == FIXED + 2 * PAGE  # the run made last
        assert impl.alloc_pages(0, 1) == FIXED + 5 * PAGE


def test_reserve(pages: tuple[MapObject, ArenaMap]) -> None:
    obj, impl = pages
    with obj.lock:
        assert impl.reserve_pages(FIXED, 2) == 0
        assert impl.reserve_pages(FIXED + PAGE, 1) == -errno.EALREADY
        assert impl.reserve_pages(FIXED + 7 * PAGE, 2) == -errno.EINVAL
        assert impl.reserve_pages(FIXED + 1, 1) == 0  # unaligned: nothing done
        assert impl.alloc_pages(0, 1) == FIXED + 2 * PAGE  # reserved pages are never handed out
        assert impl.program_offset(0, 8) is None  # reserved: no memory
        impl.free_pages(FIXED, 2)  # freeing a reservation gives the pages back
        assert impl.alloc_pages(FIXED, 2) == FIXED


def test_pages_a_user_touched_are_taken(pages: tuple[MapObject, ArenaMap]) -> None:
    """``arena_vm_fault``: a page user space touches gets memory and leaves the free runs; freeing it
    takes it from every mapping (touched again, it is a fresh zero page)."""
    obj, impl = pages
    view = memoryview((ctypes.c_char * (8 * PAGE)).from_address(FIXED)).cast("B")
    try:
        view[PAGE + 8] = 0x77
        assert impl.program_offset(PAGE + 8, 1) is not None  # a program sees it at once
        with obj.lock:
            impl.sync_user_faults()
            assert impl.alloc_pages(FIXED + PAGE, 1) == 0
            assert impl.alloc_pages(0, 1) == FIXED
            impl.free_pages(FIXED + PAGE, 1)
        assert impl.program_offset(PAGE + 8, 1) is None
        assert view[PAGE + 8] == 0
    finally:
        view.release()


def test_corrupted_free_runs_are_euclean(pages: tuple[MapObject, ArenaMap]) -> None:
    """The free runs live in shared memory: out of order, past the end or too many, the allocator
    answers EUCLEAN ("structure needs cleaning"), never a wrong page."""
    obj, impl = pages
    header = bytes(impl.mem[:24])
    for bad in (
        header[:16] + (10**6).to_bytes(4, "little") + header[20:],  # more runs than can exist
        None,  # a run past the arena's end
    ):
        if bad is None:
            impl.mem[64 + 4 : 64 + 8] = (99).to_bytes(4, "little")  # run 0's last page: 99
        else:
            impl.mem[:24] = bad
        with obj.lock, pytest.raises(OSError) as refused:
            impl.alloc_pages(0, 1)
        assert refused.value.errno == errno.EUCLEAN
        impl.mem[:24] = header
        impl.mem[64 + 4 : 64 + 8] = (7).to_bytes(4, "little")
    with obj.lock:
        assert impl.alloc_pages(0, 1) == FIXED  # repaired by hand: as before
