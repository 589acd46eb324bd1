"""Where a native helper may touch a pointer argument of run-time size without asking Python.

Mirrors the argument checks the kernel's helpers rely on (``check_helper_mem_access`` in
kernel/bpf/verifier.c proves at load time that a helper's ``(pointer, size)`` pair lies in memory
the program may read or write); pybpf's Python helpers check the same at run time through
``Memory.check`` (``pybpf.helpers.maps._read`` & co.), and a bad argument is a fault.  A native
helper does not restate those rules: it proves the easy, common cases itself — the bytes lie in the
stack frames in use, or in one region of the state's region table (first the hot entries, the
regions the memory checks last found: in a packet program, the context and the packet) with the
access bits needed — and sends every other argument to the Python helper, which accepts or faults
exactly as on the interpreter.  Both cases are subsets of what ``Memory.check`` accepts (the stack
region is the frames in use; the table's entries and the hot entries are copies of registered
regions, refreshed whenever Memory's regions change and nothing native removes a region), so the
native answer is never wider than Python's — but for one deliberate case: a verified program's
session keeps its native maps' whole value storage in its own first table entries
(``pybpf.jit.native_maps``), as its loads see it; the verifier proved such a program's helper
arguments lie inside one value, which Python registers on demand (``NativeMapSession.reach``).
The table scan (``bpf_in_table``, one cold function per module, as ``bpf_mem_slow``'s scan) runs
only when the stack and the hot entries miss; unlike ``bpf_mem_slow`` it neither asks Python nor
changes the hot entries.  Bytes a native helper has proven it may touch it copies and fills with
LLVM's ``memmove`` and ``memset`` (``move_bytes``, ``fill_bytes``).
"""

from __future__ import annotations

from llvmlite import ir

from pybpf.isa.opcodes import STACK_SIZE
from pybpf.jit.lower import I1, I8, I64, STATE, Lowering
from pybpf.jit.state import HOT_ENTRIES, TABLE_ENTRIES, Field

IN_TABLE = "bpf_in_table"
IN_TABLE_TYPE = ir.FunctionType(I1, [STATE, I64, I64, I64])
"""``i1 bpf_in_table(state, address, size, need)``."""


def _inside(lo: Lowering, address: ir.Value, size: ir.Value, start: ir.Value, length: ir.Value) -> ir.Value:
    """``[address, address + size)`` within ``[start, start + length)``, without wrapping."""
    b = lo.b
    fits = b.icmp_unsigned("<=", size, length)
    return b.and_(fits, b.icmp_unsigned("<=", b.sub(address, start), b.sub(length, size)))


def accessible(lo: Lowering, address: ir.Value, size: ir.Value, need: int) -> ir.Value:
    """Whether ``size`` (a run-time value) bytes at ``address`` lie in the stack frames in use or in a
    hot region whose access bits include ``need`` (``state.NEED_*``) — see the module docstring."""
    b = lo.b
    top = lo.load_field(Field.STACK_TOP)
    span = b.mul(lo.load_field(Field.DEPTH), lo.const(STACK_SIZE))
    found = _inside(lo, address, size, b.sub(top, span), span)
    for entry in range(HOT_ENTRIES):
        base = Field.HOT + 3 * entry
        start, length, access = (lo.load_field(base + k) for k in range(3))
        allowed = b.icmp_unsigned("==", b.and_(access, lo.const(need)), lo.const(need))
        found = b.or_(found, b.and_(allowed, _inside(lo, address, size, start, length)))
    fast = b.block
    scan, done = lo.new_block("in_table"), lo.new_block("accessible")
    b.cbranch(found, done, scan).set_weights([1000, 1])
    lo.continue_in(scan, dominated=True)
    in_table = b.call(_in_table_function(lo), [lo.state, address, size, lo.const(need)])
    scanned = b.block
    b.branch(done)
    lo.continue_in(done, dominated=True)
    answer = b.phi(I1, name="accessible")
    answer.add_incoming(ir.Constant(I1, 1), fast)
    answer.add_incoming(in_table, scanned)
    return answer


def _in_table_function(lo: Lowering) -> ir.Function:
    """The module's ``bpf_in_table``: whether one table entry holds the bytes with the access bits."""
    existing = lo.module.globals.get(IN_TABLE)
    if isinstance(existing, ir.Function):
        return existing
    function = ir.Function(lo.module, IN_TABLE_TYPE, name=IN_TABLE)
    function.linkage = "internal"
    for attribute in ("noinline", "cold", "optsize"):
        function.attributes.add(attribute)
    state, address, size, need = function.args
    b = ir.IRBuilder(function.append_basic_block("entry"))
    end = b.add(address, size)
    no_wrap = b.icmp_unsigned(">=", end, address)
    entry = b.block
    loop, step = function.append_basic_block("scan"), function.append_basic_block("next")
    found, miss = function.append_basic_block("found"), function.append_basic_block("miss")
    b.branch(loop)
    b.position_at_end(loop)
    index = b.phi(I64, name="entry")
    index.add_incoming(ir.Constant(I64, 0), entry)
    base = b.add(ir.Constant(I64, Field.TABLE), b.mul(index, ir.Constant(I64, 3)))
    start, stop, access = (
        b.load(b.gep(state, [b.add(base, ir.Constant(I64, k))], inbounds=True)) for k in range(3)
    )
    fits = b.and_(
        b.and_(b.icmp_unsigned(">=", address, start), b.icmp_unsigned("<=", end, stop)),
        b.and_(no_wrap, b.icmp_unsigned("==", b.and_(access, need), need)),
    )
    b.cbranch(fits, found, step)
    b.position_at_end(step)
    following = b.add(index, ir.Constant(I64, 1))
    index.add_incoming(following, step)
    b.cbranch(b.icmp_unsigned("<", following, ir.Constant(I64, TABLE_ENTRIES)), loop, miss)
    b.position_at_end(found)
    b.ret(ir.Constant(I1, 1))
    b.position_at_end(miss)
    b.ret(ir.Constant(I1, 0))
    return function


def move_bytes(lo: Lowering, destination: ir.Value, source: ir.Value, size: ir.Value) -> None:
    """``memmove(destination, source, size)`` (addresses as i64; the areas may overlap)."""
    b = lo.b
    pointer = I8.as_pointer()
    move = lo.module.declare_intrinsic("llvm.memmove", [pointer, pointer, I64])
    b.call(move, [b.inttoptr(destination, pointer), b.inttoptr(source, pointer), size, ir.Constant(I1, 0)])


def fill_bytes(lo: Lowering, destination: ir.Value, byte: int, size: ir.Value) -> None:
    """``memset(destination, byte, size)`` (the address as i64)."""
    b = lo.b
    pointer = I8.as_pointer()
    fill = lo.module.declare_intrinsic("llvm.memset", [pointer, I64])
    b.call(fill, [b.inttoptr(destination, pointer), ir.Constant(I8, byte), size, ir.Constant(I1, 0)])


__all__ = ["accessible", "fill_bytes", "move_bytes"]
