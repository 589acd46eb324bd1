"""Lowering a whole eBPF program to one LLVM function: blocks, budget, memory checks, frames, faults.

Mirrors the structure of the kernel's JIT (``do_jit`` in arch/x86/net/bpf_jit_comp.c: a prologue,
one translation per instruction, an epilogue) with LLVM doing the register allocation and the
optimisation.  What each instruction does is ``pybpf.jit.kinds`` (one lowering function per kind of
the opcode table); this module gives them the frame they are written into:

* **One function** ``i64 @bpf_run(i64* state, i64* regs, i64 start)``.  The eleven registers live in
  allocas that ``mem2reg`` turns into SSA values; ``regs`` gives their values on entry and receives
  them when the program exits (r0 is the result); ``start`` is the slot to start at — 0, or a BPF
  function a helper calls back (``bpf_loop``).  bpf-to-bpf calls are jumps with an explicit frame
  stack, as in the interpreter (``pybpf.vm.runtime``): a call saves (return site, r6–r9, r10), gives
  the callee the next 512-byte frame and a fresh may_goto counter; ``exit`` pops and dispatches on the
  return site, first among the sites of its own function's calls (a direct branch for a function
  called from one place), then among all.  So every program the interpreter runs — even an
  unverified one jumping between functions — runs here with the same meaning.  The call depth is
  shared through the state, so callbacks and calls together stay within ``MAX_CALL_FRAMES``.
* **Blocks** are the interpreter's (``pybpf.vm.translation``: the program view's leaders and its
  chunk cuts), because the budget is charged per block exactly as the interpreter charges it: a
  block whose instruction count the budget covers is charged once.  One it cannot cover is the
  last the run executes (the interpreter then steps one instruction at a time and the budget runs
  out inside the block): the block's *cut* — the index of the first instruction the budget does not
  reach, or the block's length when it does — is checked before every instruction with an effect
  (memory, calls, packet loads, faults) and before the last one, so the instructions before the cut
  do what they do, a fault among them wins, and the budget fault names the instruction at the cut,
  as the interpreter's single-step mode does; a helper called in that block sees the budget the
  interpreter would give it and moves the cut by what it charged.  Pure register instructions are
  not checked: nothing can observe them once the run faults (nor loads the verifier proved).  So a
  block whose only checked instruction is its last (a loop of register work and proven loads) is
  checked once, on entry: the budget covers it, or the run ends there at the cut.
* **Fast copies of loops**: the kernel's JIT charges nothing per block; here a block on a cycle of
  the control flow (calls and returns included) has a second, fast copy that only subtracts its
  count.  Some fast copies are checkpoints — every way into the copies from outside, and the
  targets of a depth-first search's back-edges, so every cycle holds one — and check that the
  budget covers the longest way to the next checkpoint; if it does not, control continues in the
  checked block, which stays exact.  Same charges, same faults, the same instruction where the
  budget runs out: a loop's iteration checks the budget once instead of once per block and before
  each store (``_plan_fast_copies``; copies costing LLVM at most ``FAST_MAX_COST``).  A call into
  Python (a helper, a callback's instructions) may charge the budget more than the checkpoint
  counted: the fast copy then finishes its block, which the budget covered on entry, and goes on
  in the checked blocks, as the checked block would (``call_out``, ``block_at``).
* **Counted loops** (``pybpf.jit.counted_loops``): an innermost loop whose way round steps a
  register once and tests it has a third copy with no check at all, entered from its header's fast
  copy when the budget covers every way round the counter allows (``_enter_counted``).  When
  nothing in it can fault, that copy charges only the edges off its shortest way round, and the
  edges leaving it charge the rest from the counter (``_charging``, ``_leaving``).
* **Memory checks** follow ``pybpf.memory.regions``: an access of ``size`` bytes at ``address`` is
  allowed when one region holds it all and has the access bits it needs.  An access the verifier
  proved in bounds on every path (``proven``: the slots of ``VerifiedProgram.proven_accesses``, as
  the kernel's JIT trusts ``insn_aux_data``) is a plain load or store.  Every other one is checked:
  the stack frames in use (``[top - 512 * depth, top)``) and, unless the access goes through r10,
  the two regions the checks last found in the table (``Field.HOT``: in a packet program the
  context and the packet) inline, as one condition, then ``@bpf_mem_slow``, which scans the
  state's region table (moving the region it finds to the hot entries) and on a miss asks Python
  (``Op.FILL``), which either finds the region (and caches it in the table) or records the
  interpreter's ``MemoryAccessError``.
* **Faults** store a ``Status`` and the faulting slot in the state, write the registers back and
  return 1; Python turns that into the interpreter's exception (``pybpf.jit.runtime``).
* **Calls into Python** go through the one trampoline whose address the state holds, with the
  budget written to the state before and read back after (helpers charge their work to it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from llvmlite import ir

from pybpf.isa.disasm import format_instruction
from pybpf.isa.graphs import is_cycle, strongly_connected_components
from pybpf.isa.instruction import Instruction
from pybpf.isa.opcodes import (
    BPF_PSEUDO_FUNC,
    BPF_REG_AX,
    BPF_REG_FP,
    MAX_CALL_FRAMES,
    STACK_SIZE,
    Kind,
    OpSpec,
)
from pybpf.isa.program import ProgramView
from pybpf.isa.words import M64
from pybpf.jit.cost import compile_cost
from pybpf.jit.counted_loops import CountedLoop, counted_loops, edge_charge
from pybpf.jit.libc import LIBC_FUNCTIONS
from pybpf.jit.state import HOT_ENTRIES, STATE_FIELDS, TABLE_ENTRIES, Field, Op, Status

I1 = ir.IntType(1)
I8 = ir.IntType(8)
I16 = ir.IntType(16)
I32 = ir.IntType(32)
I64 = ir.IntType(64)
INT_TYPES = {1: I8, 2: I16, 4: I32, 8: I64}
STATE = I64.as_pointer()
TRAMPOLINE = ir.FunctionType(I64, [STATE, I64, I64])
MEM_SLOW = ir.FunctionType(I1, [STATE, I64, I64, I64, I64])
RUN = ir.FunctionType(I64, [STATE, STATE, I64])
EFFECTS = frozenset(
    {
        Kind.LDX,
        Kind.LDXSX,
        Kind.ST,
        Kind.STX,
        Kind.ATOMIC,
        Kind.LOAD_ACQ,
        Kind.STORE_REL,
        Kind.CALL,
        Kind.CALL_LOCAL,
        Kind.CALL_KFUNC,
        Kind.CALLX,
        Kind.EXIT,
        Kind.LD_ABS,
        Kind.LD_IND,
        Kind.MAY_GOTO,
    }
)
"""Instruction kinds with an effect a run that faults can show (memory, calls, faults, counters)."""
HOT_MIN_LENGTH = 8
"""The shortest region the hot entries hold: no access is longer, so ``length - size`` never wraps."""
_LOADS_THROUGH_SRC = frozenset({Kind.LDX, Kind.LDXSX, Kind.LOAD_ACQ})
PURE_WHEN_PROVEN = frozenset({Kind.LDX, Kind.LDXSX})
"""Kinds whose only effect besides their register is a possible fault (none once proven in bounds)."""
FAST_MAX_COST = 10_000
"""The most the fast copies of a program's loops may cost LLVM (``pybpf.jit.cost.compile_cost``
of their instructions and blocks, a fifth of the most a program may cost): each copy doubles its
loop's code, and LLVM's time with it; a program whose loops cost more has no fast copies."""
FRAME_WORDS = 6  # return site, r6, r7, r8, r9, r10
RUN_FUNCTION = "bpf_run"
PROBE_ZERO = "bpf_probe_zero"
"""The 8 zero bytes a probe load that found no memory reads (``Lowering.check``)."""
RESOLVED_SYMBOL = "pybpf_lddw_{slot}"
"""The symbol whose address is the loader's resolved value of the ``lddw`` at ``slot``: a relocation,
so the object code holds no per-process address and can be cached (``pybpf.jit.codegen``)."""
UNLINKABLE = 0xFFFF_FFFF_FFFF_FFFF
"""The one value MCJIT cannot bind a relocation to (it reads as "not found"): an ``lddw`` resolved to
it is lowered as a constant instead (and the code library's key says which slots are)."""
ADDRESS_SYMBOL = "pybpf_address_{role}"
"""The symbol whose address is one of this process's addresses the native helpers use, named by its
role (``Lowering.address_of``): a C library function (``libc_<name>``, ``LIBC_FUNCTIONS``) or a
map's storage or mutex (``map<index>``, ``map<index>_lock``: ``pybpf.jit.native_helpers``'s
``NativeCalls.addresses``).  A relocation, so the object code holds none of them and is cached like
any other; the code library binds each when it links the code (``pybpf.jit.codegen.link``)."""
_OPAQUE = ir.global_context.get_identified_type("pybpf_opaque")
"""The type of ``ADDRESS_SYMBOL`` globals: unsized, so LLVM assumes no size of what they name."""


class LoweringError(Exception):
    """An instruction could not be lowered (the message names it); the caller falls back."""


@dataclass(frozen=True)
class Site:
    """One instruction being lowered and where it is."""

    insn: Instruction
    spec: OpSpec
    slot: int
    next_slot: int
    target: int | None
    """The slot a jump, local call or ``lddw`` of a function names (the program view's), else None."""


Lowerer = Callable[["Lowering", Site], None]


class Lowering:
    """Builds the module of one program; ``kinds`` lowering functions call the methods below."""

    def __init__(
        self,
        view: ProgramView,
        specs: Sequence[OpSpec],
        *,
        leaders: Collection[int],
        resolved: Mapping[int, int],
        helper_ids: Collection[int],
        lowerers: Mapping[Kind, Lowerer],
        proven: Collection[int] = frozenset(),
        probes: Collection[int] = frozenset(),
        arena_accesses: Collection[int] = frozenset(),
        arena_casts: Collection[int] = frozenset(),
    ) -> None:
        self.view = view
        self.proven = frozenset(proven) - frozenset(arena_accesses)
        """Slots of the memory accesses the verifier proved in bounds: lowered without a check (an
        arena access never: it goes through the arena's window, ``pybpf.jit.arena``)."""
        self.probes = frozenset(probes)
        """Slots of the probe loads (``pybpf.vm.probe``): where no memory is, they read 0 (``check``)."""
        self.arena_accesses = frozenset(arena_accesses)
        """Slots of the accesses through arena pointers (``BPF_PROBE_MEM32``, ``pybpf.jit.arena``)."""
        self.arena_casts = frozenset(arena_casts)
        """Slots of the casts to address space 1, given as ``wD = wS`` (``pybpf.vm.arena.arena_casts``)."""
        self.specs = specs
        self.leaders = sorted(leaders)
        self.resolved = resolved
        self.helper_ids = helper_ids
        self.lowerers = lowerers
        self.total = view.slot_count
        self.module = ir.Module(name="pybpf_jit")
        self.function = ir.Function(self.module, RUN, name=RUN_FUNCTION)
        self.mem_slow = self._define_mem_slow()
        self.state, self.regs_in, self.start = self.function.args
        self.regs_in.add_attribute("noalias")
        entry = self.function.append_basic_block("entry")
        self.b = ir.IRBuilder(entry)
        self._values: dict[int, ir.Value] = {}  # register -> its value, valid where emission continues
        self._block_length = 0
        self._block_index = 0
        self._leader = 0
        # the return sites of calls, numbered for exit's dispatch
        self.return_sites: dict[int, int] = {}
        self._blocks: dict[int, ir.Block] = {}
        self._fast: dict[int, ir.Block] = {}  # leader -> its fast copy (blocks in loops)
        self._checkpoints: dict[int, int] = {}  # fast leader -> budget its check needs (L)
        self._in_fast = False  # lowering a fast copy
        self._counted: dict[int, CountedLoop] = {}  # header -> its counted loop (``counted_loops``)
        self._counted_blocks: dict[int, ir.Block] = {}  # leader -> its copy in a counted loop
        self._rounds: dict[int, ir.Block] = {}  # counted header -> its fast copy's per-round check
        self._counting: CountedLoop | None = None  # lowering the counted copy of this loop
        self._uncharged: dict[int, ir.Value] = {}
        """Counted loops whose copy charges only the edges beyond a shortest way round, by header:
        the counter on entry (the rest is charged on the edges leaving the copy, ``_leaving``)."""
        self._calls_out = False  # the fast block being lowered has called out (``_charged`` is set)

    # -- the state and the registers ---------------------------------------------------------------
    def field(self, field: int) -> ir.Value:
        return self.b.gep(self.state, [ir.Constant(I64, field)], inbounds=True)

    def load_field(self, field: int) -> ir.Value:
        return self.b.load(self.field(field))

    def store_field(self, field: int, value: ir.Value) -> None:
        self.b.store(value, self.field(field))

    def reg(self, reg: int) -> ir.Value:
        """The value of ``reg`` (the last one this straight-line stretch of code stored, if any)."""
        value = self._values.get(reg)
        if value is None:
            value = self._values[reg] = self.b.load(self._regs[reg])
        return value

    def set_reg(self, reg: int, value: ir.Value) -> None:
        self.b.store(value, self._regs[reg])
        self._values[reg] = value

    @staticmethod
    def const(value: int, bits: int = 64) -> ir.Constant:
        return ir.Constant(ir.IntType(bits), value & ((1 << bits) - 1))

    def resolved_value(self, slot: int) -> ir.Value:
        """The resolved value of the ``lddw`` at ``slot``, as a relocation (``RESOLVED_SYMBOL``) the
        code library binds when it links the code: weak, so the value may be any 64 bits, 0 too.

        The symbol's address passes through an empty inline asm that LLVM cannot see into: two
        ``lddw`` of the same map value (``map_value(fd, 46)`` and ``map_value(fd, 47)``) are two
        symbols bound to overlapping memory, and LLVM takes distinct globals for distinct objects --
        it would forward, drop or reorder a store through one and a load through the other."""
        if self.resolved[slot] & UNLINKABLE == UNLINKABLE:
            return self.const(UNLINKABLE)
        name = RESOLVED_SYMBOL.format(slot=slot)
        symbol = self.module.globals.get(name)
        if symbol is None:
            symbol = ir.GlobalVariable(self.module, I8, name)
            symbol.linkage = "extern_weak"
        opaque = ir.InlineAsm(ir.FunctionType(I64, [I64]), "", "=r,0")
        return self.b.call(opaque, [self.b.ptrtoint(symbol, I64)])

    def address_of(self, role: str, offset: int = 0) -> ir.Value:
        """The process address of ``role`` (``ADDRESS_SYMBOL``) plus ``offset``, as a relocation the
        code library binds at link time: a constant, usable in any block."""
        name = ADDRESS_SYMBOL.format(role=role)
        symbol = self.module.globals.get(name)
        if symbol is None:
            symbol = ir.GlobalVariable(self.module, _OPAQUE, name)
            symbol.linkage = "extern_weak"
        address = symbol.ptrtoint(I64)
        if not offset:
            return address
        return ir.FormattedConstant(I64, f"add (i64 {address.get_reference()}, i64 {offset & M64})")

    def libc(self, name: str) -> ir.Value:
        """The address of the C library's function ``name`` (one of ``LIBC_FUNCTIONS``)."""
        if name not in LIBC_FUNCTIONS:
            raise LoweringError(f"no C library function {name} is bound at link time")
        return self.address_of(f"libc_{name}")

    def new_block(self, name: str) -> ir.Block:
        return self.function.append_basic_block(name)

    def continue_in(self, block: ir.Block, *, dominated: bool = False) -> None:
        """Emit into ``block`` next; unless the block before dominates it, forget register values."""
        if not dominated:
            self._values.clear()
        self.b.position_at_end(block)

    # -- faults ------------------------------------------------------------------------------------
    def fault(self, status: Status, slot: int) -> None:
        """End the run with ``status`` at ``slot``; code emitted after it is unreachable."""
        self.store_field(Field.STATUS, self.const(status))
        self.store_field(Field.FAULT_PC, self.const(slot))
        self.b.branch(self._bail)
        self.continue_in(self.new_block("dead"))

    def bail_unless(self, ok: ir.Value) -> None:
        """Leave the run (the state says why) unless ``ok``."""
        good = self.new_block("ok")
        self.b.cbranch(ok, good, self._bail)
        self.continue_in(good, dominated=True)

    # -- budget ------------------------------------------------------------------------------------
    def _check_cut(self) -> None:
        """Fault with the budget unless the budget reaches the instruction being lowered."""
        b = self.b
        cut = b.load(self._cut)
        with b.if_then(b.icmp_unsigned("<=", cut, self.const(self._block_index)), likely=False):
            self.store_field(Field.STATUS, self.const(Status.BUDGET))
            self.store_field(Field.FAULT_PC, self.const(self._leader))
            self.store_field(Field.ARG, cut)
            b.branch(self._bail)

    # -- memory ------------------------------------------------------------------------------------
    def address(self, reg: int, off: int) -> ir.Value:
        return self.b.add(self.reg(reg), self.const(off))

    def check(self, address: ir.Value, size: int, need: int, slot: int) -> ir.Value:
        """Fault unless ``size`` bytes at ``address`` are accessible with ``need`` (``state.NEED_*``);
        nothing to emit for an access the verifier proved.  Returns the address to access:
        ``address``, or for a probe load (``probes``) that found no memory, 8 zero bytes (the
        runtime's ``Op.FILL`` answers 0 for it without a fault)."""
        if slot in self.proven:
            return address
        b = self.b
        # inside the frames in use: size <= top - address <= span, as one unsigned comparison
        below_top = b.sub(b.sub(self._top, self.const(size)), address)
        allowed = b.icmp_unsigned("<=", below_top, b.sub(b.load(self._stack_span), self.const(size)))
        if self._base_register(slot) != BPF_REG_FP:  # (through r10 it is the stack or a fault)
            allowed = b.or_(allowed, self._in_hot_region(address, size, need))
        done = self.new_block("checked")
        slow = self.new_block("check_slow")
        branch = b.cbranch(allowed, done, slow)
        branch.set_weights([1000, 1])
        self.continue_in(slow, dominated=True)
        ok = b.call(
            self.mem_slow, [self.state, address, self.const(size), self.const(need), self.const(slot)]
        )
        if slot not in self.probes:
            b.cbranch(ok, done, self._bail)
            self.continue_in(done, dominated=True)
            return address
        return self._probed(address, branch.parent, ok, done)

    def _probed(self, address: ir.Value, fast: ir.Block, ok: ir.Value, done: ir.Block) -> ir.Value:
        """The address a probe load reads: ``address`` where the check found memory (on the fast
        path, or ``ok`` on the slow one), else that of ``PROBE_ZERO`` (the load reads 0) -- unless
        the check stopped the run (``OPAQUE`` bytes: ``UnknownMemoryError`` waits in the runtime)."""
        b = self.b
        slow = b.block
        missing = self.new_block("probe_missing")
        b.cbranch(ok, done, missing)
        self.continue_in(missing, dominated=True)
        self.bail_unless(b.icmp_unsigned("==", self.load_field(Field.STATUS), self.const(Status.RUNNING)))
        missing = b.block
        zero_address = self.zero_address()
        b.branch(done)
        self.continue_in(done, dominated=True)
        chosen = b.phi(I64, name="probed")
        chosen.add_incoming(address, fast)
        chosen.add_incoming(address, slow)
        chosen.add_incoming(zero_address, missing)
        return chosen

    def zero_address(self) -> ir.Value:
        """The address of ``PROBE_ZERO``: 8 zero bytes a load that found no memory reads instead."""
        zero = self.module.globals.get(PROBE_ZERO)
        if zero is None:
            zero = ir.GlobalVariable(self.module, I64, PROBE_ZERO)
            zero.linkage, zero.global_constant, zero.initializer = "internal", True, ir.Constant(I64, 0)
        return self.b.ptrtoint(zero, I64)

    def _base_register(self, slot: int) -> int:
        """The register the memory access at ``slot`` addresses memory through."""
        index = self.view.index_at(slot)
        assert index is not None
        insn = self.view.insns[index]
        return insn.src if self.specs[index].kind in _LOADS_THROUGH_SRC else insn.dst

    def _in_hot_region(self, address: ir.Value, size: int, need: int) -> ir.Value:
        """Whether one of the hot entries (start, length, access) holds the access: ``address - start``
        at most ``length - size`` (an entry is at least ``HOT_MIN_LENGTH`` bytes long, so that cannot
        wrap), with the access bits ``need``."""
        b = self.b
        found: ir.Value = ir.Constant(I1, 0)
        for entry in range(HOT_ENTRIES):
            base = Field.HOT + 3 * entry
            start, length, access = (self.load_field(base + k) for k in range(3))
            offset = b.sub(address, start)
            inside = b.icmp_unsigned("<=", offset, b.sub(length, self.const(size)))
            allowed = b.icmp_unsigned("==", b.and_(access, self.const(need)), self.const(need))
            found = b.or_(found, b.and_(inside, allowed))
        return found

    def pointer(self, address: ir.Value, size: int) -> ir.Value:
        return self.b.inttoptr(address, INT_TYPES[size].as_pointer())

    # -- calls into Python -------------------------------------------------------------------------
    def _sync_out(self) -> None:
        self.store_field(Field.REMAINING, self.b.load(self._remaining))

    def trampoline(self, op: int, args: Sequence[ir.Value], slot: int) -> ir.Value:
        """Call Python (a helper, or an ``Op``) and leave the run if it says so; returns its answer."""
        return self.call_out(lambda: self.call_python(op, args, slot))

    def call_python(self, op: int, args: Sequence[ir.Value], slot: int) -> ir.Value:
        """The trampoline's call itself, without the budget's sync (for code ``call_out`` emits)."""
        b = self.b
        function = b.inttoptr(self.load_field(Field.TRAMPOLINE), TRAMPOLINE.as_pointer())
        for index, value in enumerate(args):
            self.store_field(Field.ARGS + index, value)
        return b.call(function, [self.state, self.const(op), self.const(slot)])

    def call_out(self, emit: Callable[[], ir.Value]) -> ir.Value:
        """Emit ``emit()``, code that calls Python or re-enters the compiled code (both read and write
        the state's REMAINING), with the budget synced around it, and leave the run unless STATUS is
        RUNNING after it; returns ``emit``'s value.

        In a block the budget does not cover, Python sees what the interpreter's single steps leave
        (the instructions before the cut, this one included), and what a helper charges moves the cut.
        In a fast copy, a charge (what Python leaves differs from what it was given) sends control
        on to the checked blocks once the block ends: the checkpoint's count no longer holds.
        """
        b = self.b
        if self._in_fast:  # the budget covered the block on entry: Python sees what is left after it
            before = b.load(self._remaining)
            self.store_field(Field.REMAINING, before)
            result = emit()
            left = self.load_field(Field.REMAINING)
            b.store(left, self._remaining)
            charged = b.or_(b.load(self._charged), b.icmp_unsigned("!=", left, before))
            b.store(charged, self._charged)
            self._calls_out = True
        else:
            cut = b.load(self._cut)
            short = b.icmp_unsigned("<", cut, self.const(self._block_length))
            done = self.const(self._block_index + 1)
            self.store_field(Field.REMAINING, b.select(short, b.sub(cut, done), b.load(self._remaining)))
            result = emit()
            left = self.load_field(Field.REMAINING)
            b.store(left, self._remaining)
            b.store(b.select(short, b.add(done, left), cut), self._cut)
        self.bail_unless(b.icmp_unsigned("==", self.load_field(Field.STATUS), self.const(Status.RUNNING)))
        return result

    def helper_args(self) -> list[ir.Value]:
        return [self.reg(reg) for reg in range(1, 6)]

    # -- control -----------------------------------------------------------------------------------
    def block_at(self, slot: int) -> ir.Block:
        """The block control enters at ``slot`` (its budget charge), or the fall-off fault: from a
        fast copy the fast copy of a block in a loop; otherwise a fast copy only where it checks the
        budget (a checkpoint), the checked block elsewhere.  From a fast copy that called out, a
        block choosing between the two on whether Python charged the budget.  From a counted copy,
        its own blocks (through ``_charging``), or, when it leaves, a block charging the budget what
        the loop ran (``_leaving``)."""
        counting = self._counting
        if counting is not None and slot in counting.body:
            if counting.header not in self._uncharged:
                return self._counted_blocks[slot]
            return self._charging(counting, slot)
        target = self._target_at(slot)
        if counting is not None and counting.header in self._uncharged:
            return self._leaving(counting, target)
        return target

    def _target_at(self, slot: int) -> ir.Block:
        """Where control entering ``slot`` goes from outside a counted copy (``block_at``): a fast
        copy's way round of a counted loop goes to its header's per-round check."""
        if slot >= self.total:
            return self._fell_off
        fast = self._fast.get(slot)
        checked = fast if fast is not None and slot in self._checkpoints else self._blocks[slot]
        if fast is None or not self._in_fast:
            return checked
        loop = self._counted.get(slot)
        if loop is not None and self._leader in loop.body:  # a way round: the per-round check
            return self._rounds[slot]
        if not self._calls_out:
            return fast
        choice = self.new_block(f"f{slot}_if_uncharged")
        builder = ir.IRBuilder(choice)
        builder.cbranch(builder.load(self._charged), checked, fast).set_weights([1, 1000])
        return choice

    def goto(self, slot: int) -> None:
        self.b.branch(self.block_at(slot))

    def branch(self, condition: ir.Value, target: int, fallthrough: int) -> None:
        self.b.cbranch(condition, self.block_at(target), self.block_at(fallthrough))

    def may_goto(self, target: int, fallthrough: int) -> None:
        b = self.b
        counter = b.gep(self._may_goto, [self.const(0), b.load(self._nframes)], inbounds=True)
        left = b.load(counter)
        spend = self.new_block("may_goto_spend")
        b.cbranch(b.icmp_unsigned("!=", left, self.const(0)), spend, self.block_at(target))
        self.continue_in(spend)
        b.store(b.sub(left, self.const(1)), counter)
        b.branch(self.block_at(fallthrough))

    def call_local(self, target: int, ret: int, slot: int) -> None:
        """Enter the BPF function at ``target``; its exit comes back to ``ret``."""
        b = self.b
        depth = self.load_field(Field.DEPTH)
        too_deep = b.icmp_unsigned(">=", depth, self.const(MAX_CALL_FRAMES))
        with b.if_then(too_deep, likely=False):
            self.store_field(Field.STATUS, self.const(Status.CALL_DEPTH))
            self.store_field(Field.FAULT_PC, self.const(slot))
            b.branch(self._bail)
        self.store_field(Field.DEPTH, b.add(depth, self.const(1)))
        frames = b.load(self._nframes)
        site = self.return_sites.setdefault(ret, len(self.return_sites))
        self._callees.setdefault(ret, set()).add(target)
        frame = b.gep(self._frames, [self.const(0), frames], inbounds=True)
        saved = [self.const(site)] + [self.reg(reg) for reg in (6, 7, 8, 9, 10)]
        for index, value in enumerate(saved):
            b.store(value, b.gep(frame, [self.const(0), self.const(index, 32)], inbounds=True))
        frames = b.add(frames, self.const(1))
        b.store(frames, self._nframes)
        b.store(self._may_goto_init, b.gep(self._may_goto, [self.const(0), frames], inbounds=True))
        self.set_reg(10, b.sub(self._top, b.mul(depth, self.const(STACK_SIZE))))
        b.store(b.mul(b.add(depth, self.const(1)), self.const(STACK_SIZE)), self._stack_span)
        self.goto(target)

    def function_entries(self) -> Sequence[int]:
        """Slots where BPF functions start (callx targets, callbacks)."""
        return self.view.subprograms

    def exit(self, slot: int) -> None:
        """Leave the program, or pop a frame and return to its call's site: first among the sites
        of the calls of this exit's function (a direct branch when there is one: a return the CPU
        predicts as the kernel's ``ret``), then any other (an unverified program may jump between
        functions)."""
        b = self.b
        frames = b.load(self._nframes)
        pop = self.new_block("pop")
        b.cbranch(b.icmp_unsigned("==", frames, self.const(0)), self._halt, pop)
        self.continue_in(pop)
        frames = b.sub(frames, self.const(1))
        b.store(frames, self._nframes)
        frame = b.gep(self._frames, [self.const(0), frames], inbounds=True)
        words = [b.load(b.gep(frame, [self.const(0), self.const(i, 32)], inbounds=True)) for i in range(6)]
        for reg, value in zip((6, 7, 8, 9, 10), words[1:], strict=True):
            self.set_reg(reg, value)
        depth = b.sub(self.load_field(Field.DEPTH), self.const(1))
        self.store_field(Field.DEPTH, depth)
        b.store(b.mul(depth, self.const(STACK_SIZE)), self._stack_span)
        own = self.new_block(f"return_{slot}")
        b.branch(own)
        self._exits.append((slot, words[0], own))

    # -- the function ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def context(self, site: Site) -> Iterator[None]:
        """Name the instruction in any error its lowering raises."""
        try:
            yield
        except LoweringError:
            raise
        except Exception as exc:
            text = format_instruction(site.insn, slot=site.slot)
            raise LoweringError(f"lowering pc {site.slot} ({text}): {type(exc).__name__}: {exc}") from exc

    def lower(self) -> ir.Module:
        b = self.b
        # r0-r10 and BPF_REG_AX (r11), the scratch register of the fixups' Spectre v1 masking
        self._regs = [b.alloca(I64, name=f"r{reg}") for reg in range(BPF_REG_AX + 1)]
        self._remaining = b.alloca(I64, name="remaining")
        self._stack_span = b.alloca(I64, name="stack_span")  # 512 * depth: the frames in use
        self._cut = b.alloca(I64, name="cut")
        self._charged = b.alloca(I1, name="charged")  # a fast block's call into Python charged the budget
        self._nframes = b.alloca(I64, name="nframes")
        self._frames = b.alloca(ir.ArrayType(ir.ArrayType(I64, FRAME_WORDS), MAX_CALL_FRAMES), name="frames")
        self._may_goto = b.alloca(ir.ArrayType(I64, MAX_CALL_FRAMES + 1), name="may_goto")
        for reg in range(11):
            self.set_reg(reg, b.load(b.gep(self.regs_in, [self.const(reg)], inbounds=True)))
        self.set_reg(BPF_REG_AX, self.const(0))  # (live only inside a masking sequence)
        b.store(self.load_field(Field.REMAINING), self._remaining)
        self._top = self.load_field(Field.STACK_TOP)
        depth = self.load_field(Field.DEPTH)
        b.store(b.mul(depth, self.const(STACK_SIZE)), self._stack_span)
        self.code_base = self.load_field(Field.CODE_BASE)
        self._may_goto_init = self.load_field(Field.MAY_GOTO)
        b.store(self.const(0), self._nframes)
        b.store(self._may_goto_init, b.gep(self._may_goto, [self.const(0), self.const(0)], inbounds=True))
        entry_block = b.block

        self._bail = self.new_block("bail")
        self._halt = self.new_block("halt")
        self._fell_off = self.new_block("fell_off")
        self._return_dispatch = self.new_block("return")
        self._exits: list[tuple[int, ir.Value, ir.Block]] = []  # (slot, return word, its block)
        self._callees: dict[int, set[int]] = {}  # return site -> the functions called from it

        blocks = self._block_indices = self._cut_blocks()
        for leader in blocks:
            self._blocks[leader] = self.new_block(f"b{leader}")
        self._plan_fast_copies(blocks)
        for leader in sorted(self._fast_region):
            self._fast[leader] = self.new_block(f"f{leader}")
        for header, loop in self._counted.items():
            self._rounds[header] = self.new_block(f"f{header}_round")
            for leader in sorted(loop.body):
                self._counted_blocks[leader] = self.new_block(f"c{leader}")
        for leader, indices in blocks.items():
            self._lower_block(leader, indices)
        for leader in sorted(self._fast_region):
            self._lower_fast_block(leader, blocks[leader])
        for loop in self._counted.values():
            for leader in sorted(loop.body):
                self._lower_fast_block(leader, blocks[leader], counting=loop)

        b.position_at_end(entry_block)
        switch = b.switch(self.start, self._blocks[0])  # the checked blocks: entries need no checkpoint
        for slot in self.function_entries():
            switch.add_case(self.const(slot), self._blocks[slot])

        self._finish_exits()
        return self.module

    def _cut_blocks(self) -> dict[int, list[int]]:
        """Leader slot -> the indices of its instructions."""
        starts = self.view.starts
        leaders = set(self.leaders)
        blocks: dict[int, list[int]] = {}
        current: list[int] = []
        for index, slot in enumerate(starts):
            if slot in leaders or not blocks:
                current = blocks.setdefault(slot, [])
            current.append(index)
        return blocks

    def _lower_block(self, leader: int, indices: list[int]) -> None:
        b = self.b
        self.continue_in(self._blocks[leader])
        count = len(indices)
        sites = [self._site(index) for index in indices]
        checked = [
            position
            for position, site in enumerate(sites)
            if position == count - 1 or self._has_effect(site) or self._unresolved(site)
        ]
        left = b.load(self._remaining)
        short = b.icmp_unsigned("<", left, self.const(count))
        self._leader, self._block_length = leader, count
        upfront = checked == [count - 1]
        if upfront:  # nothing before the last instruction can be seen: its check moves to the start
            with b.if_then(short, likely=False):
                b.store(self.const(0), self._remaining)
                self.store_field(Field.STATUS, self.const(Status.BUDGET))
                self.store_field(Field.FAULT_PC, self.const(leader))
                self.store_field(Field.ARG, left)
                b.branch(self._bail)
            b.store(self.const(count), self._cut)
            b.store(b.sub(left, self.const(count)), self._remaining)
        else:
            b.store(b.select(short, left, self.const(count)), self._cut)
            b.store(b.select(short, self.const(0), b.sub(left, self.const(count))), self._remaining)
        for position, site in enumerate(sites):
            self._block_index = position
            if position in checked and not upfront:
                self._check_cut()
            with self.context(site):
                self.lowerers[site.spec.kind](self, site)
            if b.block.is_terminated:
                break
        if not b.block.is_terminated:
            self.goto(self.view.next_slot(self.view.starts[indices[-1]]))

    def _lower_fast_block(self, leader: int, indices: list[int], counting: CountedLoop | None = None) -> None:
        """The fast copy of a block in a loop: a checkpoint checks that the budget covers every
        path to the next checkpoint, so no block on the way checks it again; each only charges.
        With ``counting``, the block's copy in that counted loop: no check at all (its header's
        fast copy checked on entry that the budget covers every way round, ``_enter_counted``)."""
        b = self.b
        self._in_fast = True
        self._counting = counting
        try:
            if counting is not None:
                self.continue_in(self._counted_blocks[leader])
            else:
                self.continue_in(self._fast[leader])
            self._calls_out = False
            b.store(ir.Constant(I1, 0), self._charged)
            loop = self._counted.get(leader)
            if loop is not None and counting is None:
                self._enter_counted(loop)
                self.continue_in(self._rounds[leader])
            left = b.load(self._remaining)
            need = None if counting is not None else self._checkpoints.get(leader)
            if need is not None:  # too little left: the checked block, which counts it exactly
                # a comparison, not a subtraction's borrow: the budget left stays an induction
                # variable LLVM can turn into a trip count (the check then leaves the loop), and a
                # way round shorter than ``need`` adds nothing back to it
                covered = self.new_block(f"f{leader}_covered")
                short = b.icmp_unsigned("<", left, self.const(need))
                branch = b.cbranch(short, self._blocks[leader], covered)
                branch.set_weights([1, 1000])
                self.continue_in(covered, dominated=True)
            if counting is None or counting.header not in self._uncharged:
                b.store(b.sub(left, self.const(len(indices))), self._remaining)
            self._leader, self._block_length = leader, len(indices)
            for position, index in enumerate(indices):
                site = self._site(index)
                self._block_index = position
                with self.context(site):
                    self.lowerers[site.spec.kind](self, site)
                if b.block.is_terminated:
                    break
            if not b.block.is_terminated:
                self.goto(self.view.next_slot(self.view.starts[indices[-1]]))
        finally:
            self._in_fast = self._calls_out = False
            self._counting = None

    def _enter_counted(self, loop: CountedLoop) -> None:
        """On entry to a counted loop: its copy without checks when the budget covers every way
        round the counter allows (``W + 1`` arrivals at the header, each followed by at most the
        header's ``need`` before the next checkpoint: ``W < left / need``), else the fast copy's
        check per way round.  ``W``, the way rounds before the exit test stops the loop, is computed
        from the counter on entry; where it is not a whole number of steps (the counter would
        wrap), the check per way round."""
        b = self.b
        bits = loop.bits
        top = (1 << bits) - 1
        kind = ir.IntType(bits)
        value = self.reg(loop.counter)
        bound: ir.Value = self.reg(loop.bound_reg) if loop.bound_reg is not None else self.const(loop.bound)
        if bits == 32:
            value, bound = b.trunc(value, kind), b.trunc(bound, kind)
        if loop.signed:  # signed order is unsigned order with the sign bit flipped (and steps commute)
            value = b.xor(value, self.const(1 << (bits - 1), bits))
            bound = b.xor(bound, self.const(1 << (bits - 1), bits))
        step, stays = loop.step, loop.stays
        if stays in (">", ">="):  # counting down: the complements count up
            value, bound, step, stays = b.not_(value), b.not_(bound), -step, "<" if stays == ">" else "<="
        first = b.add(value, self.const(step * loop.before, bits))  # the counter at the first test
        ok: ir.Value = ir.Constant(I1, 1)
        if stays == "<=":
            ok = b.icmp_unsigned("!=", bound, self.const(top, bits))
            bound, stays = b.add(bound, self.const(1, bits)), "<"
        if stays == "<":  # step > 0: the counter reaches the bound before it could wrap
            ok = b.and_(ok, b.icmp_unsigned("<=", bound, self.const(top - step + 1, bits)))
            rounds = b.udiv(b.add(b.sub(bound, first), self.const(step - 1, bits)), self.const(step, bits))
            rounds = b.select(b.icmp_unsigned(">=", first, bound), self.const(0, bits), rounds)
        else:  # "!=": a whole number of steps to the bound
            distance = b.sub(bound, first) if step > 0 else b.sub(first, bound)
            size = self.const(abs(step), bits)
            ok = b.and_(ok, b.icmp_unsigned("==", b.urem(distance, size), self.const(0, bits)))
            rounds = b.udiv(distance, size)
        if bits == 32:
            rounds = b.zext(rounds, I64)
        need = self._checkpoints[loop.header]
        left = b.load(self._remaining)
        if self._can_skip_charges(loop):  # the steps since entry, times the step, stay below 2**64
            self._uncharged[loop.header] = self.reg(loop.counter)
            ok = b.and_(ok, b.icmp_unsigned("<", rounds, self.const((1 << 64) // abs(loop.step) - 2)))
        covered = b.icmp_unsigned("<", rounds, b.udiv(left, self.const(need)))
        branch = b.cbranch(b.and_(ok, covered), self._counted_blocks[loop.header], self._rounds[loop.header])
        branch.set_weights([1000, 1])

    def _can_skip_charges(self, loop: CountedLoop) -> bool:
        """Whether the copy of ``loop`` may leave most of its charges to the edges leaving it:
        nothing in it can fault (every memory access proven, every ``lddw`` resolved), so the
        budget is seen only once control leaves."""
        for leader in loop.body:
            for index in self._block_indices[leader]:
                site = self._site(index)
                if site.spec.kind in PURE_WHEN_PROVEN | {Kind.ST, Kind.STX} and site.slot not in self.proven:
                    return False
                if self._unresolved(site):
                    return False
        return True

    def _leaving(self, loop: CountedLoop, target: ir.Block) -> ir.Block:
        """A block on an edge leaving the uncharged copy of ``loop`` from the block being lowered:
        it charges the budget what the edges taken have not (``CountedLoop.lengths``): the way rounds
        the counter counted since entry times the shortest way round, plus the shortest way from
        the header to this block's end; then goes to ``target``."""
        counted_from = self._uncharged[loop.header]
        edge = self.new_block(f"c{self._leader}_leave")
        b = ir.IRBuilder(edge)
        counter = b.load(self._regs[loop.counter])
        moved = b.sub(counter, counted_from) if loop.step > 0 else b.sub(counted_from, counter)
        steps = b.udiv(moved, self.const(abs(loop.step)))
        rounds = b.sub(steps, self.const(1 if self._leader in loop.stepped else 0))
        ran = b.add(b.mul(rounds, self.const(loop.way)), self.const(loop.lengths[self._leader]))
        b.store(b.sub(b.load(self._remaining), ran), self._remaining)
        b.branch(target)
        return edge

    def _charging(self, loop: CountedLoop, slot: int) -> ir.Block:
        """Where an edge of the uncharged copy of ``loop`` from the block being lowered to the
        block at ``slot`` goes: the block, or a block charging the edge (``edge_charge``) first."""
        sizes = {leader: len(self._block_indices[leader]) for leader in loop.body}
        charge = edge_charge(loop, self._leader, slot, sizes)
        if not charge:
            return self._counted_blocks[slot]
        edge = self.new_block(f"c{self._leader}_to_{slot}")
        b = ir.IRBuilder(edge)
        b.store(b.sub(b.load(self._remaining), self.const(charge)), self._remaining)
        b.branch(self._counted_blocks[slot])
        return edge

    def _plan_fast_copies(self, blocks: Mapping[int, list[int]]) -> None:
        """Choose the blocks with a fast copy (``_fast_region``) and the checkpoints among them with
        the budget each needs (``_checkpoints``).

        The region is the blocks on a cycle of the control flow (bpf-to-bpf calls and returns
        included).  A checkpoint is a block of the region control
        can enter from outside it (a return site, a successor of a block outside it; the run's
        entry goes to the checked blocks) or through a back-edge of a depth-first search of it, so
        every cycle of the region has one; without the edges into checkpoints the region is
        acyclic, and a checkpoint needs the instructions of its longest path through the blocks
        that are not checkpoints."""
        self._fast_region: set[int] = set()
        flow: dict[int, list[int]] = {}
        exits: list[int] = []
        return_sites: set[int] = set()
        for leader, indices in blocks.items():
            last = self._site(indices[-1])
            kind, target = last.spec.kind, last.target
            if kind in (Kind.JA, Kind.GOTOL):
                following = [target]
            elif kind in (Kind.JCOND, Kind.MAY_GOTO):
                following = [target, last.next_slot]
            elif kind is Kind.EXIT:
                following = []
                exits.append(leader)
            elif kind is Kind.CALL_LOCAL:
                following = [target]
                return_sites.add(last.next_slot)
            elif kind is Kind.CALLX:
                following = [*self.function_entries(), last.next_slot]
                return_sites.add(last.next_slot)
            else:
                following = [last.next_slot]
            flow[leader] = [slot for slot in following if slot is not None and slot in blocks]
        returns = sorted(site for site in return_sites if site in blocks)  # a call may end the program
        edges = {leader: flow[leader] + (returns if leader in exits else []) for leader in blocks}
        region = _on_cycles(edges)
        if compile_cost(sum(len(blocks[leader]) for leader in region), len(region)) > FAST_MAX_COST:
            return
        entered = set(return_sites)
        entered.update(slot for leader in blocks if leader not in region for slot in flow[leader])
        entries = entered & region
        checkpoints = entries | _back_edge_targets(region, flow, [*sorted(entries), *sorted(region)])
        needs: dict[int, int] = {}
        inner = {leader: [slot for slot in flow[leader] if slot not in checkpoints] for leader in region}
        for leader in _post_order(region, inner):
            further = [needs[slot] for slot in flow[leader] if slot in region and slot not in checkpoints]
            needs[leader] = len(blocks[leader]) + max(further, default=0)
        self._fast_region = region
        self._checkpoints = {leader: needs[leader] for leader in sorted(checkpoints)}
        within = {leader: [slot for slot in flow[leader] if slot in region] for leader in region}
        loops = counted_loops(blocks, within, checkpoints, self._instruction)
        counted = [leader for loop in loops.values() for leader in loop.body]
        fast_cost = sum(len(blocks[leader]) for leader in [*region, *counted])
        if compile_cost(fast_cost, len(region) + len(counted)) <= FAST_MAX_COST:
            self._counted = loops

    def _instruction(self, index: int) -> tuple[Instruction, OpSpec, int | None, int]:
        site = self._site(index)
        return site.insn, site.spec, site.target, site.next_slot

    def _has_effect(self, site: Site) -> bool:
        """Whether a run that faults at the cut could show what the instruction did: a load the
        verifier proved cannot fault and changes a register only, like an ALU instruction."""
        kind = site.spec.kind
        return kind in EFFECTS and not (kind in PURE_WHEN_PROVEN and site.slot in self.proven)

    def _unresolved(self, site: Site) -> bool:
        """An lddw that faults (a map or BTF reference the loader did not resolve)."""
        insn = site.insn
        pseudo = insn.src not in (0, BPF_PSEUDO_FUNC)
        return site.spec.kind is Kind.LDDW and pseudo and site.slot not in self.resolved

    def _site(self, index: int) -> Site:
        view = self.view
        slot = view.starts[index]
        return Site(view.insns[index], self.specs[index], slot, view.next_slot(slot), view.target(slot))

    def _finish_exits(self) -> None:
        b = self.b
        # fault epilogue: the registers and the budget go back to the caller
        b.position_at_end(self._bail)
        self._write_back()
        b.ret(self.const(1))
        b.position_at_end(self._halt)
        self._write_back()
        b.ret(self.const(0))
        b.position_at_end(self._fell_off)
        self.store_field(Field.STATUS, self.const(Status.FELL_OFF))
        self.store_field(Field.FAULT_PC, self.const(self.view.starts[-1]))
        b.branch(self._bail)
        entries = self.function_entries()
        shared: list[tuple[ir.Value, ir.Block]] = []  # exits whose word is none of their own sites
        for slot, word, block in self._exits:
            function = max(entry for entry in entries if entry <= slot)
            own = sorted(ret for ret, callees in self._callees.items() if function in callees)
            b.position_at_end(block)
            if len(own) == len(self.return_sites):  # every site: the shared dispatch is the same
                shared.append((word, block))
                b.branch(self._return_dispatch)
                continue
            other = self.new_block(f"return_{slot}_other")
            switch = b.switch(word, other)
            for ret in own:
                switch.add_case(self.const(self.return_sites[ret]), self.block_at(ret))
            b.position_at_end(other)
            shared.append((word, other))
            b.branch(self._return_dispatch)
        b.position_at_end(self._return_dispatch)
        if not shared:
            b.unreachable()
            return
        site = b.phi(I64, name="site")
        for value, block in shared:
            site.add_incoming(value, block)
        unreachable = self.new_block("bad_return")
        switch = b.switch(site, unreachable)
        for ret, number in self.return_sites.items():
            switch.add_case(self.const(number), self.block_at(ret))
        b.position_at_end(unreachable)
        b.unreachable()

    def _write_back(self) -> None:
        b = self.b
        self._values.clear()  # an epilogue: every path reaches it, the allocas hold the registers
        for reg in range(11):
            b.store(self.reg(reg), b.gep(self.regs_in, [self.const(reg)], inbounds=True))
        self._sync_out()

    def _define_mem_slow(self) -> ir.Function:
        """``i1 bpf_mem_slow(state, address, size, need, pc)``: the region table, then Python."""
        function = ir.Function(self.module, MEM_SLOW, name="bpf_mem_slow")
        function.linkage = "internal"
        function.attributes.add("noinline")
        function.attributes.add("cold")
        function.attributes.add("minsize")
        function.attributes.add("optsize")
        state, address, size, need, pc = function.args
        b = ir.IRBuilder(function.append_basic_block("entry"))
        end = b.add(address, size)
        no_wrap = b.icmp_unsigned(">=", end, address)
        entry = b.block
        loop = function.append_basic_block("scan")
        found = function.append_basic_block("found")
        step = function.append_basic_block("next")
        miss = function.append_basic_block("miss")
        b.branch(loop)
        b.position_at_end(loop)
        index = b.phi(I64, name="entry")
        index.add_incoming(ir.Constant(I64, 0), entry)
        base = b.add(ir.Constant(I64, Field.TABLE), b.mul(index, ir.Constant(I64, 3)))
        lo, hi, access = (
            b.load(b.gep(state, [b.add(base, ir.Constant(I64, k))], inbounds=True)) for k in range(3)
        )
        fits = b.and_(
            b.and_(b.icmp_unsigned(">=", address, lo), b.icmp_unsigned("<=", end, hi)),
            b.and_(no_wrap, b.icmp_unsigned("==", b.and_(access, need), need)),
        )
        b.cbranch(fits, found, step)
        b.position_at_end(found)
        # the region found becomes the first hot entry (an empty one if it is shorter than any
        # access: the inline check assumes it is not), the first the second
        for k in range(3):
            older = b.load(b.gep(state, [ir.Constant(I64, Field.HOT + k)], inbounds=True))
            b.store(older, b.gep(state, [ir.Constant(I64, Field.HOT + 3 + k)], inbounds=True))
        length = b.sub(hi, lo)
        long_enough = b.icmp_unsigned(">=", length, ir.Constant(I64, HOT_MIN_LENGTH))
        hot_access = b.select(long_enough, access, ir.Constant(I64, 0))
        for k, value in enumerate((lo, length, hot_access)):
            b.store(value, b.gep(state, [ir.Constant(I64, Field.HOT + k)], inbounds=True))
        b.ret(ir.Constant(I1, 1))
        b.position_at_end(step)
        following = b.add(index, ir.Constant(I64, 1))
        index.add_incoming(following, step)
        b.cbranch(b.icmp_unsigned("<", following, ir.Constant(I64, TABLE_ENTRIES)), loop, miss)
        b.position_at_end(miss)
        trampoline_address = b.load(b.gep(state, [ir.Constant(I64, Field.TRAMPOLINE)], inbounds=True))
        trampoline = b.inttoptr(trampoline_address, TRAMPOLINE.as_pointer())
        for index, value in enumerate((address, size, need)):
            b.store(value, b.gep(state, [ir.Constant(I64, Field.ARGS + index)], inbounds=True))
        zero = ir.Constant(I64, 0)
        answer = b.call(trampoline, [state, ir.Constant(I64, Op.FILL), pc])
        b.ret(b.icmp_unsigned("!=", answer, zero))
        return function


def _on_cycles(edges: Mapping[int, Sequence[int]]) -> set[int]:
    """The nodes on a cycle of the graph: those of its strongly connected components of more than
    one node, or with an edge to themselves (Tarjan's algorithm, iterative)."""
    cyclic: set[int] = set()
    for component in strongly_connected_components(edges, edges):
        if is_cycle(component, edges):
            cyclic.update(component)
    return cyclic


def _back_edge_targets(region: set[int], flow: Mapping[int, Sequence[int]], roots: Sequence[int]) -> set[int]:
    """The targets of the back-edges a depth-first search of ``region`` (its edges only) finds,
    searching from ``roots`` in order (where control enters first: the targets are then the
    loops' headers, not blocks a loop's body jumps back to)."""
    targets: set[int] = set()
    state: dict[int, bool] = {}  # node -> still on the search's path
    for root in roots:
        if root in state:
            continue
        state[root] = True
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            successors = [slot for slot in flow[node] if slot in region]
            if child == len(successors):
                state[node] = False
                continue
            work.append((node, child + 1))
            successor = successors[child]
            if successor not in state:
                state[successor] = True
                work.append((successor, 0))
            elif state[successor]:
                targets.add(successor)
    return targets


def _post_order(nodes: set[int], edges: Mapping[int, Sequence[int]]) -> list[int]:
    """The nodes of an acyclic graph, each after all it leads to (edges to a node not in ``nodes``
    or already placed are ignored)."""
    order: list[int] = []
    seen: set[int] = set()
    for root in sorted(nodes):
        if root in seen:
            continue
        seen.add(root)
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            successors = edges[node]
            if child == len(successors):
                order.append(node)
                continue
            work.append((node, child + 1))
            successor = successors[child]
            if successor in nodes and successor not in seen:
                seen.add(successor)
                work.append((successor, 0))
    return order


assert STATE_FIELDS >= Field.HOT + 3 * HOT_ENTRIES and HOT_ENTRIES == 2

__all__ = [
    "ADDRESS_SYMBOL",
    "I1",
    "I8",
    "I16",
    "I32",
    "I64",
    "RESOLVED_SYMBOL",
    "RUN_FUNCTION",
    "UNLINKABLE",
    "Lowerer",
    "Lowering",
    "LoweringError",
    "Site",
]
