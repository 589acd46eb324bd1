"""Raw program bytes -> instructions, refusing a malformed lddw the way the verifier does.

A truncated lddw (the program's last slot) is "last insn is not an exit or jmp", as check_subprogs()
reports it before anything looks at lddw.

``pybpf.isa.decode_program`` raises InstructionError for an lddw whose second slot is missing or
not ``{code 0, regs 0, off 0}``; the kernel reports the same programs from check_and_resolve_insns()
as "invalid bpf_ld_imm64 insn" (EINVAL) in the verifier log.  ``decode_insns`` gives BPF_PROG_LOAD
that answer (a VerifierError carrying the log line) while decoding.  The kernel finds it after its
subprogram checks, so a program that also has a bad call target or jump reports that one first
there; here the lddw wins.
"""

from __future__ import annotations

import errno

from pybpf.errors import InstructionError
from pybpf.isa.instruction import Instruction, decode_program
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.log import VerifierLog

_MESSAGE = "invalid bpf_ld_imm64 insn"


def decode_insns(
    raw: bytes | bytearray | memoryview, log_level: int = 0, log_size: int | None = None
) -> list[Instruction]:
    """Decode ``raw`` (a multiple of 8 bytes) for BPF_PROG_LOAD (``log_size``: the user's log buffer)."""
    try:
        return decode_program(raw)
    except InstructionError as err:
        text = str(err)
        if "truncated lddw" in text:  # the lddw is the last slot: check_subprogs sees it first
            message = "last insn is not an exit or jmp"
        elif "ld_imm64" in text:
            message = _MESSAGE
        else:
            raise
        log = VerifierLog(log_level, log_size)
        log.line(message)
        log.print_stats(0, 0, [0])
        raise VerifierError(errno.EINVAL, message, log.text, log) from None
