"""Programs that use an arena, run: the arena kfuncs, arena loads and stores, and a clang-built object.

The kernel's answers (Linux 6.18, kernel/bpf/arena.c and the JIT's ``BPF_PROBE_MEM32`` exception
handling): a page a program allocates is zeroed and seen by user space through its mapping at the
same offset; a load where no page is reads 0 and a store there is dropped; a freed page reads 0
again.  The arena kfuncs given another map do nothing (NULL, -EINVAL).  The kernel this suite runs
on refuses every arena (EPERM) and every call of the arena kfuncs ("calling kernel function ... is
not allowed"), so everything here skips there; pybpf follows kernel/bpf/arena.c.  These
run on the default engine (the JIT); ``tests/jit/test_arena_on_jit.py`` runs them on both engines.
"""

from __future__ import annotations

import errno
import mmap
import os
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from pybpf import Map, Program, uapi
from pybpf.kernel.backend import Backend
from pybpf.maps.arena_mapping import ArenaMapping
from pybpf.object import load_object
from tests.verifier.verifier_corpus import resolve_kfuncs

ARENA = uapi.BPF_MAP_TYPE_ARENA
PAGE = mmap.PAGESIZE
ADDRESS = 1 << 33  # the arenas' user address (map_extra): nothing of the test process is there
MAP_FIXED = 0x10
ARENA_LIST = Path(__file__).parent.parent / "data" / "c" / "arena_list.o"
U64 = (1 << 64) - 1


def _cast_kern(dst: int, src: int) -> str:
    """``rDST = addr_space_cast(rSRC, 0, 1)`` (the assembler has no syntax for it)."""
    return f".insn 0xbf, {dst}, {src}, 1, 1"


def _load(source: str, backend: Backend, maps: dict[str, int]) -> Program:
    try:
        return Program.load(
            resolve_kfuncs(source), "syscall", maps=maps, prog_flags=uapi.BPF_F_SLEEPABLE, backend=backend
        )
    except OSError as exc:
        if exc.errno == errno.EACCES and backend.name != "user" and "is not allowed" in str(exc):
            pytest.skip("this kernel does not let programs call the arena kfuncs")
        raise


@pytest.fixture
def arena(backend: Backend) -> Iterator[tuple[Map, ArenaMapping]]:
    try:
        created = Map.create(ARENA, 0, 0, 4, uapi.BPF_F_MMAPABLE, map_extra=ADDRESS, backend=backend)
    except OSError as exc:
        if exc.errno == errno.EPERM and backend.name != "user":
            pytest.skip("this kernel refuses arenas (EPERM)")
        raise
    with created, created.map_arena(address=ADDRESS, flags=mmap.MAP_SHARED | MAP_FIXED) as mapping:
        yield created, mapping


ALLOC = """
    r1 = map_fd(a) ll
    r2 = 0
    r3 = {pages}
    r4 = -1
    r5 = 0
    call kfunc(bpf_arena_alloc_pages)
"""


def test_program_writes_what_user_space_reads(arena: tuple[Map, ArenaMapping], backend: Backend) -> None:
    """A page allocated and written by the program; the page after it (never allocated) drops the
    store and reads 0; the program returns what it read back (r0: the low 32 bits)."""
    arena_map, mapping = arena
    source = (
        ALLOC.format(pages=1)
        + f"""
    if r0 == 0 goto out
    {_cast_kern(1, 0)}
    r2 = 0x1234
    *(u64 *)(r1 + 8) = r2
    *(u32 *)(r1 + {PAGE + 16}) = r2
    r3 = *(u64 *)(r1 + 8)
    r4 = *(u32 *)(r1 + {PAGE + 16})
    r0 = r3
    r0 += r4
out:
    exit
"""
    )
    with _load(source, backend, {"a": arena_map.fd}) as program:
        assert program.run().retval == 0x1234
    assert mapping.view is not None
    assert struct.unpack_from("<Q", mapping.view, 8)[0] == 0x1234


