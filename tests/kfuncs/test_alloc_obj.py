"""bpf_obj_new_impl / bpf_obj_drop_impl at run time (``pybpf.kfuncs.alloc_obj``) and after the
verifier's fixup (the size in r1, the meta in r2), on each engine and against the kernel.

The C programs of tests/data/c/alloc_objs.c run differentially in tests/elf/test_differential.py and
their verdicts (with alloc_objs_refused.c's) are labelled in the verifier corpus; these tests cover
the allocator's edges and the fixed-up instructions.
"""

from __future__ import annotations

import pytest

from pybpf.helpers.context import HelperContext
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.kernel.backend import Backend
from pybpf.kfuncs import alloc_obj
from pybpf.memory.regions import Memory
from pybpf.object import load_object
from tests.elf.corpus import obj_path


def _context() -> HelperContext:
    return HelperContext(Memory(), TracePipe())


def test_a_new_object_is_zeroed_memory_of_its_size_until_it_is_dropped() -> None:
    ctx = _context()
    before = alloc_obj.live_objects()
    p = alloc_obj.obj_new(ctx, 24, 0, 0, 0, 0)
    assert p and alloc_obj.live_objects() == before + 1
    assert ctx.memory.read(p, 24) == bytes(24)
    ctx.memory.store(p + 16, 8, 0x1122)
    assert ctx.memory.load(p + 16, 8) == 0x1122
    alloc_obj.obj_drop(ctx, p, 0, 0, 0, 0)
    assert alloc_obj.live_objects() == before
    assert ctx.memory.region_at(p) is None  # the memory is gone from the address space


@pytest.mark.parametrize("size", [0, alloc_obj.BPF_MEM_ALLOC_SIZE_MAX - alloc_obj.LLIST_NODE_SZ + 1])
def test_bpf_mem_alloc_has_no_object_of_size_zero_nor_past_its_largest_cache(size: int) -> None:
    assert alloc_obj.obj_new(_context(), size, 0, 0, 0, 0) == 0


def test_the_largest_object_bpf_mem_alloc_serves() -> None:
    ctx = _context()
    size = alloc_obj.BPF_MEM_ALLOC_SIZE_MAX - alloc_obj.LLIST_NODE_SZ
    p = alloc_obj.obj_new(ctx, size, 0, 0, 0, 0)
    assert p and ctx.memory.region_at(p + size - 1) is not None
    alloc_obj.obj_drop(ctx, p, 0, 0, 0, 0)


def test_fixup_passes_the_size_and_meta_as_the_kernel_does(backend: Backend) -> None:
    """fixup_kfunc_call(): ``r1 = <size>; r2 = 0 ll`` before bpf_obj_new_impl, ``r2 = 0 ll`` before
    bpf_obj_drop_impl (struct note is 24 bytes and has no special fields: no meta on the kernel too)."""
    with load_object(obj_path("alloc_objs"), backend=backend) as obj:
        text = [str(insn) for insn in obj.programs["xdp_obj_round"].xlated()]
    calls = [i for i, line in enumerate(text) if line.startswith("call kfunc(")]
    assert len(calls) == 2
    new, drop = calls
    assert text[new - 2 : new] == ["r1 = 24", "r2 = 0x0 ll"]
    assert text[drop - 1] == "r2 = 0x0 ll"


@pytest.mark.usefixtures("engine")
def test_an_object_stashed_by_one_run_is_taken_out_by_the_next(backend: Backend) -> None:
    with load_object(obj_path("alloc_objs"), backend=backend) as obj:
        stash, peek = obj.programs["xdp_stash_take"], obj.programs["xdp_peek_stash"]
        assert peek.run(data=bytes(60)).retval == 0
        assert stash.run(data=bytes(77)).retval == 1  # stashed, with the packet's length
        assert peek.run(data=bytes(60)).retval == 77
        assert stash.run(data=bytes(60)).retval == 2  # taken out and dropped
        assert peek.run(data=bytes(60)).retval == 0
        assert obj.maps["shelves"][0].stores == 77
