"""Errors raised by pybpf.

Mirrors how the kernel reports failure from bpf(2): every failure of a bpf() command is an
``OSError`` subclass carrying the errno the kernel would set (``BPFError``).  Problems that are not
syscall failures have their own families:

* ``InstructionError`` — an instruction or program that the kernel would refuse with EINVAL
  (unknown opcode, reserved field in use, bad register, jump out of range ...).  It is a
  ``BPFError`` so that loading such a program through ``bpf()`` raises the kernel's errno.
* ``AsmError`` — malformed assembly text, with line and column.  A ``ValueError``.
* ``ExecutionError`` — a running program faulted (out-of-bounds access, instruction budget
  exhausted, call depth exceeded, unknown helper).  The kernel never gets here for verified
  programs; the interpreter checks at run time instead of crashing.
"""

from __future__ import annotations

import errno as _errno
import os


def refusal_reason(log: str) -> str:
    """The verifier's reason in a refused load's log: its last line that is not a summary line."""
    for line in reversed(log.splitlines()):
        text = line.strip()
        if text and not text.startswith(("processed ", "verification time", "stack depth", "-- END")):
            return text
    return ""


class BPFError(OSError):
    """A bpf() failure: ``.errno`` is the kernel's errno, the message says why.

    ``log`` holds the verifier's log when a program load was refused (empty otherwise).
    """

    log: str = ""

    def __init__(self, err: int, message: str | None = None) -> None:
        super().__init__(err, message or os.strerror(err))


class KeyNotExistError(BPFError, KeyError):
    """ENOENT from a map lookup/delete: also a ``KeyError`` so mapping code works naturally."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(_errno.ENOENT, message or "no such key")

    def __str__(self) -> str:  # KeyError.__str__ would repr() the args tuple
        return OSError.__str__(self)


class InstructionError(BPFError):
    """An invalid instruction or program structure (EINVAL), naming the instruction index."""

    def __init__(self, index: int | None, message: str) -> None:
        self.index = index
        text = f"insn {index}: {message}" if index is not None else message
        super().__init__(_errno.EINVAL, text)


class AsmError(ValueError):
    """Malformed assembly source; ``line`` and ``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int = 1, source_line: str = "") -> None:
        self.line = line
        self.column = column
        self.source_line = source_line
        self.reason = message
        super().__init__(f"line {line}, column {column}: {message}")


class ExecutionError(RuntimeError):
    """A program faulted while running; ``pc`` is the slot index of the faulting instruction."""

    def __init__(self, pc: int | None, message: str) -> None:
        self.pc = pc
        self.reason = message
        super().__init__(f"pc {pc}: {message}" if pc is not None else message)


class MemoryAccessError(ExecutionError):
    """A load or store outside every memory region the program may touch."""

    def __init__(self, pc: int | None, address: int, size: int, write: bool, detail: str = "") -> None:
        self.address = address
        self.size = size
        self.write = write
        kind = "write" if write else "read"
        msg = f"invalid memory {kind} of {size} byte{'s' if size != 1 else ''} at {address:#x}"
        if detail:
            msg += f" ({detail})"
        super().__init__(pc, msg)


class UnknownMemoryError(MemoryAccessError):
    """A load of bytes of a kernel object whose value user space cannot learn (a region registered
    with no access: ``pybpf.memory.regions.OPAQUE``); probe loads do not read 0 for it, the run stops."""


class BudgetExceededError(ExecutionError):
    """The instruction budget ran out (a runaway, unverified program)."""


class CallDepthError(ExecutionError):
    """bpf-to-bpf calls nested deeper than the kernel allows."""


class HelperError(ExecutionError):
    """A helper call that cannot be made (unknown id) or that failed."""


class ProgramFaultError(BPFError):
    """BPF_PROG_TEST_RUN of a program that faulted at run time (EFAULT): ``fault`` is the
    interpreter's ``ExecutionError`` (bad memory access, budget, unknown helper ...), ``pc`` its slot.

    The kernel's verifier proves such programs safe before they run; pybpf's structural verifier
    cannot yet, so its interpreter checks every access and stops the run instead.
    """

    def __init__(self, fault: ExecutionError) -> None:
        self.fault = fault
        self.pc = fault.pc
        super().__init__(_errno.EFAULT, f"program fault: {fault}")
