"""Random programs on pybpf and on the kernel: the stages before value tracking decide alike.

For random raw instructions (unknown opcodes, reserved fields, r11-r15, stray jumps and calls) and
random valid programs, whenever either side refuses the program before do_check() — the kernel's log
then ends with "processed 0 insns" — both must refuse it with the same errno and the same reason.
Straight-line programs (nothing to prune) must also agree on do_check()'s structural reasons.
kfunc calls and BTF-id lddw are left out: their answer depends on the running kernel's BTF.

A bounded sample of the shaped programs (tests.verifier.shape_generator, the shapes
scripts/fuzz_verifier.py runs by the thousand) must get the kernel's errno, final message,
processed-instruction count and first path's states from pybpf, on seeds past the ranges the
fuzzer's tables were measured on.
"""

from __future__ import annotations

import os
import random
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.verifier import VerifierError, verify
from tests.isa.strategies import raw_instructions, valid_instructions, valid_programs
from tests.verifier import verifier_corpus as vc
from tests.verifier.conftest import kernel_allowed_helpers
from tests.verifier.kernel_load import kernel_load
from tests.verifier.shape_fuzz import answer, compare, heavy, program_of
from tests.verifier.shape_generator import SHAPES
from tests.verifier.stubs import SOCKET_FILTER, make_request

EXIT = Instruction(0x95)
EXAMPLES = int(os.environ.get("PYBPF_VERIFIER_EXAMPLES", "50"))  # raise for a longer local run
_CALL = op.BPF_JMP | op.JMP_OPS["call"]


def _depends_on_btf(insn: Instruction) -> bool:
    return (insn.opcode == _CALL and insn.src == op.BPF_PSEUDO_KFUNC_CALL) or (
        insn.is_lddw and insn.src == op.BPF_PSEUDO_BTF_ID
    )


def _early(log: str) -> bool:
    return "\nprocessed 0 insns" in "\n" + log


def _compare(program: list[Instruction]) -> None:
    assume(not any(_depends_on_btf(insn) for insn in program))
    request = make_request(program, allowed=kernel_allowed_helpers(SOCKET_FILTER))
    try:
        verify(request)
        err, log = 0, ""
    except VerifierError as exc:
        err, log = exc.errno or 0, exc.log
    kerr, klog = kernel_load(encode_program(program), SOCKET_FILTER)
    if _early(log) or _early(klog):
        assert err == kerr, f"pybpf {err} vs kernel {kerr}\n{log}--\n{klog}"
        assert log.splitlines()[0] == klog.splitlines()[0], f"{log}--\n{klog}"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_instructions(), min_size=1, max_size=8))
def test_raw_programs_against_kernel(kernel: bool, program: list[Instruction]) -> None:
    _compare([*program, EXIT])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_programs(max_size=12))
def test_valid_programs_against_kernel(kernel: bool, program: list[Instruction]) -> None:
    _compare([*program, EXIT])


# The messages the structural walk emits; a kernel reason among them must be pybpf's reason too.
STRUCTURAL = [
    re.compile(p)
    for p in (
        r"^BPF_\S+ uses reserved fields$",
        r"^R\d+ is invalid$",
        r"^frame pointer is read only$",
        r"^div by zero$",
        r"^invalid shift -?\d+$",
        r"^invalid func ",
        r"^program of this type cannot use helper",
        r"^cannot call GPL-restricted",
        r"^invalid bpf_context access off=",
        r"^BPF_ATOMIC (stores into|loads from) R\d+ ctx is not allowed",
        r"^dereference of modified ctx ptr",
        r"^BPF_ATOMIC uses invalid atomic opcode",
        r"^invalid atomic operand size",
        r"^invalid may_goto imm",
        r"^missing btf func_info",
        r"^addr_space_cast insn",
        r"^BPF_LD_\[ABS\|IND\] instructions not allowed",
    )
]


def _straight(insn: Instruction) -> bool:
    return insn.opcode & 0x07 not in (op.BPF_JMP, op.BPF_JMP32)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(
    st.lists(st.one_of(raw_instructions(), valid_instructions()).filter(_straight), min_size=1, max_size=6)
)
def test_straight_line_structural_reasons(kernel: bool, body: list[Instruction]) -> None:
    """Without branches nothing is pruned: the kernel's structural reason is pybpf's first error."""
    program = [Instruction(0xB7), *body, EXIT]
    assume(not any(_depends_on_btf(insn) for insn in program))
    try:
        verify(make_request(program, allowed=kernel_allowed_helpers(SOCKET_FILTER)))
        err, reason = 0, "<accepted>"
    except VerifierError as exc:
        err, reason = exc.errno or 0, exc.reason
    kerr, klog = kernel_load(encode_program(program), SOCKET_FILTER)
    lines = klog.splitlines()
    kreason = lines[-2] if kerr and len(lines) >= 2 else ""
    if any(p.match(kreason) for p in STRUCTURAL):
        assert (err, reason) == (kerr, kreason), klog


