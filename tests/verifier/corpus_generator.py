"""A seeded generator of structured XDP programs for the verifier corpus (its "generated" theme).

Each program is built from snippets of the shapes the verifier's value tracking exists for: ALU
chains on unknown scalars whose result then offsets a map value pointer, branches that bound a
scalar (signed or unsigned, 64- or 32-bit, against a constant or a register) before the same use,
stack stores and loads (spills of scalars and pointers, fills of other sizes), map lookups with and
without the NULL check and value accesses at constant or variable offsets, packet reads with
and without (or with a too short) data_end check, at constant or variable offsets, map value
pointers spilled and filled, and two unknowns compared with each other.  A program is a pure
function of its seed (``random.Random(seed)``), so ``generated_theme()`` always writes the same
text; the corpus stores that text (tests/data/verifier_corpus/generated.asm) and the kernel's verdicts on it.

Registers: r6 holds the context, r7 the packet's data, r8 its data_end; snippets use r0-r5 and r9
and leave r6-r8 alone, and every snippet is self-contained (helper calls clobber r1-r5).
"""

from __future__ import annotations

import random

SIZES = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}
MAPS = "hmap=hash(4,16,8) amap=array(4,16,4)"
SEEDS = range(320)
# xdp_md fields a program may read as unknown 32-bit scalars: ingress_ifindex, rx_queue_index.
_CTX_SCALARS = (12, 16)
_ALU = ("+=", "-=", "*=", "&=", "|=", "^=", "<<=", ">>=", "s>>=", "/=", "%=")
_JMP = ("==", "!=", ">", ">=", "<", "<=", "s>", "s>=", "s<", "s<=", "&")


