"""Dead code after verification (``pybpf.verifier.dead_code``): what the kernel's bpf_check() does with
the instructions no path reached -- removes them for a loader with CAP_BPF (after making the branches
to them gotos, and then dropping the nops), turns them into ``goto -1`` traps for one without -- on
pybpf and on the kernel: the xlated program (BPF_OBJ_GET_INFO_BY_FD), the func_info records that go
with a removed subprogram, and what the rewritten programs return on both engines.  The kernel half
is skipped where bpf(2) is unavailable.
"""

from __future__ import annotations

import os

import pytest

import pybpf
from pybpf import Program
from pybpf.isa.instruction import Instruction
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kernel.prog_load import _lines_moved
from pybpf.kernel.prog_run import ENGINE_VARIABLE
from pybpf.kernel.progobj import ProgObject
from pybpf.objects.credentials import CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, ROOT, Credentials
from pybpf.verifier.dead_code import NOP, TRAP
from tests.caps import restore_effective, run_without_caps, unprivileged_bpf_enabled
from tests.verifier import verifier_corpus as vc
from tests.verifier import xlated_compare as xc

PROGRAMS = {
    "known branch": """
        r0 = 1
        if r0 == 1 goto +2
        r0 = 2
        r0 += 3
        exit
    """,
    "known fall-through": """
        r0 = *(u32 *)(r1 + 0)
        r1 = 4
        if r1 > 5 goto l1
        r0 += 7
        exit
    l1:
        r0 = 1
        exit
    """,
    "jumps across the removed code": """
        r0 = *(u32 *)(r1 + 0)
        r6 = r0
        r1 = 0
        if r1 != 0 goto dead
    back:
        r6 += 1
        if r6 < 10 goto back
        r0 = r6
        exit
    dead:
        r0 = 5
        goto back
    """,
    "a nop reached": """
        r0 = 3
        goto +0
        exit
    """,
    "goto +1 before a removed nop stays": """
        r0 = *(u32 *)(r1 + 0)
        if r0 == 0 goto l2
        goto +1
    l2:
        goto +0
        r0 &= 7
        exit
    """,
    "may_goto pair": """
        r0 = 9
        r0 = *(u32 *)(r1 + 0)
        if r0 == 0 goto l2
        may_goto +1
    l2:
        may_goto +0
        r0 &= 1
        exit
    """,
    "a dead subprogram": """
        r1 = 5
        if r1 > 3 goto l1
        call sub
    l1:
        call sub2
        exit
    sub:
        r0 = 1
        exit
    sub2:
        r0 = 2
        if r0 != 2 goto l3
        exit
    l3:
        r0 = 3
        exit
    """,
    "a dead lddw": """
        r0 = 0
        if r0 == 0 goto +2
        r0 = 0x1234567890 ll
        r0 += 11
        exit
    """,
}


def kernel() -> NativeBackend:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return NativeBackend()


def _corpus_program(name: str, *, caps: str = "") -> vc.Program:
    return vc.Program(name, "dead_code", "socket_filter", PROGRAMS[name], btf="func_info", caps=caps)


def _load(name: str, backend: Backend) -> tuple[list[Instruction], int, list[int]]:
    """(xlated, func_info records, results of four runs) of PROGRAMS[name] through ``backend``."""
    fd, err, log = vc.load_fd(_corpus_program(name), backend)
    assert fd >= 0, (err, log)
    try:
        prog = Program(fd, backend=backend)
        info = prog.info()
        runs = [prog.run(bytes(size)).retval for size in (14, 20, 33, 64)]
        return _blank_ctx(prog.xlated()), int(info.nr_func_info), runs
    finally:
        os.close(fd)


def _blank_ctx(insns: list[Instruction]) -> list[Instruction]:
    """The programs' ``*(u32 *)(r1 + 0)`` (``skb->len``) with its offset blanked: convert_ctx_access()
    reads it from the sk_buff, whose layout is the kernel's on one side and pybpf's on the other."""
    return [
        Instruction(i.opcode, i.dst, i.src, 0, i.imm, i.imm_hi) if i.opcode == 0x61 and i.src == 1 else i
        for i in insns
    ]


def _verified(name: str, credentials: Credentials = ROOT) -> list[Instruction]:
    fd, err, log = vc.load_fd(_corpus_program(name), UserBackend(credentials))
    assert fd >= 0, (err, log)
    try:
        return _blank_ctx(list(ProgObject.from_fd(fd).xlated))
    finally:
        os.close(fd)


def test_a_known_branch_becomes_a_goto_and_goes_with_the_code_it_skips() -> None:
    assert _verified("known branch") == pybpf.assemble("r0 = 1\nexit")
    assert _verified("known fall-through") == pybpf.assemble("r0 = *(u32 *)(r1 + 0)\nr1 = 4\nr0 += 7\nexit")


def test_jumps_across_removed_code_keep_their_targets() -> None:
    got = _verified("jumps across the removed code")
    assert got == pybpf.assemble(
        "r0 = *(u32 *)(r1 + 0)\nr6 = r0\nr1 = 0\nback:\nr6 += 1\nif r6 < 10 goto back\nr0 = r6\nexit"
    )


