"""Strongly connected components of a control-flow graph (Tarjan's algorithm, iterative).

Both the verifier and the JIT ask which instructions or blocks lie on a cycle: the verifier to
number its loops as the kernel's ``compute_scc()`` (kernel/bpf/verifier.c) does, the JIT to find
the loops it gives a budget-only copy.  The walk is iterative (no recursion limit on long
programs) and completes components in the order a depth-first walk from each unvisited root,
successors in the order given, finishes them — the order ``compute_scc()`` numbers them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence


def strongly_connected_components(
    roots: Iterable[int], successors: Mapping[int, Sequence[int]]
) -> Iterator[list[int]]:
    """Every strongly connected component reachable from ``roots`` (tried in order), as a list whose
    last member is the component's root, in the order the walk completes them.  Every successor
    must be a key of ``successors``."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    counter = 0
    for root in roots:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            following = successors[node]
            if child < len(following):
                work.append((node, child + 1))
                successor = following[child]
                if successor not in index:
                    work.append((successor, 0))
                elif successor in on_stack:
                    low[node] = min(low[node], index[successor])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                yield component
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])


def is_cycle(component: Sequence[int], successors: Mapping[int, Sequence[int]]) -> bool:
    """Whether ``component`` holds a cycle: more than one node, or a node with an edge to itself."""
    return len(component) > 1 or component[0] in successors[component[0]]
