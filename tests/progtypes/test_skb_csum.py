"""Checksum arithmetic (pybpf.helpers.csum) and bpf_csum_diff compared with the kernel."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf import assemble
from pybpf.helpers import csum
from pybpf.isa.instruction import Instruction
from tests.progtypes.test_skb_support import IPV4_UDP, compare, needs_kernel

pytestmark = pytest.mark.usefixtures("engine")  # its programs run on each engine (tests/conftest.py)

IP_HEADER = IPV4_UDP[14:34]


def _diff_program(from_words: bytes, to_words: bytes, seed: int) -> list[Instruction]:
    """Put both buffers on the stack and return bpf_csum_diff's 32-bit result (and its top bits)."""
    lines = ["r6 = r1"]
    buffer = from_words + to_words
    for i in range(0, len(buffer), 8):
        chunk = buffer[i : i + 8].ljust(8, b"\0")
        lines += [f"r2 = {int.from_bytes(chunk, 'little')} ll", f"*(u64 *)(r10 - {512 - i}) = r2"]
    lines += [
        "r1 = r10",
        "r1 += -512",
        f"r2 = {len(from_words)}",
        "r3 = r10",
        f"r3 += {-512 + len(from_words)}",
        f"r4 = {len(to_words)}",
        f"r5 = {seed} ll",
        "call 28",
        "r2 = r0",
        "r2 >>= 32",
        "r0 ^= r2",
        "exit",
    ]
    return assemble("\n".join(lines))


def _words(rng: random.Random, count: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(4 * count))


@needs_kernel
def test_csum_diff_matches_kernel() -> None:
    rng = random.Random(5)
    cases = [
        (b"", b"", 0),
        (b"", b"", 0xDEADBEEF),
        (b"\0\0\0\0", b"", 0),
        (b"", b"\xff" * 4, 0),
        (b"\xff" * 8, b"\0" * 8, 0),
        (IP_HEADER[12:16], bytes([192, 168, 1, 1]), 0),
        (b"", IP_HEADER, 0),
        (IP_HEADER, b"", 0xFFFFFFFF),
        (b"\x01\x02\x03", b"", 0),
        (b"", b"\x01", 0),
        (b"\xff" * 256, b"\xff" * 256, 1),
        (b"\xff" * 248, b"\xff" * 260, 0),
        (b"\0" * 4, b"\0" * 4, 0),
    ]
    cases += [
        (_words(rng, rng.randrange(0, 20)), _words(rng, rng.randrange(0, 20)), rng.getrandbits(32))
        for _ in range(6)
    ]
    for from_words, to_words, seed in cases:
        compare(3, _diff_program(from_words, to_words, seed), IPV4_UDP)
    compare(4, _diff_program(b"\x12\x34\x56\x78", b"\x9a\xbc\xde\xf0", 7), IPV4_UDP)
    fill = "\n".join(f"*(u64 *)(r10 - {8 * i}) = r2\nr2 *= 3" for i in range(1, 65))
    for from_size, to_size in ((512, 512), (4, 508), (2, 0), (508, 8), (0, 7)):  # overlapping buffers
        program = assemble(f"""
            r2 = 0x0102030405060708 ll
            {fill}
            r1 = r10
            r1 += -512
            r2 = {from_size}
            r3 = r10
            r3 += -{to_size or 8}
            r4 = {to_size}
            r5 = 0
            call 28
            exit
        """)
        compare(3, program, IPV4_UDP)


def test_ip_header_checksum_folds_to_zero() -> None:
    assert csum.csum_fold(csum.csum_partial(IP_HEADER)) == 0


@settings(max_examples=50)
@given(st.binary(min_size=0, max_size=64).map(lambda b: b[: len(b) // 4 * 4]), st.integers(0, 2**32 - 1))
def test_partial_is_ones_complement_sum(data: bytes, seed: int) -> None:
    value = csum.csum_partial(data, seed)
    total = seed + sum(int.from_bytes(data[i : i + 4], "little") for i in range(0, len(data), 4))
    assert value % 0xFFFFFFFF == total % 0xFFFFFFFF and 0 <= value <= 0xFFFFFFFF
    assert (value == 0) == (total == 0)


def _ip_checksum(header: bytes) -> int:
    """The header's checksum field as read natively (little-endian u16), computed afresh."""
    zeroed = header[:10] + b"\0\0" + header[12:]
    return csum.csum_fold(csum.csum_partial(zeroed))


@settings(max_examples=50)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**16 - 1))
def test_incremental_updates_match_recomputation(address: int, ident: int) -> None:
    check = int.from_bytes(IP_HEADER[10:12], "little")
    header = IP_HEADER[:12] + address.to_bytes(4, "big") + IP_HEADER[16:]
    old = int.from_bytes(IP_HEADER[12:16], "little")
    new = int.from_bytes(header[12:16], "little")
    updated = csum.csum_replace4(check, old, new)
    assert updated == _ip_checksum(header) or {updated, _ip_checksum(header)} == {0, 0xFFFF}
    header2 = IP_HEADER[:4] + ident.to_bytes(2, "big") + IP_HEADER[6:]
    old16 = int.from_bytes(IP_HEADER[4:6], "little")
    new16 = int.from_bytes(header2[4:6], "little")
    updated2 = csum.csum_replace2(check, old16, new16)
    assert updated2 == _ip_checksum(header2) or {updated2, _ip_checksum(header2)} == {0, 0xFFFF}
    inverted = bytes(~b & 0xFF for b in IP_HEADER[12:16])
    diff = csum.csum_partial(inverted + header[12:16])
    assert csum.csum_replace_by_diff(check, diff) in (updated, updated ^ 0xFFFF)


@pytest.mark.parametrize("value", [0, 1, 0xFFFF, 0x10000, 0xFFFFFFFF, 0x12345678])
def test_fold(value: int) -> None:
    folded = csum.csum_fold(value)
    assert 0 <= folded <= 0xFFFF
    assert (~folded & 0xFFFF) % 0xFFFF == value % 0xFFFF
