"""The verifier as a pipeline of named passes, in the order of the kernel's bpf_check().

``verify(request)`` runs, on one shared ``VerifierState``:

0. ``btf_info_early`` check_btf_info_early(): the func_info records (``pybpf.verifier.btf_info``);
1. ``subprogs``    add_subprog_and_kfunc() + check_subprogs(): subprogram starts, jump ranges, no
                   fall-through between subprograms; then ``btf_info`` (check_btf_func(): one
                   func_info record per subprogram); ``attach`` and ``extension``
                   (check_attach_btf_id(): the sleepable rules, a tracing, LSM or freplace target);
2. ``pseudo``      check_and_resolve_insns(): slot sanity (LDX fields, lddw shape, unknown opcodes)
                   and lddw map / map value / fd_array resolution, used maps;
3. ``cfg``         check_cfg(): everything reachable, no jump into an lddw (loops allowed: root);
   ``mark_fastcall_patterns``: the bpf_fastcall spill/fill pairs around calls (``fastcall``);
4. ``do_check``    do_check(): every path walked with register and stack state (``do_check``,
                   ``checks``, ``prune``): reserved fields, registers, ALU and pointer arithmetic,
                   memory accesses (stack, map values, context, packets), helper calls against
                   their prototypes, conditional jumps with branch refinement; it records the
                   context accesses for the fixups and per-instruction facts;
   ``remove_fastcall_spills_fills``: the stack depths without the fastcall pairs (``fastcall``);
   ``check_max_stack_depth``: the combined stack of every call chain (``subprogs``);
   ``may_goto_stack``: the 16 bytes do_misc_fixups() adds to a subprogram with may_goto (``may_goto``);
   ``fixup_kfunc_call``: a reached kfunc call without a BTF id is refused (``kfuncs``);
   ``optimize_bpf_loop``: bpf_loop calls fit for it inlined as explicit loops (``loop_inline``);
   ``dead_code``: for a loader with CAP_BPF, conditional jumps one way of which was never reached
                   made gotos, the code never reached and the nops removed; else that code made
                   traps (``dead_code``);
5. ``ctx_rewrite`` convert_ctx_accesses(): context loads/stores rewritten by the program type, every
                   branch, subprogram start and lddw position patched along;
   ``inline_helpers`` do_misc_fixups()'s inlined helper calls: bpf_jiffies64, and the trampoline
                   helpers of tracing programs (``inline_helpers``);
6. ``ld_imm64``    convert_pseudo_ld_imm64(): map lddw become plain constants;
7. ``spectre_fixups`` for a loader without the Spectre bypass: the speculation barriers of
                   convert_ctx_accesses() and do_misc_fixups()' masking of sanitized pointer
                   arithmetic (``fixups_spectre``);
8. ``fixup_call_args`` jit_subprogs()'s check that every call and callback reference of a program
                   of several subprograms names one (``dead_code``).

Then the memory accesses do_check proved in bounds on every path are moved to the slots of the
fixed-up program (``patch.proven_accesses``): what the JIT compiles without a run-time check.

Every pass reads the program's layout and control flow from one ``pybpf.isa.ProgramView`` (built
once here, and again only when a fixup rewrites the program).  The first failing check decides the
errno and the last log line, as in the kernel.  The log ends,
success or not, with the kernel's statistics line ("processed N insns ..."), and with log level 2
starts with the subprogram list.  An empty program is E2BIG before anything is logged, as
bpf_prog_load() answers.
"""

from __future__ import annotations

import errno
import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from pybpf.isa.program import ProgramView
from pybpf.uapi import BPF_COMPLEXITY_LIMIT_INSNS
from pybpf.verifier import callbacks
from pybpf.verifier.arena import ArenaFixupPass, arena_accesses
from pybpf.verifier.attach import AttachPass
from pybpf.verifier.btf_info import BtfInfoEarlyPass, BtfInfoPass
from pybpf.verifier.cfg import CfgPass
from pybpf.verifier.ctx_rewrite import CtxRewritePass
from pybpf.verifier.dead_code import CallTargetsPass, DeadCodePass
from pybpf.verifier.do_check import DoCheckPass
from pybpf.verifier.errors import VerifierError
from pybpf.verifier.extension import ExtensionPass
from pybpf.verifier.fastcall import FastcallDepthPass, FastcallPass, kernel_stack_depths
from pybpf.verifier.fixups_spectre import SpectreFixupPass
from pybpf.verifier.inline_helpers import HelperInlinePass
from pybpf.verifier.kfuncs import KfuncFixupPass
from pybpf.verifier.ld_imm64 import LdImm64Pass
from pybpf.verifier.loop_inline import LoopInlinePass
from pybpf.verifier.may_goto import MayGotoStackPass
from pybpf.verifier.patch import probe_loads, proven_accesses
from pybpf.verifier.pseudo import PseudoPass
from pybpf.verifier.regstate import unprivileged_precision
from pybpf.verifier.request import LoadRequest, VerifiedProgram
from pybpf.verifier.state import VerifierState
from pybpf.verifier.subprogs import StackDepthPass, SubprogsPass


