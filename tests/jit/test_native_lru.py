"""LRU hash lookups the JIT lowers natively (``pybpf.jit.native_lru``): the lookups are native, and
they leave the map -- its values and its recency order, so which element the next update evicts --
exactly as the interpreter's helper does, for raw and verified programs, plain and per-CPU maps, with
the map's mutex held elsewhere (a Python writer in another process), a holder that died, and a
corrupted node list."""

from __future__ import annotations

import ctypes
import errno
import multiprocessing
import os
import struct
import time
from collections import Counter
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
from pybpf.jit.native_lru import NativeLru
from pybpf.jit.state import Op
from pybpf.kernel import prog_run
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.maps.lru import FREE_AT, HEADER_BYTES, LRU_AT, MRU_AT
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter
from tests.helpers.support import map_slots, signed, user_map

U32 = struct.Struct("<I")
Q = struct.Struct("<Q")
PACKET = bytes(64)
LOOKUP_HELPER, PERCPU_LOOKUP_HELPER = 1, 195

LOOKUP = """
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto absent
    r0 = *(u64 *)(r0 + 0)
    exit
absent:
    r0 = -1
    exit
"""
"""The first u64 of key r1's value (u32 key), -1 when absent."""

PERCPU_LOOKUP = """
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r3 = r3
    r1 = map_fd(m) ll
    call bpf_map_lookup_percpu_elem
    if r0 == 0 goto absent
    r0 = *(u64 *)(r0 + 0)
    exit
absent:
    r0 = -1
    exit
"""
"""CPU r3's first u64 of key r1's value, -1 when absent or past the CPUs."""

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
"""The byte r2 bytes into key r1's value (past the value: a fault for a raw program)."""

DELETE = """
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_delete_elem
    exit
"""
"""``bpf_map_delete_elem(m, &r1)``."""

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

COUNTER = """
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
out:
    r0 = 2
    exit
"""
"""Key 3's first u64 grows by one (r1 of an XDP program is its context: keyed by a constant below)."""


def _engine(text: str, obj: MapObject, kind: str, *, verified: bool = False) -> Interpreter | JitProgram:
    insns = assemble(text, "kernel", maps={"m": 3})
    memory, resolved, registry = Memory(), map_slots(insns, obj), default_registry()
    if kind == "interpreter":
        return Interpreter(insns, helpers=registry, memory=memory, resolved=resolved)
    return JitProgram(
        insns, helpers=registry, memory=memory, resolved=resolved, facts=() if verified else None
    )


def _run(engine: Interpreter | JitProgram, obj: MapObject, cpu: int = 0, **registers: int) -> Any:
    regs = {int(name[1:]): value for name, value in registers.items()}
    with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
        try:
            return signed(engine.run(registers=regs, env=RunEnv(cpu=cpu, maps=access)))
        except ExecutionError as error:
            return (type(error).__name__, error.pc)


def _keys(handle: Map) -> set[int]:
    return {U32.unpack(key)[0] for key in handle.keys()}  # noqa: SIM118 (a Map is not iterable)


