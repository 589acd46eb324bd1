"""The XDP helpers against the kernel: adjust_head/meta/tail, buff_len, load/store_bytes, redirects.

Programs keep the ctx in r6 (r1 is clobbered by calls) and return the helper's result in the low
byte and the packet geometry above it, so one retval shows both; data_out shows the packet bytes.
"""

from __future__ import annotations

import os

import pytest

import pybpf
from pybpf import uapi
from pybpf.helpers import RunEnv
from pybpf.isa.instruction import Instruction
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import kernel_bpf_available
from pybpf.progtypes import TestRunArgs
from pybpf.progtypes.xdp import xdp_md_bytes
from pybpf.progtypes.xdp_helpers import XdpRedirect, XdpState
from tests.progtypes import kernel_run
from tests.progtypes.runner import TinyRunner
from tests.progtypes.xdp_diff import XDP, compare, xdp_type

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

PACKET = bytes(range(64))
GEOMETRY = """
    r7 = r0
    r7 &= 0xff
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = *(u32 *)(r6 + 8)
    r0 = r3
    r0 -= r2
    r0 <<= 8
    r0 |= r7
    r2 -= r4
    r2 <<= 20
    r0 |= r2
    exit
"""


def call(helper: int, arg: int) -> str:
    return f"r6 = r1\nr2 = {arg}\ncall {helper}\n" + GEOMETRY


def decode(retval: int) -> tuple[int, int, int]:
    """(helper result as s8, linear length, metadata length)."""
    low = retval & 0xFF
    return low - 256 if low > 127 else low, (retval >> 8) & 0xFFF, retval >> 20


@pytest.mark.parametrize("offset", [-217, -216, -100, -8, 0, 8, 50, 51])
def test_adjust_head(offset: int) -> None:
    out = compare(call(44, offset), PACKET)
    result, length, _ = decode(out.retval)
    assert result == (0 if -216 <= offset <= 50 else -22)
    if result == 0:
        assert length == 64 - offset
        assert len(out.data_out) == 64 - offset
        assert out.data_out[max(0, -offset) :] == PACKET[max(0, offset) :]


@pytest.mark.parametrize("offset", [-8, 8, -180])
def test_adjust_head_moves_the_metadata(offset: int) -> None:
    out = compare(
        call(44, offset), bytes(8) + PACKET, ctx_in=xdp_md_bytes(data=8, data_end=72), ctx_size_out=24
    )
    assert decode(out.retval)[2] == 8
    assert out.ctx_out is not None


@pytest.mark.parametrize("offset", [-4, -8, -32, -252, -256, -3, 4, -216])
def test_adjust_meta(offset: int) -> None:
    program = (
        f"r6 = r1\nr2 = {offset}\ncall 54\n"
        + """
        r2 = *(u32 *)(r6 + 8)
        r3 = *(u32 *)(r6 + 0)
        r4 = r2
        r4 += 4
        if r4 > r3 goto +2
        r5 = 0x5a5a5a5a
        *(u32 *)(r2 + 0) = r5
    """
        + GEOMETRY
    )
    out = compare(program, PACKET, ctx_size_out=24, ctx_in=xdp_md_bytes(data_end=64))
    result, _, meta = decode(out.retval)
    if result == 0:
        assert meta == -offset
        assert out.data_out[:4] == b"\x5a" * 4


@pytest.mark.parametrize("offset", [1, 100, 3456, 3457, -50, -51, -200])
def test_adjust_tail(offset: int) -> None:
    out = compare(call(65, offset), PACKET)
    result, _, _ = decode(out.retval)
    assert result == (0 if -50 <= offset <= 3456 else -22)
    if result == 0:
        assert out.data_out == (PACKET + bytes(max(offset, 0)))[: 64 + offset]


BIG = bytes(i * 7 & 0xFF for i in range(5000))


@pytest.mark.parametrize("offset", [10, 4096 - 1480, 4096 - 1479, -100, -1480, -1481, -4986, -4987])
def test_adjust_tail_with_fragments(offset: int) -> None:
    out = compare(call(65, offset), BIG)
    result, _, _ = decode(out.retval)
    if result == 0:
        assert out.data_out == (BIG + bytes(max(offset, 0)))[: 5000 + offset]


