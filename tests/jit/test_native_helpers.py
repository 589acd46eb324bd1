"""The helpers the JIT lowers natively (``pybpf.jit.native_helpers``, ``pybpf.jit.native_maps``):
the calls really are native (no trampoline), and they give the interpreter's results, faults and
map effects — and the kernel's, through the native backend."""

from __future__ import annotations

import multiprocessing
import os
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import ExecutionError
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.isa import assemble
from pybpf.jit import repeat as native_repeat
from pybpf.jit.executable import JitProgram
from pybpf.jit.native_helpers import plan_native_calls
from pybpf.jit.state import Op
from pybpf.kernel import prog_run
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.maps.hash import SEQ_OFFSET, HashMap
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter
from tests.helpers.support import map_slots, user_map

Q = struct.Struct("<Q")
PACKET = bytes(14) + bytes(range(50))

LOOKUP = """
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += 5
    *(u64 *)(r0 + 0) = r1
    r0 = r1
    exit
out:
    r0 = 999
    exit
"""
"""r0 = ++5 the value at index r1 (999 when the lookup gives NULL)."""

LOOKUP_THEN = """
    *(u32 *)(r10 - 4) = r1
    r6 = r2
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r0 = *(u8 *)(r0 + 0)
out:
    exit
"""
"""A byte r2 bytes past the value at index r1 (inside the value, or past it: a fault)."""

LOOP = """
    r6 = 0
loop:
    *(u32 *)(r10 - 4) = r6
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto next
    r1 = *(u64 *)(r0 + 0)
    r1 += r6
    *(u64 *)(r0 + 0) = r1
next:
    r6 += 1
    if r6 < 10 goto loop
    r0 = 2
    exit
"""
"""Adds its index to each of the first 10 values (a lookup past max_entries gives NULL)."""


@pytest.fixture(autouse=True)
def _four_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYBPF_NR_CPUS", "4")


def engines(text: str, obj: MapObject) -> tuple[Interpreter, JitProgram]:
    """The program on both engines over one address space, its lddw of map ``m`` resolved to ``obj``."""
    insns = assemble(text, "kernel", maps={"m": 3})
    memory = Memory()
    resolved = map_slots(insns, obj)
    registry = default_registry()
    return (
        Interpreter(insns, helpers=registry, memory=memory, resolved=resolved),
        JitProgram(insns, helpers=registry, memory=memory, resolved=resolved),
    )


