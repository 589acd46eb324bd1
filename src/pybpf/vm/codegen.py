"""Layout of the interpreter's generated Python: a dispatch function per chunk, a step function per insn.

``pybpf.vm.semantics`` says what each instruction does; this module arranges that code two ways:

* ``translate_chunk``: one function ``_run(R, pc, st)`` for a chunk — a run of consecutive basic
  blocks (the whole program when it is small; ``pybpf.vm.translation`` cuts large programs into
  chunks of a few hundred instructions, translated on first execution).  Registers live in
  locals ``r0``..``r11`` (r11: the fixups' BPF_REG_AX) inside the chunk; the function loops over
  its basic blocks, picking
  the block at ``pc`` with a binary search of ``if pc < N`` tests (leaves are blocks, so a jump costs
  about log2(blocks) comparisons and no Python call).  Each block first charges its instruction
  count to the budget and leaves the loop if the budget cannot cover it.  The blocks are the
  program view's (``pybpf.isa.program.ProgramView.leaders``).  A block only the
  fall-through of a conditional jump reaches is written in place in that jump's else-branch
  (``nestable_blocks``), so a chain of checks runs without going round the loop.  The region cache
  of loads and stores starts from ``st.cache`` and is saved there when the main program exits (a
  ``RunSession`` hands it to its next run).  bpf-to-bpf calls and
  exits switch frames in place; helpers are plain calls.  The function returns the ``pc`` it
  stopped at (budget), ``HALTED`` (-1, the main program exited) or ``CALLBACK_DONE`` (-2, a
  function called from a helper exited), after writing the registers back into ``R``.  A jump,
  call, exit or fall-through to a slot outside the chunk also leaves, returning that slot: the
  caller runs the chunk holding it.  When the last instruction can send control past the program
  (a conditional jump or ``may_goto`` falling through, a call returning there), the slot past the
  program is one more leaf of the last chunk, raising the fall-off fault (``Program.fall_off``):
  without it the dispatch would take that slot for the last block and loop for ever.
* ``translate_steps``: one function ``_s<slot>(R, st)`` per instruction of a range that reads the registers it
  uses from ``R``, runs one instruction, writes back what it changed and returns the next slot (or
  ``HALTED``/``CALLBACK_DONE``).  The interpreter steps with them to trace, and to spend the last
  instructions of a budget one at a time so the budget error names the exact instruction.

Both are ordinary Python source, kept on the interpreter and registered with ``linecache`` so
tracebacks and debuggers show it; there, the first line of each instruction carries a comment with
its slot and disassembly (the code compiled is the same without the comments, which cost time).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from pybpf.isa.disasm import format_instruction
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import Kind, OpSpec
from pybpf.isa.program import ProgramView
from pybpf.isa.words import M64
from pybpf.uapi import BPF_FUNC_tail_call as TAIL_CALL_HELPER
from pybpf.vm.semantics import EMITTERS, LOAD_FAILED, CodeWriter, Site

HALTED = -1
"""Returned when the main program executed exit."""
CALLBACK_DONE = -2
"""Returned when a BPF function called from a helper (``HelperContext.call_function``) executed exit."""

REGISTERS = ", ".join(f"r{reg}" for reg in range(12))
"""r0-r10 and the kernel's hidden scratch register r11 (BPF_REG_AX) of the Spectre v1 masking."""
CACHE = "rlo, rhi, rbase, rview, qlo, qhi, qbase, qview, wlo, whi, wbase, wview"
"""The region cache of the generated code; saved in ``RunState.cache`` when the main program exits,
for the next run of a ``RunSession`` to start with (``pybpf.vm.session``)."""
READ_SWAP = "rlo, rhi, rbase, rview, qlo, qhi, qbase, qview = qlo, qhi, qbase, qview, rlo, rhi, rbase, rview"
"""A read missing the last region read but hitting the one before: swap the two read entries."""
FORGET = "rhi = qhi = whi = 0"
NEST = "#nest "
"""Placeholder line for the code of a nested block (replaced by ``translate_chunk``)."""
MAX_NESTING = 8
"""At most this many blocks follow each other in place (Python limits indentation to 100 levels)."""
"""Drop the cached regions (an empty range matches no address)."""


