"""The packet and checksum helpers lowered natively (``pybpf.jit.native_packet``): the Python helpers'
results, errnos and packets on both engines and the kernel, no trampoline on the common paths, and
programs that move the XDP packet and read it again, verified and not."""

from __future__ import annotations

import re
import struct
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import Program
from pybpf.errors import ExecutionError
from pybpf.helpers import default_registry
from pybpf.helpers.context import RunEnv
from pybpf.helpers.registry import HelperRegistry
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.jit.state import Op
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.memory.regions import Memory, PacketReader
from pybpf.progtypes.base import ProgType, TestRunArgs, TestRunResult
from pybpf.progtypes.sched_cls import SchedCls
from pybpf.progtypes.xdp import XdpProgType
from pybpf.vm import Interpreter
from tests.kernel_build import refused_in

ENGINES = ("jit", "interpreter")
OFFSETS = st.one_of(
    st.integers(0, 90), st.sampled_from([0xFFFF, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFF0, 0xFFFF_FFFF])
)
LENGTHS = st.integers(0, 63)  # the programs call with len & 63 + 1

FOLD_BUFFER = "\n".join(
    ["    r1 = 0"] + [f"    r1 *= 31\n    r2 = *(u64 *)(r10 - {8 * k})\n    r1 += r2" for k in range(1, 9)]
)
"""r1 = a hash of the 64 bytes below r10 (the buffer the helpers fill)."""
FOLD_RESULT = """
    r2 = r1
    r2 >>= 32
    r1 ^= r2
    r0 = r1
"""
PATTERN = "\n".join(
    ["    r1 = 0xa5a5a5a5a5a5a5a5 ll"] + [f"    *(u64 *)(r10 - {8 * k}) = r1" for k in range(1, 9)]
)

XDP_LOAD = f"""
    r6 = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 24
    if r4 > r3 goto short
    r7 = *(u32 *)(r2 + 14)
    r8 = *(u32 *)(r2 + 18)
    r8 &= 63
    r8 += 1
{PATTERN}
    r1 = r6
    r2 = r7
    r3 = r10
    r3 += -64
    r4 = r8
    call bpf_xdp_load_bytes
    r9 = r0
{FOLD_BUFFER}
    r1 *= 31
    r1 += r9
{FOLD_RESULT}
    exit
short:
    r0 = 1
    exit
"""
"""``bpf_xdp_load_bytes(ctx, offset = u32 at 14, buf, (u32 at 18 & 63) + 1)``: r0 hashes the buffer and
the result."""

XDP_STORE = f"""
    r6 = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 24
    if r4 > r3 goto short
    r7 = *(u32 *)(r2 + 14)
    r8 = *(u32 *)(r2 + 18)
    r8 &= 63
    r8 += 1
{PATTERN}
    r1 = r6
    r2 = r7
    r3 = r10
    r3 += -64
    r4 = r8
    call bpf_xdp_store_bytes
    exit
short:
    r0 = 1
    exit
"""

SKB_LOAD = f"""
    r6 = r1
    r2 = *(u32 *)(r6 + 76)
    r3 = *(u32 *)(r6 + 80)
    r4 = r2
    r4 += 28
    if r4 > r3 goto short
    r7 = *(u32 *)(r2 + 14)
    r8 = *(u32 *)(r2 + 18)
    r8 &= 63
    r8 += 1
    r9 = *(u32 *)(r2 + 22)
{PATTERN}
    r1 = r6
    r2 = r7
    r3 = r10
    r3 += -64
    r4 = r8
    r5 = r9
    call {{helper}}
    r9 = r0
{FOLD_BUFFER}
    r1 *= 31
    r1 += r9
{FOLD_RESULT}
    exit
short:
    r0 = 1
    exit
"""
"""``bpf_skb_load_bytes(_relative)(skb, u32 at 14, buf, (u32 at 18 & 63) + 1, u32 at 22)``."""

