"""The list kfuncs at run time (``pybpf.kfuncs.graph_list``) and the lists of tests/data/c/obj_lists.c
on each engine against the kernel.

The C programs run differentially in tests/elf/test_differential.py too (one program per case); here
the three share one queue, in an order that fills and drains it, and what user space reads of a value
with a list head and of one with a kptr is checked.
"""

from __future__ import annotations

import errno

import pytest

from pybpf.helpers.context import HelperContext
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.kernel.backend import Backend
from pybpf.kfuncs import alloc_obj, graph_list
from pybpf.memory.regions import Memory
from pybpf.object import load_object
from tests.elf.corpus import obj_path

NODE_OFF = 8  # struct entry { u64 key; struct bpf_list_node node; u64 size; }


def _context() -> tuple[HelperContext, int]:
    ctx = HelperContext(Memory(), TracePipe())
    return ctx, ctx.memory.add_buffer(16, name="head").base


def _entry(ctx: HelperContext, key: int) -> int:
    p = alloc_obj.obj_new(ctx, 40, 0, 0, 0, 0)
    ctx.memory.store(p, 8, key)
    return p


def _key(ctx: HelperContext, node: int) -> int:
    return ctx.memory.load(node - NODE_OFF, 8)


def test_an_unused_head_is_an_empty_list() -> None:
    ctx, head = _context()
    for peek in (
        graph_list.list_front,
        graph_list.list_back,
        graph_list.list_pop_front,
        graph_list.list_pop_back,
    ):
        assert peek(ctx, head, 0, 0, 0, 0) == 0


def test_pushes_and_pops_at_both_ends() -> None:
    ctx, head = _context()
    a, b, c = (_entry(ctx, k) for k in (1, 2, 3))
    assert graph_list.list_push_back(ctx, head, a + NODE_OFF, 0, NODE_OFF, 0) == 0
    assert graph_list.list_push_back(ctx, head, b + NODE_OFF, 0, NODE_OFF, 0) == 0
    assert graph_list.list_push_front(ctx, head, c + NODE_OFF, 0, NODE_OFF, 0) == 0  # 3 1 2
    assert _key(ctx, graph_list.list_front(ctx, head, 0, 0, 0, 0)) == 3
    assert _key(ctx, graph_list.list_back(ctx, head, 0, 0, 0, 0)) == 2
    popped = graph_list.list_pop_front(ctx, head, 0, 0, 0, 0)
    assert _key(ctx, popped) == 3
    assert ctx.memory.load(popped + 16, 8) == 0  # no owner any more
    assert ctx.memory.load(popped, 8) == popped  # unlinked: pointing to itself
    assert [_key(ctx, graph_list.list_pop_back(ctx, head, 0, 0, 0, 0)) for _ in range(2)] == [2, 1]
    assert graph_list.list_pop_back(ctx, head, 0, 0, 0, 0) == 0
    for p in (a, b, c):
        alloc_obj.obj_drop(ctx, p, 0, 0, 0, 0)


def test_a_node_on_a_list_is_not_pushed_again_and_its_object_is_dropped() -> None:
    ctx, head = _context()
    other = ctx.memory.add_buffer(16, name="other head").base
    a = _entry(ctx, 1)
    assert graph_list.list_push_back(ctx, head, a + NODE_OFF, 0, NODE_OFF, 0) == 0
    live = alloc_obj.live_objects()
    assert graph_list.list_push_back(ctx, other, a + NODE_OFF, 0, NODE_OFF, 0) == -errno.EINVAL
    assert alloc_obj.live_objects() == live - 1  # __bpf_obj_drop_impl() of the node's object
    assert graph_list.list_front(ctx, other, 0, 0, 0, 0) == 0


SEQUENCE = ["xdp_fifo"] * 3 + ["xdp_lifo_peek", "xdp_fifo", "xdp_take_back"] + ["xdp_fifo"] * 3
SEQUENCE += ["xdp_lifo_peek", "xdp_take_back"] + ["xdp_take_back"] * 6


def _run_sequence(backend: Backend) -> tuple[list[int], bytes]:
    with load_object(obj_path("obj_lists"), backend=backend) as obj:
        answers = [obj.programs[name].run(data=bytes(60 + 7 * i)).retval for i, name in enumerate(SEQUENCE)]
        value = bytes(obj.maps["queues"][0])
    return answers, value


@pytest.mark.usefixtures("engine")
def test_a_queue_filled_and_drained_answers_as_on_the_kernel(backend: Backend) -> None:
    answers, value = _run_sequence(backend)
    assert answers == [0, 0, 0, 81, 0, 88, 60, 67, 74, 123, 116, 109, 102, 0, 0, 0, 0]  # recorded on 6.18
    assert value[4:8] == (4).to_bytes(4, "little")  # count
    assert value[24:] == (204).to_bytes(8, "little")  # total: what xdp_lifo_peek pushed
    if backend.name == "user":  # the kernel shows an empty list at the address of its own copy
        assert value[8:24] == bytes(16)