def test_nops_go_in_the_kernels_order() -> None:
    assert _verified("a nop reached") == pybpf.assemble("r0 = 3\nexit")
    # the goto +1 over the removed goto +0 becomes goto +0 itself, and opt_remove_nops() does not
    # look back at it (only after a may_goto)
    kept = _verified("goto +1 before a removed nop stays")
    assert kept[2] == NOP and len(kept) == 5
    assert _verified("may_goto pair") == pybpf.assemble(
        "r0 = 9\nr0 = *(u32 *)(r1 + 0)\nif r0 == 0 goto +0\nr0 &= 1\nexit"
    )


def test_a_dead_subprogram_goes_with_its_func_info() -> None:
    got = _verified("a dead subprogram")
    assert [str(i) for i in got] == ["r1 = 5", "call pc+1", "exit", "r0 = 2", "exit"]


def test_line_info_records_of_removed_code() -> None:
    """bpf_adj_linfo_after_remove(): records on removed instructions go, but the first instruction
    kept after them inherits the last when it has none; none stays past the end."""

    def records(*offs: int) -> bytes:
        return b"".join(off.to_bytes(4, "little") + bytes(12) for off in offs)

    def offs(raw: bytes) -> list[int]:
        return [int.from_bytes(raw[at : at + 4], "little") for at in range(0, len(raw), 16)]

    # slots 2 and 3 removed: 0 1 2 3 4 5 -> 0 1 2 2 2 3 (end 4)
    moved = [0, 1, 2, 2, 2, 3, 4]
    assert offs(_lines_moved(records(0, 2, 3, 5), 16, moved)) == [0, 2, 3]  # 3 inherited by slot 4
    assert offs(_lines_moved(records(0, 2, 4, 5), 16, moved)) == [0, 2, 3]  # slot 4 had its own
    # the tail removed: records there dropped
    assert offs(_lines_moved(records(0, 1, 2), 16, [0, 1, 1, 1])) == [0]


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_same_xlated_and_func_info_as_the_kernel(name: str) -> None:
    theirs = _load(name, kernel())
    ours = _load(name, UserBackend())
    comparison = xc.compare(ours[0], [], theirs[0], [])
    assert comparison.same, comparison.examples
    assert ours[1] == theirs[1]  # func_info records: one per subprogram kept
    assert ours[2] == theirs[2]


@pytest.fixture(params=("interpreter", "jit"))
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name: str = request.param
    monkeypatch.setenv(ENGINE_VARIABLE, name)
    return name


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_rewritten_programs_run_as_before_on_both_engines(name: str) -> None:
    """The results of the programs without their dead code: those of their live paths (computed by
    hand here, as the kernel's test_runs give them)."""
    expected = {
        "known branch": 1,
        "a nop reached": 3,
        "a dead subprogram": 2,
        "a dead lddw": 11,
    }
    results = _load(name, UserBackend())[2]
    if name in expected:
        assert results == [expected[name]] * 4
    else:
        assert len(results) == 4


UNPRIV_DROP = frozenset({CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON})
UNPRIV = Credentials(ROOT.caps - UNPRIV_DROP, 0)
UNPRIV_PROGRAM = """
    r0 = 1
    if r0 == 1 goto +3
    r0 = 2 ll
    r0 += 3
    exit
"""


def _unprivileged_load() -> list[Instruction]:
    """In a child without CAP_BPF: load, then see the xlated program with the capabilities back."""
    program = vc.Program("unpriv", "dead_code", "socket_filter", UNPRIV_PROGRAM)
    fd, err, log = vc.load_fd(program, NativeBackend())
    assert fd >= 0, (err, log)
    restore_effective()
    try:
        return Program(fd, backend=NativeBackend()).xlated()
    finally:
        os.close(fd)


def test_without_cap_bpf_dead_code_becomes_traps() -> None:
    """sanitize_dead_code(): nothing moves, every slot never reached is ``goto -1`` (the dead branch
    was walked, but speculatively: that is no visit)."""
    program = vc.Program("unpriv", "dead_code", "socket_filter", UNPRIV_PROGRAM)
    fd, err, log = vc.load_fd(program, UserBackend(UNPRIV))
    assert fd >= 0, (err, log)
    try:
        ours = list(ProgObject.from_fd(fd).xlated)
        assert Program(fd, backend=UserBackend()).run(bytes(14)).retval == 1
    finally:
        os.close(fd)
    assert ours == [*pybpf.assemble("r0 = 1\nif r0 == 1 goto +3"), TRAP, TRAP, TRAP, *pybpf.assemble("exit")]
    kernel()
    with unprivileged_bpf_enabled():
        theirs = run_without_caps(UNPRIV_DROP, _unprivileged_load)
    assert ours == theirs


def test_a_fault_names_the_loaded_instruction_after_removed_code() -> None:
    """``Program.loaded_slot``: an xlated slot names its own loaded instruction, not the removed ones
    before it that share its place in ``slot_map``."""
    fd, err, log = vc.load_fd(_corpus_program("known branch"), UserBackend())
    assert fd >= 0, (err, log)
    try:
        program = Program(fd, backend=UserBackend())
        assert [program.loaded_slot(slot) for slot in range(2)] == [0, 4]
    finally:
        os.close(fd)
