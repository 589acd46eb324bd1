"""The native run entries: one run, or BPF_PROG_TEST_RUN's ``repeat`` runs, of compiled code from one call.

Mirrors the loop of ``bpf_test_run`` (net/bpf/test_run.c), which calls ``bpf_prog_run`` ``repeat``
times in C, so the ``duration`` it reports measures the program rather than the loop around it.
``bpf_repeat`` is one small function compiled once per process (it does not depend on the program)
that does, per run, what ``JitSession`` would otherwise do before each run in Python: zero what a
run may read of the stack (``pybpf.jit.stack_zeroing``), write the run state's head fields (budget,
status, depth, stack top, trampoline, code base, may_goto budget) from a template, set r1 to the
context, r10 to the stack's top and the other registers to zero, and call the program's entry.  It
stops at the first run that does not exit normally (its STATUS says why) and returns how many runs
it started, the stopped one included.  ``bpf_run_once`` starts one run the same way and returns the
entry's result (non-zero: the run did not exit): ``Program.run``'s run is one foreign call.

Both read what they need from a ``RunBlock``, a session's block of native words written once (r1
excepted), so that a call passes one address and marshals nothing else.  When the block asks
(``RunBlock.read_cpu``: the test runs' rule, a run is on the CPU the process runs on, as
``bpf_test_run`` runs on the current CPU), each call first writes ``sched_getcpu()`` to the run
state's CPU field: a native call, where asking from Python is a foreign call per run.

Only programs that never call into Python between runs for a helper may loop here
(``loops_natively``): no kfunc, ``callx``, tail call or helper but those lowered natively
(``pybpf.jit.native_helpers``), since the Runner has work to do around the others (the tail-call
count, spin locks and ring-buffer records left by a run).  Their trampoline services (a region
missing from the native table, a legacy packet load, registering a map value a native lookup hands
out for the first time — the run's ``MapAccess`` outlives the repeats — and the Python form of a
native helper in a run that cannot use the native one) change nothing the next run depends on.
``bpf_run_once`` runs any program: what happens around the run stays in Python.
"""

from __future__ import annotations

import ctypes
import enum
import hashlib
import threading
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import MAX_CALL_FRAMES
from pybpf.jit.cache import object_cache
from pybpf.jit.codegen import JitUnavailable, sources_digest, target, target_key
from pybpf.jit.libc import libc_address
from pybpf.objects.forking import fork_safe

HOST_CPU_FUNCTION = libc_address("sched_getcpu")
"""The address of the C library's ``sched_getcpu`` (read natively: the C library answers from the
thread's rseq area or the vDSO, without the cost of a foreign call from Python)."""
REPEAT_FUNCTION = "bpf_repeat"
RUN_ONCE_FUNCTION = "bpf_run_once"


class Word(enum.IntEnum):
    """The words of a ``RunBlock``, by index."""

    ENTRY = 0  # the program's compiled entry
    STATE = 1  # the run state
    HEAD = 2  # the template of the state's head fields
    HEAD_BYTES = 3  # its size
    REGS = 4  # the register file (r0..r10)
    R1 = 5  # the context
    TOP = 6  # the stack's top (r10)
    ZEROED = 7  # how many (start, length) ranges of the stack each run zeroes
    CPU = 8  # where the run's CPU is written (the state's CPU field), 0: not read here
    GETCPU = 9  # sched_getcpu's address (read when CPU is set)
    RANGES = 10  # the first range's start; the ranges follow, two words each


BLOCK_WORDS = Word.RANGES + 2 * MAX_CALL_FRAMES

_PREPARE = """
  %entry_word = load i64, ptr %block
  %entry = inttoptr i64 %entry_word to ptr
  %state_slot = getelementptr i64, ptr %block, i64 1
  %state_word = load i64, ptr %state_slot
  %state = inttoptr i64 %state_word to ptr
  %head_slot = getelementptr i64, ptr %block, i64 2
  %head_word = load i64, ptr %head_slot
  %head = inttoptr i64 %head_word to ptr
  %head_bytes_slot = getelementptr i64, ptr %block, i64 3
  %head_bytes = load i64, ptr %head_bytes_slot
  %regs_slot = getelementptr i64, ptr %block, i64 4
  %regs_word = load i64, ptr %regs_slot
  %regs = inttoptr i64 %regs_word to ptr
  %r1_slot = getelementptr i64, ptr %block, i64 5
  %r1 = load i64, ptr %r1_slot
  %top_slot = getelementptr i64, ptr %block, i64 6
  %top = load i64, ptr %top_slot
  %zeroed_slot = getelementptr i64, ptr %block, i64 7
  %zeroed = load i64, ptr %zeroed_slot
  %ranges = getelementptr i64, ptr %block, i64 10
  call void @read_cpu(ptr %block)
"""

