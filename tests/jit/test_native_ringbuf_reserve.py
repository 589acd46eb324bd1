"""Ring buffer records reserved natively (``pybpf.jit.native_ringbuf``: ``bpf_ringbuf_reserve``,
``bpf_ringbuf_submit``, ``bpf_ringbuf_discard``): a verified program's records are plain pointers into
the ring with no Python at all, and the ring, its records, positions and r0 are exactly what the
interpreter's helpers leave -- for every size, flag and ring state, past the records a run may hold
natively, with a Python helper given a record, a run that faults holding one, readers and a Python
producer in other processes, and against the kernel.  An unverified program keeps the interpreter's
record regions (a fault at the record's end)."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import Map, Program, uapi
from pybpf.errors import ExecutionError
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.jit.native_ringbuf import HELD_RECORDS
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.maps.object import MapObject
from pybpf.maps.ringbuf import PRODUCER_LOCK_AT
from pybpf.memory.regions import Memory
from pybpf.objects.locking import SharedMutex
from pybpf.ringbuf import RingBuffer
from pybpf.vm import Interpreter
from tests.helpers.support import map_slots, signed, user_map

RESERVE_HELPER, SUBMIT_HELPER, DISCARD_HELPER = 131, 132, 133
RING = 4096
NATIVE = ["ringbuf_discard", "ringbuf_reserve", "ringbuf_submit"]

RESERVE = """
    r6 = r1
    r7 = r2
    r8 = r4
    r1 = map_fd(m) ll
    r2 = r6
    call bpf_ringbuf_reserve
    if r0 == 0 goto null
    if r6 < 16 goto release
    *(u64 *)(r0 + 0) = r8
    *(u64 *)(r0 + 8) = r6
release:
    r1 = r0
    r2 = 0
    if r7 != 0 goto discard
    call bpf_ringbuf_submit
    r0 = 1
    exit
discard:
    call bpf_ringbuf_discard
    r0 = 2
    exit
null:
    r0 = 0
    exit
"""
"""Reserves r1 bytes with flags r3, writes (r4, r1) into a record of 16 bytes or more, then submits it
(r2 = 0: r0 = 1) or discards it (r0 = 2); r0 = 0 when the reservation failed."""

PAST_THE_END = """
    r6 = r1
    r1 = map_fd(m) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r1 += r6
    r2 = 0x55
    *(u8 *)(r1 + 0) = r2
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit
"""
"""A byte stored r1 bytes into a 16-byte record (16: past its end)."""

COMM = """
    r1 = map_fd(m) ll
    r2 = 32
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r6 = r0
    r1 = 0x0123456789abcdef ll
    *(u64 *)(r6 + 0) = r1
    r1 = r6
    r1 += 8
    r2 = 16
    call bpf_get_current_comm
    r1 = 0x7777 ll
    *(u64 *)(r6 + 24) = r1
    r1 = r6
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit
"""
"""A record the Python helper ``bpf_get_current_comm`` writes into (bytes 8 to 24)."""

FAULT = """
    r1 = map_fd(m) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = 99
    *(u64 *)(r0 + 0) = r1
    r1 = 0
    r1 = *(u64 *)(r1 + 0)
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 0
    exit
"""
"""Faults (a NULL load) holding a record."""


def _many(count: int, order: list[int]) -> str:
    """Reserves ``count`` records of 16 bytes (record i holds i), then releases them in ``order``
    (odd positions discarded)."""
    text = ""
    for i in range(count):
        text += f"""
    r1 = map_fd(m) ll
    r2 = 16
    r3 = 0
    call bpf_ringbuf_reserve
    *(u64 *)(r10 - {8 * (i + 1)}) = r0
    r1 = {i}
    *(u64 *)(r0 + 0) = r1
"""
    for position, i in enumerate(order):
        helper = "bpf_ringbuf_discard" if position % 2 else "bpf_ringbuf_submit"
        text += f"""
    r1 = *(u64 *)(r10 - {8 * (i + 1)})
    r2 = 0
    call {helper}