def outcome(engine: Interpreter | JitProgram, env: RunEnv | None, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    try:
        return engine.run(registers=regs, env=env)
    except ExecutionError as error:
        return (type(error), error.pc, str(error))


# -- which calls are native ------------------------------------------------------------------------------
def test_array_lookups_and_time_helpers_are_planned_native() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        text = LOOKUP.replace("exit\nout:", "call bpf_ktime_get_ns\nexit\nout:")
        _, jit = engines(text, obj)
        names = sorted(name for name, _ in jit.native.calls.values())
        assert names == ["ktime_get_ns", "map_lookup_elem"]
        assert [array.obj for array in jit.native.maps] == [obj]
        assert jit.loops_natively


@pytest.mark.parametrize(
    "text",
    [
        # r1 not loaded by the lddw right before the call
        "r6 = r1\nr1 = map_fd(m) ll\nr7 = r1\nr1 = r7\nr2 = r10\ncall bpf_map_lookup_elem\nexit",
        # a jump target between the lddw and the call
        "r1 = map_fd(m) ll\nif r2 == 0 goto there\nthere:\nr2 = r10\ncall bpf_map_lookup_elem\nexit",
        # a spin lock anywhere in the program
        "r1 = map_fd(m) ll\nr2 = r10\ncall bpf_map_lookup_elem\nr1 = r0\ncall bpf_spin_lock\nexit",
    ],
    ids=["r1-copied", "jump-target", "spin-lock"],
)
def test_lookups_whose_map_is_not_known_stay_in_python(text: str) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        _, jit = engines(text, obj)
        assert "map_lookup_elem" not in {name for name, _ in jit.native.calls.values()}


@pytest.mark.parametrize(
    ("map_type", "flags"),
    [
        (uapi.BPF_MAP_TYPE_HASH, uapi.BPF_F_NO_PREALLOC),
        (uapi.BPF_MAP_TYPE_PERCPU_HASH, uapi.BPF_F_NO_PREALLOC),
        (uapi.BPF_MAP_TYPE_QUEUE, 0),
    ],
    ids=["growing-hash", "growing-percpu-hash", "queue"],
)
def test_other_maps_and_replaced_helpers_stay_in_python(map_type: int, flags: int) -> None:
    handle, obj = user_map(map_type, 0 if map_type == uapi.BPF_MAP_TYPE_QUEUE else 4, 8, 4, flags)
    with handle:
        _, jit = engines(LOOKUP, obj)
        assert not jit.native.calls
        assert not jit.loops_natively
    registry = default_registry()
    registry.register("bpf_ktime_get_ns", lambda ctx, *args: 7)
    program = JitProgram(assemble("call bpf_ktime_get_ns\nexit"), helpers=registry)
    assert not program.native.calls
    assert program.run() == 7


def test_a_native_lookup_takes_no_trampoline_once_its_value_was_handed_out(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        _, jit = engines(LOOKUP, obj)
        assert b"pybpf_address_map0" in jit.compiled.object_code  # the value array's address, linked
        with MapAccess(jit.memory, ProgramMaps.of([obj])) as access:
            env = RunEnv(maps=access)
            assert [jit.run(registers={1: 2}, env=env) for _ in range(3)] == [5, 10, 15]
            assert services == Counter({Op.VALUE: 1})  # the first lookup registered the value
            assert access.value_region_at(obj.address + 16) is not None
        with MapAccess(jit.memory, ProgramMaps.of([obj])) as access:  # a new MapAccess: a new epoch
            assert jit.run(registers={1: 2}, env=RunEnv(maps=access)) == 20
            assert services == Counter({Op.VALUE: 2})
            assert access.value_region_at(obj.address + 16) is not None


def test_time_helpers_call_no_python(services: Counter[int]) -> None:
    names = ["ktime_get_ns", "ktime_get_boot_ns", "ktime_get_coarse_ns", "ktime_get_tai_ns",
             "get_smp_processor_id", "get_prandom_u32", "get_numa_node_id", "get_current_pid_tgid",
             "get_current_uid_gid"]  # fmt: skip
    for name in names:
        program = JitProgram(assemble(f"call bpf_{name}\nexit"))
        assert len(program.native.calls) == 1
        program.run()
    assert not services


# -- same results as the interpreter --------------------------------------------------------------------
@pytest.mark.parametrize("index", [0, 3, 4, 0xFFFF_FFFF, 1 << 32 | 1])
def test_array_lookup_agrees_with_the_interpreter(index: int) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 12, 4)
    with handle:
        interpreter, jit = engines(LOOKUP, obj)
        results = []
        for engine in (interpreter, jit):
            for i in range(4):
                handle.update(struct.pack("<I", i), Q.pack(100 * i) + bytes(4))
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                results.append([outcome(engine, RunEnv(maps=access), r1=index) for _ in range(2)])
        assert results[0] == results[1]
        if index & 0xFFFF_FFFF < 4:
            base = 100 * (index & 3)
            assert results[1] == [base + 5, base + 10]
        else:
            assert results[1] == [999, 999]


@pytest.mark.parametrize("cpu", [0, 3, 4, -1])
def test_percpu_array_lookup_gives_the_runs_cpu_slot(cpu: int) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 3)
    with handle:
        interpreter, jit = engines(LOOKUP, obj)
        assert jit.native.maps
        results = []
        for engine in (interpreter, jit):
            handle.update(struct.pack("<I", 1), b"".join(Q.pack(10 * c) for c in range(4)))
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                results.append(outcome(engine, RunEnv(cpu=cpu, maps=access), r1=1))
        assert results[0] == results[1]
        slots = [Q.unpack_from(handle.lookup(struct.pack("<I", 1)), 8 * c)[0] for c in range(4)]
        if 0 <= cpu < 4:
            assert results[1] == 10 * cpu + 5
            assert slots[cpu] == 10 * cpu + 5
        else:
            assert results[1] == 999
            assert slots == [0, 10, 20, 30]