class ProgramWriter(CodeWriter):
    """Code inside the whole-program function: control transfers set ``pc`` (the loop dispatches on it).

    Loads and stores check the address against a region cached in locals (``rlo``/``rhi``/``rbase``/
    ``rview`` for reads, with ``q*`` the region read before it — programs alternate between context,
    packet and stack — and ``w*`` for writes) and only look a region up on a miss.  Regions change
    during a run only through calls, exits (the stack's bounds) and helpers, so the cache is dropped
    after each of them (``FORGET``).

    ``lo``/``hi``: the chunk's slots; control going elsewhere leaves the dispatch loop (``break``).
    """

    def __init__(self, lo: int, hi: int, whole: bool, nested: Collection[int] = ()) -> None:
        super().__init__()
        self.lo, self.hi, self.whole = lo, hi, whole
        self.nested = nested

    def _leave_if_outside(self, *targets: int) -> None:
        """Leave the loop when ``pc`` (one of ``targets``, or any slot if none given) is not in the chunk."""
        if self.whole:
            return
        outside = [t for t in targets if not self.lo <= t < self.hi]
        if targets and not outside:
            return
        if targets and len(outside) == len(targets):
            self.emit("break")
        else:
            self.emit(f"if not {self.lo} <= pc < {self.hi}:")
            self.emit("    break")

    def load(self, dst: str, size: int, signed: bool, address: str, slot: int) -> None:
        self.body.extend(
            [
                f"_a = {address}",
                f"if not (rlo <= _a and _a + {size} <= rhi):",
                f"    if qlo <= _a and _a + {size} <= qhi:",
                f"        {READ_SWAP}",
                "    else:",
                "        qlo, qhi, qbase, qview = rlo, rhi, rbase, rview",
                f"        rlo, rhi, rbase, rview = _fill(_a, {size}, False, {slot})",
            ]
        )
        if size == 1 and not signed:
            self.emit(f"{dst} = rview[_a - rbase]")
        elif signed:
            self.emit(f"{dst} = _unpack_s{size}(rview, _a - rbase)[0] & {M64:#x}")
        else:
            self.emit(f"{dst} = _unpack_u{size}(rview, _a - rbase)[0]")

    def store(self, size: int, address: str, value: str, slot: int) -> None:
        self.body.extend(
            [
                f"_a = {address}",
                f"if not (wlo <= _a and _a + {size} <= whi):",
                f"    wlo, whi, wbase, wview = _fill(_a, {size}, True, {slot})",
                f"wview[_a - wbase] = {value}" if size == 1 else f"_pack_u{size}(wview, _a - wbase, {value})",
            ]
        )

    def goto(self, target: int) -> None:
        self.emit(f"pc = {target}")
        self._leave_if_outside(target)
        self.terminated = True

    def branch(self, condition: str, target: int, fallthrough: int) -> None:
        if fallthrough in self.nested:  # the next block follows in place (see ``translate_chunk``)
            self.body.extend([f"if {condition}:", f"    pc = {target}"])
            if not (self.whole or self.lo <= target < self.hi):
                self.body.append("    break")
            self.body.extend(["else:", f"    pc = {fallthrough}", f"    {NEST}{fallthrough}"])
            self.terminated = True
            return
        self.emit(f"pc = {target} if {condition} else {fallthrough}")
        self._leave_if_outside(target, fallthrough)
        self.terminated = True

    def may_goto(self, target: int, fallthrough: int) -> None:
        self.body.extend(
            ["if mg[-1]:", "    mg[-1] -= 1", f"    pc = {fallthrough}", "else:", f"    pc = {target}"]
        )
        self._leave_if_outside(target, fallthrough)
        self.terminated = True

    def call_local(self, target: int, ret: int, slot: int) -> None:
        self.emit(f"r10 = _push(st, {ret}, (r6, r7, r8, r9, r10), {slot})")
        self.emit(FORGET)
        self.emit(f"pc = {target}")
        self._leave_if_outside(target)
        self.terminated = True

    def callx(self, value: str, ret: int, slot: int) -> None:
        self.body.extend(
            [
                f"_target = _function_at({value})",
                "if _target is None:",
                "    st.remaining = budget",
                f"    r0 = _callx_helper(st, {value}, (r1, r2, r3, r4, r5), {slot})",
                "    budget = st.remaining",
                f"    pc = {ret}",
                "else:",
                f"    r10 = _push(st, {ret}, (r6, r7, r8, r9, r10), {slot})",
                "    pc = _target",
                FORGET,
            ]
        )
        self._leave_if_outside()
        self.terminated = True

    def exit(self, slot: int) -> None:
        self.body.extend(
            [
                "if not frames:",
                f"    pc = {HALTED}",
                f"    st.cache = ({CACHE})",
                "    break",
                "_ret, (r6, r7, r8, r9, r10) = _pop(st)",
                FORGET,
                "if _ret < 0:",
                f"    pc = {CALLBACK_DONE}",
                "    break",
                "pc = _ret",
            ]
        )
        self._leave_if_outside()
        self.terminated = True

    def helper_call(self, helper: int, slot: int) -> None:
        # A helper may run BPF code again (bpf_loop): the budget it spends goes through st.
        self.emit("st.remaining = budget")
        self.body.extend(self.helper_invocation(helper, slot))
        self.emit("budget = st.remaining")
        self.emit(FORGET)
        if helper == TAIL_CALL_HELPER:  # the target ran in the BPF function's place: it returns
            body, self.body = self.body, []
            self.exit(slot)
            returning, self.body, self.terminated = self.body, body, False
            self.body += ["if _tc:", *(f"    {line}" for line in returning), "    continue"]

    def exit_if_load_failed(self, slot: int) -> None:
        body, self.body = self.body, []
        self.exit(slot)
        returning, self.body, self.terminated = self.body, body, False
        self.body += [f"if r0 == {LOAD_FAILED:#x}:", "    r0 = 0", *(f"    {line}" for line in returning)]
        self.body.append("    continue")


