"""Packet dynptrs run by pybpf's engines as by the kernel (net/core/filter.c, kernel/bpf/helpers.c).

One program per packet program type makes a dynptr of the packet, reads an offset and a selector
from the packet's first two bytes (bpf_dynptr_read), slices there with and without a buffer
(bpf_dynptr_slice), writes three bytes there (bpf_dynptr_write), moves a clone's window
(bpf_dynptr_adjust) and folds every result (NULL or not, the bytes seen, the errnos, the sizes) into
its return value; the output packet shows the write.  Random packets (lengths and contents, so
offsets inside, at and past the end) run on both engines and, where bpf(2) works, on the kernel:
same return values, same output packets.  The run-time cases no verified program reaches (a
read-only dynptr's writable slice, a range inside an XDP fragment) are checked on the functions.
"""

from __future__ import annotations

import errno

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import pybpf
from pybpf.helpers import dynptr as rt
from pybpf.helpers.context import HelperContext, RunEnv
from pybpf.helpers.trace_pipe import TRACE_PIPE
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import dynptr_pkt
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.memory.regions import Memory

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

FROM = {
    "xdp": "bpf_dynptr_from_xdp",
    "sched_cls": "bpf_dynptr_from_skb",
    "socket_filter": "bpf_dynptr_from_skb",
}


def program(prog_type: str) -> str:
    """The folding program: r9 accumulates, r7 is the offset, r8 the selector."""
    k = kernel_btf()
    ids = {
        name: k.func_id(name)
        for name in (
            FROM[prog_type],
            "bpf_dynptr_slice",
            "bpf_dynptr_clone",
            "bpf_dynptr_adjust",
            "bpf_dynptr_size",
        )
    }
    make, slice_, clone, adjust, size = (
        ids[FROM[prog_type]],
        ids["bpf_dynptr_slice"],
        ids["bpf_dynptr_clone"],
        ids["bpf_dynptr_adjust"],
        ids["bpf_dynptr_size"],
    )
    return f"""
        r6 = r1
        r2 = 0
        r3 = r10
        r3 += -16
        call kfunc({make})
        r9 = r0
        r1 = 0
        *(u16 *)(r10 - 40) = r1
        r1 = r10
        r1 += -40
        r2 = 2
        r3 = r10
        r3 += -16
        r4 = 0
        r5 = 0
        call bpf_dynptr_read
        r0 &= 0xff
        r9 += r0
        r7 = *(u8 *)(r10 - 40)
        r8 = *(u8 *)(r10 - 39)
        r1 = r10
        r1 += -16
        r2 = r7
        r3 = r10
        r3 += -32
        r4 = 8
        call kfunc({slice_})
        if r0 == 0 goto no_buffered
        r1 = *(u64 *)(r0 + 0)
        r9 += r1
        r9 += 0x100
    no_buffered:
        r1 = r10
        r1 += -16
        r2 = r7
        r3 = 0
        r4 = 4
        call kfunc({slice_})
        if r0 == 0 goto no_linear
        r1 = *(u32 *)(r0 + 0)
        r1 <<= 12
        r9 += r1
        r9 += 0x200
    no_linear:
        r1 = 0x5a5b5c
        *(u32 *)(r10 - 48) = r1
        r1 = r10
        r1 += -16
        r2 = r7
        r3 = r10
        r3 += -48
        r4 = 3
        r5 = r8
        r5 &= 3
        call bpf_dynptr_write
        r0 &= 0xff
        r0 <<= 20
        r9 += r0
        r1 = r10
        r1 += -16
        r2 = r10
        r2 += -64
        call kfunc({clone})
        r1 = r10
        r1 += -64
        r2 = r7
        r3 = r8
        call kfunc({adjust})
        r0 &= 0xff
        r0 <<= 28
        r9 += r0
        r1 = r10
        r1 += -64
        call kfunc({size})
        r0 <<= 36
        r9 += r0
        r1 = r10
        r1 += -16
        call kfunc({size})
        r0 <<= 44
        r9 += r0
        r0 = r9
        r1 = r9
        r1 >>= 32
        r0 ^= r1
        exit
    """


def _packets() -> st.SearchStrategy[bytes]:
    """Packets of 14..160 bytes whose first byte (the offset) often falls near their end."""
    return st.tuples(st.binary(min_size=14, max_size=160), st.integers(0, 255), st.integers(0, 16)).map(
        lambda t: bytes([t[1] if t[1] < 200 else max(len(t[0]) - t[2], 0) & 0xFF]) + t[0][1:]
    )


@pytest.mark.parametrize("prog_type", sorted(FROM))
def test_random_packets_match_the_kernel(prog_type: str) -> None:
    src = program(prog_type)
    mine = pybpf.Program.load(src, prog_type, name="dynptr_pkt")
    theirs = (
        pybpf.Program.load(src, prog_type, name="dynptr_pkt", backend=NativeBackend())
        if kernel_bpf_available()
        else None
    )

    @seed(20261205)
    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(packet=_packets())
    def check(packet: bytes) -> None:
        got = mine.run(packet)
        if theirs is not None:
            want = theirs.run(packet)
            assert (got.retval, got.data_out) == (want.retval, want.data_out)

    try:
        check()
    finally:
        mine.close()
        if theirs is not None:
            theirs.close()


