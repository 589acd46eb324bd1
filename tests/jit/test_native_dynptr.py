"""Dynptr helpers on both engines (``pybpf.helpers.dynptr``, the ring buffer's in ``pybpf.helpers.maps``)
and natively on the JIT (``pybpf.jit.native_dynptr``): local dynptrs made, read, written and sliced,
ring buffer records reserved into dynptrs, written through them and submitted or discarded -- the
same results, the same 16 bytes of ``struct bpf_dynptr_kern``, the same memory and the same records
on the interpreter, the JIT's trampoline and its native code; the edge cases (null dynptrs, flags,
bounds, read-only and unknown types, DYNPTR_MAX_SIZE, a full ring, more records than a run holds
natively); and a kernel differential (BPF_PROG_TEST_RUN: same retval and records)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import Map, Program, RingBuffer, uapi
from pybpf.errors import ExecutionError
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.dynptr import DYNPTR_MAX_SIZE
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.jit.native_ringbuf import HELD_RECORDS
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter
from tests.helpers.support import map_slots, signed, user_map

RING_BYTES = 4096
DYNPTR_HELPERS = frozenset(range(197, 204))

# A 32-byte buffer at fp-64 (its bytes 0..31 = 0x10..0x2f), a dynptr at fp-16, a 32-byte
# destination at fp-104, r7 folding every result and r8 the rdonly/type bits to force (r9: a word).
LOCAL_PROLOGUE = """
    r7 = 0
    r8 = r4
    r6 = 0x1716151413121110 ll
    *(u64 *)(r10 - 64) = r6
    r6 = 0x1f1e1d1c1b1a1918 ll
    *(u64 *)(r10 - 56) = r6
    r6 = 0x2726252423222120 ll
    *(u64 *)(r10 - 48) = r6
    r6 = 0x2f2e2d2c2b2a2928 ll
    *(u64 *)(r10 - 40) = r6
    *(u64 *)(r10 - 104) = r7
    *(u64 *)(r10 - 96) = r7
    *(u64 *)(r10 - 88) = r7
    *(u64 *)(r10 - 80) = r7
    r4 = r10
    r4 += -16
    r3 = r2
    r2 = r1
    r1 = r10
    r1 += -64
    call bpf_dynptr_from_mem
    r7 = r0
    r1 = *(u32 *)(r10 - 8)
    r1 |= r8
    *(u32 *)(r10 - 8) = r1
"""
"""from_mem(buffer, r1 = size, r2 = flags); then r4's bits ORed into the size word (rdonly, type)."""

LOCAL_EPILOGUE = """
    r1 = *(u64 *)(r10 - 16)
    if r1 == 0 goto null_dynptr
    r1 -= r10
null_dynptr:
    r7 *= 31
    r7 += r1
    r1 = *(u64 *)(r10 - 8)
    r7 *= 31
    r7 += r1
    r6 = 0
fold:
    r1 = r10
    r1 += -104
    r1 += r6
    r2 = *(u64 *)(r1 + 0)
    r7 *= 31
    r7 += r2
    r1 += 40
    r2 = *(u64 *)(r1 + 0)
    r7 *= 31
    r7 += r2
    r6 += 8
    if r6 < 32 goto fold
    r0 = r7
    exit
"""
"""A hash of every result, the dynptr's bytes, the destination and the buffer."""


def _read(offset: int, length: int, flags: int) -> str:
    return f"""
    r1 = r10
    r1 += -104
    r2 = {length}
    r3 = r10
    r3 += -16
    r4 = {offset}
    r5 = {flags}
    call bpf_dynptr_read
    r7 *= 31
    r7 += r0
"""


def _write(offset: int, length: int, flags: int) -> str:
    return f"""
    r1 = 0x5a5b5c5d5e5f6061 ll
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = {offset}
    r3 = r10
    r3 += -24
    r4 = {length}
    r5 = {flags}
    call bpf_dynptr_write
    r7 *= 31
    r7 += r0
"""


def _data(offset: int, length: int, index: int) -> str:
    return f"""
    r1 = r10
    r1 += -16
    r2 = {offset}
    r3 = {length}
    call bpf_dynptr_data
    if r0 == 0 goto null_{index}
    r1 = 0x77
    *(u8 *)(r0 + 0) = r1
    r0 -= r10
null_{index}:
    r7 *= 31
    r7 += r0
"""


