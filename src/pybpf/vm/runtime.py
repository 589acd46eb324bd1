"""Run-time support of the generated code: the state of one run, call frames, arithmetic, errors.

Call frames mirror the kernel's bpf-to-bpf calls: a call saves the caller's r6–r9 and r10 and gives
the callee the next 512-byte stack frame (r10 = its top), at most ``MAX_CALL_FRAMES`` frames live at
once ("the call stack of N frames is too deep"); exit restores them.  Each frame also carries the
may_goto counter the kernel keeps in a hidden stack slot of every function (BPF_MAX_LOOPS).

Signed division and modulo follow the kernel after ``do_misc_fixups``: division by zero gives 0,
modulo by zero leaves the dividend (zero-extended for 32 bits), INT_MIN / -1 gives INT_MIN and
INT_MIN % -1 gives 0 — C's truncating division, never a trap.  The error constructors turn faults
into ``ExecutionError`` subclasses that name the instruction (pc).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from pybpf.engine import TailCall
from pybpf.errors import CallDepthError, ExecutionError, HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.registry import Helper, HelperRegistry
from pybpf.isa.opcodes import LDDW_PSEUDO_NAMES, MAX_BPF_REG, MAX_CALL_FRAMES, STACK_SIZE
from pybpf.isa.words import M32, M64
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.kfuncs.proto import RetKind
from pybpf.memory.regions import Memory, PacketReader, Region
from pybpf.uapi import BPF_MAX_LOOPS
from pybpf.vm.codegen import CALLBACK_DONE, HALTED
from pybpf.vm.semantics import LOAD_FAILED
from pybpf.vm.trace import TraceCallback

DEFAULT_BUDGET = 10_000_000
"""Instructions a run may execute before ``BudgetExceededError`` (None means unlimited)."""
VERIFIED_BUDGET = 1 << 32
"""The budget of each run of a program the verifier accepted (``pybpf.kernel.prog_run``: test runs,
tail calls, timer callbacks).  The kernel never stops such a run: its verifier proves that the
program ends, and what it lets a program do may far exceed ``DEFAULT_BUDGET`` -- a may_goto loop
runs its ``BPF_MAX_LOOPS`` iterations in every call of its function, bpf_loop calls its callback up
to 2**23 times.  This bound is only a guard against a verifier bug: about ten seconds of a JIT
loop, up to half an hour of the interpreter's slowest units, not for ever."""
MAY_GOTO_LOOPS = BPF_MAX_LOOPS
"""The per-invocation budget of may_goto (a variable: tests lower it)."""


NO_CACHE: tuple[
    int, int, int, memoryview | None, int, int, int, memoryview | None, int, int, int, memoryview | None
]
NO_CACHE = (0, 0, 0, None, 0, 0, 0, None, 0, 0, 0, None)
"""An empty region cache for the generated code (``RunState.cache``): matches no address."""


class RunState:
    """Everything one invocation of a program needs besides its code."""

    __slots__ = (
        "budget",
        "cache",
        "ctx",
        "frames",
        "function_at",
        "helpers",
        "may_goto",
        "memory",
        "packet",
        "regs",
        "remaining",
        "stack",
        "top",
        "trace",
    )

    def __init__(
        self,
        *,
        budget: int,
        memory: Memory,
        stack: Region,
        helpers: HelperRegistry,
        function_at: Callable[[int], int | None],
        packet: PacketReader | None,
        trace: TraceCallback | None,
    ) -> None:
        self.budget = budget
        self.remaining = budget
        self.memory = memory
        self.stack = stack
        self.top = stack.end
        self.helpers = helpers
        self.function_at = function_at
        self.packet = packet
        self.trace = trace
        self.regs = [0] * (MAX_BPF_REG + 1)  # r0-r10 and BPF_REG_AX, the fixups' scratch register
        self.regs[10] = self.top
        self.frames: list[tuple[int, tuple[int, ...]]] = []
        self.may_goto = [MAY_GOTO_LOOPS]
        self.ctx: HelperContext | None = None
        self.cache = NO_CACHE
        """The generated code's region cache: empty at the start of a run, saved when it exits.

        Taken (and reset to ``NO_CACHE``) by each entry into generated code, so a callback run
        from a helper never starts with regions the helper may have removed; only a
        ``RunSession`` hands a saved cache to its next run, and only if no region changed."""

    @property
    def depth(self) -> int:
        """Frames in use, the main program's included."""
        return len(self.frames) + 1

    def set_depth(self, depth: int) -> None:
        """Make ``depth`` frames of the stack accessible."""
        self.memory.resize_region(self.stack, self.top - STACK_SIZE * depth, self.top)


