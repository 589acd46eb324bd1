"""eBPF instructions as immutable values, and their raw little-endian encoding.

Mirrors ``struct bpf_insn`` (linux/bpf.h): ``u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm``,
little-endian, 8 bytes.  ``lddw`` (BPF_LD | BPF_IMM | BPF_DW) is one 16-byte instruction here, as in
RFC 9669: its second slot carries the upper 32 bits of the immediate (``imm_hi``) and must otherwise be
zero, which is what the kernel checks ("invalid bpf_ld_imm64 insn").

Program positions are *slot* indices (8-byte units) exactly like the kernel's verifier log and jump
offsets: an lddw occupies two slots.  ``decode_program`` returns one ``Instruction`` per instruction
together with the slot each starts at.
"""

from __future__ import annotations

import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pybpf.errors import InstructionError
from pybpf.isa import opcodes
from pybpf.isa.opcodes import LDDW_OPCODE, OpSpec
from pybpf.isa.program import ProgramView, slot_starts

_INSN = struct.Struct("<BBhi")
INSN_SIZE = 8

__all__ = [
    "INSN_SIZE",
    "LDDW_OPCODE",
    "Instruction",
    "decode",
    "decode_program",
    "encode_program",
    "slot_starts",
    "validate",
    "validate_program",
]


@dataclass(frozen=True, slots=True)
class Instruction:
    """One eBPF instruction.  ``imm``/``imm_hi`` are signed 32-bit, ``off`` signed 16-bit."""

    opcode: int
    dst: int = 0
    src: int = 0
    off: int = 0
    imm: int = 0
    imm_hi: int = 0  # only lddw: the imm field of its second slot

    # -- construction helpers --------------------------------------------------------------
    @staticmethod
    def lddw(dst: int, value: int, src: int = 0) -> Instruction:
        """``dst = value`` as a 64-bit immediate load (``src`` selects a BPF_PSEUDO_* source)."""
        value &= (1 << 64) - 1
        return Instruction(LDDW_OPCODE, dst, src, 0, _s32(value & 0xFFFFFFFF), _s32(value >> 32))

    # -- views -----------------------------------------------------------------------------
    @property
    def spec(self) -> OpSpec | None:
        """The opcode table entry, or None for an instruction the kernel does not know."""
        return opcodes.lookup(self.opcode, self.src, self.off, self.imm)

    @property
    def is_lddw(self) -> bool:
        return self.opcode == LDDW_OPCODE

    @property
    def slots(self) -> int:
        """Number of 8-byte slots the instruction occupies (2 for lddw, else 1)."""
        return 2 if self.opcode == LDDW_OPCODE else 1

    @property
    def imm64(self) -> int:
        """The 64-bit immediate of lddw as an unsigned value."""
        return ((self.imm_hi & 0xFFFFFFFF) << 32) | (self.imm & 0xFFFFFFFF)

    def encode(self) -> bytes:
        """The raw little-endian bytes (16 for lddw)."""
        for name, reg in (("dst", self.dst), ("src", self.src)):
            if not 0 <= reg <= 15:
                raise InstructionError(None, f"cannot encode {self!r}: {name} register {reg} is not 4 bits")
        if self.imm_hi and self.opcode != LDDW_OPCODE:
            raise InstructionError(None, f"cannot encode {self!r}: only lddw has a second-slot immediate")
        try:
            first = _INSN.pack(self.opcode, (self.src << 4) | self.dst, self.off, self.imm)
            if self.opcode == LDDW_OPCODE:
                return first + _INSN.pack(0, 0, 0, self.imm_hi)
        except struct.error as exc:
            raise InstructionError(None, f"cannot encode {self!r}: {exc}") from None
        return first

    def __str__(self) -> str:
        from pybpf.isa.disasm import format_instruction

        return format_instruction(self)


