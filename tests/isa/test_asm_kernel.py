"""The kernel/LLVM assembly syntax: each spelling assembles to the bytes the kernel and LLVM use.

Expected encodings were checked against ``llvm-mc -triple bpfel -show-encoding`` where LLVM 14 knows
the instruction, and worked out from linux/bpf.h field by field where it does not (sdiv, movsx, ldsx,
gotol, bswap, may_goto, load-acquire/store-release, BPF_ST, pseudo sources).
"""

from __future__ import annotations

import pytest

from pybpf.errors import AsmError
from pybpf.isa.asm import assemble, detect_syntax
from pybpf.isa.disasm import disassemble
from pybpf.isa.instruction import Instruction, encode_program

CASES = [
    # ALU
    ("r0 = 1", "b7 00 00 00 01 00 00 00"),
    ("w1 += w2", "0c 21 00 00 00 00 00 00"),
    ("r1 = -r1", "87 01 00 00 00 00 00 00"),
    ("w1 = -w1", "84 01 00 00 00 00 00 00"),
    ("r0 = (s8)r1", "bf 10 08 00 00 00 00 00"),
    ("w0 = (s16)w1", "bc 10 10 00 00 00 00 00"),
    ("r3 = (s32)r4", "bf 43 20 00 00 00 00 00"),
    ("r0 = be16 r0", "dc 00 00 00 10 00 00 00"),
    ("r0 = le64 r0", "d4 00 00 00 40 00 00 00"),
    ("r0 = bswap32 r0", "d7 00 00 00 20 00 00 00"),
    ("r1 s/= r2", "3f 21 01 00 00 00 00 00"),
    ("r1 s%= 3", "97 01 01 00 03 00 00 00"),
    ("w1 s/= 3", "34 01 01 00 03 00 00 00"),
    ("r1 s>>= 3", "c7 01 00 00 03 00 00 00"),
    ("w1 s>>= w3", "cc 31 00 00 00 00 00 00"),
    ("r1 = 4294967295", "b7 01 00 00 ff ff ff ff"),
    ("w1 = -1", "b4 01 00 00 ff ff ff ff"),
    ("w3 /= 7", "34 03 00 00 07 00 00 00"),
    ("r2 <<= 63", "67 02 00 00 3f 00 00 00"),
    ("w2 >>= w1", "7c 12 00 00 00 00 00 00"),
    ("r2 ^= -1", "a7 02 00 00 ff ff ff ff"),
    ("r9 |= r10", "4f a9 00 00 00 00 00 00"),
    ("r9 &= 0xff", "57 09 00 00 ff 00 00 00"),
    ("r8 *= r0", "2f 08 00 00 00 00 00 00"),
    ("r3 %= r4", "9f 43 00 00 00 00 00 00"),
    ("r2 = r1", "bf 12 00 00 00 00 00 00"),
    ("w0 = w1", "bc 10 00 00 00 00 00 00"),
    # memory
    ("r0 = *(u32 *)(r1 + 4)", "61 10 04 00 00 00 00 00"),
    ("r0 = *(u64 *)(r1 - 2)", "79 10 fe ff 00 00 00 00"),
    ("w0 = *(u8 *)(r1 + 0)", "71 10 00 00 00 00 00 00"),
    ("r0 = *(s16 *)(r1 - 2)", "89 10 fe ff 00 00 00 00"),
    ("r0 = *(s32 *)(r1 + 8)", "81 10 08 00 00 00 00 00"),
    ("*(u32 *)(r10 - 4) = r1", "63 1a fc ff 00 00 00 00"),
    ("*(u32 *)(r10 - 4) = w1", "63 1a fc ff 00 00 00 00"),
    ("*(u8 *)(r10 - 1) = r1", "73 1a ff ff 00 00 00 00"),
    ("*(u64 *)(r10 - 8) = 7", "7a 0a f8 ff 07 00 00 00"),
    ("*(u16 *)(r1 + 2) = -1", "6a 01 02 00 ff ff ff ff"),
    ("r0 = *(u8 *)skb[1]", "30 00 00 00 01 00 00 00"),
    ("r0 = *(u16 *)skb[r1]", "48 10 00 00 00 00 00 00"),
    ("r0 = *(u32 *)skb[r1 + 4]", "40 10 00 00 04 00 00 00"),
    # jumps and calls
    ("if r1 s> 0x10 goto +3", "65 01 03 00 10 00 00 00"),
    ("if w1 == w2 goto -1", "1e 21 ff ff 00 00 00 00"),
    ("if w1 < 5 goto +1", "a6 01 01 00 05 00 00 00"),
    ("if r1 & r2 goto +0", "4d 21 00 00 00 00 00 00"),
    ("if r1 != 0xffffffff goto +1", "55 01 01 00 ff ff ff ff"),
    ("goto +2", "05 00 02 00 00 00 00 00"),
    ("gotol +70000", "06 00 00 00 70 11 01 00"),
    ("may_goto +2", "e5 00 02 00 00 00 00 00"),
    ("call 1", "85 00 00 00 01 00 00 00"),
    ("call bpf_map_lookup_elem", "85 00 00 00 01 00 00 00"),
    ("call bpf_trace_printk#6", "85 00 00 00 06 00 00 00"),
    ("call unknown#12345", "85 00 00 00 39 30 00 00"),
    ("call -1", "85 00 00 00 ff ff ff ff"),
    ("call pc+5", "85 10 00 00 05 00 00 00"),
    ("call pc-3", "85 10 00 00 fd ff ff ff"),
    ("call kfunc(123)", "85 20 00 00 7b 00 00 00"),
    ("call kfunc(123, 2)", "85 20 02 00 7b 00 00 00"),
    ("call kernel-function#123", "85 20 00 00 7b 00 00 00"),
    ("callx r5", "8d 05 00 00 00 00 00 00"),
    ("exit", "95 00 00 00 00 00 00 00"),
    # lddw
    ("r1 = 0x1122334455667788 ll", "18 01 00 00 88 77 66 55 00 00 00 00 44 33 22 11"),
    ("r1 = -1 ll", "18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff"),
    ("r1 = map_fd(3) ll", "18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00"),
    ("r1 = map_fd(3)", "18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00"),
    ("r1 = map_value(3, 16) ll", "18 21 00 00 03 00 00 00 00 00 00 00 10 00 00 00"),
    ("r1 = btf_id(123) ll", "18 31 00 00 7b 00 00 00 00 00 00 00 00 00 00 00"),
    ("r1 = btf_id(123, 4) ll", "18 31 00 00 7b 00 00 00 00 00 00 00 04 00 00 00"),
    ("r1 = func(+5) ll", "18 41 00 00 05 00 00 00 00 00 00 00 00 00 00 00"),
    ("r1 = map_idx(0) ll", "18 51 00 00 00 00 00 00 00 00 00 00 00 00 00 00"),
    ("r1 = map_idx_value(0, 8) ll", "18 61 00 00 00 00 00 00 00 00 00 00 08 00 00 00"),
    ("ld_pseudo r1, 1, 3", "18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00"),
    # atomics, LLVM spelling
    ("lock *(u64 *)(r10 - 8) += r1", "db 1a f8 ff 00 00 00 00"),
    ("lock *(u32 *)(r10 - 8) += w1", "c3 1a f8 ff 00 00 00 00"),
    ("lock *(u64 *)(r10 - 8) |= r1", "db 1a f8 ff 40 00 00 00"),
    ("lock *(u64 *)(r10 - 8) &= r1", "db 1a f8 ff 50 00 00 00"),
    ("lock *(u64 *)(r10 - 8) ^= r1", "db 1a f8 ff a0 00 00 00"),
    ("r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)", "db 0a f8 ff 01 00 00 00"),
    ("w0 = atomic_fetch_or((u32 *)(r1 + 0), w0)", "c3 01 00 00 41 00 00 00"),
    ("r2 = atomic_fetch_xor((u64 *)(r1 + 0), r2)", "db 21 00 00 a1 00 00 00"),
    ("r0 = xchg_64(r10 - 8, r0)", "db 0a f8 ff e1 00 00 00"),
    ("w0 = xchg32_32(r10 - 4, w0)", "c3 0a fc ff e1 00 00 00"),
    ("r0 = cmpxchg_64(r10 - 8, r0, r1)", "db 1a f8 ff f1 00 00 00"),
    ("w0 = cmpxchg32_32(r10 - 8, w0, w1)", "c3 1a f8 ff f1 00 00 00"),
    # atomics, verifier-log spelling
    ("r0 = atomic64_fetch_add((u64 *)(r10 -8), r0)", "db 0a f8 ff 01 00 00 00"),
    ("r0 = atomic_fetch_and((u32 *)(r1 +0), r0)", "c3 01 00 00 51 00 00 00"),
    ("r3 = atomic64_xchg((u64 *)(r1 +16), r3)", "db 31 10 00 e1 00 00 00"),
    ("r3 = atomic_xchg((u32 *)(r1 +16), r3)", "c3 31 10 00 e1 00 00 00"),
    ("r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)", "db 21 00 00 f1 00 00 00"),
    ("lock *(u32 *)(r10 -8) += r1", "c3 1a f8 ff 00 00 00 00"),
    # load-acquire / store-release
    ("r0 = load_acquire((u64 *)(r1 + 0))", "db 10 00 00 00 01 00 00"),
    ("w0 = load_acquire((u8 *)(r1 + 2))", "d3 10 02 00 00 01 00 00"),
    ("store_release((u32 *)(r1 + 0), w2)", "c3 21 00 00 10 01 00 00"),
    ("store_release((u64 *)(r1 - 8), r2)", "db 21 f8 ff 10 01 00 00"),
    # raw
    (".insn 0xff, 1, 2, -3, 4", "ff 21 fd ff 04 00 00 00"),
    (".insn 0x18, 1, 7, 0, 1, 2", "18 71 00 00 01 00 00 00 00 00 00 00 02 00 00 00"),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_spelling_assembles_to(text: str, expected: str) -> None:
    assert encode_program(assemble(text, "kernel")).hex(" ") == expected


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[text for text, _ in CASES])
def test_syntax_is_detected(text: str, expected: str) -> None:
    assert encode_program(assemble(text)).hex(" ") == expected


