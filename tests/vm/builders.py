"""Building test programs from the opcode table (the assembler is not needed to test the VM)."""

from __future__ import annotations

from collections.abc import Sequence

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_PSEUDO_FUNC, BY_MNEMONIC
from pybpf.vm import Interpreter, RunResult

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
INT64_MIN = 1 << 63
INT32_MIN = 1 << 31


def insn(mnemonic: str, dst: int = 0, src: int | None = None, off: int = 0, imm: int = 0) -> Instruction:
    """The instruction named ``mnemonic`` (uBPF spelling); a ``src`` register selects the BPF_X form."""
    spec = BY_MNEMONIC.get((mnemonic, src is not None)) or BY_MNEMONIC[(mnemonic, src is None)]
    fields = {"dst": dst, "src": src or 0, "off": off, "imm": imm}
    if spec.discriminator is not None:
        name, value = spec.discriminator
        fields[name] = value
    return Instruction(spec.opcode, **fields)


def lddw(dst: int, value: int) -> Instruction:
    return Instruction.lddw(dst, value)


def ld_func(dst: int, offset: int) -> Instruction:
    """``dst = &function`` (lddw src=BPF_PSEUDO_FUNC); the function starts at slot + 1 + offset."""
    return Instruction.lddw(dst, offset & M32, src=BPF_PSEUDO_FUNC)


def mov(dst: int, imm: int) -> Instruction:
    return insn("mov", dst, imm=imm)


EXIT = insn("exit")


def execute(
    program: Sequence[Instruction], memory: bytes | bytearray | None = None, **kwargs: object
) -> RunResult:
    return Interpreter(program).execute(memory, **kwargs)  # type: ignore[arg-type]


def run(program: Sequence[Instruction], memory: bytes | bytearray | None = None, **kwargs: object) -> int:
    return execute(program, memory, **kwargs).retval


def run_both(program: Sequence[Instruction], memory: bytes | bytearray | None = None) -> int:
    """r0 from the fast path and from the single-step path, asserting they agree."""
    interpreter = Interpreter(program)
    fast = interpreter.run(None if memory is None else bytearray(memory))
    stepped = interpreter.run(None if memory is None else bytearray(memory), trace=lambda event: None)
    assert fast == stepped, f"fast path {fast:#x} != step path {stepped:#x}"
    return fast