@pytest.mark.parametrize(
    ("prog_type", "answer"), [("socket_filter", -errno.EINVAL << 8 | 1), ("sched_cls", 0)]
)
def test_skb_dynptr_is_read_only_where_the_packet_is(prog_type: str, answer: int) -> None:
    """A socket filter's skb dynptr comes from bpf_dynptr_from_skb_rdonly (the verifier's fixup):
    bpf_dynptr_is_rdonly says so and bpf_dynptr_write is -EINVAL; a TC program's writes."""
    k = kernel_btf()
    make, rdonly = k.func_id("bpf_dynptr_from_skb"), k.func_id("bpf_dynptr_is_rdonly")
    src = f"""
        r2 = 0
        r3 = r10
        r3 += -16
        call kfunc({make})
        r1 = r10
        r1 += -16
        call kfunc({rdonly})
        r6 = r0
        r6 &= 1
        *(u32 *)(r10 - 24) = r6
        r1 = r10
        r1 += -16
        r2 = 0
        r3 = r10
        r3 += -24
        r4 = 1
        r5 = 0
        call bpf_dynptr_write
        r0 <<= 8
        r0 |= r6
        exit
    """
    backends = [None, NativeBackend()] if kernel_bpf_available() else [None]
    for backend in backends:
        with pybpf.Program.load(src, prog_type, backend=backend) as prog:
            assert prog.run(bytes(64)).retval == answer & 0xFFFF_FFFF


# --- the run-time functions on their own ----------------------------------------------------------


class _Packet:
    """A packet of ``linear`` bytes at ``address`` and ``frag`` bytes not in program memory."""

    def __init__(self, memory: Memory, address: int, linear: int, frag: bytes) -> None:
        self.memory, self.address, self.linear, self.frag = memory, address, linear, frag

    def packet_length(self) -> int:
        return self.linear + len(self.frag)

    def copy_packet(self, offset: int, size: int) -> bytes:
        whole = self.memory.read(self.address, self.linear) + self.frag
        return whole[offset : offset + size]

    def packet_pointer(self, offset: int, size: int) -> int | None:
        return self.address + offset if offset + size <= self.linear else None

    def load_packet(self, offset: int, size: int) -> bytes | int:
        return self.copy_packet(offset, size) if offset + size <= self.packet_length() else -errno.EINVAL

    def store_packet(self, offset: int, payload: bytes, flags: int) -> int:
        raise AssertionError("not written in these tests")


@pytest.fixture
def ctx() -> HelperContext:
    return HelperContext(Memory(), TRACE_PIPE)


def _scratch(ctx: HelperContext) -> int:
    """256 bytes of program memory: the dynptrs at 0 and 16, buffers at 32, data at 64..."""
    return ctx.memory.add_buffer(256, name="scratch").start


def test_writable_slice_of_a_read_only_dynptr_is_null(ctx: HelperContext) -> None:
    base = _scratch(ctx)
    rt.init(ctx, base, base + 64, rt.BPF_DYNPTR_TYPE_LOCAL, 32, rdonly=True)
    assert dynptr_pkt.dynptr_slice(ctx, base, 4, 0, 8, 0) == base + 68
    assert dynptr_pkt.dynptr_slice_rdwr(ctx, base, 4, 0, 8, 0) == 0
    assert dynptr_pkt.dynptr_is_rdonly(ctx, base) == 1


def test_bytes_in_a_fragment_are_copied_into_the_buffer(ctx: HelperContext) -> None:
    base = _scratch(ctx)
    ctx.memory.write(base + 128, bytes(range(16)))
    ctx.env = RunEnv(packet=_Packet(ctx.memory, base + 128, 16, bytes(range(100, 116))))
    rt.init(ctx, base, 1, rt.BPF_DYNPTR_TYPE_XDP, 32)
    assert dynptr_pkt.dynptr_slice(ctx, base, 2, 0, 4, 0) == base + 130  # linear: the packet itself
    assert dynptr_pkt.dynptr_slice(ctx, base, 14, 0, 4, 0) == 0  # across: no buffer, NULL
    assert dynptr_pkt.dynptr_slice(ctx, base, 14, base + 32, 4, 0) == base + 32
    assert ctx.memory.read(base + 32, 4) == bytes([14, 15, 100, 101])
    assert dynptr_pkt.dynptr_slice(ctx, base, 30, base + 32, 4, 0) == 0  # past the size


