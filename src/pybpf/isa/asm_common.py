"""Pieces both assembly syntaxes share: parsed statements, field ranges, lddw pseudo sources, ``.insn``.

A parser turns one line into a ``Statement``: an ``Instruction`` whose branch field may still wait for a
label (``Target``) and whose immediate may still wait for a map name (``MapRef``); ``asm.assemble``
resolves both once every label is known.

Field ranges follow ``struct bpf_insn``: ``off`` is s16; ``imm`` is s32 but, like LLVM and the kernel
log (``if r1 == 0xffffffff goto``), also accepts its unsigned spelling up to 2**32 - 1; the 64-bit
immediate of lddw accepts -2**63 .. 2**64 - 1.

lddw pseudo sources (``src_reg`` = BPF_PSEUDO_*, linux/bpf.h) have one notation in both syntaxes,
modelled on the kernel log's ``map[id:5]``: a function-like name whose first argument is ``imm`` and
whose second argument, when there is one, is the second slot's ``imm`` (``imm_hi``)::

    map_fd(3)            src 1  BPF_PSEUDO_MAP_FD         imm = map fd
    map_value(3, 16)     src 2  BPF_PSEUDO_MAP_VALUE      imm = map fd, imm_hi = offset into the value
    btf_id(123)          src 3  BPF_PSEUDO_BTF_ID         imm = BTF id (imm_hi = BTF object fd)
    func(+5) func(name)  src 4  BPF_PSEUDO_FUNC           imm = pc-relative offset of a subprogram
    map_idx(0)           src 5  BPF_PSEUDO_MAP_IDX        imm = index into fd_array
    map_idx_value(0, 8)  src 6  BPF_PSEUDO_MAP_IDX_VALUE  imm = index into fd_array, imm_hi = offset

The kernel syntax writes them ``r1 = map_fd(3) ll``, the uBPF one ``lddw %r1, map_fd(3)``.  The
bpf_conformance spellings ``map_by_fd(name)`` and ``map_by_idx(name)`` are accepted too; a map *name*
in place of the number is looked up in the ``maps`` given to ``assemble``.

``.insn CODE, DST, SRC, OFF, IMM[, IMM_HI]`` writes raw fields in either syntax; the disassembler
prints it for instructions the kernel would refuse, so that every decodable program round-trips.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from pybpf.isa import opcodes
from pybpf.isa.asm_lexer import Token, TokenKind, TokenStream
from pybpf.isa.helper_names import HELPER_IDS
from pybpf.isa.instruction import LDDW_OPCODE, Instruction

S16 = (-(1 << 15), (1 << 15) - 1)
S32 = (-(1 << 31), (1 << 31) - 1)
IMM32 = (-(1 << 31), (1 << 32) - 1)
IMM64 = (-(1 << 63), (1 << 64) - 1)


@dataclass(frozen=True, slots=True)
class Target:
    """A branch whose offset waits for a label: ``field`` is "off" or "imm".

    ``maybe_helper`` marks ``call <name>``, where a name that is no label was meant as a helper.
    """

    label: str
    field: str
    token: Token
    maybe_helper: bool = False

    def unknown(self, labels: Iterable[str]) -> str:
        """Why the target does not resolve: an unknown label, or for ``call <name>`` an unknown helper
        with the nearest helper (and label) names."""
        if not self.maybe_helper:
            return f"unknown label {self.label!r}"
        near_helpers = nearest_helpers(self.label)
        near_labels = difflib.get_close_matches(self.label, labels, n=2, cutoff=0.75)
        helper_meant = self.label.startswith("bpf_") or (near_helpers and not near_labels)
        what = "helper" if helper_meant else "helper or label"
        return f"unknown {what} {self.label!r}{_did_you_mean([*near_helpers, *near_labels])}"


def nearest_helpers(name: str) -> list[str]:
    """The helper names closest to ``name`` (at most three, closest first)."""
    return difflib.get_close_matches(name, HELPER_IDS, n=3, cutoff=0.75)


def _did_you_mean(names: list[str]) -> str:
    return f" (did you mean {', '.join(names)}?)" if names else ""


def unknown_helper(name: str) -> str:
    """The message for a name given as a helper that names none: with the nearest helper names."""
    return f"unknown helper {name!r}{_did_you_mean(nearest_helpers(name))}"


@dataclass(frozen=True, slots=True)
class MapRef:
    """An lddw whose ``imm`` waits for the fd or index of a map named in the source."""

    name: str
    token: Token


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed instruction, possibly waiting for a label or a map name."""

    insn: Instruction
    target: Target | None = None
    map_ref: MapRef | None = None