SKB_STORE_AND_REPLACE = f"""
    r6 = r1
    r1 = r6
    r2 = 0x5a5a
    call bpf_set_hash
    r2 = *(u32 *)(r6 + 76)
    r3 = *(u32 *)(r6 + 80)
    r4 = r2
    r4 += 54
    if r4 > r3 goto short
    r1 = *(u64 *)(r2 + 14)
    *(u64 *)(r10 - 72) = r1
    r1 = *(u64 *)(r2 + 22)
    *(u64 *)(r10 - 80) = r1
    r1 = *(u64 *)(r2 + 30)
    *(u64 *)(r10 - 88) = r1
    r1 = *(u64 *)(r2 + 38)
    *(u64 *)(r10 - 96) = r1
    r1 = *(u64 *)(r2 + 46)
    *(u64 *)(r10 - 104) = r1
{PATTERN}
    r1 = r6
    r2 = *(u32 *)(r10 - 72)
    r3 = r10
    r3 += -64
    r4 = *(u32 *)(r10 - 68)
    r4 &= 63
    r4 += 1
    r5 = *(u64 *)(r10 - 80)
    call bpf_skb_store_bytes
    r7 = r0
    r8 = *(u32 *)(r6 + 68)
    r1 = r6
    r2 = *(u32 *)(r10 - 88)
    r3 = *(u64 *)(r10 - 96)
    r4 = *(u64 *)(r10 - 104)
    r5 = *(u32 *)(r10 - 84)
    call {{helper}}
    r1 = r7
    r1 *= 31
    r1 += r8
    r1 *= 31
    r1 += r0
{FOLD_RESULT}
    exit
short:
    r0 = 1
    exit
"""
"""After ``bpf_set_hash(0x5a5a)``: ``bpf_skb_store_bytes(skb, u32 at 14, buf, (u32 at 18 & 63) + 1, u64 at
22)``, skb->hash read, then ``bpf_l3/l4_csum_replace(skb, u32 at 30, u64 at 38, u64 at 46, u32 at 34)``."""

XDP_ADJUST = """
    r6 = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 26
    if r4 > r3 goto short
    r7 = *(u32 *)(r2 + 14)
    r8 = *(u32 *)(r2 + 18)
    r9 = *(u32 *)(r2 + 22)
    r1 = r6
    r2 = r7
    call bpf_xdp_adjust_head
    r7 = r0
    r1 = r6
    r2 = r8
    call bpf_xdp_adjust_meta
    r7 *= 31
    r7 += r0
    r1 = r6
    r2 = r9
    call bpf_xdp_adjust_tail
    r7 *= 31
    r7 += r0
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto meta
    r1 = *(u64 *)(r2 + 6)
    r7 += r1
    *(u32 *)(r2 + 0) = r7
    r1 = r3
    r1 -= r2
    *(u16 *)(r2 + 4) = r1
meta:
    r2 = *(u32 *)(r6 + 8)
    r3 = *(u32 *)(r6 + 0)
    r4 = r2
    r4 += 4
    if r4 > r3 goto done
    *(u32 *)(r2 + 0) = r7
done:
    r0 = r7
    r0 &= 0xffff
    exit
short:
    r0 = 1
    exit
"""
"""``bpf_xdp_adjust_head(s32 at 14)``, ``bpf_xdp_adjust_meta(s32 at 18)``, ``bpf_xdp_adjust_tail(s32 at
22)``, then the packet written where the moved pointers say: a word at data and at data_meta."""


def le32(value: int) -> bytes:
    return struct.pack("<I", value & 0xFFFF_FFFF)


def frame(parameters: bytes, size: int, *, zeros: bool = False) -> bytes:
    """A non-IP Ethernet frame of ``size`` bytes with ``parameters`` after its header, then a pattern
    (or zeroes)."""
    head = bytes(6) + bytes.fromhex("020000000001") + b"\x88\xb5" + parameters
    body = bytes(size - len(head)) if zeros else bytes((7 * i + 3) & 0xFF for i in range(len(head), size))
    return (head + body)[: max(size, len(head))]


Outcomes = list[tuple[int, bytes]]


