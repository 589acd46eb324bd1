"""The object code of programs with native helper calls is cached like any other's
(``pybpf.jit.codegen.compile_program``): the maps' storage and mutexes and the C library's functions
are relocations (``pybpf.jit.lower.ADDRESS_SYMBOL``) bound when the object is linked, so a second
load -- in this process over other maps, or in another process -- links the cached object and runs
exactly as the interpreter does over its own maps."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from pybpf import uapi
from pybpf.helpers import RunEnv, default_registry
from pybpf.helpers.map_access import MapAccess, ProgramMaps
from pybpf.isa import assemble
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_PSEUDO_MAP_FD
from pybpf.jit import cache, codegen
from pybpf.jit.executable import JitProgram
from pybpf.jit.lower import ADDRESS_SYMBOL
from pybpf.maps.object import MapObject
from pybpf.memory.regions import Memory
from pybpf.vm import Interpreter
from tests.helpers.support import map_slots, user_map
from tests.vm.builders import EXIT

Q = struct.Struct("<Q")
REPO = Path(__file__).resolve().parents[2]
PROGRAM = """
    *(u32 *)(r10 - 4) = r1
    r6 = r1
    call bpf_ktime_get_ns
    r7 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += r6
    *(u64 *)(r0 + 0) = r1
    r0 = r1
    if r7 != 0 goto done
    r0 = 12345
done:
    exit
out:
    r0 = 999
    exit
"""
"""Reads the clock (C library), then adds the key to the value at index r1 of array ``m`` (999: NULL)."""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "jit"
    monkeypatch.setenv(cache.DIRECTORY_VARIABLE, str(directory))
    monkeypatch.delenv(cache.LIMIT_VARIABLE, raising=False)
    codegen.clear_cache()
    return directory


def fresh_process_view() -> None:
    """What a new process sees: nothing linked, no object in memory (only the disk)."""
    codegen.clear_cache()
    cache._current = None


def engines(obj: MapObject) -> tuple[Interpreter, JitProgram]:
    insns = assemble(PROGRAM, "kernel", maps={"m": 3})
    memory, resolved, registry = Memory(), map_slots(insns, obj), default_registry()
    return (
        Interpreter(insns, helpers=registry, memory=memory, resolved=resolved),
        JitProgram(insns, helpers=registry, memory=memory, resolved=resolved),
    )


@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH])
def test_a_second_load_over_other_maps_links_the_cached_object(cache_dir: Path, map_type: int) -> None:
    objects, results = [], []
    handles = []
    try:
        for load in range(3):
            handle, obj = user_map(map_type, 4, 8, 8)
            handles.append(handle)  # all alive: every map at its own address
            fresh_process_view()
            interpreter, jit = engines(obj)
            assert {name for name, _ in jit.native.calls.values()} == {"ktime_get_ns", "map_lookup_elem"}
            compiled = jit.compiled
            assert compiled.cached == (load > 0)
            objects.append(compiled.object_code)
            assert obj.address.to_bytes(8, "little") not in compiled.object_code
            run = []
            for engine in (interpreter, jit):
                for key in range(8):
                    handle.update(struct.pack("<I", key), Q.pack(1000 * (load + 1) + key))
                with MapAccess(engine.memory, ProgramMaps.of([obj])) as access:
                    env = RunEnv(maps=access)
                    run.append([engine.run(registers={1: key}, env=env) for key in (1, 5, 5, 9)])
            assert run[0] == run[1]
            results.append(run[1])
    finally:
        for handle in handles:
            handle.close()
    assert len(set(objects)) == 1
    for load, values in enumerate(results):  # each load's own map: value + key, twice for key 5
        base = 1000 * (load + 1)
        assert values == [base + 2, base + 10, base + 15, 999]


def test_the_object_names_its_addresses_by_role(cache_dir: Path) -> None:
    handle, obj = user_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 8)
    with handle:
        _, jit = engines(obj)
        code = jit.compiled.object_code
        assert ADDRESS_SYMBOL.format(role="map0").encode() in code
        assert ADDRESS_SYMBOL.format(role="libc_clock_gettime").encode() in code
        addresses = jit.native.addresses()
        assert addresses["map0"] == obj.address and addresses["libc_clock_gettime"]
        assert obj.address.to_bytes(8, "little") in jit.compiled.machine_code  # bound in the image


ELF_SCRIPT = """
import sys
from pybpf import load_object
from pybpf.kernel.prog_run import native_code
from pybpf.kernel.progobj import ProgObject
with load_object(sys.argv[1]) as obj:
    for name, prog in sorted(obj.programs.items()):
        compiled = native_code(ProgObject.from_fd(prog.fd))
        print(name, compiled is not None and compiled.cached)
