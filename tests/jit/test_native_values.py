"""Map values without Python (``pybpf.jit.native_maps``, ``pybpf.jit.native_hash_write``): a verified
program's native lookups, updates and deletes never ask Python, while a raw program keeps the
interpreter's value regions; what the native code writes is what ``Map``, the interpreter and other
processes see, and its hash updates and deletes keep the map's writer protocol against a Python
writer in another process and a lock holder that died."""

from __future__ import annotations

import errno
import multiprocessing
import os
import struct
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import ExecutionError
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.jit.state import Op
from pybpf.kernel import prog_run
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.maps.hash import HashMap
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter
from tests.helpers.support import map_slots, signed, user_map

Q = struct.Struct("<Q")
U32 = struct.Struct("<I")
PACKET = bytes(64)

COUNT = """
    r6 = 7
    *(u32 *)(r10 - 4) = r6
    r2 = r10
    r2 += -4
    r1 = map_fd(flows) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto insert
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r6 = 0
    *(u32 *)(r10 - 4) = r6
    r2 = r10
    r2 += -4
    r1 = map_fd(totals) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
    r1 += 3
    *(u64 *)(r0 + 8) = r1
out:
    r0 = 2
    exit
insert:
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 1
    r1 = map_fd(flows) ll
    call bpf_map_update_elem
    r0 = 2
    exit
"""
"""Key 7 of hash map ``flows``: inserted as 1 (BPF_NOEXIST), then incremented; the second u64 of
``totals[0]`` (an array) grows by 3 on each run that found the key."""

COPY = """
    r6 = 1
    *(u32 *)(r10 - 4) = r6
    r2 = r10
    r2 += -4
    r1 = map_fd(source) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = 77
    *(u64 *)(r6 + 8) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(target) ll
    r3 = r6
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 2
    exit
"""
"""``target[1] = source[1]`` with ``source[1]``'s second u64 set to 77 first: a Python helper is
given a value pointer a native lookup handed out."""

UPDATE = """
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r2
    r4 = r3
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r1 = map_fd(m) ll
    call bpf_map_update_elem
    exit
"""
"""``bpf_map_update_elem(m, &r1 (u32), &r2 (u64), r3)``."""

DELETE = """
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_delete_elem
    exit
"""

