"""The native repeat loop: BPF_PROG_TEST_RUN's ``repeat`` runs of compiled code from one native call.

Mirrors the loop of ``bpf_test_run`` (net/bpf/test_run.c), which calls ``bpf_prog_run`` ``repeat``
times in C, so the ``duration`` it reports measures the program rather than the loop around it.
``bpf_repeat`` is one small function compiled once per process (it does not depend on the program)
that does, per run, what ``JitSession`` does before each run in Python: zero the stack, write the
run state's head fields (budget, status, depth, stack top, trampoline, code base, may_goto budget)
from a template, set r1 to the context, r10 to the stack's top and the other registers to zero,
and call the program's entry.  It stops at the first run that does not exit normally (its STATUS
says why) and returns how many runs it started, the stopped one included.

Only programs that never call into Python between runs for a helper may loop here
(``loops_natively``): no kfunc, ``callx``, tail call or helper but those lowered natively
(``pybpf.jit.native_helpers``), since the Runner has work to do around the others (the tail-call
count, spin locks and ring-buffer records left by a run).  Their trampoline services (a region
missing from the native table, a legacy packet load, registering a map value a native lookup hands
out for the first time — the run's ``MapAccess`` outlives the repeats — and the Python form of a
native helper in a run that cannot use the native one) change nothing the next run depends on.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Collection, Iterable
from typing import Any

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.jit.codegen import JitUnavailable, target

REPEAT_FUNCTION = "bpf_repeat"
_IR = f"""
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

define i64 @{REPEAT_FUNCTION}(ptr %entry, ptr %state, ptr %head, i64 %head_bytes, ptr %regs,
                            ptr %stack, i64 %stack_bytes, i64 %r1, i64 %top, i64 %count) {{
start:
  br label %loop
loop:
  %i = phi i64 [0, %start], [%next, %again]
  %more = icmp ult i64 %i, %count
  br i1 %more, label %body, label %finished
body:
  call void @llvm.memset.p0.i64(ptr %stack, i8 0, i64 %stack_bytes, i1 false)
  call void @llvm.memcpy.p0.p0.i64(ptr %state, ptr %head, i64 %head_bytes, i1 false)
  call void @llvm.memset.p0.i64(ptr %regs, i8 0, i64 88, i1 false)
  %r1slot = getelementptr i64, ptr %regs, i64 1
  store i64 %r1, ptr %r1slot
  %r10slot = getelementptr i64, ptr %regs, i64 10
  store i64 %top, ptr %r10slot
  %failed = call i64 %entry(ptr %state, ptr %regs, i64 0)
  %next = add i64 %i, 1
  %stopped = icmp ne i64 %failed, 0
  br i1 %stopped, label %stop, label %again
again:
  br label %loop
stop:
  ret i64 %next
finished:
  ret i64 %count
}}
"""

REPEAT_TYPE = ctypes.CFUNCTYPE(
    ctypes.c_int64,
    ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p,
    ctypes.c_void_p, ctypes.c_int64, ctypes.c_uint64, ctypes.c_uint64, ctypes.c_int64,
)  # fmt: skip
"""``i64 bpf_repeat(entry, state, head, head_bytes, regs, stack, stack_bytes, r1, top, count)``."""

_CALL = op.BPF_JMP | op.BPF_CALL
_CALLX = op.BPF_JMP | op.BPF_X | op.BPF_CALL


def loops_natively(instructions: Iterable[Instruction], native_calls: Collection[int] = ()) -> bool:
    """Whether the program's repeats may run in ``bpf_repeat``: it calls nothing but BPF functions and
    the helpers at the slots ``native_calls`` names (lowered natively)."""
    slot = 0
    for insn in instructions:
        if insn.opcode == _CALLX:
            return False
        if insn.opcode == _CALL and insn.src != op.BPF_PSEUDO_CALL and slot not in native_calls:
            return False
        slot += insn.slots
    return True


class _Driver:
    """``bpf_repeat`` compiled, kept alive with the engine that owns its code."""

    def __init__(self) -> None:
        tgt = target()
        llvm = tgt.llvm
        try:
            module = llvm.parse_assembly(_IR)
            module.triple = tgt.triple
            module.data_layout = str(tgt.machine.target_data)
            module.verify()
            self._engine: Any = llvm.create_mcjit_compiler(module, tgt.new_machine())
            self._engine.finalize_object()
            address = self._engine.get_function_address(REPEAT_FUNCTION)
        except Exception as exc:
            raise JitUnavailable(f"LLVM failed to compile the repeat loop: {exc}") from exc
        self.function = REPEAT_TYPE(address)


_driver: _Driver | None = None
_driver_lock = threading.Lock()


def repeat_function() -> Any:
    """``bpf_repeat`` as a ctypes function (compiled on first use; ``JitUnavailable`` if it cannot be)."""
    global _driver
    with _driver_lock:
        if _driver is None:
            _driver = _Driver()
        return _driver.function


__all__ = ["REPEAT_TYPE", "loops_natively", "repeat_function"]
