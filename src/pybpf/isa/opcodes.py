"""The eBPF opcode table: every instruction the Linux kernel accepts, as data.

This module is the single description of the instruction set (RFC 9669 plus the Linux extensions the
kernel verifier accepts: gotol, may_goto, load-acquire/store-release; and ``nospec``, the speculation
barrier the kernel's fixups put into a program, which no loaded program may hold).  Decoding, encoding, field
validation, both assembly syntaxes, the disassembler and the interpreter's dispatch are all driven by
``OPCODES``; none of them keeps a private list of opcodes.

An opcode byte alone does not always name an instruction: ``sdiv``/``smod`` share the opcode of
``div``/``mod`` and are told apart by ``off``; ``movsx`` shares ``mov``'s by ``off``; byte swaps by
``imm``; atomics by ``imm``; the three kinds of ``call`` by ``src``.  Such entries carry a
``discriminator`` (field name, value).  Every entry also lists the fields that must be zero
(``reserved``): the kernel refuses an instruction that uses a reserved field with EINVAL
("BPF_ALU uses reserved fields" and friends).  Where the kernel's verifier leaves a reserved field
unchecked (do_check() accepts ``exit`` whatever its ``off``), the entry says so in
``kernel_ignores``; ``kernel_reserved`` is then what the verifier refuses, while ``reserved`` stays
the strict rule of the instruction set (what encoders write and ``pybpf.isa.validate`` requires).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# --- raw encoding constants: pybpf.uapi (linux/bpf_common.h, linux/bpf.h, include/linux/filter.h) --
from pybpf.uapi import (
    BPF_ABS,
    BPF_ADD,
    BPF_ALU,
    BPF_ALU64,
    BPF_AND,
    BPF_ARSH,
    BPF_ATOMIC,
    BPF_B,
    BPF_CALL,
    BPF_CMPXCHG,
    BPF_DIV,
    BPF_DW,
    BPF_END,
    BPF_EXIT,
    BPF_FETCH,
    BPF_H,
    BPF_IMM,
    BPF_IND,
    BPF_JA,
    BPF_JCOND,
    BPF_JEQ,
    BPF_JGE,
    BPF_JGT,
    BPF_JLE,
    BPF_JLT,
    BPF_JMP,
    BPF_JMP32,
    BPF_JNE,
    BPF_JSET,
    BPF_JSGE,
    BPF_JSGT,
    BPF_JSLE,
    BPF_JSLT,
    BPF_K,
    BPF_LD,
    BPF_LDX,
    BPF_LOAD_ACQ,
    BPF_LSH,
    BPF_MAY_GOTO,
    BPF_MEM,
    BPF_MEMSX,
    BPF_MOD,
    BPF_MOV,
    BPF_MUL,
    BPF_NEG,
    BPF_OR,
    BPF_PSEUDO_BTF_ID,
    BPF_PSEUDO_CALL,
    BPF_PSEUDO_FUNC,
    BPF_PSEUDO_KFUNC_CALL,
    BPF_PSEUDO_MAP_FD,
    BPF_PSEUDO_MAP_IDX,
    BPF_PSEUDO_MAP_IDX_VALUE,
    BPF_PSEUDO_MAP_VALUE,
    BPF_REG_FP,
    BPF_RSH,
    BPF_ST,
    BPF_STORE_REL,
    BPF_STX,
    BPF_SUB,
    BPF_W,
    BPF_X,
    BPF_XCHG,
    BPF_XOR,
    MAX_BPF_REG,
    MAX_BPF_STACK,
    MAX_CALL_FRAMES,
)

BPF_NOSPEC = 0xC0
"""include/linux/filter.h's BPF_NOSPEC mode: ``BPF_ST | BPF_NOSPEC`` is the speculation barrier."""
BPF_REG_AX = MAX_BPF_REG
"""include/linux/filter.h's hidden register the kernel's rewrites use as scratch (r11): the Spectre v1
masking of pointer arithmetic (``pybpf.verifier.fixups_spectre``); never in a loaded program."""

SIZE_BYTES = {BPF_W: 4, BPF_H: 2, BPF_B: 1, BPF_DW: 8}
SIZE_SUFFIX = {1: "b", 2: "h", 4: "w", 8: "dw"}
SIZE_CTYPE = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}