def loaded_runs(
    backend: Backend, engine: str | None, text: str, prog_type: str, packets: list[bytes]
) -> Outcomes:
    """(retval, data_out) of each packet, run once and three times, on a program loaded on ``backend``."""
    outcomes: Outcomes = []
    with pytest.MonkeyPatch.context() as patch:
        if engine is not None:
            patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with Program.load(text, prog_type, backend=backend) as prog:
            for packet in packets:
                for repeat in (1, 3):
                    result = prog.run(packet, repeat=repeat)
                    outcomes.append((result.retval, bytes(result.data_out)))
    return outcomes


def assert_agree(text: str, prog_type: str, packets: list[bytes], *, kernel: bool = True) -> Outcomes:
    """The JIT's outcomes, which the interpreter's and (where bpf(2) works, and its build lets the
    program type call the program's helpers: ``tests.kernel_build``) the kernel's equal."""
    jit = loaded_runs(UserBackend(), "jit", text, prog_type, packets)
    assert jit == loaded_runs(UserBackend(), "interpreter", text, prog_type, packets)
    if kernel and kernel_bpf_available() and not refused_in(text, prog_type):
        assert jit == loaded_runs(NativeBackend(), None, text, prog_type, packets)
    return jit


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- XDP: bytes in and out -------------------------------------------------------------------------------
@SETTINGS
@given(
    cases=st.lists(st.tuples(OFFSETS, LENGTHS, st.integers(60, 200)), min_size=1, max_size=4),
    store=st.booleans(),
)
def test_xdp_load_and_store_bytes_agree(cases: list[tuple[int, int, int]], store: bool) -> None:
    packets = [frame(le32(offset) + le32(length), size) for offset, length, size in cases]
    assert_agree(XDP_STORE if store else XDP_LOAD, "xdp", packets)


@pytest.mark.parametrize("past", [0, 1])
@pytest.mark.parametrize("text", ["xdp_load", "xdp_store", "skb_load", "skb_relative"])
def test_bytes_at_the_packet_end(text: str, past: int) -> None:
    """The last bytes of the packet, and one byte more (-EINVAL on XDP, -EFAULT on a socket buffer)."""
    size, length = 80, 10  # the programs pass (length & 63) + 1 bytes
    program, prog_type = {
        "xdp_load": (XDP_LOAD, "xdp"),
        "xdp_store": (XDP_STORE, "xdp"),
        "skb_load": (SKB_LOAD.format(helper="bpf_skb_load_bytes"), "sched_cls"),
        "skb_relative": (SKB_LOAD.format(helper="bpf_skb_load_bytes_relative"), "sched_cls"),
    }[text]
    offset = size - (length + 1) + past
    assert_agree(program, prog_type, [frame(le32(offset) + le32(length) + le32(0), size)])


def test_xdp_bytes_helpers_are_native(services: Counter[int]) -> None:
    packet = frame(le32(20) + le32(15), 100)
    for text in (XDP_LOAD, XDP_STORE):
        outcomes = loaded_runs(UserBackend(), "jit", text, "xdp", [packet])
        assert outcomes == loaded_runs(UserBackend(), "interpreter", text, "xdp", [packet])
    assert services == Counter()


def test_fragments_go_to_the_python_helpers(services: Counter[int]) -> None:
    """A packet larger than the page's linear part has fragments: the Python helpers read across them."""
    packets = [frame(le32(offset) + le32(63), 5000) for offset in (3400, 3500, 4900, 4990)]
    assert_agree(XDP_LOAD, "xdp", packets, kernel=False)
    assert services[189] > 0


# -- socket buffers --------------------------------------------------------------------------------------
@SETTINGS
@given(
    cases=st.lists(
        st.tuples(OFFSETS, LENGTHS, st.sampled_from([0, 1, 2, 3, 0x1_0000_0000]), st.integers(60, 160)),
        min_size=1,
        max_size=4,
    ),
    relative=st.booleans(),
)
def test_skb_load_bytes_agree(cases: list[tuple[int, int, int, int]], relative: bool) -> None:
    packets = [
        frame(le32(offset) + le32(length) + le32(start), size) for offset, length, start, size in cases
    ]
    helper = "bpf_skb_load_bytes_relative" if relative else "bpf_skb_load_bytes"
    assert_agree(SKB_LOAD.format(helper=helper), "sched_cls", packets)