def _engines(text: str, obj: MapObject | None = None) -> Iterator[Interpreter | JitProgram]:
    """The interpreter, the JIT through the trampoline (raw) and the JIT native (verified)."""
    insns = assemble(text, "kernel", maps={"ring": 3})
    resolved = map_slots(insns, obj) if obj is not None else {}
    yield Interpreter(insns, helpers=default_registry(), memory=Memory(), resolved=resolved)
    for facts in (None, ()):
        yield JitProgram(insns, helpers=default_registry(), memory=Memory(), resolved=resolved, facts=facts)


def _run(engine: Interpreter | JitProgram, obj: MapObject | None = None, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    with MapAccess(engine.memory, ProgramMaps.of([obj] if obj is not None else [])) as access:
        try:
            return signed(engine.run(registers=regs, env=RunEnv(maps=access)))
        except ExecutionError as error:
            return type(error).__name__


BOUNDS = st.sampled_from([0, 1, 4, 8, 16, 31, 32, 33, 0xFFFF_FFFF])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), BOUNDS, BOUNDS, st.sampled_from([0, 0, 1])),
        st.tuples(st.just("write"), BOUNDS, BOUNDS, st.sampled_from([0, 0, 1])),
        st.tuples(st.just("data"), BOUNDS, BOUNDS, st.just(0)),
    ),
    min_size=1,
    max_size=6,
)
SIZE_WORD_BITS = st.sampled_from([0, 0, 1 << 31, 2 << 28, 3 << 28, 5 << 28])  # rdonly; ringbuf, skb, ...


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.sampled_from([0, 1, 8, 20, 32, DYNPTR_MAX_SIZE + 1, 1 << 32 | 16]),
    flags=st.sampled_from([0, 0, 0, 2]),
    bits=SIZE_WORD_BITS,
    ops=OPS,
)
def test_local_dynptrs_as_the_interpreter(
    size: int, flags: int, bits: int, ops: list[tuple[str, int, int, int]]
) -> None:
    """Sizes past the buffer never reach memory (their calls stay within it or are refused)."""
    body = ""
    for index, (op, offset, length, op_flags) in enumerate(ops):
        if op == "data":
            body += _data(offset, length, index)
        elif op == "read":
            body += _read(offset, min(length, 32), op_flags)
        else:
            body += _write(offset, min(length, 8), op_flags)
    if size & 0xFFFF_FFFF > 32:
        body = ""  # (a size the buffer has not: only from_mem's answer and the dynptr's bytes)
    text = LOCAL_PROLOGUE + body + LOCAL_EPILOGUE
    answers = [_run(engine, r1=size, r2=flags, r4=bits) for engine in _engines(text)]
    assert answers[1] == answers[0] and answers[2] == answers[0]


def test_local_dynptr_calls_are_native(services: Counter[int]) -> None:
    text = LOCAL_PROLOGUE + _write(4, 8, 0) + _read(2, 16, 0) + _data(8, 8, 0) + LOCAL_EPILOGUE
    interpreter, raw, native = _engines(text)
    assert isinstance(native, JitProgram) and isinstance(raw, JitProgram)
    names = sorted(name for name, _ in native.native.calls.values())
    assert names == ["dynptr_data", "dynptr_from_mem", "dynptr_read", "dynptr_write"]
    assert not raw.native.calls
    expected = _run(interpreter, r1=32, r2=0, r4=0)
    assert _run(native, r1=32, r2=0, r4=0) == expected
    assert not set(services) & DYNPTR_HELPERS
    assert _run(native, r1=32, r2=0, r4=4 << 28) == _run(interpreter, r1=32, r2=0, r4=4 << 28)
    assert services[201] == services[202] == services[203] == 1  # a type the native code does not know


# -- ring buffer dynptrs ------------------------------------------------------------------------------
def _reserve(size: int, flags: int, at: int) -> str:
    return f"""
    r1 = map_fd(ring) ll
    r2 = {size}
    r3 = {flags}
    r4 = r10
    r4 += {at}
    call bpf_ringbuf_reserve_dynptr
    r7 *= 31
    r7 += r0
"""


