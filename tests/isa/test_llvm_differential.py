"""Differential tests against LLVM's BPF assembler and disassembler (llvm-mc, llvm-objdump).

For a few instances of every opcode-table entry:

* our kernel-syntax text, assembled by ``llvm-mc -triple bpfel``, gives the bytes we encode;
* ``llvm-objdump -d`` of our bytes prints text that our assembler reads back as the same instruction.

The tools are the newest LLVM release installed (``tests/llvm_tools.py``: ``llvm-mc-19`` before an
unversioned ``llvm-mc``, which is LLVM 14 on Debian bookworm; ``scripts/setup.sh`` installs the newest).
An older LLVM than the instruction set lacks instructions: LLVM 14 has no sdiv/smod, mod, movsx, ldsx,
gotol, bswap, may_goto, jset or BPF_ST, cannot *parse* the fetch/xchg/cmpxchg atomics it prints and
keeps ``callx``'s register in ``imm`` (LLVM 19 moved it to ``dst``, as GCC and pybpf do); LLVM 19 has
no load-acquire/store-release.  Whether the assembler reads gotol's 32-bit target (LLVM 19 and 22 read it
as a 16-bit offset) is asked of the installed llvm-mc, not guessed from its release.  In every
release ``call`` prints drop ``src``, ``ld_pseudo`` drops ``imm_hi`` and ``ld_ind`` has no immediate.
Such cases are skipped with the reason, only for the LLVM releases that have the gap; anything else
must agree.  Skipped as a whole where llvm-mc or llvm-objdump is not installed.
"""

from __future__ import annotations

import random
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pybpf.errors import AsmError
from pybpf.isa import opcodes
from pybpf.isa.asm import assemble
from pybpf.isa.disasm import format_instruction
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.opcodes import OPCODES, Kind, OpSpec
from tests.llvm_tools import LLVM_MC, LLVM_OBJDUMP, llvm_major, llvm_mc_assembles

pytestmark = pytest.mark.skipif(
    LLVM_MC is None or LLVM_OBJDUMP is None, reason="llvm-mc or llvm-objdump is not installed"
)

_OFFSETS = (0, 4, -8, 32767, -32768)
_IMMEDIATES = (0, 1, -1, 16, 0x7FFFFFFF, -0x80000000)
_INSTANCES = 3


def _instances(spec: OpSpec) -> list[Instruction]:
    """A few valid instructions of ``spec`` with varied registers, offsets and immediates."""
    rng = random.Random(OPCODES.index(spec))
    found = []
    for _ in range(_INSTANCES):
        fields = {
            "dst": rng.randrange(11),
            "src": rng.randrange(11) if spec.use_src_reg else 0,
            "off": rng.choice(_OFFSETS),
            "imm": rng.choice(_IMMEDIATES),
        }
        for name in spec.reserved:
            fields[name] = 0
        if spec.discriminator is not None:
            fields[spec.discriminator[0]] = spec.discriminator[1]
        imm_hi = 0
        if spec.kind is Kind.LDDW:
            fields["src"] = rng.choice((0, 0, *sorted(opcodes.LDDW_PSEUDO_NAMES)))
            imm_hi = rng.choice(_IMMEDIATES)
        found.append(Instruction(spec.opcode, imm_hi=imm_hi, **fields))
    return found


def _mc_text(insn: Instruction, spec: OpSpec) -> str:
    """Our text for ``insn``, in the spelling LLVM reads where we print another one."""
    if spec.kind is Kind.CALL:  # we print "call bpf_map_lookup_elem#1"; LLVM reads '#' as a comment
        text = f"call {insn.imm}"
        assert assemble(text, "kernel") == [insn]
        return text
    return format_instruction(insn, "kernel")


