"""The uBPF / bpf_conformance assembly syntax: parse one statement, format one instruction.

A mnemonic followed by comma-separated operands, as iovisor/ubpf and Alan-Jowett/bpf_conformance
write their tests (the ``-- asm`` sections of ``tests/*.data``)::

    mov %r0, 1        mov32 %r0, 1      add %r0, %r1      neg %r0       sdiv32 %r0, 3
    be16 %r0          le32 %r0          bswap64 %r0       movsx1632 %r0, %r1
    lddw %r0, 0x123456789             ldxw %r0, [%r1+4]   ldxsb %r0, [%r1-2]
    stw [%r1+2], 0x11                 stxdw [%r10-8], %r1
    lock add [%r10-8], %r1            lock fetch add32 [%r10-8], %r1
    lock xchg [%r10-8], %r1           lock cmpxchg32 [%r10-8], %r1
    ja +1   ja label   ja32 +70000    jeq %r1, 0x10, +3    jne32 %r1, %r2, label
    call 1   call helper 1   call bpf_map_lookup_elem   call local func   call runtime 42
    call %r2   callx %r2   exit

Registers are written ``%rN`` or ``rN``; like bpf_conformance's assembler, ``%r11``..``%r15`` are
accepted (its negative tests use them; ``validate`` refuses them), ``%r16`` is an error.  Mnemonics are
the opcode table's (``opcodes.OpSpec.mnemonic``) plus the spellings bpf_conformance uses:
``<alu op>64`` for the 64-bit ALU (``movsx864``, ``movsx1664``, ``movsx3264``), ``swapNN`` for
``bswapNN``, ``ja32`` for ``gotol``.  A jump to ``exit`` that no label ``exit:`` claims goes to the first
``exit`` instruction, as in bpf_conformance.  Extensions with no bpf_conformance spelling keep the
table's mnemonics: ``may_goto +2``, ``ldabsw 4``, ``ldindw %r1, 4``, ``ldacqdw %r0, [%r1]``,
``streldw [%r1], %r2``, and lddw pseudo sources use the notation of ``asm_common``
(``lddw %r1, map_fd(3)``; bpf_conformance's ``map_by_fd(name)`` too).
"""

from __future__ import annotations

import re

from pybpf.isa import opcodes
from pybpf.isa.asm_common import (
    Statement,
    Target,
    at_pseudo,
    build,
    format_offset,
    format_pseudo,
    off16,
    read_imm32,
    read_imm64,
    read_pseudo,
    read_target,
    unknown_helper,
)
from pybpf.isa.asm_lexer import Token, TokenKind, TokenStream, describe
from pybpf.isa.helper_names import helper_id
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind, OpSpec

# Operands of each kind of instruction, in order: dst / src registers, "value" (src register or
# immediate), imm, imm64 (lddw), mem_src / mem_dst ([reg+off]), target (jump or call target).
_OPERANDS: dict[Kind, tuple[str, ...]] = {
    Kind.ALU: ("dst", "value"),
    Kind.NEG: ("dst",),
    Kind.MOVSX: ("dst", "src"),
    Kind.END: ("dst",),
    Kind.JA: ("target",),
    Kind.GOTOL: ("target",),
    Kind.MAY_GOTO: ("target",),
    Kind.JCOND: ("dst", "value", "target"),
    Kind.CALL: ("imm",),
    Kind.CALL_LOCAL: ("target",),
    Kind.CALL_KFUNC: ("imm",),
    Kind.CALLX: ("dst",),
    Kind.EXIT: (),
    Kind.NOSPEC: (),
    Kind.LDDW: ("dst", "imm64"),
    Kind.LD_ABS: ("imm",),
    Kind.LD_IND: ("src", "imm"),
    Kind.LDX: ("dst", "mem_src"),
    Kind.LDXSX: ("dst", "mem_src"),
    Kind.LOAD_ACQ: ("dst", "mem_src"),
    Kind.ST: ("mem_dst", "imm"),
    Kind.STX: ("mem_dst", "src"),
    Kind.STORE_REL: ("mem_dst", "src"),
    Kind.ATOMIC: ("mem_dst", "src"),
}
# The field a jump or call target fills.
_TARGET_FIELD = {
    Kind.JA: "off",
    Kind.MAY_GOTO: "off",
    Kind.JCOND: "off",
    Kind.GOTOL: "imm",
    Kind.CALL_LOCAL: "imm",
}

