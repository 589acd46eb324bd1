"""Differential tests against LLVM's BPF assembler and disassembler (llvm-mc, llvm-objdump).

For a few instances of every opcode-table entry:

* our kernel-syntax text, assembled by ``llvm-mc -triple bpfel``, gives the bytes we encode;
* ``llvm-objdump -d`` of our bytes prints text that our assembler reads back as the same instruction.

The machine's LLVM may be older than the instruction set: LLVM 14 lacks sdiv/smod, mod, movsx, ldsx,
gotol, bswap, may_goto, jset, BPF_ST, load-acquire/store-release, and cannot *parse* the fetch/xchg/
cmpxchg atomics it prints; its ``callx`` keeps the register in ``imm`` (LLVM >= 19 moved it to ``dst``,
as GCC and pybpf do); ``call`` prints drop ``src``; ``ld_pseudo`` drops ``imm_hi``.  Such cases are
skipped with the reason, only for the LLVM versions that have the gap; anything else must agree.
Skipped as a whole where llvm-mc or llvm-objdump is not installed.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pybpf.errors import AsmError
from pybpf.isa import opcodes
from pybpf.isa.asm import assemble
from pybpf.isa.disasm import format_instruction
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.isa.opcodes import OPCODES, Kind, OpSpec

LLVM_MC = shutil.which("llvm-mc")
LLVM_OBJDUMP = shutil.which("llvm-objdump")
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


# -- what LLVM 14 lacks ------------------------------------------------------------------------------
def _llvm14_gap(insn: Instruction, spec: OpSpec) -> str | None:
    """Why LLVM 14 cannot agree on ``insn`` (in either direction), or None."""
    kind = spec.kind
    if kind is Kind.ALU and spec.op in ("mod", "smod", "sdiv"):
        return "LLVM 14 has no mod, sdiv or smod"
    gaps = {
        Kind.MOVSX: "LLVM 14 has no movsx",
        Kind.LDXSX: "LLVM 14 has no sign-extending loads",
        Kind.GOTOL: "LLVM 14 has no gotol",
        Kind.MAY_GOTO: "LLVM 14 has no may_goto",
        Kind.ST: "LLVM 14 has no BPF_ST stores of immediates",
        Kind.LOAD_ACQ: "LLVM 14 has no load-acquire (it decodes it as lock add)",
        Kind.STORE_REL: "LLVM 14 has no store-release (it decodes it as lock add)",
        Kind.CALLX: "LLVM 14 encodes callx with the register in imm",
        Kind.CALL_LOCAL: "llvm-objdump prints local calls as 'call N', dropping src",
        Kind.CALL_KFUNC: "llvm-objdump prints kfunc calls as 'call N', dropping src and off",
    }
    if kind in gaps:
        return gaps[kind]
    if kind is Kind.END and spec.op == "bswap":
        return "LLVM 14 has no bswap"
    if kind is Kind.JCOND and spec.op == "jset":
        return "LLVM 14 has no jset"
    if kind is Kind.LD_IND and insn.imm != 0:
        return "LLVM prints ld_ind without its immediate"
    if kind is Kind.LDDW and insn.src != 0:
        return "our pseudo-source notation is not LLVM's; llvm-objdump's ld_pseudo drops imm_hi"
    return None


def _llvm14_cannot_parse(insn: Instruction, spec: OpSpec) -> str | None:
    """Why LLVM 14's assembler rejects text its own disassembler prints, or None."""
    if spec.kind is Kind.ATOMIC and spec.fetch:
        return "LLVM 14's assembler cannot parse the fetch/xchg/cmpxchg atomics it prints"
    return None


# -- running LLVM once for every instance ----------------------------------------------------------
@dataclass
class _Results:
    mc: dict[Instruction, bytes | str] = field(default_factory=dict)  # bytes, or llvm-mc's error
    objdump: dict[Instruction, str] = field(default_factory=dict)
    gap: Callable[[Instruction, OpSpec], str | None] = _llvm14_gap
    cannot_parse: Callable[[Instruction, OpSpec], str | None] = _llvm14_cannot_parse


def _llvm_major() -> int:
    assert LLVM_MC is not None
    version = subprocess.run([LLVM_MC, "--version"], capture_output=True, text=True, check=True).stdout
    match = re.search(r"LLVM version (\d+)", version)
    return int(match.group(1)) if match else 0


def _no_gap(insn: Instruction, spec: OpSpec) -> str | None:
    return None


@pytest.fixture(scope="module")
def llvm() -> _Results:
    assert LLVM_MC is not None and LLVM_OBJDUMP is not None
    insns = [insn for spec in OPCODES for insn in _instances(spec)]
    results = _Results()
    if _llvm_major() > 14:
        # Newer LLVMs close most gaps; keep only the notation differences.
        results.gap = lambda insn, spec: (
            _llvm14_gap(insn, spec) if spec.kind in (Kind.CALL_LOCAL, Kind.CALL_KFUNC, Kind.LDDW) else None
        )
        results.cannot_parse = _no_gap
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
        results.objdump[insn] = re.sub(r"(goto [+-]\d+) <[^>]*>$", r"\1", line.strip())
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