# -- what each LLVM release lacks -------------------------------------------------------------------
# The first LLVM release that reads and prints each instruction as pybpf does.  The cpu v4 instructions
# arrived in LLVM 18 (the kernel's selftests gate them on ``__clang_major__ >= 18``, bpf_misc.h),
# may_goto and callx with the register in ``dst`` in LLVM 19, load-acquire/store-release after LLVM 20.
# LLVM 14, 19 and 22 are the releases measured here; a release in between that lacks a feature skips.
_V4 = 18
_FIRST_RELEASE: dict[Kind, tuple[int, str]] = {
    Kind.MOVSX: (_V4, "no movsx"),
    Kind.LDXSX: (_V4, "no sign-extending loads"),
    Kind.GOTOL: (_V4, "no gotol"),
    Kind.ST: (_V4, "no BPF_ST stores of immediates"),
    Kind.MAY_GOTO: (19, "no may_goto"),
    Kind.CALLX: (19, "callx with the register in imm"),
    Kind.LOAD_ACQ: (21, "no load-acquire (LLVM 19 decodes it as lock add or <unknown>)"),
    Kind.STORE_REL: (21, "no store-release (LLVM 19 decodes it as lock add or <unknown>)"),
}


def _gap(insn: Instruction, spec: OpSpec, major: int) -> str | None:
    """Why LLVM ``major`` cannot agree on ``insn`` (in either direction), or None."""
    kind = spec.kind
    # Notation differences in every release.
    if kind is Kind.CALL_LOCAL:
        return "llvm-objdump prints local calls as 'call N', dropping src"
    if kind is Kind.CALL_KFUNC:
        return "llvm-objdump prints kfunc calls as 'call N', dropping src and off"
    if kind is Kind.LD_IND and insn.imm != 0:
        return "LLVM's ld_ind has no immediate operand: it neither reads nor prints one"
    if kind is Kind.LDDW and insn.src != 0:
        return "our pseudo-source notation is not LLVM's; llvm-objdump's ld_pseudo drops imm_hi"
    if kind is Kind.NOSPEC:
        return "LLVM has no nospec: the barrier is the kernel's fixups' own, never compiled"
    # Instructions a release lacks.
    first = _FIRST_RELEASE.get(kind)
    if kind is Kind.ALU and spec.op in ("sdiv", "smod"):
        first = (_V4, "no sdiv or smod")
    elif kind is Kind.ALU and spec.op == "mod":
        first = (15, "no mod")
    elif kind is Kind.END and spec.op == "bswap":
        first = (_V4, "no bswap")
    elif kind is Kind.JCOND and spec.op == "jset":
        first = (15, "no jset")
    if first is not None and major < first[0]:
        return f"LLVM {major} has {first[1]}"
    return None


def _cannot_parse(insn: Instruction, spec: OpSpec, major: int, gotol_32bit: bool) -> str | None:
    """Why LLVM ``major``'s assembler rejects text its own disassembler prints, or None.

    ``gotol_32bit``: whether the installed llvm-mc assembles a gotol whose target needs 32 bits.
    """
    if spec.kind is Kind.ATOMIC and spec.fetch and major <= 14:
        return f"LLVM {major}'s assembler cannot parse the fetch/xchg/cmpxchg atomics it prints"
    if spec.kind is Kind.GOTOL and not gotol_32bit and not -0x8000 <= insn.imm < 0x8000:
        # BPFAsmParser checks every branch target against isInt<16>, gotol's 32-bit one too
        # (LLVM's error); llvm-objdump prints the 32-bit offsets, which pybpf reads.
        return f"LLVM {major}'s assembler reads gotol's target as a 16-bit offset"
    return None


# -- running LLVM once for every instance ----------------------------------------------------------
@dataclass
class _Results:
    major: int
    gotol_32bit: bool  # the installed llvm-mc assembles a gotol target beyond 16 bits
    mc: dict[Instruction, bytes | str] = field(default_factory=dict)  # bytes, or llvm-mc's error
    objdump: dict[Instruction, str] = field(default_factory=dict)

    def gap(self, insn: Instruction, spec: OpSpec) -> str | None:
        return _gap(insn, spec, self.major)

    def cannot_parse(self, insn: Instruction, spec: OpSpec) -> str | None:
        return _cannot_parse(insn, spec, self.major, self.gotol_32bit)


