"""Counted loops: the loops whose way round the JIT can bound at run time from a counter register.

The kernel's JIT charges no instruction budget at all (``do_jit`` in arch/x86/net/bpf_jit_comp.c);
pybpf's JIT charges the interpreter's budget exactly (``pybpf.jit.lower``), and its fast copies of
loops check it once per way round, at the loop's checkpoint.  For an innermost loop counted by a
register — one ``r += imm`` on every way round and an exit test of that register against a constant
or a register the loop does not change — the number of times the loop can go round is known when
control enters it (what LLVM's ``ScalarEvolution`` calls the exit count, as ``LoopPredication``
widens guards with it): one check on entry that the budget covers every way round lets the loop's
own copy run without a check per iteration.  The bound is an upper bound only (the loop may leave
earlier by another exit), so the check on entry is conservative, and a loop the budget does not
cover goes round in the fast copies that check it every time, as before.

``counted_loops`` finds them from the control flow of the fast copies' region; the lowering
(``pybpf.jit.lower``) computes the bound from the registers on entry (``CountedLoop``'s fields).
A counted copy that cannot fault need not even keep the budget exact inside: along any way through
the loop, the shortest way's length (``CountedLoop.lengths``) plus what the edges taken add to it
(``edge_charge``) is what ran, so only those edges charge, and the edges leaving the copy charge the
shortest ways round the counter counted.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import JMP_RELATION, Kind, OpSpec

SWAPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
"""A relation with its operands exchanged."""
NEGATED = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
"""A relation's negation."""
BODY_KINDS = frozenset(
    {Kind.ALU, Kind.NEG, Kind.MOVSX, Kind.END, Kind.JA, Kind.GOTOL, Kind.JCOND, Kind.LDDW}
    | {Kind.LDX, Kind.LDXSX, Kind.ST, Kind.STX}
)
"""What a counted loop may hold: no call into Python or into another function (a helper may charge
the budget, an atomic misaligned goes to Python), no exit, no may_goto."""


@dataclass(frozen=True)
class CountedLoop:
    """An innermost loop of the fast region, entered only through its ``header`` (a checkpoint).

    Its way round goes through the header once, and through one ``counter += step`` (the only write
    of ``counter`` in the loop) and one exit test on the counter.  The test compares the counter's
    ``bits`` low bits (signed or not) with ``bound`` (an immediate) or ``bound_reg`` (a register the
    loop does not write); the loop goes on while ``counter <stays> bound``.  ``before`` is how many
    times the counter is stepped before the first test (1 when the step comes before the test on the
    way round, else 0)."""

    header: int
    body: frozenset[int]
    """The loop's blocks (leaders), its header included."""
    counter: int
    step: int
    bits: int
    signed: bool
    stays: str
    """The relation (``==``, ``!=``, ``<``, ...) under which the test keeps the loop going."""
    bound: int
    bound_reg: int | None
    before: int
    lengths: Mapping[int, int]
    """Each block's instructions from the header's first to its own last, the shortest way there.
    A way round runs ``way`` (the shortest) plus what the edges it takes charge (``edge_charge``):
    the lowering charges only those, and the way rounds the counter counted when control leaves."""
    way: int
    stepped: frozenset[int]
    """The blocks by whose end the way round has stepped the counter."""


def edge_charge(loop: CountedLoop, source: int, target: int, sizes: Mapping[int, int]) -> int:
    """What the edge from ``source`` to ``target`` (blocks of ``loop``, ``sizes`` their instruction
    counts) charges beyond the shortest way: along any way, the lengths plus the charges of the
    edges taken add up to the instructions run (the shortest way's edges charge nothing)."""
    if target == loop.header:
        return loop.lengths[source] - loop.way
    return loop.lengths[source] + sizes[target] - loop.lengths[target]