CSUM_FLAGS = st.one_of(
    st.sampled_from(
        [0, 2, 4, 1, 3, 8, 15, 16 | 2, 16 | 4, 32, 32 | 2, 32 | 4, 64 | 32 | 4, 128 | 4, 0x100, 0x8000_0000]
    ),
    st.integers(0, 0xFFFF_FFFF),
)
CSUM_VALUES = st.one_of(st.just(0), st.integers(0, 0xFFFF), st.integers(0, 2**64 - 1))


@st.composite
def store_and_replace(draw: st.DrawFn) -> bytes:
    """The parameters of ``SKB_STORE_AND_REPLACE`` in a frame."""
    store = le32(draw(OFFSETS)) + le32(draw(LENGTHS))
    store += struct.pack("<Q", draw(st.sampled_from([0, 1, 2, 3, 4, 1 << 32, 1 << 63])))
    offset = draw(st.one_of(st.integers(0, 70), st.sampled_from([0xFFFE, 0xFFFF, 0x10000, 0xFFFF_FFFE])))
    replace = le32(offset) + le32(draw(CSUM_FLAGS))
    replace += struct.pack("<QQ", draw(CSUM_VALUES), draw(CSUM_VALUES))
    return frame(store + replace, draw(st.integers(56, 140)), zeros=draw(st.booleans()))


@SETTINGS
@given(packets=st.lists(store_and_replace(), min_size=1, max_size=4), l4=st.booleans())
def test_skb_store_bytes_and_checksum_replace_agree(packets: list[bytes], l4: bool) -> None:
    helper = "bpf_l4_csum_replace" if l4 else "bpf_l3_csum_replace"
    assert_agree(SKB_STORE_AND_REPLACE.format(helper=helper), "sched_cls", packets)


MANGLED_0, ENFORCE, PSEUDO_HDR = 0x20, 0x40, 0x10


@pytest.mark.parametrize(
    ("flags", "old", "new"),
    [
        (MANGLED_0, 0, 0),  # a zero checksum stays zero
        (MANGLED_0 | ENFORCE, 0, 0),  # ... unless enforced: the result 0 becomes CSUM_MANGLED_0
        (MANGLED_0 | 2, 0x1234, 0x1234),
        (MANGLED_0 | ENFORCE | 4, 0xFFFF_0000, 0),
        (PSEUDO_HDR | 4, 0x0A00_0001, 0xC0A8_0001),
        (2, 0xFFFF_0001, 0x8000_0002),  # only the low 16 bits count
        (0, 1, 5),  # a diff with a non-zero ``from``: -EINVAL
        (3, 1, 2),  # a field size of 3: -EINVAL
    ],
)
def test_checksum_replace_corners(flags: int, old: int, new: int) -> None:
    """The mangled-zero and field-size corners on a zero checksum, for both replacers."""
    replace = le32(60) + le32(flags) + struct.pack("<QQ", old, new)
    packets = [
        frame(le32(0xFFFF_FFFF) + le32(0) + struct.pack("<Q", 0) + replace, 80, zeros=zeros)
        for zeros in (True, False)
    ]
    for helper in ("bpf_l3_csum_replace", "bpf_l4_csum_replace"):
        assert_agree(SKB_STORE_AND_REPLACE.format(helper=helper), "sched_cls", packets)


def test_skb_helpers_are_native(services: Counter[int]) -> None:
    replace = le32(20) + le32(2) + struct.pack("<QQ", 0x1234, 0xABCD)
    packets = [
        frame(le32(10) + le32(7) + struct.pack("<Q", 2) + replace, 80),
        frame(le32(30) + le32(80) + le32(1), 80),
    ]
    for text in (
        SKB_LOAD.format(helper="bpf_skb_load_bytes_relative"),
        SKB_STORE_AND_REPLACE.format(helper="bpf_l4_csum_replace"),
    ):
        outcomes = loaded_runs(UserBackend(), "jit", text, "sched_cls", packets)
        assert outcomes == loaded_runs(UserBackend(), "interpreter", text, "sched_cls", packets)
    assert set(services) <= {48}  # bpf_set_hash is not native