class StepWriter(CodeWriter):
    """Control transfers of a single-instruction function: return the next slot after writing back."""

    def __init__(self) -> None:
        super().__init__()
        self.tail: list[str] = []

    def _finish(self, *lines: str) -> None:
        self.tail.extend(lines)
        self.terminated = True

    def goto(self, target: int) -> None:
        self._finish(f"return {target}")

    def branch(self, condition: str, target: int, fallthrough: int) -> None:
        self._finish(f"return {target} if {condition} else {fallthrough}")

    def may_goto(self, target: int, fallthrough: int) -> None:
        self._finish("mg = st.may_goto", "if mg[-1]:", "    mg[-1] -= 1")
        self._finish(f"    return {fallthrough}", f"return {target}")

    def call_local(self, target: int, ret: int, slot: int) -> None:
        self._finish(f"return _call(R, st, {target}, {ret}, {slot})")

    def callx(self, value: str, ret: int, slot: int) -> None:
        self._finish(f"return _callx(R, st, {value}, {ret}, {slot})")

    def exit(self, slot: int) -> None:
        self._finish(f"return _exit(R, st, {slot})")

    def helper_call(self, helper: int, slot: int) -> None:
        self.body.extend(self.helper_invocation(helper, slot))
        if helper == TAIL_CALL_HELPER:  # the target ran in the BPF function's place: it returns
            self.tail.extend(["if _tc:", f"    return _exit(R, st, {slot})"])

    def exit_if_load_failed(self, slot: int) -> None:
        self.tail.extend([f"if r0 == {LOAD_FAILED:#x}:", "    R[0] = 0", f"    return _exit(R, st, {slot})"])


def nestable_blocks(program: Program) -> set[int]:
    """Blocks only the fall-through of a conditional jump reaches: the slot after a JCOND that no
    jump, call or function address targets (nor the entry).  Their code can follow the jump's
    else-branch in place instead of going back to the dispatch loop."""
    view = program.view
    successors = view.successors
    specs, starts = program.specs, program.starts
    falls = {successors(slot)[0] for spec, slot in zip(specs, starts, strict=True) if spec.kind is Kind.JCOND}
    return falls - view.targets - {0}


def describe(insn: Instruction, spec: OpSpec) -> str:
    """A one-line rendering of an instruction for comments and traces (the disassembler's if present)."""
    try:
        return format_instruction(insn)
    except Exception:  # the disassembler is optional here: fall back to the raw fields
        return f"{spec.mnemonic} dst=r{insn.dst} src=r{insn.src} off={insn.off} imm={insn.imm}"


