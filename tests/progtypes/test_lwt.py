"""LWT_IN / LWT_OUT / LWT_XMIT / LWT_SEG6LOCAL compared with the kernel: helper sets, ctx access
rules, the ctx rewrite (xlated instructions) and BPF_PROG_TEST_RUN through ``bpf()`` on both
backends (on each engine: tests/conftest.py's ``engine`` fixture; LWT_SEG6LOCAL has no test run)."""

from __future__ import annotations

import errno
import os

import pytest

from pybpf import assemble
from pybpf.isa.instruction import decode_program
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.progtypes import get_prog_type
from pybpf.progtypes.lwt import LwtIn, LwtOut, LwtSeg6local, LwtXmit
from pybpf.progtypes.skb import OFF, SK_BUFF_SIZE
from pybpf.uapi import (
    BPF_PROG_TYPE_LWT_IN,
    BPF_PROG_TYPE_LWT_OUT,
    BPF_PROG_TYPE_LWT_SEG6LOCAL,
    BPF_PROG_TYPE_LWT_XMIT,
)
from tests.progtypes import kernel_run
from tests.progtypes.net_diff import compare_net, load_fd, run_on
from tests.progtypes.test_skb_support import ETH_ONLY, IPV4_UDP, ctx_with, needs_kernel
from tests.progtypes.test_tracing import xlated

LWT_TYPES = (BPF_PROG_TYPE_LWT_IN, BPF_PROG_TYPE_LWT_OUT, BPF_PROG_TYPE_LWT_XMIT, BPF_PROG_TYPE_LWT_SEG6LOCAL)
LWT_RUN_TYPES = LWT_TYPES[:3]
CTX = ctx_with(mark=0xA1B2C3D4, priority=7, cb=[1, 0x22222222, 3, 0xFFFFFFFF, 5])
READABLE = (
    "len", "pkt_type", "mark", "queue_mapping", "protocol", "vlan_present", "vlan_tci", "vlan_proto",
    "priority", "ingress_ifindex", "ifindex", "tc_index", "cb", "hash", "napi_id", "gso_segs", "gso_size",
)  # fmt: skip


def _kernel_loads(text: str, prog_type: int) -> kernel_run.LoadError | None:
    try:
        fd = kernel_run.load(assemble(text), prog_type)
    except kernel_run.LoadError as err:
        return err
    os.close(fd)
    return None


def _access(off: int, size: int, write: bool) -> str:
    width = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[size]
    if write:
        return f"r2 = 0\n*({width} *)(r1 + {off}) = r2\nr0 = 0\nexit"
    return f"r2 = *({width} *)(r1 + {off})\nr0 = 0\nexit"


def test_registered() -> None:
    assert isinstance(get_prog_type(BPF_PROG_TYPE_LWT_IN), LwtIn)
    assert isinstance(get_prog_type(BPF_PROG_TYPE_LWT_OUT), LwtOut)
    assert isinstance(get_prog_type(BPF_PROG_TYPE_LWT_XMIT), LwtXmit)
    assert all(get_prog_type(number).ctx_size == SK_BUFF_SIZE for number in LWT_TYPES)  # type: ignore[union-attr]
    assert isinstance(get_prog_type(BPF_PROG_TYPE_LWT_SEG6LOCAL), LwtSeg6local)


def test_helper_sets_differ_as_the_kernels() -> None:
    lwt_in, lwt_out, lwt_xmit, _ = (get_prog_type(number) for number in LWT_TYPES)
    assert lwt_in and lwt_out and lwt_xmit
    assert lwt_in.func_allowed(73) and not lwt_out.func_allowed(73)  # bpf_lwt_push_encap
    assert lwt_xmit.func_allowed(9) and not lwt_in.func_allowed(9)  # skb_store_bytes
    assert 9 in lwt_xmit.helpers() and 9 not in lwt_out.helpers() and 26 in lwt_out.helpers()


@needs_kernel
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_func_allowed_matches_kernel(prog_type: int) -> None:
    kind = get_prog_type(prog_type)
    assert kind is not None
    differ = []
    for helper in range(1, 212):
        err = _kernel_loads(f"r0 = 0\ncall {helper}\nr0 = 0\nexit", prog_type)
        refused = err is not None and ("cannot use helper" in err.log or "invalid func" in err.log)
        if kind.func_allowed(helper) == refused:
            differ.append(helper)
    assert not differ, f"func_allowed differs from the kernel for helper ids {differ}"


