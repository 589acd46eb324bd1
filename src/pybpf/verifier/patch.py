"""Replacing instructions by sequences while keeping every jump, call and position right.

Mirrors the kernel's bpf_patch_insn_data() / bpf_patch_insn_single(): after one instruction becomes
several, bpf_adj_branches() moves the offset of every jump, gotol, bpf-to-bpf call and lddw
BPF_PSEUDO_FUNC outside the patch whose target lies across it (a branch to the patched instruction
lands on the first instruction of its replacement), adjust_subprog_starts() moves the subprogram
starts after it, and per-instruction data moves along.  An offset that no longer fits its field
fails like the kernel's: "insn %d cannot be patched due to 16-bit range" and ENOMEM.

Where every loaded slot ends up is kept in ``state.slot_map`` (composed over every patch), for the
line_info the program keeps: the kernel's bpf_adj_linfo() (kernel/bpf/core.c), called by
bpf_patch_insn_single(), pushes every record after a patched instruction by the patch's growth,
and a record on the patched instruction itself stays on the first instruction of its replacement.

All patches are applied in one go: each old slot maps to the first new slot of its replacement.
Which instructions have a target, and in which field, is the program view's answer.

``proven_accesses`` moves the verifier's per-instruction memory facts (``InsnFacts.in_bounds``, the
kernel's ``insn_aux_data`` that bpf_patch_insn_data() keeps beside each instruction) to the slots
of the fixed-up program: an access the fixups left alone keeps its fact where it moved; a context
access keeps it on the first instruction of its rewrite when that is the load or store through the
same context register (what convert_ctx_access() emits for the context itself), and the rest of a
rewrite (loads through the pointers it read) has none.  ``probe_loads`` moves ``InsnFacts.probe`` the
same way: the loads through untrusted kernel pointers that convert_ctx_accesses() turns into
``BPF_PROBE_MEM``/``BPF_PROBE_MEMSX`` loads (a fault reads 0).  The instructions keep their modes
(pybpf's xlated program shows what the kernel's dump shows, bpf_insn_prepare_dump() turning the
probe modes back): the slots travel beside them, as ``proven_accesses`` do.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping, Sequence

from pybpf.isa.instruction import Instruction, slot_starts
from pybpf.isa.opcodes import BPF_LDX, Kind
from pybpf.isa.program import ProgramView
from pybpf.verifier.state import VerifierState


def patch_program(state: VerifierState, patches: Mapping[int, Sequence[Instruction]]) -> None:
    """Replace ``state.insns[i]`` by ``patches[i]`` for every i, fixing branches and positions."""
    if not patches:
        return
    view = state.view
    old_starts = view.starts
    new_insns: list[Instruction] = []
    origin: list[int | None] = []  # new index -> old index for untouched instructions
    slot_map: dict[int, int] = {}
    seen = state.seen
    new_seen: set[int] = set()  # adjust_insn_aux_data(): a patch's instructions inherit ``seen``
    slot = 0
    for i, insn in enumerate(view.insns):
        slot_map[old_starts[i]] = slot
        replacement = patches.get(i)
        was_seen = old_starts[i] in seen
        if replacement is None:
            new_insns.append(insn)
            origin.append(i)
            if was_seen:
                new_seen.add(slot)
            slot += insn.slots
        else:
            for new in replacement:
                new_insns.append(new)
                origin.append(None)
                if was_seen:
                    new_seen.add(slot)
                slot += new.slots
    slot_map[view.slot_count] = slot
    _record_moves(state, view, patches, slot_map)
    new_starts = slot_starts(new_insns)
    for n, insn in enumerate(new_insns):
        source = origin[n]
        if source is not None:
            new_insns[n] = _retarget(state, view, insn, old_starts[source], new_starts[n], slot_map=slot_map)
    state.subprogs = [slot_map[s] for s in state.subprogs]
    state.resolved = {slot_map[s]: v for s, v in state.resolved.items()}
    index_map = {i: n for n, i in enumerate(origin) if i is not None}
    state.ctx_accesses = {index_map[i] for i in state.ctx_accesses if i in index_map}
    state.seen = new_seen
    state.set_insns(new_insns)


def _record_moves(
    state: VerifierState,
    view: ProgramView,
    patches: Mapping[int, Sequence[Instruction]],
    starts: Mapping[int, int],
) -> None:
    """Compose ``state.slot_map`` with this patch: every old slot (both slots of an lddw) to its new slot,
    a replaced instruction's slots to the first slot of its replacement."""
    moved = [0] * (view.slot_count + 1)
    for i, insn in enumerate(view.insns):
        start = view.starts[i]
        first = starts[start]
        for part in range(insn.slots):
            moved[start + part] = first if i in patches else first + part
    moved[view.slot_count] = starts[view.slot_count]
    state.slot_map = moved if state.slot_map is None else [moved[s] for s in state.slot_map]


