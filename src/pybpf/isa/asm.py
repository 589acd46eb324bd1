"""The eBPF assembler: text in either assembly syntax -> ``list[Instruction]``.

Two syntaxes are read (see their modules): the kernel/LLVM one that llvm-objdump and the kernel verifier
log print (``asm_kernel``) and the uBPF/bpf_conformance one (``asm_ubpf``).  ``syntax="auto"`` looks at
the program's lines and picks the first syntax a line is unambiguous about (``r0 = 1`` can only be
kernel syntax, ``mov %r0, 1`` only uBPF); a program with no such line (``exit`` alone) reads the same
either way.

Around the statements both syntaxes share the same lines:

* comments: ``; ...``, ``// ...``, ``# ...`` (``#`` at the start of a line or after whitespace);
* labels: ``name:`` before a statement or on a line of its own; jumps and calls name them;
* position prefixes, ignored: ``12:`` (our ``show_slots`` output, the verifier log), the verifier log's
  opcode ``(b7)``, and llvm-objdump's instruction bytes after the position;
* ``.insn CODE, DST, SRC, OFF, IMM[, IMM_HI]`` for raw fields (``asm_common``).

Jump offsets count 8-byte slots from the next instruction, as the kernel does (an lddw is two slots).
Every malformed input raises ``AsmError`` with the 1-based line and column; structural rules the kernel
checks when loading (jumps inside the program, reserved fields ...) are ``validate_program``'s job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from pybpf.errors import AsmError
from pybpf.isa import asm_kernel, asm_ubpf, opcodes
from pybpf.isa.asm_common import S16, S32, Statement, read_raw
from pybpf.isa.asm_lexer import Token, TokenKind, TokenStream, tokenize
from pybpf.isa.instruction import Instruction

SYNTAXES = ("auto", "kernel", "ubpf")

_PARSERS: dict[str, Callable[[TokenStream], Statement]] = {
    "kernel": asm_kernel.parse_statement,
    "ubpf": asm_ubpf.parse_statement,
}

# "  12:" then the verifier log's "(b7)" or llvm-objdump's 8 or 16 instruction bytes.
_POSITION_RE = re.compile(
    r"\s*[0-9]+\s*:(?:\s*\([0-9a-fA-F]{2}\)|(?:[ \t]+[0-9a-f]{2}){8}(?:(?:[ \t]+[0-9a-f]{2}){8})?(?=\s))?"
)
_OPCODE_PREFIX_RE = re.compile(r"\s*\([0-9a-fA-F]{2}\)(?=\s)")

# First words that only one syntax has.
_KERNEL_WORDS = frozenset({"if", "goto", "gotol", "store_release", "ld_pseudo"})
_SHARED_WORDS = frozenset({"exit", "nospec", "call", "callx", "lock", "may_goto", ".insn"})
_UBPF_WORDS = (
    frozenset(
        {spec.mnemonic.split()[0] for spec in opcodes.OPCODES}
        | {"ja32", "swap16", "swap32", "swap64"}
        | {
            spec.mnemonic + "64"
            for spec in opcodes.OPCODES
            if spec.kind in (opcodes.Kind.ALU, opcodes.Kind.NEG, opcodes.Kind.MOVSX) and spec.alu64
        }
    )
    - _SHARED_WORDS
    - _KERNEL_WORDS
)


@dataclass(frozen=True, slots=True)
class _Line:
    """A source line cut into its labels and the tokens of its statement."""

    lineno: int
    text: str
    labels: tuple[Token, ...]
    tokens: tuple[Token, ...]


def assemble(text: str, syntax: str = "auto", *, maps: Mapping[str, int] | None = None) -> list[Instruction]:
    """Assemble ``text`` written in ``syntax`` ("auto", "kernel" or "ubpf").

    ``maps`` gives the fd (or fd_array index) of maps that lddw pseudo sources name, as in
    ``r1 = map_fd(my_map) ll`` or bpf_conformance's ``lddw r1, map_by_fd(my_map)``.
    """
    if syntax not in SYNTAXES:
        raise ValueError(f"unknown assembly syntax {syntax!r}: expected one of {', '.join(SYNTAXES)}")
    lines = _split_lines(text)
    if syntax == "auto":
        syntax = _detect(lines)
    parse = _PARSERS[syntax]
    statements: list[tuple[Statement, _Line]] = []
    labels: dict[str, int] = {}
    label_tokens: dict[str, Token] = {}
    slot = 0
    first_exit: int | None = None
    for line in lines:
        for label in line.labels:
            if label.text in labels:
                previous = label_tokens[label.text]
                raise AsmError(
                    f"duplicate label {label.text!r} (first defined at column {previous.column} "
                    f"of an earlier line)",
                    line.lineno,
                    label.column,
                    line.text,
                )
            labels[label.text] = slot
            label_tokens[label.text] = label
        if not line.tokens:
            continue
        stream = TokenStream(line.tokens, line.lineno, line.text)
        if line.tokens[0].is_ident(".insn"):
            stream.next()
            statement = read_raw(stream)
            stream.expect_end()
        else:
            statement = parse(stream)
        if first_exit is None and statement.insn.opcode == opcodes.BPF_JMP | opcodes.JMP_OPS["exit"]:
            first_exit = slot
        statements.append((statement, line))
        slot += statement.insn.slots
    if syntax == "ubpf" and "exit" not in labels and first_exit is not None:
        labels["exit"] = first_exit  # bpf_conformance: "exit" names the first exit instruction
    return _resolve(statements, labels, maps or {})


def detect_syntax(text: str) -> str:
    """ "kernel" or "ubpf": the syntax ``assemble(text, "auto")`` reads ``text`` in."""
    return _detect(_split_lines(text))


# -- lines ---------------------------------------------------------------------------------------
def _split_lines(text: str) -> list[_Line]:
    lines = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = _blank_prefix(raw)
        tokens = tokenize(line, lineno)
        labels = []
        while len(tokens) >= 2 and tokens[0].kind is TokenKind.IDENT and tokens[1].is_punct(":"):
            if tokens[0].text.startswith("%"):
                raise AsmError(f"bad label name {tokens[0].text!r}", lineno, tokens[0].column, raw)
            labels.append(tokens[0])
            tokens = tokens[2:]
        lines.append(_Line(lineno, raw, tuple(labels), tuple(tokens)))
    return lines


def _blank_prefix(line: str) -> str:
    """``line`` with a position prefix replaced by spaces, so that columns stay those of the source."""
    match = _POSITION_RE.match(line) or _OPCODE_PREFIX_RE.match(line)
    if match is None:
        return line
    return " " * match.end() + line[match.end() :]


def _detect(lines: list[_Line]) -> str:
    for line in lines:
        if line.tokens:
            vote = _vote(line.tokens)
            if vote is not None:
                return vote
    return "kernel"


def _vote(tokens: tuple[Token, ...]) -> str | None:
    """The syntax a statement can only be written in, or None when it reads the same in both."""
    if any(t.kind is TokenKind.PUNCT and "=" in t.text for t in tokens) or tokens[0].is_punct("*"):
        return "kernel"
    if any(t.kind is TokenKind.IDENT and t.text.startswith("%") for t in tokens):
        return "ubpf"
    first = tokens[0]
    second = tokens[1] if len(tokens) > 1 else None
    if not first.is_ident():
        return None
    if first.text in _KERNEL_WORDS:
        return "kernel"
    if first.text in _UBPF_WORDS:
        return "ubpf"
    if first.text == "lock" and second is not None:
        return "kernel" if second.is_punct("*") else "ubpf"
    if first.text == "call" and second is not None and second.is_ident():
        if second.text in ("helper", "local", "runtime"):
            return "ubpf"
        if second.text in ("pc", "kfunc", "kernel"):
            return "kernel"
    return None


# -- labels and maps -----------------------------------------------------------------------------
def _resolve(
    statements: list[tuple[Statement, _Line]], labels: dict[str, int], maps: Mapping[str, int]
) -> list[Instruction]:
    program: list[Instruction] = []
    slot = 0
    for statement, line in statements:
        insn = statement.insn
        target = statement.target
        if target is not None:
            destination = labels.get(target.label)
            if destination is None:
                raise AsmError(target.unknown(labels), line.lineno, target.token.column, line.text)
            offset = destination - (slot + 1)
            lo, hi = S16 if target.field == "off" else S32
            if not lo <= offset <= hi:
                width = "16-bit offset" if target.field == "off" else "32-bit immediate"
                hint = " (gotol reaches further)" if target.field == "off" else ""
                raise AsmError(
                    f"label {target.label!r} is {offset} slots away, out of the {width} range "
                    f"{lo}..{hi}{hint}",
                    line.lineno,
                    target.token.column,
                    line.text,
                )
            insn = replace(insn, **{target.field: offset})
        map_ref = statement.map_ref
        if map_ref is not None:
            value = maps.get(map_ref.name)
            if value is None:
                raise AsmError(
                    f"unknown map {map_ref.name!r} (give its fd in maps=)",
                    line.lineno,
                    map_ref.token.column,
                    line.text,
                )
            if not S32[0] <= value <= S32[1]:
                raise AsmError(
                    f"map {map_ref.name!r} has fd {value}, out of the 32-bit range",
                    line.lineno,
                    map_ref.token.column,
                    line.text,
                )
            insn = replace(insn, imm=value)
        program.append(insn)
        slot += insn.slots
    return program