def _history(kind: str, verified: bool, steps: list[tuple[str, int, int]]) -> list[Any]:
    """Lookups, updates (flags) and deletes by programs on ``kind``, and inserts by user space, on a
    4-entry LRU map holding keys 0 to 3: what each step answered, the keys the map holds and its
    recency order after each change, and its storage at the end."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        for key in range(4):  # full from the start: inserts evict
            handle[U32.pack(key)] = Q.pack(key * 100)
        programs = {op: _engine(text, obj, kind, verified=verified) for op, text in PROGRAMS.items()}
        seen: list[Any] = []
        for index, (op, key, flags) in enumerate(steps):
            if op == "insert":
                handle[U32.pack(key)] = Q.pack(key * 100)
                seen.append(sorted(_keys(handle)))
                continue
            seen.append(_run(programs[op], obj, r1=key, r2=index, r3=flags))
            if op != "lookup":
                seen.append((sorted(_keys(handle)), _order(obj)))
        seen.append({key: handle[U32.pack(key)] for key in _keys(handle)})
        seen.append(ctypes.string_at(obj.address, obj.storage_size))
        return seen


PROGRAMS = {"lookup": LOOKUP, "update": UPDATE, "delete": DELETE}
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["lookup", "insert", "delete", "update", "update"]),
        st.integers(0, 7),
        st.sampled_from([0, 0, uapi.BPF_NOEXIST, uapi.BPF_EXIST, 4]),
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, verified=st.booleans())
def test_lookups_and_evictions_as_the_interpreter(steps: list[tuple[str, int, int]], verified: bool) -> None:
    assert _history("jit", verified, steps) == _history("interpreter", False, steps)


def test_a_lookup_makes_the_key_the_most_recently_used(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        for key in range(4):
            handle[U32.pack(key)] = Q.pack(key)
        jit = _engine(LOOKUP, obj, "jit", verified=True)
        assert isinstance(jit, JitProgram)
        assert [name for name, _ in jit.native.calls.values()] == ["map_lookup_elem"]
        assert isinstance(jit.native.maps[0], NativeLru)
        assert _run(jit, obj, r1=0) == 0  # key 0, the least recently used, becomes the most
        assert _run(jit, obj, r1=9) == -1
        handle[U32.pack(4)] = Q.pack(4)  # evicts key 1, not key 0
        assert _keys(handle) == {0, 2, 3, 4}
        assert services == Counter()


@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH])
def test_deletes_are_native_and_free_the_node(services: Counter[int], map_type: int) -> None:
    handle, obj = user_map(map_type, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        size = 8 * obj.impl.nr_cpus if obj.impl.percpu else 8
        for key in range(4):
            handle[U32.pack(key)] = bytes(size)
        deleter = _engine(DELETE, obj, "jit", verified=True)
        assert isinstance(deleter, JitProgram)
        assert [name for name, _ in deleter.native.calls.values()] == ["map_delete_elem"]
        assert [_run(deleter, obj, r1=key) for key in (2, 2, 9, 0)] == [0, -errno.ENOENT, -errno.ENOENT, 0]
        assert services == Counter()
        assert _keys(handle) == {1, 3} and _order(obj) == [3, 1]
        for key in (5, 6, 7):  # the freed nodes are taken again; 7 evicts key 1
            handle[U32.pack(key)] = bytes(size)
        assert _keys(handle) == {3, 5, 6, 7} and _order(obj) == [7, 6, 5, 3]


def test_updates_are_native_and_evict_the_least_recently_used(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        updater = _engine(UPDATE, obj, "jit", verified=True)
        assert isinstance(updater, JitProgram)
        assert [name for name, _ in updater.native.calls.values()] == ["map_update_elem"]
        answers = [_run(updater, obj, r1=key, r2=key + 50, r3=0) for key in (0, 1, 2, 3, 1, 4, 5)]
        assert answers == [0] * 7
        assert _run(updater, obj, r1=9, r2=0, r3=uapi.BPF_EXIST) == -errno.ENOENT
        assert _run(updater, obj, r1=5, r2=0, r3=uapi.BPF_NOEXIST) == -errno.EEXIST
        assert services == Counter()
        assert _order(obj) == [5, 4, 1, 3]  # 0, then 2 evicted
        assert {key: Q.unpack(handle[U32.pack(key)])[0] for key in _keys(handle)} == {
            1: 51, 3: 53, 4: 54, 5: 55,
        }  # fmt: skip
        assert _run(updater, obj, r1=3, r2=0, r3=4) == -errno.EINVAL  # unknown flags: the Python helper's
        assert services[2] == 1


def test_a_raw_program_keeps_the_value_regions(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        handle[U32.pack(1)] = bytes(range(1, 9))
        for offset in (7, 8):
            results = [
                _run(_engine(VALUE_BYTE, obj, kind), obj, r1=1, r2=offset) for kind in ("interpreter", "jit")
            ]
            assert results[0] == results[1]
            assert results[1] == 8 if offset == 7 else results[1][0] == "MemoryAccessError"
        assert services[Op.VALUE] == 2 and services[LOOKUP_HELPER] == 0


@pytest.mark.parametrize("verified", [False, True])
def test_percpu_lookups_give_the_cpus_slot(verified: bool) -> None:
    answers: dict[str, list[Any]] = {}
    for kind in ("interpreter", "jit"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
        with handle:
            cpus = obj.impl.nr_cpus
            for key in range(4):
                handle[U32.pack(key)] = b"".join(Q.pack(key * 10 + cpu) for cpu in range(cpus))
            lookup = _engine(LOOKUP, obj, kind, verified=verified and kind == "jit")
            percpu = _engine(PERCPU_LOOKUP, obj, kind, verified=verified and kind == "jit")
            answers[kind] = [_run(lookup, obj, cpu=cpu, r1=2) for cpu in range(cpus + 1)]
            answers[kind] += [
                _run(percpu, obj, r1=key, r3=cpu) for key in (1, 3, 5) for cpu in (0, cpus - 1, cpus)
            ]
            handle[U32.pack(9)] = bytes(8 * cpus)  # evicts what the lookups left least recent
            answers[kind].append(sorted(_keys(handle)))
    assert answers["jit"] == answers["interpreter"]
    assert answers["jit"][0] == 20 and answers["jit"][-1] == [1, 2, 3, 9]


def _jit_of(prog: Program) -> JitProgram:
    executable = ProgRuntime.of(ProgObject.from_fd(prog.fd)).executable
    assert isinstance(executable, JitProgram)
    return executable


XDP_COUNTER = COUNTER.replace("*(u32 *)(r10 - 4) = r1", "r1 = 3\n    *(u32 *)(r10 - 4) = r1")


def test_a_verified_program_counts_natively_and_another_process_sees_it(
    services: Counter[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, "jit")
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, backend=backend) as lru,
        Program.load(XDP_COUNTER, "xdp", maps={"m": lru}, backend=backend) as prog,
    ):
        for key in range(4):
            lru[U32.pack(key)] = Q.pack(0)
        assert prog.run(PACKET).retval == 2
        jit = _jit_of(prog)
        assert jit.verified and jit.loops_natively
        services.clear()
        assert prog.run(PACKET, repeat=9).retval == 2
        assert services == Counter()
        assert Q.unpack(lru[U32.pack(3)])[0] == 10

        def check() -> None:  # in the forked process: key 3 is the most recent, key 0 goes first
            lru[U32.pack(7)] = Q.pack(7)
            ok = _keys(lru) == {1, 2, 3, 7} and Q.unpack(lru[U32.pack(3)])[0] == 10
            os._exit(0 if ok else 1)

        child = multiprocessing.get_context("fork").Process(target=check)
        child.start()
        child.join()
        assert child.exitcode == 0


def test_a_mutex_held_elsewhere_is_waited_for(services: Counter[int]) -> None:
    """While another process holds the map's mutex, the lookup goes to the Python helper, which waits
    for it; the answer and the order are the interpreter's."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        for key in range(4):
            handle[U32.pack(key)] = Q.pack(key)
        jit = _engine(LOOKUP, obj, "jit", verified=True)
        assert isinstance(jit, JitProgram)
        jit.prepare()  # compiled before the mutex is taken
        context = multiprocessing.get_context("fork")
        ready = context.Event()

        def hold() -> None:  # in the forked process
            with obj.lock:
                ready.set()
                time.sleep(0.5)
            os._exit(0)

        child = context.Process(target=hold)
        child.start()
        assert ready.wait(10)
        started = time.monotonic()
        assert _run(jit, obj, r1=0) == 0
        assert time.monotonic() - started > 0.1  # it waited
        child.join()
        assert services[LOOKUP_HELPER] == 1
        handle[U32.pack(9)] = Q.pack(9)
        assert _keys(handle) == {0, 2, 3, 9}