def test_a_jump_far_past_the_end_names_its_target_as_an_int(kernel: bool) -> None:
    """Found by the raw fuzz: ``gotol +2147483647`` at insn 0 targets 2^31, which the kernel's
    ``int`` holds as -2147483648; its message prints that."""
    program = [Instruction(op.BPF_JMP32 | op.JMP_OPS["ja"], imm=0x7FFF_FFFF), EXIT]
    request = make_request(program, allowed=kernel_allowed_helpers(SOCKET_FILTER))
    try:
        verify(request)
    except VerifierError as exc:
        log = exc.log
    else:
        raise AssertionError("accepted a jump past the end")
    assert log.splitlines()[0] == "jump out of range from insn 0 to -2147483648"
    kerr, klog = kernel_load(encode_program(program), SOCKET_FILTER)
    assert kerr and klog.splitlines()[0] == log.splitlines()[0]


SHAPE_SEEDS = range(30_000, 30_000 + int(os.environ.get("PYBPF_SHAPE_SEEDS", "6")))
"""Seeds of every shape checked here (the fuzzer's tables used 0-9999, 10000-20059, 100000-100299,
200000-200599 and 300000-300599)."""
SHAPE_MAX_INSNS = 1500
"""Programs the kernel processes more instructions of are left out (the fuzzer's ``--max-insns``)."""


@pytest.mark.parametrize("shape", SHAPES)
def test_shaped_programs_against_kernel(kernel: bool, shape: str) -> None:
    """Same errno, final message, processed count and first path's register states: the fuzzer's
    disagreement columns are empty on these seeds."""
    wrong = []
    for seed in SHAPE_SEEDS:
        program = program_of(shape, seed)
        if vc.build_refusal(program):
            continue  # the running build refuses a helper the modelled release allows (kernel_build)
        if heavy(program, NativeBackend(), SHAPE_MAX_INSNS):
            continue  # what the fuzzer counts as heavy (pybpf takes minutes on a million insns)
        theirs, _ = answer(program, NativeBackend())
        if theirs.line.startswith("verifier bug:"):
            continue  # a kernel bug after verification (known_disagreements.txt's "After do_check")
        mine, _ = answer(program, UserBackend())
        kind = compare(mine, theirs)
        if kind:
            wrong.append(f"{kind} {program.name}: kernel {theirs} | pybpf {mine}")
    assert not wrong, "\n".join(wrong)


_SX_OPS = (
    "r0 &= {m}",
    "r0 |= {c}",
    "r0 <<= {s}",
    "r0 s>>= {s}",
    "r0 >>= {s}",
    "r0 += {c}",
    "w0 += {c}",
    "w0 &= {m}",
    "if r0 s> {c} goto end",
    "if r0 s< {c} goto end",
    "if w0 s> {c} goto end",
    "if w0 < {c} goto end",
    "if r0 > {c} goto end",
)
_SX_CONSTS = (0, 1, 5, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, -1, -8, -128, -129, -0x8000, 0x7FFFFFFF)
_SX_MASKS = (3, 0x3F, 0x7F, 0xFF, 0x1FF, 0x7FFF, 0xFFFF, -8, -256, 0x7FFFFFFF)
_SX_MOVES = ("r1 = (s8)r0", "r1 = (s16)r0", "r1 = (s32)r0", "w1 = (s8)w0", "w1 = (s16)w0")


def _sign_extension_program(rng: random.Random) -> tuple[str, int]:
    """A 64-bit unknown shaped by one to four steps, then sign-extended: (text, the movsx's index)."""
    lines = ["call bpf_ktime_get_ns"]
    for _ in range(rng.randint(1, 4)):
        step = rng.choice(_SX_OPS)
        lines.append(
            step.format(m=rng.choice(_SX_MASKS), c=rng.choice(_SX_CONSTS), s=rng.choice((8, 16, 32, 48, 56)))
        )
    index = len(lines)
    lines += [rng.choice(_SX_MOVES), "end:", "r0 = 0", "exit"]
    return "\n".join(line if line.endswith(":") else f"    {line}" for line in lines) + "\n", index


def _state_line(log: str, index: int) -> str:
    return next((line for line in log.splitlines() if line.startswith(f"{index}: (") and ";" in line), "")


def test_sign_extension_bounds_against_kernel(kernel: bool) -> None:
    """Found by the fuzz (sign_extend shape): Linux 6.18 keeps a source's s32 bounds through a
    sign-extending move when they fit the narrow signed range (``(s16)`` of a zero low word is 0).
    The register state after the movsx of random sources is the kernel's, line for line."""
    rng = random.Random(6180)
    wrong = []
    for _ in range(int(os.environ.get("PYBPF_SX_PROGRAMS", "40"))):
        text, index = _sign_extension_program(rng)
        program = vc.Program(name="sx", theme="sx", text=text)
        _, klog = vc.load_with_log(program, NativeBackend(), log_level=2)
        _, log = vc.load_with_log(program, UserBackend(), log_level=2)
        if _state_line(log, index) != _state_line(klog, index):
            wrong.append(f"{text}Linux: {_state_line(klog, index)}\npybpf: {_state_line(log, index)}")
    assert not wrong, "\n\n".join(wrong)
