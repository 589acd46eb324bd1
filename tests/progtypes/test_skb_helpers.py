"""The skb helpers compared with the kernel through BPF_PROG_TEST_RUN: load/store bytes (absolute
and relative), pull data, redirect, the hash helpers and the checksum replacers."""

from __future__ import annotations

import pytest

from pybpf import assemble
from pybpf.helpers import RunEnv
from pybpf.isa.instruction import Instruction
from pybpf.progtypes.skb import OFF
from tests.progtypes.test_skb_support import ETH_ONLY, IPV4_UDP, SKB_TYPES, compare, needs_kernel, run_pybpf

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

FILL = """
    r2 = 0x1111111111111111 ll
    *(u64 *)(r10 - 64) = r2
    *(u64 *)(r10 - 56) = r2
"""
DIGEST = """
    r7 = r0
    r0 = *(u32 *)(r10 - 64)
    r2 = *(u32 *)(r10 - 60)
    r0 ^= r2
    r2 = *(u32 *)(r10 - 56)
    r0 += r2
    r2 = *(u32 *)(r10 - 52)
    r0 ^= r2
    r0 ^= r7
    exit
"""


def _load_bytes(offset: int, length: int) -> list[Instruction]:
    return assemble(
        f"r6 = r1\n{FILL}\nr1 = r6\nr2 = {offset}\nr3 = r10\nr3 += -64\nr4 = {length}\ncall 26\n{DIGEST}"
    )


def _load_relative(offset: int, length: int, start: int) -> list[Instruction]:
    return assemble(
        f"r6 = r1\n{FILL}\nr1 = r6\nr2 = {offset}\nr3 = r10\nr3 += -64\nr4 = {length}\n"
        f"r5 = {start}\ncall 68\n{DIGEST}"
    )


@needs_kernel
@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_skb_load_bytes(prog_type: int) -> None:
    for offset, length in (
        (0, 16),
        (5, 3),
        (14, 8),
        (len(IPV4_UDP) - 16, 16),
        (len(IPV4_UDP) - 15, 16),
        (40, 1),
        (-1, 4),
        (0x7FFFFFFF, 4),
        (len(IPV4_UDP), 1),
    ):
        compare(prog_type, _load_bytes(offset, length), IPV4_UDP)


@needs_kernel
@pytest.mark.parametrize("prog_type", SKB_TYPES)
def test_skb_load_bytes_relative(prog_type: int) -> None:
    for start in (0, 1, 2):
        for offset, length in ((0, 16), (10, 8), (14, 6), (40, 16), (50, 16), (0x10000, 4), (55, 1)):
            compare(prog_type, _load_relative(offset, length, start), IPV4_UDP)


def _store(offset: int, length: int, flags: int) -> list[Instruction]:
    return assemble(f"""
        r6 = r1
        r2 = 0x0102030405060708 ll
        *(u64 *)(r10 - 16) = r2
        *(u64 *)(r10 - 8) = r2
        r2 = 77
        *(u32 *)(r1 + {OFF["cb"]}) = r2
        r1 = r6
        r2 = {offset}
        r3 = r10
        r3 += -16
        r4 = {length}
        r5 = {flags}
        call 9
        r7 = r0
        r1 = r6
        r2 = *(u32 *)(r1 + {OFF["len"]})
        r0 = r7
        r0 += r2
        exit
    """)


@needs_kernel
@pytest.mark.parametrize("prog_type", [3, 4])
def test_skb_store_bytes(prog_type: int) -> None:
    for offset, length, flags in (
        (0, 16, 0),
        (30, 2, 1),
        (20, 8, 2),
        (len(IPV4_UDP) - 16, 16, 3),
        (len(IPV4_UDP) - 15, 16, 0),
        (0, 4, 4),
        (0x80000000, 4, 0),
        (-2, 4, 0),
    ):
        compare(prog_type, _store(offset, length, flags), IPV4_UDP)


@needs_kernel
@pytest.mark.parametrize("prog_type", [3, 4])
def test_skb_pull_data(prog_type: int) -> None:
    for length in (0, 10, len(IPV4_UDP), len(IPV4_UDP) + 1, 0xFFFFFFFF):
        program = assemble(f"r2 = {length}\ncall 39\nexit")
        compare(prog_type, program, IPV4_UDP)
        compare(prog_type, program, ETH_ONLY)


@needs_kernel
@pytest.mark.parametrize("prog_type", [3, 4])
def test_redirect(prog_type: int) -> None:
    for ifindex, flags in ((1, 0), (1, 1), (5, 2), (1, 1 << 63), (0xFFFFFFFF, 0)):
        compare(prog_type, assemble(f"r1 = {ifindex}\nr2 = {flags} ll\ncall 23\nexit"), IPV4_UDP)


def test_redirect_is_recorded() -> None:
    from pybpf.progtypes import TestRunArgs, get_prog_type
    from tests.progtypes.runner import TinyRunner

    kind = get_prog_type(3)
    assert kind is not None
    program = assemble("r1 = 4\nr2 = 1\ncall 23\nexit")
    runner = TinyRunner(kind, program)
    env_seen: list[RunEnv] = []
    original = runner.run

    def spy(ctx: int, env: RunEnv, packet: object = None) -> int:
        env_seen.append(env)
        return original(ctx, env, packet)  # type: ignore[arg-type]

    runner.run = spy  # type: ignore[method-assign]
    result = kind.test_run(runner, TestRunArgs(data_in=IPV4_UDP))
    assert result.retval == 7 and env_seen[0].redirect == (4, 1)


