"""XDP end to end through bpf(2): BPF_PROG_LOAD (verifier, ctx rewrite) and BPF_PROG_TEST_RUN,
on the user backend and on the kernel (the ``backend`` fixture), with the same answers."""

from __future__ import annotations

import errno

import pytest

from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.program import Program
from pybpf.progtypes.xdp import xdp_md_bytes

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

PACKET = bytes(range(64))
SWAP_AND_TRIM = """
    r6 = r1
    r2 = 8
    call 44
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto +3
    r5 = 0x1122334455667788 ll
    *(u64 *)(r2 + 0) = r5
    r1 = r6
    r2 = -4
    call 65
    r0 = *(u32 *)(r6 + 12)
    r0 <<= 8
    r0 |= 2
    exit
"""


def test_xdp_program_end_to_end(backend: Backend) -> None:
    with Program.load(SWAP_AND_TRIM, "xdp", backend=backend) as prog:
        done = prog.run(PACKET, data_size_out=256)
    assert done.retval == (1 << 8) | 2
    assert done.data_out == bytes.fromhex("8877665544332211") + PACKET[16:60]


def test_xdp_program_with_ctx(backend: Backend) -> None:
    with Program.load(SWAP_AND_TRIM, "xdp", backend=backend) as prog:
        done = prog.run(PACKET, ctx=xdp_md_bytes(data=8, data_end=64, ingress_ifindex=1), data_size_out=256)
    assert done.ctx_out == xdp_md_bytes(data=8, data_end=52, ingress_ifindex=1)
    assert len(done.data_out) == 52


def test_xdp_ctx_write_is_refused(backend: Backend) -> None:
    with pytest.raises(BPFError) as info:
        Program.load("r2 = 0\n*(u32 *)(r1 + 16) = r2\nr0 = 2\nexit", "xdp", backend=backend)
    assert info.value.errno == errno.EACCES