"""


def test_another_process_loading_the_same_object_links_cached_objects(cache_dir: Path) -> None:
    """bench_object.o: ten XDP programs with native map lookups, updates and ring buffer calls."""
    env = {**os.environ, cache.DIRECTORY_VARIABLE: str(cache_dir), "PYBPF_ENGINE": "jit"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-c", ELF_SCRIPT, str(REPO / "tests/data/c/bench_object.o")]
    runs = [
        subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=True)
        for _ in range(2)
    ]
    words = [run.stdout.split() for run in runs]
    first, second = (dict(zip(run[::2], run[1::2], strict=True)) for run in words)
    assert len(first) == 10 and set(first) == set(second)
    assert set(first.values()) == {"False"}  # compiled by the first process
    assert set(second.values()) == {"True"}  # linked from the cache by the second


def test_the_key_ignores_what_a_resolved_lddw_named() -> None:
    """A map's fd or id differs in every process; its resolved ``lddw`` is a relocation all the same."""
    programs = [JitProgram([Instruction.lddw(0, fd, BPF_PSEUDO_MAP_FD), EXIT]) for fd in (3, 9)]
    keys = [
        codegen.object_key(program._bytes, leaders=[0], resolved=resolved, helper_ids={1})
        for program in programs
        for resolved in ({0: 0x1000}, {})
    ]
    assert keys[0] == keys[2]  # resolved: the same object
    assert keys[1] != keys[3]  # unresolved: the imm is the code's


@pytest.mark.parametrize("map_type", [uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH])
def test_a_map_of_another_shape_gets_its_own_object(cache_dir: Path, map_type: int) -> None:
    """The key keeps the maps' shapes (``NativeCalls.layout``): other sizes compile other code."""
    cached = []
    for max_entries, value_size in ((8, 8), (8, 8), (16, 8), (8, 16)):
        handle, obj = user_map(map_type, 4, value_size, max_entries)
        with handle:
            fresh_process_view()
            _, jit = engines(obj)
            cached.append(jit.compiled.cached)
    assert cached == [False, True, False, False]


COLD_SCRIPT = """
import sys
from pybpf import load_object
from pybpf.kernel.prog_run import native_code
from pybpf.kernel.progobj import ProgObject
with load_object(sys.argv[1]) as obj:
    (prog,) = obj.programs.values()
    program = ProgObject.from_fd(prog.fd)
    compiled = native_code(program)
    calls = sorted({name for name, _ in program.runtime.executable.native.calls.values()})
    llvm = "llvmlite.binding" in sys.modules
    print(compiled.cached, type(compiled._engine).__name__, llvm, ",".join(calls))
"""


def test_a_fresh_process_links_cached_helper_calls_without_llvm_and_rebuilds_a_damaged_cache(
    cache_dir: Path,
) -> None:
    """xdp_guard.o (native map lookups and updates): the second process links the first one's object
    with pybpf's linker and never loads LLVM; objects and the target record damaged on disk are
    rebuilt by the next process, never used, and then serve the one after."""
    env = {**os.environ, cache.DIRECTORY_VARIABLE: str(cache_dir), "PYBPF_ENGINE": "jit"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), str(REPO), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-c", COLD_SCRIPT, str(REPO / "examples/c/xdp_guard.o")]

    def load() -> list[str]:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=True)
        return done.stdout.split()

    first = load()
    assert first[:2] == ["False", "LinkedImage"] and first[3]  # compiled, with native helper calls
    assert load()[:3] == ["True", "LinkedImage", "False"]  # cached: no LLVM in the process
    damaged = [p for p in cache_dir.iterdir() if p.suffix in (".o", ".target")]
    assert {p.suffix for p in damaged} == {".o", ".target"}
    for path in damaged:
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF  # the header's SHA-256 no longer matches
        path.write_bytes(bytes(data))
    rebuilt = load()
    assert rebuilt[:2] == ["False", "LinkedImage"] and rebuilt[2] == "True"  # compiled anew, by LLVM
    assert load()[:3] == ["True", "LinkedImage", "False"]