def test_whitespace_does_not_matter() -> None:
    spaced = assemble("r0 = *(u32 *)(r10 - 4)\nif r1 s>= r2 goto +1\nr1 s>>= 3")
    tight = assemble("r0=*(u32*)(r10-4)\nif r1 s>=r2 goto+1\n  \tr1 s>>=3  ")
    assert spaced == tight


def test_comments_blank_lines_and_labels() -> None:
    program = assemble(
        """
        ; a comment
        // another comment
        # and another
        start:  r0 = 0          ; trailing comment
                if r1 > r2 goto done   # trailing comment
        loop:   r0 += 1         // trailing comment

                if r0 < 10 goto loop
        done:   exit
        """
    )
    assert disassemble(program).splitlines() == [
        "r0 = 0",
        "if r1 > r2 goto +2",
        "r0 += 1",
        "if r0 < 10 goto -2",
        "exit",
    ]


def test_jumps_count_slots_across_lddw() -> None:
    program = assemble("goto end\nr1 = 0x100000000 ll\nend: exit")
    assert program[0].off == 2  # the lddw takes two slots


def test_label_on_its_own_line_and_several_labels() -> None:
    program = assemble("a:\nb: c: r0 = 0\ngoto a\ngoto c")
    assert [insn.off for insn in program[1:]] == [-2, -3]