# -- frames -------------------------------------------------------------------------------------
def push_frame(st: RunState, ret: int, saved: tuple[int, ...], pc: int | None) -> int:
    """Enter a BPF function returning to slot ``ret``: keep the caller's (r6, r7, r8, r9, r10).

    Returns the callee's r10, the top of its fresh frame.
    """
    frames = st.frames
    depth = len(frames) + 1
    if depth >= MAX_CALL_FRAMES:
        why = f"the call stack of {depth + 1} frames is too deep (at most {MAX_CALL_FRAMES})"
        raise CallDepthError(pc, why)
    frames.append((ret, saved))
    st.may_goto.append(MAY_GOTO_LOOPS)
    st.set_depth(depth + 1)
    return st.top - STACK_SIZE * depth


def pop_frame(st: RunState) -> tuple[int, tuple[int, ...]]:
    """Leave a BPF function: the return slot and the caller's (r6, r7, r8, r9, r10)."""
    frame = st.frames.pop()
    st.may_goto.pop()
    st.set_depth(len(st.frames) + 1)
    return frame


def call(regs: list[int], st: RunState, target: int, ret: int, pc: int) -> int:
    """bpf-to-bpf call on a register list (step functions)."""
    regs[10] = push_frame(st, ret, tuple(regs[6:11]), pc)
    return target


def exit_(regs: list[int], st: RunState, pc: int) -> int:
    """exit on a register list (step functions): the caller's slot, HALTED or CALLBACK_DONE."""
    if not st.frames:
        return HALTED
    ret, regs[6:11] = pop_frame(st)
    return CALLBACK_DONE if ret < 0 else ret


def tail_call_in_place(st: RunState, call: TailCall) -> int:
    """A successful ``bpf_tail_call`` made in a BPF function (a frame after the main program's):
    the target runs in that frame's place and its r0 is returned, for the function's ``exit`` to hand
    to its caller (the kernel's x86-64 JIT with bpf2bpf calls).  Made in the main program, the
    tail call leaves the run (``call`` re-raised): the runner replaces the program."""
    if not st.frames:
        raise call
    return call.replace_frame() & M64


def callx_helper(st: RunState, helper: int, args: tuple[int, int, int, int, int], pc: int) -> int:
    """callx with a register that holds no function address: call the helper with that id (uBPF)."""
    function = st.helpers.get(helper)
    if function is None or st.ctx is None:
        raise HelperError(pc, f"callx: {helper:#x} is neither the address of a BPF function nor a helper id")
    try:
        return function(st.ctx, *args) & M64
    except Exception as exc:
        raise helper_fault(exc, helper, pc, st.helpers.name(helper)) from None


def callx(regs: list[int], st: RunState, value: int, ret: int, pc: int) -> int:
    """callx on a register list (step functions)."""
    target = st.function_at(value)
    if target is not None:
        return call(regs, st, target, ret, pc)
    regs[0] = callx_helper(st, value, (regs[1], regs[2], regs[3], regs[4], regs[5]), pc)
    return ret


def load_packet(st: RunState, offset: int, size: int, pc: int) -> int:
    """LD_ABS/LD_IND: read the packet through the program type's reader; ``LOAD_FAILED`` when the
    bytes are not there."""
    if st.packet is None:
        raise ExecutionError(
            pc, "LD_ABS/LD_IND read the packet of a socket filter: run with a packet (raw mode has none)"
        )
    value = st.packet(offset, size)
    return LOAD_FAILED if value is None else value