class ProgramBuilder:
    """A program under construction: its lines, its labels and the snippets it was built from."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lines: list[str] = []
        self.labels = 0
        self.kinds: list[str] = []

    def label(self) -> str:
        self.labels += 1
        return f"l{self.labels}"

    def emit(self, *lines: str) -> None:
        self.lines.extend(lines)

    # -- scalars --------------------------------------------------------------------------------
    def unknown_scalar(self, reg: str) -> None:
        """``reg`` = an unknown 32-bit value from the context, sometimes sign-extended or widened."""
        rng = self.rng
        self.emit(f"{reg} = *(u32 *)(r6 + {rng.choice(_CTX_SCALARS)})")
        shape = rng.randrange(4)
        if shape == 1:
            self.emit(f"{reg} <<= 32", f"{reg} s>>= 32")
        elif shape == 2:
            self.emit(f"{reg} = (s8){reg}" if rng.random() < 0.5 else f"{reg} = (s16){reg}")

    def alu_chain(self, reg: str) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(_ALU)
            wide = rng.random() < 0.75
            name = reg if wide else "w" + reg[1:]
            if op in ("<<=", ">>=", "s>>="):
                imm = rng.randrange(64 if wide else 32)
            elif op in ("/=", "%="):
                imm = rng.choice((1, 2, 3, 7, 16))
            elif op == "&=":
                imm = rng.choice((1, 3, 7, 15, 31, 255, -8, 0x7FFFFFFF))
            else:
                imm = rng.randrange(-40, 300)
            self.emit(f"{name} {op} {imm}")
        if rng.random() < 0.2:
            self.emit(f"{reg} = -{reg}")

    def bound(self, reg: str, out: str) -> None:
        """A conditional jump that bounds ``reg`` on the path that falls through (or not)."""
        rng = self.rng
        op = rng.choice(_JMP)
        wide = rng.random() < 0.7
        name = reg if wide else "w" + reg[1:]
        if rng.random() < 0.2:
            self.emit(f"r9 = {rng.randrange(0, 24)}")
            other = "r9" if wide else "w9"
        else:
            other = str(rng.choice((0, 1, 3, 8, 12, 15, 16, -1, 255)))
        self.emit(f"if {name} {op} {other} goto {out}")

    # -- snippets -------------------------------------------------------------------------------
    def lookup(self, map_name: str, key: str = "0") -> None:
        rng = self.rng
        key_off = rng.choice((-4, -8, -16))
        self.emit(f"*(u32 *)(r10 {key_off}) = {key}", "r2 = r10", f"r2 += {key_off}")
        self.emit(f"r1 = map_fd({map_name}) ll", "call bpf_map_lookup_elem")

    def snippet_value_const(self) -> None:
        rng = self.rng
        out = self.label()
        self.lookup(rng.choice(("hmap", "amap")), str(rng.choice((0, 1, 3, 4))))
        if rng.random() < 0.85:
            self.emit(f"if r0 == 0 goto {out}")
        size = rng.choice(list(SIZES))
        off = rng.randrange(-2, 18)
        if rng.random() < 0.5:
            self.emit(f"r3 = *({SIZES[size]} *)(r0 {off:+d})")
        else:
            self.emit(f"*({SIZES[size]} *)(r0 {off:+d}) = {rng.randrange(100)}")
        self.emit(f"{out}:")

    def snippet_value_variable(self) -> None:
        rng = self.rng
        out = self.label()
        self.unknown_scalar("r9")
        refine = rng.randrange(3)
        if refine == 0:
            self.emit(f"r9 &= {rng.choice((3, 7, 8, 15, 16, 31))}")
        elif refine == 1:
            self.bound("r9", out)
        else:
            self.alu_chain("r9")
        self.emit("*(u64 *)(r10 - 24) = r9")
        self.lookup(rng.choice(("hmap", "amap")))
        if rng.random() < 0.9:
            self.emit(f"if r0 == 0 goto {out}")
        self.emit("r9 = *(u64 *)(r10 - 24)", "r0 += r9")
        size = rng.choice(list(SIZES))
        self.emit(f"r3 = *({SIZES[size]} *)(r0 + {rng.randrange(0, 9)})", f"{out}:")

    def snippet_packet(self) -> None:
        rng = self.rng
        out = self.label()
        checked = rng.randrange(0, 40)
        form = rng.randrange(5)
        self.emit("r2 = r7", f"r2 += {checked}")
        if form == 0:
            self.emit(f"if r2 > r8 goto {out}")
        elif form == 1:
            self.emit(f"if r8 < r2 goto {out}")
        elif form == 2:
            self.emit(f"if r2 >= r8 goto {out}")
        elif form == 3:
            self.emit("if r8 >= r2 goto +1", f"goto {out}")
        size = rng.choice(list(SIZES))
        off = rng.randrange(0, 40)
        if rng.random() < 0.6:  # an access the check is meant to cover (or just not)
            off = max(0, checked - size - rng.randrange(0, 3))
        if rng.random() < 0.3:  # a variable offset, masked
            self.unknown_scalar("r4")
            self.emit(f"r4 &= {rng.choice((1, 3, 7, 15))}", "r3 = r7", "r3 += r4")
            self.emit(f"r3 = *({SIZES[size]} *)(r3 + {off})")
        else:
            self.emit(f"r3 = *({SIZES[size]} *)(r7 + {off})")
        self.emit(f"{out}:")

    def snippet_packet_variable(self) -> None:
        """A variable offset added to data first, then the data_end check on the moved pointer."""
        rng = self.rng
        out = self.label()
        self.unknown_scalar("r4")
        if rng.random() < 0.8:
            self.emit(f"r4 &= {rng.choice((7, 15, 63, 255, 0xFFFF))}")
        self.emit("r3 = r7", "r3 += r4", "r2 = r3")
        size = rng.choice(list(SIZES))
        reach = rng.choice((size, size + 1, max(size - 1, 0), 8))
        self.emit(f"r2 += {reach}", f"if r2 {rng.choice(('>', '>='))} r8 goto {out}")
        self.emit(f"r5 = *({SIZES[size]} *)(r3 + {rng.choice((0, 0, 1))})", f"{out}:")

    def snippet_pointer_spill(self) -> None:
        """A map value pointer spilled, filled (at another size sometimes), moved and used."""
        rng = self.rng
        out = self.label()
        self.lookup(rng.choice(("hmap", "amap")))
        self.emit(f"if r0 == 0 goto {out}")
        slot = rng.choice((-32, -40, -48))
        self.emit(f"*(u64 *)(r10 {slot}) = r0")
        if rng.random() < 0.3:
            self.emit(f"*(u{rng.choice((8, 32))} *)(r10 {slot}) = 0")
        fill = 8 if rng.random() < 0.85 else rng.choice((4, 2))
        self.emit(f"r5 = *({SIZES[fill]} *)(r10 {slot})")
        self.emit(f"r5 += {rng.randrange(-4, 20)}", f"r4 = *({SIZES[rng.choice(list(SIZES))]} *)(r5 + 0)")
        self.emit(f"{out}:")

    def snippet_two_registers(self) -> None:
        """Two unknowns compared with each other, one of them bounded, then used as an offset."""
        rng = self.rng
        out = self.label()
        self.unknown_scalar("r9")
        self.emit(f"r5 = *(u32 *)(r6 + {rng.choice(_CTX_SCALARS)})", f"r5 &= {rng.choice((7, 15, 31))}")
        op = rng.choice(("<", "<=", ">", ">=", "s<", "s<=", "==", "!="))
        wide = rng.random() < 0.75
        a, b = ("r9", "r5") if wide else ("w9", "w5")
        if rng.random() < 0.5:
            a, b = b, a
        self.emit(f"if {a} {op} {b} goto +1", f"goto {out}")
        self.emit("*(u64 *)(r10 - 24) = r9")
        self.lookup(rng.choice(("hmap", "amap")))
        self.emit(f"if r0 == 0 goto {out}", "r9 = *(u64 *)(r10 - 24)", "r0 += r9", "r3 = *(u8 *)(r0 + 0)")
        self.emit(f"{out}:")

    def snippet_stack(self) -> None:
        rng = self.rng
        size = rng.choice(list(SIZES))
        off = -rng.randrange(1, 64)
        if rng.random() < 0.85:
            off -= off % size
        what = rng.randrange(4)
        if what == 0:
            self.emit(f"*({SIZES[size]} *)(r10 {off}) = {rng.randrange(256)}")
        elif what == 1:
            self.unknown_scalar("r3")
            self.emit(f"*({SIZES[size]} *)(r10 {off}) = r3")
        elif what == 2:
            reg = rng.choice(("r6", "r7", "r8"))
            if rng.random() < 0.7:  # a whole spill, mostly
                size, off = 8, off & ~7
            self.emit(f"*({SIZES[size]} *)(r10 {off}) = {reg}")
        else:
            spill = 8 if rng.random() < 0.8 else size
            self.emit("r3 = r10", f"r3 += {off}", f"*({SIZES[spill]} *)(r10 {off & ~7}) = r3")
        fill = size if rng.random() < 0.5 else rng.choice(list(SIZES))
        self.emit(f"r4 = *({SIZES[fill]} *)(r10 {off if rng.random() < 0.7 else off & ~7})")
        if what >= 2 and rng.random() < 0.5:
            self.emit("r4 = *(u8 *)(r4 + 0)")

    def snippet_alu(self) -> None:
        rng = self.rng
        out = self.label()
        if rng.random() < 0.5:
            self.unknown_scalar("r5")
        else:
            self.emit(f"r5 = {rng.randrange(-100, 1000)}")
        self.alu_chain("r5")
        if rng.random() < 0.5:
            self.bound("r5", out)
        self.emit("r3 = r10", "r3 += -64", "r5 &= 63", "r3 += r5")
        access = "*(u8 *)(r3 + 0) = r4" if rng.random() < 0.5 else "r4 = *(u8 *)(r3 + 0)"
        self.emit("r4 = 0", access, f"{out}:")

    def program(self) -> str:
        rng = self.rng
        self.emit("r6 = r1", "r7 = *(u32 *)(r6 + 0)", "r8 = *(u32 *)(r6 + 4)")
        snippets = (
            self.snippet_value_const,
            self.snippet_value_variable,
            self.snippet_packet,
            self.snippet_packet_variable,
            self.snippet_pointer_spill,
            self.snippet_two_registers,
            self.snippet_stack,
            self.snippet_alu,
        )
        for _ in range(rng.randint(1, 3)):
            choice = rng.choice(snippets)
            self.kinds.append(choice.__name__.removeprefix("snippet_"))
            choice()
        self.emit("r0 = 2", "exit")
        return "\n".join(f"{line}" if line.endswith(":") else f"    {line}" for line in self.lines)


def generated_program(seed: int) -> tuple[str, str]:
    """(description, program text) of the program of ``seed``."""
    builder = ProgramBuilder(seed)
    text = builder.program()
    return f"seed {seed}: " + ", ".join(builder.kinds), text


def generated_theme() -> str:
    """The text of generated.asm: every seed's program in the corpus format."""
    blocks = [
        "# Generated by tests/verifier/corpus_generator.py (scripts/record_verifier_corpus.py writes it);"
        " do not edit.\n"
    ]
    for seed in SEEDS:
        desc, text = generated_program(seed)
        blocks.append(f"=== gen/{seed:03d}\ntype: xdp\nmaps: {MAPS}\ndesc: {desc}\n{text}\n")
    return "\n".join(blocks)
