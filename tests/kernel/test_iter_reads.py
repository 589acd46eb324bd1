"""Reads of an iterator fd, one read(2) at a time, on pybpf and the kernel: ``bpf_seq_read``'s rules.

The same objects on both backends (tests/data/c/iter_links.c prints the maps and programs named
``vlk_*``), read with buffers of several sizes: each read returns what the kernel's returns -- the
rest of the last fill first, at most one seq_file buffer (``SEQ_BUF_SIZE``) per fill, a fill
stopping once it holds the read's size -- and fails where the kernel's fails: EAGAIN when the first
object of a fill asks for a retry (and again on every read after), E2BIG when it overflows the empty
buffer; after the call past the last object reads return 0.  On pybpf a read is
``pybpf.kernel.iter_read.read``; on the kernel ``os.read``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.helpers.seq_file import SEQ_BUF_SIZE
from pybpf.kernel import iter_read
from pybpf.kernel.backend import Backend
from pybpf.kernel.native import NativeBackend
from pybpf.libbpf import bpf_map_create
from tests.kernel.test_iter_links import iter_create, link_create, load

pytestmark = pytest.mark.usefixtures("engine")


def reads(backend: Backend, fd: int, size: int, limit: int = 200) -> list[bytes | int]:
    """The results of reads of ``size`` bytes (an errno for a failed read) until one returns 0 or
    two more after the first failure."""
    out: list[bytes | int] = []
    failures = 0
    for _ in range(limit):
        try:
            data = os.read(fd, size) if isinstance(backend, NativeBackend) else iter_read.read(fd, size)
        except (OSError, BPFError) as exc:
            out.append(exc.errno or 0)
            failures += 1
            if failures == 3:
                return out
            continue
        out.append(data)
        if not data:
            return out
    raise AssertionError(f"no end after {limit} reads")


@pytest.fixture
def maps(backend: Backend) -> Iterator[list[int]]:
    fds = [
        bpf_map_create(uapi.BPF_MAP_TYPE_HASH, "vlk_hash", 4, 8, 10, backend=backend),
        bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "vlk_array", 4, 16, 3, backend=backend),
        bpf_map_create(uapi.BPF_MAP_TYPE_LRU_HASH, "vlk_lru", 8, 8, 7, backend=backend),
    ]
    yield fds
    for fd in fds:
        os.close(fd)


LINES = (
    b"vlk_hash type 1 key 4 value 8 max 10 flags 0\n",
    b"vlk_array type 2 key 4 value 16 max 3 flags 0\n",
    b"vlk_lru type 9 key 8 value 8 max 7 flags 0\n",
)


def _read_all(backend: Backend, program: str, size: int, **rodata: int) -> list[bytes | int]:
    with load(backend, **rodata) as obj:
        link = link_create(backend, obj.programs[program].fd)
        fd = iter_create(backend, link)
        try:
            return reads(backend, fd, size)
        finally:
            os.close(fd)
            os.close(link)


def _model(size: int) -> list[bytes | int]:
    """The kernel's reads of the three maps' lines, on both backends followed by other maps that
    print nothing (the loaded object's own maps have higher ids): a fill ends at the first object
    found once it holds ``size`` bytes; the call past the last object is in the fill that reaches
    the end."""
    fills, current = [], b""
    for line in LINES:
        current += line
        if len(current) >= size:
            fills.append(current)
            current = b""
    fills.append(current + b"maps done\n")
    out: list[bytes | int] = []
    for fill in fills:
        out += [fill[i : i + size] for i in range(0, len(fill), max(size, 1))]
    return [*out, b""]


@pytest.mark.parametrize("size", [1, 7, 45, 46, 100, 4096, 1 << 16])
def test_reads_of_each_size(backend: Backend, maps: list[int], size: int) -> None:
    """A fill holds objects until it reaches the read's size; the read returns ``size`` bytes of
    it at most and the next reads the rest: the kernel's chunks, whatever the size."""
    assert _read_all(backend, "vlk_maps", size) == _model(size)


def test_retry_fails_every_read_after(backend: Backend, maps: list[int]) -> None:
    """vlk_array asks for a retry: the first fill stops before it, the next reads fail with EAGAIN
    (each retrying it)."""
    again = errno.EAGAIN
    assert _read_all(backend, "vlk_maps", 1 << 16, stop_at=3) == [LINES[0], again, again, again]


def test_overflow_of_an_empty_buffer_is_e2big(backend: Backend, maps: list[int]) -> None:
    assert _read_all(backend, "vlk_maps", 1 << 16, big=1) == [errno.E2BIG] * 3


def test_fills_hold_one_buffer_at_most(backend: Backend) -> None:
    """More output than a seq_file buffer: even a read of 1 MiB returns one fill, which ends before
    the object that would overflow it."""
    array = uapi.BPF_MAP_TYPE_ARRAY
    fds = [bpf_map_create(array, f"vlk_{i:04}", 4, 4, 1, backend=backend) for i in range(800)]
    try:
        got = _read_all(backend, "vlk_maps", 1 << 20)
    finally:
        for fd in fds:
            os.close(fd)
    line = b"vlk_0000 type 2 key 4 value 4 max 1 flags 0\n"
    per_fill = (SEQ_BUF_SIZE - 1) // len(line)
    assert [len(c) if isinstance(c, bytes) else c for c in got] == [
        per_fill * len(line),
        (800 - per_fill) * len(line) + len(b"maps done\n"),
        0,
    ]


def test_a_read_of_nothing_changes_nothing(backend: Backend, maps: list[int]) -> None:
    """A read of 0 bytes returns 0 and runs nothing (vfs_read() does not call bpf_seq_read)."""
    with load(backend) as obj:
        link = link_create(backend, obj.programs["vlk_maps"].fd)
        fd = iter_create(backend, link)
        try:
            assert reads(backend, fd, 0)[:1] == [b""]
            assert reads(backend, fd, 1 << 16) == [b"".join(LINES) + b"maps done\n", b""]
        finally:
            os.close(fd)
            os.close(link)


def test_pybpf_reads_only_its_iterator_fds() -> None:
    """``iter_read.read`` of another fd, or of a negative size, is an error, not a traceback."""
    read_end, write_end = os.pipe()
    try:
        for fd in (read_end, write_end):
            with pytest.raises(BPFError):
                iter_read.read(fd, 16)
        with pytest.raises(BPFError) as failed:
            iter_read.read(read_end, -1)
        assert failed.value.errno == errno.EINVAL
    finally:
        os.close(read_end)
        os.close(write_end)
