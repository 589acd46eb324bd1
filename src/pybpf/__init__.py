"""pybpf: the Linux bpf(2) system — maps, verifier, programs, execution — in user space.

See README.md for the tour and ../shared/DESIGN.md for the architecture.

``import pybpf`` loads only the errors and the modelled kernel version; every other public name
(``pybpf.Object``, ``pybpf.Map``, ``pybpf.assemble`` ...) imports its module the first time it is
read (PEP 562 ``__getattr__``), so a process that does not load or run programs never imports the
verifier, the ELF loader, the JIT or llvmlite.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

from pybpf.errors import (
    AsmError,
    BPFError,
    BudgetExceededError,
    CallDepthError,
    ExecutionError,
    HelperError,
    InstructionError,
    KeyNotExistError,
    MemoryAccessError,
    ProgramFaultError,
)
from pybpf.kernel_version import KERNEL_VERSION, KernelVersion

if TYPE_CHECKING:  # what __getattr__ imports on first use (named here for type checkers and readers)
    from pybpf.elf.errors import ELFError
    from pybpf.elf.loader import ProgramLoadError
    from pybpf.isa import Instruction, assemble, decode_program, disassemble, encode_program
    from pybpf.kernel.backend import Backend, UserBackend, get_backend
    from pybpf.kernel.syscall import bpf
    from pybpf.link import IterReadError, Link
    from pybpf.map import Map
    from pybpf.object import GlobalData, Object, ObjectProgram, load_object
    from pybpf.perfbuf import PerfBuffer
    from pybpf.program import Program, TestRun, enable_stats
    from pybpf.ringbuf import RingBuffer
    from pybpf.user_ringbuf import UserRingBuffer

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Instruction": "pybpf.isa",
    "assemble": "pybpf.isa",
    "decode_program": "pybpf.isa",
    "disassemble": "pybpf.isa",
    "encode_program": "pybpf.isa",
    "ELFError": "pybpf.elf.errors",
    "ProgramLoadError": "pybpf.elf.loader",
    "Backend": "pybpf.kernel.backend",
    "UserBackend": "pybpf.kernel.backend",
    "get_backend": "pybpf.kernel.backend",
    "bpf": "pybpf.kernel.syscall",
    "IterReadError": "pybpf.link",
    "Link": "pybpf.link",
    "Map": "pybpf.map",
    "GlobalData": "pybpf.object",
    "Object": "pybpf.object",
    "ObjectProgram": "pybpf.object",
    "load_object": "pybpf.object",
    "PerfBuffer": "pybpf.perfbuf",
    "Program": "pybpf.program",
    "TestRun": "pybpf.program",
    "enable_stats": "pybpf.program",
    "RingBuffer": "pybpf.ringbuf",
    "UserRingBuffer": "pybpf.user_ringbuf",
}
"""The public names imported on first use, and their modules."""

__all__ = [
    "KERNEL_VERSION",
    "AsmError",
    "BPFError",
    "Backend",
    "BudgetExceededError",
    "CallDepthError",
    "ELFError",
    "ExecutionError",
    "GlobalData",
    "HelperError",
    "Instruction",
    "InstructionError",
    "IterReadError",
    "KernelVersion",
    "KeyNotExistError",
    "Link",
    "Map",
    "MemoryAccessError",
    "Object",
    "ObjectProgram",
    "PerfBuffer",
    "Program",
    "ProgramFaultError",
    "ProgramLoadError",
    "RingBuffer",
    "TestRun",
    "UserBackend",
    "UserRingBuffer",
    "__version__",
    "assemble",
    "bpf",
    "decode_program",
    "disassemble",
    "enable_stats",
    "encode_program",
    "get_backend",
    "load_object",
]


def __getattr__(name: str) -> object:
    """A public name of ``_LAZY`` or a submodule (as ``pybpf.program`` after ``import pybpf`` found it
    when this package imported everything), imported now, then kept as a module global."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module 'pybpf' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