# -- XDP: moving the packet ------------------------------------------------------------------------------
DELTAS = st.one_of(
    st.integers(-300, 300).map(lambda delta: delta & ~1),
    st.integers(-64, 64),
    st.sampled_from([0, -14, 14, -0x8000_0000, 0x7FFF_FFFF, 4096]),
)


@SETTINGS
@given(cases=st.lists(st.tuples(DELTAS, DELTAS, DELTAS, st.integers(60, 300)), min_size=1, max_size=4))
def test_moving_the_packet_then_reading_it_agrees(cases: list[tuple[int, int, int, int]]) -> None:
    packets = [frame(le32(head) + le32(meta) + le32(tail), size) for head, meta, tail, size in cases]
    assert_agree(XDP_ADJUST, "xdp", packets)


@pytest.mark.parametrize(
    ("head", "meta", "tail"),
    [
        (-216, 0, 0),  # data down to the headroom's end (XDP_PACKET_HEADROOM - the xdp_frame)
        (-217, 0, 0),
        (86, 0, 0),  # up to ETH_HLEN bytes left
        (87, 0, 0),
        (0, -216, 0),
        (0, -217, 0),
        (0, -2, 0),  # metadata not a multiple of 4: -EACCES
        (0, -256, 0),
        (0, 4, 0),  # data_meta past data
        (-40, -216, 0),  # the metadata moved with data leaves less room for more
        (-40, -176, 0),
        (0, 0, 3420),  # data_end up to the tailroom's start (the page less skb_shared_info)
        (0, 0, 3421),
        (0, 0, -86),
        (0, 0, -87),
        (30, -8, 5),
    ],
)
def test_adjustment_bounds(head: int, meta: int, tail: int) -> None:
    assert_agree(XDP_ADJUST, "xdp", [frame(le32(head) + le32(meta) + le32(tail), 100)])


def test_adjustments_are_native(services: Counter[int]) -> None:
    packets = [frame(le32(-20) + le32(-8) + le32(30), 100), frame(le32(14) + le32(-4) + le32(-20), 90)]
    outcomes = loaded_runs(UserBackend(), "jit", XDP_ADJUST, "xdp", packets)
    assert outcomes == loaded_runs(UserBackend(), "interpreter", XDP_ADJUST, "xdp", packets)
    assert services == Counter()


# -- unverified programs: the region table follows the packet -------------------------------------------
RAW_ADJUST = (
    XDP_ADJUST.replace("*(u32 *)(r6 + 8)", "*(u64 *)(r6 + 16)")
    .replace("*(u32 *)(r6 + 4)", "*(u64 *)(r6 + 8)")
    .replace("*(u32 *)(r6 + 0)", "*(u64 *)(r6 + 0)")
)
"""``XDP_ADJUST`` on the xdp_buff itself (what the verifier's context rewrite would load), for programs
run without the verifier: every packet access is checked at run time."""


@dataclass
class RawRunner:
    """Runs a program built without the verifier as a loaded program's test run would."""

    engine: Interpreter | JitProgram
    registers: tuple[tuple[int, int], ...] = ()
    """Initial values of registers besides r1."""

    @property
    def memory(self) -> Memory:
        return self.engine.memory

    def run(self, ctx_address: int, env: RunEnv, packet: PacketReader | None = None) -> int:
        return self.engine.run(registers={1: ctx_address, **dict(self.registers)}, env=env)


def raw_engines(text: str, prog_type: ProgType) -> Iterator[Interpreter | JitProgram]:
    helpers: HelperRegistry = default_registry()
    for helper_id, function in prog_type.helpers().items():
        helpers.register(helper_id, function)
    insns = assemble(text)
    yield Interpreter(insns, helpers=helpers)
    yield JitProgram(insns, helpers=helpers)


