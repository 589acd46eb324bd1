"""The ring buffer helpers the JIT lowers natively (``pybpf.jit.native_ringbuf``): the calls are
native, and they leave the ring, its records and r0 exactly as the interpreter's helper does — for
every size, flag and ring state, with the producer lock held elsewhere, with positions another
holder corrupted, against another process producing into the same ring, and against the kernel."""

from __future__ import annotations

import ctypes
import errno
import multiprocessing
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
from pybpf.helpers import default_registry
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.maps.object import MapObject
from pybpf.maps.ringbuf import PENDING_POS_AT, PRODUCER_LOCK_AT, PRODUCER_POS_AT
from pybpf.memory.regions import Memory
from pybpf.objects.locking import SharedMutex
from pybpf.ringbuf import RingBuffer
from pybpf.vm import Interpreter
from tests.helpers.support import map_slots, program_env, signed, user_map

OUTPUT_HELPER, QUERY_HELPER = 130, 134
RING = 4096

OUTPUT = """
    *(u64 *)(r10 - 504) = r1
    *(u64 *)(r10 - 512) = r2
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -512
    r1 = map_fd(m) ll
    call bpf_ringbuf_output
    r6 = r0
    r1 = map_fd(m) ll
    r2 = r5
    call bpf_ringbuf_query
    r0 <<= 16
    r6 &= 0xffff
    r0 |= r6
    exit
"""
"""Outputs r3 bytes from r10 - 512 (r2, r1, zeros ..., r1: at most 512 are the program's) with flags r4; r0 is
``bpf_ringbuf_query(r5) << 16 | (output's result & 0xffff)``."""


def engines(text: str, obj: MapObject) -> tuple[Interpreter, JitProgram]:
    insns = assemble(text, "kernel", maps={"m": 3})
    memory = Memory()
    resolved = map_slots(insns, obj)
    registry = default_registry()
    return (
        Interpreter(insns, helpers=registry, memory=memory, resolved=resolved),
        JitProgram(insns, helpers=registry, memory=memory, resolved=resolved),
    )


