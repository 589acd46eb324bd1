"""The red-black tree and refcount kfuncs at run time (``pybpf.kfuncs.graph_rbtree``,
``pybpf.kfuncs.alloc_obj``) and the trees of tests/data/c/obj_rbtree.c on each engine against the kernel.

The tree itself is checked against the red-black rules after every insertion and removal of a
shuffled sequence (the order, the colours, the black heights, the parent links, the cached leftmost
node); the C programs answer what the kernel answers, including answers that depend on the tree's
shape (the depth of the leftmost node reached from the root, the rightmost key).
"""

from __future__ import annotations

import errno
import random

import pytest

from pybpf.helpers.context import HelperContext
from pybpf.helpers.trace_pipe import TracePipe
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs import alloc_obj, graph_rbtree
from pybpf.memory.regions import Memory
from pybpf.object import load_object
from tests.elf.corpus import obj_path
from tests.verifier.test_corpus_log import object_log

NODE_OFF = 8  # struct node { u64 key; struct bpf_rb_node rb; }
NODE_SIZE = 40
LESS = 0x1234  # the "address" of the less() callback the context calls back
PARENT_COLOR, RIGHT, LEFT, OWNER = 0, 8, 16, 24


def _context() -> tuple[HelperContext, int]:
    memory = Memory()

    def call(function: int, a: int, b: int) -> int:
        assert function == LESS
        return int(memory.load(a - NODE_OFF, 8) < memory.load(b - NODE_OFF, 8))

    ctx = HelperContext(memory, TracePipe(), call)
    return ctx, memory.add_buffer(16, name="root").base


def _node(ctx: HelperContext, key: int, meta: int = 0) -> int:
    p = alloc_obj.obj_new(ctx, NODE_SIZE, meta, 0, 0, 0)
    ctx.memory.store(p, 8, key)
    return p + NODE_OFF


def _key(ctx: HelperContext, node: int) -> int:
    return ctx.memory.load(node - NODE_OFF, 8)


def _check_tree(ctx: HelperContext, root: int) -> list[int]:
    """The keys in order, after checking every red-black rule and link."""
    m = ctx.memory

    def walk(node: int, parent: int) -> tuple[int, list[int]]:
        if not node:
            return 1, []
        pc = m.load(node + PARENT_COLOR, 8)
        assert pc & ~3 == parent
        assert m.load(node + OWNER, 8) == root
        black = pc & 1
        left, right = m.load(node + LEFT, 8), m.load(node + RIGHT, 8)
        if not black:  # a red node has black children
            assert all(not c or m.load(c + PARENT_COLOR, 8) & 1 for c in (left, right))
        lh, lkeys = walk(left, node)
        rh, rkeys = walk(right, node)
        assert lh == rh
        return lh + black, [*lkeys, _key(ctx, node), *rkeys]

    top = m.load(root, 8)
    if top:
        assert m.load(top + PARENT_COLOR, 8) & 1  # the root is black
    keys = walk(top, 0)[1]
    assert keys == sorted(keys)
    first = graph_rbtree.rbtree_first(ctx, root, 0, 0, 0, 0)
    assert (first and _key(ctx, first)) == (keys[0] if keys else 0)
    return keys


def test_an_empty_tree() -> None:
    ctx, root = _context()
    for peek in (graph_rbtree.rbtree_first, graph_rbtree.rbtree_root):
        assert peek(ctx, root, 0, 0, 0, 0) == 0


def test_insertions_and_removals_keep_a_red_black_tree() -> None:
    ctx, root = _context()
    rng = random.Random(11)
    keys = rng.sample(range(1000), 200)
    nodes = {}
    for key in keys:
        nodes[key] = _node(ctx, key)
        assert graph_rbtree.rbtree_add(ctx, root, nodes[key], LESS, 0, NODE_OFF) == 0
        _check_tree(ctx, root)
    assert _check_tree(ctx, root) == sorted(keys)
    rng.shuffle(keys)
    for i, key in enumerate(keys):
        node = nodes[key]
        assert graph_rbtree.rbtree_remove(ctx, root, node, 0, 0, 0) == node
        assert ctx.memory.load(node + OWNER, 8) == 0
        assert ctx.memory.load(node + PARENT_COLOR, 8) == node  # RB_CLEAR_NODE()
        assert graph_rbtree.rbtree_remove(ctx, root, node, 0, 0, 0) == 0  # in no tree now
        assert _check_tree(ctx, root) == sorted(keys[i + 1 :])
        alloc_obj.obj_drop(ctx, node - NODE_OFF, 0, 0, 0, 0)


def test_left_and_right_follow_the_tree_and_only_it() -> None:
    ctx, root = _context()
    other = ctx.memory.add_buffer(16, name="other root").base
    nodes = [_node(ctx, k) for k in (20, 10, 30)]
    for n in nodes:
        graph_rbtree.rbtree_add(ctx, root, n, LESS, 0, NODE_OFF)
    top = graph_rbtree.rbtree_root(ctx, root, 0, 0, 0, 0)
    assert _key(ctx, top) == 20
    assert _key(ctx, graph_rbtree.rbtree_left(ctx, root, top, 0, 0, 0)) == 10
    assert _key(ctx, graph_rbtree.rbtree_right(ctx, root, top, 0, 0, 0)) == 30
    assert graph_rbtree.rbtree_left(ctx, other, top, 0, 0, 0) == 0  # not that tree's node