@pytest.fixture(scope="module")
def llvm() -> _Results:
    assert LLVM_MC is not None and LLVM_OBJDUMP is not None
    insns = [insn for spec in OPCODES for insn in _instances(spec)]
    results = _Results(llvm_major(LLVM_MC), llvm_mc_assembles(LLVM_MC, "gotol +32768"))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        texts = [_mc_text(insn, insn_spec(insn)) for insn in insns]
        (directory / "ours.s").write_text("".join(text + "\n" for text in texts))
        run = subprocess.run(
            [LLVM_MC, "-triple", "bpfel", "-mattr=+alu32", "-show-encoding", str(directory / "ours.s")],
            capture_output=True,
            text=True,
            check=False,
        )
        errors = {
            int(line): message for line, message in re.findall(r"ours\.s:(\d+):\d+: error: (.*)", run.stderr)
        }
        encodings = iter(re.findall(r"# encoding: \[([^\]]*)\]", run.stdout))
        for number, insn in enumerate(insns, start=1):
            if number in errors:
                results.mc[insn] = errors[number]
                continue
            encoding = next(encodings)
            if "'" in encoding or "A" in encoding:
                results.mc[insn] = f"LLVM emitted a fixup: [{encoding}]"
            else:
                results.mc[insn] = bytes(int(byte, 16) for byte in encoding.split(","))

        data = encode_program(insns)
        (directory / "bytes.s").write_text(".text\n" + "".join(f".byte {byte}\n" for byte in data))
        subprocess.run(
            [
                LLVM_MC,
                "-triple",
                "bpfel",
                "-filetype=obj",
                str(directory / "bytes.s"),
                "-o",
                str(directory / "bytes.o"),
            ],
            check=True,
        )
        listing = subprocess.run(
            [LLVM_OBJDUMP, "-d", "--mattr=+alu32", str(directory / "bytes.o")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    lines = re.findall(r"^\s*\d+:\t[0-9a-f ]+\t(.*)$", listing, flags=re.MULTILINE)
    assert len(lines) == len(insns)
    for insn, line in zip(insns, lines, strict=True):
        results.objdump[insn] = re.sub(r"( [+-](?:0x[0-9a-f]+|\d+)) <[^>]*>$", r"\1", line.strip())
    return results


def insn_spec(insn: Instruction) -> OpSpec:
    spec = insn.spec
    assert spec is not None
    return spec


_IDS = [f"{spec.opcode:#04x}-{spec.mnemonic}" for spec in OPCODES]


@pytest.mark.parametrize("spec", OPCODES, ids=_IDS)
def test_llvm_mc_assembles_our_text_to_our_bytes(llvm: _Results, spec: OpSpec) -> None:
    skipped = []
    for insn in _instances(spec):
        reason = llvm.gap(insn, spec) or llvm.cannot_parse(insn, spec)
        if reason:
            skipped.append(reason)
            continue
        result = llvm.mc[insn]
        assert isinstance(result, bytes), f"llvm-mc refused {_mc_text(insn, spec)!r}: {result}"
        assert result == insn.encode(), _mc_text(insn, spec)
    if skipped:
        pytest.skip(skipped[0])


@pytest.mark.parametrize("spec", OPCODES, ids=_IDS)
def test_our_assembler_reads_llvm_objdump(llvm: _Results, spec: OpSpec) -> None:
    skipped = []
    for insn in _instances(spec):
        reason = llvm.gap(insn, spec)
        if reason:
            skipped.append(reason)
            continue
        text = llvm.objdump[insn]
        try:
            parsed = assemble(text, "kernel")
        except AsmError as error:
            pytest.fail(f"cannot read llvm-objdump's {text!r}: {error}")
        assert parsed == [insn], text
    if skipped:
        pytest.skip(skipped[0])