def outcome(engine: Interpreter | JitProgram, obj: MapObject, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    with program_env(engine.memory, [obj]) as env:
        try:
            return engine.run(registers=regs, env=env)
        except ExecutionError as error:
            return (type(error), error.pc, str(error))


def storage(obj: MapObject) -> bytes:
    """The ring's pages but the producer lock (its owner word differs between runs)."""
    raw = ctypes.string_at(obj.address, obj.storage_size)
    return raw[:PRODUCER_LOCK_AT] + raw[PRODUCER_LOCK_AT + 64 :]


def test_output_and_query_are_native_and_loop_natively(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        _, jit = engines(OUTPUT, obj)
        assert sorted(name for name, _ in jit.native.calls.values()) == ["ringbuf_output", "ringbuf_query"]
        assert jit.loops_natively
        for i in range(5):
            assert outcome(jit, obj, r1=i, r2=7, r3=16, r4=0, r5=uapi.BPF_RB_PROD_POS) == 24 * (i + 1) << 16
        assert services == Counter()
        with RingBuffer(handle) as reader:
            records = reader.read()
        assert records == [struct.pack("<QQ", 7, i) for i in range(5)]


def test_other_maps_and_replaced_helpers_stay_in_python() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        assert not engines(OUTPUT, obj)[1].native.calls  # not a ring: the Python helper's error
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        registry = default_registry()
        registry.register("bpf_ringbuf_output", lambda ctx, *args: 5)
        insns = assemble(OUTPUT, "kernel", maps={"m": 3})
        jit = JitProgram(insns, helpers=registry, memory=Memory(), resolved=map_slots(insns, obj))
        assert [name for name, _ in jit.native.calls.values()] == ["ringbuf_query"]
        assert outcome(jit, obj, r3=8, r5=uapi.BPF_RB_RING_SIZE) == RING << 16 | 5


Step = tuple[int, int, int, int]
"""(size, flags, query flags, bytes the consumer takes first: -1 all)."""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(
                [0, 1, 8, 13, 16, 100, 301, 504, 512, 513, 4088, 4089, 5000, 1 << 31, 0xFFFF_FFFF]
            ),
            st.sampled_from([0, 1, 2, 3, 4, 1 << 40]),
            st.integers(0, 5),
            st.sampled_from([0, 0, 0, -1]),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_output_and_query_agree_with_the_interpreter(steps: list[Step]) -> None:
    """Sizes the ring takes, refuses or cannot read, every flag, wrapping records, a full ring."""
    results = []
    for engine_index in range(2):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
        with handle, RingBuffer(handle) as reader:
            engine = engines(OUTPUT, obj)[engine_index]
            seen = []
            for index, (size, flags, query, take) in enumerate(steps):
                if take:
                    seen.append(reader.read())
                r0 = outcome(engine, obj, r1=index, r2=size, r3=size, r4=flags, r5=query)
                if isinstance(r0, tuple):  # a fault: the stack frame holds 512 bytes
                    r0 = r0[:2]
                seen.append(r0)
            seen.append(reader.read())
            results.append((seen, storage(obj)))
    assert results[0] == results[1]


def test_records_that_wrap_past_the_end_of_the_ring_read_whole() -> None:
    size = 300  # records of 312 bytes: the 14th crosses the end of the ring
    expected = [struct.pack("<QQ", size, i) + bytes(size - 16) for i in range(30)]
    results = []
    for engine_index in range(2):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
        with handle, RingBuffer(handle) as reader:
            engine = engines(OUTPUT, obj)[engine_index]
            records: list[bytes] = []
            for i in range(30):
                assert outcome(engine, obj, r1=i, r2=size, r3=size, r4=0, r5=4) == 0
                if i % 10 == 9:
                    records += reader.read()
            assert records == expected
            results.append(storage(obj))
    assert results[0] == results[1]


def test_data_outside_the_stack_and_hot_regions_goes_to_the_python_helper(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        text = "r2 = r1\nr3 = 8\nr4 = 0\nr1 = map_fd(m) ll\ncall bpf_ringbuf_output\nexit"
        interpreter, jit = engines(text, obj)
        buffer = ctypes.create_string_buffer(b"outside!")
        address = ctypes.addressof(buffer)
        assert outcome(jit, obj, r1=address) == outcome(interpreter, obj, r1=address)
        assert services[OUTPUT_HELPER] == 1
        assert outcome(jit, obj, r1=address)[0].__name__ == "MemoryAccessError"


def test_runs_that_may_not_reach_the_ring_fault_as_on_the_interpreter() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        results = []
        for engine in engines(OUTPUT, obj):
            with pytest.raises(ExecutionError) as error:
                engine.run(registers={3: 8})  # no MapAccess: the run may name no map
            results.append((type(error.value), error.value.pc, str(error.value)))
        assert results[0] == results[1]
        assert results[0][0].__name__ == "HelperError"


def test_a_producer_lock_held_elsewhere_is_waited_for_by_the_python_helper(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
    with handle:
        _, jit = engines(OUTPUT, obj)
        lock = SharedMutex(obj.address + PRODUCER_LOCK_AT, lambda: None)
        taken = threading.Event()

        def hold() -> None:  # until the run asked the Python helper (which then waits for the lock)
            with lock:
                taken.set()
                deadline = time.monotonic() + 30
                while not services[OUTPUT_HELPER] and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(0.05)

        holder = threading.Thread(target=hold)
        holder.start()
        taken.wait()
        assert outcome(jit, obj, r1=1, r2=2, r3=16, r4=0, r5=0) == 24 << 16
        holder.join()
        assert services[OUTPUT_HELPER] == 1
        assert outcome(jit, obj, r1=3, r2=4, r3=16, r4=0, r5=0) == 48 << 16
        assert services[OUTPUT_HELPER] == 1
        with RingBuffer(handle) as reader:
            assert reader.read() == [struct.pack("<QQ", 2, 1), struct.pack("<QQ", 4, 3)]


@pytest.mark.parametrize(
    ("producer", "pending"), [(64, 128), (8192, 0), (24, 16)], ids=["pending-ahead", "too-far", "mid-record"]
)
def test_corrupted_positions_give_what_the_interpreter_gives(producer: int, pending: int) -> None:
    results = []
    for engine_index in range(2):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING)
        with handle:
            engine = engines(OUTPUT, obj)[engine_index]
            outcome(engine, obj, r1=1, r2=2, r3=16, r4=0, r5=0)
            words = (ctypes.c_uint64 * 2).from_address(obj.address + PRODUCER_POS_AT)
            assert PENDING_POS_AT == PRODUCER_POS_AT + 8
            words[0], words[1] = producer, pending
            results.append((outcome(engine, obj, r1=3, r2=4, r3=16, r4=0, r5=3), storage(obj)))
    assert results[0] == results[1]
    assert results[0][0] & 0xFFFF == -errno.EUCLEAN & 0xFFFF


def test_records_of_another_process_and_native_ones_interleave_whole() -> None:
    """A forked process outputs through the Python helper while the JIT outputs natively: every
    record of both arrives whole, each producer's in its order."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, 1 << 20)
    with handle:
        interpreter, jit = engines(OUTPUT, obj)

        def produce() -> None:
            for i in range(3000):
                outcome(interpreter, obj, r1=1, r2=i, r3=16, r4=0, r5=0)

        other = multiprocessing.get_context("fork").Process(target=produce)
        other.start()
        for i in range(3000):
            outcome(jit, obj, r1=2, r2=i, r3=16, r4=uapi.BPF_RB_NO_WAKEUP, r5=0)
        other.join()
        assert other.exitcode == 0
        with RingBuffer(handle) as reader:
            records = [struct.unpack("<QQ", record)[::-1] for record in reader.read()]
    assert sorted(records) == [(who, i) for who in (1, 2) for i in range(3000)]
    for who in (1, 2):
        assert [i for w, i in records if w == who] == list(range(3000))


# -- loaded programs: the repeat loop, the kernel ---------------------------------------------------------
PACKET = bytes(range(64))
XDP_OUTPUT = """
    r6 = *(u32 *)(r1 + 0)
    r7 = *(u32 *)(r1 + 4)
    r2 = r6
    r2 += 24
    if r2 > r7 goto out
    r1 = map_fd(m) ll
    r2 = r6
    r3 = 24
    r4 = 0
    call bpf_ringbuf_output
    r8 = r0
    r1 = 0x1122334455667788 ll
    *(u64 *)(r10 - 8) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 2
    call bpf_ringbuf_output
    r8 |= r0
    r1 = map_fd(m) ll
    r2 = 0
    call bpf_ringbuf_query
    r0 += r8
    exit
out:
    r0 = 1
    exit
"""
"""Outputs the packet's first 24 bytes, then 8 bytes of the stack; r0 = the bytes available + the
results (0, or -EAGAIN once the ring is full)."""


FROM_STACK = XDP_OUTPUT.replace(
    "    r2 = r6\n    r3 = 24\n",
    "".join(f"    r3 = *(u64 *)(r6 + {at})\n    *(u64 *)(r10 - {32 - at}) = r3\n" for at in (0, 8, 16))
    + "    r2 = r10\n    r2 += -32\n    r3 = 24\n",
)
"""The same records, the packet's bytes copied to the stack first (the kernel lets no helper read a
packet that ``bpf_ringbuf_output`` is given directly)."""


def loaded_runs(backend: Backend, engine: str, text: str) -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with (
            Map.create(uapi.BPF_MAP_TYPE_RINGBUF, 0, 0, RING, backend=backend) as ring,
            Program.load(text, "xdp", maps={"m": ring}, backend=backend) as prog,
            RingBuffer(ring) as reader,
        ):
            for repeat in (1, 7, 100, 3):
                result = prog.run(PACKET, repeat=repeat)
                yield signed(result.retval), reader.read() if repeat != 100 else len(reader.read())


@pytest.mark.parametrize("text", [FROM_STACK], ids=["stack"])  # (no verifier passes packet data)
def test_loaded_programs_loop_natively_and_agree_with_the_interpreter_and_the_kernel(
    services: Counter[int], text: str
) -> None:
    jit = list(loaded_runs(UserBackend(), "jit", text))
    assert services == Counter()
    assert jit == list(loaded_runs(UserBackend(), "interpreter", text))
    assert jit[2][1] == 2 * (RING // (32 + 16))  # the runs after the ring filled got -EAGAIN
    if kernel_bpf_available():
        assert jit == list(loaded_runs(NativeBackend(), "jit", text))