def written(insn: Instruction, spec: OpSpec) -> frozenset[int]:
    """The registers an instruction of ``BODY_KINDS`` writes."""
    kind = spec.kind
    if kind in (Kind.ALU, Kind.NEG, Kind.MOVSX, Kind.END, Kind.LDDW, Kind.LDX, Kind.LDXSX, Kind.LOAD_ACQ):
        return frozenset({insn.dst})
    if kind is Kind.ATOMIC:
        return frozenset({0} if spec.op == "cmpxchg" else {insn.src} if spec.fetch else set())
    return frozenset()


Describe = Callable[[int], tuple[Instruction, OpSpec, int | None, int]]
"""An instruction by index: the instruction, its spec, its jump target and the slot after it."""


def counted_loops(
    blocks: Mapping[int, Sequence[int]],
    flow: Mapping[int, Sequence[int]],
    checkpoints: Collection[int],
    instruction: Describe,
) -> dict[int, CountedLoop]:
    """The counted loops of a fast region (``flow``: its blocks' successors within it,
    ``checkpoints``: its checkpoints), by header."""
    inner = {leader: [s for s in successors if s not in checkpoints] for leader, successors in flow.items()}
    loops: dict[int, CountedLoop] = {}
    for header in sorted(checkpoints):
        shape = _LoopShape.of(header, blocks, flow, inner, instruction)
        loop = shape.counted() if shape is not None else None
        if loop is not None:
            loops[header] = loop
    return loops


@dataclass(frozen=True)
class _LoopShape:
    """An innermost loop entered only through its header, and what its way round does."""

    header: int
    body: frozenset[int]
    blocks: Mapping[int, Sequence[int]]
    inner: Mapping[int, Sequence[int]]
    """The region's edges without those into checkpoints (acyclic)."""
    latches: tuple[int, ...]
    writes: Mapping[int, list[tuple[int, int]]]
    """Register -> the (block, index) of each instruction of the loop writing it."""
    instruction: Describe

    @classmethod
    def of(
        cls,
        header: int,
        blocks: Mapping[int, Sequence[int]],
        flow: Mapping[int, Sequence[int]],
        inner: Mapping[int, Sequence[int]],
        instruction: Describe,
    ) -> _LoopShape | None:
        """The loop whose way round starts at ``header``, if it has one (only through it)."""
        reached = _reachable([header], inner)
        leads_back: dict[int, bool] = {}
        for leader in reversed(_topological(reached, inner, header)):
            leads_back[leader] = header in flow[leader] or any(leads_back[s] for s in inner[leader])
        body = frozenset(leader for leader in reached if leads_back[leader])
        latches = tuple(sorted(leader for leader in body if header in flow[leader]))
        if header not in body:
            return None
        for leader in body - {header}:
            if any(leader in flow[other] for other in flow if other not in body):
                return None  # entered elsewhere than through the header
        writes: dict[int, list[tuple[int, int]]] = {}
        for leader in body:
            for index in blocks[leader]:
                insn, spec, _, _ = instruction(index)
                if spec.kind not in BODY_KINDS:
                    return None
                for reg in written(insn, spec):
                    writes.setdefault(reg, []).append((leader, index))
        return cls(header, body, blocks, inner, latches, writes, instruction)

    def on_every_way(self, leader: int) -> bool:
        """Whether every way round from the header back to it goes through ``leader``."""
        if leader == self.header:
            return True
        inside = {node: [s for s in self.inner[node] if s in self.body] for node in self.body}
        reach = _reachable([self.header], inside, avoiding=leader)
        return not any(latch in reach for latch in self.latches if latch != leader)

    def counted(self) -> CountedLoop | None:
        """The loop as counted by the first exit test on every way round that bounds it."""
        for test_block in sorted(self.body):
            if not self.on_every_way(test_block):
                continue
            insn, spec, target, next_slot = self.instruction(self.blocks[test_block][-1])
            if spec.kind is not Kind.JCOND or spec.op not in JMP_RELATION:
                continue
            stays_on = [slot in self.body for slot in (target, next_slot)]
            if stays_on[0] == stays_on[1]:
                continue
            relation, signed = JMP_RELATION[spec.op]
            if stays_on[1]:
                relation = NEGATED[relation]
            bits = 64 if spec.alu64 else 32
            tests: list[tuple[int, str, int | None]]
            if spec.use_src_reg:  # the counter on either side, the other register the bound
                tests = [(insn.dst, relation, insn.src), (insn.src, SWAPPED[relation], insn.dst)]
            else:
                tests = [(insn.dst, relation, None)]
            for counter, stays, bound_reg in tests:
                test = _Test(test_block, counter, stays, signed, bits, insn.imm, bound_reg)
                loop = self.counted_by(test)
                if loop is not None:
                    return loop
        return None

    def counted_by(self, test: _Test) -> CountedLoop | None:
        """The loop as counted by ``test``, if its counter is stepped once on every way round and
        its bound does not change."""
        if test.bound_reg is not None and (test.bound_reg in self.writes or test.bound_reg == test.counter):
            return None
        steps = self.writes.get(test.counter, [])
        if len(steps) != 1 or not self.on_every_way(steps[0][0]):
            return None
        step_block, step_index = steps[0]
        step_insn, step_spec, _, _ = self.instruction(step_index)
        if step_spec.kind is not Kind.ALU or not step_spec.alu64 or step_spec.use_src_reg:
            return None
        step = {"add": step_insn.imm, "sub": -step_insn.imm}.get(step_spec.op, 0)
        upward = test.stays in ("<", "<=")
        downward = test.stays in (">", ">=")
        if step == 0 or test.stays == "==" or (upward and step < 0) or (downward and step > 0):
            return None  # it would go round until the counter wraps: no bound worth the check
        if step_block in (self.header, test.block):
            before = 1
        elif test.block == self.header:
            before = 0
        else:  # both on every way round: the step comes first when the test is after it
            before = 1 if step_block in _reachable([self.header], self.inner, avoiding=test.block) else 0
        lengths = self.lengths()
        way = min(lengths[latch] for latch in self.latches)
        inside = {node: [s for s in self.inner[node] if s in self.body] for node in self.body}
        stepped = frozenset(_reachable([step_block], inside))
        return CountedLoop(
            self.header, self.body, test.counter, step, test.bits, test.signed, test.stays,
            test.imm if test.bound_reg is None else 0, test.bound_reg, before, lengths, way, stepped,
        )  # fmt: skip

    def lengths(self) -> dict[int, int]:
        """Each block's instructions from the header's first to its own last, the shortest way."""
        inside = {node: [s for s in self.inner[node] if s in self.body] for node in self.body}
        lengths = {self.header: len(self.blocks[self.header])}
        for leader in _topological(self.body, inside, self.header):
            for successor in inside[leader]:
                length = lengths[leader] + len(self.blocks[successor])
                lengths[successor] = min(lengths.get(successor, length), length)
        return lengths