VALUE_BYTE = """
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
"""The byte r2 bytes into the value at key r1 (past the value: a fault)."""


def _jit_of(prog: Program) -> JitProgram:
    executable = ProgRuntime.of(ProgObject.from_fd(prog.fd)).executable
    assert isinstance(executable, JitProgram)
    return executable


def _engines(text: str, obj: MapObject) -> tuple[Interpreter, JitProgram]:
    """``text`` raw (unverified) on both engines over one address space, map ``m`` resolved to ``obj``."""
    insns = assemble(text, "kernel", maps={"m": 3})
    memory, resolved, registry = Memory(), map_slots(insns, obj), default_registry()
    return (
        Interpreter(insns, helpers=registry, memory=memory, resolved=resolved),
        JitProgram(insns, helpers=registry, memory=memory, resolved=resolved),
    )


def _run(engine: Interpreter | JitProgram, obj: MapObject, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
        try:
            return signed(engine.run(registers=regs, env=RunEnv(maps=access)))
        except ExecutionError as error:
            return (type(error).__name__, error.pc)


@pytest.fixture
def _on_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, "jit")
    yield


def _count_runs(engine: str, services: Counter[int]) -> tuple[int, int, Counter[int]]:
    """(flows[7], totals[0]'s second u64, the services asked after the first run) after 5 calls
    and a test run of 10 repeats of COUNT on ``engine``."""
    backend = UserBackend()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(prog_run.ENGINE_VARIABLE, engine)
        with (
            Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 64, name="flows", backend=backend) as flows,
            Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 4, name="totals", backend=backend) as totals,
            Program.load(COUNT, "xdp", maps={"flows": flows, "totals": totals}, backend=backend) as prog,
        ):
            assert prog.run(PACKET).retval == 2
            services.clear()
            for _ in range(4):
                assert prog.run(PACKET).retval == 2
            assert prog.run(PACKET, repeat=10).retval == 2
            if engine == "jit":
                jit = _jit_of(prog)
                assert jit.verified
                assert sorted(name for name, _ in jit.native.calls.values()) == [
                    "map_lookup_elem", "map_lookup_elem", "map_update_elem",
                ]  # fmt: skip
            asked = Counter(services)
            return Q.unpack(flows[U32.pack(7)])[0], Q.unpack(totals[U32.pack(0)][8:])[0], asked


def test_a_verified_programs_lookups_and_updates_take_no_python(services: Counter[int]) -> None:
    jitted = _count_runs("jit", services)
    interpreted = _count_runs("interpreter", services)
    assert jitted[:2] == interpreted[:2] == (15, 3 * 14)
    assert jitted[2] == Counter()  # no Op.VALUE, no Op.FILL, no helper: wholly native


def test_the_first_run_inserts_natively(services: Counter[int], _on_engine: None) -> None:
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 64, name="flows", backend=backend) as flows,
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 4, name="totals", backend=backend) as totals,
        Program.load(COUNT, "xdp", maps={"flows": flows, "totals": totals}, backend=backend) as prog,
    ):
        _jit_of(prog).prepare()
        services.clear()
        assert prog.run(PACKET, repeat=3).retval == 2
        assert services == Counter()
        assert Q.unpack(flows[U32.pack(7)])[0] == 3


def test_values_written_natively_are_seen_by_another_process(_on_engine: None) -> None:
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 64, name="flows", backend=backend) as flows,
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 4, name="totals", backend=backend) as totals,
        Program.load(COUNT, "xdp", maps={"flows": flows, "totals": totals}, backend=backend) as prog,
    ):
        prog.run(PACKET, repeat=6)

        def check() -> None:  # in the forked process
            ok = Q.unpack(flows[U32.pack(7)])[0] == 6 and Q.unpack(totals[U32.pack(0)][8:])[0] == 15
            os._exit(0 if ok else 1)

        reader = multiprocessing.get_context("fork").Process(target=check)
        reader.start()
        reader.join()
        assert reader.exitcode == 0


def test_a_python_helper_given_a_native_value_finds_its_region(
    services: Counter[int], _on_engine: None
) -> None:
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 4, name="source", backend=backend) as source,
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 4, name="target", backend=backend) as target,
        Program.load(COPY, "xdp", maps={"source": source, "target": target}, backend=backend) as prog,
    ):
        source[U32.pack(1)] = Q.pack(5) + Q.pack(0)
        for _ in range(3):
            services.clear()
            assert prog.run(PACKET).retval == 2
            assert services == Counter({uapi.BPF_FUNC_map_update_elem: 1})  # the array update only
        assert target[U32.pack(1)] == Q.pack(5) + Q.pack(77)


@pytest.mark.parametrize("offset", [7, 8])
def test_a_raw_program_still_faults_past_the_value(services: Counter[int], offset: int) -> None:
    """Unverified code keeps the interpreter's value regions: value + value_size faults."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        handle[U32.pack(1)] = bytes(range(1, 9))
        interpreter, jit = _engines(VALUE_BYTE, obj)
        assert not jit.verified and jit.native.calls and not jit.native.verified
        results = [_run(engine, obj, r1=1, r2=offset) for engine in (interpreter, jit)]
        assert results[0] == results[1]
        assert results[1] == 8 if offset == 7 else results[1][0] == "MemoryAccessError"
        assert services[Op.VALUE] == 1


def test_verified_means_facts_given_even_none() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle:
        insns = assemble(VALUE_BYTE, "kernel", maps={"m": 3})
        resolved = map_slots(insns, obj)
        raw = JitProgram(insns, resolved=resolved)
        verified = JitProgram(insns, resolved=resolved, facts=())
        assert (raw.verified, verified.verified) == (False, True)
        assert raw.native.key != verified.native.key  # different code: never shared by the cache
        raw.prepare()
        verified.prepare()
        assert raw.compiled is not verified.compiled


# -- native hash updates and deletes ---------------------------------------------------------------------


def _contents(handle: Map) -> dict[int, int]:
    return {U32.unpack(key)[0]: Q.unpack(value)[0] for key, value in handle.items()}


def test_updates_and_deletes_answer_as_the_interpreter(services: Counter[int]) -> None:
    """EEXIST, ENOENT, E2BIG, replacing, inserting after deletes: the same answers and contents."""
    steps = [
        ("update", 1, 10, uapi.BPF_NOEXIST), ("update", 1, 11, uapi.BPF_NOEXIST),
        ("update", 2, 20, uapi.BPF_EXIST),
        ("update", 2, 21, uapi.BPF_ANY), ("update", 3, 30, uapi.BPF_ANY), ("update", 4, 40, uapi.BPF_ANY),
        ("update", 5, 50, uapi.BPF_ANY), ("update", 4, 41, uapi.BPF_EXIST), ("delete", 9, 0, 0),
        ("delete", 2, 0, 0), ("update", 5, 50, uapi.BPF_NOEXIST), ("update", 1, 12, uapi.BPF_ANY),
        ("delete", 1, 0, 0), ("delete", 3, 0, 0), ("update", 6, 60, uapi.BPF_ANY), ("update", 7, 70, 0),
        ("update", 8, 80, 0), ("update", 8, 81, 4), ("delete", 4, 0, 0), ("update", 9, 90, 0),
    ]  # fmt: skip
    outcomes, contents = [], []
    for engine_index in (0, 1):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 4)
        with handle:
            update, delete = (_engines(UPDATE, obj)[engine_index], _engines(DELETE, obj)[engine_index])
            if isinstance(update, JitProgram):
                assert isinstance(delete, JitProgram)
                assert [name for name, _ in update.native.calls.values()] == ["map_update_elem"]
                assert [name for name, _ in delete.native.calls.values()] == ["map_delete_elem"]
                services.clear()
            answers = []
            for what, key, value, flags in steps:
                if what == "update":
                    answers.append(_run(update, obj, r1=key, r2=value, r3=flags))
                else:
                    answers.append(_run(delete, obj, r1=key))
            outcomes.append(answers)
            contents.append(_contents(handle))
            impl = obj.impl
            assert isinstance(impl, HashMap)
    assert outcomes[0] == outcomes[1]
    assert contents[0] == contents[1]
    assert -17 in outcomes[1] and -2 in outcomes[1] and -7 in outcomes[1] and -22 in outcomes[1]
    assert services == Counter({uapi.BPF_FUNC_map_update_elem: 1})  # flags 4 (BPF_F_LOCK): Python's EINVAL


