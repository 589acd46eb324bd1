"""LRU hash lookups the JIT lowers natively (``pybpf.jit.native_lru``): the lookups are native and set
the element's ref bit, leaving the map -- its values, its LRU lists and ref bits, so which elements
the next updates evict -- exactly as the interpreter's helper does, for raw and verified programs,
plain and per-CPU maps, with the map's mutex held elsewhere (a Python writer in another process), a
holder that died, and a corrupted node link; updates and deletes are native where the policy
(``pybpf.maps.lru``) takes a node from the running CPU's local free list, and the Python helper's
otherwise (a refill), leaving the storage byte for byte as the interpreter's helper does."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import multiprocessing
import os
import struct
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
from pybpf.jit.native_lru import NativeLru
from pybpf.jit.state import Op
from pybpf.kernel import prog_run
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.prog_run import ProgRuntime
from pybpf.kernel.progobj import ProgObject
from pybpf.maps.lru import CPU_AT, REF_AT, TYPE_AT, LruHashMap, LruPercpuHashMap
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


@contextlib.contextmanager
def one_cpu() -> Iterator[None]:
    """This process pinned to one CPU meanwhile."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _keys(handle: Map) -> set[int]:
    return {U32.unpack(key)[0] for key in handle.keys()}  # noqa: SIM118 (a Map is not iterable)


def _history(
    kind: str, verified: bool, steps: list[tuple[str, int, int]], map_type: int = uapi.BPF_MAP_TYPE_LRU_HASH
) -> list[Any]:
    """Lookups, updates (flags) and deletes by programs on ``kind``, and inserts by user space, on a
    4-entry LRU map holding keys 0 to 3: what each step answered, the keys the map holds and those
    whose ref bit is set after each change, and its storage at the end."""
    handle, obj = user_map(map_type, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    cpus = handle.user_value_size // 8
    with handle, one_cpu():  # (user space's inserts take their nodes on the CPU they run on)
        for key in range(4):  # full from the start: inserts evict
            handle[U32.pack(key)] = Q.pack(key * 100) * cpus
        programs = {op: _engine(text, obj, kind, verified=verified) for op, text in PROGRAMS.items()}
        seen: list[Any] = []
        for index, (op, key, flags) in enumerate(steps):
            if op == "insert":
                handle[U32.pack(key)] = Q.pack(key * 100) * cpus
                seen.append(sorted(_keys(handle)))
                continue
            seen.append(_run(programs[op], obj, r1=key, r2=index, r3=flags))
            seen.append((sorted(_keys(handle)), _referenced(obj)))
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, verified=st.booleans())
def test_percpu_lookups_updates_and_evictions_as_the_interpreter(
    steps: list[tuple[str, int, int]], verified: bool
) -> None:
    """The same on an LRU_PERCPU_HASH: a native update of an existing key writes the running CPU's
    value in place through the journal, takes and gives back its node as the policy does."""
    percpu = uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH
    assert _history("jit", verified, steps, percpu) == _history("interpreter", False, steps, percpu)


def test_a_lookup_sets_the_ref_bit_natively(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle:
        for key in range(4):
            handle[U32.pack(key)] = Q.pack(key)
        jit = _engine(LOOKUP, obj, "jit", verified=True)
        assert isinstance(jit, JitProgram)
        assert [name for name, _ in jit.native.calls.values()] == ["map_lookup_elem"]
        assert isinstance(jit.native.maps[0], NativeLru)
        assert _referenced(obj) == []
        assert _run(jit, obj, r1=0) == 0
        assert _run(jit, obj, r1=9) == -1
        assert _referenced(obj) == [0]
        assert services == Counter()


@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH])
@pytest.mark.parametrize("text", [UPDATE, DELETE], ids=["update", "delete"])
def test_updates_and_deletes_are_native(map_type: int, text: str, services: Counter[int]) -> None:
    """A program's update of a key whose node comes from the CPU's local free list, and its delete,
    run natively (no Python helper); refilling that list is the Python policy's (the helper)."""
    handle, obj = user_map(map_type, 4, 8, 64, uapi.BPF_F_ZERO_SEED)
    with handle:
        jit = _engine(text, obj, "jit", verified=True)
        assert isinstance(jit, JitProgram)
        assert [name for name, _ in jit.native.calls.values()] == [
            "map_update_elem" if text == UPDATE else "map_delete_elem"
        ]
        handle[U32.pack(5)] = bytes(handle.user_value_size)  # (the CPU's local free list filled)
        assert _run(jit, obj, r1=5, r2=7, r3=0) == 0
        assert _keys(handle) == ({5} if text == UPDATE else set())
        assert services == Counter()
        with MapObject.from_fd(handle.fd).lock:
            obj.impl.check_lists()


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
    assert answers["jit"][0] == 20


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

        def check() -> None:  # in the forked process: key 3 was counted and referenced
            ok = _referenced(MapObject.from_fd(lru.fd)) == [3] and Q.unpack(lru[U32.pack(3)])[0] == 10
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
        assert _referenced(obj) == [0]