@dataclass(frozen=True)
class _Test:
    """An exit test read as ``counter <stays> bound`` (the loop goes on while it holds)."""

    block: int
    counter: int
    stays: str
    signed: bool
    bits: int
    imm: int
    bound_reg: int | None


def _reachable(
    roots: Sequence[int], edges: Mapping[int, Sequence[int]], avoiding: int | None = None
) -> set[int]:
    seen: set[int] = set()
    work = [root for root in roots if root != avoiding]
    while work:
        node = work.pop()
        if node in seen:
            continue
        seen.add(node)
        work.extend(s for s in edges[node] if s != avoiding and s not in seen)
    return seen


def _topological(nodes: Collection[int], edges: Mapping[int, Sequence[int]], root: int) -> list[int]:
    """``nodes`` (acyclic under ``edges``) in an order where each comes before those it leads to."""
    order: list[int] = []
    seen: set[int] = set()
    work = [(root, 0)]
    seen.add(root)
    while work:
        node, child = work.pop()
        successors = [s for s in edges[node] if s in nodes]
        if child == len(successors):
            order.append(node)
            continue
        work.append((node, child + 1))
        successor = successors[child]
        if successor not in seen:
            seen.add(successor)
            work.append((successor, 0))
    order.reverse()
    return order


__all__ = ["CountedLoop", "counted_loops", "edge_charge", "written"]
