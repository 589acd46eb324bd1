"""Every kind of attr buffer gets the same results back from both backends (``usermem.UserAttr``).

Each command runs with the same ``union bpf_attr`` bytes held by a bytearray, ctypes arrays
(``create_string_buffer``, ``c_char * n``, ``c_ubyte * n``), a ctypes Union (``bpf_attr``) and
Structure, a ctypes object over foreign memory (``from_address``), writable memoryviews (over a
bytearray, an mmap, an ``array.array`` of u32), an ``array.array`` itself, and the immutable
``bytes`` and read-only memoryview.  On each backend (the ``backend`` fixture: pybpf and the kernel)
a writable buffer must end up with exactly the bytes a bytearray gets, the results must be the
values asserted (the same for both backends), and an immutable buffer must come back unchanged (it
is input only).  A buffer shorter than the fields a command writes gets what fits, and a ctypes
object over read-only memory gets the kernel's EFAULT from a command that writes back.
"""

from __future__ import annotations

import array
import ctypes
import errno
import mmap
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend

ARRAY = uapi.BPF_MAP_TYPE_ARRAY
XDP = uapi.BPF_PROG_TYPE_XDP
_PAGE = mmap.PAGESIZE
_TEST = type(uapi.bpf_attr().test)
_RETVAL = uapi.bpf_attr.test.offset + _TEST.retval.offset  # type: ignore[attr-defined]
_DURATION = uapi.bpf_attr.test.offset + _TEST.duration.offset  # type: ignore[attr-defined]
_NEXT_ID = type(uapi.bpf_attr()._anon_start_id).next_id.offset  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Kind:
    """One kind of Python object holding the attr: how to make it from bytes and read it back."""

    name: str
    make: Callable[[bytes, ExitStack], tuple[Any, Callable[[], bytes]]]
    writable: bool = True