# -- arithmetic -----------------------------------------------------------------------------------
def _signed_quotient(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return -quotient if (a < 0) != (b < 0) else quotient


def _signed_remainder(a: int, b: int) -> int:
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def _s64(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def _s32(value: int) -> int:
    value &= M32
    return value - (1 << 32) if value >> 31 else value


def sdiv64(a: int, b: int) -> int:
    return _signed_quotient(_s64(a), _s64(b)) & M64 if b else 0


def smod64(a: int, b: int) -> int:
    return _signed_remainder(_s64(a), _s64(b)) & M64 if b else a


def sdiv32(a: int, b: int) -> int:
    return _signed_quotient(_s32(a), _s32(b)) & M32 if b & M32 else 0


def smod32(a: int, b: int) -> int:
    return _signed_remainder(_s32(a), _s32(b)) & M32 if b & M32 else a & M32


# -- errors -------------------------------------------------------------------------------------------
def at_pc(error: ExecutionError, pc: int) -> ExecutionError:
    """``error`` naming ``pc`` if it named no instruction yet (faults raised inside helpers)."""
    if error.pc is None:
        error.pc = pc
        error.args = (f"pc {pc}: {error.reason}",)
    return error


def helper_fault(error: Exception, helper: int, pc: int, name: str) -> ExecutionError:
    """What a helper's exception becomes: its own ExecutionError at ``pc``, or a HelperError."""
    if isinstance(error, ExecutionError):
        return at_pc(error, pc)
    return HelperError(pc, f"helper {name}#{helper} failed: {type(error).__name__}: {error}")


@functools.cache
def kfunc_impl(btf_id: int, pc: int) -> Helper:
    """The implementation of the kernel function ``btf_id`` names (``pybpf.kfuncs``), or the fault
    of a call of one pybpf does not implement."""
    kfunc = kernel_btf().kfunc(btf_id & M32)
    if kfunc is None:
        raise fail(pc, f"kfunc call (BTF id {btf_id & M32}): pybpf implements no such kernel function")
    if kfunc.ret is RetKind.SCALAR and kfunc.ret_size == 4:
        return _zero_extended(kfunc.impl)
    return kfunc.impl


def _zero_extended(impl: Helper) -> Helper:
    """An ``int``-returning kfunc as the kernel's x86-64 code returns it: in eax, so r0 holds the
    32-bit result zero-extended (-EINVAL is 0xffffffea, measured: tests/kfuncs/test_iter_num.py)."""

    def call(ctx: HelperContext, r1: int, r2: int, r3: int, r4: int, r5: int) -> int:  # noqa: PLR0917 - the helper ABI
        return impl(ctx, r1, r2, r3, r4, r5) & M32

    return call


def kfunc_fault(error: Exception, btf_id: int, pc: int) -> ExecutionError:
    """What a kernel function's exception becomes (as ``helper_fault``)."""
    if isinstance(error, ExecutionError):
        return at_pc(error, pc)
    name = kernel_btf().func_name(btf_id & M32) or "kernel-function"
    return HelperError(pc, f"kfunc {name}#{btf_id & M32} failed: {type(error).__name__}: {error}")


def no_helper(helper: int, pc: int, name: str) -> HelperError:
    return HelperError(pc, f"unknown helper {name}#{helper}: no implementation is registered")


def unresolved(pc: int, src: int) -> ExecutionError:
    kind = LDDW_PSEUDO_NAMES.get(src, str(src))
    what = "BTF id (ksym)" if kind == "btf_id" else "map"
    return ExecutionError(
        pc, f"unresolved {what} reference (lddw src={src} {kind}): the loader must resolve it before running"
    )


def fell_off(pc: int) -> ExecutionError:
    return ExecutionError(
        pc, "execution fell off the end of the program (the last instruction is not exit or a jump)"
    )


def fail(pc: int, message: str) -> ExecutionError:
    return ExecutionError(pc, message)
