"""The virtual machine: the reference interpreter and the memory model it checks every access against.

``run(program, memory)`` runs a program once in raw mode (r1 = input address, r2 = its length) and
returns r0, like uBPF's ``ubpf_exec`` and bpf_conformance plugins; ``Interpreter`` decodes and
validates a program once for many runs and translates it lazily, a chunk of a few hundred
instructions at a time when control first reaches it (``pybpf.vm.translation``; building an
interpreter for thousands of instructions takes milliseconds); ``Memory`` is the address space of
registered native regions that both the interpreter and (later) the JIT share, as the kernel's
programs share real kernel memory.

Atomic instructions (BPF_ATOMIC add/or/and/xor, their fetch forms, xchg, cmpxchg, 32 and 64 bit)
and load-acquire/store-release are native atomic operations (``pybpf.vm.atomics``, libatomic), so
they are atomic across processes sharing the memory — a map's shared pages — like the kernel's.
A helper ends the program with a tail call by raising ``TailCall(target)``, which leaves
``Interpreter.execute`` unwrapped for the program-type runner to follow.  ``RunSession``
(``Interpreter.session()``) runs a program many times with its setup done once, as the repeats of
BPF_PROG_TEST_RUN do.
"""

from pybpf.engine import TailCall
from pybpf.memory.regions import Memory, Region
from pybpf.vm.interpreter import (
    DEFAULT_BUDGET,
    MAY_GOTO_LOOPS,
    BytesPacket,
    Interpreter,
    PacketReader,
    RunResult,
    run,
)
from pybpf.vm.session import RunSession
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
    "RunSession",
    "TailCall",
    "TraceCallback",
    "TraceEvent",
    "run",
]
