"""The uBPF / bpf_conformance assembly syntax: spellings, and whole programs in the conformance style.

The programs below are written for pybpf in the style of bpf_conformance's ``tests/*.data`` ``-- asm``
sections (``%r`` or bare registers, ``#`` comments, labels, the implicit ``exit`` label, ``call local``,
``lock fetch add32``, ``map_by_fd(name)``).  ``test_bpf_conformance_checkout`` additionally parses every
``.data`` file of a bpf_conformance checkout named by $BPF_CONFORMANCE_TESTS, when there is one.
"""

from __future__ import annotations

import os
import pathlib
import re

import pytest

from pybpf.isa.asm import assemble
from pybpf.isa.instruction import Instruction, encode_program, validate_program

CASES = [
    ("mov %r0, 1", "b7 00 00 00 01 00 00 00"),
    ("mov32 %r0, 1", "b4 00 00 00 01 00 00 00"),
    ("mov64 %r0, 1", "b7 00 00 00 01 00 00 00"),
    ("mov r0, r1", "bf 10 00 00 00 00 00 00"),
    ("add %r0, %r1", "0f 10 00 00 00 00 00 00"),
    ("add r0, -1", "07 00 00 00 ff ff ff ff"),
    ("arsh32 %r0, -16", "c4 00 00 00 f0 ff ff ff"),
    ("neg %r0", "87 00 00 00 00 00 00 00"),
    ("neg32 %r0", "84 00 00 00 00 00 00 00"),
    ("be16 %r0", "dc 00 00 00 10 00 00 00"),
    ("le32 %r0", "d4 00 00 00 20 00 00 00"),
    ("bswap64 %r0", "d7 00 00 00 40 00 00 00"),
    ("swap16 %r0", "d7 00 00 00 10 00 00 00"),
    ("sdiv %r0, %r1", "3f 10 01 00 00 00 00 00"),
    ("sdiv32 %r0, 3", "34 00 01 00 03 00 00 00"),
    ("smod %r0, -3", "97 00 01 00 fd ff ff ff"),
    ("movsx864 %r0, %r1", "bf 10 08 00 00 00 00 00"),
    ("movsx8 %r0, %r1", "bf 10 08 00 00 00 00 00"),
    ("movsx1664 %r0, %r1", "bf 10 10 00 00 00 00 00"),
    ("movsx3264 %r0, %r1", "bf 10 20 00 00 00 00 00"),
    ("movsx832 %r0, %r1", "bc 10 08 00 00 00 00 00"),
    ("movsx1632 %r0, %r1", "bc 10 10 00 00 00 00 00"),
    ("lddw %r0, 0x123456789", "18 00 00 00 89 67 45 23 00 00 00 00 01 00 00 00"),
    ("lddw r0, 0xFFFFFFFF80000000", "18 00 00 00 00 00 00 80 00 00 00 00 ff ff ff ff"),
    ("lddw %r1, map_fd(3)", "18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00"),
    ("lddw %r1, map_value(3, 16)", "18 21 00 00 03 00 00 00 00 00 00 00 10 00 00 00"),
    ("ldxw %r0, [%r1+4]", "61 10 04 00 00 00 00 00"),
    ("ldxb r9, [r0+0]", "71 09 00 00 00 00 00 00"),
    ("ldxdw %r0, [%r1]", "79 10 00 00 00 00 00 00"),
    ("ldxh %r0, [%r10 - 2]", "69 a0 fe ff 00 00 00 00"),
    ("ldxsb %r0, [%r1-2]", "91 10 fe ff 00 00 00 00"),
    ("ldxsw %r0, [%r1+8]", "81 10 08 00 00 00 00 00"),
    ("stw [%r1+2], 0x11", "62 01 02 00 11 00 00 00"),
    ("stdw [%r10-4], 0x44332211", "7a 0a fc ff 11 22 33 44"),
    ("stdw [%r10-8], 0xCCBBAA99", "7a 0a f8 ff 99 aa bb cc"),
    ("stxdw [%r10-8], %r1", "7b 1a f8 ff 00 00 00 00"),
    ("stxb [r10-1], r2", "73 2a ff ff 00 00 00 00"),
    ("lock add [%r10-8], %r1", "db 1a f8 ff 00 00 00 00"),
    ("lock add32 [%r10-8], %r1", "c3 1a f8 ff 00 00 00 00"),
    ("lock fetch add32 [r10-8], r1", "c3 1a f8 ff 01 00 00 00"),
    ("lock fetch xor [%r1], %r2", "db 21 00 00 a1 00 00 00"),
    ("lock or [%r1], %r2", "db 21 00 00 40 00 00 00"),
    ("lock and32 [%r1], %r2", "c3 21 00 00 50 00 00 00"),
    ("lock xchg [%r10-8], %r1", "db 1a f8 ff e1 00 00 00"),
    ("lock xchg32 [%r10-8], %r1", "c3 1a f8 ff e1 00 00 00"),
    ("lock cmpxchg [r10-8], r1", "db 1a f8 ff f1 00 00 00"),
    ("lock cmpxchg32 [%r10-8], %r1", "c3 1a f8 ff f1 00 00 00"),
    ("ldacqdw %r0, [%r1]", "db 10 00 00 00 01 00 00"),
    ("strelb [%r1+1], %r2", "d3 21 01 00 10 01 00 00"),
    ("ldabsw 4", "20 00 00 00 04 00 00 00"),
    ("ldindh %r1, 4", "48 10 00 00 04 00 00 00"),
    ("ja +1", "05 00 01 00 00 00 00 00"),
    ("ja -1", "05 00 ff ff 00 00 00 00"),
    ("ja32 +70000", "06 00 00 00 70 11 01 00"),
    ("gotol +70000", "06 00 00 00 70 11 01 00"),
    ("may_goto +2", "e5 00 02 00 00 00 00 00"),
    ("jeq %r1, 0x10, +3", "15 01 03 00 10 00 00 00"),
    ("jeq %r1, %r2, +3", "1d 21 03 00 00 00 00 00"),
    ("jeq32 %r1, 0x80000000, +1", "16 01 01 00 00 00 00 80"),
    ("jset %r1, 8, +1", "45 01 01 00 08 00 00 00"),
    ("jsle32 %r1, %r2, -1", "de 21 ff ff 00 00 00 00"),
    ("call 1", "85 00 00 00 01 00 00 00"),
    ("call helper 1", "85 00 00 00 01 00 00 00"),
    ("call bpf_map_lookup_elem", "85 00 00 00 01 00 00 00"),
    ("call local +3", "85 10 00 00 03 00 00 00"),
    ("call runtime 0x2a", "85 20 00 00 2a 00 00 00"),
    ("call %r2", "8d 02 00 00 00 00 00 00"),
    ("call helper %r2", "8d 02 00 00 00 00 00 00"),
    ("callx %r2", "8d 02 00 00 00 00 00 00"),
    ("exit", "95 00 00 00 00 00 00 00"),
    ("mov %r11, 1", "b7 0b 00 00 01 00 00 00"),  # bpf_conformance's registers for negative tests
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_spelling_assembles_to(text: str, expected: str) -> None:
    assert encode_program(assemble(text, "ubpf")).hex(" ") == expected


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_syntax_is_detected(text: str, expected: str) -> None:
    assert encode_program(assemble(text)).hex(" ") == expected


LOCAL_CALL = """\
# r1..r5 go to the callee, r6..r9 survive it
mov %r1, 1
mov %r2, 2
mov %r6, 6
stdw [%r10-8], 0x11223344
call local add_two
jne %r0, 3, fail
jne %r6, 6, fail
ldxdw %r7, [%r10-8]
jne %r7, 0x11223344, fail
mov %r0, 1
exit
fail:
mov %r0, -1
exit
add_two:  # r0 = r1 + r2
mov %r0, %r1
add %r0, %r2
mov %r6, 0
exit
"""

IMPLICIT_EXIT = """\
mov32 r0, 0
lddw r1, 0x100000001
jne32 r1, 1, exit     # exit names the first exit instruction
mov32 r0, 1
exit
mov32 r0, 2
exit
"""

MAPS = """\
mov r2, 1
lddw r1, map_by_fd(scores)
stxw [r10-4], r2
mov r2, r10
add r2, -4
call bpf_map_lookup_elem
jeq r0, 0, missing
ldxw r0, [r0]
exit
missing:
mov r0, 0
exit
"""


def test_local_call_program() -> None:
    program = assemble(LOCAL_CALL)
    validate_program(program)
    call = program[4]
    assert (call.opcode, call.src, call.imm) == (0x85, 1, 8)
    assert program[5].off == 5  # jne %r0, 3, fail


def test_implicit_exit_label() -> None:
    program = assemble(IMPLICIT_EXIT, "ubpf")
    assert program[2].off == 1  # to the first exit, after one mov
    validate_program(program)


def test_explicit_exit_label_wins() -> None:
    program = assemble("ja exit\nexit\nexit:\nexit", "ubpf")
    assert program[0].off == 1


def test_map_by_name() -> None:
    program = assemble(MAPS, maps={"scores": 42})
    assert program[1] == Instruction(0x18, dst=1, src=1, imm=42)
    assert program[6].off == 2


def test_jumps_across_lddw_count_slots() -> None:
    program = assemble("ja over\nlddw %r0, 1\nover:\nexit")
    assert program[0].off == 2


def test_blank_lines_and_whitespace() -> None:
    assert assemble("\n\n  mov %r0 ,  1  \n\n exit \n") == assemble("mov %r0, 1\nexit")


def _conformance_files() -> list[pathlib.Path]:
    root = os.environ.get("BPF_CONFORMANCE_TESTS")
    if not root:
        return []
    return sorted(pathlib.Path(root).glob("*.data"))


def _asm_section(text: str) -> tuple[str, dict[str, int]]:
    """The ``-- asm`` section (comments stripped as bpf_conformance does) and its maps, numbered."""
    section = None
    asm: list[str] = []
    maps: dict[str, int] = {}
    for raw in text.splitlines():
        if raw.startswith("--"):
            section = raw[2:].strip()
            continue
        line = raw.split("#", 1)[0]
        if section == "asm":
            asm.append(line)
        elif section == "map" and line.split():
            maps[line.split()[0]] = len(maps) + 1
    return "\n".join(asm), maps


@pytest.mark.parametrize("path", _conformance_files(), ids=lambda path: path.name)
def test_bpf_conformance_checkout(path: pathlib.Path) -> None:
    text, maps = _asm_section(path.read_text())
    if not re.search(r"\S", text):
        pytest.skip("no -- asm section (a -- raw test)")
    assert assemble(text, "ubpf", maps=maps)