def test_local_call_to_label_and_func_pseudo_source() -> None:
    program = assemble("call sub\nr1 = func(sub) ll\nexit\nsub: r0 = 1\nexit")
    assert program[0] == Instruction(0x85, src=1, imm=3)
    assert program[1] == Instruction(0x18, dst=1, src=4, imm=2)


def test_helper_name_wins_over_label() -> None:
    assert assemble("call bpf_ktime_get_ns")[0] == Instruction(0x85, imm=5)


def test_map_names_come_from_maps() -> None:
    program = assemble("r1 = map_fd(counters) ll\nr2 = map_value(counters, 8) ll", maps={"counters": 7})
    assert [(insn.src, insn.imm, insn.imm_hi) for insn in program] == [(1, 7, 0), (2, 7, 8)]


def test_verifier_log_lines() -> None:
    log = """
    0: (b7) r0 = 0                        ; R0_w=0
    1: (63) *(u32 *)(r10 -4) = r0         ; R0_w=0 R10=fp0 fp-8=0000????
    2: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0
    3: (07) r2 += -4                      ; R2_w=fp-4
    4: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1)
    5: (15) if r0 == 0x0 goto pc+1        ; R0=map_value(map=m,ks=4,vs=8)
    6: (79) r0 = *(u64 *)(r0 +0)
    7: (95) exit
    """
    program = assemble(log)
    assert disassemble(program, show_slots=True).splitlines() == [
        "   0: r0 = 0",
        "   1: *(u32 *)(r10 - 4) = r0",
        "   2: r2 = r10",
        "   3: r2 += -4",
        "   4: call bpf_map_lookup_elem#1",
        "   5: if r0 == 0 goto +1",
        "   6: r0 = *(u64 *)(r0 + 0)",
        "   7: exit",
    ]