@needs_kernel
@pytest.mark.parametrize("prog_type", [3, 4])
def test_hash_helpers_clear_and_set(prog_type: int) -> None:
    program = assemble(f"""
        r6 = r1
        r2 = 0x1234
        call 48
        r1 = r6
        r7 = *(u32 *)(r1 + {OFF["hash"]})
        call 41
        r1 = r6
        r0 = *(u32 *)(r1 + {OFF["hash"]})
        r0 += r7
        exit
    """)
    assert compare(prog_type, program, IPV4_UDP).retval == 0x1234


def test_get_hash_recalc_is_stable_and_stored() -> None:
    program = assemble(f"""
        r6 = r1
        call 34
        r7 = r0
        r1 = r6
        call 34
        r1 = r6
        r2 = *(u32 *)(r1 + {OFF["hash"]})
        r0 = 0
        if r7 != r2 goto +2
        if r7 == 0 goto +1
        r0 = 1
        exit
    """)
    for prog_type in (3, 4):
        assert run_pybpf(prog_type, program, IPV4_UDP).retval == 1


# -- checksum replacers ---------------------------------------------------------------------------------
IP_CSUM, UDP_CSUM = 24, 40  # offsets from the MAC header of IPV4_UDP


def _replace(helper: int, offset: int, old: int, new: int, flags: int) -> list[Instruction]:
    return assemble(f"""
        r6 = r1
        r2 = {offset}
        r3 = {old} ll
        r4 = {new} ll
        r5 = {flags} ll
        call {helper}
        exit
    """)


def _with_udp_csum(value: int) -> bytes:
    return IPV4_UDP[:UDP_CSUM] + value.to_bytes(2, "big") + IPV4_UDP[UDP_CSUM + 2 :]


@needs_kernel
@pytest.mark.parametrize("prog_type", [3, 4])
def test_l3_csum_replace(prog_type: int) -> None:
    cases = [
        (IP_CSUM, 0x0A000001, 0xC0A80101, 4),
        (IP_CSUM, 0x0A00, 0xFFFF, 2),
        (IP_CSUM, 0, 0x1234ABCD, 0),
        (IP_CSUM, 5, 0x1234, 0),
        (IP_CSUM, 1, 2, 8),
        (IP_CSUM, 1, 2, 0x14),
        (IP_CSUM + 1, 1, 2, 2),
        (0x10000, 1, 2, 2),
        (len(IPV4_UDP) - 1, 1, 2, 2),
        (len(IPV4_UDP) - 2, 1, 2, 2),
        (IP_CSUM, 0xFFFFFFFF, 0, 4),
        (IP_CSUM, 0x1_0000_0001, 0x2_0000_0003, 4),
    ]
    for offset, old, new, flags in cases:
        compare(prog_type, _replace(10, offset, old, new, flags), IPV4_UDP)


@needs_kernel
@pytest.mark.parametrize("prog_type", [3, 4])
def test_l4_csum_replace(prog_type: int) -> None:
    pseudo, mangled, enforce, ipv6 = 0x10, 0x20, 0x40, 0x80
    cases = [
        (0x0A000001, 0xC0A80101, 4 | pseudo),
        (0x3039, 0x0050, 2),
        (0, 0x00FF00FF, 0 | pseudo),
        (1, 2, 1),
        (1, 2, 0x100),
        (0x3039, 0x3039, 2 | mangled),
        (0, 0xFFFF, 0 | ipv6 | pseudo),
        (0xFFFF, 0, 2 | mangled | enforce),
        (0, 0, 4 | mangled),
    ]
    for packet in (IPV4_UDP, _with_udp_csum(0), _with_udp_csum(0xFFFF), _with_udp_csum(0x0001)):
        for old, new, flags in cases:
            compare(prog_type, _replace(11, UDP_CSUM, old, new, flags), packet)
    compare(prog_type, _replace(11, UDP_CSUM + 1, 1, 2, 2), IPV4_UDP)
    compare(prog_type, _replace(11, len(IPV4_UDP), 1, 2, 2), IPV4_UDP)


@needs_kernel
def test_l4_mangled_zero_result() -> None:
    # A checksum that becomes 0 turns into CSUM_MANGLED_0 (0xffff) with BPF_F_MARK_MANGLED_0.
    check = int.from_bytes(IPV4_UDP[UDP_CSUM : UDP_CSUM + 2], "little")
    for flags in (4 | 0x20, 4):
        outcome = compare(3, _replace(11, UDP_CSUM, 0, (~check & 0xFFFF) ^ 0, flags), IPV4_UDP)
        assert outcome.data_out is not None


@needs_kernel
def test_csum_update_and_level() -> None:
    compare(3, assemble("r2 = 0x1234\ncall 40\nexit"), IPV4_UDP)
    for levels in (
        (0,),
        (1, 0),
        (1, 1, 1, 1, 1, 0),
        (1, 2, 0),
        (1, 1, 2, 0),
        (1, 3, 0),
        (2, 0),
        (4,),
        (1, 5),
    ):
        lines = ["r6 = r1", "r7 = 0"]
        for level in levels:
            lines += ["r1 = r6", f"r2 = {level}", "call 135", "r7 <<= 8", "r7 ^= r0"]
        lines += ["r0 = r7", "exit"]
        compare(3, assemble("\n".join(lines)), IPV4_UDP)