def test_native_writes_and_a_python_writer_in_another_process(_on_engine: None) -> None:
    """The program inserts, bumps and deletes keys 0..15 while another process does the same with
    keys 100..163 through ``Map``: every write of both lands, the chains and the count stay whole."""
    program = """
        r6 = r1
        r7 = 0
    loop:
        *(u32 *)(r10 - 4) = r7
        r2 = r10
        r2 += -4
        r1 = map_fd(m) ll
        call bpf_map_lookup_elem
        if r0 == 0 goto insert
        r1 = *(u64 *)(r0 + 0)
        r1 += 1
        *(u64 *)(r0 + 0) = r1
        if r1 < 50 goto next
        r2 = r10
        r2 += -4
        r1 = map_fd(m) ll
        call bpf_map_delete_elem
        goto next
    insert:
        r1 = 1
        *(u64 *)(r10 - 16) = r1
        r2 = r10
        r2 += -4
        r3 = r10
        r3 += -16
        r4 = 1
        r1 = map_fd(m) ll
        call bpf_map_update_elem
    next:
        r7 += 1
        if r7 < 16 goto loop
        r0 = 2
        exit
    """
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_HASH, 4, 8, 128, name="m", backend=backend) as m,
        Program.load(program, "xdp", maps={"m": m}, backend=backend) as prog,
    ):
        prog.run(PACKET)  # compiled before the writer starts

        def write() -> None:  # in the forked process
            for round_ in range(301):
                for key in range(100, 164):
                    if round_ % 3 == 2:
                        m.delete(U32.pack(key))
                    else:
                        m[U32.pack(key)] = Q.pack(round_)

        writer = multiprocessing.get_context("fork").Process(target=write)
        writer.start()
        runs = 1
        while writer.is_alive() or runs < 60:
            prog.run(PACKET, repeat=5)
            runs += 5
        writer.join()
        assert writer.exitcode == 0
        contents = _contents(m)
        # the program's keys: 1 .. 50, deleted at 50, then from 1 again
        ours = {} if runs % 50 == 0 else dict.fromkeys(range(16), runs % 50)
        assert {key: value for key, value in contents.items() if key < 16} == ours
        assert {key: value for key, value in contents.items() if key >= 100} == dict.fromkeys(
            range(100, 164), 300
        )
        obj = MapObject.from_fd(m.fd)
        impl = obj.impl
        assert isinstance(impl, HashMap)
        with obj.lock:
            assert struct.unpack_from("<I", obj.mm, 0)[0] == len(contents)


