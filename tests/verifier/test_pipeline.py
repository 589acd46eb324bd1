"""The pipeline's contract: pass order, results (maps, resolved lddw, subprograms), log levels."""

from __future__ import annotations

import errno
import gc
import struct

import pytest

from pybpf.isa import assemble
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.verifier import PASSES, VerifierError, VerifierLog, verify
from pybpf.verifier.decode import decode_insns
from tests.verifier.kernel_load import kernel_load
from tests.verifier.stubs import SOCKET_FILTER, FakeMap, make_request

MAPS = {3: FakeMap(0x1000, 1), 4: FakeMap(0x2000, 2, value_size=16), 5: FakeMap(0x1000, 1)}


def test_pass_order() -> None:
    assert [p.name for p in PASSES] == [
        "btf_info_early", "subprogs", "btf_info", "attach", "extension", "pseudo", "cfg",
        "mark_fastcall_patterns", "do_check", "remove_fastcall_spills_fills", "check_max_stack_depth",
        "may_goto_stack", "fixup_kfunc_call", "optimize_bpf_loop", "dead_code", "ctx_rewrite",
        "inline_helpers", "ld_imm64", "arena_fixups", "spectre_fixups", "fixup_call_args",
    ]  # fmt: skip


def test_maps_resolved_and_xlated() -> None:
    program = assemble("""
        r1 = map_fd(4) ll
        r2 = map_value(4, 8) ll
        r3 = map_fd(3) ll
        r4 = map_idx(1) ll
        r5 = map_fd(5) ll
        call pc+1
        exit
        r0 = 0
        exit
    """)
    result = verify(make_request(program, maps=MAPS, fd_array=[4, 3]))
    assert [m.address for m in result.maps] == [0x2000, 0x1000]  # fd 5 is the same map as fd 3
    assert result.resolved == {0: 0x2000, 2: 0x2008, 4: 0x1000, 6: 0x1000, 8: 0x1000}
    assert result.subprogs == [0, 12]
    lddws = [insn for insn in result.insns if insn.is_lddw]
    assert all(insn.src == 0 for insn in lddws)
    assert [insn.imm64 for insn in lddws] == [0x2000, 0x2008, 0x1000, 0x1000, 0x1000]


def test_level_zero_writes_nothing() -> None:
    with pytest.raises(VerifierError) as info:
        verify(make_request(assemble("r0 = 0\nexit\nexit"), log_level=0))
    assert info.value.log == ""
    assert verify(make_request(assemble("r0 = 0\nexit"), log_level=0)).log == ""


def test_level_two_lists_subprograms() -> None:
    result = verify(make_request(assemble("call pc+1\nexit\nr0 = 0\nexit"), log_level=2))
    assert result.log.startswith("func#0 @0\nfunc#1 @2\n")


def test_stats_level() -> None:
    result = verify(make_request(assemble("r0 = 0\nexit"), log_level=4))
    lines = result.log.splitlines()
    assert lines[0].startswith("verification time ") and lines[0].endswith(" usec")
    assert lines[1] == "stack depth 0"
    assert lines[2].startswith("processed 2 insns (limit 1000000)")


def test_log_reset() -> None:
    log = VerifierLog(1)
    log.line("a")
    mark = log.position()
    log.line("b")
    log.reset(mark)
    log.verbose("c\n")
    assert log.text == "a\nc\n"


def test_empty_program_is_e2big() -> None:
    with pytest.raises(VerifierError) as info:
        verify(make_request([]))
    assert info.value.errno == errno.E2BIG and info.value.log == ""