def test_a_node_in_a_tree_is_not_added_again_and_its_object_is_dropped() -> None:
    ctx, root = _context()
    other = ctx.memory.add_buffer(16, name="other root").base
    n = _node(ctx, 5)
    assert graph_rbtree.rbtree_add(ctx, root, n, LESS, 0, NODE_OFF) == 0
    live = alloc_obj.live_objects()
    assert graph_rbtree.rbtree_add(ctx, other, n, LESS, 0, NODE_OFF) == -errno.EINVAL
    assert alloc_obj.live_objects() == live - 1
    assert graph_rbtree.rbtree_first(ctx, other, 0, 0, 0, 0) == 0


def test_a_refcounted_object_lives_until_its_last_reference_is_dropped() -> None:
    ctx, _ = _context()
    meta = alloc_obj.struct_meta(32)  # a bpf_refcount at offset 32
    p = _node(ctx, 1, meta) - NODE_OFF
    assert ctx.memory.load(p + 32, 4) == 1
    live = alloc_obj.live_objects()
    assert alloc_obj.refcount_acquire(ctx, p, meta, 0, 0, 0) == p
    assert ctx.memory.load(p + 32, 4) == 2
    alloc_obj.obj_drop(ctx, p, meta, 0, 0, 0)
    assert alloc_obj.live_objects() == live  # one reference left
    alloc_obj.obj_drop(ctx, p, meta, 0, 0, 0)
    assert alloc_obj.live_objects() == live - 1


def test_no_reference_is_acquired_once_the_count_is_zero() -> None:
    ctx, _ = _context()
    meta = alloc_obj.struct_meta(0)
    p = ctx.memory.add_buffer(8, name="object").base
    assert alloc_obj.refcount_acquire(ctx, p, meta, 0, 0, 0) == 0  # refcount_inc_not_zero()


SEQUENCE = ["xdp_tree_sort"] * 3 + ["xdp_tree_walk", "xdp_tree_max"] + ["xdp_tree_sort"] * 6
SEQUENCE += ["xdp_tree_walk", "xdp_tree_max", "xdp_tree_drain", "xdp_tree_walk"]
SEQUENCE += ["xdp_tree_sort"] * 9 + ["xdp_tree_walk", "xdp_tree_max"] + ["xdp_refcounted"] * 2
SEQUENCE += (["xdp_tree_grow"] * 5 + ["xdp_tree_walk", "xdp_tree_max"]) * 5
SEQUENCE += ["xdp_tree_drain", "xdp_tree_walk"] * 4
SEQUENCE += (["xdp_tree_grow"] * 4 + ["xdp_tree_cut", "xdp_tree_walk", "xdp_tree_max"]) * 4
SEQUENCE += ["xdp_tree_cut", "xdp_tree_walk", "xdp_tree_max"] * 8 + ["xdp_tree_drain"] * 2
EXPECTED = [0, 0, 0, 1011, 99, 0, 74, 102, 116, 123, 67, 1063, 99, 903, 0, 0, 0, 0, 0, 172, 186, 200]
EXPECTED += [214, 165, 1058, 97, 2422, 2492, 5, 6, 7, 8, 9, 3004, 97, 10, 11, 12, 13, 14, 3004, 100]
EXPECTED += [15, 16, 17, 18, 19, 3004, 100, 20, 21, 22, 23, 24, 4004, 100, 25, 26, 27, 28, 29, 4004]
EXPECTED += [100, 1025, 2038, 2230, 3072, 2972, 1090, 1447, 0, 1, 2, 3, 4, 18, 1005, 75, 4, 5, 6, 7]
EXPECTED += [62, 2000, 75, 7, 8, 9, 10, 52, 2000, 96, 10, 11, 12, 13, 57, 2000, 96, 60, 2000, 96, 65]
EXPECTED += [2000, 96, 70, 2000, 96, 75, 2000, 96, 91, 1000, 96, 5, 1000, 96, 8, 1000, 96, 13, 1000]
EXPECTED += [96, 531, 0]  # recorded on 6.18


@pytest.mark.usefixtures("engine")
def test_trees_and_refcounted_objects_answer_as_on_the_kernel(backend: Backend) -> None:
    with load_object(obj_path("obj_rbtree"), backend=backend) as obj:
        live = alloc_obj.live_objects()
        answers = [obj.programs[name].run(data=bytes(60 + 7 * i)).retval for i, name in enumerate(SEQUENCE)]
        if backend.name == "user":
            assert alloc_obj.live_objects() == live  # drained; the refcounted ones freed at their last drop
    assert answers == EXPECTED


def programs_of(name: str) -> list[tuple[str, str]]:
    """(object, program) of every program of tests/data/c/``name``.o."""
    from pybpf.elf import read_object

    return [(name, program) for program in sorted(read_object(str(obj_path(name))).programs)]


@pytest.mark.parametrize(("name", "program"), programs_of("obj_rbtree") + programs_of("obj_rbtree_refused"))
def test_level2_logs_are_the_kernels(name: str, program: str) -> None:
    """Each program's level-2 log, line for line (less() callbacks, non-owning references, refcounts)."""
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    theirs = object_log(name, program, NativeBackend())
    assert theirs
    assert object_log(name, program, UserBackend()) == theirs
