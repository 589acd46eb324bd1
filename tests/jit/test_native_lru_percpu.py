"""LRU_PERCPU_HASH updates from programs on the JIT (native where the node comes from the running
CPU's local free list, else the Python helper's ``LruPercpuHashMap.program_update``): the running
CPU's slot of an existing element written in place, a new element's other CPUs zeroed, evictions as
the kernel's LRU lists choose -- the same answers, values, ref bits and storage as on the
interpreter, for raw and verified programs; a CPU the map has not is -EINVAL on both engines."""

from __future__ import annotations

import ctypes
import errno
import struct
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import uapi
from pybpf.jit.executable import JitProgram
from tests.helpers.support import user_map
from tests.jit.test_native_lru import LOOKUP, UPDATE, _engine, _keys, _referenced, _run, one_cpu

U32 = struct.Struct("<I")
Q = struct.Struct("<Q")
UPDATE_HELPER = 2


def _values(handle: Any, cpus: int) -> dict[int, list[int]]:
    """Each key's value on every CPU (its first u64)."""
    values = {key: handle[U32.pack(key)] for key in _keys(handle)}
    return {key: [Q.unpack_from(value, 8 * cpu)[0] for cpu in range(cpus)] for key, value in values.items()}


def _history(kind: str, verified: bool, steps: list[tuple[str, int, int, int]]) -> list[Any]:
    """Updates (on a CPU, with flags), lookups and user-space inserts on a 4-entry LRU_PERCPU_HASH that
    starts with keys 0 to 2: each answer, the keys with every CPU's value and the referenced keys after
    each update, the whole storage at the end."""
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4, uapi.BPF_F_ZERO_SEED)
    with handle, one_cpu():
        cpus = obj.impl.nr_cpus
        for key in range(3):
            handle[U32.pack(key)] = b"".join(Q.pack(key * 100 + cpu) for cpu in range(cpus))
        programs = {
            "update": _engine(UPDATE, obj, kind, verified=verified),
            "lookup": _engine(LOOKUP, obj, kind, verified=verified),
        }
        seen: list[Any] = []
        for index, (op, key, step_cpu, flags) in enumerate(steps):
            if op == "insert":
                handle[U32.pack(key)] = bytes(8 * cpus)
            else:  # (cpus itself: a CPU the map has not)
                cpu = min(step_cpu, cpus)
                seen.append(_run(programs[op], obj, cpu=cpu, r1=key, r2=1000 + index, r3=flags))
            seen.append((_values(handle, cpus), _referenced(obj)))
        seen.append(ctypes.string_at(obj.address, obj.storage_size))
        return seen


STEPS = st.lists(
    st.tuples(
        st.sampled_from(["update", "update", "update", "lookup", "insert"]),
        st.integers(0, 6),
        st.integers(0, 4),
        st.sampled_from([0, 0, uapi.BPF_NOEXIST, uapi.BPF_EXIST, 4]),
    ),
    max_size=30,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, verified=st.booleans())
def test_percpu_updates_as_the_interpreter(steps: list[tuple[str, int, int, int]], verified: bool) -> None:
    assert _history("jit", verified, steps) == _history("interpreter", False, steps)


def test_percpu_updates_write_the_running_cpus_slot() -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 64, uapi.BPF_F_ZERO_SEED)  # (no eviction)
    with handle:
        cpus = obj.impl.nr_cpus
        updater = _engine(UPDATE, obj, "jit", verified=True)
        assert isinstance(updater, JitProgram)
        assert [name for name, _ in updater.native.calls.values()] == ["map_update_elem"]
        handle[U32.pack(1)] = b"\xff" * 8 * cpus
        assert _run(updater, obj, cpu=cpus - 1, r1=1, r2=7, r3=0) == 0  # in place, on the last CPU
        assert _values(handle, cpus)[1] == [0xFFFF_FFFF_FFFF_FFFF] * (cpus - 1) + [7]
        assert _referenced(obj) == [1]  # __htab_lru_percpu_map_update_elem sets the ref bit in place
        assert _run(updater, obj, cpu=0, r1=2, r2=8, r3=uapi.BPF_NOEXIST) == 0  # new: the others zeroed
        assert _values(handle, cpus)[2] == [8] + [0] * (cpus - 1)
        assert _run(updater, obj, cpu=0, r1=2, r2=0, r3=uapi.BPF_NOEXIST) == -errno.EEXIST
        assert _run(updater, obj, cpu=0, r1=5, r2=0, r3=uapi.BPF_EXIST) == -errno.ENOENT
        assert _run(updater, obj, cpu=cpus, r1=2, r2=0, r3=0) == -errno.EINVAL
        assert _run(updater, obj, cpu=0, r1=2, r2=0, r3=4) == -errno.EINVAL