@pytest.mark.parametrize("offset", [0, 7, 8, 12, 16])
def test_a_value_reaches_exactly_its_bytes_as_on_the_interpreter(offset: int) -> None:
    """value_size 12: bytes 12..15 are padding, 16 is the next value (never handed out)."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 12, 4)
    with handle:
        handle.update(struct.pack("<I", 1), bytes(range(1, 13)))
        interpreter, jit = engines(LOOKUP_THEN, obj)
        results = []
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                env = RunEnv(maps=access)
                results.append([outcome(engine, env, r1=index, r2=offset) for index in (1, 0, 1)])
        assert results[0] == results[1]
        if offset < 12:
            assert results[1][0] == offset + 1
        else:
            assert results[1][0][0].__name__ == "MemoryAccessError"


def test_runs_that_may_not_reach_the_map_fault_as_on_the_interpreter() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    other_handle, other = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle, other_handle:
        interpreter, jit = engines(LOOKUP, obj)
        for make_env in (lambda memory: None, lambda memory: RunEnv(maps=MapAccess(memory))):
            expected = outcome(interpreter, make_env(interpreter.memory), r1=0)
            assert outcome(jit, make_env(jit.memory), r1=0) == expected
            assert expected[0].__name__ == "HelperError"
        with MapAccess(jit.memory, ProgramMaps.of([other])) as access:
            assert outcome(jit, RunEnv(maps=access), r1=0) == outcome(interpreter, RunEnv(maps=access), r1=0)


def test_a_key_outside_the_stack_goes_to_the_python_helper(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        text = "r2 = r1\nr1 = map_fd(m) ll\ncall bpf_map_lookup_elem\nr0 = *(u64 *)(r0 + 0)\nexit"
        interpreter, jit = engines(text, obj)
        assert jit.native.calls
        handle.update(struct.pack("<I", 2), Q.pack(77))
        results = []
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                results.append(engine.run(struct.pack("<I", 2), env=RunEnv(maps=access)))
                results.append(outcome(engine, RunEnv(maps=access), r1=8))  # no key there: a fault
        assert results[:2] == results[2:]
        assert results[0] == 77
        assert services[1] == 2  # both runs of the JIT asked the Python helper


def test_many_values_in_a_loop_need_no_python_after_the_first_run(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 64)
    with handle:
        interpreter, jit = engines(LOOP.replace("< 10", "< 64"), obj)
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                for _ in range(3):
                    assert engine.run(env=RunEnv(maps=access)) == 2
        assert services == Counter({Op.VALUE: 64})
        assert [Q.unpack(handle.lookup(struct.pack("<I", i)))[0] for i in (0, 1, 63)] == [0, 6, 6 * 63]


# -- time, CPU, randomness ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "clock"),
    [
        ("ktime_get_ns", time.CLOCK_MONOTONIC),
        ("ktime_get_boot_ns", time.CLOCK_BOOTTIME),
        ("ktime_get_tai_ns", time.CLOCK_TAI),
    ],
)
def test_ktime_reads_the_helpers_clock_and_is_monotonic(name: str, clock: int) -> None:
    program = JitProgram(assemble(f"call bpf_{name}\nr6 = r0\ncall bpf_{name}\nr0 -= r6\nexit"))
    first = JitProgram(assemble(f"call bpf_{name}\nexit"))
    before = time.clock_gettime_ns(clock)
    now = first.run()
    after = time.clock_gettime_ns(clock)
    assert before <= now <= after
    assert all(program.run() < 1 << 63 for _ in range(100))  # never backwards


def test_coarse_ktime_is_near_the_coarse_clock() -> None:
    coarse = getattr(time, "CLOCK_MONOTONIC_COARSE", 6)
    value = JitProgram(assemble("call bpf_ktime_get_coarse_ns\nexit")).run()
    assert abs(value - time.clock_gettime_ns(coarse)) < 1_000_000_000


def test_ids_are_the_python_helpers() -> None:
    for name, expected in (
        ("get_current_pid_tgid", os.getpid() << 32 | threading.get_native_id()),
        ("get_current_uid_gid", os.getgid() << 32 | os.getuid()),
        ("get_numa_node_id", 0),
    ):
        assert JitProgram(assemble(f"call bpf_{name}\nexit")).run() == expected


def test_cpu_and_random_numbers() -> None:
    cpu = JitProgram(assemble("call bpf_get_smp_processor_id\nexit")).run()
    assert 0 <= cpu < (os.cpu_count() or 1) + 64
    program = JitProgram(assemble("call bpf_get_prandom_u32\nexit"))
    with program.session() as session:
        numbers = [session.run() for _ in range(200)]
    assert all(0 <= n < 1 << 32 for n in numbers)
    assert len(set(numbers)) > 190
    assert any(n >= 1 << 31 for n in numbers) and any(n < 1 << 31 for n in numbers)


# -- loaded programs: the repeat loop, the kernel, other processes -----------------------------------------
@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The counts the native repeat loop was called with (it still runs)."""
    calls: list[int] = []
    real = native_repeat.repeat_function

    def spy() -> Any:
        function = real()

        def call(*args: Any) -> int:
            calls.append(args[-1])
            result: int = function(*args)
            return result

        return call

    monkeypatch.setattr("pybpf.jit.runtime.repeat_function", spy)
    return calls