def test_program_reads_what_user_space_wrote(arena: tuple[Map, ArenaMapping], backend: Backend) -> None:
    """User space touches page 2 (it gets memory); the program reads it through the arena pointer
    the lddw of the arena's "value" gives (its user address, cast)."""
    arena_map, mapping = arena
    assert mapping.view is not None
    struct.pack_into("<I", mapping.view, 2 * PAGE + 4, 0xBEEF)
    source = f"""
    r1 = map_value(a, {2 * PAGE})
    {_cast_kern(1, 1)}
    r0 = *(u32 *)(r1 + 4)
    exit
"""
    with _load(source, backend, {"a": arena_map.fd}) as program:
        assert program.run().retval == 0xBEEF


def test_free_and_reserve(arena: tuple[Map, ArenaMapping], backend: Backend) -> None:
    """Two pages allocated, written, then the first freed: it reads 0; reserving a taken page is
    -EALREADY, a free one 0, past the arena -EINVAL; a reserved page is never allocated.  The free
    runs are then [0] (made by the free) and [3] (what the reservation of 2 left, made last): an
    allocation of one page takes the run changed last, page 3."""
    arena_map, mapping = arena
    source = (
        ALLOC.format(pages=2)
        + f"""
    if r0 == 0 goto out
    r6 = r0
    {_cast_kern(7, 0)}
    r1 = 7
    *(u64 *)(r7 + 0) = r1
    *(u64 *)(r7 + {PAGE}) = r1
    r1 = map_fd(a) ll
    r2 = r6
    r3 = 1
    call kfunc(bpf_arena_free_pages)
    r8 = *(u64 *)(r7 + 0)
    r9 = *(u64 *)(r7 + {PAGE})
    r1 = map_fd(a) ll
    r2 = r6
    r2 += {PAGE}
    r3 = 1
    call kfunc(bpf_arena_reserve_pages)
    *(u32 *)(r7 + {PAGE + 16}) = r0
    r1 = map_fd(a) ll
    r2 = r6
    r2 += {2 * PAGE}
    r3 = 1
    call kfunc(bpf_arena_reserve_pages)
    *(u32 *)(r7 + {PAGE + 20}) = r0
    r1 = map_fd(a) ll
    r2 = r6
    r2 += {3 * PAGE}
    r3 = 2
    call kfunc(bpf_arena_reserve_pages)
    *(u32 *)(r7 + {PAGE + 24}) = r0
    r1 = map_fd(a) ll
    r2 = 0
    r3 = 1
    r4 = -1
    r5 = 0
    call kfunc(bpf_arena_alloc_pages)
    r0 -= r6
    r0 >>= 12
    r0 <<= 4
    r0 |= r8
    r0 <<= 4
    r0 |= r9
    exit
out:
    r0 = -1
    exit
"""
    )
    with _load(source, backend, {"a": arena_map.fd}) as program:
        assert program.run().retval == (3 << 8) | (0 << 4) | 7
    assert mapping.view is not None
    assert struct.unpack_from("<Q", mapping.view, PAGE)[0] == 7
    assert struct.unpack_from("<iii", mapping.view, PAGE + 16) == (-errno.EALREADY, 0, -errno.EINVAL)
    assert struct.unpack_from("<Q", mapping.view, 0)[0] == 0  # the freed page


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("r2 = 0\nr3 = 1\nr4 = -1\nr5 = 0\ncall kfunc(bpf_arena_alloc_pages)", 0),
        ("r2 = 4096\nr3 = 1\ncall kfunc(bpf_arena_free_pages)", 0),
        ("r2 = 4096\nr3 = 1\ncall kfunc(bpf_arena_reserve_pages)", -errno.EINVAL & 0xFFFFFFFF),
    ],
)
def test_kfuncs_on_another_map(backend: Backend, call: str, expected: int) -> None:
    """The kfuncs check the map's type at run time: given an array, NULL / nothing / -EINVAL."""
    with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend) as array:
        result = "r0 = 0" if "free" in call else "r0 = r0"  # (free returns nothing)
        source = f"r1 = map_fd(a) ll\n{call}\n{result}\nexit"
        with _load(source, backend, {"a": array.fd}) as program:
            assert program.run().retval == expected