def test_null_dynptr_answers(ctx: HelperContext) -> None:
    base = _scratch(ctx)
    assert rt.dynptr_from_mem(ctx, base + 64, rt.DYNPTR_MAX_SIZE + 1, 0, base, 0) == -errno.E2BIG
    assert dynptr_pkt.dynptr_is_null(ctx, base) == 1
    assert dynptr_pkt.dynptr_is_rdonly(ctx, base) == 0
    assert dynptr_pkt.dynptr_size(ctx, base) == -errno.EINVAL & 0xFFFF_FFFF
    assert dynptr_pkt.dynptr_adjust(ctx, base, 0, 0, 0, 0) == -errno.EINVAL
    assert dynptr_pkt.dynptr_clone(ctx, base, base + 16, 0, 0, 0) == -errno.EINVAL
    assert rt.dynptr_data(ctx, base, 0, 1, 0, 0) == 0
    assert rt.dynptr_read(ctx, base + 64, 1, base, 0, 0) == -errno.EINVAL


def test_local_dynptr_bounds_and_window(ctx: HelperContext) -> None:
    base = _scratch(ctx)
    ctx.memory.write(base + 64, bytes(range(32)))
    assert rt.dynptr_from_mem(ctx, base + 64, 32, 1, base, 0) == -errno.EINVAL  # flags
    assert rt.dynptr_from_mem(ctx, base + 64, 32, 0, base, 0) == 0
    assert rt.dynptr_read(ctx, base + 128, 4, base, 29, 0) == -errno.E2BIG
    assert dynptr_pkt.dynptr_adjust(ctx, base, 8, 40, 0, 0) == -errno.ERANGE
    assert dynptr_pkt.dynptr_adjust(ctx, base, 40, 8, 0, 0) == -errno.EINVAL  # before the size
    assert dynptr_pkt.dynptr_adjust(ctx, base, 8, 24, 0, 0) == 0
    assert dynptr_pkt.dynptr_size(ctx, base) == 16
    assert rt.dynptr_data(ctx, base, 2, 4, 0, 0) == base + 64 + 10
    assert rt.dynptr_write(ctx, base, 15, base + 200, 2, 0) == -errno.E2BIG
    assert rt.dynptr_write(ctx, base, 0, base + 200, 2, 1) == -errno.EINVAL  # flags


def frags_program() -> str:
    """A multi-buffer XDP program: a buffered slice, a read and a write at the offset the packet's
    first two bytes give (u16), the bytes seen folded into the return value."""
    k = kernel_btf()
    make, slice_ = k.func_id("bpf_dynptr_from_xdp"), k.func_id("bpf_dynptr_slice")
    return f"""
        r2 = 0
        r3 = r10
        r3 += -16
        call kfunc({make})
        r1 = r10
        r1 += -40
        r2 = 2
        r3 = r10
        r3 += -16
        r4 = 0
        r5 = 0
        call bpf_dynptr_read
        r7 = *(u16 *)(r10 - 40)
        r1 = r10
        r1 += -16
        r2 = r7
        r3 = r10
        r3 += -32
        r4 = 8
        call kfunc({slice_})
        r9 = 1
        if r0 == 0 goto no_slice
        r9 = *(u64 *)(r0 + 0)
    no_slice:
        r1 = 0
        *(u64 *)(r10 - 48) = r1
        r1 = r10
        r1 += -48
        r2 = 6
        r3 = r10
        r3 += -16
        r4 = r7
        r5 = 0
        call bpf_dynptr_read
        r0 &= 0xff
        r9 ^= r0
        r1 = *(u32 *)(r10 - 48)
        r9 ^= r1
        r1 = 0xa5a6a7
        *(u32 *)(r10 - 56) = r1
        r1 = r10
        r1 += -16
        r2 = r7
        r2 += 5
        r3 = r10
        r3 += -56
        r4 = 3
        r5 = 0
        call bpf_dynptr_write
        r0 &= 0xff
        r0 <<= 24
        r9 ^= r0
        r0 = r9
        r9 >>= 32
        r0 ^= r9
        exit
    """


FRAG_SIZES = (3500, 3520, 3521, 4000, 7000, 8100)
FRAG_OFFSETS = (0, 3510, 3515, 3518, 3520, 3524, 4090, 4096, 6990, 7616, 8096, 9000)


@pytest.mark.parametrize("size", FRAG_SIZES)
def test_fragments_match_the_kernel(size: int) -> None:
    """Offsets across the linear part's end, inside fragments and past the packet: the slice's buffer
    gets the bytes, reads and writes reach the fragments, as in the kernel."""
    from pybpf.uapi import BPF_F_XDP_HAS_FRAGS

    src = frags_program()
    packets = [
        off.to_bytes(2, "little") + bytes((7 * i) & 0xFF for i in range(2, size)) for off in FRAG_OFFSETS
    ]
    backends = [None, NativeBackend()] if kernel_bpf_available() else [None]
    results = []
    for backend in backends:
        with pybpf.Program.load(src, "xdp", prog_flags=BPF_F_XDP_HAS_FRAGS, backend=backend) as prog:
            results.append([(r.retval, r.data_out) for r in (prog.run(p) for p in packets)])
    assert all(r == results[0] for r in results)