@needs_kernel
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_ctx_access_matches_kernel(prog_type: int, write: bool) -> None:
    """Every aligned offset and size, loaded on pybpf's backend and on the kernel: same errno."""
    user, native = UserBackend(), NativeBackend()
    differ = []
    for size in (1, 2, 4, 8):
        for off in range(0, SK_BUFF_SIZE + 8, size):
            text = _access(off, size, write)
            outcomes = []
            for backend in (user, native):
                try:
                    os.close(load_fd(backend, prog_type, text))
                    outcomes.append(0)
                except OSError as err:
                    outcomes.append(err.errno)
            if outcomes[0] != outcomes[1]:
                differ.append((off, size, outcomes))
    assert not differ, f"(off, size, [pybpf, kernel]) where pybpf differs: {differ}"


_NOT_COMPARED = ("gso_segs", "gso_size", "napi_id")
"""Fields whose rewrite is not the kernel's instruction for instruction: gso_* go through
skb_shinfo with BPF_REG_AX (pybpf emits the one load it amounts to, see skb.py), napi_id compares
with NR_CPUS + 1, a build option (the runs compare the values)."""
_READS = "\n".join(
    f"r2 = *(u{8 * size} *)(r1 + {OFF[name] + shift})\nr0 += r2"
    for name in READABLE
    if name not in _NOT_COMPARED
    for size, shift in ((4, 0), (2, 2), (1, 1))
    if name != "cb" or shift == 0
)


@needs_kernel
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_ctx_rewrite_as_the_kernel(prog_type: int) -> None:
    """Every readable field whole and narrow, data/data_end and the writes: the kernel's xlated program."""
    text = f"""
        r0 = 0
        {_READS}
        r2 = *(u32 *)(r1 + {OFF["data"]})
        r3 = *(u32 *)(r1 + {OFF["data_end"]})
        r2 = 5
        *(u32 *)(r1 + {OFF["mark"]}) = r2
        *(u32 *)(r1 + {OFF["priority"]}) = r2
        *(u16 *)(r1 + {OFF["cb"] + 6}) = r2
        *(u64 *)(r1 + {OFF["cb"] + 8}) = r2
        *(u32 *)(r1 + {OFF["cb"]}) = 3
        exit
    """
    programs = []
    for backend in (UserBackend(), NativeBackend()):
        fd = load_fd(backend, prog_type, text)
        try:
            programs.append(xlated(backend, fd))
        finally:
            os.close(fd)
    mine, theirs = (decode_program(program) for program in programs)
    # pybpf's sk_buff is laid out its own way: the offsets differ, nothing else
    assert [(i.opcode, i.dst, i.src, i.imm) for i in mine] == [
        (i.opcode, i.dst, i.src, i.imm) for i in theirs
    ]


@needs_kernel
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("packet", [IPV4_UDP, ETH_ONLY], ids=["ipv4", "arp"])
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_every_readable_field_runs_as_the_kernel(prog_type: int, packet: bytes) -> None:
    for name in READABLE:
        for ctx in (None, CTX):
            compare_net(prog_type, f"r0 = *(u32 *)(r1 + {OFF[name]})\nexit", packet, ctx, ctx_size_out=192)


@needs_kernel
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_packet_pointers_start_at_the_network_header(prog_type: int) -> None:
    text = f"""
        r2 = *(u32 *)(r1 + {OFF["data"]})
        r3 = *(u32 *)(r1 + {OFF["data_end"]})
        r0 = r3
        r0 -= r2
        r5 = r2
        r5 += 20
        if r5 > r3 goto +3
        r6 = *(u32 *)(r2 + 12)
        r6 <<= 16
        r0 ^= r6
        exit
    """
    for packet in (IPV4_UDP, ETH_ONLY, IPV4_UDP[:14] + bytes(20)):
        compare_net(prog_type, text, packet)


