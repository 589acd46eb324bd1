"""The program view: layout, jump targets, call edges, successors, leaders and subprograms.

Unit tests on small programs, the kernel's reading of encodings the opcode table does not know,
and properties on random programs: every successor starts an instruction, leaders hold the entry,
every target and every instruction after a jump, call or exit, subprograms are sorted and cover the
program, and the view agrees with the rules its consumers used before it existed (the verifier's
raw-slot walk, the interpreter's block leaders and function entries).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.isa import opcodes as op
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.opcodes import Kind
from pybpf.isa.program import CallEdge, CallKind, Flow, ProgramView, Slot, Transfer, transfer
from pybpf.vm import Interpreter
from tests.isa.strategies import raw_instructions, valid_programs

EXIT = Instruction(0x95)
MOV0 = Instruction(0xB7)


def view_of(source: str) -> ProgramView:
    return ProgramView(assemble(source))


# -- layout -----------------------------------------------------------------------------------------
def test_lddw_is_one_instruction_in_two_slots() -> None:
    view = ProgramView([MOV0, Instruction.lddw(1, 0x1122334455667788), EXIT])
    assert len(view) == 3
    assert view.starts == (0, 1, 3)
    assert view.slot_count == 4
    assert view.lddw_second_slots == frozenset({2})
    assert [view.index_at(slot) for slot in range(5)] == [0, 1, None, 2, None]
    assert view.insn_at(3) == EXIT
    starts = [view.is_insn_start(slot) for slot in (-1, 0, 1, 2, 3, 4)]
    assert starts == [False, True, True, False, True, False]
    assert [view.next_slot(slot) for slot in (0, 1, 3)] == [1, 3, 4]
    assert view.slots[1:3] == (Slot(0x18, 1, 0, 0, 0x55667788), Slot(0, 0, 0, 0, 0x11223344))


def test_from_bytes_is_the_view_of_the_decoded_program() -> None:
    program = assemble("r1 = 5 ll\nif r1 > 3 goto +1\nr0 = 1\nexit")
    from_bytes = ProgramView.from_bytes(encode_program(program))
    assert from_bytes.insns == ProgramView.from_instructions(program).insns


def test_the_view_is_immutable() -> None:
    view = ProgramView([EXIT])
    with pytest.raises(AttributeError):
        view.insns = ()
    with pytest.raises(AttributeError):
        del view.insns


def test_empty_program() -> None:
    view = ProgramView([])
    assert view.slot_count == 0
    assert view.leaders == frozenset()
    assert view.subprograms == (0,)
    with pytest.raises(IndexError):
        view.successors(0)


# -- the per-instruction rule -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("insn", "expected"),
    [
        (Instruction(0x05, off=3), Transfer(Flow.GOTO, 14, "off")),  # ja
        (Instruction(0x06, imm=-(1 << 20)), Transfer(Flow.GOTO, 11 - (1 << 20), "imm")),  # gotol
        (Instruction(0x15, 1, off=-2), Transfer(Flow.BRANCH, 9, "off")),  # jeq
        (Instruction(0x16, 1, off=2), Transfer(Flow.BRANCH, 13, "off")),  # jeq32 (JMP32)
        (Instruction(0xE5, off=1), Transfer(Flow.BRANCH, 12, "off")),  # may_goto
        (Instruction(0x85, src=1, imm=4), Transfer(Flow.CALL, 15, "imm")),  # call pc+4
        (Instruction(0x8D, 2), Transfer(Flow.CALL)),  # callx: into BPF code, target unknown
        (Instruction(0x85, imm=5), Transfer(Flow.NEXT)),  # helper call
        (Instruction(0x85, src=2, imm=77), Transfer(Flow.NEXT)),  # kfunc call
        (EXIT, Transfer(Flow.EXIT)),
        (Instruction.lddw(1, 0), Transfer(Flow.NEXT)),
        (Instruction(0x18, 1, op.BPF_PSEUDO_FUNC, 0, 6), Transfer(Flow.NEXT, 17, "imm")),  # func address
        (Instruction(0x07, 1, imm=1), Transfer(Flow.NEXT)),
    ],
)
def test_transfer(insn: Instruction, expected: Transfer) -> None:
    assert transfer(insn, 10) == expected


@pytest.mark.parametrize(
    ("insn", "expected"),
    [
        (Instruction(0x0D, off=2), Transfer(Flow.GOTO, 13, "off")),  # ja with BPF_X: a jump (check_subprogs)
        (Instruction(0x0E, off=2, imm=5), Transfer(Flow.GOTO, 13, "off")),  # only JMP32|JA itself reads imm
        (Instruction(0xE5, src=1, off=-4), Transfer(Flow.BRANCH, 7, "off")),  # jcond that is no may_goto
        (Instruction(0xF5, off=1), Transfer(Flow.BRANCH, 12, "off")),  # an operation no kernel has
        (Instruction(0x9D), Transfer(Flow.EXIT)),
        (Instruction(0x96), Transfer(Flow.EXIT)),
        (Instruction(0x86, src=1, imm=3), Transfer(Flow.NEXT)),  # JMP32 call: no bpf-to-bpf call
    ],
)
def test_unknown_encodings_flow_as_the_kernel_reads_them(insn: Instruction, expected: Transfer) -> None:
    assert insn.spec is None
    assert transfer(insn, 10) == expected


# -- control flow -----------------------------------------------------------------------------------
PROGRAM = """
    r0 = 0
    if r1 > 5 goto +2
    r2 = func(+7) ll
    goto +1
    call pc+2
    exit
    may_goto +1
    exit
    r0 = 1
    exit
