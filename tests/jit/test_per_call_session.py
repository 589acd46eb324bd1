"""The per-call session of native map lookups (``pybpf.jit.native_maps``, ``pybpf.jit.runtime``): a test
run's CPU read natively (``JitSession.follow_host_cpu``), which the Python helpers of the same run see
too, and a verified session's arming kept across runs only while the run environment, its
``MapAccess``, the program maps and the spin locks held are what it was decided for."""

from __future__ import annotations

import os
import struct
from collections import Counter
from collections.abc import Iterator

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import ExecutionError
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.isa import assemble
from pybpf.jit.executable import JitProgram
from pybpf.kernel import prog_run
from pybpf.kernel.backend import UserBackend
from pybpf.memory.regions import Memory
from tests.helpers.support import map_slots, user_map

Q = struct.Struct("<Q")
U32 = struct.Struct("<I")
PACKET = bytes(64)
LOOKUP = uapi.BPF_FUNC_map_lookup_elem
UPDATE = uapi.BPF_FUNC_map_update_elem

COUNT_AND_MARK = """
    r6 = 0
    *(u32 *)(r10 - 4) = r6
    r2 = r10
    r2 += -4
    r1 = map_fd(counts) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r1 = 5
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(marks) ll
    call bpf_map_update_elem
out:
    r0 = 2
    exit
"""
"""``counts[0]`` (a per-CPU array) grows by one on the run's CPU, through a native lookup; ``marks[0]``
(a per-CPU array) is set to 5 on the run's CPU by the Python helper."""

VALUE_OF = """
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    exit
"""
"""The u64 at key r1 of array ``m`` (0 when there is no such key)."""


@pytest.fixture
def pinned() -> Iterator[list[int]]:
    """The CPUs the process may run on (at most two); the affinity is restored afterwards."""
    allowed = os.sched_getaffinity(0)
    try:
        yield sorted(allowed)[:2]
    finally:
        os.sched_setaffinity(0, allowed)


def _slots(handle: Map, cpus: int) -> list[int]:
    value = handle[U32.pack(0)]
    return [Q.unpack_from(value, 8 * cpu)[0] for cpu in range(cpus)]


@pytest.mark.parametrize("engine", ["jit", "interpreter"])
def test_a_test_run_counts_on_the_cpu_it_runs_on(
    monkeypatch: pytest.MonkeyPatch, services: Counter[int], pinned: list[int], engine: str
) -> None:
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, engine)
    backend = UserBackend()
    with (
        Map.create(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, name="counts", backend=backend) as counts,
        Map.create(uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, name="marks", backend=backend) as marks,
        Program.load(COUNT_AND_MARK, "xdp", maps={"counts": counts, "marks": marks}, backend=backend) as prog,
    ):
        cpus = len(counts[U32.pack(0)]) // 8
        assert max(pinned) < cpus
        for cpu in pinned:
            os.sched_setaffinity(0, {cpu})
            counts[U32.pack(0)] = bytes(8 * cpus)
            marks[U32.pack(0)] = bytes(8 * cpus)
            for _ in range(3):
                assert prog.run(PACKET).retval == 2
            expected = [0] * cpus
            expected[cpu] = 3
            assert _slots(counts, cpus) == expected  # the native lookup's slot: the CPU it ran on
            expected[cpu] = 5
            assert _slots(marks, cpus) == expected  # the Python helper saw the same CPU
    if engine == "jit":
        assert services[LOOKUP] == 0 and services[UPDATE] == 3 * len(pinned)


def test_a_verified_session_is_armed_again_when_its_environment_changes(services: Counter[int]) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    other_handle, other = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 4)
    with handle, other_handle:
        handle[U32.pack(1)] = Q.pack(41)
        insns = assemble(VALUE_OF, "kernel", maps={"m": 3})
        memory = Memory()
        jit = JitProgram(
            insns, helpers=default_registry(), memory=memory, resolved=map_slots(insns, obj), facts=()
        )
        with (
            jit.session() as session,
            MapAccess(memory, ProgramMaps.of([obj])) as access,
            MapAccess(memory, ProgramMaps.of([other])) as elsewhere,
        ):
            env = RunEnv(maps=access)

            def value(run_env: RunEnv) -> int | str:
                services.clear()
                try:
                    result = session.run(1, run_env)
                except ExecutionError as error:
                    result = type(error).__name__
                return result if services[LOOKUP] else f"native {result}"

            assert value(env) == value(env) == "native 41"  # armed once, still armed
            assert value(RunEnv(maps=access)) == "native 41"  # another environment: decided again
            env.maps = elsewhere  # a MapAccess whose program does not name the map
            assert value(env) == "HelperError"
            env.maps = access
            assert value(env) == "native 41"
            access.switch(ProgramMaps.of([other]))  # the same MapAccess, another program's maps
            assert value(env) == "HelperError"
            access.switch(ProgramMaps.of([obj]))
            assert value(env) == "native 41"
            env.spin_locks.append((0, obj))  # not armed: the Python helper refuses a lookup under a lock
            assert value(env) == "HelperError"
            env.spin_locks.clear()
            assert value(env) == "native 41"


HEAD_ON_MARK = """
    r6 = r1
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r4 = *(u8 *)(r2 + 0)
    if r4 != 1 goto out
    r1 = r6
    r2 = 14
    call bpf_xdp_adjust_head
out:
    r0 = 2
    exit
"""
"""XDP: a packet whose first byte is 1 loses its first 14 bytes (``bpf_xdp_adjust_head``)."""


@pytest.mark.parametrize("engine", ["jit", "interpreter"])
def test_xdp_calls_after_a_helper_moved_the_packet(monkeypatch: pytest.MonkeyPatch, engine: str) -> None:
    monkeypatch.setenv(prog_run.ENGINE_VARIABLE, engine)
    plain, marked, short = bytes(range(2, 66)), bytes([1]) + bytes(range(2, 65)), bytes(range(2, 42))
    with Program.load(HEAD_ON_MARK, "xdp", backend=UserBackend()) as prog:
        for data in (plain, plain, marked, plain, plain, marked, marked, short, plain):
            out = prog.run(data).data_out
            assert out == (data[14:] if data[0] == 1 else data)