def test_llvm_objdump_lines() -> None:
    listing = """
           0:	b7 00 00 00 01 00 00 00	r0 = 1
           1:	18 01 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff	r1 = -1 ll
           3:	95 00 00 00 00 00 00 00	exit
    """
    assert encode_program(assemble(listing)).hex() == (
        "b70000000100000018010000ffffffff00000000ffffffff9500000000000000"
    )


def test_disassembly_with_labels() -> None:
    program = assemble("r0 = 0\nloop: r0 += 1\nif r0 < 3 goto loop\ncall sub\nexit\nsub: exit")
    assert disassemble(program, labels=True).splitlines() == [
        "r0 = 0",
        "L1:",
        "r0 += 1",
        "if r0 < 3 goto L1",
        "call fn5",
        "exit",
        "fn5:",
        "exit",
    ]


def test_str_of_an_instruction_is_kernel_syntax() -> None:
    assert str(Instruction(0x07, dst=1, imm=-4)) == "r1 += -4"
    assert str(Instruction(0x85, imm=12)) == "call bpf_tail_call#12"


def test_invalid_instructions_print_raw() -> None:
    assert str(Instruction(0xB7, dst=11, imm=1)) == ".insn 0xb7, 11, 0, 0, 1"
    assert str(Instruction(0x07, src=3, imm=1)) == ".insn 0x07, 0, 3, 0, 1"


def test_verifier_log_spellings_of_calls_and_packet_loads() -> None:
    program = assemble(
        """
        (85) call bpf_obj_new_impl#67890
        (85) call unknown#195
        (50) r0 = *(u8 *)skb[r1 + -4]
        (40) r0 = *(u32 *)skb[r2 + 0]
        """
    )
    assert program == [
        Instruction(0x85, src=2, imm=67890),
        Instruction(0x85, imm=195),
        Instruction(0x50, src=1, imm=-4),
        Instruction(0x40, src=2),
    ]


def test_a_64_bit_value_without_ll_says_how_to_write_it() -> None:
    with pytest.raises(AsmError, match=r"written 'r1 = 0x1122334455667788 ll'"):
        assemble("r1 = 0x1122334455667788")


def test_syntax_detection() -> None:
    assert detect_syntax("exit") == "kernel"  # reads the same in both
    assert detect_syntax("start:\n  exit\n  r0 = 0") == "kernel"
    assert detect_syntax("# comment\n\nexit\nmov r0, 1") == "ubpf"
    assert detect_syntax("callx %r1") == "ubpf"
    assert detect_syntax("lock add [r1], r2") == "ubpf"
    assert detect_syntax("lock *(u64 *)(r1 + 0) += r2") == "kernel"
    assert detect_syntax("call local f\nf: exit") == "ubpf"
    assert detect_syntax("call pc+0\nexit") == "kernel"


def test_mixed_syntaxes_fail_on_the_first_line_of_the_other_one() -> None:
    with pytest.raises(AsmError, match="unknown instruction 'mov'") as caught:
        assemble("r0 = 0\nmov r0, 1")
    assert caught.value.line == 2


def test_empty_text_is_an_empty_program() -> None:
    assert assemble("") == []
    assert assemble("; nothing\n\n") == []
    assert disassemble([]) == ""


def test_labels_for_targets_outside_the_program() -> None:
    program = [Instruction(0x05, off=2), Instruction(0x05, off=5), Instruction(0x05, off=-1)]
    text = disassemble(program, labels=True)
    assert text.splitlines() == ["goto L3", "goto +5", "L2:", "goto L2", "L3:"]
    assert assemble(text) == program
