"""A released object does not stay behind in the per-process caches (``pybpf.objects.cache``).

The kernel frees a map at its last close; pybpf releases it at the next collection, and every
process that cached its mapping lets go of it the next time it remembers an object.  These tests
count the bytes of object files a process still maps (``cache.mapped_files``: the tmpfs memory it
keeps alive), never time.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from pybpf import Map, Program, uapi
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from pybpf.maps.object import MapObject
from pybpf.objects import refs
from pybpf.objects.cache import mapped_files

MIB = 1 << 20
PAGE = os.sysconf("SC_PAGESIZE")
_COUNT = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
out:
    r0 = 2
    exit
"""


def _one_mib_map() -> Map:
    created = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, MIB, 1)
    created[0] = b"\1" * MIB
    return created


def test_creating_and_freeing_many_maps_holds_a_bounded_number_of_bytes(_private_bpffs: Path) -> None:
    """400 maps of 1 MiB created, written and closed in turn: the process never maps more than the
    maps a collection has not released yet (one is run every 32 creations), far below the cache's
    128 maps; and every map is released at the end."""
    root = str(_private_bpffs)
    most = 0
    one = _one_mib_map()
    size = os.fstat(one.fd).st_size  # the value, the array's journal (as large) and the trailer
    one.close()
    for _ in range(400):
        _one_mib_map().close()
        most = max(most, sum(mapped_files(root).values()))
    bound = 40 * size
    assert most <= bound, f"{most} bytes of closed maps still mapped (bound {bound})"
    refs.collect(root)
    _one_mib_map().close()
    assert sum(mapped_files(root).values()) <= 2 * size


def test_a_closed_map_is_unmapped_at_the_next_creation_after_a_collection(_private_bpffs: Path) -> None:
    root = str(_private_bpffs)
    first = _one_mib_map()
    identity = os.fstat(first.fd)
    key = (identity.st_dev, identity.st_ino)
    first.close()
    assert key in mapped_files(root)  # cached: nothing has released it yet
    assert refs.collect(root) >= 1
    second = _one_mib_map()
    assert key not in mapped_files(root)
    assert key not in MapObject._cache
    second.close()


def test_a_map_in_use_stays_cached_through_collections(_private_bpffs: Path) -> None:
    root = str(_private_bpffs)
    kept = _one_mib_map()
    identity = os.fstat(kept.fd)
    key = (identity.st_dev, identity.st_ino)
    other = _one_mib_map()
    other.close()
    assert refs.collect(root) >= 1
    _one_mib_map().close()
    assert key in MapObject._cache
    assert kept[0] == b"\1" * MIB
    kept.close()


@pytest.mark.parametrize("engine_name", ["interpreter", "jit"])
def test_maps_of_a_closed_program_are_unmapped_after_a_collection(
    _private_bpffs: Path, monkeypatch: pytest.MonkeyPatch, engine_name: str
) -> None:
    """A program's runner holds the maps it uses; the program's cache entry goes with the program,
    and its runtime, runner and (on the JIT) run sessions with it, by reference counting alone: no
    reference cycle keeps them for the cycle collector (which is disabled here)."""
    if engine_name == "jit":
        pytest.importorskip("llvmlite")
    monkeypatch.setenv(ENGINE_VARIABLE, engine_name)
    root = str(_private_bpffs)
    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, MIB, 1)
    identity = os.fstat(counts.fd)
    key = (identity.st_dev, identity.st_ino)
    gc.collect()
    gc.disable()
    try:
        prog = Program.load(_COUNT, "xdp", maps={"m": counts})
        assert prog.run(b"\0" * 64).retval == 2
        counts.close()
        prog.close()
        del prog
        assert refs.collect(root) >= 2
        # the next object each cache remembers lets go of what was released
        again = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
        with Program.load(_COUNT, "xdp", maps={"m": again}) as other:
            assert other.run(b"\0" * 64).retval == 2
        again.close()
        assert key not in mapped_files(root)
    finally:
        gc.enable()


def test_a_released_programs_jit_sessions_and_linked_code_go(
    _private_bpffs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the JIT: the trampoline's table holds only open sessions, and a released program's kept
    sessions and its linked code (which bakes in its maps' addresses) leave it and the code cache."""
    pytest.importorskip("llvmlite")
    from pybpf.jit import codegen, runtime

    monkeypatch.setenv(ENGINE_VARIABLE, "jit")
    root = str(_private_bpffs)
    counts = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
    active = len(runtime._ACTIVE)
    prog = Program.load(_COUNT, "xdp", maps={"m": counts})
    assert prog.run(b"\0" * 64).retval == 2
    compiled = next(reversed(codegen._CACHE.values()))  # the most recently used: this program's
    prog.close()
    assert len(runtime._ACTIVE) == active  # the closed handle's session left the table
    counts.close()
    del prog
    assert refs.collect(root) >= 2
    with Program.load("r0 = 2\nexit", "xdp"):  # the program cache lets go of the released one
        pass
    assert compiled not in codegen._CACHE.values()