def _order(obj: MapObject) -> list[int]:
    """The keys of the LRU list from the most recently used, its links checked both ways."""
    impl, keys, previous = obj.impl, [], 0
    link = _u32(obj, MRU_AT)
    while link:
        node = HEADER_BYTES + (link - 1) * impl.node_size
        assert _u32(obj, node) == previous
        keys.append(_u32(obj, node + 8))
        previous, link = link, _u32(obj, node + 4)
        assert len(keys) <= impl.n_nodes
    assert _u32(obj, LRU_AT) == previous
    return keys


def _u32(obj: MapObject, offset: int) -> int:
    return ctypes.c_uint32.from_address(obj.address + offset).value


def test_native_lookups_against_a_python_writer_in_another_process() -> None:
    """A forked writer inserts (evicting) while the program looks keys up natively: the map stays one
    consistent LRU list holding exactly the map's keys."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, uapi.BPF_F_ZERO_SEED)
    with handle:
        jit = _engine(LOOKUP, obj, "jit", verified=True)
        context = multiprocessing.get_context("fork")

        def write() -> None:  # in the forked process
            for round_ in range(300):
                for key in range(0, 40, 3):
                    handle[U32.pack(key)] = Q.pack(key + round_)
            os._exit(0)

        writer = context.Process(target=write)
        writer.start()
        hits = 0
        while writer.is_alive():
            for key in range(40):
                found = _run(jit, obj, r1=key)
                hits += found != -1
                assert found == -1 or found >= key
        writer.join()
        assert writer.exitcode == 0 and hits
        order = _order(obj)
        assert len(order) == len(set(order)) and set(order) == _keys(handle)


def test_a_lock_whose_holder_died_is_repaired_first(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        for key in range(4):
            handle[U32.pack(key)] = Q.pack(key)
        jit = _engine(LOOKUP, obj, "jit", verified=True)

        def die_holding() -> None:  # in the forked process
            obj.lock.__enter__()
            os._exit(0)

        child = multiprocessing.get_context("fork").Process(target=die_holding)
        child.start()
        child.join()
        assert _run(jit, obj, r1=1) == 1
        assert services[Op.RECOVER] == 1 and services[LOOKUP_HELPER] == 1
        assert _order(obj)[0] == 1
        assert _run(jit, obj, r1=2) == 2
        assert services[LOOKUP_HELPER] == 1  # native again
        assert _order(obj)[:2] == [2, 1]


def test_a_corrupted_node_list_is_the_python_helpers_to_report(services: Counter[int]) -> None:
    answers = []
    for kind in ("interpreter", "jit"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
        with handle:
            for key in range(4):
                handle[U32.pack(key)] = Q.pack(key)
            node = HEADER_BYTES  # node 1, key 0's (the first inserted)
            ctypes.c_uint32.from_address(obj.address + node + 4).value = 99  # its next link: outside
            answers.append((_run(_engine(LOOKUP, obj, kind, verified=True), obj, r1=0), _u32(obj, MRU_AT)))
    assert answers[0] == answers[1]
    assert answers[1][0][0] == "HelperError"
    assert services[LOOKUP_HELPER] == 1


def _corrupt_tail(obj: MapObject) -> None:
    ctypes.c_uint32.from_address(obj.address + LRU_AT).value = 99  # outside the node pool


def _tail_names_no_element(obj: MapObject) -> None:
    tail = _u32(obj, LRU_AT)
    node = HEADER_BYTES + (tail - 1) * obj.impl.node_size
    ctypes.c_uint32.from_address(obj.address + node + 8).value = 77  # its key: in no element


def _free_node_still_listed(obj: MapObject) -> None:
    free = _u32(obj, FREE_AT)
    ctypes.c_uint32.from_address(obj.address + HEADER_BYTES + (free - 1) * obj.impl.node_size).value = 1


@pytest.mark.parametrize(
    "corrupt", [_corrupt_tail, _tail_names_no_element, _free_node_still_listed], ids=lambda f: f.__name__
)
def test_an_update_of_a_corrupted_map_is_the_python_helpers(services: Counter[int], corrupt: Any) -> None:
    """The Python helper answers (-EUCLEAN), from the same untouched map, leaving what it leaves."""
    answers = []
    for kind in ("interpreter", "jit"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
        with handle:
            for key in range(4):
                handle[U32.pack(key)] = Q.pack(key)
            if corrupt is _free_node_still_listed:
                del handle[U32.pack(2)]
            corrupt(obj)
            r0 = _run(_engine(UPDATE, obj, kind, verified=True), obj, r1=9, r2=9, r3=0)
            answers.append((r0, ctypes.string_at(obj.address, obj.storage_size)))
    assert answers[0] == answers[1]
    assert answers[1][0] == -errno.EUCLEAN
    assert services[2] == 1
