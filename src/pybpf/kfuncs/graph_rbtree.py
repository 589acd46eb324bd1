"""The red-black tree kfuncs at run time: bpf_rbtree_add_impl, bpf_rbtree_remove, bpf_rbtree_first,
bpf_rbtree_root, bpf_rbtree_left and bpf_rbtree_right.

Mirrors kernel/bpf/helpers.c of Linux 6.18 over lib/rbtree.c, on the kernel's layouts: a ``struct
bpf_rb_root`` is a ``struct rb_root_cached`` (the root node, then the leftmost one: 16 bytes, all zero
for an empty tree); a ``struct bpf_rb_node`` is a ``struct bpf_rb_node_kern``: its ``struct rb_node``
(``__rb_parent_color``: the parent's address with the colour in bit 0, 1 for black; ``rb_right``;
``rb_left``), then ``owner``, the root of the tree it is in (NULL when in none): 32 bytes, in program
memory (a map value, an object of ``pybpf.kfuncs.alloc_obj``) read and written through the run's
address space.

* __bpf_rbtree_add(): a node that already has an owner is not inserted -- its object (``node - off``,
  the node offset fixup_kfunc_call() passes in r5) is dropped (r4: its struct meta) and the answer is
  -EINVAL; else the node goes down from the root, left where the program's ``less(node, parent)``
  callback answers true, right otherwise, is linked there and the tree rebalanced (__rb_insert()),
  the leftmost node kept (rb_insert_color_cached()); its owner is the root: 0;
* bpf_rbtree_remove(): NULL for a node whose owner is not the root; else the node unlinked
  (rb_erase_cached(): the successor of a node with two children takes its place, __rb_erase_color()
  rebalances), cleared (RB_CLEAR_NODE(): its own parent) and without owner;
* bpf_rbtree_first(): the leftmost node; bpf_rbtree_root(): the root node; bpf_rbtree_left() /
  bpf_rbtree_right(): a node's left / right child, NULL for a node not in this tree.
"""

from __future__ import annotations

import errno

from pybpf.helpers.context import HelperContext
from pybpf.kfuncs import alloc_obj
from pybpf.memory.regions import Memory

_PARENT_COLOR, _RIGHT, _LEFT, _OWNER = 0, 8, 16, 24
_ROOT_NODE, _LEFTMOST = 0, 8
_BLACK = 1


class _Tree:
    """One rb_root_cached in the run's memory, with lib/rbtree.c's operations on it."""

    def __init__(self, memory: Memory, root: int) -> None:
        self.m = memory
        self.root = root

    def get(self, node: int, field: int) -> int:
        return self.m.load(node + field, 8)

    def put(self, node: int, field: int, value: int) -> None:
        self.m.store(node + field, 8, value)

    def parent(self, node: int) -> int:
        return self.get(node, _PARENT_COLOR) & ~3

    def black(self, node: int) -> bool:
        """rb_is_black() (a missing node is black)."""
        return not node or bool(self.get(node, _PARENT_COLOR) & _BLACK)

    def set_parent(self, node: int, parent: int) -> None:
        self.put(node, _PARENT_COLOR, parent | self.get(node, _PARENT_COLOR) & _BLACK)

    def set_color(self, node: int, black: bool) -> None:
        self.put(node, _PARENT_COLOR, self.parent(node) | (_BLACK if black else 0))

    def top(self) -> int:
        return self.get(self.root, _ROOT_NODE)

    def replace_child(self, parent: int, old: int, new: int) -> None:
        """__rb_change_child(): ``new`` where ``parent`` (0: the root) had ``old``."""
        if not parent:
            self.put(self.root, _ROOT_NODE, new)
        elif self.get(parent, _LEFT) == old:
            self.put(parent, _LEFT, new)
        else:
            self.put(parent, _RIGHT, new)

    def rotate(self, node: int, *, left: bool) -> None:
        """A left (or right) rotation around ``node``: its right (left) child takes its place."""
        near, far = (_RIGHT, _LEFT) if left else (_LEFT, _RIGHT)
        pivot = self.get(node, near)
        inner = self.get(pivot, far)
        self.put(node, near, inner)
        if inner:
            self.set_parent(inner, node)
        parent = self.parent(node)
        self.set_parent(pivot, parent)
        self.replace_child(parent, node, pivot)
        self.put(pivot, far, node)
        self.set_parent(node, pivot)

    def insert_color(self, node: int) -> None:
        """__rb_insert(): rebalance after linking the red ``node``."""
        while True:
            parent = self.parent(node)
            if not parent:
                self.set_color(node, True)
                return
            if self.black(parent):
                return
            gparent = self.parent(parent)
            on_left = self.get(gparent, _LEFT) == parent
            uncle = self.get(gparent, _RIGHT if on_left else _LEFT)
            if not self.black(uncle):
                self.set_color(parent, True)
                self.set_color(uncle, True)
                self.set_color(gparent, False)
                node = gparent
                continue
            if self.get(parent, _RIGHT if on_left else _LEFT) == node:
                self.rotate(parent, left=on_left)
                node, parent = parent, node
            self.set_color(parent, True)
            self.set_color(gparent, False)
            self.rotate(gparent, left=not on_left)
            return

    def next(self, node: int) -> int:
        """rb_next()."""
        right = self.get(node, _RIGHT)
        if right:
            while self.get(right, _LEFT):
                right = self.get(right, _LEFT)
            return right
        parent = self.parent(node)
        while parent and self.get(parent, _RIGHT) == node:
            node, parent = parent, self.parent(parent)
        return parent

    def erase(self, node: int) -> None:
        """rb_erase_cached(): unlink ``node`` and rebalance."""
        if self.get(self.root, _LEFTMOST) == node:
            self.put(self.root, _LEFTMOST, self.next(node))
        left, right = self.get(node, _LEFT), self.get(node, _RIGHT)
        was_black = self.black(node)
        if not left or not right:
            child = left or right
            parent = self.parent(node)
            self.replace_child(parent, node, child)
            if child:
                self.set_parent(child, parent)
        else:
            successor = right
            while self.get(successor, _LEFT):
                successor = self.get(successor, _LEFT)
            was_black = self.black(successor)
            child = self.get(successor, _RIGHT)
            if self.parent(successor) == node:
                parent = successor
            else:
                parent = self.parent(successor)
                self.put(parent, _LEFT, child)
                if child:
                    self.set_parent(child, parent)
                self.put(successor, _RIGHT, right)
                self.set_parent(right, successor)
            self.replace_child(self.parent(node), node, successor)
            self.put(successor, _LEFT, left)
            self.set_parent(left, successor)
            self.put(successor, _PARENT_COLOR, self.get(node, _PARENT_COLOR))
        if was_black:
            self.erase_color(child, parent)

    def erase_color(self, node: int, parent: int) -> None:
        """__rb_erase_color(): restore the black heights after a black node left (``node``, maybe
        missing, is where it was, under ``parent``)."""
        while node != self.top() and self.black(node):
            on_left = self.get(parent, _LEFT) == node
            near, far = (_LEFT, _RIGHT) if on_left else (_RIGHT, _LEFT)
            sibling = self.get(parent, far)
            if not self.black(sibling):
                self.set_color(sibling, True)
                self.set_color(parent, False)
                self.rotate(parent, left=on_left)
                sibling = self.get(parent, far)
            if self.black(self.get(sibling, near)) and self.black(self.get(sibling, far)):
                self.set_color(sibling, False)
                node, parent = parent, self.parent(parent)
                continue
            if self.black(self.get(sibling, far)):
                self.set_color(self.get(sibling, near), True)
                self.set_color(sibling, False)
                self.rotate(sibling, left=not on_left)
                sibling = self.get(parent, far)
            self.set_color(sibling, self.black(parent))
            self.set_color(parent, True)
            self.set_color(self.get(sibling, far), True)
            self.rotate(parent, left=on_left)
            node = self.top()
            break
        if node:
            self.set_color(node, True)


