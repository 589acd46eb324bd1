"""An XDP program reaches its packet between data_meta and data_end only, wherever the helpers move them.

The kernel's verifier lets a program touch packet bytes only below data_end (and metadata only
between data_meta and data) after a bounds check against them (``check_packet_access``); headroom
and tailroom become packet only through ``bpf_xdp_adjust_head`` / ``_meta`` / ``_tail``.  pybpf's
packet region follows them, so the same accesses succeed on both (compared with the kernel where
bpf(2) is available), and an access one byte outside faults on pybpf (the kernel refuses such a
program at load).
"""

from __future__ import annotations

import re

import pytest

from pybpf.errors import MemoryAccessError
from tests.progtypes.xdp_diff import compare, run_pybpf

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

PACKET = bytes(range(64))

# r2 = data (+ adjust), r3 = data_end, r4 = data_meta after one helper call; returns a byte of each
# region edge the program checked, so the kernel accepts the program too.
ADJUST_THEN_READ = """
    r6 = r1
    r2 = {arg}
    call {helper}
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = *(u32 *)(r6 + 8)
    r5 = r4
    r5 += 1
    if r5 > r2 goto no_meta
    r0 = *(u8 *)(r4 + 0)
    r0 <<= 8
    goto data
no_meta:
    r0 = 0xff00
data:
    r5 = r2
    r5 += 1
    if r5 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r0 |= r5
    r0 <<= 8
    r5 = r2
    r5 += {length}
    if r5 > r3 goto out
    r5 = *(u8 *)(r5 - 1)
    r0 |= r5
out:
    exit
"""


@pytest.mark.parametrize(
    ("helper", "arg", "length"),
    [(44, -8, 72), (44, 8, 56), (54, -4, 64), (54, -12, 64), (65, 16, 80), (65, -16, 48), (44, 0, 64)],
    ids=["head-8", "head+8", "meta-4", "meta-12", "tail+16", "tail-16", "head0"],
)
def test_what_the_helpers_expose_is_readable(helper: int, arg: int, length: int) -> None:
    """The first byte of the metadata and of the data, the last of the data: as the kernel reads them."""
    out = compare(ADJUST_THEN_READ.format(helper=helper, arg=arg, length=length), PACKET)
    assert out.errno == 0
    assert out.retval >> 16 != 0xFF or helper != 54  # adjust_meta made metadata to read


def _fault(source: str) -> str:
    with pytest.raises(MemoryAccessError) as fault:
        run_pybpf(source, PACKET)
    return str(fault.value)


@pytest.mark.parametrize(
    ("source", "where"),
    [
        ("r2 = *(u32 *)(r1 + 4)\nr0 = *(u8 *)(r2 + 0)\nexit", "just past the end of xdp packet"),
        ("r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 - 1)\nexit", "1 byte(s) below xdp packet"),
        ("r2 = *(u32 *)(r1 + 8)\nr0 = *(u64 *)(r2 - 8)\nexit", "8 byte(s) below xdp packet"),  # no metadata
        # adjust_tail(-16): the 16 bytes it dropped are tailroom again
        ("r6 = r1\nr2 = -16\ncall 65\nr2 = *(u32 *)(r6 + 4)\n*(u8 *)(r2 + 15) = 1\nexit", "past the end"),
        # adjust_head(+8): the 8 bytes it dropped are headroom again
        ("r6 = r1\nr7 = *(u32 *)(r6 + 0)\nr2 = 8\ncall 44\nr0 = *(u8 *)(r7 + 0)\nexit", "8 byte(s) below"),
        # adjust_meta(-4) then back: the metadata is gone again
        ("r6 = r1\nr2 = -4\ncall 54\nr7 = *(u32 *)(r6 + 8)\nr1 = r6\nr2 = 4\ncall 54\n"
         "r0 = *(u8 *)(r7 + 0)\nexit", "4 byte(s) below"),
    ],
)  # fmt: skip
def test_one_byte_outside_faults(source: str, where: str) -> None:
    assert re.search(re.escape(where), _fault(source))


def test_a_fault_leaves_no_region_behind() -> None:
    from pybpf.progtypes import TestRunArgs
    from tests.progtypes.runner import TinyRunner
    from tests.progtypes.xdp_diff import program, xdp_type

    runner = TinyRunner(xdp_type(), program("r2 = *(u32 *)(r1 + 4)\nr0 = *(u8 *)(r2 + 0)\nexit"))
    before = runner.memory.regions
    with pytest.raises(MemoryAccessError):
        xdp_type().test_run(runner, TestRunArgs(data_in=PACKET))
    assert runner.memory.regions == before
