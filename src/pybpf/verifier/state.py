"""VerifierState: what the verifier's passes share while one program is checked.

``VerifierState`` mirrors the kernel's ``struct bpf_verifier_env``: the
program (its ``ProgramView``: instructions, the raw 8-byte slots the kernel indexes, and the
control flow every pass reads), the subprogram table, the used maps, the resolved lddw values,
per-instruction facts for the fixups, the log and counters.  Positions are slot indices, as in the
kernel's log.

``FuncFrame`` and ``PathState`` are the state of one explored path (``struct bpf_func_state`` and
``struct bpf_verifier_state`` of include/linux/bpf_verifier.h): per call frame the registers, the
stack and, for a callback's frame, its return range and how many times its caller has entered it;
per path the frames of the current call chain and the acquired references (``Reference``: the
kernel's ``struct bpf_reference_state``, kept in the verifier state since Linux 6.13) — pointers a
helper handed out that must be released, and the spin lock held.

A pushed branch shares its registers and stacks with the path that goes on (copy-on-write,
``PathState.fork()``; the kernel copies the whole state in push_stack()): each frame says which of
its register objects (and whether its stack) another pending state may hold too (``shared``), and a
path takes a private copy of what it is about to write (``FuncFrame.own()``, ``PathState.unshare()``:
the walker does it before each instruction for the registers the instruction may write).
Checkpoints and ``PathState.copy()`` share nothing.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, NamedTuple, NoReturn

from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import BPF_REG_FP, MAX_BPF_REG
from pybpf.isa.program import ProgramView
from pybpf.objects.credentials import ROOT
from pybpf.uapi import BPF_F_SLEEPABLE, BPF_F_TEST_STATE_FREQ
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.log import VerifierLog
from pybpf.verifier.regstate import RegState
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.request import InsnFacts, LoadRequest, MapRef
from pybpf.verifier.stack import Stack

if TYPE_CHECKING:
    from pybpf.helpers.protos import HelperProto
    from pybpf.verifier.fastcall import FastcallPatterns


@dataclass
class VerifierState:
    request: LoadRequest
    log: VerifierLog
    view: ProgramView = field(default_factory=lambda: ProgramView(()))  # the program being checked
    subprogs: list[int] = field(default_factory=lambda: [0])  # sorted start slots (env->subprog_info)
    maps: list[MapRef] = field(default_factory=list)
    resolved: dict[int, int] = field(default_factory=dict)  # lddw slot -> 64-bit value
    slot_map: list[int] | None = None  # loaded slot -> slot after the fixups' patches (None: none moved)
    max_ctx_offset: int = 0  # largest end (off + size) of a context access
    max_tp_access: int = 0  # largest end of a tracepoint buffer access (prog->aux->max_tp_access)
    max_rdonly_access: int = 0  # largest end of a read-only buffer access (prog->aux->max_rdonly_access)
    max_rdwr_access: int = 0  # largest end of a writable buffer access (prog->aux->max_rdwr_access)
    func_info: list[tuple[int, int]] | None = None  # (insn_off, type_id) of each func_info record
    ctx_accesses: set[int] = field(default_factory=set)  # instruction indices accessing ctx (to rewrite)
    insn_processed: int = 0
    stack_depths: list[int] = field(default_factory=list)
    inlined_stack_depths: list[int] | None = None  # optimize_bpf_loop()'s depths (``loop_inline``)
    lddw_maps: dict[int, tuple[MapRef, int]] = field(default_factory=dict)  # lddw slot -> (map, value off)
    facts: dict[int, InsnFacts] = field(default_factory=dict)  # insn index -> what do_check proved there
    seen: set[int] = field(default_factory=set)  # slots a non-speculative path reached (aux->seen)
    removed_subprogs: list[int] = field(default_factory=list)  # loaded subprograms removed as dead code
    async_callbacks: set[int] = field(default_factory=set)  # subprograms run as timer callbacks
    callbacks: set[int] = field(default_factory=set)  # subprograms verified as callbacks (is_cb)
    seen_exception: bool = False  # a bpf_throw call was reached (env->seen_exception)
    exception_callback: int = 0  # the exception callback's subprogram, 0: none (exception_callback_subprog)
    stack_buffer_slices: bool = False  # a dynptr slice with a stack buffer was made (stack writes check)
    fastcall: FastcallPatterns | None = None  # the bpf_fastcall patterns (mark_fastcall_patterns())
    unreliable: set[int] = field(default_factory=set)  # func_info_aux[].unreliable, after do_check
    changes_pkt_data: tuple[bool, ...] = ()  # per subprogram, after do_check
    might_sleep: tuple[bool, ...] = ()  # per subprogram, after do_check
    total_states: int = 0
    peak_states: int = 0
    max_states_per_insn: int = 0
    # the loader's capabilities, read once (bpf_check(): env->bpf_capable, allow_ptr_leaks ...)
    bpf_capable: bool = True  # bounded loops, bpf-to-bpf calls, kfuncs, the 1M insn budget
    perfmon_capable: bool = True  # bpf_base_func_proto's CAP_PERFMON helpers
    allow_ptr_leaks: bool = True  # pointers may reach maps, ctx, helpers, return values, comparisons
    allow_uninit_stack: bool = True  # stack bytes never written may be read
    base_helpers: bool = True  # CAP_BPF and CAP_PERFMON: every helper of bpf_base_func_proto
    test_state_freq: bool = False  # BPF_F_TEST_STATE_FREQ, honoured for a loader with CAP_BPF only
    # what check_helper_call() asks of the load alone, answered once per load (``helpers``):
    helpers_opened: set[int] = field(default_factory=set)  # helper id * 2 + sleepable: the opening passed
    helper_protos: dict[int, HelperProto | None] = field(default_factory=dict)  # the type's get_func_proto()
    map_helpers_ok: set[tuple[int, int]] = field(default_factory=set)  # (map type, helper id) compatible

    @classmethod
    def create(cls, request: LoadRequest, view: ProgramView | None = None) -> VerifierState:
        """The state for checking ``request`` (whose program ``view`` is, when already built)."""
        state = cls(request=request, log=VerifierLog(request.log_level, request.log_size))
        creds = request.credentials
        state.test_state_freq = bool(request.prog_flags & BPF_F_TEST_STATE_FREQ) and creds.bpf_capable
        if creds is not ROOT:
            state.bpf_capable, state.perfmon_capable = creds.bpf_capable, creds.perfmon_capable
            state.allow_ptr_leaks, state.allow_uninit_stack = creds.allow_ptr_leaks, creds.allow_uninit_stack
            state.base_helpers = state.bpf_capable and state.perfmon_capable
        state.view = view if view is not None else ProgramView(request.insns)
        return state

    def set_insns(self, insns: list[Instruction]) -> None:
        """Replace the program (after a fixup rewrote it); an exception callback stays a subprogram
        (at its start in ``subprogs``, moved along by the fixups)."""
        cb = self.exception_callback
        self.view = ProgramView(insns, (self.subprogs[cb],) if cb else ())

    @property
    def insns(self) -> tuple[Instruction, ...]:
        return self.view.insns

    @property
    def slot_count(self) -> int:
        return self.view.slot_count

    def fail(self, err: int, message: str) -> NoReturn:
        """Write ``message`` (one log line) and refuse the program with ``err``."""
        self.log.line(message)
        raise VerifierError(err, message, self.log.text)

    def einval(self, message: str) -> NoReturn:
        self.fail(errno.EINVAL, message)

    def eacces(self, message: str) -> NoReturn:
        self.fail(errno.EACCES, message)


class Reference(NamedTuple):
    """One acquired resource: ``struct bpf_reference_state``."""

    kind: int  # REF_TYPE_PTR, REF_TYPE_LOCK or REF_TYPE_IRQ (pybpf.verifier.references)
    id: int  # the ref_obj_id of the pointers to it; for a lock, the id of the map value pointer
    insn_idx: int  # the instruction that acquired it (alloc_insn)
    ptr: int = 0  # a lock's map (its address: two locks of different maps differ)


_copy_reg = RegState.copy


STACK_SHARED: Final = 1 << MAX_BPF_REG
"""``FuncFrame.shared``'s bit for the stack (the bits below it are the registers r0-r10)."""
ALL_SHARED: Final = (STACK_SHARED << 1) - 1