class Program:
    """The instructions to translate and what their translation depends on; ``view`` is their
    layout and control flow (block leaders, function entries: ``pybpf.isa.program``).

    Nothing here depends on where an interpreter lives (its code address is the global
    ``_code_base``), so the translation of identical programs can be shared.
    """

    def __init__(
        self,
        view: ProgramView,
        specs: Sequence[OpSpec],
        *,
        resolved: Mapping[int, int],
        helper_ids: Collection[int],
    ) -> None:
        self.view = view
        self.insns = view.insns
        self.specs = specs
        self.starts = view.starts
        self.total = view.slot_count
        self.resolved = resolved
        self.helper_ids = helper_ids

    def comment(self, index: int) -> str:
        return describe(self.insns[index], self.specs[index])

    def site(self, index: int) -> Site:
        insn, slot = self.insns[index], self.starts[index]
        spec = self.specs[index]
        return Site(
            insn, spec, slot, slot + insn.slots, self.resolved, self.helper_ids, self.view.target(slot)
        )

    def emit(self, writer: CodeWriter, index: int, comments: bool = False) -> list[str]:
        """Translate instruction ``index`` into ``writer``; returns its lines.

        With ``comments``, the first line ends with a comment giving the slot and the disassembly;
        the lines are the same either way (the compiled code has none, the source shown has them).
        """
        before = len(writer.body)
        EMITTERS[self.specs[index].kind](writer, self.site(index))
        lines = writer.body[before:]
        if not lines:  # a step function's jump: all in its tail; a comment line holds the place
            return [
                f"# {self.starts[index]}: {self.comment(index)}" if comments else f"# {self.starts[index]}"
            ]
        if comments:
            lines[0] = f"{lines[0]}  # {self.starts[index]}: {self.comment(index)}"
        return lines

    @property
    def falls_off_end(self) -> bool:
        """Whether control can reach the slot just past the program: a conditional jump or
        ``may_goto`` falling through from the last instruction, or a call there returning."""
        return bool(self.insns) and self.specs[-1].kind in _REACH_PAST_END

    def fall_off(self) -> str:
        """The statement run when control reaches the slot past the program: the fault naming the
        last instruction (the kernel's verifier refuses such programs; unverified ones stop here)."""
        return f"raise _falloff({self.starts[-1]})"

    def after(self, index: int) -> str:
        """The statement continuing after the last instruction of a block that does not jump."""
        if index + 1 < len(self.insns):
            return f"pc = {self.starts[index + 1]}"
        return f"raise _falloff({self.starts[index]})"


_REACH_PAST_END = frozenset({Kind.JCOND, Kind.MAY_GOTO, Kind.CALL_LOCAL, Kind.CALLX})
"""Kinds that, as the last instruction, can send control to the slot past the program (a
fall-through or a return there; other non-jumping instructions fault in place, see ``after``)."""


def _indent(lines: list[str], levels: int = 1) -> list[str]:
    pad = "    " * levels
    return [pad + line for line in lines]


