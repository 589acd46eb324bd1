"""The ``cfg`` pass: every slot reachable, no jump into the middle of an lddw.

Mirrors the kernel's check_cfg() / visit_insn(): a depth-first walk from slot 0 (then from the
exception callback's first slot, which nothing calls) along fall-through
edges, jump targets (``ja``/``gotol`` only the target; conditional jumps and ``may_goto`` both
ways), bpf-to-bpf calls (into the callee and past the call) and lddw BPF_PSEUDO_FUNC (into the
callback and past the lddw).  An edge leaving the program is "jump out of range from insn %d to %d"
(the target as the kernel's ``int`` holds it: a ``gotol`` far past the end wraps to a negative number).
Back-edges are allowed to a loader with CAP_BPF (bounded loops; whether a loop terminates is value
tracking's question); without it the depth-first walk's first edge to a slot still on its path is
"back-edge from insn %d to %d" (EINVAL), found in the kernel's order (:func:`_walk_without_loops`).
Then, in slot order, an unvisited slot is "unreachable insn %d" and a visited second half of an
lddw is "jump into the middle of ldimm64 insn %d" (both EINVAL).

The edges are the program view's (``ProgramView.successors`` with ``calls``), walked over the raw
slots as the kernel walks them: an lddw's second half, when a jump lands there, falls through.
"""

from __future__ import annotations

from pybpf.verifier.bounds import s32
from pybpf.verifier.state import VerifierState


class CfgPass:
    name = "cfg"

    def run(self, state: VerifierState) -> None:
        view = state.view
        successors = view.successors
        count = view.slot_count
        seen = [False] * count
        cb = state.exception_callback  # walked after the main program (nothing calls it)
        entries: tuple[int, ...] = (0, state.subprogs[cb]) if cb else (0,)
        if not state.bpf_capable:
            seen = _walk_without_loops(state, entries)
            entries = ()
        for entry in entries:
            if seen[entry]:
                continue
            seen[entry] = True
            stack = [entry]
            while stack:
                t = stack.pop()
                for w in successors(t, calls=True):
                    if not 0 <= w < count:
                        state.einval(f"jump out of range from insn {t} to {s32(w)}")
                    if not seen[w]:
                        seen[w] = True
                        stack.append(w)
        second_halves = view.lddw_second_slots
        for i in range(count):
            if i in second_halves:
                if seen[i]:
                    state.einval(f"jump into the middle of ldimm64 insn {i - 1}")
            elif not seen[i]:
                state.einval(f"unreachable insn {i}")


def _walk_without_loops(state: VerifierState, entries: tuple[int, ...]) -> list[bool]:
    """check_cfg()'s depth-first walk for a loader without CAP_BPF (push_insn()): each slot's edges in
    order, the first explored to its end before the next; an edge to a slot still on the walk's path
    is a back-edge (refused), one leaving the program out of range.  Returns the slots visited."""
    view = state.view
    successors = view.successors
    count = view.slot_count
    seen = [False] * count
    on_path = [False] * count
    for entry in entries:
        if seen[entry]:
            continue
        seen[entry] = on_path[entry] = True
        path = [(entry, successors(entry, calls=True), 0)]
        while path:
            t, edges, k = path[-1]
            if k == len(edges):
                on_path[t] = False
                path.pop()
                continue
            path[-1] = (t, edges, k + 1)
            w = edges[k]
            if not 0 <= w < count:
                state.einval(f"jump out of range from insn {t} to {s32(w)}")
            if on_path[w]:
                state.einval(f"back-edge from insn {t} to {w}")
            if not seen[w]:
                seen[w] = on_path[w] = True
                path.append((w, successors(w, calls=True), 0))
    return seen