def loaded_runs(backend: Backend, engine: str, map_type: int, text: str) -> Iterator[Any]:
    """Each test run's r0 and the map's values after it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with (
            Map.create(map_type, 4, 8, 8, backend=backend) as values,
            Program.load(text, "xdp", maps={"m": values}, backend=backend) as prog,
        ):
            for repeat in (1, 7, 100):
                result = prog.run(PACKET, repeat=repeat)
                yield result.retval, [values.lookup(struct.pack("<I", i)) for i in (0, 1, 7)]


COUNT_PACKETS = """
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r0 = *(u64 *)(r0 + 0)
    r0 &= 0xff
out:
    exit
"""


@pytest.mark.parametrize("text", [LOOP, COUNT_PACKETS], ids=["loop", "counter"])
def test_loaded_programs_loop_natively_and_agree_with_the_interpreter_and_the_kernel(
    counted: list[int], text: str
) -> None:
    jit = list(loaded_runs(UserBackend(), "jit", uapi.BPF_MAP_TYPE_ARRAY, text))
    assert counted == [7, 100]  # a single run (repeat 1) is one call of the program, not the loop
    assert jit == list(loaded_runs(UserBackend(), "interpreter", uapi.BPF_MAP_TYPE_ARRAY, text))
    if kernel_bpf_available():
        assert jit == list(loaded_runs(NativeBackend(), "jit", uapi.BPF_MAP_TYPE_ARRAY, text))


def test_percpu_counter_agrees_with_the_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    monkeypatch.delenv("PYBPF_NR_CPUS")  # the kernel's possible CPUs

    def totals(backend: Backend) -> list[int]:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(prog_run.ENGINE_VARIABLE, "jit")
            with (
                Map.create(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, backend=backend) as values,
                Program.load(COUNT_PACKETS, "xdp", maps={"m": values}, backend=backend) as prog,
            ):
                prog.run(PACKET, repeat=50)
                raw = values.lookup(struct.pack("<I", 1))
        return [sum(Q.unpack_from(raw, at)[0] for at in range(0, len(raw), 8))]

    assert totals(UserBackend()) == totals(NativeBackend()) == [50]


def test_the_values_another_process_writes_are_what_native_lookups_read() -> None:
    read_zero = COUNT_PACKETS.replace("r1 = 1\n", "r1 = 0\n", 1).replace("lock *(u64 *)(r0 + 0) += r1", "")
    read_zero = read_zero.replace("r0 &= 0xff", "")
    seen: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, "jit")
        with Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 2, backend=UserBackend()) as values:

            def write() -> None:  # in the forked process: store 1, 2, ... 20000 into value 0
                for value in range(1, 20001):
                    values.update(struct.pack("<I", 0), Q.pack(value))

            with Program.load(read_zero, "xdp", maps={"m": values}, backend=UserBackend()) as prog:
                prog.run(PACKET)
                writer = multiprocessing.get_context("fork").Process(target=write)
                writer.start()
                while writer.is_alive() and len(seen) < 5000:
                    seen.append(prog.run(PACKET).retval)
                writer.join()
                seen.append(prog.run(PACKET).retval)
    assert writer.exitcode == 0
    assert seen == sorted(seen)  # every read is a whole value the writer stored, in its order
    assert seen[-1] == 20000 & 0xFFFF_FFFF


def test_values_are_handed_out_again_after_the_map_access_released_them(services: Counter[int]) -> None:
    """One MapAccess reused after ``release`` (as a tail call's ``switch`` does): the next run's
    lookup registers its value again, so Python (a helper reading it) finds it."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        update_with_value = LOOKUP.replace(
            "r0 = r1\n    exit", "r3 = r0\n    r1 = map_fd(m) ll\n    r2 = r10\n    r2 += -4\n"
            "    r4 = 0\n    call bpf_map_update_elem\n    exit"
        )  # fmt: skip
        interpreter, jit = engines(update_with_value, obj)
        results = []
        for engine in (interpreter, jit):
            handle.update(struct.pack("<I", 1), Q.pack(1))
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                env = RunEnv(maps=access)
                results.append(outcome(engine, env, r1=1))
                access.release()
                results.append(outcome(engine, env, r1=1))
                results.append(access.value_region_at(obj.address + 8) is not None)
        assert results[:3] == results[3:] == [0, 0, True]
        assert services[Op.VALUE] == 2
        assert Q.unpack(handle.lookup(struct.pack("<I", 1)))[0] == 11