def _through(at: int, tag: int) -> str:
    """Write the tag at offset 0 of the dynptr at ``at``, read 8 bytes back, slice 4 and write there."""
    return f"""
    r1 = {tag}
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += {at}
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call bpf_dynptr_write
    r7 *= 31
    r7 += r0
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = r10
    r3 += {at}
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r7 *= 31
    r7 += r0
    r1 = *(u64 *)(r10 - 8)
    r7 *= 31
    r7 += r1
    r1 = r10
    r1 += {at}
    r2 = 4
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto sliced{-at}
    r1 = {tag + 1}
    *(u32 *)(r0 + 0) = r1
sliced{-at}:
"""


def _release(at: int, discard: bool) -> str:
    return f"""
    r1 = r10
    r1 += {at}
    r2 = 0
    call bpf_ringbuf_{"discard" if discard else "submit"}_dynptr
    r1 = *(u64 *)(r10 {at})
    r7 *= 31
    r7 += r1
"""


def ring_program(records: list[tuple[int, int, bool]]) -> str:
    """One dynptr per record (size, flags, discard), reserved in turn, used, then released in reverse."""
    text = "    r7 = 0\n"
    for index, (size, flags, _) in enumerate(records):
        text += _reserve(size, flags, -16 * (index + 2))
    for index, (size, _, _) in enumerate(records):
        if size >= 8:
            text += _through(-16 * (index + 2), 0x100 * (index + 1))
    for index in reversed(range(len(records))):
        text += _release(-16 * (index + 2), records[index][2])
    return text + "    r0 = r7\n    exit\n"


def _ring_history(text: str, engine_index: int, runs: int) -> list[Any]:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING_BYTES)
    with handle, RingBuffer(handle) as reader:
        engine = list(_engines(text, obj))[engine_index]
        seen: list[Any] = []
        for _ in range(runs):  # no consumer between runs: the ring fills up
            seen.append(_run(engine, obj))
        seen.append(list(reader.records()))
        seen.append(_run(engine, obj))
        seen.append(list(reader.records()))
        return seen


RECORDS = st.lists(
    st.tuples(
        st.sampled_from([0, 8, 16, 100, 1000, RING_BYTES, DYNPTR_MAX_SIZE + 1]),
        st.sampled_from([0, 0, 0, 1]),
        st.booleans(),
    ),
    min_size=1,
    max_size=HELD_RECORDS + 2,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=RECORDS, runs=st.integers(1, 5))
def test_ring_dynptrs_as_the_interpreter(records: list[tuple[int, int, bool]], runs: int) -> None:
    text = ring_program(records)
    expected = _ring_history(text, 0, runs)
    assert _ring_history(text, 1, runs) == expected
    assert _ring_history(text, 2, runs) == expected


def test_ring_dynptr_calls_are_native(services: Counter[int]) -> None:
    text = ring_program([(16, 0, False), (8, 0, True), (24, 0, False)])
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING_BYTES)
    with handle:
        native = list(_engines(text, obj))[2]
        assert isinstance(native, JitProgram)
        names = Counter(name for name, _ in native.native.calls.values())
    assert names == {
        "ringbuf_reserve_dynptr": 3, "dynptr_write": 3, "dynptr_read": 3, "dynptr_data": 3,
        "ringbuf_submit_dynptr": 2, "ringbuf_discard_dynptr": 1,
    }  # fmt: skip
    history = _ring_history(text, 2, 2)
    assert not set(services) & DYNPTR_HELPERS
    assert history == _ring_history(text, 0, 2)
    assert [len(record) for record in history[2]] == [16, 24, 16, 24]  # ring order; the 8 discarded


def test_more_records_than_a_run_holds_natively(services: Counter[int]) -> None:
    """Past HELD_RECORDS the Python helper reserves; native submits find its records in Python."""
    text = ring_program([(16, 0, index % 3 == 0) for index in range(HELD_RECORDS + 2)])
    history = _ring_history(text, 2, 1)  # (two runs)
    assert services[198] == 4 and services[199] + services[200] == 4
    assert history == _ring_history(text, 0, 1)


# -- the kernel ---------------------------------------------------------------------------------------
def _kernel_answers(text: str, backend: Backend, engine: str | None) -> list[Any]:
    with pytest.MonkeyPatch.context() as patch:
        if engine is not None:
            patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with (
            Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING_BYTES, backend=backend) as ring,
            Program.load(text, "xdp", maps={"ring": ring}, backend=backend) as prog,
            RingBuffer(ring) as reader,
        ):
            answers: list[Any] = [prog.run(bytes(64)).retval for _ in range(3)]
            answers.append(list(reader.records()))
            return answers


