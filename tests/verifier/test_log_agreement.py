"""The level-2 log against the kernel's: random straight-line and branching scalar programs, and
the corpus programs of a few pointer themes (packets, the XDP context, ctx pointers).

Each program reads unknown scalars (XDP context fields, bpf_get_prandom_u32), applies random ALU and
ALU64 operations (register and immediate operands, 32-bit subregisters, shifts, divisions, moves,
negation) and short forward conditional jumps, and exits.  The kernel's log at level 2 is the
oracle: every ``N: (code) insn ; state`` line, every ``N: state`` and ``from A to B: state`` line
must be the same in pybpf's log (the kernel's liveness lines are not compared), and so must the
verdict and the processed-instruction count.  The corpus programs are loaded through both backends'
BPF_PROG_LOAD (maps created on each); the address an lddw of a map resolves to, and the padding
after it, are normalised.
"""

from __future__ import annotations

import random
import re

import pytest

from pybpf.isa.instruction import Instruction, encode_program
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.verifier import VerifierError, verify
from tests.verifier import verifier_corpus as vc
from tests.verifier.kernel_load import kernel_load
from tests.verifier.stubs import XDP, make_request

_STATE_LINE = re.compile(r"^(\d+: |from \d+ to \d+)")
_SCALARS = (0, 2, 3, 4, 5, 7, 8, 9)
_IMMS = (0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 255, 256, 4095, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
         -1, -2, -8, -255, -0x80000000)  # fmt: skip
_OPS = (0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80, 0x90, 0xA0, 0xB0, 0xC0)
_JUMPS = (0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xA0, 0xB0, 0xC0, 0xD0)


def random_program(seed: int, *, jumps: bool = True) -> list[Instruction]:
    rng = random.Random(seed)
    insns = [
        Instruction(0xBF, 6, 1),  # r6 = ctx
        Instruction(0x61, 8, 6, 12),  # r8 = ingress_ifindex (u32)
        Instruction(0x61, 9, 6, 16),  # r9 = rx_queue_index (u32)
        Instruction(0x85, imm=7),  # r0 = prandom
        Instruction(0xBF, 7, 0),
    ]
    for r in (0, 2, 3, 4, 5):
        insns.append(Instruction(0xBF, r, rng.choice((7, 8, 9))) if rng.random() < 0.7 else
                     Instruction(0xB7, r, imm=rng.choice(_IMMS)))  # fmt: skip
    for _ in range(rng.randint(3, 14)):
        dst = rng.choice(_SCALARS)
        if jumps and rng.random() < 0.2:
            cls = rng.choice((0x05, 0x06))
            op = rng.choice(_JUMPS)
            if rng.random() < 0.5:
                insns.append(Instruction(cls | op | 0x08, dst, rng.choice(_SCALARS), 1))
            else:
                insns.append(Instruction(cls | op, dst, 0, 1, rng.choice(_IMMS)))
            insns.append(Instruction(0xB7, rng.choice(_SCALARS), imm=rng.choice(_IMMS)))
            continue
        cls = rng.choice((0x07, 0x04))  # ALU64, ALU
        op = rng.choice(_OPS)
        bits = 64 if cls == 0x07 else 32
        if op == 0x80:
            insns.append(Instruction(cls | op, dst))
        elif rng.random() < 0.5 and op not in (0x30, 0x90):
            insns.append(Instruction(cls | op | 0x08, dst, rng.choice(_SCALARS)))
        else:
            imm = rng.choice(_IMMS)
            if op in (0x60, 0x70, 0xC0):
                imm = rng.randrange(bits)
            if op in (0x30, 0x90) and imm == 0:
                imm = 3
            insns.append(Instruction(cls | op, dst, imm=imm))
    insns += [Instruction(0xB7, 0), Instruction(0x95)]
    return insns


def state_lines(log: str) -> list[str]:
    return [line.rstrip() for line in log.splitlines() if _STATE_LINE.match(line)]