def _ctypes_kind(
    make: Callable[[bytes], Any],
) -> Callable[[bytes, ExitStack], tuple[Any, Callable[[], bytes]]]:
    def build(raw: bytes, _stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
        obj = make(raw)
        return obj, lambda: ctypes.string_at(ctypes.addressof(obj), ctypes.sizeof(obj))

    return build


class _Wrapped(ctypes.Structure):
    _fields_ = (("raw", ctypes.c_ubyte * uapi.ATTR_SIZE),)


def _foreign(raw: bytes, _stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
    """A ``c_char`` array ``from_address``: memory the object itself did not allocate."""
    store = ctypes.create_string_buffer(raw, len(raw))
    obj = (ctypes.c_char * len(raw)).from_address(ctypes.addressof(store))
    return obj, lambda: store.raw  # the closure keeps the memory alive


def _bytearray(raw: bytes, _stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
    store = bytearray(raw)
    return store, lambda: bytes(store)


def _bytearray_view(raw: bytes, _stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
    store = bytearray(raw)
    return memoryview(store), lambda: bytes(store)


def _mmap_view(raw: bytes, stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
    page = mmap.mmap(-1, _PAGE)
    stack.callback(page.close)
    page[: len(raw)] = raw
    view = memoryview(page)[: len(raw)]
    stack.callback(view.release)
    return view, lambda: bytes(page[: len(raw)])


def _u32_view(raw: bytes, stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
    store = array.array("I", raw)  # ATTR_SIZE is a multiple of 4; a non-byte format
    view = memoryview(store)
    stack.callback(view.release)
    return view, store.tobytes


def _array(raw: bytes, _stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
    store = array.array("B", raw)
    return store, store.tobytes


def _readonly_view(raw: bytes, _stack: ExitStack) -> tuple[Any, Callable[[], bytes]]:
    store = bytearray(raw)
    return memoryview(store).toreadonly(), lambda: bytes(store)


KINDS = [
    Kind("bytearray", _bytearray),
    Kind("create_string_buffer", _ctypes_kind(lambda raw: ctypes.create_string_buffer(raw, len(raw)))),
    Kind("c_char_array", _ctypes_kind(lambda raw: (ctypes.c_char * len(raw)).from_buffer_copy(raw))),
    Kind("c_ubyte_array", _ctypes_kind(lambda raw: (ctypes.c_ubyte * len(raw)).from_buffer_copy(raw))),
    Kind("bpf_attr_union", _ctypes_kind(uapi.bpf_attr.from_buffer_copy)),
    Kind("structure", _ctypes_kind(_Wrapped.from_buffer_copy)),
    Kind("from_address", _foreign),
    Kind("memoryview_bytearray", _bytearray_view),
    Kind("memoryview_mmap", _mmap_view),
    Kind("memoryview_u32", _u32_view),
    Kind("array_u8", _array),
    Kind("bytes", lambda raw, _: (raw, lambda: raw), writable=False),
    Kind("readonly_memoryview", _readonly_view, writable=False),
]


@pytest.fixture(params=KINDS, ids=[k.name for k in KINDS])
def kind(request: pytest.FixtureRequest) -> Kind:
    k: Kind = request.param
    return k


class Run:
    """Runs a command with the attr held by one kind of buffer; returns the buffer's final bytes."""

    def __init__(self, backend: Backend, kind: Kind, stack: ExitStack) -> None:
        self.backend, self.kind, self.stack = backend, kind, stack

    def __call__(self, cmd: int, attr: uapi.bpf_attr, size: int | None = None) -> tuple[int, bytes]:
        raw = bytes(memoryview(attr).cast("B"))
        obj, read = self.kind.make(raw, self.stack)
        result = self.backend.bpf(cmd, obj, size)
        final = read()
        if not self.kind.writable:
            assert final == raw, "an immutable attr changed"
        return result, final

    def check(self, cmd: int, attr: uapi.bpf_attr, expect: Callable[[uapi.bpf_attr], None]) -> int:
        """Run with this kind and with a bytearray: same bytes written back, and ``expect`` holds."""
        result, final = self(cmd, attr)
        reference = bytearray(memoryview(attr).cast("B"))
        self.backend.bpf(cmd, reference)
        if self.kind.writable:
            assert _masked(cmd, final) == _masked(cmd, bytes(reference))
            expect(uapi.bpf_attr.from_buffer_copy(final))
        return result


def _masked(cmd: int, raw: bytes) -> bytes:
    """``raw`` with a test run's duration reduced to whether it is nonzero."""
    if cmd != uapi.BPF_PROG_TEST_RUN:
        return raw
    nonzero = any(raw[_DURATION : _DURATION + 4])
    return raw[:_DURATION] + bytes([nonzero, 0, 0, 0]) + raw[_DURATION + 4 :]


@pytest.fixture
def run(backend: Backend, kind: Kind) -> Iterator[Run]:
    with ExitStack() as stack:
        yield Run(backend, kind, stack)


@pytest.fixture
def array_map(backend: Backend) -> Iterator[Map]:
    with Map.create(ARRAY, 4, 8, 4, backend=backend) as m:
        for i in range(4):
            m.update(i.to_bytes(4, "little"), (100 + i).to_bytes(8, "little"))
        yield m


def test_map_create_writes_nothing_back(run: Run, backend: Backend) -> None:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = ARRAY, 4, 8, 2
    fd, final = run(uapi.BPF_MAP_CREATE, attr)
    with Map.from_fd(fd, backend=backend) as m:
        assert (m.map_type, m.max_entries) == (ARRAY, 2)
    os.close(fd)
    assert final == bytes(memoryview(attr).cast("B"))


def test_map_lookup_and_get_next_key(run: Run, array_map: Map) -> None:
    key, value, next_key = ctypes.c_uint32(2), ctypes.create_string_buffer(8), ctypes.c_uint32()
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key, attr.value = array_map.fd, ctypes.addressof(key), ctypes.addressof(value)
    _, final = run(uapi.BPF_MAP_LOOKUP_ELEM, attr)
    assert value.raw == (102).to_bytes(8, "little") and final == bytes(memoryview(attr).cast("B"))
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key, attr.next_key = array_map.fd, ctypes.addressof(key), ctypes.addressof(next_key)
    _, final = run(uapi.BPF_MAP_GET_NEXT_KEY, attr)
    assert next_key.value == 3 and final == bytes(memoryview(attr).cast("B"))


def _prog_load_attr(log: Any, insns: Any, license_: Any) -> uapi.bpf_attr:
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = XDP, ctypes.addressof(insns), 2
    attr.license, attr.log_level = ctypes.addressof(license_), 1
    attr.log_buf, attr.log_size = ctypes.addressof(log), ctypes.sizeof(log)
    return attr


def test_prog_load_writes_log_true_size(run: Run, backend: Backend) -> None:
    insns = ctypes.create_string_buffer(bytes.fromhex("b700000002000000 9500000000000000"), 16)
    license_ = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(4096)
    attr = _prog_load_attr(log, insns, license_)
    fd, final = run(uapi.BPF_PROG_LOAD, attr)
    os.close(fd)
    written = uapi.bpf_attr.from_buffer_copy(final).log_true_size
    if run.kind.writable:
        assert written == len(log.value) + 1 > 1  # the log and its NUL
    # a size short of log_true_size: the kernel does not write it (nor does pybpf)
    cut = type(attr._anon_prog_type).log_true_size.offset  # type: ignore[attr-defined]
    obj, read = run.kind.make(bytes(memoryview(attr).cast("B")), run.stack)
    os.close(backend.bpf(uapi.BPF_PROG_LOAD, obj, cut))
    assert uapi.bpf_attr.from_buffer_copy(read()).log_true_size == 0


@pytest.mark.usefixtures("engine")  # the program runs on each engine (tests/conftest.py)
def test_prog_test_run_writes_retval_duration_and_sizes(run: Run, backend: Backend) -> None:
    data_in = ctypes.create_string_buffer(bytes(range(64)), 64)
    data_out = ctypes.create_string_buffer(128)
    ctx_out = ctypes.create_string_buffer(64)
    with Program.load("r0 = 2\nexit", "xdp", backend=backend) as prog:
        attr = uapi.bpf_attr()
        t = attr.test
        t.prog_fd, t.repeat = prog.fd, 100
        t.data_in, t.data_size_in = ctypes.addressof(data_in), 64
        t.data_out, t.data_size_out = ctypes.addressof(data_out), 128
        t.ctx_out, t.ctx_size_out = ctypes.addressof(ctx_out), 64

        def expect(done: uapi.bpf_attr) -> None:
            assert (done.test.retval, done.test.data_size_out, done.test.ctx_size_out) == (2, 64, 24)
            assert done.test.duration > 0

        run.check(uapi.BPF_PROG_TEST_RUN, attr, expect)
        assert data_out.raw[:64] == bytes(range(64))


def test_obj_get_info_by_fd_writes_info_len(run: Run, array_map: Map) -> None:
    info = ctypes.create_string_buffer(16)
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = array_map.fd, 16, ctypes.addressof(info)

    def expect(done: uapi.bpf_attr) -> None:
        assert done.info.info_len == 16

    run.check(uapi.BPF_OBJ_GET_INFO_BY_FD, attr, expect)
    map_type, _id, key_size, value_size = (
        int.from_bytes(info.raw[i : i + 4], "little") for i in range(0, 16, 4)
    )
    assert (map_type, key_size, value_size) == (ARRAY, 4, 8)


def test_get_next_id_and_fd_by_id(run: Run, array_map: Map, backend: Backend) -> None:
    map_id = array_map.info().id
    attr = uapi.bpf_attr()
    attr.start_id = map_id - 1

    def expect(done: uapi.bpf_attr) -> None:
        assert done.next_id == map_id

    run.check(uapi.BPF_MAP_GET_NEXT_ID, attr, expect)
    attr = uapi.bpf_attr()
    attr.map_id = map_id
    fd, final = run(uapi.BPF_MAP_GET_FD_BY_ID, attr)
    with Map.from_fd(fd, backend=backend) as again:
        assert again.info().id == map_id
    os.close(fd)
    assert final == bytes(memoryview(attr).cast("B"))


def test_map_lookup_batch_writes_count_also_on_failure(run: Run, array_map: Map) -> None:
    out_batch, keys, values = (
        ctypes.c_uint32(),
        ctypes.create_string_buffer(40),
        ctypes.create_string_buffer(80),
    )
    attr = uapi.bpf_attr()
    b = attr.batch
    b.map_fd, b.out_batch = array_map.fd, ctypes.addressof(out_batch)
    b.keys, b.values, b.count = ctypes.addressof(keys), ctypes.addressof(values), 2

    def expect(done: uapi.bpf_attr) -> None:
        assert done.batch.count == 2

    run.check(uapi.BPF_MAP_LOOKUP_BATCH, attr, expect)
    assert values.raw[:16] == (100).to_bytes(8, "little") + (101).to_bytes(8, "little")
    b.count = 10  # past the end: ENOENT, and count says how many were copied
    obj, read = run.kind.make(bytes(memoryview(attr).cast("B")), run.stack)
    with pytest.raises(BPFError) as failed:
        run.backend.bpf(uapi.BPF_MAP_LOOKUP_BATCH, obj)
    assert failed.value.errno == errno.ENOENT
    assert uapi.bpf_attr.from_buffer_copy(read()).batch.count == (4 if run.kind.writable else 10)


@pytest.mark.parametrize("make", [bytearray, lambda raw: ctypes.create_string_buffer(raw, len(raw))])
def test_a_short_buffer_gets_what_fits(backend: Backend, make: Callable[[bytes], Any]) -> None:
    """retval fits in 36 bytes, duration (at 36) does not: it is dropped, nothing is written past."""
    with Program.load("r0 = 7\nexit", "xdp", backend=backend) as prog:
        attr = uapi.bpf_attr()
        data = ctypes.create_string_buffer(16)
        attr.test.prog_fd, attr.test.data_in, attr.test.data_size_in = prog.fd, ctypes.addressof(data), 16
        head = bytes(memoryview(attr).cast("B"))[:_DURATION]
        holder = (ctypes.c_char * (_DURATION + 8)).from_buffer_copy(head + b"\xee" * 8)
        short = make(head)
        if isinstance(short, bytearray):
            backend.bpf(uapi.BPF_PROG_TEST_RUN, short)
            final = bytes(short)
        else:
            inner = (ctypes.c_char * _DURATION).from_address(ctypes.addressof(holder))
            backend.bpf(uapi.BPF_PROG_TEST_RUN, inner)
            final = holder.raw[:_DURATION]
            assert holder.raw[_DURATION:] == b"\xee" * 8  # the memory after the buffer is untouched
        assert len(final) == _DURATION
        assert int.from_bytes(final[_RETVAL : _RETVAL + 4], "little") == 7
    with Map.create(ARRAY, 4, 8, 1, backend=backend):
        start = bytearray(4)  # start_id only: next_id (at 4) is past the end
        backend.bpf(uapi.BPF_MAP_GET_NEXT_ID, start)
        assert start == bytes(4)


def test_read_only_memory_gives_efault_when_written(backend: Backend) -> None:
    """A ctypes object over a read-only page: read fine, EFAULT for the result the kernel writes."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    page = mmap.mmap(-1, _PAGE)
    anchor = (ctypes.c_char * _PAGE).from_buffer(page)
    address = ctypes.addressof(anchor)
    try:
        with Map.create(ARRAY, 4, 8, 1, backend=backend) as m:
            key, value = ctypes.c_uint32(0), ctypes.create_string_buffer(8)
            lookup = uapi.bpf_attr()
            lookup.map_fd, lookup.key, lookup.value = m.fd, ctypes.addressof(key), ctypes.addressof(value)
            ctypes.memmove(address, bytes(memoryview(lookup).cast("B")), uapi.ATTR_SIZE)
            next_id = uapi.bpf_attr()
            ctypes.memmove(address + 1024, bytes(memoryview(next_id).cast("B")), uapi.ATTR_SIZE)
            assert libc.mprotect(address, _PAGE, mmap.PROT_READ) == 0
            frozen_lookup = uapi.bpf_attr.from_address(address)
            frozen_next_id = uapi.bpf_attr.from_address(address + 1024)
            assert backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, frozen_lookup) == 0  # writes only *value
            with pytest.raises(BPFError) as failed:
                backend.bpf(uapi.BPF_MAP_GET_NEXT_ID, frozen_next_id)
            assert failed.value.errno == errno.EFAULT
    finally:
        libc.mprotect(address, _PAGE, mmap.PROT_READ | mmap.PROT_WRITE)
        del anchor
        page.close()


def test_not_a_buffer_is_a_type_error(backend: Backend) -> None:
    with pytest.raises(TypeError, match="bytes-like or a ctypes object"):
        backend.bpf(uapi.BPF_MAP_GET_NEXT_ID, 12345)
    with pytest.raises(TypeError, match="contiguous"):
        backend.bpf(uapi.BPF_MAP_GET_NEXT_ID, memoryview(bytearray(2 * uapi.ATTR_SIZE))[::2])
