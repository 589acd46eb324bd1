"""The virtual machine: the reference interpreter and the memory model it checks every access against.

``run(program, memory)`` runs a program once in raw mode (r1 = input address, r2 = its length) and
returns r0, like uBPF's ``ubpf_exec`` and bpf_conformance plugins; ``Interpreter`` decodes and
translates a program once for many runs; ``Memory`` is the address space of registered native
regions that both the interpreter and (later) the JIT share, as the kernel's programs share real
kernel memory.
"""

from pybpf.vm.interpreter import (
    DEFAULT_BUDGET,
    MAY_GOTO_LOOPS,
    BytesPacket,
    Interpreter,
    PacketReader,
    RunResult,
    run,
)
from pybpf.vm.memory import Memory, Region
from pybpf.vm.trace import RegisterChange, TraceCallback, TraceEvent

__all__ = [
    "DEFAULT_BUDGET",
    "MAY_GOTO_LOOPS",
    "BytesPacket",
    "Interpreter",
    "Memory",
    "PacketReader",
    "Region",
    "RegisterChange",
    "RunResult",
    "TraceCallback",
    "TraceEvent",
    "run",
]