"""
# slots: 0 r0=0 | 1 if -> 4 | 2-3 lddw func -> 10 | 4 goto -> 6 | 5 call -> 8 | 6 exit |
#        7 may_goto -> 9 | 8 exit | 9 r0=1 | 10 exit


def test_targets_and_edges() -> None:
    view = view_of(PROGRAM)
    assert view.starts == (0, 1, 2, 4, 5, 6, 7, 8, 9, 10)
    assert dict(view.jumps) == {1: 4, 4: 6, 7: 9}
    assert [view.jump_target(slot) for slot in (0, 1, 2, 4, 5, 7)] == [None, 4, None, 6, None, 9]
    assert view.call_edges == (CallEdge(2, 10, CallKind.FUNC), CallEdge(5, 8, CallKind.CALL))
    assert view.call_edge(5) == CallEdge(5, 8, CallKind.CALL)
    assert view.call_edge(4) is None
    assert [view.target(slot) for slot in view.starts] == [None, 4, 10, 6, 8, None, 9, None, None, None]
    assert [view.target_field(slot) for slot in (1, 2, 5)] == ["off", "imm", "imm"]
    assert view.targets == frozenset({4, 6, 8, 9, 10})
    assert view.invalid_targets == ()
    assert [view.flow(slot) for slot in (0, 1, 2, 4, 5, 6, 7)] == [
        Flow.NEXT,
        Flow.BRANCH,
        Flow.NEXT,
        Flow.GOTO,
        Flow.CALL,
        Flow.EXIT,
        Flow.BRANCH,
    ]


def test_successors() -> None:
    view = view_of(PROGRAM)
    assert view.successors(0) == (1,)
    assert view.successors(1) == (2, 4)  # falling through first
    assert view.successors(2) == (4,)  # the lddw takes two slots
    assert view.successors(2, calls=True) == (4, 10)  # ... and names a function
    assert view.successors(3) == (4,)  # its second half, as the kernel's walk sees it
    assert view.successors(4) == (6,)
    assert view.successors(5) == (6,)  # a call returns to the next instruction
    assert view.successors(5, calls=True) == (6, 8)
    assert view.successors(6) == ()
    assert view.successors(7) == (8, 9)
    with pytest.raises(IndexError):
        view.successors(11)


def test_falling_off_the_end_leaves_the_program() -> None:
    view = ProgramView([MOV0, MOV0])
    assert view.successors(1) == (2,)
    assert not view.is_insn_start(2)


def test_leaders() -> None:
    view = view_of(PROGRAM)
    # the entry; targets 4, 6, 8, 9, 10; after the jumps at 1, 4, 7, the call at 5 and the exits at 6, 8
    assert view.leaders == frozenset({0, 2, 4, 5, 6, 7, 8, 9, 10})


def test_subprograms() -> None:
    view = view_of(PROGRAM)
    assert view.subprograms == (0, 8, 10)
    assert [view.subprog_of(slot) for slot in range(11)] == [0] * 8 + [1, 1, 2]
    assert [view.subprog_range(n) for n in range(3)] == [range(0, 8), range(8, 10), range(10, 11)]


def test_invalid_targets_are_reported_as_named() -> None:
    program = [Instruction(0x05, off=5), Instruction(0x85, src=1, imm=0), Instruction.lddw(0, 1), EXIT]
    program[1] = Instruction(0x85, src=1, imm=1)  # -> slot 3, inside the lddw at 2
    view = ProgramView(program)
    assert view.invalid_targets == ((0, 6), (1, 3))
    assert view.successors(0) == (6,)
    assert 3 not in view.leaders and 6 not in view.leaders
    # add_subprog_and_kfunc() counts a call target inside an lddw (check_cfg() refuses it later)
    assert view.subprograms == (0, 3)


# -- properties -------------------------------------------------------------------------------------
def _is_target_or_end(view: ProgramView, slot: int) -> bool:
    return view.is_insn_start(slot) or slot == view.slot_count


@settings(max_examples=150, deadline=None)
@given(valid_programs())
def test_properties_of_valid_programs(body: list[Instruction]) -> None:
    view = ProgramView([*body, EXIT])
    total = view.slot_count
    for slot in view.starts:
        successors = view.successors(slot, calls=True)
        assert all(_is_target_or_end(view, s) for s in successors)
        assert view.successors(slot) == successors[: len(view.successors(slot))]
    assert 0 in view.leaders
    assert set(view.jumps.values()) <= view.leaders
    assert {edge.target for edge in view.call_edges} <= view.leaders
    for slot in view.starts:
        if view.flow(slot) is not Flow.NEXT and slot + 1 < total:
            assert slot + 1 in view.leaders
    assert view.leaders <= set(view.starts)
    starts = view.subprograms
    assert list(starts) == sorted(set(starts)) and starts[0] == 0
    assert all(view.is_insn_start(start) for start in starts)
    assert [slot for n in range(len(starts)) for slot in view.subprog_range(n)] == list(range(total))
    assert all(view.subprog_of(start) == n for n, start in enumerate(starts))


def _former_leaders_and_entries(program: list[Instruction]) -> tuple[set[int], set[int]]:
    """The interpreter's block leaders and function entries as vm.codegen computed them, by kind."""
    branch_off = {Kind.JA, Kind.JCOND, Kind.MAY_GOTO}
    branch_imm = {Kind.GOTOL, Kind.CALL_LOCAL}
    terminators = {Kind.JA, Kind.GOTOL, Kind.JCOND, Kind.MAY_GOTO, Kind.CALL_LOCAL, Kind.CALLX, Kind.EXIT}
    leaders, entries, slot = {0}, {0}, 0
    total = sum(insn.slots for insn in program)
    for insn in program:
        spec = insn.spec
        assert spec is not None
        func = spec.kind is Kind.LDDW and insn.src == op.BPF_PSEUDO_FUNC
        if spec.kind in branch_off:
            leaders.add(slot + 1 + insn.off)
        elif spec.kind in branch_imm or func:
            leaders.add(slot + 1 + insn.imm)
            if spec.kind is Kind.CALL_LOCAL or func:
                entries.add(slot + 1 + insn.imm)
        if spec.kind in terminators and slot + insn.slots < total:
            leaders.add(slot + insn.slots)
        slot += insn.slots
    return leaders, entries