def test_a_lock_whose_holder_died_is_repaired_before_the_update(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 8)
    with handle:
        handle[U32.pack(1)] = Q.pack(1)
        interpreter, jit = _engines(UPDATE, obj)

        def die_holding() -> None:  # in the forked process
            MapObject.from_fd(handle.fd).lock.__enter__()
            os._exit(0)

        holder = multiprocessing.get_context("fork").Process(target=die_holding)
        holder.start()
        holder.join()
        assert holder.exitcode == 0
        services.clear()
        assert _run(jit, obj, r1=2, r2=22, r3=uapi.BPF_NOEXIST) == 0
        assert services[Op.RECOVER] == 1 and services[uapi.BPF_FUNC_map_update_elem] == 1
        services.clear()
        assert _run(jit, obj, r1=3, r2=33, r3=uapi.BPF_NOEXIST) == 0
        assert services == Counter()  # the lock is whole again: native
        assert _contents(handle) == {1: 1, 2: 22, 3: 33}
        assert _run(interpreter, obj, r1=3, r2=34, r3=uapi.BPF_NOEXIST) == -17


def test_a_native_update_waits_for_no_one(services: Counter[int]) -> None:
    """A lock held elsewhere (here: by this thread) sends the update to Python, which waits for
    another holder and reports this one (EDEADLK) as on the interpreter."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 8)
    with handle:
        _, jit = _engines(UPDATE, obj)
        other = MapObject.from_fd(handle.fd)
        with other.lock:
            result = _run(jit, obj, r1=1, r2=5, r3=0)
        assert result == -errno.EDEADLK
        assert services[uapi.BPF_FUNC_map_update_elem] == 1
        assert _run(jit, obj, r1=1, r2=5, r3=0) == 0
        assert _contents(handle) == {1: 5}


# -- per-CPU hash lookups ----------------------------------------------------------------------------------

PERCPU_LOOKUP = """
    *(u32 *)(r10 - 4) = r1
    r6 = r2
    r2 = r10
    r2 += -4
    r3 = r6
    r1 = map_fd(m) ll
    call bpf_map_lookup_percpu_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
    exit
out:
    r0 = 999
    exit
"""
"""CPU r2's slot of key r1 (999: NULL)."""


@pytest.mark.parametrize("cpu", [0, 3, 4, 1 << 32 | 2])
def test_percpu_hash_lookups_give_the_cpus_slot(
    monkeypatch: pytest.MonkeyPatch, services: Counter[int], cpu: int
) -> None:
    monkeypatch.setenv("PYBPF_NR_CPUS", "4")
    handle, obj = user_map(uapi.BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 8)
    with handle:
        for key in (1, 2, 9):
            handle.update(U32.pack(key), b"".join(Q.pack(100 * key + c) for c in range(4)))
        texts = {
            "map_lookup_percpu_elem": PERCPU_LOOKUP,
            "map_lookup_elem": PERCPU_LOOKUP.replace("bpf_map_lookup_percpu_elem", "bpf_map_lookup_elem"),
        }
        for name, text in texts.items():
            interpreter, jit = _engines(text, obj)
            assert [call for call, _ in jit.native.calls.values()] == [name]
            results = []
            for engine in (interpreter, jit):
                answers = []
                for key in (1, 2, 3, 9):
                    with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                        # bpf_map_lookup_elem takes the run's CPU, bpf_map_lookup_percpu_elem r2
                        env = RunEnv(maps=access, cpu=cpu & 0xFFFF_FFFF)
                        answers.append(engine.run(registers={1: key, 2: cpu}, env=env))
                results.append(answers)
            slot = cpu & 0xFFFF_FFFF
            expected = [100 * key + slot if slot < 4 and key != 3 else 999 for key in (1, 2, 3, 9)]
            assert results[0] == results[1] == expected
        assert services[uapi.BPF_FUNC_map_lookup_percpu_elem] == services[uapi.BPF_FUNC_map_lookup_elem] == 0


def test_a_verified_percpu_hash_counter_takes_no_python(
    monkeypatch: pytest.MonkeyPatch, services: Counter[int], _on_engine: None
) -> None:
    monkeypatch.setenv("PYBPF_NR_CPUS", "4")
    backend = UserBackend()
    text = COUNT.replace("call bpf_map_update_elem", "r0 = 0")
    with (
        Map.create(uapi.BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 64, name="flows", backend=backend) as flows,
        Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 16, 4, name="totals", backend=backend) as totals,
        Program.load(text, "xdp", maps={"flows": flows, "totals": totals}, backend=backend) as prog,
    ):
        flows[U32.pack(7)] = bytes(32)
        prog.run(PACKET)
        services.clear()
        prog.run(PACKET, repeat=9)
        assert services == Counter()
        slots = [Q.unpack_from(flows[U32.pack(7)], 8 * cpu)[0] for cpu in range(4)]
        assert sum(slots) == 10 and slots.count(0) >= 2  # on the CPUs the two test runs ran on