def rbtree_add(  # noqa: PLR0917 - the kfunc ABI: five register arguments
    ctx: HelperContext, root: int, node: int, less: int, meta: int, off: int
) -> int:
    """``int bpf_rbtree_add_impl(root, node, less, meta, off)`` as fixup_kfunc_call() calls it."""
    tree = _Tree(ctx.memory, root)
    if tree.get(node, _OWNER):
        alloc_obj.obj_drop(ctx, node - off, meta, 0, 0, 0)
        return -errno.EINVAL
    parent, at, side, leftmost = 0, tree.top(), _ROOT_NODE, True
    while at:
        parent = at
        if ctx.call_function(less, node, at):
            side = _LEFT
        else:
            side, leftmost = _RIGHT, False
        at = tree.get(parent, side)
    tree.put(node, _PARENT_COLOR, parent)  # rb_link_node(): red, under its parent, no children
    tree.put(node, _LEFT, 0)
    tree.put(node, _RIGHT, 0)
    tree.put(parent if parent else root, side, node)
    if leftmost:
        tree.put(root, _LEFTMOST, node)
    tree.insert_color(node)
    tree.put(node, _OWNER, root)
    return 0


def rbtree_remove(ctx: HelperContext, root: int, node: int, _r3: int, _r4: int, _r5: int) -> int:
    """``struct bpf_rb_node *bpf_rbtree_remove(root, node)``."""
    tree = _Tree(ctx.memory, root)
    if tree.get(node, _OWNER) != root:
        return 0
    tree.erase(node)
    tree.put(node, _PARENT_COLOR, node)  # RB_CLEAR_NODE()
    tree.put(node, _OWNER, 0)
    return node


def rbtree_first(ctx: HelperContext, root: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``struct bpf_rb_node *bpf_rbtree_first(root)``: rb_first_cached()."""
    return ctx.memory.load(root + _LEFTMOST, 8)


def rbtree_root(ctx: HelperContext, root: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``struct bpf_rb_node *bpf_rbtree_root(root)``."""
    return ctx.memory.load(root + _ROOT_NODE, 8)


def _child(ctx: HelperContext, root: int, node: int, side: int) -> int:
    if ctx.memory.load(node + _OWNER, 8) != root:
        return 0
    return ctx.memory.load(node + side, 8)


def rbtree_left(ctx: HelperContext, root: int, node: int, _r3: int, _r4: int, _r5: int) -> int:
    """``struct bpf_rb_node *bpf_rbtree_left(root, node)``."""
    return _child(ctx, root, node, _LEFT)


def rbtree_right(ctx: HelperContext, root: int, node: int, _r3: int, _r4: int, _r5: int) -> int:
    """``struct bpf_rb_node *bpf_rbtree_right(root, node)``."""
    return _child(ctx, root, node, _RIGHT)