@needs_kernel
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_direct_packet_write_only_in_xmit(prog_type: int) -> None:
    text = f"""
        r2 = *(u32 *)(r1 + {OFF["data"]})
        r3 = *(u32 *)(r1 + {OFF["data_end"]})
        r5 = r2
        r5 += 20
        if r5 > r3 goto +3
        r4 = 0x5a5a
        *(u16 *)(r2 + 0) = r4
        *(u32 *)(r2 + 16) = r4
        r0 = 1
        exit
    """
    outcome = compare_net(prog_type, text, IPV4_UDP)
    if prog_type == BPF_PROG_TYPE_LWT_XMIT:
        assert outcome.data_out[:14] == bytes(14) and outcome.data_out[14:16] == b"ZZ"
    else:
        assert outcome.load_errno == errno.EACCES


@needs_kernel
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("prog_type", LWT_RUN_TYPES)
def test_writes_copied_out_and_repeat(prog_type: int) -> None:
    text = f"""
        r2 = *(u32 *)(r1 + {OFF["cb"]})
        r2 += 1
        *(u32 *)(r1 + {OFF["cb"]}) = r2
        r3 = 0xdeadbeef
        *(u32 *)(r1 + {OFF["mark"]}) = r3
        *(u8 *)(r1 + {OFF["cb"] + 17}) = 0x99
        r4 = *(u32 *)(r1 + {OFF["priority"]})
        r4 += 3
        *(u32 *)(r1 + {OFF["priority"]}) = r4
        r0 = r2
        exit
    """
    assert compare_net(prog_type, text, IPV4_UDP, CTX, ctx_size_out=192, repeat=4).retval == 5


@needs_kernel
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_helpers_run_as_the_kernel(prog_type: int) -> None:
    load_bytes = """
        r6 = r1
        r2 = 2
        r3 = r10
        r3 += -8
        r4 = 8
        call 26
        r7 = r0
        r0 = *(u64 *)(r10 - 8)
        r0 ^= r7
        exit
    """
    compare_net(prog_type, load_bytes, IPV4_UDP)
    pull = "r2 = 0\ncall 39\nexit"
    compare_net(prog_type, pull, IPV4_UDP)
    store = """
        r2 = 0x11223344
        *(u32 *)(r10 - 4) = r2
        r2 = 4
        r3 = r10
        r3 += -4
        r4 = 4
        r5 = 0
        call 9
        exit
    """
    outcome = compare_net(prog_type, store, IPV4_UDP)
    assert (outcome.load_errno == 0) == (prog_type == BPF_PROG_TYPE_LWT_XMIT)


@needs_kernel
@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("prog_type", LWT_TYPES)
def test_test_run_refusals_as_the_kernel(prog_type: int) -> None:
    text = f"r0 = *(u32 *)(r1 + {OFF['len']})\nexit"
    for size in (0, 13, 14, 15, 3000, 4000):
        compare_net(prog_type, text, (IPV4_UDP * 100)[:size])
    compare_net(prog_type, text, IPV4_UDP, ctx_with(tc_index=1), ctx_size_out=192)
    compare_net(prog_type, text, IPV4_UDP, CTX + b"\x01", ctx_size_out=192)
    compare_net(prog_type, text, IPV4_UDP, flags=1)


@needs_kernel
def test_seg6local_has_no_test_run() -> None:
    outcome = compare_net(BPF_PROG_TYPE_LWT_SEG6LOCAL, "r0 = 0\nexit", IPV4_UDP)
    assert outcome.run_errno == 524  # ENOTSUPP


def test_rewrite_in_pybpf_alone() -> None:
    """Without the kernel: a narrow ifindex read keeps the NULL-device check (bpf_convert_ctx_access)."""
    kind = get_prog_type(BPF_PROG_TYPE_LWT_OUT)
    assert kind is not None
    converted = kind.convert_ctx_access(assemble(f"r0 = *(u32 *)(r1 + {OFF['ifindex']})")[0])
    assert len(converted) == 3
    assert (
        run_on(
            UserBackend(), BPF_PROG_TYPE_LWT_OUT, f"r0 = *(u32 *)(r1 + {OFF['tc_classid']})\nexit"
        ).load_errno
        == errno.EACCES
    )