def _retarget(
    state: VerifierState,
    view: ProgramView,
    insn: Instruction,
    old_slot: int,
    new_slot: int,
    *,
    slot_map: Mapping[int, int],
) -> Instruction:
    """``insn`` (at ``old_slot`` in ``view``) moved to ``new_slot``, its target (the view's) moved along."""
    field = view.target_field(old_slot)
    if field is None:
        return insn
    old_target = view.target(old_slot)
    assert old_target is not None
    target = slot_map.get(old_target)
    if target is None:  # not a position of the old program: leave it to the checks that refuse it
        return insn
    new_rel = target - new_slot - 1
    uses_off = field == "off"
    limit = 1 << 15 if uses_off else 1 << 31
    if not -limit <= new_rel < limit:
        state.fail(errno.ENOMEM, f"insn {old_slot} cannot be patched due to 16-bit range")
    return Instruction(
        insn.opcode,
        insn.dst,
        insn.src,
        new_rel if uses_off else insn.off,
        insn.imm if uses_off else new_rel,
        insn.imm_hi,
    )


_LOADS = frozenset({Kind.LDX, Kind.LDXSX})
_STORES = frozenset({Kind.ST, Kind.STX})


def proven_accesses(state: VerifierState, loaded: ProgramView) -> frozenset[int]:
    """The slots, in the fixed-up program, of the memory accesses whose ``in_bounds`` fact holds;
    ``loaded`` is the program do_check walked (its facts are keyed by that program's indices)."""
    xlated = state.view
    slot_map = state.slot_map
    proven: set[int] = set()
    for index, facts in state.facts.items():
        if not facts.in_bounds:
            continue
        insn = loaded.insns[index]
        slot = loaded.starts[index]
        moved = slot if slot_map is None else slot_map[slot]
        now = xlated.index_at(moved)
        if now is None:
            continue
        after = xlated.insns[now]
        if after == insn or ("ctx" in facts.ptr_types and _same_context_access(insn, after)):
            proven.add(moved)
    return frozenset(proven)


def probe_loads(state: VerifierState, loaded: ProgramView) -> frozenset[int]:
    """The slots, in the fixed-up program, of the loads convert_ctx_accesses() makes probe loads
    (``InsnFacts.probe``; ``BPF_PROBE_MEM`` and, for a sign-extending load, ``BPF_PROBE_MEMSX``): the
    loads the fixups left alone, where they moved."""
    xlated = state.view
    slot_map = state.slot_map
    probes: set[int] = set()
    for index, facts in state.facts.items():
        if not facts.probe:
            continue
        insn = loaded.insns[index]
        slot = loaded.starts[index]
        moved = slot if slot_map is None else slot_map[slot]
        now = xlated.index_at(moved)
        if now is not None and xlated.insns[now] == insn and (insn.opcode & 0x07) == BPF_LDX:
            probes.add(moved)
    return frozenset(probes)


def _same_context_access(before: Instruction, after: Instruction) -> bool:
    """Whether ``after`` (a rewrite's first instruction) is a load (store) through the register the
    context load (store) ``before`` used."""
    old, new = before.spec, after.spec
    if old is None or new is None:
        return False
    if old.kind in _LOADS:
        return new.kind in _LOADS and after.src == before.src
    if old.kind in _STORES:
        return new.kind in _STORES and after.dst == before.dst
    return False
