"""The list kfuncs at run time: bpf_list_push_front/back_impl, bpf_list_pop_front/back, bpf_list_front/back.

Mirrors kernel/bpf/helpers.c of Linux 6.18 on the kernel's layouts: a ``struct bpf_list_head`` is a
``struct list_head`` (next, prev: 16 bytes; a head whose ``next`` is NULL was never used and is
initialised, empty, on first use), a ``struct bpf_list_node`` is a ``struct bpf_list_node_kern``
(its ``list_head``, then ``owner``: the head it is on, NULL when on none; 24 bytes), both in program
memory (a map value, an object of ``pybpf.kfuncs.alloc_obj``) read and written through the run's
address space:

* __bpf_list_add(): a node that already has an owner is not inserted -- its object (``node - off``,
  the node offset fixup_kfunc_call() passes in r4) is dropped (one reference less: r3's meta) and
  the answer is -EINVAL; else it goes first (push_front) or last (push_back) and its owner is the head: 0;
* __bpf_list_del(): NULL for an empty list (or a node whose owner is not the head); else the first
  (pop_front) or last (pop_back) node, unlinked (pointing to itself) and without owner;
* bpf_list_front() / bpf_list_back(): the first / last node, left in place (NULL: empty).
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs import alloc_obj

_NEXT, _PREV, _OWNER = 0, 8, 16


def _init_if_unused(ctx: HelperContext, head: int) -> None:
    if not ctx.memory.load(head + _NEXT, 8):
        ctx.memory.store(head + _NEXT, 8, head)
        ctx.memory.store(head + _PREV, 8, head)


def _add(ctx: HelperContext, head: int, node: int, meta: int, off: int, *, tail: bool) -> int:
    memory = ctx.memory
    _init_if_unused(ctx, head)
    if memory.load(node + _OWNER, 8):
        alloc_obj.obj_drop(ctx, node - off, meta, 0, 0, 0)
        return -errno.EINVAL
    before, after = (memory.load(head + _PREV, 8), head) if tail else (head, memory.load(head + _NEXT, 8))
    memory.store(node + _NEXT, 8, after)
    memory.store(node + _PREV, 8, before)
    memory.store(before + _NEXT, 8, node)
    memory.store(after + _PREV, 8, node)
    memory.store(node + _OWNER, 8, head)
    return 0


def _del(ctx: HelperContext, head: int, *, tail: bool) -> int:
    memory = ctx.memory
    _init_if_unused(ctx, head)
    node = memory.load(head + (_PREV if tail else _NEXT), 8)
    if node == head or memory.load(node + _OWNER, 8) != head:
        return 0
    before, after = memory.load(node + _PREV, 8), memory.load(node + _NEXT, 8)
    memory.store(before + _NEXT, 8, after)
    memory.store(after + _PREV, 8, before)
    memory.store(node + _NEXT, 8, node)
    memory.store(node + _PREV, 8, node)
    memory.store(node + _OWNER, 8, 0)
    return node


def _peek(ctx: HelperContext, head: int, *, tail: bool) -> int:
    node = ctx.memory.load(head + (_PREV if tail else _NEXT), 8)
    return 0 if node == head else node


def list_push_front(ctx: HelperContext, head: int, node: int, meta: int, off: int, _r5: int) -> int:
    return _add(ctx, head, node, meta, off, tail=False)


def list_push_back(ctx: HelperContext, head: int, node: int, meta: int, off: int, _r5: int) -> int:
    return _add(ctx, head, node, meta, off, tail=True)


def list_pop_front(ctx: HelperContext, head: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    return _del(ctx, head, tail=False)


def list_pop_back(ctx: HelperContext, head: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    return _del(ctx, head, tail=True)


def list_front(ctx: HelperContext, head: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    return _peek(ctx, head, tail=False)


def list_back(ctx: HelperContext, head: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    return _peek(ctx, head, tail=True)