def _s32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def decode(data: bytes | bytearray | memoryview, offset: int = 0, index: int | None = None) -> Instruction:
    """Decode the instruction starting at byte ``offset``.  Raises InstructionError when truncated.

    Only the raw layout is checked here (a complete lddw); field validity is ``validate``'s job.
    """
    slot = index if index is not None else offset // INSN_SIZE
    if offset + INSN_SIZE > len(data):
        raise InstructionError(slot, f"truncated instruction: {len(data) - offset} of 8 bytes")
    code, regs, off, imm = _INSN.unpack_from(data, offset)
    if code != LDDW_OPCODE:
        return Instruction(code, regs & 0x0F, regs >> 4, off, imm)
    if offset + 2 * INSN_SIZE > len(data):
        raise InstructionError(slot, "truncated lddw: the second half of the 16-byte instruction is missing")
    code2, regs2, off2, imm_hi = _INSN.unpack_from(data, offset + INSN_SIZE)
    if code2 != 0 or regs2 != 0 or off2 != 0:
        raise InstructionError(slot, "invalid bpf_ld_imm64 insn: second slot must have code, regs and off 0")
    return Instruction(code, regs & 0x0F, regs >> 4, off, imm, imm_hi)


_DECODED: OrderedDict[bytes, tuple[Instruction, ...]] = OrderedDict()
"""The last programs decoded (loading decodes the same bytes several times: the attr, the stored
program, its info); instructions are immutable, so they are shared."""
_DECODED_BYTES = 1 << 20
"""At most this many bytes of programs are remembered."""
_DECODED_LOCK = threading.Lock()


def _new_lock_after_fork() -> None:
    """In a forked child: a new decode lock (another thread of the parent may have held the old
    one).  This layer comes before ``pybpf.objects.forking``, whose fork takes the other locks; the
    cache it guards is whole between any two Python steps, so a new lock is all the child needs."""
    global _DECODED_LOCK
    _DECODED_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)


def decode_program(data: bytes | bytearray | memoryview) -> list[Instruction]:
    """Decode a whole program.  The length must be a multiple of 8 bytes."""
    key = bytes(data)
    with _DECODED_LOCK:
        known = _DECODED.get(key)
        if known is not None:
            _DECODED.move_to_end(key)
            return list(known)
    insns = _decode_program(key)
    if len(key) <= _DECODED_BYTES // 4:
        with _DECODED_LOCK:
            _DECODED[key] = tuple(insns)
            while sum(map(len, _DECODED)) > _DECODED_BYTES:
                _DECODED.popitem(last=False)
    return insns


def _decode_program(data: bytes) -> list[Instruction]:
    if len(data) % INSN_SIZE:
        raise InstructionError(
            len(data) // INSN_SIZE,
            f"program length {len(data)} is not a multiple of 8 bytes (truncated instruction)",
        )
    # One pass over the unpacked slots (what ``decode`` does per instruction, without its calls).
    # Equal instructions share one object (``made``): immutable values, so nothing can tell but the
    # time -- made once, and compared (a dict key, a cache's) by identity first.
    slots = list(_INSN.iter_unpack(data))
    count = len(slots)
    insns: list[Instruction] = []
    append = insns.append
    made: dict[tuple[int, int, int, int], Instruction] = {}
    index = 0
    while index < count:
        raw = slots[index]
        code, regs, off, imm = raw
        if code != LDDW_OPCODE:
            insn = made.get(raw)
            if insn is None:
                insn = made[raw] = Instruction(code, regs & 0x0F, regs >> 4, off, imm)
            append(insn)
            index += 1
            continue
        if index + 1 == count:
            raise InstructionError(
                index, "truncated lddw: the second half of the 16-byte instruction is missing"
            )
        code2, regs2, off2, imm_hi = slots[index + 1]
        if code2 != 0 or regs2 != 0 or off2 != 0:
            raise InstructionError(
                index, "invalid bpf_ld_imm64 insn: second slot must have code, regs and off 0"
            )
        append(Instruction(code, regs & 0x0F, regs >> 4, off, imm, imm_hi))
        index += 2
    return insns


