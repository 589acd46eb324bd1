"""The ``do_check`` pass: the kernel's path-by-path walk with register and stack state.

Mirrors do_check() in kernel/bpf/verifier.c.  One path is followed at a time from the main
program's first instruction with r1 holding the context and r10 the frame pointer: each
instruction is checked and applied to the path's state (``checks``: alu, mem, jmp, call, ld); a
conditional jump whose outcome the state decides follows only that branch, otherwise the jump
target is pushed (push_stack) with its refined copy of the state and the walk goes on falling
through; an exit of the main program ends the path and the next pushed one is taken (pop_stack).
bpf-to-bpf calls push a frame (at most MAX_CALL_FRAMES: "the call stack of %d frames is too
deep") whose r1-r5 are the caller's; the callee's exit returns r0.

At prune points (as check_cfg() marks them: ``prune.prune_points``) is_state_visited() compares
the state with the checkpoints kept there: a checkpoint whose paths are all finished and which
holds every value the current state may have (``prune``) ends the path; one still being explored
that is exactly equal means the program loops forever ("infinite loop detected at insn %d").
Checkpoints are added with the kernel's heuristic (at least 2 jumps and 8 instructions since the
last one, or more than 40 history entries).  The walker keeps what the precision walk needs
(``precision``): the first instruction of the current segment and its history (jump points
reached, spills and fills, registers linked at a jump), and it records the stack reads and writes of
every instruction for the stack liveness of its call chain (``stack_liveness``), solved when a path
leaves a subprogram or ends.  More than 1,000,000 processed instructions is E2BIG
("BPF program is too large. Processed %d insn"), as is a backlog of more than 8192 pushed
branches.

The trace is the kernel's at log levels 1 and 2: ``N: (code) insn`` with the registers and slots
the instruction touched after it (``; R0=5``), the C source line before the first instruction of
each line when the program has line_info (``; x = y; @ file.c:12``), ``N: safe`` for a pruned path.
Level 2 adds ``from A to B:`` with the whole state when a pushed path resumes (and the liveness and
precision lines).  At level 1 a finished path is taken back out of the log (pop_stack() rewinds it
to where the branch was pushed), so a refusal's log is the path to the failing instruction, the
reason and the statistics.

At an exit (process_bpf_exit_full) no reference may be held and, in the main program, no spin lock
(``references``); a callee returns r0 to its caller, a callback returns to its helper call to be
entered once more (``callbacks``), and the program's exit checks r0 against the program type's
return range (check_return_code(), ``pybpf.progtypes.return_ranges``).  Callback-calling helper
calls are forced checkpoints, where a callback round trip that brings nothing new is pruned.

A call of a global (BTF_FUNC_GLOBAL) function is not entered: ``globals`` checks the arguments
against its prototype and r0 becomes an unknown scalar; after the main program each called global
function is walked on its own (do_check_subprogs(), a Walker per function).

For a loader without the Spectre v1 bypass (``request.credentials``: no CAP_PERFMON) the walk also
follows *speculative* paths (``sanitize``): the way a conditional jump with a known outcome does not
take and the instruction after a sanitized pointer move, pushed with the state marked speculative
("from A to B (speculative execution):" in the log).  There an error a barrier can stop (EPERM,
EACCES, EINVAL) ends the path and puts a barrier before the instruction (``InsnFacts.nospec``, Linux
6.17+), a barrier ends it (a ``nospec`` set before, or after a stack write that needs one against
Spectre v4: ``InsnFacts.nospec_result``), and checkpoints of speculative paths never prune real ones.
"""

from __future__ import annotations

import errno
import functools
from typing import Final, NoReturn, final

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind
from pybpf.isa.program import transfer
from pybpf.progtypes.return_ranges import return_range
from pybpf.uapi import (
    BPF_ADDR_SPACE_CAST,
    BPF_COMPLEXITY_LIMIT_INSNS,
    BPF_F_TEST_REG_INVARIANTS,
    BPF_MAP_TYPE_ARENA,
)
from pybpf.verifier import (
    bounds,
    callbacks,
    exceptions,
    fields,
    helpers,
    kfuncs,
    liveness,
    precision,
    prune,
    references,
    tnum,
)
from pybpf.verifier import globals as global_funcs
from pybpf.verifier.checks import alu, call, jmp, ld, mem
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.insn_print import format_insn
from pybpf.verifier.log import SourceLines
from pybpf.verifier.pseudo import KERNEL_OPCODES
from pybpf.verifier.regstate import RegState, format_reg, is_null
from pybpf.verifier.regtypes import RegType
from pybpf.verifier.request import InsnFacts, MapRef
from pybpf.verifier.sanitize import RECOVERABLE
from pybpf.verifier.stack import STACK_DYNPTR, STACK_SPILL
from pybpf.verifier.stack_liveness import Chain, StackLiveness
from pybpf.verifier.state import FuncFrame, PathState, VerifierState

BPF_COMPLEXITY_LIMIT_JMP_SEQ: Final = 8192
_LDDW: Final = op.LDDW_OPCODE
_HIDDEN_FROM_UNPRIV: Final = frozenset({op.BPF_PSEUDO_MAP_FD, op.BPF_PSEUDO_MAP_VALUE})
"""The lddw kinds print_bpf_insn() shows as 0 to a loader without allow_ptr_leaks (``is_ptr``)."""
_HELPER_CALL: Final = op.BPF_JMP | op.BPF_CALL
_NOT_COND: Final = frozenset({0x00, 0x80, 0x90, 0xE0})  # ja, call, exit, may_goto: no operands to link
_MOV64_X: Final = op.BPF_ALU64 | op.ALU_OPS["mov"] | op.BPF_X
_MAX_BPF_REG: Final = op.MAX_BPF_REG
_NOT_INIT: Final = RegType.NOT_INIT  # (Final: a C static in the compiled walk, not a globals look-up)
_SCALAR: Final = RegType.SCALAR_VALUE
_GENERAL_REGS: Final = (1 << op.BPF_REG_FP) - 1  # r0-r9
_REG_NUMBERS: Final = prune.REG_NUMBERS
Linked = precision.Linked
_NARROW_LOADS: Final = frozenset({RegType.PTR_TO_PACKET, RegType.PTR_TO_PACKET_META, RegType.PTR_TO_CTX,
                                  RegType.PTR_TO_MAP_VALUE})  # fmt: skip
"""Base pointers whose loads write only their destination register (Walker._own_written())."""
_STACK_PTR: Final = RegType.PTR_TO_STACK
_WRITING_JUMPS: Final = frozenset({0x80, 0x90, 0xE0})  # call, exit, may_goto: every other jump writes nothing

