"""The kernel/LLVM assembly syntax: parse one statement, format one instruction.

This is the C-like syntax of LLVM's BPF backend (BPFInstrInfo.td, what llvm-objdump prints) and of the
kernel verifier log (kernel/bpf/disasm.c)::

    r0 = 1                      w1 += w2                    r1 = -r1
    r0 = (s8)r1                 r0 = be16 r0                r0 = bswap32 r0
    r1 s/= r2                   r1 s>>= 3                   r1 = 0x1122334455667788 ll
    r0 = *(u32 *)(r1 + 4)       r0 = *(s16 *)(r1 - 2)       *(u64 *)(r10 - 8) = 7
    if r1 s> 0x10 goto +3       goto +2    gotol +70000     may_goto +2
    call 1   call bpf_map_lookup_elem   call pc+5   call <label>   callx r5   exit
    lock *(u64 *)(r10 - 8) += r1
    r0 = atomic_fetch_add((u64 *)(r10 - 8), r0)      r0 = xchg_64(r10 - 8, r0)
    r0 = cmpxchg_64(r10 - 8, r0, r1)                  r0 = load_acquire((u64 *)(r1 + 0))
    store_release((u32 *)(r1 + 0), w2)

The verifier log's spellings are read too: ``goto pc+3``, ``(r10 -8)``, ``call bpf_map_lookup_elem#1``,
``call kernel-function#7``, ``atomic64_fetch_add``, ``atomic_xchg``, ``atomic64_cmpxchg``, ``r``
registers on 32-bit atomics.  So is llvm-objdump's ``ld_pseudo r1, 1, 3``.  ``w`` registers select the
32-bit ALU/JMP32 classes.  lddw pseudo sources use the notation of ``asm_common`` (``r1 = map_fd(3) ll``);
kfunc calls are written ``call kfunc(ID)`` (``call kfunc(ID, OFF)`` with a module BTF fd index).

The formatter prints what llvm-objdump prints (``goto +2``, decimal immediates), with the verifier log's
``call bpf_map_lookup_elem#1`` for known helpers and ``call pc+5`` for local calls, and 64-bit
immediates in hex.  ``callx`` takes its register in ``dst`` (GCC, LLVM >= 19, bpf_conformance; LLVM 14
put it in ``imm``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pybpf.isa import opcodes
from pybpf.isa.asm_common import (
    IMM32,
    IMM64,
    Statement,
    Target,
    at_pseudo,
    build,
    format_offset,
    format_pseudo,
    imm32,
    imm64,
    off16,
    read_imm32,
    read_pseudo,
    read_target,
)
from pybpf.isa.asm_lexer import Token, TokenKind, TokenStream, describe
from pybpf.isa.helper_names import helper_id, helper_name
from pybpf.isa.instruction import LDDW_OPCODE, Instruction
from pybpf.isa.opcodes import Kind, OpSpec

# -- the table, indexed by the shapes this syntax spells ---------------------------------------
_ALU: dict[tuple[str, bool, bool], OpSpec] = {}  # (op, alu64, use_src_reg)
_JCOND: dict[tuple[str, bool, bool], OpSpec] = {}  # (op, jmp64, use_src_reg)
_MEM: dict[tuple[Kind, int], OpSpec] = {}  # (kind, size) for loads, stores, acquire/release
_ATOMIC: dict[tuple[str, bool, int], OpSpec] = {}  # (op, fetch, size)
_SINGLE: dict[tuple[Kind, bool], OpSpec] = {}  # NEG by width; JA, GOTOL, MAY_GOTO, calls, EXIT, LDDW
_MOVSX: dict[tuple[int, bool], OpSpec] = {}  # (width, alu64)
_END: dict[tuple[str, int], OpSpec] = {}  # (le | be | bswap, width)
for _spec in opcodes.OPCODES:
    if _spec.kind is Kind.ALU:
        _ALU[_spec.op, _spec.alu64, _spec.use_src_reg] = _spec
    elif _spec.kind is Kind.JCOND:
        _JCOND[_spec.op, _spec.alu64, _spec.use_src_reg] = _spec
    elif _spec.kind in (
        Kind.LDX,
        Kind.LDXSX,
        Kind.ST,
        Kind.STX,
        Kind.LD_ABS,
        Kind.LD_IND,
        Kind.LOAD_ACQ,
        Kind.STORE_REL,
    ):
        _MEM[_spec.kind, _spec.size] = _spec
    elif _spec.kind is Kind.ATOMIC:
        _ATOMIC[_spec.op, _spec.fetch, _spec.size] = _spec
    elif _spec.kind is Kind.MOVSX:
        _MOVSX[_spec.width, _spec.alu64] = _spec
    elif _spec.kind is Kind.END:
        _END[_spec.op, _spec.width] = _spec
    else:
        _SINGLE[_spec.kind, _spec.alu64] = _spec

_ALU_BY_OPERATOR = {text: op for op, text in opcodes.ALU_OPERATOR.items() if op != "mov"}
_JMP_BY_OPERATOR = {text: op for op, text in opcodes.JMP_OPERATOR.items()}
_ATOMIC_BY_OPERATOR = {text: op for op, text in opcodes.ATOMIC_OPERATOR.items()}
_SIZES = {8: 1, 16: 2, 32: 4, 64: 8}  # bits -> bytes
_END_NAME_RE = re.compile(r"(le|be|bswap)(16|32|64)$")
_REGISTER_RE = re.compile(r"([rw])([0-9]+)$")
_CAST_RE = re.compile(r"([us])(8|16|32|64)$")
# Atomics written as calls on a cast pointer: name -> (op, fetch, the size it requires or 0 for any).
# LLVM spells them atomic_fetch_<op> for both widths, the verifier log atomic64_* for 64 bits.
_ATOMIC_CALLS: dict[str, tuple[str, bool, int]] = {}
for _op in opcodes.ATOMIC_OPS:
    _ATOMIC_CALLS[f"atomic_fetch_{_op}"] = (_op, True, 0)
    _ATOMIC_CALLS[f"atomic64_fetch_{_op}"] = (_op, True, 8)
for _op in ("xchg", "cmpxchg"):
    _ATOMIC_CALLS[f"atomic_{_op}"] = (_op, True, 0)
    _ATOMIC_CALLS[f"atomic64_{_op}"] = (_op, True, 8)
_LLVM_EXCHANGES = {
    "xchg_64": ("xchg", 8),
    "xchg32_32": ("xchg", 4),
    "cmpxchg_64": ("cmpxchg", 8),
    "cmpxchg32_32": ("cmpxchg", 4),
}


# == parsing ====================================================================================
@dataclass(frozen=True, slots=True)
class _Reg:
    """A register operand: number, whether it was spelled ``w`` (32-bit), and its token."""

    num: int
    is32: bool
    token: Token


def _is_register(token: Token | None) -> bool:
    return token is not None and token.kind is TokenKind.IDENT and _REGISTER_RE.match(token.text) is not None


def _read_reg(stream: TokenStream, what: str = "a register") -> _Reg:
    token = stream.peek()
    match = _REGISTER_RE.match(token.text) if token is not None and token.is_ident() else None
    if token is None or match is None:
        raise stream.error(f"expected {what} (r0..r10 or w0..w10), found {describe(token)}", token)
    num = int(match.group(2))
    if num > 10 or match.group(2) != str(num):
        raise stream.error(f"bad register {token.text!r}: registers are r0..r10 (w0..w10 for 32 bits)", token)
    stream.next()
    return _Reg(num, match.group(1) == "w", token)


def _read_r(stream: TokenStream, what: str = "a 64-bit register") -> int:
    reg = _read_reg(stream, what)
    if reg.is32:
        raise stream.error(f"expected {what}, found {reg.token.text!r}", reg.token)
    return reg.num


def _read_value_reg(stream: TokenStream, size: int) -> _Reg:
    """A register holding a value of ``size`` bytes: ``w`` only allowed below 64 bits."""
    reg = _read_reg(stream)
    if reg.is32 and size == 8:
        raise stream.error(f"a 64-bit access needs an r register, found {reg.token.text!r}", reg.token)
    return reg


def _same_width(stream: TokenStream, dst: _Reg, src: _Reg) -> None:
    if dst.is32 != src.is32:
        raise stream.error(f"mixed register widths: {dst.token.text} and {src.token.text}", src.token)


def _read_address(stream: TokenStream, parenthesised: bool = True) -> tuple[int, int]:
    """``(r1 + 4)`` / ``(r10 -8)`` / ``(r1)`` (or without parentheses): base register and offset."""
    if parenthesised:
        stream.expect_punct("(")
    base = _read_r(stream, "a base register")
    off = 0
    sign = stream.peek()
    if sign is not None and sign.kind is TokenKind.PUNCT and sign.text in "+-":
        value, token = stream.signed_number("an offset")
        off = off16(stream, value, token)
    if parenthesised:
        stream.expect_punct(")")
    return base, off


def _read_cast(stream: TokenStream, pointer: bool = True) -> tuple[bool, int, Token]:
    """``(u32 *)`` / ``(s16 *)`` (``(s8)`` without ``pointer``): signedness, size in bytes, type token."""
    stream.expect_punct("(")
    token = stream.expect_ident(what="a type such as u32")
    match = _CAST_RE.match(token.text)
    if match is None:
        raise stream.error(f"expected a type u8, u16, u32, u64, s8, s16 or s32, found {token.text!r}", token)
    if pointer:
        stream.expect_punct("*")
    stream.expect_punct(")")
    return match.group(1) == "s", _SIZES[int(match.group(2))], token


def _read_operand(stream: TokenStream) -> tuple[_Reg | None, int]:
    """A register or a 32-bit immediate."""
    if _is_register(stream.peek()):
        return _read_reg(stream), 0
    return None, read_imm32(stream)


def parse_statement(stream: TokenStream) -> Statement:
    """One kernel-syntax statement (labels, comments and slot prefixes already removed)."""
    token = stream.peek()
    if token is not None and token.is_punct("*"):
        statement = _store(stream)
    elif token is not None and token.is_ident() and token.text in _KEYWORDS:
        stream.next()
        statement = _KEYWORDS[token.text](stream)
    elif _is_register(token):
        statement = _assignment(stream)
    else:
        raise stream.error(f"unknown instruction {describe(token)}", token)
    stream.expect_end()
    return statement


def _assignment(stream: TokenStream) -> Statement:
    dst = _read_reg(stream)
    op = stream.next("an assignment operator")
    if op.kind is TokenKind.PUNCT and op.text in _ALU_BY_OPERATOR:
        src, imm = _read_operand(stream)
        spec = _ALU[_ALU_BY_OPERATOR[op.text], not dst.is32, src is not None]
        if src is not None:
            _same_width(stream, dst, src)
            return Statement(build(spec, dst=dst.num, src=src.num))
        return Statement(build(spec, dst=dst.num, imm=imm))
    if not op.is_punct("="):
        raise stream.error(f"expected an assignment operator such as = or +=, found {describe(op)}", op)
    rhs = stream.peek()
    if rhs is None:
        raise stream.error("expected a value after '='")
    if rhs.is_punct("-") and _is_register(stream.peek(1)):
        stream.next()
        src = _read_reg(stream)
        _same_width(stream, dst, src)
        if src.num != dst.num:
            raise stream.error(
                f"negation works in place: write {dst.token.text} = -{dst.token.text}", src.token
            )
        return Statement(build(_SINGLE[Kind.NEG, not dst.is32], dst=dst.num))
    if rhs.is_punct("("):
        return _sign_extending_move(stream, dst)
    if rhs.is_punct("*"):
        return _load(stream, dst)
    if rhs.is_ident():
        if _END_NAME_RE.match(rhs.text):
            return _byte_swap(stream, dst)
        if rhs.text == "load_acquire":
            return _load_acquire(stream, dst)
        if rhs.text in _ATOMIC_CALLS or rhs.text in _LLVM_EXCHANGES:
            return _atomic_call(stream, dst)
        if at_pseudo(stream):
            if dst.is32:
                raise stream.error("a 64-bit load needs an r register", dst.token)
            statement = read_pseudo(stream, dst.num)
            stream.accept_ident("ll")
            return statement
        if _is_register(rhs):
            src = _read_reg(stream)
            _same_width(stream, dst, src)
            return Statement(build(_ALU["mov", not dst.is32, True], dst=dst.num, src=src.num))
        raise stream.error(f"unknown operand {describe(rhs)}", rhs)
    value, token = stream.signed_number("a value")
    if stream.accept_ident("ll"):
        if dst.is32:
            raise stream.error("a 64-bit immediate load needs an r register", dst.token)
        return Statement(Instruction.lddw(dst.num, imm64(stream, value, token)))
    if not IMM32[0] <= value <= IMM32[1] and IMM64[0] <= value <= IMM64[1]:
        raise stream.error(
            f"immediate {value} out of range for 32 bits (a 64-bit load is written "
            f"'{dst.token.text} = {value:#x} ll')",
            token,
        )
    imm = imm32(stream, value, token)
    return Statement(build(_ALU["mov", not dst.is32, False], dst=dst.num, imm=imm))


def _sign_extending_move(stream: TokenStream, dst: _Reg) -> Statement:
    signed, size, token = _read_cast(stream, pointer=False)
    width = size * 8
    spec = _MOVSX.get((width, not dst.is32))
    if not signed or spec is None:
        raise stream.error(f"no sign-extending move from ({token.text}) to {dst.token.text}", token)
    src = _read_reg(stream)
    _same_width(stream, dst, src)
    return Statement(build(spec, dst=dst.num, src=src.num))


def _byte_swap(stream: TokenStream, dst: _Reg) -> Statement:
    name = stream.next()
    match = _END_NAME_RE.match(name.text)
    assert match is not None
    src = _read_r(stream, "the register being converted")
    if dst.is32 or src != dst.num:
        raise stream.error(f"byte swaps work in place: write r{dst.num} = {name.text} r{dst.num}", name)
    return Statement(build(_END[match.group(1), int(match.group(2))], dst=dst.num))


def _load(stream: TokenStream, dst: _Reg) -> Statement:
    stream.expect_punct("*")
    signed, size, type_token = _read_cast(stream)
    if stream.accept_ident("skb"):
        if signed:
            raise stream.error("packet loads are unsigned", type_token)
        if size == 8:
            raise stream.error("packet loads read at most 32 bits", type_token)
        if dst.num != 0 or dst.is32:
            raise stream.error("packet loads always load into r0", dst.token)
        stream.expect_punct("[")
        if _is_register(stream.peek()):
            src = _read_r(stream, "an index register")
            imm = 0
            if stream.at_punct("+") or stream.at_punct("-"):
                imm = read_imm32(stream)
            stream.expect_punct("]")
            return Statement(build(_MEM[Kind.LD_IND, size], src=src, imm=imm))
        imm = read_imm32(stream, "packet offset")
        stream.expect_punct("]")
        return Statement(build(_MEM[Kind.LD_ABS, size], imm=imm))
    if dst.is32 and size == 8:
        raise stream.error("a 64-bit load needs an r register", dst.token)
    kind = Kind.LDXSX if signed else Kind.LDX
    spec = _MEM.get((kind, size))
    if spec is None:
        raise stream.error(f"no sign-extending load of ({type_token.text})", type_token)
    src, off = _read_address(stream)
    return Statement(build(spec, dst=dst.num, src=src, off=off))


def _store(stream: TokenStream) -> Statement:
    stream.expect_punct("*")
    signed, size, type_token = _read_cast(stream)
    if signed:
        raise stream.error("stores take unsigned types (u8, u16, u32, u64)", type_token)
    dst, off = _read_address(stream)
    stream.expect_punct("=")
    if _is_register(stream.peek()):
        src = _read_value_reg(stream, size)
        return Statement(build(_MEM[Kind.STX, size], dst=dst, src=src.num, off=off))
    return Statement(build(_MEM[Kind.ST, size], dst=dst, off=off, imm=read_imm32(stream)))


def _load_acquire(stream: TokenStream, dst: _Reg) -> Statement:
    stream.expect_ident("load_acquire")
    stream.expect_punct("(")
    signed, size, type_token = _read_cast(stream)
    if signed:
        raise stream.error("load_acquire takes an unsigned type", type_token)
    if dst.is32 and size == 8:
        raise stream.error("a 64-bit load needs an r register", dst.token)
    src, off = _read_address(stream)
    stream.expect_punct(")")
    return Statement(build(_MEM[Kind.LOAD_ACQ, size], dst=dst.num, src=src, off=off))


def _atomic_call(stream: TokenStream, dst: _Reg) -> Statement:
    """``rX = atomic_fetch_add((u64 *)(rA + o), rX)``, ``rX = xchg_64(rA + o, rX)``, cmpxchg forms."""
    name = stream.next()
    stream.expect_punct("(")
    if name.text in _LLVM_EXCHANGES:
        op, size = _LLVM_EXCHANGES[name.text]
        fetch = True
        base, off = _read_address(stream, parenthesised=False)
    else:
        op, fetch, required = _ATOMIC_CALLS[name.text]
        signed, size, type_token = _read_cast(stream)
        if signed or size not in (4, 8) or (required and size != required):
            raise stream.error(f"{name.text} needs ({'u64' if required else 'u32 or u64'} *)", type_token)
        base, off = _read_address(stream)
    stream.expect_punct(",")
    if op == "cmpxchg":
        expected = _read_value_reg(stream, size)
        if expected.num != 0 or dst.num != 0:
            raise stream.error("cmpxchg compares with and returns in r0", expected.token)
        stream.expect_punct(",")
    value = _read_value_reg(stream, size)
    stream.expect_punct(")")
    if op != "cmpxchg" and value.num != dst.num:
        raise stream.error(
            f"the old value is returned in the source register: write "
            f"{value.token.text} = {name.text}(..., {value.token.text})",
            dst.token,
        )
    if dst.is32 and size == 8:
        raise stream.error("a 64-bit atomic needs r registers", dst.token)
    return Statement(build(_ATOMIC[op, fetch, size], dst=base, src=value.num, off=off))


# -- statements introduced by a keyword --------------------------------------------------------
_Parser = Callable[[TokenStream], Statement]


def _exit(stream: TokenStream) -> Statement:
    return Statement(build(_SINGLE[Kind.EXIT, True]))


def _nospec(stream: TokenStream) -> Statement:
    return Statement(build(_SINGLE[Kind.NOSPEC, True]))


def _jump(kind: Kind, field: str) -> _Parser:
    def parse(stream: TokenStream) -> Statement:
        value, target = read_target(stream, field, allow_pc=True)
        spec = _SINGLE[kind, True]
        insn = build(spec, off=value) if field == "off" else build(spec, imm=value)
        return Statement(insn, target)

    return parse


def _conditional(stream: TokenStream) -> Statement:
    dst = _read_reg(stream)
    op = stream.next("a comparison operator")
    if op.kind is not TokenKind.PUNCT or op.text not in _JMP_BY_OPERATOR:
        raise stream.error(f"expected a comparison operator such as == or s>, found {describe(op)}", op)
    src, imm = _read_operand(stream)
    if src is not None:
        _same_width(stream, dst, src)
    stream.expect_ident("goto")
    off, target = read_target(stream, "off", allow_pc=True)
    spec = _JCOND[_JMP_BY_OPERATOR[op.text], not dst.is32, src is not None]
    insn = build(spec, dst=dst.num, src=src.num if src is not None else 0, off=off, imm=imm)
    return Statement(insn, target)


def _call(stream: TokenStream) -> Statement:
    token = stream.peek()
    if token is None:
        raise stream.error("expected a helper id, a helper name, pc+N or a label after call")
    if token.kind is TokenKind.NUMBER or (token.kind is TokenKind.PUNCT and token.text in "+-"):
        return Statement(build(_SINGLE[Kind.CALL, True], imm=read_imm32(stream, "helper id")))
    if token.is_ident("pc") and (stream.at_punct("+", 1) or stream.at_punct("-", 1)):
        imm, _ = read_target(stream, "imm", allow_pc=True)
        return Statement(build(_SINGLE[Kind.CALL_LOCAL, True], imm=imm))
    if token.is_ident("kfunc") and stream.at_punct("(", 1):
        stream.next()
        stream.expect_punct("(")
        imm = read_imm32(stream, "BTF id")
        off = 0
        if stream.accept_punct(","):
            value, first = stream.signed_number("a BTF fd index")
            off = off16(stream, value, first, "BTF fd index")
        stream.expect_punct(")")
        return Statement(build(_SINGLE[Kind.CALL_KFUNC, True], imm=imm, off=off))
    if token.is_ident("kernel") and stream.at_punct("-", 1) and stream.at_ident("function", 2):
        for _ in range(3):
            stream.next()
        stream.expect_punct("#")
        return Statement(build(_SINGLE[Kind.CALL_KFUNC, True], imm=read_imm32(stream, "BTF id")))
    name = stream.expect_ident(what="a helper id, a helper name, pc+N or a label")
    known = helper_id(name.text)
    if stream.accept_punct("#"):
        # The verifier log: "call bpf_map_lookup_elem#1", "call unknown#195" for helpers, and
        # "call <kfunc name>#<BTF id>" for kfuncs.
        value, first = stream.signed_number("a helper id")
        if known is None and name.text != "unknown":
            return Statement(build(_SINGLE[Kind.CALL_KFUNC, True], imm=imm32(stream, value, first, "BTF id")))
        if known is not None and known != value:
            raise stream.error(f"{name.text} is helper {known}, not {value}", first)
        known = imm32(stream, value, first, "helper id")
    if known is not None:
        return Statement(build(_SINGLE[Kind.CALL, True], imm=known))
    return Statement(build(_SINGLE[Kind.CALL_LOCAL, True]), Target(name.text, "imm", name, maybe_helper=True))


def _callx(stream: TokenStream) -> Statement:
    return Statement(build(_SINGLE[Kind.CALLX, True], dst=_read_r(stream, "the register holding the target")))


def _lock(stream: TokenStream) -> Statement:
    stream.expect_punct("*")
    signed, size, type_token = _read_cast(stream)
    if signed or size not in (4, 8):
        raise stream.error("atomic operations take (u32 *) or (u64 *)", type_token)
    dst, off = _read_address(stream)
    op = stream.next("an atomic operator (+=, |=, &=, ^=)")
    if op.kind is not TokenKind.PUNCT or op.text not in _ATOMIC_BY_OPERATOR:
        raise stream.error(f"expected an atomic operator (+=, |=, &=, ^=), found {describe(op)}", op)
    src = _read_value_reg(stream, size)
    return Statement(build(_ATOMIC[_ATOMIC_BY_OPERATOR[op.text], False, size], dst=dst, src=src.num, off=off))


def _store_release(stream: TokenStream) -> Statement:
    stream.expect_punct("(")
    signed, size, type_token = _read_cast(stream)
    if signed:
        raise stream.error("store_release takes an unsigned type", type_token)
    dst, off = _read_address(stream)
    stream.expect_punct(",")
    src = _read_value_reg(stream, size)
    stream.expect_punct(")")
    return Statement(build(_MEM[Kind.STORE_REL, size], dst=dst, src=src.num, off=off))


def _ld_pseudo(stream: TokenStream) -> Statement:
    """llvm-objdump's ``ld_pseudo r1, 1, 3``: lddw with a pseudo source and a 32-bit immediate."""
    dst = _read_r(stream)
    stream.expect_punct(",")
    value, token = stream.signed_number("a pseudo source number")
    if value not in opcodes.LDDW_PSEUDO_NAMES:
        raise stream.error(f"unknown lddw pseudo source {value}", token)
    stream.expect_punct(",")
    return Statement(Instruction(LDDW_OPCODE, dst, value, 0, read_imm32(stream)))