def encode_program(insns: Iterable[Instruction]) -> bytes:
    """The raw bytes of a program (``Instruction.encode`` of each, with a fast path for plain ones)."""
    parts: list[bytes] = []
    append = parts.append
    pack = _INSN.pack
    for insn in insns:
        dst, src = insn.dst, insn.src
        if insn.opcode == LDDW_OPCODE or insn.imm_hi or not (0 <= dst <= 15 and 0 <= src <= 15):
            append(insn.encode())
            continue
        try:
            append(pack(insn.opcode, (src << 4) | dst, insn.off, insn.imm))
        except struct.error:
            append(insn.encode())  # raises the InstructionError naming the field
    return b"".join(parts)


def validate(insn: Instruction, index: int | None = None, *, hidden_regs: bool = False) -> OpSpec:
    """Check opcode, register numbers and reserved fields the way the kernel does.

    Returns the table entry; raises InstructionError (EINVAL) naming ``index`` otherwise.
    """
    for name, reg in (("dst", insn.dst), ("src", insn.src)):
        if not 0 <= reg <= 15:
            raise InstructionError(index, f"{name} register {reg} out of range")
    if insn.imm_hi and not insn.is_lddw:
        raise InstructionError(index, f"imm_hi {insn.imm_hi} on a one-slot instruction (only lddw has it)")
    spec = insn.spec
    if spec is None:
        if insn.opcode in opcodes.BY_OPCODE:
            raise InstructionError(
                index, f"invalid field values for opcode {insn.opcode:#04x} (reserved fields in use)"
            )
        raise InstructionError(index, f"unknown opcode {insn.opcode:#04x}")
    for field in spec.reserved:
        if getattr(insn, field) != 0:
            value = getattr(insn, field)
            raise InstructionError(index, f"{spec.mnemonic} uses reserved field {field} ({value})")
    registers = opcodes.BPF_REG_AX + 1 if hidden_regs else opcodes.MAX_BPF_REG
    if insn.dst >= registers:
        raise InstructionError(index, f"R{insn.dst} is invalid")
    if insn.src >= registers and spec.use_src_reg:
        raise InstructionError(index, f"R{insn.src} is invalid")
    if spec.kind is opcodes.Kind.LDDW and insn.src not in opcodes.LDDW_PSEUDO_NAMES:
        raise InstructionError(index, f"unrecognized bpf_ld_imm64 insn (src {insn.src})")
    return spec


def validate_program(
    insns: Sequence[Instruction], view: ProgramView | None = None, *, hidden_regs: bool = False
) -> list[OpSpec]:
    """Validate every instruction and every jump/call target of a program.

    Structural rules the kernel applies before it tracks values: each field valid, every jump
    and local call lands inside the program on the start of an instruction (never inside lddw).
    The targets are the program view's (``pybpf.isa.program``; pass ``view`` when the caller has
    one of ``insns`` already); the first instruction in order with a bad field or target decides
    the error.  ``hidden_regs``: the program may use the kernel's hidden register r11 (BPF_REG_AX),
    as a program the verifier's fixups rewrote does (the engines run those).
    """
    if not insns:
        raise InstructionError(None, "empty program")
    if view is None:
        view = ProgramView(insns)
    invalid = dict(view.invalid_targets)
    specs: list[OpSpec] = []
    append = specs.append
    valid: dict[int, OpSpec] = {}  # id() of an instruction already validated (one object per value
    for insn, slot in zip(insns, view.starts, strict=True):  # is common: decode_program() shares them)
        spec = valid.get(id(insn))
        if spec is None:
            spec = valid[id(insn)] = validate(insn, slot, hidden_regs=hidden_regs)
        append(spec)
        if invalid and slot in invalid:
            target = invalid[slot]
            if not 0 <= target < view.slot_count:
                raise InstructionError(slot, f"jump out of range from insn {slot} to {target}")
            raise InstructionError(
                slot, f"jump from insn {slot} into the middle of lddw at insn {target - 1}"
            )
    return specs