ALU_OPS = {
    "add": BPF_ADD,
    "sub": BPF_SUB,
    "mul": BPF_MUL,
    "div": BPF_DIV,
    "or": BPF_OR,
    "and": BPF_AND,
    "lsh": BPF_LSH,
    "rsh": BPF_RSH,
    "neg": BPF_NEG,
    "mod": BPF_MOD,
    "xor": BPF_XOR,
    "mov": BPF_MOV,
    "arsh": BPF_ARSH,
    "end": BPF_END,
}
JMP_OPS = {
    "ja": BPF_JA,
    "jeq": BPF_JEQ,
    "jgt": BPF_JGT,
    "jge": BPF_JGE,
    "jset": BPF_JSET,
    "jne": BPF_JNE,
    "jsgt": BPF_JSGT,
    "jsge": BPF_JSGE,
    "call": BPF_CALL,
    "exit": BPF_EXIT,
    "jlt": BPF_JLT,
    "jle": BPF_JLE,
    "jslt": BPF_JSLT,
    "jsle": BPF_JSLE,
    "jcond": BPF_JCOND,
}

# Atomic operations live in imm (BPF_STX | BPF_ATOMIC): BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
# BPF_LOAD_ACQ, BPF_STORE_REL besides these.
ATOMIC_OPS = {"add": BPF_ADD, "or": BPF_OR, "and": BPF_AND, "xor": BPF_XOR}

# src_reg values of BPF_LD | BPF_IMM | BPF_DW (lddw): BPF_PSEUDO_MAP_FD ... BPF_PSEUDO_MAP_IDX_VALUE;
# of BPF_CALL: BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL; of BPF_JCOND: BPF_MAY_GOTO.
LDDW_PSEUDO_NAMES = {
    0: "imm64",
    BPF_PSEUDO_MAP_FD: "map_fd",
    BPF_PSEUDO_MAP_VALUE: "map_value",
    BPF_PSEUDO_BTF_ID: "btf_id",
    BPF_PSEUDO_FUNC: "func",
    BPF_PSEUDO_MAP_IDX: "map_idx",
    BPF_PSEUDO_MAP_IDX_VALUE: "map_idx_value",
}

LDDW_OPCODE = BPF_LD | BPF_IMM | BPF_DW
"""The one 16-byte instruction: its second 8-byte slot carries the upper half of the immediate."""

STACK_SIZE = MAX_BPF_STACK
"""The bytes of one frame's stack (r10 points just past them)."""


class Kind(enum.Enum):
    """What an instruction does; each kind has one shape of operands."""

    ALU = "alu"  # dst = dst <op> src|imm   (op includes mov)
    NEG = "neg"  # dst = -dst
    MOVSX = "movsx"  # dst = (sN) src          (width)
    END = "end"  # byte order conversion   (op: le | be | bswap, width)
    JA = "ja"  # pc += off
    GOTOL = "gotol"  # pc += imm               (JMP32 | JA)
    JCOND = "jcond"  # if dst <op> src|imm: pc += off
    MAY_GOTO = "may_goto"  # pc += off unless the loop budget is spent
    CALL = "call"  # helper call by id (imm)
    CALL_LOCAL = "call_local"  # bpf-to-bpf call, pc += imm
    CALL_KFUNC = "call_kfunc"  # kernel function by BTF id (imm), off = BTF fd index
    CALLX = "callx"  # indirect call through dst
    EXIT = "exit"
    NOSPEC = "nospec"  # speculation barrier (BPF_ST | BPF_NOSPEC): internal, the fixups' only
    LDDW = "lddw"  # dst = imm64 (16 bytes; src selects a pseudo source)
    LD_ABS = "ld_abs"  # r0 = ntoh(packet[imm])   (legacy socket filter access)
    LD_IND = "ld_ind"  # r0 = ntoh(packet[src + imm])
    LDX = "ldx"  # dst = *(uN *)(src + off)
    LDXSX = "ldxsx"  # dst = *(sN *)(src + off)
    ST = "st"  # *(uN *)(dst + off) = imm
    STX = "stx"  # *(uN *)(dst + off) = src
    ATOMIC = "atomic"  # atomic read-modify-write on *(uN *)(dst + off) with src
    LOAD_ACQ = "load_acquire"  # dst = load_acquire((uN *)(src + off))
    STORE_REL = "store_release"  # store_release((uN *)(dst + off), src)


