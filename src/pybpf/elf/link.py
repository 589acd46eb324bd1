"""Linking one program: its instructions with every subprogram it calls appended, calls pointed at them.

Mirrors libbpf's ``bpf_object__reloc_code`` / ``bpf_object__append_subprog_code`` /
``bpf_object__relocate_calls`` and ``bpf_prog_assign_exc_cb`` / ``adjust_prog_btf_ext_info``
(tools/lib/bpf/libbpf.c): starting from the entry program, each bpf-to-bpf ``call`` and each ``lddw``
of a callback (``BPF_PSEUDO_FUNC``) finds its target function -- from its relocation, or, for a call
within the same section, from its own immediate -- and the first use of a function appends a copy of
it at the end, processed the same way in turn; last, the program's exception callback (its
``exception_callback:`` decl tag), which nothing calls, is appended the same way.  The call's
immediate becomes the distance to that copy.
Every program gets its own copies, placed in the order it first uses them, as libbpf does, so
instruction numbers of a loaded program are: the program's own instructions from 0, then its
subprograms.  ``LinkedProgram`` keeps where each linked instruction came from, so messages can name the
instruction of the user's object (``function``/``section`` and slot) and its C source line.

func_info and line_info of the appended functions follow them (when the program has func_info at all,
as the kernel requires it for every subprogram).  Map, global-data and extern references and CO-RE
relocations are carried along with their new positions for ``pybpf.elf.relocate``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from pybpf.btf.ext import CoreRelo, FuncInfo, LineInfo, shifted
from pybpf.elf.errors import ELFError
from pybpf.elf.spec import ObjectSpec, ProgramSpec, Reference, RefKind
from pybpf.verifier.exceptions import exception_callback_names

__all__ = ["LinkedProgram", "link_program"]

_CALL, _LDDW = 0x85, 0x18
_PSEUDO_CALL, _PSEUDO_FUNC = 1, 4
MAX_SLOTS = 1_000_000
"""More instructions than the kernel ever loads (BPF_COMPLEXITY_LIMIT_INSNS): linking stops there."""


@dataclass
class LinkedProgram:
    """A program ready for relocation: ``code`` is every instruction (8 bytes a slot) of the program and
    its subprograms; positions below are slots of ``code``."""

    program: ProgramSpec
    code: bytearray
    placements: list[tuple[ProgramSpec, int]] = field(default_factory=list)
    """(function, its first slot here), the program itself first."""
    references: list[tuple[int, Reference]] = field(default_factory=list)
    """References still to resolve (maps, global data, externs), at their slot here."""
    core_relos: list[tuple[int, CoreRelo, ProgramSpec]] = field(default_factory=list)
    func_info: list[FuncInfo] = field(default_factory=list)
    line_info: list[LineInfo] = field(default_factory=list)

    @property
    def slots(self) -> int:
        return len(self.code) // 8

    def origin(self, slot: int) -> tuple[ProgramSpec, int] | None:
        """The function a slot came from and the slot within that function."""
        for function, start in self.placements:
            if start <= slot < start + function.slots:
                return function, slot - start
        return None

    def object_position(self, slot: int) -> tuple[str, int] | None:
        """(section, slot in the section) of a linked instruction: what llvm-objdump numbers it."""
        found = self.origin(slot)
        if found is None:
            return None
        function, insn = found
        return function.section, function.offset + insn

    def line_at(self, slot: int) -> LineInfo | None:
        """The C source line of a linked instruction (the last line_info at or before it, same function)."""
        found = self.origin(slot)
        if found is None:
            return None
        function, insn = found
        best = None
        for line in function.line_info:
            if line.insn <= insn and (best is None or line.insn >= best.insn):
                best = line
        return best


def link_program(spec: ObjectSpec, program: ProgramSpec) -> LinkedProgram:
    """``bpf_object__reloc_code`` for one entry program (``ELFError`` for a call that leads nowhere)."""
    linked = LinkedProgram(program, bytearray(program.code))
    placed: dict[int, int] = {}
    _place(linked, program, 0, placed)
    _append(spec, linked, program, 0, placed)
    callback = _exception_callback(spec, program)
    if callback is not None and id(callback) not in placed:  # bpf_object__relocate(): appended last
        start = linked.slots
        if start + callback.slots > MAX_SLOTS:
            raise ELFError(f"program '{program.name}': the linked program exceeds {MAX_SLOTS} instructions")
        linked.code += callback.code
        _place(linked, callback, start, placed)
        _append(spec, linked, callback, start, placed)
    with_func_info = bool(program.func_info)
    for function, start in linked.placements:
        if with_func_info:
            linked.func_info += shifted(function.func_info, start)
        linked.line_info += shifted(function.line_info, start)
    return linked


def _exception_callback(spec: ObjectSpec, program: ProgramSpec) -> ProgramSpec | None:
    """bpf_prog_assign_exc_cb(): the function the program's ``exception_callback:<name>`` decl tag
    (on its BTF FUNC, libbpf's ``__exception_cb``) names, which nothing calls: libbpf appends it after
    every function the program calls (a direct call placed it already; the verifier refuses that).
    None without a tag; ``ELFError`` when no function of the object has that name."""
    btf = spec.btf
    if btf is None or not program.func_info:
        return None
    names = exception_callback_names(btf, program.func_info[0].type_id)
    if not names:
        return None
    found = next((f for f in spec.functions if f.name == names[0] and f is not program), None)
    if found is None:
        raise ELFError(f"program '{program.name}': exception callback '{names[0]}' not found")
    return found


def _place(linked: LinkedProgram, function: ProgramSpec, start: int, placed: dict[int, int]) -> None:
    placed[id(function)] = start
    linked.placements.append((function, start))
    for ref in function.references:
        if ref.kind not in (RefKind.CALL, RefKind.FUNC):
            linked.references.append((start + ref.insn, ref))
    linked.core_relos += ((start + r.insn, r, function) for r in function.core_relos)


def _append(
    spec: ObjectSpec, linked: LinkedProgram, function: ProgramSpec, start: int, placed: dict[int, int]
) -> None:
    """Walk ``function``'s calls; a first call of a function appends it and walks it at once (depth first,
    as libbpf's recursion does), with an explicit stack so deep call chains cannot exhaust Python's."""
    stack = [(function, start, 0)]
    while stack:
        current, base, insn = stack.pop()
        refs = {
            r.insn: r for r in current.references if r.kind in (RefKind.CALL, RefKind.FUNC, RefKind.KFUNC)
        }
        while insn < current.slots:
            opcode, regs, _off, imm = struct.unpack_from("<BBhi", current.code, insn * 8)
            step = 2 if opcode == _LDDW else 1
            src = regs >> 4
            ref = refs.get(insn)
            is_call = opcode == _CALL and src == _PSEUDO_CALL
            by_ref = ref is not None and ref.kind == RefKind.FUNC
            is_func = opcode == _LDDW and (src == _PSEUDO_FUNC or by_ref)
            if not (is_call or is_func) or (ref is not None and ref.kind == RefKind.KFUNC):
                insn += step
                continue
            where = f"program '{linked.program.name}': {current.section}+{current.offset + insn}"
            if ref is not None:
                section, target_slot = ref.section, ref.offset
            elif is_func:
                raise ELFError(f"{where}: callback address (lddw func) without its relocation")
            else:
                section, target_slot = current.section, current.offset + insn + imm + 1
            callee = spec.function_starting_at(section, target_slot)
            if callee is None:
                raise ELFError(
                    f"{where}: {'call' if is_call else 'callback'} target {section}+{target_slot} "
                    "is not the start of a function"
                )
            first_use = id(callee) not in placed
            if first_use:
                callee_start = linked.slots
                if callee_start + callee.slots > MAX_SLOTS:
                    raise ELFError(f"{where}: the linked program exceeds {MAX_SLOTS} instructions")
                linked.code += callee.code
                _place(linked, callee, callee_start, placed)
            at = (base + insn) * 8
            struct.pack_into("<i", linked.code, at + 4, placed[id(callee)] - (base + insn) - 1)
            if is_func:  # clang leaves src_reg 0; the kernel wants BPF_PSEUDO_FUNC (libbpf sets it too)
                linked.code[at + 1] = (linked.code[at + 1] & 0x0F) | (_PSEUDO_FUNC << 4)
            insn += step
            if first_use:
                stack.append((current, base, insn))  # resume here once the callee is walked
                stack.append((callee, placed[id(callee)], 0))
                break
