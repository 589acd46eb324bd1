"""The tunnel-metadata helpers against the kernel (``pybpf.progtypes.skb_tunnel``): set a tunnel key
(and options) on a test-run skb, read them back, and compare every return value and every byte read
with the kernel's, on each engine, for tc and LWT_XMIT programs."""

from __future__ import annotations

import pytest

from pybpf import uapi
from tests.progtypes.net_diff import compare_net, recording
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

TC = uapi.BPF_PROG_TYPE_SCHED_CLS
IPV6, ZERO_CSUM, DONT_FRAG, SEQ, NO_KEY = 1, 2, 4, 8, 16
FLAGS = uapi.BPF_F_TUNINFO_FLAGS
KEY_AT, OUT_AT = 48, 96
"""Where the key a program sets (r10 - 48) and the key it reads (r10 - 96) are."""


def fill_key(label: bool, ext: bool = False) -> str:
    """A 44-byte key at r10 - 48 with a different value in every word (``tunnel_label`` and
    ``tunnel_ext`` zero unless asked)."""
    lines = [f"*(u32 *)(r10 - {KEY_AT - 4 * i}) = {(0x1F2E3D4C * (i + 1)) & 0x7FFFFFFF}" for i in range(11)]
    if not ext:
        lines.append(f"*(u16 *)(r10 - {KEY_AT - 22}) = 0")
    if not label:
        lines.append(f"*(u32 *)(r10 - {KEY_AT - 24}) = 0")
    return "\n".join(lines)


def set_key(size: int, flags: int, *, label: bool = False, ext: bool = False) -> str:
    return (
        fill_key(label, ext)
        + f"\nr1 = r6\nr2 = r10\nr2 += -{KEY_AT}\nr3 = {size}\nr4 = {flags}\ncall bpf_skb_set_tunnel_key"
    )


def get_key(size: int, flags: int) -> str:
    prefill = "\n".join(
        f"*(u64 *)(r10 - {OUT_AT - 8 * i}) = 0x5A5A5A5A" for i in range(6)
    )  # what it must overwrite
    return (
        prefill
        + f"\nr1 = r6\nr2 = r10\nr2 += -{OUT_AT}\nr3 = {size}\nr4 = {flags}\ncall bpf_skb_get_tunnel_key"
    )


READ_BACK = [f"r0 = *(u64 *)(r10 - {OUT_AT - 8 * i})" for i in range(5)] + [
    f"r0 = *(u32 *)(r10 - {OUT_AT - 40})"
]
"""The six loads of the 44 bytes ``get_key`` wrote."""

KEY_CASES = [
    # set size, set flags, label, ext, get size, get flags
    (44, 0, False, False, 44, 0), (44, 0, False, False, 44, FLAGS), (44, IPV6, True, False, 44, IPV6),
    (44, IPV6, True, False, 44, IPV6 | FLAGS), (44, IPV6, False, False, 44, 0),
    (44, 0, False, False, 44, IPV6),
    (44, ZERO_CSUM | DONT_FRAG | SEQ, False, False, 44, FLAGS), (44, NO_KEY, False, False, 44, FLAGS),
    (44, IPV6 | NO_KEY | SEQ, True, False, 44, IPV6 | FLAGS), (44, 32, False, False, 44, 0),
    (44, 0, True, False, 44, 0), (44, 0, False, True, 44, 0), (44, IPV6, False, True, 44, IPV6),
    (28, 0, False, False, 28, 0), (24, IPV6, True, False, 24, IPV6), (22, 0, False, False, 22, FLAGS),
    (8, 0, False, False, 8, 0), (8, IPV6, False, False, 8, IPV6), (7, 0, False, False, 44, 0),
    (44, 0, False, False, 40, 0), (44, 0, False, False, 44, 32), (44, IPV6, True, False, 28, IPV6 | FLAGS),
]  # fmt: skip


@pytest.mark.parametrize("prog_type", [TC, uapi.BPF_PROG_TYPE_LWT_XMIT])
@pytest.mark.parametrize(("set_size", "set_flags", "label", "ext", "get_size", "get_flags"), KEY_CASES)
def test_set_then_get_key(  # noqa: PLR0917 - parametrized
    prog_type: int, set_size: int, set_flags: int, label: bool, ext: bool, get_size: int, get_flags: int
) -> None:
    text = recording(
        set_key(set_size, set_flags, label=label, ext=ext), get_key(get_size, get_flags), *READ_BACK
    )
    compare_net(prog_type, text, IPV4_UDP, record=True)


@pytest.mark.parametrize(("size", "flags"), [(44, 0), (44, IPV6), (28, FLAGS), (44, 32), (8, 0)])
def test_get_key_without_tunnel_info(size: int, flags: int) -> None:
    compare_net(TC, recording(get_key(size, flags), *READ_BACK), IPV4_UDP, record=True)


def set_opt(size: int) -> str:
    words = "\n".join(f"*(u32 *)(r10 - {160 - 4 * i}) = {0x0A0B0C0D + i}" for i in range(16))
    return words + f"\nr1 = r6\nr2 = r10\nr2 += -160\nr3 = {size}\ncall bpf_skb_set_tunnel_opt"


def get_opt(size: int) -> str:
    prefill = "\n".join(f"*(u64 *)(r10 - {OUT_AT - 8 * i}) = 0x5A5A5A5A" for i in range(2))
    return prefill + f"\nr1 = r6\nr2 = r10\nr2 += -{OUT_AT}\nr3 = {size}\ncall bpf_skb_get_tunnel_opt"


OPT_CASES = [
    # options set (size, or None: no key set first), options read (size)
    (None, 8),
    (8, 16),
    (8, 8),
    (8, 4),
    (12, 16),
    (6, 16),
    (0, 16),
    (64, 16),
    (256, 16),
]


@pytest.mark.parametrize(("set_size", "get_size"), OPT_CASES)
def test_tunnel_options(set_size: int | None, get_size: int) -> None:
    steps = [set_opt(8)] if set_size is None else [set_key(44, 0), set_opt(set_size)]
    reads = ["r0 = *(u64 *)(r10 - 96)", "r0 = *(u64 *)(r10 - 88)"]
    text = recording(*steps, get_opt(get_size), *reads, get_key(44, FLAGS), "r0 = *(u64 *)(r10 - 80)")
    compare_net(TC, text, IPV4_UDP, record=True)


def test_options_emptied_stay_present_and_a_new_key_drops_them() -> None:
    text = recording(set_key(44, 0), set_opt(8), set_opt(0), get_opt(8), set_key(44, 0), get_opt(8))
    compare_net(TC, text, IPV4_UDP, record=True)


def test_tunnel_info_lasts_over_the_repeats_of_a_test_run() -> None:
    """The first run finds no info (-EINVAL) and sets one; the second, on the same skb, reads it."""
    compare_net(TC, recording(get_key(44, 0), set_key(44, 0)), IPV4_UDP, record=True, repeat=2)
    compare_net(TC, recording(get_key(44, 0), set_key(44, 0)), IPV4_UDP, record=True, repeat=1)