def build(
    spec: opcodes.OpSpec, *, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0, imm_hi: int = 0
) -> Instruction:
    """The instruction ``spec`` describes, with its discriminating field (``off`` of sdiv ...) set."""
    fields = {"dst": dst, "src": src, "off": off, "imm": imm}
    if spec.discriminator is not None:
        name, value = spec.discriminator
        fields[name] = value
    return Instruction(spec.opcode, fields["dst"], fields["src"], fields["off"], fields["imm"], imm_hi)


# -- numbers -------------------------------------------------------------------------------------
def to_signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def imm32(stream: TokenStream, value: int, token: Token, what: str = "immediate") -> int:
    """``value`` as the s32 ``imm`` field (its u32 spelling is accepted)."""
    lo, hi = IMM32
    if not lo <= value <= hi:
        raise stream.error(f"{what} {value} out of range for 32 bits", token)
    return to_signed(value, 32)


def off16(stream: TokenStream, value: int, token: Token, what: str = "offset") -> int:
    """``value`` as the s16 ``off`` field."""
    lo, hi = S16
    if not lo <= value <= hi:
        raise stream.error(f"{what} {value} out of range for the 16-bit offset ({lo}..{hi})", token)
    return value


def read_imm32(stream: TokenStream, what: str = "immediate") -> int:
    value, token = stream.signed_number(what)
    return imm32(stream, value, token, what)


def imm64(stream: TokenStream, value: int, token: Token) -> int:
    """``value`` as lddw's 64-bit immediate, unsigned (its signed spelling is accepted)."""
    lo, hi = IMM64
    if not lo <= value <= hi:
        raise stream.error(f"immediate {value} out of range for 64 bits", token)
    return value & ((1 << 64) - 1)


def read_imm64(stream: TokenStream) -> int:
    value, token = stream.signed_number("a 64-bit immediate")
    return imm64(stream, value, token)


def read_target(stream: TokenStream, field: str, allow_pc: bool) -> tuple[int, Target | None]:
    """A branch target: ``+N``/``-N``/``N`` (or ``pc+N`` when ``allow_pc``) or a label.

    Returns the relative offset (0 while a label waits) and the pending label, if any.
    """
    token = stream.peek()
    if (
        allow_pc
        and token is not None
        and token.is_ident("pc")
        and (stream.at_punct("+", 1) or stream.at_punct("-", 1))
    ):
        stream.next()
        token = stream.peek()
    if token is not None and token.kind is TokenKind.IDENT and not token.text.startswith("%"):
        stream.next()
        return 0, Target(token.text, field, token)
    value, first = stream.signed_number("a jump target (+N, -N or a label)")
    if field == "off":
        return off16(stream, value, first, "jump offset"), None
    if not S32[0] <= value <= S32[1]:
        raise stream.error(f"jump offset {value} out of range for 32 bits", first)
    return value, None


def format_offset(value: int) -> str:
    """A relative offset as llvm-objdump prints it: always signed (``+0``, ``+3``, ``-1``)."""
    return f"{value:+d}"


# -- lddw pseudo sources ---------------------------------------------------------------------------
PSEUDO_FUNCTIONS: dict[str, int] = {
    "map_fd": opcodes.BPF_PSEUDO_MAP_FD,
    "map_value": opcodes.BPF_PSEUDO_MAP_VALUE,
    "btf_id": opcodes.BPF_PSEUDO_BTF_ID,
    "func": opcodes.BPF_PSEUDO_FUNC,
    "map_idx": opcodes.BPF_PSEUDO_MAP_IDX,
    "map_idx_value": opcodes.BPF_PSEUDO_MAP_IDX_VALUE,
    # bpf_conformance spellings
    "map_by_fd": opcodes.BPF_PSEUDO_MAP_FD,
    "map_by_idx": opcodes.BPF_PSEUDO_MAP_IDX,
}
"""Name -> src_reg of the lddw pseudo-source notation."""