def test_do_check_hands_ctx_accesses_to_the_rewrite() -> None:
    """The context loads do_check proves (and only those on live paths) are rewritten; the dead one
    goes with the branch to it (opt_hard_wire_dead_code_branches, opt_remove_dead_code,
    opt_remove_nops: the goto over it becomes a nop)."""
    program = [
        Instruction(0x61, 2, 1, 4),  # r2 = *(u32 *)(r1 + 4): ctx
        Instruction(0xB7, 3, 0, 0, 1),  # r3 = 1
        Instruction(0x15, 3, 0, 1, 1),  # if r3 == 1 goto +1: always taken
        Instruction(0x61, 0, 1, 8),  # dead: never checked nor rewritten
        Instruction(0xB7),
        Instruction(0x95),
    ]
    seen: list[Instruction] = []

    def record(insn: Instruction) -> list[Instruction]:
        seen.append(insn)
        return [insn]

    result = verify(make_request(program, rewrite=record))
    assert seen == [program[0]]
    assert result.insns == [*program[:2], *program[4:]]
    assert result.facts[0].ptr_types == {"ctx"}


def _raw(*slots: tuple[int, int, int, int, int]) -> bytes:
    return b"".join(struct.pack("<BBhi", c, (s << 4) | d, o, i) for c, d, s, o, i in slots)


BAD_SECOND = _raw((0xB7, 0, 0, 0, 0), (0x18, 0, 0, 0, 1), (0, 1, 0, 0, 0), (0x95, 0, 0, 0, 0))
TRUNCATED = _raw((0xB7, 0, 0, 0, 0), (0x95, 0, 0, 0, 0), (0x18, 0, 0, 0, 1))


@pytest.mark.parametrize(
    ("raw", "line"),
    [(BAD_SECOND, "invalid bpf_ld_imm64 insn"), (TRUNCATED, "last insn is not an exit or jmp")],
)
def test_decode_malformed_lddw(raw: bytes, line: str) -> None:
    with pytest.raises(VerifierError) as info:
        decode_insns(raw, log_level=1)
    assert info.value.errno == errno.EINVAL
    assert info.value.log.splitlines()[0] == line
    from pybpf.kernel.native import kernel_bpf_available

    if kernel_bpf_available():
        kerr, klog = kernel_load(raw, SOCKET_FILTER)
        assert kerr == errno.EINVAL and line in klog.splitlines()


def test_decode_plain() -> None:
    program = assemble("r1 = 0x1122334455667788 ll\nr0 = 0\nexit")
    assert decode_insns(encode_program(program)) == program


def test_level_two_matches_kernel(kernel: bool) -> None:
    program = assemble("call pc+2\nr0 = 0\nexit\nr0 = 1\nexit\nexit")  # slot 5 unreachable
    with pytest.raises(VerifierError) as info:
        verify(make_request(program, log_level=2))
    _, klog = kernel_load(encode_program(program), SOCKET_FILTER, log_level=2)
    ours = info.value.log.splitlines()
    assert ours[:3] == ["func#0 @0", "func#1 @3", "unreachable insn 5"]
    assert klog.splitlines()[:3] == ours[:3]


STACK_PROGRAMS = [
    "*(u8 *)(r10 - 3) = 1\nr0 = 0\nexit",
    "r0 = 0\n*(u64 *)(r10 - 16) = r0\nr2 = r10\nr2 += -24\n*(u32 *)(r2 + 0) = r0\n"
    "call pc+1\nexit\n*(u8 *)(r10 - 3) = 1\nr0 = 0\nexit",
    "r0 = 0\nexit",
]


@pytest.mark.parametrize("source", STACK_PROGRAMS)
def test_stack_depth_matches_kernel(source: str, kernel: bool) -> None:
    program = assemble(source)
    ours = verify(make_request(program, log_level=4)).log.splitlines()
    _, klog = kernel_load(encode_program(program), SOCKET_FILTER, log_level=4)
    assert ours[1] == klog.splitlines()[1]
    assert ours[1].startswith("stack depth ")


@pytest.mark.parametrize("enabled", [True, False])
def test_verify_pauses_the_cyclic_collector_and_restores_it(enabled: bool) -> None:
    seen: list[bool] = []

    class Probe:
        name = "probe"

        def run(self, state: object) -> None:
            seen.append(gc.isenabled())

    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        verify(make_request(assemble("r0 = 0\nexit")), [Probe()])
        with pytest.raises(VerifierError):
            verify(make_request(assemble("exit")), [*PASSES, Probe()])
        assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
    assert seen == [False]