def raw_outcomes(text: str, prog_type: ProgType, packets: list[bytes]) -> list[list[TestRunResult]]:
    return [
        [
            prog_type.test_run(RawRunner(engine), TestRunArgs(data_in=packet, repeat=repeat))
            for packet in packets
            for repeat in (1, 3)
        ]
        for engine in raw_engines(text, prog_type)
    ]


def test_unverified_accesses_follow_the_moved_packet(services: Counter[int]) -> None:
    packets = [
        frame(le32(head) + le32(meta) + le32(tail), 120)
        for head, meta, tail in [(-20, -8, 30), (14, -4, -20), (-60, 0, 0), (0, -12, -40), (-300, 1, 5000)]
    ]
    interpreted, compiled = raw_outcomes(RAW_ADJUST, XdpProgType(), packets)
    assert [(r.retval, r.data_out) for r in compiled] == [(r.retval, r.data_out) for r in interpreted]
    assert services[Op.FILL] == 0  # the table entry moved with the packet
    assert not {44, 54, 65} & set(services)


def test_the_region_table_follows_the_moved_packet(services: Counter[int]) -> None:
    """The packet first touched after it moved: its region table entry (not a hot entry) says where."""
    text = """
        r6 = r1
        r2 = -20
        call bpf_xdp_adjust_head
        r1 = r6
        r2 = 10
        call bpf_xdp_adjust_tail
        r2 = *(u64 *)(r6 + 0)
        r3 = *(u64 *)(r6 + 8)
        r0 = *(u8 *)(r2 + 0)
        r1 = *(u32 *)(r3 - 4)
        r0 += r1
        r0 += r3
        r0 -= r2
        exit
    """
    packets = [frame(b"\x01\x02\x03\x04", 64), frame(b"", 100)]
    interpreted, compiled = raw_outcomes(text, XdpProgType(), packets)
    assert [(r.retval, r.data_out) for r in compiled] == [(r.retval, r.data_out) for r in interpreted]
    assert services[Op.FILL] == 0


def test_an_access_past_the_moved_packet_faults_on_both_engines() -> None:
    text = """
        r6 = r1
        r2 = 8
        call bpf_xdp_adjust_tail
        r2 = *(u64 *)(r6 + 0)
        r3 = *(u64 *)(r6 + 8)
        r0 = *(u8 *)(r3 - 1)
        r0 = *(u8 *)(r3 + 0)
        exit
    """
    outcomes = []
    for engine in raw_engines(text, XdpProgType()):
        with pytest.raises(Exception) as caught:
            XdpProgType().test_run(RawRunner(engine), TestRunArgs(data_in=frame(b"", 64)))
        message = str(caught.value)
        start, end = (int(bound, 16) for bound in re.findall(r"0x[0-9a-f]+", message)[1:])
        outcomes.append((type(caught.value), re.sub(r"0x[0-9a-f]+", "#", message), end - start))
    assert outcomes[0] == outcomes[1]
    assert "just past the end of xdp packet" in outcomes[0][1]
    assert outcomes[0][2] == 64 + 8


def test_skb_helpers_without_a_socket_buffer_go_to_the_python_helper(services: Counter[int]) -> None:
    """An XDP run's skb helper (no socket buffer): the Python helper's error on both engines."""
    text = """
        r2 = 0
        r3 = r10
        r3 += -8
        r4 = 8
        call bpf_skb_load_bytes
        exit
    """
    outcomes = []
    for engine in raw_engines(text, SchedCls()):
        try:
            outcomes.append(engine.run(registers={1: 0}, env=RunEnv()))
        except Exception as error:
            outcomes.append((type(error), str(error)))
    assert outcomes[0] == outcomes[1]
    assert services[26] == 1