@dataclass(frozen=True)
class OpSpec:
    """One instruction of the table.

    ``op``: the operation within its kind ("add", "jeq", "le", "xchg", ...).
    ``alu64``/``jmp32``: width of the operation.  ``size``: memory access width in bytes (0 if none);
    for END and MOVSX the conversion width in bits lives in ``width``.  ``use_src_reg``: the second
    operand is a register (BPF_X).  ``fetch``: atomic op returning the old value.  ``reserved``:
    the fields that must be zero; ``kernel_ignores``: those of them the kernel's verifier does not
    check.
    """

    opcode: int
    kind: Kind
    mnemonic: str  # uBPF-style mnemonic, unique per (opcode, discriminator)
    op: str = ""
    alu64: bool = True
    size: int = 0
    width: int = 0
    use_src_reg: bool = False
    fetch: bool = False
    discriminator: tuple[str, int] | None = None
    reserved: frozenset[str] = frozenset()
    kernel_ignores: frozenset[str] = frozenset()

    @property
    def cls(self) -> int:
        return self.opcode & 0x07

    @property
    def is_jump(self) -> bool:
        return self.kind in (Kind.JA, Kind.GOTOL, Kind.JCOND, Kind.MAY_GOTO)

    @property
    def is_lddw(self) -> bool:
        return self.kind is Kind.LDDW

    @property
    def kernel_reserved(self) -> frozenset[str]:
        """The reserved fields the kernel's verifier refuses when they are not zero."""
        return self.reserved - self.kernel_ignores


def _r(*fields: str) -> frozenset[str]:
    return frozenset(fields)