def translate_chunk(
    program: Program,
    leaders: Collection[int],
    first: int = 0,
    end: int | None = None,
    *,
    comments: bool = False,
    nestable: Collection[int] = (),
) -> tuple[str, list[tuple[int, int]]]:
    """Source of ``_run(R, pc, st)`` for instructions ``first``..``end`` (a chunk), and its blocks.

    ``leaders`` must contain the slot of ``first`` and of ``end`` (when ``end`` is not the end of
    the program).  Blocks are returned as (slot, instruction count).  The blocks of ``nestable``
    (``nestable_blocks``) inside the chunk are written in place after the conditional jump that
    falls through into them (with their own budget charge) rather than as dispatch leaves, up to
    ``MAX_NESTING`` deep: a chain of bounds checks runs without going round the dispatch loop.
    """
    insns, starts = program.insns, program.starts
    end = len(insns) if end is None else end
    lo = starts[first]
    hi = starts[end] if end < len(insns) else program.total
    whole = first == 0 and end == len(insns)
    leaves: list[tuple[int, list[str]]] = []
    blocks: list[tuple[int, int]] = []
    nested = _nested_in_chunk(program, leaders, first, end, nestable)
    bodies: dict[int, list[str]] = {}
    index = first
    while index < end:
        block_first = index
        writer = ProgramWriter(lo, hi, whole, nested)
        code: list[str] = []
        while True:
            code.extend(program.emit(writer, index, comments))
            if writer.terminated:
                break
            if index + 1 == len(insns) or starts[index + 1] in leaders:
                code.append(program.after(index))
                if index + 1 == end and end < len(insns):
                    code.append("break")  # falls through into the next chunk
                break
            index += 1
        index += 1
        size = index - block_first
        slot = starts[block_first]
        charge = [f"if budget < {size}:", "    break", f"budget -= {size}"]
        bodies[slot] = charge + code
        if slot not in nested:
            leaves.append((slot, bodies[slot]))
        blocks.append((slot, size))

    def expand(lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            text = line.lstrip()
            if text.startswith(NEST):
                pad = line[: len(line) - len(text)]
                out.extend(pad + inner for inner in expand(bodies[int(text[len(NEST) :])]))
            else:
                out.append(line)
        return out

    if nested:
        leaves = [(slot, expand(lines)) for slot, lines in leaves]
    if end == len(insns) and program.falls_off_end:  # the slot past the program is a leaf that faults
        leaves.append((program.total, [program.fall_off()]))

    def tree(part: list[tuple[int, list[str]]], depth: int, out: list[str]) -> None:
        """Binary search on pc down to the leaves (blocks), written at indentation ``depth``."""
        pad = "    " * depth
        if len(part) == 1:
            out.extend(pad + line for line in part[0][1])
            return
        middle = len(part) // 2
        out.append(f"{pad}if pc < {part[middle][0]}:")
        tree(part[:middle], depth + 1, out)
        out.append(f"{pad}else:")
        tree(part[middle:], depth + 1, out)

    lines = [
        "def _run(R, pc, st):",
        f"    {REGISTERS} = R",
        "    budget = st.remaining",
        "    frames = st.frames",
        "    mg = st.may_goto",
        f"    {CACHE} = st.cache",
        "    st.cache = _no_cache",
        "    while True:",
    ]
    tree(leaves, 2, lines)
    lines += [
        f"    R[:] = ({REGISTERS})",
        "    st.remaining = budget",
        "    return pc",
        "",
    ]
    return "\n".join(lines), blocks


def _nested_in_chunk(
    program: Program, leaders: Collection[int], first: int, end: int, nestable: Collection[int]
) -> set[int]:
    """The nestable blocks of a chunk, at most ``MAX_NESTING`` in a row (and never its first)."""
    if not nestable:
        return set()
    starts = program.starts
    nested: set[int] = set()
    depth = 0
    for index in range(first + 1, end):
        slot = starts[index]
        if slot not in leaders:
            continue
        if slot in nestable and depth < MAX_NESTING:
            nested.add(slot)
            depth += 1
        else:
            depth = 0
    return nested


def translate_program(
    program: Program, leaders: Collection[int], *, comments: bool = False
) -> tuple[str, list[tuple[int, int]]]:
    """Source of ``_run(R, pc, st)`` for the whole program as one chunk, and its blocks."""
    return translate_chunk(program, leaders, comments=comments)


def translate_steps(
    program: Program, first: int = 0, end: int | None = None, *, comments: bool = False
) -> str:
    """Source of one function ``_s<slot>(R, st)`` per instruction ``first``..``end``."""
    lines: list[str] = []
    end = len(program.insns) if end is None else end
    for index in range(first, end):
        slot = program.starts[index]
        writer = StepWriter()
        code = program.emit(writer, index, comments)
        lines.append(f"def _s{slot}(R, st):")
        lines.extend(f"    r{reg} = R[{reg}]" for reg in sorted(writer.reads))
        lines.extend(_indent(code))
        lines.extend(f"    R[{reg}] = r{reg}" for reg in sorted(writer.writes))
        lines.extend(_indent(writer.tail))
        if not writer.terminated:
            after = program.after(index)
            lines.append("    " + (f"return {after[5:]}" if after.startswith("pc = ") else after))
        lines.append("")
    if end == len(program.insns) and program.falls_off_end:
        lines.extend([f"def _s{program.total}(R, st):", f"    {program.fall_off()}", ""])
    return "\n".join(lines)


__all__ = [
    "CALLBACK_DONE",
    "HALTED",
    "Program",
    "describe",
    "nestable_blocks",
    "translate_chunk",
    "translate_program",
    "translate_steps",
]