RAW_BUFFER_CALL = f"""
    r6 = r1
{PATTERN}
    r3 = r10
    r3 += r9
    r4 = r8
    r5 = r7
    call {{helper}}
    r9 = r0
{FOLD_BUFFER}
    r1 *= 31
    r1 += r9
{FOLD_RESULT}
    exit
"""
"""``helper(ctx, r2, r10 + r9, r8, r7)``, run without the verifier: any offset, length, flags and buffer."""
RAW_SCALAR_CALL = """
    r3 = r7
    r4 = r8
    r5 = r9
    call {helper}
    exit
"""
"""``helper(ctx, r2, r7, r8, r9)``: the checksum replacers and the adjustments (r2 the offset)."""

RAW_HELPERS = {
    "bpf_skb_load_bytes": (RAW_BUFFER_CALL, SchedCls()),
    "bpf_skb_load_bytes_relative": (RAW_BUFFER_CALL, SchedCls()),
    "bpf_skb_store_bytes": (RAW_BUFFER_CALL, SchedCls()),
    "bpf_l3_csum_replace": (RAW_SCALAR_CALL, SchedCls()),
    "bpf_l4_csum_replace": (RAW_SCALAR_CALL, SchedCls()),
    "bpf_xdp_load_bytes": (RAW_BUFFER_CALL, XdpProgType()),
    "bpf_xdp_store_bytes": (RAW_BUFFER_CALL, XdpProgType()),
    "bpf_xdp_adjust_head": (RAW_SCALAR_CALL, XdpProgType()),
    "bpf_xdp_adjust_meta": (RAW_SCALAR_CALL, XdpProgType()),
    "bpf_xdp_adjust_tail": (RAW_SCALAR_CALL, XdpProgType()),
}
ANY_U64 = st.one_of(
    st.integers(-600, 600).map(lambda value: value & 0xFFFF_FFFF_FFFF_FFFF),
    st.sampled_from([0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0004, 1 << 63]),
    st.integers(0, 2**64 - 1),
)


def raw_result(runner: RawRunner, prog_type: ProgType, packet: bytes) -> tuple[object, ...]:
    """(retval, data_out) of a test run, or the fault (its type, pc and message without addresses)."""
    try:
        result = prog_type.test_run(runner, TestRunArgs(data_in=packet, repeat=2))
    except ExecutionError as error:
        return (type(error), error.pc, re.sub(r"0x[0-9a-f]+", "#", str(error)))
    return (result.retval, result.data_out)


RAW_LENGTHS = st.one_of(
    st.integers(0, 80),
    st.sampled_from([0xFFFF, 0x1_0000, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0004, 2**64 - 64]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    helper=st.sampled_from(sorted(RAW_HELPERS)),
    offset=st.one_of(OFFSETS, ANY_U64),
    length=RAW_LENGTHS,
    values=st.tuples(ANY_U64, ANY_U64),
    flags=st.one_of(CSUM_FLAGS, ANY_U64),
    buffer=st.sampled_from([-64, -40, -8, -1, 0, 8, -513, -600]),
    packet=st.tuples(st.integers(60, 160), st.booleans()),
)
def test_unverified_calls_agree_with_the_interpreter(  # noqa: PLR0917 - hypothesis draws them
    helper: str,
    offset: int,
    length: int,
    values: tuple[int, int],
    flags: int,
    buffer: int,
    packet: tuple[int, bool],
) -> None:
    """Offsets, lengths and flags no verifier would let through (len 0, above 2**31, past the packet;
    buffers beyond the stack: a fault the Python helper decides) and any values to replace."""
    text, prog_type = RAW_HELPERS[helper]
    if text is RAW_BUFFER_CALL:
        registers = ((2, offset), (7, flags), (8, length), (9, buffer & 0xFFFF_FFFF_FFFF_FFFF))
    else:
        registers = ((2, offset), (7, values[0]), (8, values[1]), (9, flags))
    data = frame(b"", packet[0], zeros=packet[1])
    interpreted, compiled = (
        raw_result(RawRunner(engine, registers), prog_type, data)
        for engine in raw_engines(text.format(helper=helper), prog_type)
    )
    assert compiled == interpreted