def _build_table() -> list[OpSpec]:
    table: list[OpSpec] = []
    add = table.append

    # ALU and ALU64 -------------------------------------------------------------------------
    for cls, is64, suffix in ((BPF_ALU64, True, ""), (BPF_ALU, False, "32")):
        for name in ("add", "sub", "mul", "div", "or", "and", "lsh", "rsh", "mod", "xor", "mov", "arsh"):
            for src_bit in (BPF_K, BPF_X):
                opcode = cls | ALU_OPS[name] | src_bit
                reg = src_bit == BPF_X
                reserved = _r("off", "imm") if reg else _r("src", "off")
                disc: tuple[str, int] | None = None
                if name in ("div", "mod", "mov"):
                    disc = ("off", 0)
                    reserved = reserved - {"off"}
                add(
                    OpSpec(
                        opcode,
                        Kind.ALU,
                        name + suffix,
                        name,
                        is64,
                        use_src_reg=reg,
                        discriminator=disc,
                        reserved=reserved,
                    )
                )
                if name in ("div", "mod"):
                    signed = "s" + name
                    add(
                        OpSpec(
                            opcode,
                            Kind.ALU,
                            signed + suffix,
                            signed,
                            is64,
                            use_src_reg=reg,
                            discriminator=("off", 1),
                            reserved=reserved,
                        )
                    )
        add(
            OpSpec(
                cls | ALU_OPS["neg"], Kind.NEG, "neg" + suffix, "neg", is64, reserved=_r("src", "off", "imm")
            )
        )
        for bits in (8, 16, 32) if is64 else (8, 16):
            add(
                OpSpec(
                    cls | ALU_OPS["mov"] | BPF_X,
                    Kind.MOVSX,
                    f"movsx{bits}{suffix}",
                    "movsx",
                    is64,
                    width=bits,
                    use_src_reg=True,
                    discriminator=("off", bits),
                    reserved=_r("imm"),
                )
            )
    for bits in (16, 32, 64):
        add(
            OpSpec(
                BPF_ALU | ALU_OPS["end"] | BPF_K,
                Kind.END,
                f"le{bits}",
                "le",
                False,
                width=bits,
                discriminator=("imm", bits),
                reserved=_r("src", "off"),
            )
        )
        add(
            OpSpec(
                BPF_ALU | ALU_OPS["end"] | BPF_X,
                Kind.END,
                f"be{bits}",
                "be",
                False,
                width=bits,
                discriminator=("imm", bits),
                reserved=_r("src", "off"),
            )
        )
        add(
            OpSpec(
                BPF_ALU64 | ALU_OPS["end"] | BPF_K,
                Kind.END,
                f"bswap{bits}",
                "bswap",
                True,
                width=bits,
                discriminator=("imm", bits),
                reserved=_r("src", "off"),
            )
        )

    # JMP and JMP32 -------------------------------------------------------------------------
    add(OpSpec(BPF_JMP | JMP_OPS["ja"], Kind.JA, "ja", "ja", reserved=_r("dst", "src", "imm")))
    add(OpSpec(BPF_JMP32 | JMP_OPS["ja"], Kind.GOTOL, "gotol", "ja", reserved=_r("dst", "src", "off")))
    for cls, is64, suffix in ((BPF_JMP, True, ""), (BPF_JMP32, False, "32")):
        for name in ("jeq", "jgt", "jge", "jset", "jne", "jsgt", "jsge", "jlt", "jle", "jslt", "jsle"):
            add(
                OpSpec(cls | JMP_OPS[name] | BPF_K, Kind.JCOND, name + suffix, name, is64, reserved=_r("src"))
            )
            add(
                OpSpec(
                    cls | JMP_OPS[name] | BPF_X,
                    Kind.JCOND,
                    name + suffix,
                    name,
                    is64,
                    use_src_reg=True,
                    reserved=_r("imm"),
                )
            )
    add(
        OpSpec(
            BPF_JMP | JMP_OPS["jcond"],
            Kind.MAY_GOTO,
            "may_goto",
            "may_goto",
            discriminator=("src", BPF_MAY_GOTO),
            reserved=_r("dst", "imm"),
        )
    )
    call = BPF_JMP | JMP_OPS["call"]
    add(OpSpec(call, Kind.CALL, "call", "call", discriminator=("src", 0), reserved=_r("dst", "off")))
    add(
        OpSpec(
            call,
            Kind.CALL_LOCAL,
            "call local",
            "call",
            discriminator=("src", BPF_PSEUDO_CALL),
            reserved=_r("dst", "off"),
        )
    )
    add(
        OpSpec(
            call,
            Kind.CALL_KFUNC,
            "call kfunc",
            "call",
            discriminator=("src", BPF_PSEUDO_KFUNC_CALL),
            reserved=_r("dst"),
        )
    )
    add(
        OpSpec(call | BPF_X, Kind.CALLX, "callx", "callx", use_src_reg=True, reserved=_r("src", "off", "imm"))
    )
    add(
        OpSpec(
            BPF_JMP | JMP_OPS["exit"],
            Kind.EXIT,
            "exit",
            "exit",
            reserved=_r("dst", "src", "off", "imm"),
            kernel_ignores=_r("off"),  # do_check()'s BPF_EXIT test reads imm, src, dst, not off
        )
    )

    add(OpSpec(BPF_ST | BPF_NOSPEC, Kind.NOSPEC, "nospec", "nospec", reserved=_r("dst", "src", "off", "imm")))

    # Loads and stores ----------------------------------------------------------------------
    add(OpSpec(LDDW_OPCODE, Kind.LDDW, "lddw", "lddw", size=8, reserved=_r("off")))
    for size_code in (BPF_B, BPF_H, BPF_W):
        nbytes = SIZE_BYTES[size_code]
        sfx = SIZE_SUFFIX[nbytes]
        add(
            OpSpec(
                BPF_LD | BPF_ABS | size_code,
                Kind.LD_ABS,
                "ldabs" + sfx,
                "ld_abs",
                size=nbytes,
                reserved=_r("dst", "src", "off"),
            )
        )
        add(
            OpSpec(
                BPF_LD | BPF_IND | size_code,
                Kind.LD_IND,
                "ldind" + sfx,
                "ld_ind",
                size=nbytes,
                use_src_reg=True,
                reserved=_r("dst", "off"),
            )
        )
    for size_code in (BPF_B, BPF_H, BPF_W, BPF_DW):
        nbytes = SIZE_BYTES[size_code]
        sfx = SIZE_SUFFIX[nbytes]
        add(
            OpSpec(
                BPF_LDX | BPF_MEM | size_code,
                Kind.LDX,
                "ldx" + sfx,
                "ldx",
                size=nbytes,
                use_src_reg=True,
                reserved=_r("imm"),
            )
        )
        if nbytes != 8:
            add(
                OpSpec(
                    BPF_LDX | BPF_MEMSX | size_code,
                    Kind.LDXSX,
                    "ldxs" + sfx,
                    "ldxsx",
                    size=nbytes,
                    use_src_reg=True,
                    reserved=_r("imm"),
                )
            )
        add(OpSpec(BPF_ST | BPF_MEM | size_code, Kind.ST, "st" + sfx, "st", size=nbytes, reserved=_r("src")))
        add(
            OpSpec(
                BPF_STX | BPF_MEM | size_code,
                Kind.STX,
                "stx" + sfx,
                "stx",
                size=nbytes,
                use_src_reg=True,
                reserved=_r("imm"),
            )
        )
        atomic = BPF_STX | BPF_ATOMIC | size_code
        if nbytes in (4, 8):
            sfx32 = "32" if nbytes == 4 else ""
            for name, code in ATOMIC_OPS.items():
                add(
                    OpSpec(
                        atomic,
                        Kind.ATOMIC,
                        f"lock {name}{sfx32}",
                        name,
                        nbytes == 8,
                        size=nbytes,
                        use_src_reg=True,
                        discriminator=("imm", code),
                    )
                )
                add(
                    OpSpec(
                        atomic,
                        Kind.ATOMIC,
                        f"lock fetch {name}{sfx32}",
                        name,
                        nbytes == 8,
                        size=nbytes,
                        use_src_reg=True,
                        fetch=True,
                        discriminator=("imm", code | BPF_FETCH),
                    )
                )
            add(
                OpSpec(
                    atomic,
                    Kind.ATOMIC,
                    f"lock xchg{sfx32}",
                    "xchg",
                    nbytes == 8,
                    size=nbytes,
                    use_src_reg=True,
                    fetch=True,
                    discriminator=("imm", BPF_XCHG),
                )
            )
            add(
                OpSpec(
                    atomic,
                    Kind.ATOMIC,
                    f"lock cmpxchg{sfx32}",
                    "cmpxchg",
                    nbytes == 8,
                    size=nbytes,
                    use_src_reg=True,
                    fetch=True,
                    discriminator=("imm", BPF_CMPXCHG),
                )
            )
        add(
            OpSpec(
                atomic,
                Kind.LOAD_ACQ,
                "ldacq" + sfx,
                "load_acquire",
                nbytes == 8,
                size=nbytes,
                use_src_reg=True,
                discriminator=("imm", BPF_LOAD_ACQ),
            )
        )
        add(
            OpSpec(
                atomic,
                Kind.STORE_REL,
                "strel" + sfx,
                "store_release",
                nbytes == 8,
                size=nbytes,
                use_src_reg=True,
                discriminator=("imm", BPF_STORE_REL),
            )
        )
    return table


