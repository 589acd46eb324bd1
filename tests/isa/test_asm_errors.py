"""Malformed assembly: always ``AsmError``, with the 1-based line and column and a clear message."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pybpf.errors import AsmError
from pybpf.isa.asm import assemble

KERNEL_ERRORS = [
    # text, line, column, words the message contains
    ("r11 = 1", 1, 1, "bad register 'r11'"),
    ("r1 = r11", 1, 6, "bad register 'r11'"),
    ("r01 = 1", 1, 1, "bad register"),
    ("w1 += r2", 1, 7, "mixed register widths"),
    ("if r1 == w2 goto +1", 1, 10, "mixed register widths"),
    ("r1 = 0x100000000", 1, 6, "out of range for 32 bits"),
    ("r1 = -2147483649", 1, 6, "out of range for 32 bits"),
    ("r1 = 0x10000000000000000 ll", 1, 6, "out of range for 64 bits"),
    ("w1 = 1 ll", 1, 1, "needs an r register"),
    ("goto +40000", 1, 6, "out of range for the 16-bit offset"),
    ("r0 = *(u32 *)(r1 + 40000)", 1, 18, "out of range for the 16-bit offset"),
    ("frob r1", 1, 1, "unknown instruction 'frob'"),
    ("r0 = 1 2", 1, 8, "unexpected '2' after the operands"),
    ("exit now", 1, 6, "unexpected 'now'"),
    ("goto nowhere", 1, 6, "unknown label 'nowhere'"),
    (
        "call bpf_map_lookup_elm\nexit",
        1,
        6,
        "unknown helper 'bpf_map_lookup_elm' (did you mean bpf_map_lookup_elem,",
    ),
    (
        "call map_lookup_elem\nexit",
        1,
        6,
        "unknown helper 'map_lookup_elem' (did you mean bpf_map_lookup_elem?)",
    ),
    ("call nowhere\nexit", 1, 6, "unknown helper or label 'nowhere'"),
    ("call helpr\nexit\nhelper: exit", 1, 6, "unknown helper or label 'helpr' (did you mean helper?)"),
    ("a: exit\nb: exit\na: exit", 3, 1, "duplicate label 'a'"),
    ("r0 = 1\nif r1 ?? r2 goto +1", 2, 7, "unexpected character '?'"),
    ("r0 = 12abc", 1, 6, "malformed number '12abc'"),
    ("call", 1, 5, "expected a helper id"),
    ("r0 = ", 1, 5, "expected a value"),
    ("r1 = map_fd(counters) ll", 1, 13, "unknown map 'counters'"),
    ("r1 = map_value(3) ll", 1, 17, "takes two arguments"),
    ("r1 = -r2", 1, 7, "negation works in place"),
    ("r1 = be16 r2", 1, 6, "byte swaps work in place"),
    ("r0 = (s64)r1", 1, 7, "no sign-extending move"),
    ("r0 = *(s64 *)(r1 + 0)", 1, 8, "no sign-extending load"),
    ("r1 = *(u8 *)skb[0]", 1, 1, "packet loads always load into r0"),
    ("*(s32 *)(r1 + 0) = 1", 1, 3, "unsigned types"),
    ("*(u64 *)(r1 + 0) = w2", 1, 20, "needs an r register"),
    ("lock *(u16 *)(r1 + 0) += r2", 1, 8, "(u32 *) or (u64 *)"),
    ("lock *(u64 *)(r1 + 0) -= r2", 1, 23, "expected an atomic operator"),
    ("r1 = atomic_fetch_add((u64 *)(r10 - 8), r2)", 1, 1, "returned in the source register"),
    ("r1 = cmpxchg_64(r10 - 8, r0, r2)", 1, 26, "cmpxchg compares with and returns in r0"),
    ("r0 = atomic64_fetch_add((u32 *)(r10 - 8), r0)", 1, 26, "needs (u64 *)"),
    ("if r1 => r2 goto +1", 1, 7, "expected a comparison operator"),
    ("if r1 =! r2 goto +1", 1, 8, "unexpected character '!'"),
    ("if r1 == r2 +1", 1, 13, "expected 'goto'"),
    ("r1 <> r2", 1, 4, "expected an assignment operator"),
    ("call bpf_map_lookup_elem#2", 1, 26, "is helper 1, not 2"),
    (".insn 0x100, 0, 0, 0, 0", 1, 7, "opcode 256 out of range"),
    (".insn 0xb7, 16, 0, 0, 0", 1, 13, "dst register 16 out of range"),
    (".insn 0xb7, 0, 0, 0, 0, 1", 1, 25, "only lddw (0x18)"),
    ("%r1: exit", 1, 1, "bad label name"),
    ("ld_pseudo r1, 9, 3", 1, 15, "unknown lddw pseudo source 9"),
]

UBPF_ERRORS = [
    ("mov %r16, 1", 1, 5, "bad register '%r16'"),
    ("mov %w1, 1", 1, 5, "expected a register"),
    ("mov %r1", 1, 8, "expected ','"),
    ("mov %r0, 1, 2", 1, 11, "unexpected ','"),
    ("frob %r1", 1, 1, "unknown mnemonic 'frob'"),
    ("jeq %r1, 1, nowhere", 1, 13, "unknown label 'nowhere'"),
    (
        "call bpf_map_lookup_elm\nexit",
        1,
        6,
        "unknown helper 'bpf_map_lookup_elm' (did you mean bpf_map_lookup_elem,",
    ),
    ("ldxw %r0, [%r1+4", 1, 17, "expected ']'"),
    ("ldxw %r0, %r1", 1, 11, "expected '['"),
    ("lddw %r0, 0x1ffffffffffffffff", 1, 11, "out of range for 64 bits"),
    ("mov %r0, 0x100000000", 1, 10, "out of range for 32 bits"),
    ("ja +32768", 1, 4, "out of range for the 16-bit offset"),
    ("stxw [%r10-32769], %r1", 1, 11, "out of range for the 16-bit offset"),
    ("lock frob [%r1], %r2", 1, 6, "unknown mnemonic 'frob'"),
    ("lock", 1, 5, "expected an atomic operation"),
    ("call helper nowhere", 1, 13, "unknown helper 'nowhere'"),
    (
        "call helper bpf_map_lookup_elm",
        1,
        13,
        "unknown helper 'bpf_map_lookup_elm' (did you mean bpf_map_lookup_elem,",
    ),
    ("call helper trace_printk", 1, 13, "unknown helper 'trace_printk' (did you mean bpf_trace_printk"),
    ("call local", 1, 11, "expected a jump target"),
    ("lddw %r1, map_by_fd(array_map)", 1, 21, "unknown map 'array_map'"),
    ("exit\nexit:\nexit:", 3, 1, "duplicate label 'exit'"),
]


@pytest.mark.parametrize(
    ("text", "line", "column", "words"), KERNEL_ERRORS, ids=[case[0] for case in KERNEL_ERRORS]
)
def test_kernel_syntax_error(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(AsmError) as caught:
        assemble(text, "kernel")
    error = caught.value
    assert words in error.reason
    assert (error.line, error.column) == (line, column)
    assert error.source_line == text.splitlines()[line - 1]
    assert str(error).startswith(f"line {line}, column {column}: ")


@pytest.mark.parametrize(
    ("text", "line", "column", "words"), UBPF_ERRORS, ids=[case[0] for case in UBPF_ERRORS]
)
def test_ubpf_syntax_error(text: str, line: int, column: int, words: str) -> None:
    with pytest.raises(AsmError) as caught:
        assemble(text, "ubpf")
    error = caught.value
    assert words in error.reason
    assert (error.line, error.column) == (line, column)


MISSPELLED_HELPERS = [
    ("bpf_map_lookup_elm", "bpf_map_lookup_elem"),
    ("bpf_trace_prntk", "bpf_trace_printk"),
    ("bpf_ktime_get_nss", "bpf_ktime_get_ns"),
    ("get_prandom_u32", "bpf_get_prandom_u32"),
]
"""A helper name with a typo, and the name the message must offer first."""


@pytest.mark.parametrize(("typo", "meant"), MISSPELLED_HELPERS)
@pytest.mark.parametrize(
    ("syntax", "template"),
    [
        ("kernel", "call {}\nexit"),
        ("kernel", "call {}\nexit\nlabel: exit"),
        ("ubpf", "call {}\nexit"),
        ("ubpf", "call helper {}\nexit"),
        ("ubpf", "call helper {}\nexit\nlabel: exit"),
    ],
)
def test_misspelled_helper_names_the_nearest(syntax: str, template: str, typo: str, meant: str) -> None:
    """Every way of calling a helper by name says "unknown helper" with the nearest names first."""
    with pytest.raises(AsmError) as caught:
        assemble(template.format(typo), syntax)
    reason = caught.value.reason
    assert reason.startswith(f"unknown helper {typo!r} (did you mean {meant}"), reason
    assert "label" not in reason


def test_label_too_far_for_goto() -> None:
    text = "goto far\n" + "r0 = 0 ll\n" * 16384 + "far: exit\n"
    with pytest.raises(AsmError, match="out of the 16-bit offset range") as caught:
        assemble(text)
    assert (caught.value.line, caught.value.column) == (1, 6)
    assert assemble(text.replace("goto far", "gotol far"))[0].imm == 32768


def test_unknown_syntax_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown assembly syntax"):
        assemble("exit", "intel")


# Fragments of real statements of both syntaxes, shuffled: most such lines are nearly right.
_PIECES = [
    "r0",
    "r1",
    "w2",
    "r10",
    "r11",
    "%r1",
    "%r16",
    "=",
    "+=",
    "s>>=",
    "-",
    "+",
    "*",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "#",
    ";",
    "u32",
    "s8",
    "skb",
    "ll",
    "goto",
    "if",
    "==",
    "s<",
    "call",
    "pc",
    "exit",
    "lock",
    "mov",
    "lddw",
    "ldxw",
    "jeq",
    "ja",
    "0x10",
    "1",
    "-1",
    "99999999999999999999",
    "label",
    "map_fd",
    "func",
    "kfunc",
    "load_acquire",
    "store_release",
    "xchg_64",
    "atomic_fetch_add",
    ".insn",
    "helper",
    "local",
    "runtime",
    "fetch",
    "add32",
    "\t",
    " ",
    "bpf_map_lookup_elem",
    "be16",
    "(s8)",
    "0x",
]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_random_text_raises_only_asm_error(text: str) -> None:
    for syntax in ("auto", "kernel", "ubpf"):
        with contextlib.suppress(AsmError):
            assemble(text, syntax)


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(st.lists(st.sampled_from(_PIECES), max_size=10).map(" ".join), max_size=4))
def test_random_statements_raise_only_asm_error(lines: list[str]) -> None:
    text = "\n".join(lines)
    for syntax in ("auto", "kernel", "ubpf"):
        try:
            assemble(text, syntax)
        except AsmError as error:
            assert 1 <= error.line <= max(len(lines), 1)
            assert error.column >= 1
