"""pybpf: the Linux bpf(2) system — maps, verifier, programs, execution — in user space.

See README.md for the tour and ../shared/DESIGN.md for the architecture.
"""

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
from pybpf.isa import Instruction, assemble, decode_program, disassemble, encode_program
from pybpf.kernel_version import KERNEL_VERSION, KernelVersion

__version__ = "0.1.0"

__all__ = [
    "KERNEL_VERSION",
    "AsmError",
    "BPFError",
    "BudgetExceededError",
    "CallDepthError",
    "ExecutionError",
    "HelperError",
    "Instruction",
    "InstructionError",
    "KernelVersion",
    "KeyNotExistError",
    "MemoryAccessError",
    "ProgramFaultError",
    "__version__",
    "assemble",
    "decode_program",
    "disassemble",
    "encode_program",
]

from pybpf.elf.errors import ELFError
from pybpf.elf.loader import ProgramLoadError
from pybpf.kernel.backend import Backend, UserBackend, get_backend
from pybpf.kernel.syscall import bpf
from pybpf.link import IterReadError, Link
from pybpf.map import Map
from pybpf.object import GlobalData, Object, ObjectProgram, load_object
from pybpf.perfbuf import PerfBuffer
from pybpf.program import Program, TestRun, enable_stats
from pybpf.ringbuf import RingBuffer
from pybpf.user_ringbuf import UserRingBuffer

__all__ += ["Backend", "Map", "Program", "RingBuffer", "TestRun", "UserBackend", "bpf", "get_backend"]
__all__ += ["PerfBuffer", "UserRingBuffer", "enable_stats"]
__all__ += ["IterReadError", "Link"]
__all__ += ["ELFError", "GlobalData", "Object", "ObjectProgram", "ProgramLoadError", "load_object"]