class Pass(Protocol):
    """One named step of the verifier; it reads and updates the state or raises VerifierError."""

    name: str

    def run(self, state: VerifierState) -> None: ...


PASSES: list[Pass] = [
    BtfInfoEarlyPass(),
    SubprogsPass(),
    BtfInfoPass(),
    AttachPass(),
    ExtensionPass(),
    PseudoPass(),
    CfgPass(),
    FastcallPass(),
    DoCheckPass(),
    FastcallDepthPass(),
    StackDepthPass(),
    MayGotoStackPass(),
    KfuncFixupPass(),
    LoopInlinePass(),
    DeadCodePass(),
    CtxRewritePass(),
    HelperInlinePass(),
    LdImm64Pass(),
    ArenaFixupPass(),
    SpectreFixupPass(),
    CallTargetsPass(),
]
"""The default pipeline, in order."""


@contextmanager
def cycles_uncollected() -> Iterator[None]:
    """The cyclic garbage collector paused meanwhile (as it was when done).  A load makes few
    reference cycles (reference counting frees what it drops) but very many objects that outlive
    young collections -- a million-instruction program's instructions, the walk's checkpoints and
    pending branches: with the collector on, those trigger full collections of the whole process's
    heap, which cost more than the walk itself in a process holding a large one (an object's BTF and
    maps, earlier programs).  What cycles a load leaves are collected after it."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def verify(request: LoadRequest, passes: Sequence[Pass] | None = None) -> VerifiedProgram:
    """Verify and fix up ``request.insns``; raises VerifierError (errno + log) when refused."""
    with cycles_uncollected():
        if not request.credentials.bpf_capable:
            with unprivileged_precision():
                return _verify(request, passes)
        return _verify(request, passes)


def _verify(request: LoadRequest, passes: Sequence[Pass] | None) -> VerifiedProgram:
    view = ProgramView(request.insns)
    slot_count = view.slot_count
    if slot_count == 0 or slot_count > BPF_COMPLEXITY_LIMIT_INSNS:
        raise VerifierError(errno.E2BIG, f"program of {slot_count} instructions", "")
    state = VerifierState.create(request, view)
    started = time.monotonic_ns()
    step_name = ""
    try:
        for step in PASSES if passes is None else passes:
            step_name = step.name
            step.run(state)
    except VerifierError as err:
        # refused by check_btf_info_early(), before add_subprog_and_kfunc() counted a subprogram:
        # the statistics print no stack depth at all ("stack depth \n")
        _finish(state, started, verified=False, subprogs_found=step_name != BtfInfoEarlyPass.name)
        raise VerifierError(err.errno or errno.EINVAL, err.reason, state.log.text, state.log) from None
    _finish(state, started, verified=True)
    return VerifiedProgram(
        insns=list(state.insns),
        resolved=dict(state.resolved),
        maps=list(state.maps),
        subprogs=list(state.subprogs),
        log=state.log.text,
        verifier_log=state.log,
        max_ctx_offset=state.max_ctx_offset,
        max_tp_access=state.max_tp_access,
        max_rdonly_access=state.max_rdonly_access,
        max_rdwr_access=state.max_rdwr_access,
        facts=dict(state.facts),
        verified_insns=state.insn_processed,
        slot_map=state.slot_map,
        proven_accesses=proven_accesses(state, view),
        probe_loads=probe_loads(state, view),
        arena_accesses=arena_accesses(state, view),
        stack_depths=list(state.stack_depths),
        unreliable=frozenset(state.unreliable),
        changes_pkt_data=state.changes_pkt_data,
        might_sleep=state.might_sleep,
        exception_callback=state.subprogs[state.exception_callback] if state.exception_callback else 0,
        removed_subprogs=tuple(state.removed_subprogs),
    )


def _finish(state: VerifierState, started: int, *, verified: bool, subprogs_found: bool = True) -> None:
    """print_verification_stats(): once ``verified``, with optimize_bpf_loop()'s stack depths (none
    before the subprograms were found)."""
    elapsed = (time.monotonic_ns() - started) // 1000
    depths = kernel_stack_depths(state)
    if verified:
        depths = (
            state.inlined_stack_depths
            if state.inlined_stack_depths is not None
            else callbacks.inlined_loop_stack_depths(state, depths)
        )
    states = (state.max_states_per_insn, state.total_states, state.peak_states)
    state.log.print_stats(state.insn_processed, elapsed, (depths or [0]) if subprogs_found else [], states)