"""
    return text + "    r0 = 0\n    exit\n"


def engine_of(text: str, obj: MapObject, kind: str) -> Interpreter | JitProgram:
    """``text`` on the interpreter, the JIT as a verified program (``verified``) or a raw one (``raw``)."""
    insns = assemble(text, "kernel", maps={"m": 3})
    memory, resolved, registry = Memory(), map_slots(insns, obj), default_registry()
    if kind == "interpreter":
        return Interpreter(insns, helpers=registry, memory=memory, resolved=resolved)
    facts = () if kind == "verified" else None
    return JitProgram(insns, helpers=registry, memory=memory, resolved=resolved, facts=facts)


def outcome(engine: Interpreter | JitProgram, obj: MapObject, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
        try:
            return signed(engine.run(registers=regs, env=RunEnv(maps=access)))
        except ExecutionError as error:
            return (type(error).__name__, error.pc)


def storage(obj: MapObject) -> bytes:
    """The ring's pages but the producer lock (its owner word differs between runs)."""
    raw = ctypes.string_at(obj.address, obj.storage_size)
    return raw[:PRODUCER_LOCK_AT] + raw[PRODUCER_LOCK_AT + 64 :]


def test_a_verified_programs_records_take_no_python(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        jit = engine_of(RESERVE, obj, "verified")
        assert isinstance(jit, JitProgram)
        assert sorted(name for name, _ in jit.native.calls.values()) == NATIVE
        assert jit.loops_natively
        for i in range(6):
            assert outcome(jit, obj, r1=24, r2=i % 2, r3=0, r4=i) == 1 + i % 2
        assert services == Counter()
        with RingBuffer(handle) as reader:
            assert reader.read() == [struct.pack("<QQ", i, 24) + bytes(8) for i in (0, 2, 4)]


def test_an_unverified_programs_records_stay_regions(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        raw = engine_of(PAST_THE_END, obj, "raw")
        assert isinstance(raw, JitProgram)
        assert "ringbuf_reserve" not in {name for name, _ in raw.native.calls.values()}
        interpreter = engine_of(PAST_THE_END, obj, "interpreter")
        for offset in (15, 16):
            answers = [outcome(engine, obj, r1=offset) for engine in (interpreter, raw)]
            assert answers[0] == answers[1]
            assert answers[1] == 0 if offset == 15 else answers[1][0] == "MemoryAccessError"
        assert services[RESERVE_HELPER] == 2
        with RingBuffer(handle) as reader:  # the faulting runs' records were discarded
            records = reader.read()
        assert len(records) == 2 and records[0][15] == records[1][15] == 0x55


def test_a_verified_program_writes_past_the_record_as_the_verifier_proved_it_does_not() -> None:
    """What the verifier proves is what the record's bounds become: a verified program's store past
    its record is not checked (the ring's storage is one region), as in the kernel."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        assert outcome(engine_of(PAST_THE_END, obj, "verified"), obj, r1=16) == 0


Step = tuple[int, int, int, int]
"""(size, discard, flags, records the consumer reads first: 0 none)."""


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from([0, 1, 8, 16, 100, 301, 504, 2040, 4080, 4088, 4089, 5000, 1 << 31, 1 << 40]),
            st.integers(0, 1),
            st.sampled_from([0, 0, 0, 1, 2]),
            st.sampled_from([0, 0, 1]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_reserve_submit_and_discard_agree_with_the_interpreter(steps: list[Step]) -> None:
    """Sizes the ring takes or refuses, flags, wrapping records, a full ring, discarded records."""
    results = []
    for kind in ("interpreter", "verified"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
        with handle, RingBuffer(handle) as reader:
            engine = engine_of(RESERVE, obj, kind)
            seen: list[Any] = []
            for index, (size, discard, flags, take) in enumerate(steps):
                if take:
                    seen.append(reader.read())
                seen.append(outcome(engine, obj, r1=size, r2=discard, r3=flags, r4=index))
            seen.append(reader.read())
            results.append((seen, storage(obj)))
    assert results[0] == results[1]


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_records_past_the_native_list_are_the_python_helpers(services: Counter[int], order: str) -> None:
    count = HELD_RECORDS + 2
    releases = list(range(count)) if order == "forward" else list(reversed(range(count)))
    text = _many(count, releases)
    results = []
    for kind in ("interpreter", "verified"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
        with handle, RingBuffer(handle) as reader:
            engine = engine_of(text, obj, kind)
            services.clear()
            answers = [outcome(engine, obj) for _ in range(3)]
            results.append((answers, reader.read(), storage(obj)))
            if kind == "verified":
                assert services[RESERVE_HELPER] == 3 * 2  # the two past the list, in each run
                assert services[SUBMIT_HELPER] + services[DISCARD_HELPER] == 3 * 2
    assert results[0] == results[1]
    assert [struct.unpack_from("<Q", record)[0] for record in results[0][1]] == 3 * sorted(releases[0::2])


def test_a_python_helper_given_a_record_finds_its_region(services: Counter[int]) -> None:
    results = []
    for kind in ("interpreter", "verified"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
        with handle, RingBuffer(handle) as reader:
            engine = engine_of(COMM, obj, kind)
            services.clear()
            answers = [outcome(engine, obj) for _ in range(2)]
            results.append((answers, reader.read(), storage(obj)))
    assert results[0] == results[1]
    assert results[1][0] == [0, 0] and len(results[1][1]) == 2
    assert results[1][1][0][:8] == struct.pack("<Q", 0x0123456789ABCDEF)
    assert results[1][1][0][24:] == struct.pack("<Q", 0x7777)
    assert services == Counter({16: 2, SUBMIT_HELPER: 2})  # get_current_comm; the adopted record's submit


def test_a_run_that_faults_holding_a_record_discards_it(services: Counter[int]) -> None:
    results = []
    for kind in ("interpreter", "verified"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
        with handle, RingBuffer(handle) as reader:
            engine = engine_of(FAULT, obj, kind)
            answers = [outcome(engine, obj) for _ in range(3)]
            answers.append(outcome(engine_of(RESERVE, obj, kind), obj, r1=16, r2=0, r3=0, r4=5))
            results.append((answers, reader.read(), storage(obj)))
    assert results[0] == results[1]
    assert results[1][0][0][0] == "MemoryAccessError"
    assert results[1][1] == [struct.pack("<QQ", 5, 16)]  # the faulted runs' records were discarded


def test_a_producer_lock_held_elsewhere_is_waited_for_by_the_python_helper(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        jit = engine_of(RESERVE, obj, "verified")
        assert isinstance(jit, JitProgram)
        jit.prepare()
        lock = SharedMutex(obj.address + PRODUCER_LOCK_AT, lambda: None)
        taken = threading.Event()

        def hold() -> None:  # until the run asked the Python helper (which then waits for the lock)
            with lock:
                taken.set()
                deadline = time.monotonic() + 30
                while not services[RESERVE_HELPER] and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(0.05)

        holder = threading.Thread(target=hold)
        holder.start()
        taken.wait()
        assert outcome(jit, obj, r1=16, r2=0, r3=0, r4=1) == 1
        holder.join()
        assert services == Counter({RESERVE_HELPER: 1, SUBMIT_HELPER: 1})  # its record: Python's
        assert outcome(jit, obj, r1=16, r2=0, r3=0, r4=2) == 1
        assert services == Counter({RESERVE_HELPER: 1, SUBMIT_HELPER: 1})
        with RingBuffer(handle) as reader:
            assert reader.read() == [struct.pack("<QQ", 1, 16), struct.pack("<QQ", 2, 16)]


def test_records_reserved_natively_and_by_another_process_arrive_whole() -> None:
    """A forked process reserves and submits through the Python helpers while the JIT does natively:
    every record of both arrives whole, each producer's in its order."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 20)
    with handle:
        interpreter = engine_of(RESERVE, obj, "interpreter")
        jit = engine_of(RESERVE, obj, "verified")

        def produce() -> None:  # in the forked process
            for i in range(3000):
                outcome(interpreter, obj, r1=16, r2=0, r3=0, r4=1 << 32 | i)
            os._exit(0)

        other = multiprocessing.get_context("fork").Process(target=produce)
        other.start()
        for i in range(3000):
            assert outcome(jit, obj, r1=16, r2=i % 3 == 2, r3=0, r4=2 << 32 | i) in (1, 2)
        other.join()
        assert other.exitcode == 0

        def read() -> None:  # a reader in another process sees the same records
            with RingBuffer(handle) as reader:
                records = [struct.unpack("<QQ", record)[0] for record in reader.read()]
            mine = [value & 0xFFFF_FFFF for value in records if value >> 32 == 2]
            theirs = [value & 0xFFFF_FFFF for value in records if value >> 32 == 1]
            ok = mine == [i for i in range(3000) if i % 3 != 2] and theirs == list(range(3000))
            os._exit(0 if ok else 1)

        reader = multiprocessing.get_context("fork").Process(target=read)
        reader.start()
        reader.join()
        assert reader.exitcode == 0


# -- loaded programs: the verifier, the repeat loop, the kernel ---------------------------------------------
PACKET = bytes(range(64))
XDP_RESERVE = """
    r6 = *(u32 *)(r1 + 0)
    r7 = *(u32 *)(r1 + 4)
    r1 = map_fd(m) ll
    r2 = 24
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r2 = r6
    r2 += 16
    if r2 > r7 goto drop
    r1 = *(u64 *)(r6 + 0)
    *(u64 *)(r0 + 0) = r1
    r1 = *(u64 *)(r6 + 8)
    *(u64 *)(r0 + 8) = r1
    r1 = 7
    *(u64 *)(r0 + 16) = r1
    r1 = r0
    r2 = 0
    call bpf_ringbuf_{release}
    r0 = 2
    exit
drop:
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 1
    exit
"""
"""A record of the packet's first 16 bytes and 7, submitted (``release``: discarded)."""


def _jit_of(prog: Program) -> JitProgram:
    executable = ProgRuntime.of(ProgObject.from_fd(prog.fd)).executable
    assert isinstance(executable, JitProgram)
    return executable


def loaded_runs(backend: Backend, engine: str, release: str) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with (
            Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING, backend=backend) as ring,
            Program.load(
                XDP_RESERVE.replace("{release}", release), "xdp", maps={"m": ring}, backend=backend
            ) as prog,
            RingBuffer(ring) as reader,
        ):
            for repeat in (1, 7, 200, 3):
                result = prog.run(PACKET, repeat=repeat)
                yield signed(result.retval), reader.read() if repeat != 200 else len(reader.read())
            if engine == "jit" and isinstance(backend, UserBackend):
                jit = _jit_of(prog)
                assert jit.verified and jit.loops_natively
                assert sorted(name for name, _ in jit.native.calls.values()) == sorted(
                    ["ringbuf_reserve", "ringbuf_discard", f"ringbuf_{release}"]
                )


@pytest.mark.parametrize("release", ["submit", "discard"])
def test_loaded_programs_agree_with_the_interpreter_and_the_kernel(
    services: Counter[int], release: str
) -> None:
    jit = list(loaded_runs(UserBackend(), "jit", release))
    assert services == Counter()
    assert jit == list(loaded_runs(UserBackend(), "interpreter", release))
    if release == "submit":
        assert jit[0] == (2, [PACKET[:16] + struct.pack("<Q", 7)])
        assert jit[2][1] == RING // 32 - 1  # the ring filled (a ring never fills whole): then NULL
    else:
        assert all(not records for _, records in jit)
    if kernel_bpf_available():
        assert jit == list(loaded_runs(NativeBackend(), "jit", release))