# -- hash maps ---------------------------------------------------------------------------------------------
HASH_LOOKUP = """
    r6 = r1
    r2 = r10
    r2 += -16
    *(u64 *)(r10 - 16) = r6
    *(u32 *)(r10 - 8) = r6
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
    exit
out:
    r0 = 999
    exit
"""
"""The value (its first u64) of key r1 — 4 bytes of it, or 12 (r1, then its low half again)."""


def hash_key(key: int, size: int) -> bytes:
    return struct.pack("<Q", key)[:size] if size <= 8 else struct.pack("<QI", key, key & 0xFFFF_FFFF)


@pytest.mark.parametrize("key_size", [4, 12])
def test_hash_lookup_is_native_and_agrees_with_the_interpreter(key_size: int, services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, key_size, 8, 40)
    with handle:
        present = [k * 0x1_0001 for k in range(40)]
        for key in present:
            handle.update(hash_key(key, key_size), Q.pack(key + 1))
        handle.delete(hash_key(present[5], key_size))
        handle.update(hash_key(7, key_size), Q.pack(77))  # a freed slot reused by another key
        interpreter, jit = engines(HASH_LOOKUP, obj)
        assert [name for name, _ in jit.native.calls.values()] == ["map_lookup_elem"]
        probes = [*present, 7, 8, 1 << 33 | 1]
        results = []
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                env = RunEnv(maps=access)
                results.append([outcome(engine, env, r1=key) for key in probes + probes])
        assert results[0] == results[1]
        assert results[1][:3] == [1, 0x1_0002, 0x2_0003] and results[1][5] == 999
        assert results[1][40:43] == [77, 999, 999]
        assert services == Counter({Op.VALUE: 40})  # each element's value once; no helper call


def test_hash_lookup_takes_the_python_helper_when_the_seqlock_or_the_chain_is_wrong(
    services: Counter[int],
) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 1)  # one bucket
    with handle:
        handle.update(struct.pack("<I", 1), Q.pack(11))
        impl = obj.impl
        assert isinstance(impl, HashMap)
        interpreter, jit = engines(HASH_LOOKUP, obj)
        struct.pack_into("<I", obj.mm, SEQ_OFFSET, 5)  # odd: a writer at work (or dead)
        results = []
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                results.append(outcome(engine, RunEnv(maps=access), r1=1))
        assert results == [11, 11]
        assert services[1] == 1
        struct.pack_into("<I", obj.mm, SEQ_OFFSET, 6)
        struct.pack_into("<I", obj.mm, impl.slots_at, 1)  # slot 1's next link: itself, a loop
        results = []
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                results.append([outcome(engine, RunEnv(maps=access), r1=key) for key in (1, 2)])
        assert results[0] == results[1]
        assert results[1][0] == 11
        assert results[1][1][0].__name__ == "HelperError" and "loop" in results[1][1][2]
        assert services[1] == 2  # the looping walk went to Python


def test_hash_lookups_see_what_another_process_writes_and_deletes() -> None:
    """A writer process replaces and deletes the key while the program looks it up natively: each
    lookup gives NULL or a whole value the writer stored, never going back (a replaced or deleted
    element's slot is only ever reused for the key's next, larger value)."""
    seen: list[int] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, "jit")
        program = HASH_LOOKUP.replace("r6 = r1", "r6 = 3")
        with (
            Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 16, backend=UserBackend()) as values,
            Program.load(program, "xdp", maps={"m": values}, backend=UserBackend()) as prog,
        ):

            def write() -> None:  # in the forked process
                for value in range(1, 20001):
                    if value % 5:
                        values.update(struct.pack("<I", 3), Q.pack(value))
                    else:
                        values.delete(struct.pack("<I", 3))

            prog.run(PACKET, repeat=5)  # compiled, and the repeat loop too, before the writer starts
            writer = multiprocessing.get_context("fork").Process(target=write)
            writer.start()
            while writer.is_alive() and len(seen) < 3000:
                seen.append(prog.run(PACKET, repeat=5).retval)
            writer.join()
    assert writer.exitcode == 0
    values_seen = [value for value in seen if value != 999]
    assert values_seen == sorted(values_seen)
    assert all(value % 5 for value in values_seen)


