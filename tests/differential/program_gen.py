"""Random eBPF program bodies that the kernel verifier accepts, as hypothesis strategies.

A generated ``Program`` is plain data (initial register and stack values plus a tree of operations);
``Program.body()`` encodes it to instructions.  Every value the strategies can produce, including
everything hypothesis shrinks to, encodes to a program the Linux verifier accepts, because each
operation is valid on its own:

* r0-r9 start as random 64-bit constants (lddw) and hold scalars throughout; r10 is only ever
  used as the base of stack accesses with a fixed offset (no pointer arithmetic, no pointer leaks);
* the body's stack window ``[r10-32, r10)`` is fully initialised by the prologue, and every access
  is aligned to its size (the verifier requires aligned stack accesses);
* shift immediates are in range and div/mod immediates non-zero (the verifier rejects both);
* jumps go forward inside if/else blocks, so every instruction is reachable; bounded loops count a
  register that their straight-line body never writes down to zero.

The body ends by folding every register and the stack window into r0 (``fold_state``), so that a
difference anywhere in the final state shows in r0, and falls through; see ``kernel_harness`` for
how the kernel run recovers r0.  The instruction builders below are shared with the hand-written
edge-case programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction

U64 = (1 << 64) - 1
STACK_BYTES = 32  # small, so that stores, loads and atomics of different sizes overlap often
REGS = tuple(range(10))
SIZE_CODE = {1: op.BPF_B, 2: op.BPF_H, 4: op.BPF_W, 8: op.BPF_DW}

# -- instruction builders ------------------------------------------------------------------------


def alu(
    opname: str, dst: int, src: int | None = None, imm: int = 0, *, is64: bool = True, off: int = 0
) -> Instruction:
    """``dst <op>= src`` (register form) or ``dst <op>= imm``; ``off`` selects sdiv/smod/movsx."""
    cls = op.BPF_ALU64 if is64 else op.BPF_ALU
    if src is None:
        return Instruction(cls | op.ALU_OPS[opname] | op.BPF_K, dst, 0, off, imm)
    return Instruction(cls | op.ALU_OPS[opname] | op.BPF_X, dst, src, off, 0)


def alu_op(name: str, dst: int, src: int | None = None, imm: int = 0, *, is64: bool = True) -> Instruction:
    """Like ``alu`` but also accepts the signed ops ``sdiv``/``smod`` (same opcode as div/mod, off=1)."""
    if name in ("sdiv", "smod"):
        return alu(name[1:], dst, src, imm, is64=is64, off=1)
    return alu(name, dst, src, imm, is64=is64)


def neg(dst: int, *, is64: bool = True) -> Instruction:
    return Instruction((op.BPF_ALU64 if is64 else op.BPF_ALU) | op.ALU_OPS["neg"], dst)


def movsx(dst: int, src: int, bits: int, *, is64: bool = True) -> Instruction:
    return alu("mov", dst, src, is64=is64, off=bits)


def endian(kind: str, dst: int, bits: int) -> Instruction:
    """``le``/``be`` (BPF_ALU | BPF_END, to-little/to-big) or ``bswap`` (BPF_ALU64 | BPF_END)."""
    cls, source = {
        "le": (op.BPF_ALU, op.BPF_K),
        "be": (op.BPF_ALU, op.BPF_X),
        "bswap": (op.BPF_ALU64, op.BPF_K),
    }[kind]
    return Instruction(cls | op.ALU_OPS["end"] | source, dst, 0, 0, bits)


def lddw(dst: int, value: int) -> Instruction:
    return Instruction.lddw(dst, value)


def store_reg(size: int, off: int, src: int, base: int = op.BPF_REG_FP) -> Instruction:
    return Instruction(op.BPF_STX | op.BPF_MEM | SIZE_CODE[size], base, src, off)


def store_imm(size: int, off: int, imm: int, base: int = op.BPF_REG_FP) -> Instruction:
    return Instruction(op.BPF_ST | op.BPF_MEM | SIZE_CODE[size], base, 0, off, imm)


def load(size: int, dst: int, off: int, *, signed: bool = False, base: int = op.BPF_REG_FP) -> Instruction:
    mode = op.BPF_MEMSX if signed else op.BPF_MEM
    return Instruction(op.BPF_LDX | mode | SIZE_CODE[size], dst, base, off)


def atomic(
    size: int, opname: str, off: int, src: int, *, fetch: bool = False, base: int = op.BPF_REG_FP
) -> Instruction:
    """``lock *(uN *)(base + off) <op>= src``; ``opname`` add/or/and/xor/xchg/cmpxchg."""
    if opname == "xchg":
        imm = op.BPF_XCHG
    elif opname == "cmpxchg":
        imm = op.BPF_CMPXCHG
    else:
        imm = op.ATOMIC_OPS[opname] | (op.BPF_FETCH if fetch else 0)
    return Instruction(op.BPF_STX | op.BPF_ATOMIC | SIZE_CODE[size], base, src, off, imm)


def jmp(
    cond: str, dst: int, off: int, src: int | None = None, imm: int = 0, *, jmp32: bool = False
) -> Instruction:
    """``if dst <cond> src|imm goto +off`` (JMP, or JMP32 comparing the low 32 bits)."""
    cls = op.BPF_JMP32 if jmp32 else op.BPF_JMP
    if src is None:
        return Instruction(cls | op.JMP_OPS[cond] | op.BPF_K, dst, 0, off, imm)
    return Instruction(cls | op.JMP_OPS[cond] | op.BPF_X, dst, src, off, 0)


def ja(off: int, *, long: bool = False) -> Instruction:
    """``goto +off``; ``long`` uses the JMP32 form (gotol) whose offset lives in imm."""
    if long:
        return Instruction(op.BPF_JMP32 | op.JMP_OPS["ja"], 0, 0, 0, off)
    return Instruction(op.BPF_JMP | op.JMP_OPS["ja"], 0, 0, off, 0)


EXIT = Instruction(op.BPF_JMP | op.JMP_OPS["exit"])


def slots(insns: Sequence[Instruction]) -> int:
    return sum(insn.slots for insn in insns)


# -- operations: plain data, each one valid on its own -------------------------------------------

ALU_BINARY = (
    "add",
    "sub",
    "mul",
    "div",
    "sdiv",
    "or",
    "and",
    "lsh",
    "rsh",
    "mod",
    "smod",
    "xor",
    "mov",
    "arsh",
)
SHIFTS = ("lsh", "rsh", "arsh")
DIVISIONS = ("div", "sdiv", "mod", "smod")
CONDITIONS = ("jeq", "jgt", "jge", "jset", "jne", "jsgt", "jsge", "jlt", "jle", "jslt", "jsle")
ATOMIC_NAMES = ("add", "or", "and", "xor", "xchg", "cmpxchg")


@dataclass(frozen=True)
class Alu:
    is64: bool
    name: str
    dst: int
    src: int | None
    imm: int

    def encode(self) -> list[Instruction]:
        return [alu_op(self.name, self.dst, self.src, self.imm, is64=self.is64)]


@dataclass(frozen=True)
class Neg:
    is64: bool
    dst: int

    def encode(self) -> list[Instruction]:
        return [neg(self.dst, is64=self.is64)]


@dataclass(frozen=True)
class MovSx:
    is64: bool
    bits: int
    dst: int
    src: int

    def encode(self) -> list[Instruction]:
        return [movsx(self.dst, self.src, self.bits, is64=self.is64)]


@dataclass(frozen=True)
class End:
    kind: str
    bits: int
    dst: int

    def encode(self) -> list[Instruction]:
        return [endian(self.kind, self.dst, self.bits)]


@dataclass(frozen=True)
class Const:
    dst: int
    value: int

    def encode(self) -> list[Instruction]:
        return [lddw(self.dst, self.value)]


@dataclass(frozen=True)
class Store:
    size: int
    off: int
    src: int | None  # None: BPF_ST with imm
    imm: int

    def encode(self) -> list[Instruction]:
        if self.src is None:
            return [store_imm(self.size, self.off, self.imm)]
        return [store_reg(self.size, self.off, self.src)]


@dataclass(frozen=True)
class Load:
    size: int
    signed: bool
    dst: int
    off: int

    def encode(self) -> list[Instruction]:
        return [load(self.size, self.dst, self.off, signed=self.signed)]


@dataclass(frozen=True)
class Atomic:
    size: int
    name: str
    fetch: bool
    off: int
    src: int

    def encode(self) -> list[Instruction]:
        return [atomic(self.size, self.name, self.off, self.src, fetch=self.fetch)]


@dataclass(frozen=True)
class If:
    """``if cond: <then> else: <orelse>`` as ``jcc +len(else)+1; else; ja +len(then); then``.

    Without an else branch: ``jcc +len(then); then`` (then runs when the condition is false).
    """

    jmp32: bool
    cond: str
    dst: int
    src: int | None
    imm: int
    then: tuple[Op, ...]
    orelse: tuple[Op, ...] | None
    long_ja: bool

    def encode(self) -> list[Instruction]:
        then = encode_ops(self.then)
        if self.orelse is None:
            return [jmp(self.cond, self.dst, slots(then), self.src, self.imm, jmp32=self.jmp32), *then]
        orelse = encode_ops(self.orelse)
        return [
            jmp(self.cond, self.dst, slots(orelse) + 1, self.src, self.imm, jmp32=self.jmp32),
            *orelse,
            ja(slots(then), long=self.long_ja),
            *then,
        ]


@dataclass(frozen=True)
class Loop:
    """``counter = count; do { body } while (--counter != 0)`` with a backward conditional jump.

    Operations of ``body`` that would write the counter are left out when encoding.
    """

    counter: int
    count: int
    cond: str  # jne | jgt | jsgt against 0
    jmp32: bool
    body: tuple[Op, ...]

    def encode(self) -> list[Instruction]:
        body = encode_ops(tuple(o for o in self.body if self.counter not in writes(o)))
        return [
            alu("mov", self.counter, imm=self.count),
            *body,
            alu("add", self.counter, imm=-1),
            jmp(self.cond, self.counter, -(slots(body) + 2), imm=0, jmp32=self.jmp32),
        ]


Op = Alu | Neg | MovSx | End | Const | Store | Load | Atomic | If | Loop


def writes(o: Op) -> set[int]:
    """Registers an operation may write."""
    if isinstance(o, (Alu, Neg, MovSx, End, Const, Load)):
        return {o.dst}
    if isinstance(o, Atomic):
        if o.name == "cmpxchg":
            return {0}
        return {o.src} if o.fetch or o.name == "xchg" else set()
    if isinstance(o, If):
        return set().union(*(writes(c) for c in (*o.then, *(o.orelse or ()))))
    if isinstance(o, Loop):
        return {o.counter}.union(*(writes(c) for c in o.body))
    return set()


def encode_ops(ops: Sequence[Op]) -> list[Instruction]:
    return [insn for o in ops for insn in o.encode()]


@dataclass(frozen=True)
class Program:
    """Initial registers r0-r9, initial stack window (u64s, lowest address first) and operations."""

    regs: tuple[int, ...]
    stack: tuple[int, ...]
    ops: tuple[Op, ...]

    def prologue(self) -> list[Instruction]:
        insns: list[Instruction] = []
        for index, value in enumerate(self.stack):
            insns += [lddw(0, value), store_reg(8, -STACK_BYTES + 8 * index, 0)]
        insns += [lddw(reg, value) for reg, value in enumerate(self.regs)]
        return insns

    def body(self) -> list[Instruction]:
        """The instructions both engines run: prologue, operations, fold; result in r0, no exit."""
        return self.prologue() + encode_ops(self.ops) + fold_state()


FOLD_MULTIPLIER = 0x01000193  # odd, so ``r0 *= FOLD_MULTIPLIER`` is a bijection on 64-bit values


def fold_state() -> list[Instruction]:
    """Fold r1-r9 and the stack window into r0: ``r0 = r0 * M ^ x`` for each.

    Only r0 leaves the program, so without this a wrong value in any other register or stack word
    would go unnoticed.  Multiplying by an odd constant and xoring are both bijections, so a difference
    in exactly one register or word always shows in r0.
    """
    insns: list[Instruction] = []
    for reg in REGS[1:]:
        insns += [alu("mul", 0, imm=FOLD_MULTIPLIER), alu("xor", 0, reg)]
    for offset in range(-STACK_BYTES, 0, 8):
        insns += [load(8, 1, offset), alu("mul", 0, imm=FOLD_MULTIPLIER), alu("xor", 0, 1)]
    return insns


# -- strategies -----------------------------------------------------------------------------------
# Every strategy is built once at import: building (and validating) strategies inside draws is what
# makes hypothesis slow, and the generator's speed bounds how many programs a test run can compare.

_SPECIAL_64 = (
    0,
    1,
    2,
    7,
    0x7F,
    0x80,
    0xFF,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFF,
    1 << 32,
    (1 << 63) - 1,
    1 << 63,
    U64,
    U64 - 1,
    0xFFFFFFFF80000000,
    0x8000000080000000,
)
_SPECIAL_32 = (
    0,
    1,
    -1,
    2,
    -2,
    31,
    32,
    63,
    64,
    0x7F,
    0x80,
    0xFF,
    0x7FFF,
    -0x8000,
    0xFFFF,
    0x7FFFFFFF,
    -0x80000000,
)

u64s = st.one_of(st.sampled_from(_SPECIAL_64), st.integers(0, U64), st.integers(0, 1 << 16))
s32s = st.one_of(st.sampled_from(_SPECIAL_32), st.integers(-(1 << 31), (1 << 31) - 1), st.integers(-300, 300))
nonzero_s32s = s32s.filter(bool)
regs = st.sampled_from(REGS)
optional_regs = st.none() | regs
shift_counts = {True: st.integers(0, 63), False: st.integers(0, 31)}

STACK_OFFSETS = {size: st.sampled_from(range(-STACK_BYTES, 0, size)) for size in (1, 2, 4, 8)}
"""Aligned offsets from r10 of an access of each size inside the initialised window."""


@st.composite
def alu_ops(draw: st.DrawFn) -> Alu:
    is64 = draw(st.booleans())
    name = draw(st.sampled_from(ALU_BINARY))
    dst = draw(regs)
    if draw(st.booleans()):
        return Alu(is64, name, dst, draw(regs), 0)
    if name in SHIFTS:
        imm = draw(shift_counts[is64])
    elif name in DIVISIONS:
        imm = draw(nonzero_s32s)
    else:
        imm = draw(s32s)
    return Alu(is64, name, dst, None, imm)


@st.composite
def stores(draw: st.DrawFn) -> Store:
    size = draw(st.sampled_from((1, 2, 4, 8)))
    off = draw(STACK_OFFSETS[size])
    if draw(st.booleans()):
        return Store(size, off, None, draw(s32s))
    return Store(size, off, draw(regs), 0)


@st.composite
def loads(draw: st.DrawFn) -> Load:
    signed = draw(st.booleans())
    size = draw(st.sampled_from((1, 2, 4) if signed else (1, 2, 4, 8)))
    return Load(size, signed, draw(regs), draw(STACK_OFFSETS[size]))


@st.composite
def atomics(draw: st.DrawFn) -> Atomic:
    size = draw(st.sampled_from((4, 8)))
    name = draw(st.sampled_from(ATOMIC_NAMES))
    fetch = name in ("xchg", "cmpxchg") or draw(st.booleans())
    return Atomic(size, name, fetch, draw(STACK_OFFSETS[size]), draw(regs))


STRAIGHT_OPS: st.SearchStrategy[Op] = st.one_of(
    alu_ops(),
    st.builds(Neg, st.booleans(), regs),
    st.builds(MovSx, st.just(True), st.sampled_from((8, 16, 32)), regs, regs),
    st.builds(MovSx, st.just(False), st.sampled_from((8, 16)), regs, regs),
    st.builds(End, st.sampled_from(("le", "be", "bswap")), st.sampled_from((16, 32, 64)), regs),
    st.builds(Const, regs, u64s),
    stores(),
    loads(),
    atomics(),
)
"""Operations without control flow."""


@st.composite
def _ifs(draw: st.DrawFn, branch: st.SearchStrategy[list[Op]]) -> If:
    jmp32 = draw(st.booleans())
    cond = draw(st.sampled_from(CONDITIONS))
    dst = draw(regs)
    src = draw(optional_regs)
    imm = draw(s32s) if src is None else 0
    then = tuple(draw(branch))
    orelse = None if draw(st.booleans()) else tuple(draw(branch))
    return If(jmp32, cond, dst, src, imm, then, orelse, draw(st.booleans()))


def ifs(inner: st.SearchStrategy[Op], max_ops: int) -> st.SearchStrategy[If]:
    """If/else blocks whose branches hold up to ``max_ops`` operations of ``inner``."""
    return _ifs(st.lists(inner, max_size=max_ops))


@st.composite
def _loops(draw: st.DrawFn, body: st.SearchStrategy[list[Op]]) -> Loop:
    return Loop(
        counter=draw(regs),
        count=draw(st.integers(1, 6)),
        cond=draw(st.sampled_from(("jne", "jgt", "jsgt"))),
        jmp32=draw(st.booleans()),
        body=tuple(draw(body)),
    )


def loops(max_ops: int) -> st.SearchStrategy[Loop]:
    """Bounded loops over up to ``max_ops`` straight-line operations."""
    return _loops(st.lists(STRAIGHT_OPS, min_size=1, max_size=max_ops))


def operations(depth: int = 2, max_ops: int = 6, *, with_loops: bool = True) -> st.SearchStrategy[Op]:
    """Any operation; if/else blocks nest ``depth`` levels, loops hold straight-line code only."""
    if depth == 0:
        return STRAIGHT_OPS
    blocks = ifs(operations(depth - 1, max_ops, with_loops=with_loops), max_ops)
    if not with_loops:
        return st.one_of(STRAIGHT_OPS, blocks)
    return st.one_of(STRAIGHT_OPS, blocks, loops(max_ops))


def programs(
    max_ops: int = 24, control_flow: bool = True, *, with_loops: bool = True
) -> st.SearchStrategy[Program]:
    """Whole programs: straight-line code only, or with if/else blocks and (``with_loops``) bounded loops."""
    ops = operations(with_loops=with_loops) if control_flow else STRAIGHT_OPS
    return st.builds(
        Program,
        st.tuples(*[u64s] * 10),
        st.tuples(*[u64s] * (STACK_BYTES // 8)),
        st.lists(ops, min_size=1, max_size=max_ops).map(tuple),
    )
