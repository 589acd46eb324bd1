"""Bounded fuzzing of the user-space ``bpf()``: every command, random and mutated attrs.

Builds on ``tests/maps/test_fuzz.py`` (map commands) and ``tests/programs/test_fuzz_programs.py``
(program commands): here every command the kernel numbers (implemented or not, and numbers past
them) gets random bytes of random sizes, and valid attrs of each implemented command get fields
overwritten with hostile values (huge sizes and counts, pointers to a small buffer, fds of live
objects).  Every call must end in an ``OSError`` or a result within a time limit, and the live
map and program must still work afterwards (the program on each engine: ``engine``, tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import struct
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import Map, Program, assemble, encode_program, uapi
from pybpf.kernel.backend import UserBackend

TIME_LIMIT = 20.0
"""Seconds one bpf() call may take before the fuzzer calls it a hang."""
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
_COMMANDS = sorted({int(c) for c in uapi.bpf_cmd} | {len(uapi.bpf_cmd) + 3, 0x7FFFFFFF})
_FD_RESULTS = {uapi.BPF_MAP_CREATE, uapi.BPF_PROG_LOAD, uapi.BPF_BTF_LOAD, uapi.BPF_OBJ_GET,
               uapi.BPF_MAP_GET_FD_BY_ID, uapi.BPF_PROG_GET_FD_BY_ID, uapi.BPF_BTF_GET_FD_BY_ID}  # fmt: skip


_REPEAT_AT = uapi.bpf_attr.test.offset + uapi.bpf_attr_test.repeat.offset  # type: ignore[attr-defined]

_ELEMENT_COMMANDS = {
    uapi.BPF_MAP_LOOKUP_ELEM, uapi.BPF_MAP_UPDATE_ELEM, uapi.BPF_MAP_DELETE_ELEM,
    uapi.BPF_MAP_GET_NEXT_KEY, uapi.BPF_MAP_LOOKUP_AND_DELETE_ELEM, uapi.BPF_MAP_FREEZE,
}  # fmt: skip


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    def expired(*_: object) -> None:
        raise Hang(f"bpf() ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class World:
    """A live map, a live program and a scratch buffer the attrs may point at."""

    def __init__(self) -> None:
        self.backend = UserBackend()
        self.map = Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 1 << 16, backend=self.backend)
        self.map[b"\1\0\0\0"] = b"\x2a" + bytes(7)
        self.prog = Program.load("r0 = 2\nexit", "xdp", backend=self.backend)
        self.buffer = ctypes.create_string_buffer(bytes(range(256)) * 16)
        self.address = ctypes.addressof(self.buffer)
        self.code = ctypes.create_string_buffer(encode_program(assemble("r0 = 0\nexit")))
        self.licence = ctypes.create_string_buffer(b"GPL")

    def call(self, cmd: int, attr: bytearray, size: int | None = None) -> None:
        if cmd == uapi.BPF_PROG_TEST_RUN and len(attr) >= _REPEAT_AT + 4:
            # The kernel runs a test ``repeat`` (u32) times too, stopped only by a signal: a huge
            # repeat is the caller's choice of duration, not a hang, so the fuzzer keeps it small.
            repeat = struct.unpack_from("<I", attr, _REPEAT_AT)[0]
            struct.pack_into("<I", attr, _REPEAT_AT, min(repeat, 1000))
        try:
            with time_limit(TIME_LIMIT):
                result = self.backend.bpf(cmd, attr, size)
        except OSError:
            return
        if cmd in _FD_RESULTS and result > 2:
            os.close(result)

    def check_intact(self) -> None:
        """The map still works (a command may legitimately have changed or removed its element)
        and the program still runs."""
        self.map[b"\7\0\0\0"] = b"\x2b" + bytes(7)
        assert self.map[b"\7\0\0\0"] == b"\x2b" + bytes(7)
        assert self.prog.run(bytes(64)).retval == 2

    def valid(self, cmd: int) -> bytearray:
        """A valid attr for ``cmd`` (or zeros for commands without one here)."""
        attr = uapi.bpf_attr()
        raw = bytearray(bytes(attr))
        if cmd == uapi.BPF_MAP_CREATE:
            struct.pack_into("<4I", raw, 0, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
        elif cmd in _ELEMENT_COMMANDS:
            struct.pack_into("<IIQQQ", raw, 0, self.map.fd, 0, self.address, self.address + 64, 0)
        elif cmd == uapi.BPF_PROG_LOAD:
            struct.pack_into("<IIQQ", raw, 0, uapi.BPF_PROG_TYPE_XDP, 2, ctypes.addressof(self.code),
                             ctypes.addressof(self.licence))  # fmt: skip
        elif cmd == uapi.BPF_PROG_TEST_RUN:
            t = uapi.bpf_attr.from_buffer(raw).test
            t.prog_fd, t.data_in, t.data_size_in = self.prog.fd, self.address, 64
            t.data_out, t.data_size_out = self.address + 1024, 1024
        elif cmd == uapi.BPF_OBJ_GET_INFO_BY_FD:
            info = uapi.bpf_attr.from_buffer(raw).info
            info.bpf_fd, info.info_len, info.info = self.map.fd, 64, self.address
        elif cmd in (uapi.BPF_MAP_LOOKUP_BATCH, uapi.BPF_MAP_UPDATE_BATCH, uapi.BPF_MAP_DELETE_BATCH,
                     uapi.BPF_MAP_LOOKUP_AND_DELETE_BATCH):  # fmt: skip
            b = uapi.bpf_attr.from_buffer(raw).batch
            b.map_fd, b.count, b.keys, b.values = self.map.fd, 4, self.address, self.address + 256
            b.out_batch = self.address + 2048
        elif cmd == uapi.BPF_BTF_LOAD:
            btf = uapi.bpf_attr_btf_load.from_buffer(raw)
            btf.btf, btf.btf_size = self.address, 24
        return raw


@functools.cache
def _world(engine: str) -> World:
    """One world per process and engine (its program runs on ``engine``), kept for every example
    (objects closed and recreated in quick succession would only test the inode cache of the object
    layer)."""
    return World()


_HOSTILE = st.one_of(
    st.sampled_from([0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, 1 << 16, 1 << 20, 4096, 4097]),
    st.sampled_from(["map", "prog", "buf"]),
    st.integers(0, 2**32 - 1),
)


@_SETTINGS
@given(cmd=st.sampled_from(_COMMANDS), data=st.binary(max_size=uapi.ATTR_SIZE + 64), cut=st.integers(0, 200))
def test_random_bytes_for_every_command(engine: str, cmd: int, data: bytes, cut: int) -> None:
    world = _world(engine)
    attr = bytearray(data)
    world.call(cmd, attr, max(0, len(attr) - cut) if cut < 100 else None)
    world.check_intact()


@_SETTINGS
@given(
    cmd=st.sampled_from(_COMMANDS),
    writes=st.lists(st.tuples(st.integers(0, uapi.ATTR_SIZE // 4 - 1), _HOSTILE), min_size=1, max_size=6),
)
def test_mutated_valid_attrs_for_every_command(
    engine: str, cmd: int, writes: list[tuple[int, int | str]]
) -> None:
    world = _world(engine)
    attr = world.valid(cmd)
    for slot, value in writes:
        if value == "buf":
            if slot + 1 < uapi.ATTR_SIZE // 4:
                struct.pack_into("<Q", attr, slot * 4, world.address)
            continue
        number = world.map.fd if value == "map" else world.prog.fd if value == "prog" else value
        assert isinstance(number, int)
        struct.pack_into("<I", attr, slot * 4, number)
    world.call(cmd, attr)
    world.check_intact()