# step()'s route for an instruction (decoded once per slot): what to check, as plain ints
_ALU: Final = 1
_JUMP: Final = 2
_LDX: Final = 3
_STX: Final = 4
_ST: Final = 5
_LD_ABS: Final = 6
_LDDW_ROUTE: Final = 7
_KIND_MASK: Final = 0x0F
_ATOMIC: Final = 0x10  # an atomic family: checked on its own
_ADDR_SPACE_CAST: Final = 0x20  # the arena's address-space cast (a mov with off 1)
_SKB_ONLY: Final = 0x40  # an LD_ABS / LD_IND family: only program types with skb access
_READS_DST: Final = 0x80  # a conditional jump's family: dst is read before the spec is checked
_ROUTES: Final = {
    Kind.ALU: _ALU, Kind.NEG: _ALU, Kind.END: _ALU, Kind.MOVSX: _ALU,
    Kind.LDX: _LDX, Kind.LDXSX: _LDX, Kind.STX: _STX, Kind.ST: _ST,
    Kind.LD_ABS: _LD_ABS, Kind.LD_IND: _LD_ABS, Kind.LDDW: _LDDW_ROUTE,
}  # fmt: skip


@functools.lru_cache(maxsize=1 << 16)
def _decode(insn: Instruction) -> tuple[int, op.OpSpec | None]:
    """step()'s route and legal spec for one instruction (its family and kind decide it; a pure
    function of the instruction: remembered across programs)."""
    family, spec = fields.family(insn), fields.kernel_spec(insn)
    if family in fields.ATOMIC_KINDS:
        return _ATOMIC, spec
    route = _SKB_ONLY if family in (Kind.LD_ABS, Kind.LD_IND) else 0
    if insn.opcode == _MOV64_X and insn.off == BPF_ADDR_SPACE_CAST:
        return route | _ADDR_SPACE_CAST, spec
    if family is Kind.JCOND:
        route |= _READS_DST
    if spec is not None:
        route |= _ROUTES.get(spec.kind, _JUMP)
    return route, spec


@final
class Branch:
    """A pushed path: where it resumes (``insn``), from where (``prev``), its state, the log position
    and checkpoint, where the path's segment since its checkpoint starts (``first_idx``) and that
    segment's history.  (A plain class, not a NamedTuple: one is made per pushed branch.)"""

    __slots__ = ("first_idx", "history", "insn", "log_pos", "parent", "prev", "state")

    def __init__(  # noqa: PLR0917 - positional, as the NamedTuple it replaces was made
        self,
        insn: int,
        prev: int,
        state: PathState,
        log_pos: int,
        parent: prune.Checkpoint | None,
        first_idx: int,
        history: tuple[precision.History, ...],
    ) -> None:
        self.insn = insn
        self.prev = prev
        self.state = state
        self.log_pos = log_pos
        self.parent = parent
        self.first_idx = first_idx
        self.history = history


class DoCheckPass:
    name = "do_check"

    def run(self, state: VerifierState) -> None:
        # (verify() runs the passes with the cyclic collector paused: pipeline.cycles_uncollected())
        main = Walker(state)
        main.run()
        global_funcs.check_subprogs(state, main)  # do_check_subprogs()
        funcs = main.globals
        state.unreliable = set(funcs.unreliable)
        count = range(len(state.subprogs))
        state.changes_pkt_data = tuple(funcs.changes_pkt_data(i) for i in count)
        state.might_sleep = tuple(funcs.might_sleep(i) for i in count)