def test_arena_list_object(backend: Backend) -> None:
    """arena_list.c: the __arena globals at the arena's end (``magic`` initialised), nodes allocated and
    linked by one program, summed by another, their page freed by a third."""
    try:
        obj = load_object(ARENA_LIST, backend=backend)
    except OSError as exc:
        if exc.errno == errno.EPERM and backend.name != "user":
            pytest.skip("this kernel refuses arenas (EPERM)")
        raise
    with obj:
        names = ("arena_list_add", "arena_list_sum", "arena_list_free")
        add, total, free = (obj.programs[name] for name in names)
        bss = obj.maps[".bss"]
        assert obj.maps["arena"].map_type == ARENA
        assert add.run().retval == 0
        assert add.run().retval == 0
        assert total.run().retval == 0  # magic == 0x5eed: the initialised __arena variable
        head, total_sum, count = struct.unpack_from("<QQQ", bytes(bss.lookup(0)))
        assert (total_sum, count) == (12, 6)
        assert obj.loaded is not None
        mapping = obj.loaded.arenas["arena"]  # the loader's (libbpf's map->mmaped)
        assert mapping.view is not None
        assert mapping.address <= head < mapping.address + 16 * PAGE
        node = head - mapping.address
        assert struct.unpack_from("<QQ", mapping.view, node)[1] == 3  # the last node added: value 3
        data = 15 * PAGE  # .addr_space.1 (16 bytes) on the arena's last page: magic, added
        assert struct.unpack_from("<QQ", mapping.view, data) == (0x5EED, 6)
        assert free.run().retval == 0
        assert total.run().retval == 0
        assert struct.unpack_from("<QQQ", bytes(bss.lookup(0))) == (0, 0, 0)


def test_atomics_on_arena_memory(arena: tuple[Map, ArenaMapping], backend: Backend) -> None:
    """BPF_PROBE_ATOMIC: an atomic add and a fetching add on an allocated page; on a page never
    allocated nothing is written and the fetch reads 0."""
    arena_map, mapping = arena
    source = (
        ALLOC.format(pages=1)
        + f"""
    if r0 == 0 goto out
    {_cast_kern(1, 0)}
    r2 = 5
    lock *(u64 *)(r1 + 8) += r2
    r2 = 7
    r2 = atomic_fetch_add((u64 *)(r1 + 8), r2)
    r3 = 9
    r3 = atomic_fetch_add((u64 *)(r1 + {PAGE + 8}), r3)
    r0 = r2
    r0 <<= 8
    r0 |= r3
out:
    exit
"""
    )
    with _load(source, backend, {"a": arena_map.fd}) as program:
        assert program.run().retval == 5 << 8
    assert mapping.view is not None
    assert struct.unpack_from("<Q", mapping.view, 8)[0] == 12


def test_another_process_sees_the_pages(arena: tuple[Map, ArenaMapping], backend: Backend) -> None:
    """A program run in a child process allocates and writes a page; the parent's mapping shows it
    and a program run in the parent reads it (the arena's pages are shared memory)."""
    arena_map, mapping = arena
    writer = (
        ALLOC.format(pages=1)
        + f"""
    if r0 == 0 goto out
    {_cast_kern(1, 0)}
    r2 = 0x4242
    *(u64 *)(r1 + 0) = r2
    r0 = 0
out:
    exit
"""
    )
    reader = f"r1 = map_value(a, 0)\n{_cast_kern(1, 1)}\nr0 = *(u64 *)(r1 + 0)\nexit"
    with (
        _load(writer, backend, {"a": arena_map.fd}) as write,
        _load(reader, backend, {"a": arena_map.fd}) as read,
    ):
        pid = os.fork()
        if pid == 0:
            os._exit(write.run().retval)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert mapping.view is not None
        assert struct.unpack_from("<Q", mapping.view, 0)[0] == 0x4242
        assert read.run().retval == 0x4242