KERNEL_RECORDS = st.lists(
    st.tuples(st.sampled_from([8, 16, 40, 1000, 2000]), st.sampled_from([0, 0, 0, 1]), st.booleans()),
    min_size=1,
    max_size=4,
)


@pytest.mark.skipif(not kernel_bpf_available(), reason="needs the kernel's bpf(2)")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records=KERNEL_RECORDS)
def test_ring_dynptrs_as_the_kernel(records: list[tuple[int, int, bool]]) -> None:
    """The same program on the kernel and on both engines: retval (32 bits of the hash, the stack
    offsets folded in are the same everywhere) and the records."""
    text = ring_program(records)
    theirs = _kernel_answers(text, NativeBackend(), None)
    for engine in ("jit", "interpreter"):
        assert _kernel_answers(text, UserBackend(), engine) == theirs


@pytest.mark.parametrize("native", ["dynptr_from_mem", "dynptr_read", "dynptr_write", "dynptr_data"])
def test_one_engines_dynptr_used_by_the_other(native: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only ``native`` lowered natively, the other dynptr helpers in Python: the same answers."""
    from pybpf.jit import native_helpers

    text = (
        LOCAL_PROLOGUE + _write(4, 8, 0) + _read(2, 16, 0) + _data(8, 8, 0) + _read(0, 32, 0) + LOCAL_EPILOGUE
    )
    interpreter = next(_engines(text))
    expected = [_run(interpreter, r1=size, r2=0, r4=0) for size in (32, 12, 8)]
    kept = {
        helper: lower for helper, lower in native_helpers.DYNPTR_CALLS.items() if helper.__name__ == native
    }
    monkeypatch.setattr(native_helpers, "DYNPTR_CALLS", kept)
    jit = list(_engines(text))[2]
    assert isinstance(jit, JitProgram)
    assert {name for name, _ in jit.native.calls.values()} == {native}
    assert [_run(jit, r1=size, r2=0, r4=0) for size in (32, 12, 8)] == expected


LOCAL_OVER_VALUE = """
    r7 = 0
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(values) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = {size}
    r3 = {flags}
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r7 = r0
    r1 = 0x0102030405060708 ll
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = {offset}
    r3 = r10
    r3 += -24
    r4 = 8
    r5 = 0
    call bpf_dynptr_write
    r7 *= 31
    r7 += r0
    r1 = 0x6666
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -40
    r2 = 16
    r3 = r10
    r3 += -16
    r4 = {offset}
    r5 = 0
    call bpf_dynptr_read
    r7 *= 31
    r7 += r0
    r1 = *(u64 *)(r10 - 40)
    r7 *= 31
    r7 += r1
    r1 = *(u64 *)(r10 - 32)
    r7 *= 31
    r7 += r1
    r1 = r10
    r1 += -16
    r2 = {offset}
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r7 *= 31
    r7 += r1
out:
    r0 = r7
    exit
"""
"""A local dynptr over an array map's 48-byte value: write 8 bytes at ``offset``, read 16, slice 8."""


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.sampled_from([0, 8, 16, 24, 48]),
    flags=st.sampled_from([0, 0, 1]),
    offset=st.sampled_from([0, 4, 8, 16, 40, 47]),
)
def test_local_dynptrs_over_a_map_value_as_the_kernel(size: int, flags: int, offset: int) -> None:
    """Both engines agree (the JIT natively, on the value its native lookup handed out), and with the
    kernel where bpf(2) works."""
    text = LOCAL_OVER_VALUE.format(size=size, flags=flags, offset=offset)
    answers: dict[str, Any] = {}
    backends: list[tuple[str, Backend]] = [("jit", UserBackend()), ("interpreter", UserBackend())]
    if kernel_bpf_available():
        backends.append(("kernel", NativeBackend()))
    for name, backend in backends:
        with pytest.MonkeyPatch.context() as patch:
            if name != "kernel":
                patch.setenv(prog_run.ENGINE_VARIABLE, name)
            with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 48, 1, backend=backend) as values:
                values[bytes(4)] = bytes(range(0x30, 0x60))
                with Program.load(text, "xdp", maps={"values": values}, backend=backend) as prog:
                    answers[name] = (prog.run(bytes(64)).retval, values[bytes(4)])
    assert answers["jit"] == answers["interpreter"] == answers.get("kernel", answers["jit"])