_KEYWORDS: dict[str, _Parser] = {
    "exit": _exit,
    "nospec": _nospec,
    "goto": _jump(Kind.JA, "off"),
    "gotol": _jump(Kind.GOTOL, "imm"),
    "may_goto": _jump(Kind.MAY_GOTO, "off"),
    "if": _conditional,
    "call": _call,
    "callx": _callx,
    "lock": _lock,
    "store_release": _store_release,
    "ld_pseudo": _ld_pseudo,
}


# == formatting =================================================================================
def _mem(reg: int, off: int) -> str:
    return f"r{reg} + {off}" if off >= 0 else f"r{reg} - {-off}"


def _ctype(spec: OpSpec, signed: bool = False) -> str:
    return f"{'s' if signed else 'u'}{spec.size * 8}"


def format_statement(insn: Instruction, spec: OpSpec, label: str | None = None) -> str:
    """``insn`` (which ``validate`` accepted as ``spec``) in kernel syntax.

    ``label`` names the branch target of a jump, local call or ``func`` lddw; without it the
    target is printed as a relative offset.
    """
    kind = spec.kind
    r = "r" if spec.alu64 else "w"
    dst, src = insn.dst, insn.src
    if kind is Kind.ALU:
        rhs = f"{r}{src}" if spec.use_src_reg else str(insn.imm)
        return f"{r}{dst} {opcodes.ALU_OPERATOR[spec.op]} {rhs}"
    if kind is Kind.NEG:
        return f"{r}{dst} = -{r}{dst}"
    if kind is Kind.MOVSX:
        return f"{r}{dst} = (s{spec.width}){r}{src}"
    if kind is Kind.END:
        return f"r{dst} = {spec.op}{spec.width} r{dst}"
    if kind is Kind.JA:
        return f"goto {label or format_offset(insn.off)}"
    if kind is Kind.GOTOL:
        return f"gotol {label or format_offset(insn.imm)}"
    if kind is Kind.MAY_GOTO:
        return f"may_goto {label or format_offset(insn.off)}"
    if kind is Kind.JCOND:
        rhs = f"{r}{src}" if spec.use_src_reg else str(insn.imm)
        return f"if {r}{dst} {opcodes.JMP_OPERATOR[spec.op]} {rhs} goto {label or format_offset(insn.off)}"
    if kind is Kind.CALL:
        name = helper_name(insn.imm)
        return f"call {name}#{insn.imm}" if name else f"call {insn.imm}"
    if kind is Kind.CALL_LOCAL:
        return f"call {label or 'pc' + format_offset(insn.imm)}"
    if kind is Kind.CALL_KFUNC:
        return f"call kfunc({insn.imm}, {insn.off})" if insn.off else f"call kfunc({insn.imm})"
    if kind is Kind.CALLX:
        return f"callx r{dst}"
    if kind is Kind.EXIT:
        return "exit"
    if kind is Kind.NOSPEC:
        return "nospec"
    if kind is Kind.LDDW:
        if insn.src == 0:
            return f"r{dst} = {insn.imm64:#x} ll"
        return f"r{dst} = {format_pseudo(insn, label)} ll"
    if kind is Kind.LD_ABS:
        return f"r0 = *({_ctype(spec)} *)skb[{insn.imm}]"
    if kind is Kind.LD_IND:
        index = f"r{src}" if insn.imm == 0 else f"r{src} {'+' if insn.imm > 0 else '-'} {abs(insn.imm)}"
        return f"r0 = *({_ctype(spec)} *)skb[{index}]"
    if kind in (Kind.LDX, Kind.LDXSX):
        return f"r{dst} = *({_ctype(spec, kind is Kind.LDXSX)} *)({_mem(src, insn.off)})"
    if kind is Kind.ST:
        return f"*({_ctype(spec)} *)({_mem(dst, insn.off)}) = {insn.imm}"
    if kind is Kind.STX:
        return f"*({_ctype(spec)} *)({_mem(dst, insn.off)}) = r{src}"
    if kind is Kind.LOAD_ACQ:
        v = "r" if spec.size == 8 else "w"
        return f"{v}{dst} = load_acquire(({_ctype(spec)} *)({_mem(src, insn.off)}))"
    if kind is Kind.STORE_REL:
        v = "r" if spec.size == 8 else "w"
        return f"store_release(({_ctype(spec)} *)({_mem(dst, insn.off)}), {v}{src})"
    assert kind is Kind.ATOMIC, kind
    v = "r" if spec.size == 8 else "w"
    address = f"({_ctype(spec)} *)({_mem(dst, insn.off)})"
    if spec.op == "xchg":
        name = "xchg_64" if spec.size == 8 else "xchg32_32"
        return f"{v}{src} = {name}({_mem(dst, insn.off)}, {v}{src})"
    if spec.op == "cmpxchg":
        name = "cmpxchg_64" if spec.size == 8 else "cmpxchg32_32"
        return f"{v}0 = {name}({_mem(dst, insn.off)}, {v}0, {v}{src})"
    if spec.fetch:
        return f"{v}{src} = atomic_fetch_{spec.op}({address}, {v}{src})"
    return f"lock *{address} {opcodes.ATOMIC_OPERATOR[spec.op]} {v}{src}"
