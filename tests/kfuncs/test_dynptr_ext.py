"""bpf_dynptr_copy, bpf_dynptr_memset, bpf_probe_read_kernel_dynptr and bpf_probe_read_kernel_str_dynptr
(``pybpf.kfuncs.dynptr_ext``) against the kernel.

* Local dynptrs: a SYSCALL program makes two dynptrs over 32-byte stack buffers (sizes, and whether
  the first is null, from its context), copies between them, fills one, reads context bytes and a
  context string into them with the probe-read kfuncs, and writes the four results and both buffers
  back to its context: random parameters (offsets and sizes inside, at and past the bounds; size 0;
  null dynptrs) run on pybpf's engines and the kernel, the same results and bytes.
* Packet dynptrs: an XDP program copies packet bytes into a local dynptr and back into the packet
  at other offsets and fills packet bytes; a socket filter's read-only skb dynptr refuses the fill
  and the copy into it (-EINVAL).
* Addresses: NULL, a user address and an unmapped kernel address as the probe-read source (-ERANGE,
  -ERANGE, -EFAULT, size 0 included).
* The kfuncs may be called by every program type (common set).
"""

from __future__ import annotations

import errno
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pybpf
from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.kernel_btf import kernel_btf

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

NAMES = (
    "bpf_dynptr_copy",
    "bpf_dynptr_memset",
    "bpf_probe_read_kernel_dynptr",
    "bpf_probe_read_kernel_str_dynptr",
)
PARAMS_AT, RESULTS_AT, CTX_SIZE = 64, 96, 128


def _id(name: str) -> int:
    btf_id = kernel_btf().func_id(name)
    assert btf_id is not None, name
    return btf_id


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >> 31 else value


def _load(src: str, backend: Backend, prog_type: str = "syscall") -> pybpf.Program:
    flags = uapi.BPF_F_SLEEPABLE if prog_type == "syscall" else 0
    return pybpf.Program.load(src, prog_type, prog_flags=flags, backend=backend)


@pytest.mark.parametrize("prog_type", ["xdp", "sched_cls", "socket_filter", "syscall"])
def test_every_program_type_may_call_them(backend: Backend, prog_type: str) -> None:
    with _value_map(backend) as map_:
        _load_each(backend, prog_type, map_.fd)


def _value_map(backend: Backend) -> pybpf.Map:
    """The array map whose one 64-byte value holds the local dynptrs' memory."""
    return pybpf.Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 64, 1, backend=backend)


def _load_each(backend: Backend, prog_type: str, fd: int) -> None:
    for name in NAMES:
        third = "r3 = r10\nr3 += -24" if name == "bpf_dynptr_copy" else "r3 = 0"
        src = f"""
            r1 = map_value({fd}, 0) ll
            r2 = 8
            r3 = 0
            r4 = r10
            r4 += -24
            call bpf_dynptr_from_mem
            r1 = r10
            r1 += -24
            r2 = 0
            {third}
            r4 = 0
            r5 = 0
            call kfunc({_id(name)})
            r0 = 0
            exit
        """
        with _load(src, backend, prog_type) as prog:
            assert prog.fd >= 0


def _local_program(fd: int) -> str:
    """A and B: the map value's two halves (32 bytes each, from ctx[0:64]); dynptr A at fp-80, B at
    fp-96; params (u32): a_size, b_size, dst_off, src_off, size, val, a_flags at ctx[64:92]."""
    k = {name: _id(name) for name in NAMES}
    load = "\n".join(f"r1 = *(u64 *)(r6 + {8 * i})\n*(u64 *)(r7 + {8 * i}) = r1" for i in range(8))
    back = "\n".join(f"r1 = *(u64 *)(r7 + {8 * i})\n*(u64 *)(r6 + {8 * i}) = r1" for i in range(8))

    def param(reg: int, index: int) -> str:
        return f"r{reg} = *(u32 *)(r6 + {PARAMS_AT + 4 * index})"

    return f"""
        r6 = r1
        r7 = map_value({fd}, 0) ll
        {load}
        r1 = r7
        {param(2, 0)}
        r2 &= 31
        {param(3, 6)}
        r3 &= 1
        r4 = r10
        r4 += -80
        call bpf_dynptr_from_mem
        r1 = r7
        r1 += 32
        {param(2, 1)}
        r2 &= 31
        r3 = 0
        r4 = r10
        r4 += -96
        call bpf_dynptr_from_mem
        r1 = r10
        r1 += -96
        {param(2, 2)}
        r3 = r10
        r3 += -80
        {param(4, 3)}
        {param(5, 4)}
        call kfunc({k["bpf_dynptr_copy"]})
        *(u32 *)(r6 + {RESULTS_AT}) = r0
        r1 = r10
        r1 += -80
        {param(2, 2)}
        {param(3, 4)}
        {param(4, 5)}
        call kfunc({k["bpf_dynptr_memset"]})
        *(u32 *)(r6 + {RESULTS_AT + 4}) = r0
        r1 = r10
        r1 += -96
        {param(2, 2)}
        {param(3, 4)}
        {param(4, 3)}
        r4 &= 31
        r4 += r6
        call kfunc({k["bpf_probe_read_kernel_dynptr"]})
        *(u32 *)(r6 + {RESULTS_AT + 8}) = r0
        r1 = r10
        r1 += -80
        {param(2, 2)}
        {param(3, 4)}
        {param(4, 3)}
        r4 &= 31
        r4 += r6
        call kfunc({k["bpf_probe_read_kernel_str_dynptr"]})
        *(u32 *)(r6 + {RESULTS_AT + 12}) = r0
        {back}
        r0 = 0
        exit
    """