@settings(max_examples=150, deadline=None)
@given(valid_programs())
def test_agrees_with_the_interpreters_former_blocks(body: list[Instruction]) -> None:
    program = [*body, EXIT]
    view = ProgramView(program)
    leaders, entries = _former_leaders_and_entries(program)
    assert view.leaders == leaders
    assert set(view.subprograms) == entries
    interpreter = Interpreter(program)
    assert interpreter.blocks == len(view.leaders)
    assert interpreter.translation.entries == frozenset(view.subprograms)


def _former_raw_successors(slots: tuple[Slot, ...], t: int) -> list[int]:
    """The verifier's former check_cfg() edges of raw slot ``t`` (visit_insn by class and op bits)."""
    s = slots[t]
    cls = s.code & 0x07
    if cls not in (op.BPF_JMP, op.BPF_JMP32):
        if s.code == op.LDDW_OPCODE:
            return [t + 2, t + s.imm + 1] if s.src == op.BPF_PSEUDO_FUNC else [t + 2]
        return [t + 1]
    operation = s.code & 0xF0
    if operation == op.JMP_OPS["exit"]:
        return []
    if operation == op.JMP_OPS["call"]:
        pseudo = s.src == op.BPF_PSEUDO_CALL and s.code == op.BPF_JMP | op.JMP_OPS["call"]
        return [t + 1, t + s.imm + 1] if pseudo else [t + 1]
    if operation == op.JMP_OPS["ja"]:
        return [t + (s.imm if cls == op.BPF_JMP32 else s.off) + 1]
    return [t + 1, t + s.off + 1]