def _referenced(obj: MapObject) -> list[int]:
    """The (u32) keys whose LRU node has its ref bit set."""
    impl = obj.impl
    assert isinstance(impl, LruHashMap | LruPercpuHashMap)
    found = []
    for key in _all_keys(impl):
        stored = impl.inner.value_offset(key, 0)
        assert stored is not None
        link = _u32(obj, impl.inner_at + stored)
        if ctypes.c_uint8.from_address(
            obj.address + impl.pool_at + (link - 1) * impl.node_size + REF_AT
        ).value:
            found.append(U32.unpack(key)[0])
    return sorted(found)


def _all_keys(impl: LruHashMap | LruPercpuHashMap) -> list[bytes]:
    return [key for bucket in range(impl.bucket_count()) for key, _ in impl.bucket_items(bucket)]


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
        impl = obj.impl
        assert isinstance(impl, LruHashMap)
        with obj.lock:
            impl.check_lists()


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
        assert _referenced(obj) == [1]
        assert _run(jit, obj, r1=2) == 2
        assert services[LOOKUP_HELPER] == 1  # native again
        assert _referenced(obj) == [1, 2]


def test_a_corrupted_node_link_is_the_python_helpers_to_report(services: Counter[int]) -> None:
    answers = []
    for kind in ("interpreter", "jit"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
        with handle:
            for key in range(4):
                handle[U32.pack(key)] = Q.pack(key)
            impl = obj.impl
            assert isinstance(impl, LruHashMap)
            stored = impl.inner.value_offset(U32.pack(0), 0)
            assert stored is not None
            ctypes.c_uint32.from_address(obj.address + impl.inner_at + stored).value = 1  # a list head
            answers.append(_run(_engine(LOOKUP, obj, kind, verified=True), obj, r1=0))
    assert answers[0] == answers[1]
    assert answers[1][0] == "HelperError"
    assert services[LOOKUP_HELPER] == 1


def test_an_update_of_a_corrupted_map_is_the_same_on_both_engines() -> None:
    """A local free list whose head links outside the node pool: -EUCLEAN, the same map after it."""
    answers = []
    for kind in ("interpreter", "jit"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
        with handle:
            impl = obj.impl
            assert isinstance(impl, LruHashMap)
            head = impl.pool_at + (impl._local_head(0, 3) - 1) * impl.node_size
            ctypes.c_uint32.from_address(obj.address + head + 4).value = 9999
            r0 = _run(_engine(UPDATE, obj, kind, verified=True), obj, r1=9, r2=9, r3=0)
            answers.append((r0, ctypes.string_at(obj.address, obj.storage_size)))
    assert answers[0] == answers[1]
    assert answers[1][0] == -errno.EUCLEAN


@pytest.mark.parametrize(("field", "garbage"), [(TYPE_AT, 7), (CPU_AT, 99)], ids=["type", "cpu"])
def test_a_replaced_node_with_garbage_is_the_python_helpers_to_report(field: int, garbage: int) -> None:
    """The replaced element's node names no list (or a pending node no CPU): the native update checks
    it before its first write and leaves it to the Python helper -- the same answer and storage."""
    answers = []
    for kind in ("interpreter", "jit"):
        handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_HASH, 4, 8, 64, uapi.BPF_F_ZERO_SEED)
        with handle, one_cpu():
            handle[U32.pack(1)] = Q.pack(1)
            impl = obj.impl
            assert isinstance(impl, LruHashMap)
            node = impl._node(impl._find(U32.pack(1)))
            if field == TYPE_AT:
                ctypes.c_uint8.from_address(obj.address + node + field).value = garbage
            else:
                ctypes.c_uint32.from_address(obj.address + node + field).value = garbage
            r0 = _run(_engine(UPDATE, obj, kind, verified=True), obj, r1=1, r2=5, r3=0)
            answers.append((r0, ctypes.string_at(obj.address, obj.storage_size)))
    assert answers[0] == answers[1]
    assert answers[1][0] == -errno.EUCLEAN