_IR = f"""
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

define private void @read_cpu(ptr %block) alwaysinline {{
start:
  %cpu_slot = getelementptr i64, ptr %block, i64 8
  %cpu_word = load i64, ptr %cpu_slot
  %wanted = icmp ne i64 %cpu_word, 0
  br i1 %wanted, label %read, label %done
read:
  %getcpu_slot = getelementptr i64, ptr %block, i64 9
  %getcpu_word = load i64, ptr %getcpu_slot
  %getcpu = inttoptr i64 %getcpu_word to ptr
  %cpu = call i32 %getcpu()
  %failed = icmp slt i32 %cpu, 0
  %known = select i1 %failed, i32 0, i32 %cpu
  %cpu64 = zext i32 %known to i64
  %cpu_field = inttoptr i64 %cpu_word to ptr
  store i64 %cpu64, ptr %cpu_field
  br label %done
done:
  ret void
}}

define private void @start_run(ptr %state, ptr %head, i64 %head_bytes, ptr %regs, i64 %r1, i64 %top,
                               i64 %zeroed, ptr %ranges) alwaysinline {{
start:
  br label %zero
zero:
  %z = phi i64 [0, %start], [%z_next, %zero_range]
  %z_more = icmp ult i64 %z, %zeroed
  br i1 %z_more, label %zero_range, label %set_up
zero_range:
  %z_index = shl i64 %z, 1
  %z_start_slot = getelementptr i64, ptr %ranges, i64 %z_index
  %z_start_word = load i64, ptr %z_start_slot
  %z_start = inttoptr i64 %z_start_word to ptr
  %z_length_slot = getelementptr i64, ptr %z_start_slot, i64 1
  %z_length = load i64, ptr %z_length_slot
  call void @llvm.memset.p0.i64(ptr %z_start, i8 0, i64 %z_length, i1 false)
  %z_next = add i64 %z, 1
  br label %zero
set_up:
  call void @llvm.memcpy.p0.p0.i64(ptr %state, ptr %head, i64 %head_bytes, i1 false)
  call void @llvm.memset.p0.i64(ptr %regs, i8 0, i64 88, i1 false)
  %r1slot = getelementptr i64, ptr %regs, i64 1
  store i64 %r1, ptr %r1slot
  %r10slot = getelementptr i64, ptr %regs, i64 10
  store i64 %top, ptr %r10slot
  ret void
}}

define i64 @{RUN_ONCE_FUNCTION}(ptr %block) {{
start:{_PREPARE}
  call void @start_run(ptr %state, ptr %head, i64 %head_bytes, ptr %regs, i64 %r1, i64 %top,
                       i64 %zeroed, ptr %ranges)
  %failed = call i64 %entry(ptr %state, ptr %regs, i64 0)
  ret i64 %failed
}}

define i64 @{REPEAT_FUNCTION}(ptr %block, i64 %count) {{
start:{_PREPARE}
  br label %loop
loop:
  %i = phi i64 [0, %start], [%next, %again]
  %more = icmp ult i64 %i, %count
  br i1 %more, label %body, label %finished
body:
  call void @start_run(ptr %state, ptr %head, i64 %head_bytes, ptr %regs, i64 %r1, i64 %top,
                       i64 %zeroed, ptr %ranges)
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

REPEAT_TYPE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)
"""``i64 bpf_repeat(block, count)``."""
RUN_ONCE_TYPE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)
"""``i64 bpf_run_once(block)``."""


class RunBlock:
    """What ``bpf_repeat`` and ``bpf_run_once`` read: one session's entry, state, head template,
    registers, stack top and the stack ranges each run zeroes (``zeroed``: (start, length) pairs, at
    most ``MAX_CALL_FRAMES``); ``r1`` is set before each call."""

    def __init__(
        self,
        *,
        entry: int,
        state: int,
        head: int,
        head_bytes: int,
        regs: int,
        top: int,
        zeroed: Sequence[tuple[int, int]],
    ) -> None:
        if len(zeroed) > MAX_CALL_FRAMES:
            raise ValueError(f"at most {MAX_CALL_FRAMES} stack ranges")
        flat = [word for pair in zeroed for word in pair]
        self.words = (ctypes.c_uint64 * BLOCK_WORDS)(
            entry, state, head, head_bytes, regs, 0, top, len(zeroed), 0, HOST_CPU_FUNCTION, *flat
        )
        self.address = ctypes.addressof(self.words)

    def read_cpu(self, field: int) -> None:
        """Have each call of the run entries write the CPU it runs on (``sched_getcpu``, 0 when it
        fails, as ``bpf_get_smp_processor_id``) to the native word at ``field`` (0: not any more)."""
        self.words[Word.CPU] = field if HOST_CPU_FUNCTION else 0

    @property
    def zeroed(self) -> list[tuple[int, int]]:
        """The (start, length) ranges each run zeroes."""
        words = self.words
        return [
            (words[Word.RANGES + 2 * i], words[Word.RANGES + 2 * i + 1]) for i in range(words[Word.ZEROED])
        ]


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
    """``bpf_repeat`` and ``bpf_run_once`` compiled, kept alive with what maps their code.  Their object
    is kept in the JIT's object cache (it holds no address of the process: ``sched_getcpu`` comes in
    the block) and linked by ``pybpf.jit.objlink``, so a process whose programs are all cached runs
    them without loading LLVM; MCJIT compiles and links them when that cannot be done."""

    def __init__(self) -> None:
        from pybpf.jit.objlink import link_object

        self._engine: Any = None
        key = hashlib.sha256(repr(("pybpf-run-entries", sources_digest(), target_key(), _IR)).encode())
        store = object_cache()
        obj = store.load(key.hexdigest())
        if obj is None:
            obj = self._emit()
            if obj is not None:
                store.store(key.hexdigest(), obj)
        image = link_object(obj, {}, REPEAT_FUNCTION) if obj is not None else None
        if image is not None and RUN_ONCE_FUNCTION in image.functions:
            self._engine = image
            repeat, once = image.address, image.functions[RUN_ONCE_FUNCTION]
        else:
            repeat, once = self._mcjit()
        self.repeat = REPEAT_TYPE(repeat)
        self.run_once = RUN_ONCE_TYPE(once)

    @staticmethod
    def _module(tgt: Any) -> Any:
        module = tgt.llvm.parse_assembly(_IR)
        module.triple = tgt.triple
        module.data_layout = str(tgt.machine.target_data)
        module.verify()
        return module

    def _emit(self) -> bytes | None:
        """The entries' object file (None: LLVM could not emit it; MCJIT is tried next)."""
        tgt = target()
        try:
            return bytes(tgt.machine.emit_object(self._module(tgt)))
        except Exception:
            return None

    def _mcjit(self) -> tuple[int, int]:
        tgt = target()
        try:
            self._engine = tgt.llvm.create_mcjit_compiler(self._module(tgt), tgt.new_machine())
            self._engine.finalize_object()
            repeat = self._engine.get_function_address(REPEAT_FUNCTION)
            once = self._engine.get_function_address(RUN_ONCE_FUNCTION)
        except Exception as exc:
            raise JitUnavailable(f"LLVM failed to compile the run entries: {exc}") from exc
        return repeat, once


_driver: _Driver | None = None
_driver_lock = fork_safe(threading.Lock())


def _compiled() -> _Driver:
    global _driver
    with _driver_lock:
        if _driver is None:
            _driver = _Driver()
        return _driver


def repeat_function() -> Any:
    """``bpf_repeat`` as a ctypes function (compiled on first use; ``JitUnavailable`` if it cannot be)."""
    return _compiled().repeat


def run_once_function() -> Any:
    """``bpf_run_once`` as a ctypes function (compiled on first use; ``JitUnavailable`` if it cannot be)."""
    return _compiled().run_once


__all__ = [
    "BLOCK_WORDS",
    "REPEAT_TYPE",
    "RUN_ONCE_TYPE",
    "RunBlock",
    "Word",
    "loops_natively",
    "repeat_function",
    "run_once_function",
]