OPCODES: tuple[OpSpec, ...] = tuple(_build_table())
"""Every instruction, in a stable order."""

BY_OPCODE: dict[int, tuple[OpSpec, ...]] = {}
for _spec in OPCODES:
    BY_OPCODE[_spec.opcode] = (*BY_OPCODE.get(_spec.opcode, ()), _spec)

BY_MNEMONIC: dict[tuple[str, bool], OpSpec] = {}
"""(uBPF mnemonic, uses a source register) -> spec; the uBPF-syntax assembler looks names up here."""
for _spec in OPCODES:
    BY_MNEMONIC.setdefault((_spec.mnemonic, _spec.use_src_reg), _spec)

# Operator spellings of the kernel/LLVM syntax, as data shared by the assembler and disassembler.
ALU_OPERATOR = {
    "add": "+=",
    "sub": "-=",
    "mul": "*=",
    "div": "/=",
    "sdiv": "s/=",
    "or": "|=",
    "and": "&=",
    "lsh": "<<=",
    "rsh": ">>=",
    "mod": "%=",
    "smod": "s%=",
    "xor": "^=",
    "mov": "=",
    "arsh": "s>>=",
}
JMP_OPERATOR = {
    "jeq": "==",
    "jgt": ">",
    "jge": ">=",
    "jset": "&",
    "jne": "!=",
    "jsgt": "s>",
    "jsge": "s>=",
    "jlt": "<",
    "jle": "<=",
    "jslt": "s<",
    "jsle": "s<=",
}
JMP_RELATION: dict[str, tuple[str, bool]] = {
    name: (symbol.removeprefix("s"), symbol.startswith("s"))
    for name, symbol in JMP_OPERATOR.items()
    if name != "jset"
}
"""The conditional jumps other than ``jset`` as (relation, signed): ``jsgt`` -> (">", True)."""
ATOMIC_OPERATOR = {"add": "+=", "or": "|=", "and": "&=", "xor": "^="}