class Walker:
    """One do_check() run over ``env``'s program."""

    def __init__(self, env: VerifierState, subprog: int = 0, previous: Walker | None = None) -> None:
        """The walk of the main program, or of the global function ``subprog`` on its own after the
        ``previous`` walk (whose ids, explored-state count and global functions carry on)."""
        self.env = env
        view = env.view
        self.view = view
        credentials = env.request.credentials  # (read once: bpf_check()'s env->bypass_spec_v1/v4)
        self.bypass_spec_v1: bool = credentials.bypass_spec_v1
        self.bypass_spec_v4: bool = credentials.bypass_spec_v4
        self.explore_alu_limits: bool = previous.explore_alu_limits if previous is not None else False
        self.globals: global_funcs.GlobalFuncs = (
            previous.globals if previous is not None else global_funcs.GlobalFuncs(env)
        )
        self.id_gen: int = previous.id_gen if previous is not None else 0
        self.live_states: int = previous.live_states if previous is not None else 0  # env->explored_states
        if subprog:
            main = global_funcs.entry_frame(self, subprog)
        else:
            main = FuncFrame(0, 0, -1)
            main.regs[1].mark_pointer(RegType.PTR_TO_CTX)
        self.state = PathState([main])
        self.insn_idx = env.subprogs[subprog]  # the current slot (the kernel's insn_idx)
        self.prev_idx = -1
        self.pending: list[Branch] = []
        self.explored: dict[int, list[prune.Checkpoint]] = {}
        self.parent: prune.Checkpoint | None = None
        self.num_backedges = 0  # back-edges kept by loop visits (counted in peak_states)
        self.jmps_processed = self.prev_jmps_processed = self.prev_insn_processed = 0
        if previous is not None:  # env-wide in the kernel: the checkpoint heuristic carries on
            self.jmps_processed, self.prev_jmps_processed = (
                previous.jmps_processed,
                previous.prev_jmps_processed,
            )
            self.prev_insn_processed = previous.prev_insn_processed
        # update_stack_depth() writes the env's table as it goes: a refusal's statistics show it too
        self.depths = env.stack_depths = list(env.stack_depths) or [0] * len(view.subprograms)
        self.prune_points, self.force_points, self.jmp_points = prune.prune_points(view)
        callback_kfuncs = kfuncs.callback_kfunc_slots(env)  # check_cfg(): as callback-calling helpers
        if callback_kfuncs:
            self.prune_points |= callback_kfuncs
            self.force_points |= callback_kfuncs
            self.jmp_points |= callback_kfuncs
        self.prune_points |= kfuncs.async_callback_kfunc_slots(env)  # check_cfg(): as bpf_timer_set_callback
        self.sccs = prune.scc_ids(view, self.force_points)  # slot -> its loop's number (compute_scc())
        self.iter_next = kfuncs.iter_next_slots(env)  # check_cfg(): forced checkpoints there too
        if self.iter_next:
            self.prune_points |= self.iter_next
            self.force_points |= self.iter_next
        if previous is not None:  # env-wide in the kernel: the instances of every call chain
            self.stack_live: StackLiveness = previous.stack_live
        else:
            calls_callback = frozenset(  # bpf_calls_callback(): the call of a callback-calling helper
                slot
                for slot in self.force_points
                if view.insn_at(slot).opcode == _HELPER_CALL
                and (not view.insn_at(slot).src or slot in callback_kfuncs)
            )
            self.stack_live = StackLiveness(view, env.log, self.prune_points, calls_callback.__contains__)
        self.visits: dict[tuple[int, ...], prune.SccVisit] = {}  # loop visits by call chain
        self.first_idx = self.insn_idx  # the first instruction of the current segment (first_insn_idx)
        self.history: list[precision.History] = []  # its jmp_history
        self.segment_walk: precision.SegmentWalk | None = None  # the last precision walk through it
        self.precision_needs: precision.Needs | None = None  # precision._needs(), built on first use
        self.hist_entry = -1  # the history entry of the instruction being checked (cur_hist_ent)
        prog_type = env.request.prog_type
        self.live = liveness.live_registers(
            view, helpers.offered(env), prog_type.prog_type, env.request.expected_attach_type,
            getattr(prog_type, "func_proto", None),
        )  # fmt: skip
        self.scratched: set[int] = set()
        # slot -> _decode(), and slot -> env.facts[its index]: lists by slot, made on first use (a
        # list item is read without hashing: both are asked at every instruction the walk checks)
        self._decoded: list[tuple[int, op.OpSpec | None] | None] = [None] * view.slot_count
        self._decoded_by_id: dict[int, tuple[int, op.OpSpec | None]] = {}  # id() of a view's instruction
        self._consts: dict[int, RegState] = {}
        self._insn_texts: dict[int, str] = {}
        self._targets: dict[int, int] = {}
        self._slot_facts: list[InsnFacts | None] = [None] * view.slot_count
        # slot -> instruction: view.insn_at() as the walk's own dict (no call into the view per use)
        self.insn_by_slot: dict[int, Instruction] = dict(zip(view.starts, view.insns, strict=True))
        self.trace = env.log.trace
        self.level2 = env.log.level2
        self.source_lines = SourceLines(env.request.line_info, view.slot_count)
        self.print_all = True  # mark_verifier_state_scratched(): the next state print shows everything
        self.do_print_state = False
        self.prev_log_pos = 0
        self.prev_insn_print_pos = 0
        self._exit_answer: tuple[bool, tuple[int, int] | None] | None = None  # _program_exit()
        if self.level2 and previous is None:  # compute_live_registers() runs once, before do_check
            texts = [
                (slot, self.insn_text(slot, insn).split(": ", 1)[1])
                for insn, slot in zip(view.insns, view.starts, strict=True)
            ]
            env.log.verbose(liveness.format_live_registers(self.live, self.sccs, texts))
        if not subprog:  # do_check_common() of the main program, after compute_live_registers()
            if env.request.extension is not None:  # an freplace program: checked as a global function
                self.state = PathState([global_funcs.extension_entry(self)])
            else:
                global_funcs.check_main_prototype(self)

    # --- services for the checks ---

    def fail(self, err: int, message: str) -> NoReturn:
        self.env.fail(err, message)

    def check_reg_invariants(self, reg: bounds.Bounds, ctx: str) -> None:
        """reg_bounds_sanity_check(): numbers that contradict each other (a refinement of a branch
        the walk could not prove dead, an ALU result, a load) are a verifier bug: reported, then the
        load fails (EFAULT) under BPF_F_TEST_REG_INVARIANTS, else the ranges are forgotten."""
        what = bounds.invariant_violation(reg)
        if what is None:
            return
        message = f"verifier bug: REG INVARIANTS VIOLATION ({ctx}): {what} {bounds.format_violation(reg)}"
        if self.env.request.prog_flags & BPF_F_TEST_REG_INVARIANTS:
            self.fail(errno.EFAULT, message)
        self.env.log.line(message)
        bounds.mark_unbounded(reg)

    def const_reg(self, imm: int) -> RegState:
        """The known scalar an immediate operand stands for (the kernel's fake_reg; read only)."""
        reg = self._consts.get(imm)
        if reg is None:
            reg = self._consts[imm] = RegState()
            reg.mark_known(imm)
        return reg

    def new_id(self) -> int:
        self.id_gen += 1
        return self.id_gen

    @property
    def index(self) -> int:
        index = self.view.index_at(self.insn_idx)
        assert index is not None
        return index

    def facts(self) -> InsnFacts:
        """The current instruction's InsnFacts (the kernel's insn_aux_data), made on first use."""
        slot = self.insn_idx
        facts = self._slot_facts[slot]
        if facts is None:  # (by slot for the walk: env.facts is by instruction index)
            index = self.index
            facts = self.env.facts.get(index)
            if facts is None:
                facts = self.env.facts[index] = InsnFacts()
            self._slot_facts[slot] = facts
        return facts

    def note_call_map(self, map_ref: MapRef | None) -> None:
        """record_func_map(): the map of this call site (ambiguous when paths pass different maps),
        and whether any of them lacks the Spectre v1 bypass."""
        facts = self.facts()
        if map_ref is not None and not getattr(map_ref, "bypass_spec_v1", True):
            facts.map_unpriv = True
        if facts.map is None and not facts.map_ambiguous:
            facts.map = map_ref
        elif facts.map is not map_ref and (  # (each lddw of a map gives a reference of its own)
            facts.map is None or map_ref is None or facts.map.address != map_ref.address
        ):
            facts.map, facts.map_ambiguous = None, True

    def note_stack_depth(self, subprog: int, depth: int) -> None:
        self.depths[subprog] = max(self.depths[subprog], depth)

    def scratch_reg(self, regno: int) -> None:
        self.scratched.add(regno)

    def scratch_stack(self, spi: int, frameno: int) -> None:
        self.scratched.add(100 + spi)

    def check_reg_read(self, regno: int) -> None:
        """check_reg_arg(SRC_OP)."""
        if not 0 <= regno < _MAX_BPF_REG:
            self.fail(errno.EINVAL, f"R{regno} is invalid")
        if self.state.frames[-1].regs[regno].type is _NOT_INIT:
            self.fail(errno.EACCES, f"R{regno} !read_ok")
        self.scratched.add(regno)

    def check_reg_write(self, regno: int, *, mark: bool = True) -> None:
        """check_reg_arg(DST_OP / DST_OP_NO_MARK)."""
        if not 0 <= regno < _MAX_BPF_REG:
            self.fail(errno.EINVAL, f"R{regno} is invalid")
        if regno == op.BPF_REG_FP:
            self.fail(errno.EACCES, "frame pointer is read only")
        self.scratched.add(regno)
        if mark:
            self.state.frames[-1].regs[regno].mark_unknown()

    def jump_target(self, insn: Instruction) -> int:
        target = self._targets.get(self.insn_idx)
        if target is None:
            target = transfer(insn, self.insn_idx).target
            assert target is not None
            self._targets[self.insn_idx] = target
        return target

    def push_branch(self, target: int) -> PathState:
        """push_stack(): the other branch, resumed later from ``target`` with a copy of the state."""
        if len(self.pending) >= BPF_COMPLEXITY_LIMIT_JMP_SEQ:
            self.fail(errno.E2BIG, f"The sequence of {len(self.pending) + 1} jumps is too complex.")
        insn = self.insn_by_slot[self.insn_idx]
        owned = -1  # the registers of the current frame the instruction writes in both (a copy: all)
        if insn.opcode & 0x07 in (op.BPF_JMP, op.BPF_JMP32) and insn.opcode & 0xF0 not in _NOT_COND:
            self._note_linked_regs(insn)
            owned = self._jump_writes(insn)
        copy = self.state.fork(owned) if owned >= 0 else self.state.copy()
        self._push(target, copy)
        return copy

    def push_speculative(self, target: int, alu_dst: int | None = None) -> PathState:
        """push_stack(..., speculative=true) (sanitize_speculative_path()): a copy of the state, marked
        speculative, resumed later from ``target``.  ``alu_dst``: pushed by sanitize_ptr_alu() for
        that register, where a push past the complexity limit is its REASON_STACK: sanitize_err()'s
        message after push_stack()'s, and ENOMEM."""
        if len(self.pending) >= BPF_COMPLEXITY_LIMIT_JMP_SEQ:
            too_complex = f"The sequence of {len(self.pending) + 1} jumps is too complex."
            if alu_dst is None:
                self.fail(errno.E2BIG, too_complex)
            self.env.log.line(too_complex)
            self.fail(
                errno.ENOMEM,
                f"R{alu_dst} could not be pushed for speculative verification, "
                "pointer arithmetic with it prohibited for !root",
            )
        copy = self.state.copy()
        copy.speculative = True
        self._push(target, copy)
        return copy

    def _push(self, target: int, copy: PathState) -> None:
        """The pending branch resuming ``copy`` at ``target``, a child of the current checkpoint."""
        self.pending.append(
            Branch(
                target, self.insn_idx, copy, self.env.log.position(), self.parent, self.first_idx,
                tuple(self.history),
            )
        )  # fmt: skip
        if self.parent is not None:
            self.parent.branches += 1

    def push_path(self, target: int, path: PathState) -> None:
        """push_async_cb(): a path of its own, resumed later from ``target`` -- a new state (the
        kernel's is zeroed): no parent checkpoint, its segment starting at 0, no history."""
        if len(self.pending) >= BPF_COMPLEXITY_LIMIT_JMP_SEQ:
            self.fail(errno.E2BIG, f"The sequence of {len(self.pending) + 1} jumps is too complex.")
        self.pending.append(Branch(target, self.insn_idx, path, self.env.log.position(), None, 0, ()))

    def mark_chain_precision(self, regno: int) -> None:
        """mark_chain_precision(): the scalar in ``regno`` is relied on exactly (``precision``)."""
        precision.mark_chain_precision(self, regno)

    def note_constant_key(self, key: RegState) -> None:
        """get_constant_map_key(): a map key read from a spilled constant is relied on exactly (one
        read from zero bytes needs no mark)."""
        position = -(key.off + bounds.s64(key.var_off.value)) - 1
        slot = self.state.frames[key.frameno].stack.slots[position // 8]
        if slot.kinds[position % 8] == STACK_SPILL:
            precision.mark_slot_precision(self, key.frameno, position // 8)

    def push_history(
        self,
        slot: tuple[int, int] | None = None,
        linked: tuple[precision.Linked, ...] = (),
        stack_ptrs: int = 0,
    ) -> None:
        """push_jmp_history() for the current instruction (one entry per instruction, merged)."""
        if self.hist_entry >= 0:
            entry = self.history[self.hist_entry]
            self.history[self.hist_entry] = precision.History(
                entry.idx,
                entry.prev_idx,
                slot if slot is not None else entry.slot,
                linked or entry.linked,
                stack_ptrs | entry.stack_ptrs,
            )
            return
        history = self.history
        self.hist_entry = len(history)
        history.append(precision.History(self.insn_idx, self.prev_idx, slot, linked, stack_ptrs))

    def _note_linked_regs(self, insn: Instruction) -> None:
        """check_cond_jmp_op(): the scalars sharing an id with an operand, before both branches."""
        regs = self.state.cur.regs
        src, dst = regs[insn.src], regs[insn.dst]
        src_id = src.id if insn.opcode & op.BPF_X and src.is_scalar else 0
        dst_id = dst.id if dst.is_scalar else 0
        if not src_id and not dst_id:
            return  # no operand is linked to anything
        linked: list[precision.Linked] = []
        candidates = self.link_positions(self.state)
        if src_id:  # src and dst sharing an id are collected twice, as the kernel does
            precision.linked_regs(candidates, src_id, linked)
        if dst_id:
            precision.linked_regs(candidates, dst_id, linked)
        if len(linked) > 1:
            self.push_history(linked=tuple(linked))

    def link_positions(self, state: PathState) -> list[tuple[precision.Linked, RegState]]:
        """Where scalars linked by an id may be (collect_linked_regs()): each frame's registers live
        at the instruction it stands at (this one, or the call it made) and its spilled registers --
        only the scalars with an id, the only ones linked_regs() and sync_linked_regs() look at."""
        frames = state.frames
        out: list[tuple[precision.Linked, RegState]] = []
        last = len(frames) - 1
        for i in range(last, -1, -1):  # the current frame first, as collect_linked_regs() goes
            frame = frames[i]
            mask = self.live.get(self.insn_idx if i == last else frames[i + 1].callsite, prune.ALL_REGS)
            regs = frame.regs
            out += [
                (Linked(i, j, False), reg)
                for j in _REG_NUMBERS[mask & _GENERAL_REGS]
                if (reg := regs[j]).id and reg.type is _SCALAR
            ]
            out += [
                (Linked(i, spi, True), spilled)
                for spi, slot in enumerate(frame.stack.slots)
                if (spilled := slot.spilled) is not None
                and spilled.id
                and spilled.type is _SCALAR
                and slot.kinds[7] == STACK_SPILL
            ]
        return out

    def link_candidates(self, state: PathState) -> list[RegState]:
        """The registers sync_linked_regs() may refine along with a jump's operand."""
        return [reg for _, reg in self.link_positions(state)]

    def stack_chain(self, state: PathState, frameno: int) -> Chain:
        """compute_callchain(): the call instructions leading to frame ``frameno`` of ``state``, then
        its subprogram's first instruction."""
        frames = state.frames
        start = self.view.subprograms[frames[frameno].subprog]
        if not frameno:
            return (start,)
        return (*[frames[i + 1].callsite for i in range(frameno)], start)

    def stack_chains(self, state: PathState) -> list[Chain]:
        """The call chain of every frame of ``state``, the outermost first."""
        return [self.stack_chain(state, frameno) for frameno in range(len(state.frames))]

    def update_live_stack(self) -> None:
        """bpf_update_live_stack() of the current path's call chain (nothing to solve when no
        instance changed since the last time)."""
        live = self.stack_live
        if live.updated:
            live.update(self.stack_chains(self.state))
        else:
            live.reset_callchain()

    def mark_stack_read(self, frameno: int, mask: int) -> None:
        """bpf_mark_stack_read(): the current instruction may read the slots ``mask`` (bit ``spi``) of
        frame ``frameno``."""
        live = self.stack_live
        inst = live.cur
        if inst is None:
            inst = live.cur = live.instance(self.stack_chain(self.state, self.state.curframe))
        live.mark_read(inst, frameno, self.insn_idx, mask)

    def mark_stack_write(self, frameno: int, mask: int) -> None:
        """bpf_mark_stack_write(): the current instruction writes the slots ``mask`` of frame
        ``frameno`` whole."""
        self.stack_live.mark_write(frameno, mask)

    def _stack_slot(self, base: int, off: int) -> tuple[int, int, int] | None:
        """The frame, slot and offset a fixed-offset stack access through ``base`` reaches."""
        if not 0 <= base < op.MAX_BPF_REG:
            return None  # the access check refuses the register
        reg = self.state.cur.regs[base]
        if reg.type is not RegType.PTR_TO_STACK or not tnum.is_const(reg.var_off):
            return None
        at = bounds.s64(reg.var_off.value) + reg.off + off
        if at >= 0:
            return None
        return reg.frameno, (-at - 1) // 8, at

    def _check_load(self, insn: Instruction, sign_extend: bool) -> None:
        """check_mem_access() of a load; a fill of a spilled register is recorded in the history."""
        fill = self._fill(insn.src, insn.off, op.SIZE_BYTES[insn.opcode & 0x18], to_reg=True)
        mem.check_load(self, insn, sign_extend)
        self.check_reg_invariants(self.state.cur.regs[insn.dst], "ldx")
        if fill is not None:
            self.push_history(slot=fill)

    def _fill(self, base: int, off: int, size: int, *, to_reg: bool) -> tuple[int, int] | None:
        """The (frame, slot) a read of ``size`` bytes at ``base + off`` restores a spilled register from
        (check_stack_read_fixed_off()'s INSN_F_STACK_ACCESS: a whole spill, or, into a register, a scalar
        read from the slot's start or a spilled zero read through spilled bytes only), else None."""
        where = self._stack_slot(base, off)
        if where is None:
            return None
        frameno, spi, at = where
        slots = self.state.frames[frameno].stack.slots
        slot = slots[spi] if spi < len(slots) else None
        if slot is None or not slot.is_spill or slot.spilled is None:
            return None
        spill_size = slot.spill_size()
        if size == 8 and spill_size == 8:
            return frameno, spi
        if not (to_reg and slot.spilled.is_scalar):
            return None
        if size <= spill_size and at % 8 == 0:
            return frameno, spi
        if is_null(slot.spilled) and all(
            slot.kinds[(-i - 1) % 8] == STACK_SPILL for i in range(at, at + size)
        ):
            return frameno, spi  # the zero a register spilled, read back through spilled bytes only
        return None

    def _check_store(self, insn: Instruction, from_reg: bool, *, release: bool = False) -> None:
        """check_mem_access() of a store (``release``: a store-release); a spill to an aligned slot is
        recorded in the history, and a zero register stored as data (not a spill: unaligned) is relied
        on to be zero (STACK_ZERO)."""
        where = self._stack_slot(insn.dst, insn.off)
        value = self.state.cur.regs[insn.src] if from_reg and 0 <= insn.src < op.MAX_BPF_REG else None
        zero_data = where is not None and where[2] % 8 != 0 and value is not None and is_null(value)
        if release:
            mem.check_atomic(self, insn)
        else:
            mem.check_store(self, insn, from_reg)
        if zero_data:
            self.mark_chain_precision(insn.src)
        if where is not None and where[2] % 8 == 0:
            frameno, spi, _ = where
            slots = self.state.frames[frameno].stack.slots
            if spi < len(slots) and slots[spi].is_spill:
                self.push_history(slot=(frameno, spi))

    def insn_or_none(self, slot: int) -> Instruction | None:
        """The instruction starting at ``slot`` (None: an lddw's second half or outside)."""
        return self.insn_by_slot.get(slot)  # (the view's instructions by slot: no Python call)

    def insn_text(self, slot: int, insn: Instruction) -> str:
        """``N: (code) text`` as the log prints the instruction at ``slot``."""
        text = self._insn_texts.get(slot)
        if text is None:
            resolved = self.env.resolved.get(slot) if insn.opcode == _LDDW else None
            if resolved is not None:  # the kernel prints the map (value) address it resolved
                if insn.src in _HIDDEN_FROM_UNPRIV and not self.env.allow_ptr_leaks:
                    resolved = 0  # print_bpf_insn(..., allow_ptr_leaks): a map pointer shows as 0
                text = f"{slot}: ({_LDDW:02x}) r{insn.dst} = {resolved:#x}"
            else:
                text = f"{slot}: {format_insn(insn)}"
            self._insn_texts[slot] = text
        return text

    def print_insn_state(self) -> None:
        """print_insn_state(): the registers and slots the last instruction touched, appended to its
        line (``; R0=5``) or on a line of their own (``11: R0=1 ...``)."""
        if not self.trace or not (self.scratched or self.print_all):
            return
        log = self.env.log
        scratched = self.scratched
        frame = self.state.frames[-1]
        if (
            not self.print_all
            and len(scratched) == 1
            and (regno := next(iter(scratched))) < 100
            and not self.state.refs
            and frame.callback_ret is None
        ):  # the common case: one register (R0=5)
            reg = frame.regs[regno]
            state = f" frame{frame.frameno}:" if frame.frameno else ""
            if reg.type is not RegType.NOT_INIT:
                state += f" R{regno}={format_reg(reg, frame.frameno)}"
            state += "\n"
        else:
            state = self.format_state(self.state, None if self.print_all else scratched) + "\n"
        if self.prev_log_pos and self.prev_log_pos == log.position():
            log.end_line_with(" " * max(_alignment(self.prev_insn_print_pos), 1) + ";" + state)
        else:
            log.verbose(f"{self.insn_idx}:" + state)
        self.scratched.clear()
        self.print_all = False

    # --- the walk ---

    def run(self) -> None:
        env = self.env
        log = env.log
        step, is_state_visited = self.step, prune.is_state_visited
        # per slot, its instruction and whether it is a prune point (1) and a jump point (2), read as
        # list items (the point sets are fixed during the walk)
        insns: list[Instruction | None] = [None] * self.view.slot_count
        for at, one in self.insn_by_slot.items():
            insns[at] = one
        points = [0] * len(insns)
        for at in self.prune_points:
            points[at] |= 1
        for at in self.jmp_points:
            points[at] |= 2
        stack_live = self.stack_live
        trace = self.trace  # (fixed for the walk: the log's level)
        sanitizing = not self.bypass_spec_v1 or not self.bypass_spec_v4
        seen_add = env.seen.add
        while True:
            processed = env.insn_processed = env.insn_processed + 1
            if processed > BPF_COMPLEXITY_LIMIT_INSNS:
                self.fail(errno.E2BIG, f"BPF program is too large. Processed {processed} insn")
            slot = self.insn_idx
            self.hist_entry = -1
            nxt: int | None
            marks = points[slot]
            if marks & 1 and is_state_visited(self, slot):
                if trace:  # at level 1 too (the next pop rewinds it, unless this path was the last)
                    if self.do_print_state:
                        spec = " (speculative execution)" if self.state.speculative else ""
                        log.verbose(f"\nfrom {self.prev_idx} to {slot}{spec}: safe\n")
                    else:
                        log.line(f"{slot}: safe")
                nxt = None
            else:
                if marks & 2:
                    self.push_history()
                if not self.state.speculative:  # sanitize_mark_insn_seen()
                    seen_add(slot)
                insn = insns[slot]
                if insn is None:  # (the walk only reaches instruction starts)
                    raise KeyError(slot)
                if trace:
                    self._trace(insn)
                if stack_live.cur is None:  # bpf_reset_stack_write_marks() (ensure_cur_instance())
                    stack_live.cur = stack_live.instance(self.stack_chain(self.state, self.state.curframe))
                stack_live.write_insn = slot
                nxt = self._step_speculative(insn) if sanitizing and self.state.speculative else step(insn)
                stack_live.commit()
            if nxt is None:
                prune.update_branch_counts(self, self.parent)
                self.update_live_stack()
                if not self.pending:
                    break
                branch = self.pending.pop()
                if not self.level2:
                    log.reset(branch.log_pos)
                self.state, self.parent = branch.state, branch.parent
                self.first_idx, self.history = branch.first_idx, list(branch.history)
                self.prev_idx, self.insn_idx = branch.prev, branch.insn
                self.print_all = self.do_print_state = True
            else:
                self.prev_idx, self.insn_idx = slot, nxt
        env.stack_depths = [(d + 7) // 8 * 8 for d in self.depths]
        if not self.level2:  # do_check_common(): a verified program's level-1 trace is dropped
            log.reset(0)

    def _trace(self, insn: Instruction) -> None:
        """The trace lines before an instruction: the state after a jump between paths (level 2), the
        last instruction's state, the source line, then ``N: (code) text``."""
        log = self.env.log
        if self.do_print_state and self.level2:  # at level 1 it stays set (a later "safe" says "from")
            spec = " (speculative execution)" if self.state.speculative else ""
            log.verbose(
                f"\nfrom {self.prev_idx} to {self.insn_idx}{spec}:"
                + self.format_state(self.state, None)
                + "\n"
            )
            self.do_print_state = False
        self.print_insn_state()
        if self.source_lines.records:
            self.source_lines.verbose_linfo(log, self.insn_idx, "; ")
        start = log.position()
        log.line(self.insn_text(self.insn_idx, insn))
        self.prev_log_pos = log.position()
        self.prev_insn_print_pos = self.prev_log_pos - start

    def _step_speculative(self, insn: Instruction) -> int | None:
        """do_check()'s instruction on a speculative path: a barrier before it ends the path; an error
        a barrier can stop puts one there (error_recoverable_with_nospec(): the path ends, no
        masking at the instruction any more); a barrier after it (nospec_result) ends the path."""
        facts = self.env.facts.get(self.index)
        if facts is not None and facts.nospec:
            return None
        try:
            nxt = self.step(insn)
        except VerifierError as err:
            if err.errno not in RECOVERABLE:
                raise
            facts = self.facts()
            facts.nospec = True
            facts.alu_state = 0
            return None
        after = self.env.facts.get(self.index)
        if nxt is not None and after is not None and after.nospec_result:
            return None
        return nxt

    def step(self, insn: Instruction) -> int | None:
        """do_check_insn(): check one instruction, update the state; the next slot (None: path ends)."""
        slot = self.insn_idx
        decoded = self._decoded[slot]
        if decoded is None:  # (the slot's instruction never changes: its opcode is checked once)
            if insn.opcode not in KERNEL_OPCODES:
                self.fail(errno.EINVAL, f"unknown opcode {insn.opcode:02x}")
            decoded = self._decoded_by_id.get(id(insn))  # (equal instructions are often one
            if decoded is None:  # object: pybpf.isa.decode_program(); id() needs no hash)
                decoded = self._decoded_by_id[id(insn)] = _decode(insn)
            self._decoded[slot] = decoded
        route, spec = decoded
        if self.state.cow:
            self._own_written(route, insn)
        # the common routes first: a plain route (no flag bits) has its spec and nothing else to check
        if spec is not None:
            if route == _ALU:
                alu.check_alu(self, insn, spec)
                self.check_reg_invariants(self.state.cur.regs[insn.dst], "alu")
                return slot + 1
            if route == _JUMP:
                self.jmps_processed += 1
                return self._jump(insn, spec, spec.kind)
            if route == _LDX:
                self._check_load(insn, spec.kind is Kind.LDXSX)
                return slot + 1
        if route == _ATOMIC:
            self._atomic(insn)
            return slot + 1
        if route & _SKB_ONLY and not helpers.may_access_skb(self.env.request.prog_type.prog_type):
            self.fail(errno.EINVAL, "BPF_LD_[ABS|IND] instructions not allowed for this program type")
        if route & _ADDR_SPACE_CAST:
            self._addr_space_cast(insn)
            return slot + 1
        if route & _READS_DST:
            self.check_reg_read(insn.dst)
        if spec is None:
            self.fail(errno.EINVAL, fields.reserved_message(insn))
        kind = spec.kind
        route &= _KIND_MASK
        if route == _ALU:
            alu.check_alu(self, insn, spec)
            self.check_reg_invariants(self.state.cur.regs[insn.dst], "alu")
        elif route == _JUMP:
            self.jmps_processed += 1
            return self._jump(insn, spec, kind)
        elif route == _LDX:
            self._check_load(insn, kind is Kind.LDXSX)
        elif route == _STX:
            self._check_store(insn, True)
        elif route == _ST:
            self._check_store(insn, False)
        elif route == _LD_ABS:
            return ld.check_ld_abs(self, insn, kind is Kind.LD_IND)  # (a subprogram's may return)
        else:
            ld.check_ld_imm(self, insn)
            return slot + 2
        return slot + 1

    def _own_written(self, route: int, insn: Instruction) -> None:
        """Copy-on-write before an instruction of a path that shares objects with a pending branch:
        private copies of what the instruction may write -- an ALU operation's registers (a move gives
        its source an id), a load's destination (from a packet, the context or a map value; from the
        stack, and that stack), a stack store's stack and stored register (no dynptr on that stack, no
        dynptr slice of a stack buffer), an lddw's destination; a jump writes nothing (a conditional
        one its operands: ``_jump_writes()``); anything else anything."""
        route &= ~_READS_DST
        frame = self.state.frames[-1]
        dst = insn.dst
        if route == _ALU and dst < _MAX_BPF_REG:
            shared = frame.shared  # (FuncFrame.own()'s test first: most registers are owned already)
            if shared >> dst & 1:
                frame.own(dst)
            if insn.opcode & op.BPF_X and insn.src < _MAX_BPF_REG and shared >> insn.src & 1:
                frame.own(insn.src)
            return
        if route == _LDX and dst < _MAX_BPF_REG and insn.src < _MAX_BPF_REG:
            base = frame.regs[insn.src]
            if base.type in _NARROW_LOADS and not base.maybe_null:
                frame.own(dst)
                return
            if base.type is _STACK_PTR and base.frameno < len(self.state.frames):
                frame.own(dst)  # a fill: the destination, and the stack it reads (which it may grow)
                self.state.frames[base.frameno].own_stack()
                return
        elif route in (_STX, _ST) and dst < _MAX_BPF_REG and (route == _ST or insn.src < _MAX_BPF_REG):
            base = frame.regs[dst]
            if base.type is _STACK_PTR and base.frameno < len(self.state.frames):
                target = self.state.frames[base.frameno]
                # a spill writes the stack and the stored register (its id); overwriting a dynptr
                # or a dynptr slice's bytes invalidates registers anywhere: those unshare all
                if not self.env.stack_buffer_slices and not any(
                    s.kinds[0] == STACK_DYNPTR for s in target.stack.slots
                ):
                    if route == _STX:
                        frame.own(insn.src)
                    target.own_stack()
                    return
        elif route == _LDDW_ROUTE and dst < _MAX_BPF_REG:
            frame.own(dst)  # check_ld_imm() writes its destination alone
            return
        if route == _JUMP and insn.opcode & 0xF0 not in _WRITING_JUMPS:
            return  # (a conditional jump owns its operands itself)
        self.state.unshare()

    def _jump_writes(self, insn: Instruction) -> int:
        """The registers a conditional jump writes when its operands are scalars with no id (refined
        in both branches; nothing else is: no linked registers, no pointers): their mask, else -1."""
        regs = self.state.frames[-1].regs
        dst = insn.dst
        if dst >= _MAX_BPF_REG or regs[dst].type is not _SCALAR or regs[dst].id:
            return -1
        if not insn.opcode & op.BPF_X:
            return 1 << dst
        src = insn.src
        if src >= _MAX_BPF_REG or regs[src].type is not _SCALAR or regs[src].id:
            return -1
        return 1 << dst | 1 << src

    def _jump(self, insn: Instruction, spec: op.OpSpec, kind: Kind) -> int | None:
        slot = self.insn_idx
        if kind is Kind.JCOND:
            state = self.state
            if state.cow:  # (push_branch() asks _jump_writes() again: the operands are unchanged then)
                owned = self._jump_writes(insn)
                if owned < 0:
                    state.unshare()
                else:
                    frame = state.frames[-1]
                    frame.own(insn.dst)
                    if owned != 1 << insn.dst:
                        frame.own(insn.src)
            return jmp.check_cond_jmp(self, insn, spec)
        if kind in (Kind.JA, Kind.GOTOL):
            return self.jump_target(insn)
        if kind is Kind.MAY_GOTO:
            return jmp.check_may_goto(self, insn)
        if kind is Kind.CALL:
            call.check_helper_call(self, insn.imm)
            return self.insn_idx + 1  # a tail call in a subprogram returns to its caller
        if kind is Kind.CALL_LOCAL:
            return self._call_local(insn)
        if kind is Kind.CALL_KFUNC:
            kfuncs.check_kfunc_call(self, insn)
            if exceptions.is_throw(insn):  # process_bpf_exit_full() of an exception exit
                references.check_resource_leak(self, True, "bpf_throw", exception_exit=True)
                return None
            return slot + 1
        return self._exit()

    def _call_local(self, insn: Instruction) -> int:
        """check_func_call(): a new frame for the callee with the caller's r1-r5."""
        state = self.state
        target = self.jump_target(insn)
        subprog = self.view.subprog_of(target)
        if global_funcs.check_func_call(self, subprog):
            return self.insn_idx + 1
        if state.curframe + 1 >= op.MAX_CALL_FRAMES:
            self.fail(errno.E2BIG, f"the call stack of {state.curframe + 2} frames is too deep")
        caller = state.cur
        callee = FuncFrame(state.curframe + 1, subprog, self.insn_idx)
        for regno in range(1, 6):
            callee.regs[regno].copy_from(caller.regs[regno])
        for regno in range(6):
            caller.regs[regno].mark_not_init()
        state.frames.append(callee)
        self.stack_live.reset_callchain()
        if self.trace:
            log = self.env.log
            log.verbose("caller:\n" + self.format_state(state, None, state.curframe - 1) + "\n")
            log.verbose("callee:\n" + self.format_state(state, None) + "\n")
            self.print_all = True
        return target

    def _exit(self) -> int | None:
        """process_bpf_exit_full: resources at the exit, then prepare_func_exit() (a callee returns
        to its caller, a callback to its helper call) or check_return_code() at the program's end."""
        state = self.state
        references.check_resource_leak(self, not state.curframe, "BPF_EXIT instruction in main prog")
        if state.curframe:
            back = self.prepare_func_exit()
            self.do_print_state = True  # "from exit to caller:" with the whole state, nothing more
            self.print_all = False
            self.scratched.clear()
            return back
        self._check_return_code(state.cur)
        return None

    def prepare_func_exit(self) -> int:
        """prepare_func_exit(): leave the current frame; the slot the walk goes on at (after the call,
        or a callback's helper call to enter it once more)."""
        state = self.state
        self.update_live_stack()
        callee = state.cur
        r0 = callee.regs[0]
        if r0.type is RegType.PTR_TO_STACK:
            self.fail(errno.EINVAL, "cannot return stack pointer to the caller")
        if callee.callback_ret is not None:
            callbacks.check_callback_exit(self, callee, callee.callback_ret)
            back = callee.callsite  # the helper call, to enter the callback once more
            state.frames.pop()
        else:
            state.frames.pop()
            state.cur.regs[0].copy_from(r0)
            back = callee.callsite + 1
        if self.trace:
            self._log_return(callee, back)
        if callee.callback_ret is not None:
            callbacks.widen_after_return(self, callee.callsite)
        return back

    def _log_return(self, callee: FuncFrame, back: int) -> None:
        """prepare_func_exit()'s log: the callee's state, then the caller's it returns to."""
        state = self.state
        log = self.env.log
        log.verbose("returning from callee:\n" + self._frame_text(state, callee) + "\n")
        log.verbose(f"to caller at {back}:\n" + self.format_state(state, None) + "\n")

    def _frame_text(self, state: PathState, frame: FuncFrame) -> str:
        """print_verifier_state() of a frame already popped off ``state``."""
        state.frames.append(frame)
        try:
            return self.format_state(state, None)
        finally:
            state.frames.pop()

    def check_return_code_of(self, regno: int) -> None:
        """check_return_code() of the current frame's ``regno`` (the outermost frame's rules)."""
        self._check_return_code(self.state.frames[0], regno)

    def _check_return_code(self, frame: FuncFrame, regno: int = 0) -> None:
        """check_return_code(): r0 set, and within the program type's return range (an async
        callback's: [0, 0]); a global function returns any scalar; a struct_ops member returning
        void leaves r0 unchecked.  ``frame`` is the outermost frame; ``regno`` the current frame's
        register holding the return value (bpf_throw's cookie, R1, under the default callback:
        ``pybpf.verifier.exceptions``).  The program's exception callback returns as the program
        does (``in_exception_callback_fn``)."""
        is_subprog = frame.subprog and frame.subprog != self.env.exception_callback
        if not is_subprog and frame.callback_ret is None and self._program_exit()[0]:
            return
        self.check_reg_read(regno)
        r0 = self.state.cur.regs[regno]
        if not (self.env.allow_ptr_leaks or r0.is_scalar):
            self.fail(errno.EACCES, f"R{regno} leaks addr as return value")
        if is_subprog and frame.callback_ret is None:
            if r0.type is not RegType.SCALAR_VALUE:
                self.fail(
                    errno.EINVAL,
                    f"At subprogram exit the register R{regno} is not a scalar value ({r0.type_name()})",
                )
            return
        if frame.callback_ret is not None:
            where, ret_range = "At async callback return", frame.callback_ret
        else:
            where = "At program exit"
            found = self._program_exit()[1]
            if found is None:
                return
            ret_range = found
        if r0.type is not RegType.SCALAR_VALUE:
            self.fail(errno.EINVAL, f"{where} the register R{regno} is not a known value ({r0.type_name()})")
        self.mark_chain_precision(regno)
        if not ret_range[0] <= r0.smin or not r0.smax <= ret_range[1]:
            self.fail(errno.EINVAL, callbacks.invalid_scalar(r0, ret_range, where, f"R{regno}"))

    def _program_exit(self) -> tuple[bool, tuple[int, int] | None]:
        """What check_return_code() asks of the program type at the program's exit: whether r0 is
        left unchecked (a struct_ops member returning void), and the range r0 must lie in (None:
        any value): return_range(), or an LSM hook's or a struct_ops member's own (``exit_range``,
        from the BTF).  A pure function of the load, asked once per walk (a loop's every path end
        asked it again)."""
        answer = self._exit_answer
        if answer is None:
            request = self.env.request
            unchecked = bool(getattr(request.prog_type, "exit_unchecked", False))
            exit_range = getattr(request.prog_type, "exit_range", None)  # an LSM hook's (its BTF)
            if exit_range is not None:
                found = exit_range()
            else:
                found = return_range(request.prog_type.prog_type, request.expected_attach_type)
            answer = self._exit_answer = (unchecked, found)
        return answer

    def _atomic(self, insn: Instruction) -> None:
        if insn.spec is None:
            if insn.imm in fields.RMW_ATOMICS:
                self.fail(errno.EINVAL, "invalid atomic operand size")
            self.fail(errno.EINVAL, f"BPF_ATOMIC uses invalid atomic opcode {insn.imm & 0xFFFFFFFF:02x}")
        if insn.spec.kind is Kind.STORE_REL:  # check_atomic_store(): a store, spills recorded alike
            self._check_store(insn, True, release=True)
            return
        size = op.SIZE_BYTES[insn.opcode & 0x18]
        if insn.spec.kind is Kind.LOAD_ACQ:  # check_atomic_load(): a load, fills recorded alike
            fill = self._fill(insn.src, insn.off, size, to_reg=True)
        else:  # check_atomic_rmw() reads the slot first (a fetch: into a reg)
            fill = self._fill(insn.dst, insn.off, size, to_reg=bool(insn.imm & op.BPF_FETCH))
        mem.check_atomic(self, insn)
        if fill is not None:
            self.push_history(slot=fill)

    def _addr_space_cast(self, insn: Instruction) -> None:
        if insn.imm not in (1, 1 << 16):
            self.fail(errno.EINVAL, "addr_space_cast insn can only convert between address space 1 and 0")
        if not any(m.map_type == BPF_MAP_TYPE_ARENA for m in self.env.maps):
            self.fail(
                errno.EINVAL,
                "addr_space_cast insn can only be used in a program that has an associated arena",
            )
        self.check_reg_read(insn.src)
        self.check_reg_write(insn.dst)
        if insn.imm == 1:  # cast from as(1) to as(0): an arena pointer, 32 bits wide
            self.state.cur.regs[insn.dst].mark_pointer(RegType.PTR_TO_ARENA)

    def format_state(self, state: PathState, scratched: set[int] | None, frameno: int | None = None) -> str:
        """print_verifier_state() of a frame (the current one by default): every initialised
        register and valid slot, or only the ``scratched`` ones (register numbers, 100 + slot)."""
        frame = state.frames[state.curframe if frameno is None else frameno]
        parts = [f" frame{frame.frameno}:"] if frame.frameno else []
        regs = frame.regs
        numbers = range(len(regs)) if scratched is None else sorted(n for n in scratched if n < 100)
        parts += [f" R{i}={format_reg(regs[i], frame.frameno)}" for i in numbers
                  if regs[i].type is not RegType.NOT_INIT]  # fmt: skip
        slots = None if scratched is None else {n - 100 for n in scratched if n >= 100}
        text = "".join(parts)
        if slots is None or slots:
            text += frame.stack.format(frame.frameno, slots)
        if state.refs and state.refs[0].id:
            text += " refs=" + ",".join(str(ref.id) for ref in state.refs if ref.id)
        if frame.callback_ret is not None:
            text += " cb" if frame.frameno else " async_cb"
        return text


def _alignment(pos: int) -> int:
    """vlog_alignment(): the padding that puts the state after an instruction at column 38 (or the
    next multiple of 8 past a long instruction)."""
    return (max(pos + 4, 40) + 7) // 8 * 8 - pos - 1
