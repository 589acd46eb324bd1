"""Bad input to the program commands: random attrs and random instructions never crash bpf().

Random attrs for BPF_PROG_LOAD, BPF_PROG_TEST_RUN, BPF_OBJ_GET_INFO_BY_FD, BPF_BTF_LOAD and the
program id commands must end in an OSError (the kernel's errno) or a valid fd; random instruction
streams that load must run to a result or stop with ``ProgramFaultError``; an existing map keeps its
contents throughout.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError, ProgramFaultError
from pybpf.kernel.backend import UserBackend

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

_COMMANDS = [
    uapi.BPF_PROG_LOAD,
    uapi.BPF_PROG_TEST_RUN,
    uapi.BPF_OBJ_GET_INFO_BY_FD,
    uapi.BPF_BTF_LOAD,
    uapi.BPF_PROG_GET_NEXT_ID,
    uapi.BPF_PROG_GET_FD_BY_ID,
    uapi.BPF_OBJ_PIN,
]
_FIELDS = st.lists(
    st.tuples(
        st.integers(0, uapi.ATTR_SIZE // 4 - 1),
        st.one_of(st.integers(0, 8), st.integers(0, 2**32 - 1), st.sampled_from(["prog", "map", "buf"])),
    ),
    max_size=10,
)
_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(cmd=st.sampled_from(_COMMANDS), fields=_FIELDS)
def test_random_attrs_give_only_oserror(cmd: int, fields: list[tuple[int, int | str]]) -> None:
    backend = UserBackend()
    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend)
    counts[0] = 42
    prog = Program.load("r0 = 2\nexit", "xdp", backend=backend)
    buffer = ctypes.create_string_buffer(bytes(range(256)) * 16)
    try:
        attr = bytearray(uapi.ATTR_SIZE)
        for slot, value in fields:
            if value == "prog":
                number = prog.fd
            elif value == "map":
                number = counts.fd
            elif value == "buf":
                address = ctypes.addressof(buffer)
                struct.pack_into("<I", attr, slot * 4, address & 0xFFFFFFFF)
                if slot + 1 < uapi.ATTR_SIZE // 4:
                    struct.pack_into("<I", attr, (slot + 1) * 4, address >> 32)
                continue
            else:
                assert isinstance(value, int)
                number = value
            struct.pack_into("<I", attr, slot * 4, number)
        try:
            result = backend.bpf(cmd, attr)
        except OSError:
            pass
        else:
            if cmd in (uapi.BPF_PROG_LOAD, uapi.BPF_BTF_LOAD, uapi.BPF_PROG_GET_FD_BY_ID) and result > 2:
                os.close(result)
        assert int.from_bytes(counts[0], "little") == 42
        assert prog.run(bytes(64)).retval == 2
    finally:
        prog.close()
        counts.close()


@_SETTINGS
@given(
    code=st.lists(st.binary(min_size=8, max_size=8), min_size=1, max_size=24),
    data=st.binary(max_size=128),
)
def test_random_instructions_load_or_fail_cleanly(code: list[bytes], data: bytes) -> None:
    backend = UserBackend()
    raw = b"".join(code) + bytes.fromhex("9500000000000000")
    try:
        prog = Program.load(raw, "xdp", backend=backend)
    except BPFError:
        return
    try:
        # a fault: the structural verifier let the program through and the interpreter stopped it
        with contextlib.suppress(ProgramFaultError):
            prog.run(data.ljust(14, b"\0"))
    finally:
        prog.close()