_MNEMONICS: dict[str, dict[bool, OpSpec]] = {}
"""mnemonic -> {uses a source register: spec}"""
for (_name, _reg), _spec in opcodes.BY_MNEMONIC.items():
    _MNEMONICS.setdefault(_name, {})[_reg] = _spec

_PRINTED: dict[OpSpec, str] = {}
"""Specs printed under another name than their table mnemonic (bpf_conformance spellings)."""
_ALIASES: dict[str, str] = {"gotol": "gotol", "ja32": "gotol"}
for _spec in opcodes.OPCODES:
    if _spec.kind in (Kind.ALU, Kind.NEG, Kind.MOVSX) and _spec.alu64:
        _ALIASES[_spec.mnemonic + "64"] = _spec.mnemonic
        if _spec.kind is Kind.MOVSX:
            _PRINTED[_spec] = _spec.mnemonic + "64"
    elif _spec.kind is Kind.END and _spec.op == "bswap":
        _ALIASES["swap" + str(_spec.width)] = _spec.mnemonic
    elif _spec.kind is Kind.GOTOL:
        _PRINTED[_spec] = "ja32"

_REGISTER_RE = re.compile(r"%?r([0-9]+)$")
_CALL_MODES = ("helper", "local", "runtime")


# == parsing ====================================================================================
def _is_register(token: Token | None) -> bool:
    return token is not None and token.kind is TokenKind.IDENT and _REGISTER_RE.match(token.text) is not None


def _read_reg(stream: TokenStream, what: str = "a register") -> int:
    token = stream.peek()
    match = _REGISTER_RE.match(token.text) if token is not None and token.is_ident() else None
    if token is None or match is None:
        raise stream.error(f"expected {what} (%r0..%r10), found {describe(token)}", token)
    num = int(match.group(1))
    if num > 15 or match.group(1) != str(num):
        raise stream.error(f"bad register {token.text!r}: registers are %r0..%r10", token)
    stream.next()
    return num


def _read_memory(stream: TokenStream) -> tuple[int, int]:
    """``[%r1+4]`` / ``[%r10 - 8]`` / ``[%r1]``: register and offset."""
    stream.expect_punct("[")
    reg = _read_reg(stream, "a base register")
    off = 0
    if stream.at_punct("+") or stream.at_punct("-"):
        value, token = stream.signed_number("an offset")
        off = off16(stream, value, token)
    stream.expect_punct("]")
    return reg, off


def _read_mnemonic(stream: TokenStream) -> tuple[str, Token]:
    """The mnemonic; the atomic ones are several words (``lock fetch add32``)."""
    token = stream.expect_ident(what="a mnemonic")
    if token.text != "lock":
        return _ALIASES.get(token.text, token.text), token
    words = ["lock"]
    if stream.accept_ident("fetch"):
        words.append("fetch")
    op = stream.expect_ident(what="an atomic operation (add, or, and, xor, xchg, cmpxchg)")
    words.append(op.text)
    return " ".join(words), op


def parse_statement(stream: TokenStream) -> Statement:
    """One uBPF-syntax statement (labels and comments already removed)."""
    name, token = _read_mnemonic(stream)
    if name == "call":
        statement = _call(stream)
    else:
        candidates = _MNEMONICS.get(name)
        if candidates is None:
            raise stream.error(f"unknown mnemonic {token.text!r}", token)
        statement = _operands(stream, candidates)
    stream.expect_end()
    return statement


