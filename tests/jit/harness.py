"""Running one program on both engines at the same addresses, and comparing everything they did.

The interpreter (``pybpf.vm.Interpreter``) and the JIT (``pybpf.jit.JitProgram``) are built over one
``Memory`` holding one data region, run on the same stack buffer and give functions the same
addresses (the JIT takes the interpreter's code base), so even values derived from addresses
(r10, a function pointer, the data pointer) compare equal.  An outcome is r0 and every register
or the fault (type, pc, message), the instruction count, and the data and stack bytes afterwards.
"""

from __future__ import annotations

import ctypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pybpf.errors import ExecutionError
from pybpf.helpers import TracePipe
from pybpf.helpers.registry import Helper
from pybpf.isa.instruction import Instruction
from pybpf.jit import JitProgram, JitSession
from pybpf.jit.runtime import STACK_BYTES
from pybpf.vm import Interpreter, Memory


@dataclass(frozen=True)
class Outcome:
    result: tuple[Any, ...]  # ("ok", registers, instructions) or (error type, pc, message, instructions?)
    data: bytes
    stack: bytes


class Pair:
    """One program built for both engines over shared memory."""

    def __init__(
        self,
        program: Sequence[Instruction],
        *,
        data: bytes = bytes(64),
        helpers: Mapping[int, Helper] | None = None,
        resolved: Mapping[int, int] | None = None,
    ) -> None:
        self.memory = Memory()
        self.data = bytearray(data)
        self.region = self.memory.add_region(self.data, writable=True, name="data") if data else None
        self.stack = (ctypes.c_char * STACK_BYTES)()
        self.interpreter = Interpreter(program, helpers=helpers, memory=self.memory, resolved=resolved)
        self.jit = JitProgram(program, helpers=helpers, memory=self.memory, resolved=resolved)
        self.jit.code_base = self.interpreter.code_base  # functions at the same addresses
        self.initial = bytes(data)

    def outcome(self, engine: Interpreter | JitProgram, budget: int | None = 3000, **kwargs: Any) -> Outcome:
        self.data[:] = self.initial
        if isinstance(engine, Interpreter):
            engine._spare_stacks[:] = [self.stack]
        else:
            engine._spare[:] = [JitSession(engine, registered=False, stack=self.stack)]
        registers = {1: self.region.start, 2: len(self.data)} if self.region is not None else {}
        registers.update(kwargs.pop("registers", {}))
        try:
            run = engine.execute(registers=registers, budget=budget, trace_pipe=TracePipe(), **kwargs)
        except ExecutionError as error:
            result: tuple[Any, ...] = (type(error), error.pc, str(error))
        else:
            result = ("ok", run.registers, run.instructions)
        return Outcome(result, bytes(self.data), bytes(self.stack))

    def compare(self, budget: int | None = 3000, **kwargs: Any) -> Outcome:
        """Run on both engines; assert they did the same; return the outcome."""
        expected = self.outcome(self.interpreter, budget, **kwargs)
        actual = self.outcome(self.jit, budget, **kwargs)
        assert actual == expected
        return actual


def both(program: Sequence[Instruction], **kwargs: Any) -> Outcome:
    """Build ``program`` for both engines (``Pair`` arguments), run it, assert they agree."""
    budget = kwargs.pop("budget", 3000)
    return Pair(program, **kwargs).compare(budget)


def r0(outcome: Outcome) -> int:
    assert outcome.result[0] == "ok", outcome.result
    value: int = outcome.result[1][0]
    return value