_OFFSETS = st.one_of(st.integers(0, 40), st.sampled_from([0xFFFF_FFFF, 1 << 31]))


def _local_context(data: bytes, params: tuple[int, ...]) -> bytes:
    packed = struct.pack("<7I", *(p & 0xFFFF_FFFF for p in params))
    return data + packed.ljust(RESULTS_AT - PARAMS_AT, b"\0") + bytes(CTX_SIZE - RESULTS_AT)


def _local_run(prog: pybpf.Program, context: bytes) -> tuple[list[int], bytes]:
    out = prog.run(ctx=context).ctx_out
    assert out is not None
    return [_s32(v) for v in struct.unpack_from("<4I", out, RESULTS_AT)], out[:64]


def test_local_dynptrs_match_the_kernel() -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    with (
        _value_map(UserBackend()) as my_map,
        _value_map(NativeBackend()) as their_map,
        _load(_local_program(my_map.fd), UserBackend()) as mine,
        _load(_local_program(their_map.fd), NativeBackend()) as theirs,
    ):

        @settings(max_examples=60, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
        @given(
            data=st.binary(min_size=64, max_size=64).map(lambda b: bytes(c if c % 5 else 0 for c in b)),
            sizes=st.tuples(st.integers(0, 31), st.integers(0, 31)),
            dst_off=_OFFSETS,
            src_off=st.integers(0, 31),
            size=st.one_of(st.integers(0, 32), st.sampled_from([0xFFFF_FFFF, 1 << 32 | 4])),
            val=st.integers(0, 1 << 32),
            null=st.booleans(),
        )
        def check(  # noqa: PLR0917 - the drawn parameters
            data: bytes, sizes: tuple[int, int], dst_off: int, src_off: int, size: int, val: int, null: bool
        ) -> None:
            context = _local_context(data, (*sizes, dst_off, src_off, size, val, int(null)))
            assert _local_run(mine, context) == _local_run(theirs, context)

        check()


LOCAL_CASES = [  # (a_size, b_size, dst_off, src_off, size, val, null) -> the four results
    ((16, 16, 0, 0, 8, 0x41, 0), [0, 0, 0, 6]),  # "hello" and its NUL
    ((16, 16, 10, 0, 8, 0x41, 0), [-errno.E2BIG] * 4),
    ((16, 16, 0, 0, 0, 0x41, 1), [-errno.EINVAL, 0, 0, 0]),  # B's empty slice, a null source
    ((16, 16, 0, 0, 1, 0x41, 1), [-errno.EINVAL, -errno.E2BIG, 0, -errno.E2BIG]),
    ((16, 16, 0, 4, 3, 0x41, 0), [0, 0, 0, 2]),  # "o\0"
    ((16, 16, 0, 6, 3, 0x41, 0), [0, 0, 0, 3]),  # "wor": truncated, its last byte a NUL
]


@pytest.mark.parametrize(("params", "want"), LOCAL_CASES)
def test_local_dynptr_cases(backend: Backend, params: tuple[int, ...], want: list[int]) -> None:
    """Bounds, size 0 and null dynptrs (``null`` = 1: the first dynptr is null)."""
    a_size, b_size, dst_off, src_off, size, val, null = params
    data = b"hello\0world.....".ljust(32, b"x") + bytes(range(1, 33))
    context = _local_context(data, (a_size, b_size, dst_off, src_off, size, val, null))
    with _value_map(backend) as map_, _load(_local_program(map_.fd), backend) as prog:
        results, _ = _local_run(prog, context)
    assert results == want


# --- packet dynptrs -----------------------------------------------------------------------------------

FROM = {
    "xdp": "bpf_dynptr_from_xdp",
    "sched_cls": "bpf_dynptr_from_skb",
    "socket_filter": "bpf_dynptr_from_skb",
}


def _packet_program(prog_type: str, fd: int) -> str:
    """The packet's first five bytes: off1, off2, off3, n, m.  copy(local <- packet + off1, n),
    copy(packet + off2 <- local, n), memset(packet + off3, 0x5a, m); the three results' low bytes
    and the local copy's first byte folded into r0."""
    copy, memset = _id("bpf_dynptr_copy"), _id("bpf_dynptr_memset")
    return f"""
        r6 = r1
        r1 = r6
        r2 = 0
        r3 = r10
        r3 += -16
        call kfunc({_id(FROM[prog_type])})
        r1 = 0
        *(u64 *)(r10 - 64) = r1
        r1 = r10
        r1 += -64
        r2 = 5
        r3 = r10
        r3 += -16
        r4 = 0
        r5 = 0
        call bpf_dynptr_read
        if r0 != 0 goto out
        r7 = *(u8 *)(r10 - 64)
        *(u64 *)(r10 - 40) = r7
        r7 = *(u8 *)(r10 - 63)
        *(u64 *)(r10 - 48) = r7
        r7 = *(u8 *)(r10 - 62)
        *(u64 *)(r10 - 56) = r7
        r7 = *(u8 *)(r10 - 61)
        r7 &= 63
        r8 = *(u8 *)(r10 - 60)
        r1 = map_value({fd}, 0) ll
        r2 = 64
        r3 = 0
        r4 = r10
        r4 += -32
        call bpf_dynptr_from_mem
        r1 = r10
        r1 += -32
        r2 = 0
        r3 = r10
        r3 += -16
        r4 = *(u64 *)(r10 - 40)
        r5 = r7
        call kfunc({copy})
        r9 = r0
        r9 &= 0xff
        r1 = r10
        r1 += -16
        r2 = *(u64 *)(r10 - 48)
        r3 = r10
        r3 += -32
        r4 = 0
        r5 = r7
        call kfunc({copy})
        r0 &= 0xff
        r0 <<= 8
        r9 |= r0
        r1 = r10
        r1 += -16
        r2 = *(u64 *)(r10 - 56)
        r3 = r8
        r4 = 0x15a
        call kfunc({memset})
        r0 &= 0xff
        r0 <<= 16
        r9 |= r0
        r1 = map_value({fd}, 0) ll
        r1 = *(u8 *)(r1 + 0)
        r1 <<= 24
        r9 |= r1
        r0 = r9
    out:
        exit
    """


def _packets() -> st.SearchStrategy[bytes]:
    """Packets of 14..120 bytes whose offsets and sizes fall inside, at and past their end."""
    return st.tuples(
        st.binary(min_size=14, max_size=120), st.lists(st.integers(0, 130), min_size=5, max_size=5)
    ).map(lambda t: bytes(t[1]) + t[0][5:])


@pytest.mark.parametrize("prog_type", sorted(FROM))
def test_packet_dynptrs_match_the_kernel(prog_type: str) -> None:
    """Copies between the packet and a local dynptr and fills of the packet: the same results and
    output packets (a socket filter's skb dynptr is read-only: -EINVAL, the packet unchanged)."""
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    with (
        _value_map(UserBackend()) as my_map,
        _value_map(NativeBackend()) as their_map,
        _load(_packet_program(prog_type, my_map.fd), UserBackend(), prog_type) as mine,
        _load(_packet_program(prog_type, their_map.fd), NativeBackend(), prog_type) as theirs,
    ):
        seen = set()

        @settings(max_examples=50, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
        @given(packet=_packets())
        def check(packet: bytes) -> None:
            got, want = mine.run(packet), theirs.run(packet)
            assert (got.retval, got.data_out) == (want.retval, want.data_out)
            seen.add(got.retval >> 16 & 0xFF)

        check()
        assert len(seen) > 1  # the fills both worked and failed


# --- probe-read sources the kernel refuses or cannot read ----------------------------------------------


@pytest.mark.parametrize(
    ("address", "size", "err"),
    [(0, 8, -errno.ERANGE), (0, 0, -errno.ERANGE), (0x1000, 8, -errno.ERANGE), (1 << 63, 8, -errno.ERANGE),
     (0xFFFF_FFFF_FFFF_F000, 8, -errno.EFAULT)],
)  # fmt: skip
def test_probe_read_bad_sources(backend: Backend, address: int, size: int, err: int) -> None:
    """bpf_probe_read_kernel_dynptr and its _str twin from a refused or unreadable address; the
    string copy leaves its first byte NUL on a fault (the value's first byte read back)."""
    with _value_map(backend) as map_:
        map_.update(0, b"\x7f" * 64)
        src = f"""
            r6 = r1
            r1 = map_value({map_.fd}, 0) ll
            r2 = 64
            r3 = 0
            r4 = r10
            r4 += -16
            call bpf_dynptr_from_mem
            r1 = r10
            r1 += -16
            r2 = 0
            r3 = {size}
            r4 = {address:#x} ll
            call kfunc({_id("bpf_probe_read_kernel_dynptr")})
            *(u32 *)(r6 + 0) = r0
            r1 = r10
            r1 += -16
            r2 = 0
            r3 = {size}
            r4 = {address:#x} ll
            call kfunc({_id("bpf_probe_read_kernel_str_dynptr")})
            *(u32 *)(r6 + 4) = r0
            r1 = map_value({map_.fd}, 0) ll
            r1 = *(u8 *)(r1 + 0)
            *(u32 *)(r6 + 8) = r1
            r0 = 0
            exit
        """
        with _load(src, backend) as prog:
            out = prog.run(ctx=bytes(12)).ctx_out
    assert out is not None
    data_err, str_err, first = struct.unpack("<3I", out)
    str_want = 0 if size == 0 else err
    assert (_s32(data_err), _s32(str_err)) == (err, str_want)
    assert first == (0 if err == -errno.EFAULT and size else 0x7F)
