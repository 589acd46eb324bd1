"""LRU_HASH and LRU_PERCPU_HASH evict the kernel's elements (``pybpf.maps.lru``: bpf_lru_list.c).

The same sequence of operations -- bpf() updates, deletes and lookups from user space, and programs'
lookups (which set the ref bit) and updates, on each engine -- runs on the kernel and on pybpf with
this process pinned to one CPU (the kernel's BPF_PROG_TEST_RUN then runs on it too, and pybpf's runs
are given it), and must leave the same keys, in the same GET_NEXT_KEY order (BPF_F_ZERO_SEED), after
every step of the script: maps small and larger
than nr_cpus * target_free, the common LRU and BPF_F_NO_COMMON_LRU.  What differs is printed.  Every
comparison skips where bpf(2) is unavailable.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.map import Map
from pybpf.maps.object import MapObject
from pybpf.maps.percpu import possible_cpus
from tests.helpers.progs import run_kernel, run_pybpf

LH, LPH = uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH
NO_COMMON = uapi.BPF_F_NO_COMMON_LRU

Step = tuple[str, list[tuple[str, int]]]
"""("user", ops) or ("program", ops); an op is (update | delete | lookup, key)."""


@pytest.fixture
def pinned_cpu() -> Iterator[int]:
    """This process on one CPU for the test."""
    before = os.sched_getaffinity(0)
    chosen = min(before)
    os.sched_setaffinity(0, {chosen})
    try:
        yield chosen
    finally:
        os.sched_setaffinity(0, before)


def program(ops: list[tuple[str, int]]) -> str:
    """A program making ``ops`` in order: lookups (which set the ref bit), updates and deletes."""
    lines: list[str] = []
    for op, key in ops:
        lines += [f"r1 = {key}", "*(u32 *)(r10 - 4) = r1", "r1 = map_fd(m) ll", "r2 = r10", "r2 += -4"]
        if op == "update":
            lines = [*lines[:-3], f"r1 = {key}", "*(u64 *)(r10 - 16) = r1", *lines[-3:]]
            lines += ["r3 = r10", "r3 += -16", "r4 = 0", "call bpf_map_update_elem"]
        elif op == "delete":
            lines += ["call bpf_map_delete_elem"]
        else:
            lines += ["call bpf_map_lookup_elem"]
    return "\n".join([*lines, "r0 = 0", "exit"]) + "\n"


def script(max_entries: int, seed: int, programs: bool) -> list[Step]:
    """Random steps over keys 0 .. 3 * max_entries: mostly updates, some deletes and lookups."""
    rng = random.Random(seed)
    keys = 3 * max_entries
    steps: list[Step] = []
    for _ in range(12):
        by_program = programs and rng.random() < 0.4
        count = rng.randrange(1, 40) if by_program else rng.randrange(1, max_entries + 10)
        kinds = rng.choices(["update", "delete", "lookup"], [6, 1, 3], k=count)
        ops = [(kind, rng.randrange(keys)) for kind in kinds]
        steps.append(("program" if by_program else "user", ops))
    return steps


def keys_after(m: Map, steps: list[Step], cpu: int) -> list[list[int]]:
    """The keys of ``m`` after each step, in GET_NEXT_KEY order (BPF_F_ZERO_SEED: the kernel's)."""
    value_size = m.value_size * (possible_cpus() if m.map_type == LPH else 1)
    seen: list[list[int]] = []
    for kind, ops in steps:
        if kind == "program":
            if m.backend.name == "user":
                run_pybpf(program(ops), m.fd, MapObject.from_fd(m.fd), cpu=cpu)
            else:
                run_kernel(program(ops), m.fd)
        else:
            for op, key in ops:
                raw = key.to_bytes(4, "little")
                try:
                    if op == "update":
                        m.update(raw, key.to_bytes(8, "little") * (value_size // 8))
                    elif op == "delete":
                        m.delete(raw)
                    else:
                        m.lookup(raw)
                except (BPFError, KeyError):
                    pass
        seen.append([int.from_bytes(bytes(k), "little") for k in m.keys()])  # noqa: SIM118 (a Map is not iterable)
    return seen


def compare(map_type: int, max_entries: int, flags: int, steps: list[Step], cpu: int) -> None:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    results = []
    for backend in (NativeBackend(), UserBackend()):
        with Map.create(map_type, 4, 8, max_entries, flags | uapi.BPF_F_ZERO_SEED, backend=backend) as m:
            results.append(keys_after(m, steps, cpu))
    kernel, ours = results
    for index, (want, got) in enumerate(zip(kernel, ours, strict=True)):
        if want != got:
            print(f"step {index} ({steps[index][0]}, {len(steps[index][1])} ops):")
            print(f"  only the kernel keeps {sorted(set(want) - set(got))}")
            print(f"  only pybpf keeps {sorted(set(got) - set(want))}")
        assert got == want, f"step {index}: pybpf keeps other keys, or in another order, than the kernel"


SIZES = [4, 16, 100, 600]
"""Small, about nr_cpus * target_free, and larger (target_free is at most 128)."""


@pytest.mark.parametrize("flags", [0, NO_COMMON], ids=["common", "no_common"])
@pytest.mark.parametrize("map_type", [LH, LPH], ids=["lru_hash", "lru_percpu_hash"])
@pytest.mark.parametrize("max_entries", SIZES)
def test_user_space_updates_evict_the_kernels_keys(
    pinned_cpu: int, map_type: int, max_entries: int, flags: int
) -> None:
    compare(map_type, max_entries, flags, script(max_entries, max_entries + flags, False), pinned_cpu)


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("flags", [0, NO_COMMON], ids=["common", "no_common"])
@pytest.mark.parametrize("map_type", [LH, LPH], ids=["lru_hash", "lru_percpu_hash"])
@pytest.mark.parametrize("max_entries", [16, 300])
def test_program_lookups_and_updates_evict_the_kernels_keys(
    pinned_cpu: int, map_type: int, max_entries: int, flags: int
) -> None:
    compare(map_type, max_entries, flags, script(max_entries, 7 * max_entries + flags, True), pinned_cpu)