def test_hash_lookups_see_each_write_and_delete_of_another_process_at_once() -> None:
    """The visibility half of the test above, without its timing: the writer process updates or
    deletes the key and waits for the reader's native lookup to report what it saw."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, "jit")
        program = HASH_LOOKUP.replace("r6 = r1", "r6 = 3")
        with (
            Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 16, backend=UserBackend()) as values,
            Program.load(program, "xdp", maps={"m": values}, backend=UserBackend()) as prog,
        ):
            prog.run(PACKET, repeat=5)  # compiled before the writer starts
            reader_end, writer_end = multiprocessing.get_context("fork").Pipe()

            def write() -> None:  # in the forked process
                for value in range(1, 41):
                    if value % 4:
                        values.update(struct.pack("<I", 3), Q.pack(value))
                    else:
                        values.delete(struct.pack("<I", 3))
                    writer_end.send(value)
                    if not writer_end.poll(30):
                        raise TimeoutError("the reader did not answer")
                    writer_end.recv()
                writer_end.send(None)

            writer = multiprocessing.get_context("fork").Process(target=write)
            writer.start()
            observed: list[tuple[int, int]] = []
            while reader_end.poll(30) and (value := reader_end.recv()) is not None:
                observed.append((value, prog.run(PACKET, repeat=5).retval))
                reader_end.send(True)
            writer.join(30)
    assert writer.exitcode == 0
    assert observed == [(value, value if value % 4 else 999) for value in range(1, 41)]


def test_a_map_known_from_elsewhere_makes_the_lookup_native() -> None:
    """``known_maps`` (what the verifier's facts will give): the call's map, wherever r1 came from."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        text = "r6 = r1\nr1 = map_fd(m) ll\nr7 = r1\nr1 = r7\nr2 = r10\ncall bpf_map_lookup_elem\nexit"
        _, jit = engines(text, obj)
        assert not jit.native.calls
        call = jit.view.starts[-2]
        native = plan_native_calls(
            jit.view,
            jit._specs,
            resolved=jit.resolved,
            helpers=jit.helper_functions,
            known_maps={call: obj.pointer},
        )
        assert [name for name, _ in native.calls.values()] == ["map_lookup_elem"]


@pytest.mark.parametrize("flags", [uapi.BPF_F_RDONLY_PROG, uapi.BPF_F_WRONLY_PROG])
def test_a_values_access_rules_are_the_maps_program_flags(flags: int) -> None:
    """LOOKUP loads then stores the value: a read-only map faults at the store, a write-only one
    at the load, on both engines."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4, flags)
    with handle:
        interpreter, jit = engines(LOOKUP, obj)
        assert jit.native.calls
        results = []
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                results.append([outcome(engine, RunEnv(maps=access), r1=1) for _ in range(2)])
        assert results[0] == results[1]
        assert results[1][1][0].__name__ == "MemoryAccessError"


@pytest.mark.parametrize("cpu", [0, 3, 4, 1 << 32 | 2])
def test_lookup_percpu_elem_gives_the_named_cpus_slot(cpu: int, services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 3)
    with handle:
        handle.update(struct.pack("<I", 1), b"".join(Q.pack(10 * c) for c in range(4)))
        text = (
            LOOKUP.replace("r2 += -4\n", "r2 += -4\n    r3 = r6\n")
            .replace("*(u32 *)(r10 - 4) = r1", "*(u32 *)(r10 - 4) = r1\n    r6 = r2")
            .replace("bpf_map_lookup_elem", "bpf_map_lookup_percpu_elem")
            .replace("r1 += 5", "r1 += 0")
        )
        interpreter, jit = engines(text, obj)
        assert [name for name, _ in jit.native.calls.values()] == ["map_lookup_percpu_elem"]
        results = []
        for engine in (interpreter, jit):
            with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                results.append(outcome(engine, RunEnv(maps=access), r1=1, r2=cpu))
        assert results[0] == results[1] == (10 * (cpu & 0xFFFF_FFFF) if cpu & 0xFFFF_FFFF < 4 else 999)
        assert services[195] == 0