_PSEUDO_NAME = {src: name for name, src in PSEUDO_FUNCTIONS.items() if not name.startswith("map_by_")}
_TWO_ARGUMENTS = {opcodes.BPF_PSEUDO_MAP_VALUE, opcodes.BPF_PSEUDO_MAP_IDX_VALUE}


def at_pseudo(stream: TokenStream) -> bool:
    token = stream.peek()
    return token is not None and token.text in PSEUDO_FUNCTIONS and stream.at_punct("(", 1)


def read_pseudo(stream: TokenStream, dst: int) -> Statement:
    """``map_fd(3)``, ``map_value(3, 16)``, ``func(label)`` ... as an lddw into ``dst``."""
    name = stream.next()
    src = PSEUDO_FUNCTIONS[name.text]
    stream.expect_punct("(")
    target: Target | None = None
    map_ref: MapRef | None = None
    first = stream.peek()
    if src == opcodes.BPF_PSEUDO_FUNC:
        imm, target = read_target(stream, "imm", allow_pc=True)
    elif (
        first is not None
        and first.kind is TokenKind.IDENT
        and src
        in (
            opcodes.BPF_PSEUDO_MAP_FD,
            opcodes.BPF_PSEUDO_MAP_VALUE,
            opcodes.BPF_PSEUDO_MAP_IDX,
            opcodes.BPF_PSEUDO_MAP_IDX_VALUE,
        )
    ):
        stream.next()
        imm, map_ref = 0, MapRef(first.text, first)
    else:
        imm = read_imm32(stream, "pseudo-source argument")
    imm_hi = 0
    if stream.accept_punct(","):
        imm_hi = read_imm32(stream, "second-slot immediate")
    elif src in _TWO_ARGUMENTS:
        raise stream.error(
            f"{name.text}() takes two arguments: ({'fd' if src == 2 else 'index'}, offset)", stream.peek()
        )
    stream.expect_punct(")")
    insn = Instruction(LDDW_OPCODE, dst, src, 0, imm, imm_hi)
    return Statement(insn, target, map_ref)


def format_pseudo(insn: Instruction, label: str | None) -> str:
    """The notation of an lddw with a pseudo source (``insn.src`` in LDDW_PSEUDO_NAMES, not 0)."""
    name = _PSEUDO_NAME[insn.src]
    first = (
        label
        if label is not None
        else (format_offset(insn.imm) if insn.src == opcodes.BPF_PSEUDO_FUNC else str(insn.imm))
    )
    if insn.imm_hi or insn.src in _TWO_ARGUMENTS:
        return f"{name}({first}, {insn.imm_hi})"
    return f"{name}({first})"


# -- raw instructions ------------------------------------------------------------------------------
def read_raw(stream: TokenStream) -> Statement:
    """The operands of ``.insn CODE, DST, SRC, OFF, IMM[, IMM_HI]`` (the mnemonic already read)."""
    code, token = stream.signed_number("an opcode byte")
    if not 0 <= code <= 0xFF:
        raise stream.error(f"opcode {code} out of range 0..255", token)
    regs = []
    for name in ("dst", "src"):
        stream.expect_punct(",")
        reg, token = stream.signed_number(f"the {name} register number")
        if not 0 <= reg <= 15:
            raise stream.error(f"{name} register {reg} out of range 0..15", token)
        regs.append(reg)
    stream.expect_punct(",")
    value, token = stream.signed_number("an offset")
    off = off16(stream, value, token)
    stream.expect_punct(",")
    imm = read_imm32(stream)
    imm_hi = 0
    if stream.accept_punct(","):
        if code != LDDW_OPCODE:
            raise stream.error("only lddw (0x18) has a second-slot immediate", stream.peek())
        imm_hi = read_imm32(stream, "second-slot immediate")
    return Statement(Instruction(code, regs[0], regs[1], off, imm, imm_hi))


def format_raw(insn: Instruction) -> str:
    text = f".insn {insn.opcode:#04x}, {insn.dst}, {insn.src}, {insn.off}, {insn.imm}"
    if insn.is_lddw:
        text += f", {insn.imm_hi}"
    return text