class FuncFrame:
    """One call frame of a path: ``struct bpf_func_state`` (registers r0-r10 and the stack).

    ``shared``: the registers (bit ``regno``) and the stack (STACK_SHARED) whose objects another
    state may hold too (copy-on-write: a writer calls ``own()`` or ``own_stack()`` first)."""

    __slots__ = (
        "callback_depth",
        "callback_ret",
        "callsite",
        "frameno",
        "regs",
        "shared",
        "stack",
        "subprog",
    )

    def __init__(
        self,
        frameno: int,
        subprog: int,
        callsite: int,
        regs: list[RegState] | None = None,
        stack: Stack | None = None,
    ) -> None:
        """A new frame (r10 the frame pointer, every other register NOT_INIT, an empty stack), or,
        given ``regs`` and ``stack``, one holding them (copy() and share())."""
        self.frameno = frameno
        self.subprog = subprog
        self.callsite = callsite  # the call instruction's index in the caller (-1 for the main frame)
        self.callback_ret: tuple[int, int] | None = None  # a callback's frame: its r0 range at exit
        self.callback_depth = 0  # times this frame's callback-calling helper entered its callback
        self.shared = 0
        if regs is not None and stack is not None:
            self.regs, self.stack = regs, stack
            return
        self.regs = [RegState() for _ in range(MAX_BPF_REG)]
        for reg in self.regs:
            reg.mark_not_init()
        fp = self.regs[BPF_REG_FP]
        fp.mark_pointer(RegType.PTR_TO_STACK)
        fp.frameno = frameno
        self.stack = Stack()

    def copy(self) -> FuncFrame:
        """A copy that shares nothing with this frame."""
        regs = list(map(_copy_reg, self.regs))  # (no comprehension's frame, no method lookups)
        f = FuncFrame(self.frameno, self.subprog, self.callsite, regs, self.stack.copy())
        f.callback_ret, f.callback_depth = self.callback_ret, self.callback_depth
        return f

    def share(self) -> FuncFrame:
        """A copy holding this frame's register and stack objects (both frames mark them shared)."""
        f = FuncFrame(self.frameno, self.subprog, self.callsite, self.regs[:], self.stack)
        f.callback_ret, f.callback_depth = self.callback_ret, self.callback_depth
        f.shared = self.shared = ALL_SHARED
        return f

    def own(self, regno: int) -> None:
        """Before a write of register ``regno``: a private copy of it if another state may hold it."""
        if self.shared >> regno & 1:
            self.regs[regno] = self.regs[regno].copy()
            self.shared &= ~(1 << regno)

    def own_stack(self) -> None:
        """Before writes to the frame's stack alone: a private copy of it if another state may hold it."""
        if self.shared & STACK_SHARED:
            self.stack = self.stack.copy()
            self.shared &= ~STACK_SHARED

    def own_all(self) -> None:
        """Before writes anywhere in the frame: private copies of every shared register and the stack."""
        shared, regs = self.shared, self.regs
        for regno in range(MAX_BPF_REG):
            if shared >> regno & 1:
                regs[regno] = regs[regno].copy()
        if shared & STACK_SHARED:
            self.stack = self.stack.copy()
        self.shared = 0

    def key(self) -> tuple[object, ...]:
        return (
            self.callsite,
            self.callback_depth,
            tuple(r.key() for r in self.regs),
            self.stack.key(),
        )