def _operands(stream: TokenStream, candidates: dict[bool, OpSpec]) -> Statement:
    kind = next(iter(candidates.values())).kind
    fields = {"dst": 0, "src": 0, "off": 0, "imm": 0}
    uses_reg = True in candidates and False not in candidates
    target: Target | None = None
    for index, operand in enumerate(_OPERANDS[kind]):
        if index:
            stream.expect_punct(",")
        if operand in ("dst", "src"):
            fields[operand] = _read_reg(stream)
        elif operand == "value":
            uses_reg = _is_register(stream.peek())
            if uses_reg:
                fields["src"] = _read_reg(stream)
            else:
                fields["imm"] = read_imm32(stream)
        elif operand == "imm":
            fields["imm"] = read_imm32(stream)
        elif operand == "imm64":
            if at_pseudo(stream):
                return read_pseudo(stream, fields["dst"])
            return Statement(Instruction.lddw(fields["dst"], read_imm64(stream)))
        elif operand == "mem_src":
            fields["src"], fields["off"] = _read_memory(stream)
        elif operand == "mem_dst":
            fields["dst"], fields["off"] = _read_memory(stream)
        else:
            field = _TARGET_FIELD[kind]
            fields[field], target = read_target(stream, field, allow_pc=False)
    spec = candidates.get(uses_reg)
    if spec is None:
        raise stream.error(
            f"{next(iter(candidates.values())).mnemonic} takes "
            f"{'a register' if not uses_reg else 'an immediate'} here"
        )
    if kind is Kind.CALL_KFUNC and stream.accept_punct(","):
        value, token = stream.signed_number("a BTF fd index")
        fields["off"] = off16(stream, value, token, "BTF fd index")
    return Statement(build(spec, **fields), target)


def _call(stream: TokenStream) -> Statement:
    """``call N``, ``call helper N|name|%rN``, ``call local T``, ``call runtime N``, ``call name``."""
    mode: str | None = None
    first = stream.peek()
    if first is not None and first.is_ident() and first.text in _CALL_MODES:
        mode = stream.next().text
    if mode == "local":
        return _operands(stream, _MNEMONICS["call local"])
    if mode == "runtime":
        return _operands(stream, _MNEMONICS["call kfunc"])
    token = stream.peek()
    if _is_register(token):
        return _operands(stream, _MNEMONICS["callx"])
    if token is not None and token.kind is TokenKind.IDENT:
        stream.next()
        known = helper_id(token.text)
        if known is not None:
            return Statement(build(opcodes.BY_MNEMONIC["call", False], imm=known))
        if mode == "helper":
            raise stream.error(unknown_helper(token.text), token)
        target = Target(token.text, "imm", token, maybe_helper=True)
        return Statement(build(opcodes.BY_MNEMONIC["call local", False]), target)
    return _operands(stream, _MNEMONICS["call"])


# == formatting =================================================================================
def _imm(value: int) -> str:
    """Small and negative immediates in decimal, others in hex (``0x80000000``)."""
    if -256 <= value <= 255:
        return str(value)
    return f"{value & 0xFFFFFFFF:#x}"


def _memory(reg: int, off: int) -> str:
    return f"[%r{reg}{off:+d}]" if off else f"[%r{reg}]"


def format_statement(insn: Instruction, spec: OpSpec, label: str | None = None) -> str:
    """``insn`` (which ``validate`` accepted as ``spec``) in uBPF syntax; ``label`` names its target."""
    kind = spec.kind
    if kind is Kind.CALL:
        return f"call {insn.imm}"
    if kind is Kind.CALL_LOCAL:
        return f"call local {label or format_offset(insn.imm)}"
    if kind is Kind.CALL_KFUNC:
        return f"call runtime {insn.imm}" + (f", {insn.off}" if insn.off else "")
    if kind is Kind.LDDW:
        value = f"{insn.imm64:#x}" if insn.src == 0 else format_pseudo(insn, label)
        return f"lddw %r{insn.dst}, {value}"
    operands = []
    for operand in _OPERANDS[kind]:
        if operand == "dst":
            operands.append(f"%r{insn.dst}")
        elif operand == "src":
            operands.append(f"%r{insn.src}")
        elif operand == "value":
            operands.append(f"%r{insn.src}" if spec.use_src_reg else _imm(insn.imm))
        elif operand == "imm":
            operands.append(_imm(insn.imm))
        elif operand == "mem_src":
            operands.append(_memory(insn.src, insn.off))
        elif operand == "mem_dst":
            operands.append(_memory(insn.dst, insn.off))
        else:
            operands.append(label or format_offset(getattr(insn, _TARGET_FIELD[kind])))
    name = _PRINTED.get(spec, spec.mnemonic)
    return f"{name} {', '.join(operands)}" if operands else name