def _former_subprog_jump(s: Slot, i: int) -> int | None:
    """check_subprogs()'s jump target of raw slot ``i``, by class and op bits."""
    if s.code & 0x07 not in (op.BPF_JMP, op.BPF_JMP32):
        return None
    if s.code & 0xF0 in (op.JMP_OPS["exit"], op.JMP_OPS["call"]):
        return None
    return i + (s.imm if s.code == op.BPF_JMP32 | op.JMP_OPS["ja"] else s.off) + 1


@settings(max_examples=200, deadline=None)
@given(st.lists(raw_instructions(), min_size=1, max_size=16))
def test_agrees_with_the_verifiers_former_walks(program: list[Instruction]) -> None:
    """On any decodable program (unknown encodings included, 0x0e aside, which the kernel refuses as
    an unknown opcode before walking the graph): the check_cfg() edges, check_subprogs() jumps and
    add_subprog_and_kfunc() starts the verifier computed from raw slots."""
    view = ProgramView(program)
    slots = view.slots
    calls = set()
    for t in range(view.slot_count):
        if slots[t].code != op.BPF_JMP32 | op.JMP_OPS["ja"] | op.BPF_X:
            assert list(view.successors(t, calls=True)) == _former_raw_successors(slots, t)
        jump = _former_subprog_jump(slots[t], t)
        assert view.jump_target(t) == jump
        pseudo_call = slots[t].code == op.BPF_JMP | op.JMP_OPS["call"] and slots[t].src == op.BPF_PSEUDO_CALL
        pseudo_func = slots[t].code == op.LDDW_OPCODE and slots[t].src == op.BPF_PSEUDO_FUNC
        if pseudo_call or pseudo_func:
            calls.add(t + slots[t].imm + 1)
    assert {edge.target for edge in view.call_edges} == calls
    assert view.subprograms == tuple(sorted({0} | {c for c in calls if 0 <= c < view.slot_count}))