def test_get_buff_len() -> None:
    program = "call 188\nexit"
    assert compare(program, PACKET).retval == 64
    assert compare(program, BIG).retval == 5000


def _copy_program(helper: int, offset: int, length: int) -> str:
    """load_bytes into the stack (or store_bytes from it) and return the first/last byte."""
    fill = "".join(f"*(u64 *)(r10 - {8 * i}) = r9\n" for i in range(1, 9))
    return f"""
        r6 = r1
        r9 = 0x4142434445464748 ll
        {fill}
        r1 = r6
        r2 = {offset}
        r3 = r10
        r3 += -64
        r4 = {length}
        call {helper}
        r0 &= 0xff
        r2 = *(u8 *)(r10 - 64)
        r2 <<= 8
        r0 |= r2
        exit
    """


@pytest.mark.parametrize(
    ("offset", "length"), [(0, 8), (3500, 40), (3520, 64), (4990, 10), (4990, 11), (70000, 4)]
)
@pytest.mark.parametrize("helper", [189, 190])
def test_load_and_store_bytes(helper: int, offset: int, length: int) -> None:
    out = compare(_copy_program(helper, offset, length), BIG)
    assert out.errno == 0


def test_redirect() -> None:
    assert compare("r1 = 3\nr2 = 0\ncall 23\nexit", PACKET).retval == 4
    assert compare("r1 = 3\nr2 = 1\ncall 23\nexit", PACKET).retval == 0


def _redirect_map_program(map_fd: int, flags: int) -> list[Instruction]:
    return pybpf.assemble(f"r1 = map_fd({map_fd}) ll\nr2 = 1\nr3 = {flags}\ncall 51\nexit")


REDIRECT_MAP_FLAGS = [(0, 0), (1, 1), (2, 2), (3, 3), (8, 4), (0x18, 4), (0x20, 0), (4, 0)]


@pytest.mark.parametrize(("flags", "expected"), REDIRECT_MAP_FLAGS)
def test_redirect_map_falls_back_to_the_flags(flags: int, expected: int) -> None:
    """An empty devmap of pybpf's (tests/maps/test_devmap.py has filled ones)."""
    backend = UserBackend()
    devmap = pybpf.Map.create(uapi.BPF_MAP_TYPE_DEVMAP, 4, 4, 4, backend=backend)
    try:
        source = f"r1 = map_fd(d) ll\nr2 = 1\nr3 = {flags}\ncall 51\nexit"
        with pybpf.Program.load(source, "xdp", maps={"d": devmap.fd}, backend=backend) as program:
            assert program.run(PACKET).retval == expected
    finally:
        devmap.close()


@pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")
def test_redirect_map_fallback_matches_an_empty_devmap() -> None:
    devmap = kernel_run_map_create()
    try:
        for flags, expected in REDIRECT_MAP_FLAGS:
            fd = kernel_run.load(_redirect_map_program(devmap, flags), XDP)
            try:
                assert kernel_run.test_run(fd, PACKET).retval == expected, flags
            finally:
                os.close(fd)
    finally:
        os.close(devmap)


def kernel_run_map_create() -> int:
    from tests.differential.kernel_harness import map_create

    return map_create(14, 4, 4, 4)  # BPF_MAP_TYPE_DEVMAP


def test_redirect_is_recorded() -> None:
    states: list[XdpState] = []
    runner = TinyRunner(xdp_type(), pybpf.assemble("r1 = 7\nr2 = 0\ncall 23\nexit"))
    original = runner.run

    def spy(ctx_address: int, env: RunEnv, packet: object = None) -> int:
        state = env.packet
        assert isinstance(state, XdpState)
        states.append(state)
        return original(ctx_address, env)

    runner.run = spy  # type: ignore[method-assign]
    result = xdp_type().test_run(runner, TestRunArgs(data_in=PACKET))
    assert result.retval == 4
    assert states[0].redirect == XdpRedirect(ifindex=7)