class PathState:
    """The state of one explored path: ``struct bpf_verifier_state`` (its call frames, the
    references acquired along it and ``may_goto_depth``, how many may_goto instructions it fell
    through: the loop iterations the counter of may_goto allowed on this path; the regions the
    kfuncs of ``pybpf.verifier.kfuncs`` open: ``active_rcu_lock``, ``active_preempt_locks``, and
    ``active_irq_id``, the id of the innermost IRQ flag saved and not restored, 0 for none:
    ``pybpf.verifier.irq``; ``speculative``: a path only a mispredicted branch or a masked offset
    runs, verified for a loader without the Spectre v1 bypass: ``pybpf.verifier.sanitize``)."""

    __slots__ = (
        "active_irq_id",
        "active_preempt_locks",
        "active_rcu_lock",
        "cow",
        "frames",
        "may_goto_depth",
        "refs",
        "speculative",
    )

    def __init__(self, frames: list[FuncFrame], refs: list[Reference] | None = None) -> None:
        self.frames = frames
        self.refs: list[Reference] = refs if refs is not None else []
        self.may_goto_depth = 0
        self.active_rcu_lock = False
        self.active_preempt_locks = 0
        self.active_irq_id = 0
        self.cow = False  # a frame may share objects with another state (FuncFrame.shared)
        self.speculative = False

    @property
    def cur(self) -> FuncFrame:
        return self.frames[-1]

    @property
    def curframe(self) -> int:
        return len(self.frames) - 1

    def copy(self) -> PathState:
        """A copy that shares nothing with this state (a checkpoint's)."""
        state = PathState(list(map(_copy_frame, self.frames)), list(self.refs))
        state.may_goto_depth = self.may_goto_depth
        state.active_rcu_lock, state.active_preempt_locks = self.active_rcu_lock, self.active_preempt_locks
        state.active_irq_id = self.active_irq_id
        state.speculative = self.speculative
        state.cow = False
        return state

    def fork(self, owned: int) -> PathState:
        """A copy-on-write copy (a pushed branch's): it shares this state's register and stack objects
        but those of the current frame's registers in the mask ``owned``, which this state owns (its
        frame's ``shared`` bit clear) and the copy gets copies of, as both are written at once."""
        state = PathState(list(map(_share_frame, self.frames)), list(self.refs))
        frames = state.frames
        state.may_goto_depth = self.may_goto_depth
        state.active_rcu_lock, state.active_preempt_locks = self.active_rcu_lock, self.active_preempt_locks
        state.active_irq_id = self.active_irq_id
        state.speculative = self.speculative
        state.cow = self.cow = True
        mine, theirs = self.frames[-1], frames[-1]
        regs = theirs.regs
        while owned:
            regno = (owned & -owned).bit_length() - 1
            regs[regno] = regs[regno].copy()
            owned &= owned - 1
            theirs.shared &= ~(1 << regno)
            mine.shared &= ~(1 << regno)
        return state

    def unshare(self) -> None:
        """Before writes anywhere in the state: nothing of it is shared any more."""
        for frame in self.frames:
            if frame.shared:
                frame.own_all()
        self.cow = False

    def key(self) -> tuple[object, ...]:
        frames = tuple(f.key() for f in self.frames)
        if self.active_rcu_lock or self.active_preempt_locks or self.active_irq_id:
            regions = (self.active_rcu_lock, self.active_preempt_locks, self.active_irq_id)
            frames = (*frames, ("regions", *regions))
        if not self.refs:
            return frames
        return (*frames, tuple(self.refs))

    def all_regs(self) -> list[RegState]:
        """Every register and spilled register of every frame (for id-wide updates)."""
        out: list[RegState] = []
        for f in self.frames:
            out.extend(f.regs)
            out.extend(s.spilled for s in f.stack.slots if s.spilled is not None)
        return out


_copy_frame = FuncFrame.copy
_share_frame = FuncFrame.share


def in_sleepable(env: VerifierState, path: PathState) -> bool:
    """in_sleepable(): the program was loaded with BPF_F_SLEEPABLE and ``path`` is not an
    asynchronous (timer) callback's, which runs where it cannot sleep (push_async_cb(): a timer
    callback's state is never sleepable)."""
    return bool(env.request.prog_flags & BPF_F_SLEEPABLE) and path.frames[0].callback_ret is None