def processed(log: str) -> str:
    return next(
        (line.split(" max_states")[0] for line in log.splitlines() if line.startswith("processed")), ""
    )


def pybpf_log(insns: list[Instruction]) -> tuple[int, str]:
    try:
        return 0, verify(make_request(insns, XDP, log_level=2)).log
    except VerifierError as err:
        return err.errno or 0, err.log


def first_path(lines: list[str]) -> list[str]:
    """The lines up to the end of the first path (before the first ``from A to B`` or ``N: safe``)."""
    for i, line in enumerate(lines):
        if line.startswith("from ") or line.endswith(": safe"):
            return lines[:i]
    return lines


@pytest.mark.parametrize("seed", range(200))
def test_straight_line_log_matches_the_kernel(seed: int, kernel: bool) -> None:
    """Every state line and the processed count, for programs without jumps."""
    insns = random_program(seed, jumps=False)
    kerr, klog = kernel_load(encode_program(insns), XDP, log_level=2)
    err, log = pybpf_log(insns)
    assert err == kerr, f"{log}\n--\n{klog}"
    assert state_lines(log) == state_lines(klog), f"{log}\n--\n{klog}"
    assert processed(log) == processed(klog)


KNOWN_GAPS: dict[int, str] = {}
"""Seeds whose first path differs, with the reason (measured on seeds 1000-1599: 592 of 600 branching
programs agree on the first path, 600 of 600 on the verdict; 599 of 600 straight-line programs on
every line, the one other being Linux 6.18's fork of a [-1, 0] scalar on ``&=``; on seeds 0-599,
598 of 600 branching programs agree on every line: see test_stats_agreement)."""


@pytest.mark.parametrize(
    "seed",
    [pytest.param(s, marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[s])] if s in KNOWN_GAPS else [])
     for s in range(200)],
)  # fmt: skip
def test_branching_first_path_matches_the_kernel(seed: int, kernel: bool) -> None:
    """With jumps: the same verdict, and the same lines along the first path explored (later paths
    differ where the kernel prunes with liveness and precision marks, which pybpf does not track)."""
    insns = random_program(seed)
    kerr, klog = kernel_load(encode_program(insns), XDP, log_level=2)
    err, log = pybpf_log(insns)
    assert err == kerr, f"{log}\n--\n{klog}"
    assert first_path(state_lines(log)) == first_path(state_lines(klog)), f"{log}\n--\n{klog}"


_LOG_THEMES = (
    "selftests_xdp",
    "selftests_direct_packet_access",
    "selftests_meta_access",
    "selftests_ctx",
    "dynptr_pkt",
)
"""Corpus themes whose whole level-2 log is compared (pointer types, packet ranges, ctx accesses,
packet dynptrs and their slices)."""
_CORPUS_LOGGED = [p for t in _LOG_THEMES for p in vc.parse_theme(vc.CORPUS / f"{t}.asm")]
_MAP_ADDRESS = re.compile(r"^(\d+: \(18\) r\d+ = )0x[0-9a-f]+ *")


def _corpus_state_lines(log: str) -> list[str]:
    return [_MAP_ADDRESS.sub(r"\1<map> ", line) for line in state_lines(log)]


@pytest.mark.parametrize("program", _CORPUS_LOGGED, ids=[p.name for p in _CORPUS_LOGGED])
def test_corpus_program_log_matches_the_kernel(program: vc.Program, kernel: bool) -> None:
    """Every state line of the whole level-2 log, the verdict and the processed count."""
    if refusal := vc.build_refusal(program):
        pytest.skip(refusal)
    kerr, klog = vc.load_with_log(program, NativeBackend(), log_level=2)
    err, log = vc.load_with_log(program, UserBackend(), log_level=2)
    assert err == kerr, f"{log}\n--\n{klog}"
    assert _corpus_state_lines(log) == _corpus_state_lines(klog), f"{log}\n--\n{klog}"
    assert processed(log) == processed(klog)