def lookup(opcode: int, src: int, off: int, imm: int) -> OpSpec | None:
    """The table entry for an encoded instruction, or None if the kernel knows no such instruction."""
    specs = BY_OPCODE.get(opcode)
    if specs is None:
        return None
    for spec in specs:
        disc = spec.discriminator
        if disc is None:
            return spec
        field, value = disc
        actual = src if field == "src" else off if field == "off" else imm
        if actual == value:
            return spec
    return None


__all__ = [
    "ALU_OPERATOR",
    "ALU_OPS",
    "ATOMIC_OPERATOR",
    "ATOMIC_OPS",
    "BPF_ABS",
    "BPF_ADD",
    "BPF_ALU",
    "BPF_ALU64",
    "BPF_AND",
    "BPF_ARSH",
    "BPF_ATOMIC",
    "BPF_B",
    "BPF_CALL",
    "BPF_CMPXCHG",
    "BPF_DIV",
    "BPF_DW",
    "BPF_END",
    "BPF_EXIT",
    "BPF_FETCH",
    "BPF_H",
    "BPF_IMM",
    "BPF_IND",
    "BPF_JA",
    "BPF_JCOND",
    "BPF_JEQ",
    "BPF_JGE",
    "BPF_JGT",
    "BPF_JLE",
    "BPF_JLT",
    "BPF_JMP",
    "BPF_JMP32",
    "BPF_JNE",
    "BPF_JSET",
    "BPF_JSGE",
    "BPF_JSGT",
    "BPF_JSLE",
    "BPF_JSLT",
    "BPF_K",
    "BPF_LD",
    "BPF_LDX",
    "BPF_LOAD_ACQ",
    "BPF_LSH",
    "BPF_MAY_GOTO",
    "BPF_MEM",
    "BPF_MEMSX",
    "BPF_MOD",
    "BPF_MOV",
    "BPF_MUL",
    "BPF_NEG",
    "BPF_NOSPEC",
    "BPF_OR",
    "BPF_PSEUDO_BTF_ID",
    "BPF_PSEUDO_CALL",
    "BPF_PSEUDO_FUNC",
    "BPF_PSEUDO_KFUNC_CALL",
    "BPF_PSEUDO_MAP_FD",
    "BPF_PSEUDO_MAP_IDX",
    "BPF_PSEUDO_MAP_IDX_VALUE",
    "BPF_PSEUDO_MAP_VALUE",
    "BPF_REG_AX",
    "BPF_REG_FP",
    "BPF_RSH",
    "BPF_ST",
    "BPF_STORE_REL",
    "BPF_STX",
    "BPF_SUB",
    "BPF_W",
    "BPF_X",
    "BPF_XCHG",
    "BPF_XOR",
    "BY_MNEMONIC",
    "BY_OPCODE",
    "JMP_OPERATOR",
    "JMP_OPS",
    "LDDW_OPCODE",
    "LDDW_PSEUDO_NAMES",
    "MAX_BPF_REG",
    "MAX_BPF_STACK",
    "MAX_CALL_FRAMES",
    "OPCODES",
    "SIZE_BYTES",
    "SIZE_CTYPE",
    "SIZE_SUFFIX",
    "STACK_SIZE",
    "Kind",
    "OpSpec",
    "lookup",
]
