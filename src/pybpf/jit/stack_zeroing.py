"""What of the stack a run of compiled code starts zeroed: per call level, what a verified program can read.

Every run starts from a zeroed stack, as the interpreter's does (``pybpf.vm.session``): a root
program may read stack bytes it did not write (the kernel's ``allow_uninit_stack``), so the zeroes
are part of its result.  The stack is ``MAX_CALL_FRAMES`` frames of ``STACK_SIZE`` bytes, the main
program's at the top and each call level's below its caller's.  A program the verifier accepted
reaches, in the frame of a subprogram, only the bytes below its frame pointer the verifier counted
as that subprogram's stack depth (``check_stack_access_within_bounds`` growing
``prog->aux->stack_depth`` and each subprogram's ``stack_depth``, kernel/bpf/verifier.c; pybpf's
``do_check`` keeps them per subprogram), and so can write nothing else either: zeroing, at each
call level, the deepest stack of any subprogram that can run at that level before each run leaves
the stack exactly as zeroing all of it would.

Which subprograms can run at which level: the main program alone at the first; at the next, every
subprogram a ``call pc+N`` of one at this level enters, and every function whose address an
``lddw BPF_PSEUDO_FUNC`` takes (a callback of ``bpf_loop`` & co. or the target of a ``callx``:
it may run at any level below the first, wherever its address was passed).  A program without the
verifier's depths (not verified, or a subprogram the depths do not name) has every frame zeroed.
"""

from __future__ import annotations

from collections.abc import Mapping

from pybpf.isa.opcodes import MAX_CALL_FRAMES, STACK_SIZE
from pybpf.isa.program import CallKind, ProgramView

EVERY_FRAME: tuple[int, ...] = (STACK_SIZE,) * MAX_CALL_FRAMES
"""The plan of a program whose stack depths are not known: every byte of every frame."""


def zeroing_plan(view: ProgramView, stack_depths: Mapping[int, int] | None) -> tuple[int, ...]:
    """Bytes to zero below the top of each call level's frame before a run (the first level first;
    levels past the end of the tuple: none), from the verifier's stack depth of each subprogram by
    its start slot (``stack_depths``; None: not verified, ``EVERY_FRAME``)."""
    starts = view.subprograms
    if stack_depths is None or any(start not in stack_depths for start in starts):
        return EVERY_FRAME
    depth = [min(max(stack_depths[start], 0), STACK_SIZE) for start in starts]
    callees: list[set[int]] = [set() for _ in starts]
    anywhere: set[int] = set()  # callbacks and callx targets: any level below the first
    for edge in view.call_edges:
        target = view.subprog_of(edge.target)
        if edge.kind is CallKind.CALL:
            callees[view.subprog_of(edge.site)].add(target)
        else:
            anywhere.add(target)
    plan: list[int] = []
    level = {0}
    while level and len(plan) < MAX_CALL_FRAMES:
        plan.append(max(depth[subprog] for subprog in level))
        level = anywhere.union(*(callees[subprog] for subprog in level))
    while plan and not plan[-1]:
        plan.pop()
    return tuple(plan)


def zeroed_ranges(plan: tuple[int, ...], top: int) -> list[tuple[int, int]]:
    """The (start address, length) of the bytes ``plan`` zeroes in a stack whose top is ``top``,
    adjacent ones merged (a plan of whole frames is one range)."""
    ranges: list[tuple[int, int]] = []
    for level, size in enumerate(plan):
        if not size:
            continue
        start = top - STACK_SIZE * level - size
        if ranges and ranges[-1][0] == start + size:
            ranges[-1] = (start, ranges[-1][1] + size)
        else:
            ranges.append((start, size))
    return ranges


__all__ = ["EVERY_FRAME", "zeroed_ranges", "zeroing_plan"]
