"""The native run state shared by the JIT's compiled code and its Python runtime.

Mirrors what the kernel's JIT keeps outside the program's registers for one invocation: the tail-call
counter and frame pointer of ``arch/x86/net/bpf_jit_comp.c`` become, here, one C struct the compiled
code and ``pybpf.jit.runtime`` both read and write: the instruction budget left, how the run ended
(a fault kind and the instruction that faulted), the call depth and the stack's bounds, the one
trampoline back into Python, and the region table the memory checks consult (``[lo, hi)`` and the
``READ``/``WRITE`` bits of each context, packet and map-value region, refreshed from ``Memory`` when
its regions change), and after the table what native helpers read: whether the run may reach the
maps native lookups name, the run's CPU, the epoch of handed-out values and the random state; the
two regions the memory checks last found in the table (the hot entries); and where the run's packet
is, for the native packet helpers (the XDP buffer or the socket buffer's data, and whether a native
helper moved the packet since Python last looked); and the program's arena window (``pybpf.jit.arena``).

Every field is a 64-bit integer, so the lowering addresses them by index (``Field``) and
``NativeState`` is the same struct as ctypes sees it.
"""

from __future__ import annotations

import ctypes
import enum


class Field(enum.IntEnum):
    """The index of each 64-bit field of the state."""

    REMAINING = 0  # budget units left (synced around calls into Python)
    STATUS = 1  # 0 while running; a ``Status`` once the run ended otherwise than by exit
    FAULT_PC = 2  # the slot of the faulting instruction
    ARG = 3  # an operand for the trampoline (the callx value, the misaligned atomic's kind)
    DEPTH = 4  # frames in use, the main program's included (shared by nested invocations)
    STACK_TOP = 5  # the top of the stack (the main program's r10)
    TRAMPOLINE = 6  # address of the trampoline into Python
    CODE_BASE = 7  # what lddw BPF_PSEUDO_FUNC adds 8 * slot to
    MAY_GOTO = 8  # the per-invocation may_goto budget
    ARGS = 9  # the trampoline's five operands (helper arguments r1..r5), ARGS .. ARGS + 4
    TABLE = 14  # first of the region table's TABLE_ENTRIES * 3 fields
    # after the table: what native helpers read (``pybpf.jit.native_helpers``, ``native_maps``)
    MAPS_ARMED = 110  # 1 while the run may reach the maps the program's native lookups name
    CPU = 111  # the run's CPU (``RunEnv.cpu``): the slot of a per-CPU map a lookup gives
    EPOCH = 112  # the stamp of values handed out since the run's MapAccess began
    STAMPS = 113  # address of the per-map pointers to the stamp arrays (one u32 per value)
    PRANDOM = 114  # the state of bpf_get_prandom_u32's generator
    HOT = 115  # first of the HOT_ENTRIES * 3 fields of the regions the checks last found in the table
    # after the hot entries: the run's packet, for the native packet helpers (``native_packet``)
    PACKET_MOVED = 121  # 1 once a native helper moved the XDP packet and Memory's region does not follow yet
    XDP_BUFF = 122  # address of the run's struct xdp_buff (0: the run's packet is not an XDP buffer)
    SKB_DATA = 123  # address of skb->data (0: the run's packet is not a socket buffer)
    SKB_END = 124  # skb->data + skb->len
    SKB_MAC = 125  # address of the MAC header
    SKB_NETWORK = 126  # address of the network header
    SKB_HASH = 127  # address of skb->hash (a u32)
    # the program's arena (``pybpf.jit.arena``): its window, as ``pybpf.vm.arena.ArenaWindow`` models it
    ARENA_PAGES = 128  # address of the arena's first page in this process (0: no arena)
    ARENA_START = 129  # the low 32 bits of the arena's user address (what a pointer's page 0 is at)
    ARENA_SIZE = 130  # bytes of the arena's pages (0: no arena, every access asks Python)
    ARENA_BITMAP = 131  # address of the bitmap of the arena's pages that have memory
    ARENA_UPPER = 132  # the upper half of the arena's user address (the cast to address space 1)


TABLE_ENTRIES = 32
"""Regions the native table holds (a miss asks Python, which replaces one entry)."""
HOT_ENTRIES = 2
"""Regions the compiled code checks inline before the table: the two it last found there (in a
packet program, the context and the packet), each as (start, length, access bits); an entry with
no access bits is empty.  Emptied whenever the table is refreshed, so never staler than the table."""
STATE_FIELDS = Field.ARENA_UPPER + 1


class Status(enum.IntEnum):
    """How a run ended when it did not exit (``Field.STATUS``)."""

    RUNNING = 0
    PENDING = 1  # Python raised: the exception waits in the runtime (a fault, a tail call)
    BUDGET = 3  # the instruction budget ran out at FAULT_PC
    FELL_OFF = 4  # control left the end of the program
    CALL_DEPTH = 5  # a call at FAULT_PC would exceed MAX_CALL_FRAMES
    NO_HELPER = 6  # a call of a helper no implementation is registered for
    UNRESOLVED = 7  # an lddw of a map or BTF id the loader did not resolve


class Op(enum.IntEnum):
    """What the trampoline is asked for besides helper calls (helper ids are >= 0)."""

    FILL = -1  # (address, size, need): a region for an access the table missed, or a fault
    PACKET = -2  # (offset, size): LD_ABS/LD_IND through the program type's packet reader
    CALLX = -3  # (r1..r5) with ARG = the value: callx of a helper id
    ATOMIC = -4  # (address, operand, desired) with ARG = the atomic's index: a misaligned atomic
    VALUE = -5  # (map index, address, stamp slot): a map value a native lookup hands out first
    RECOVER = -6  # (map index): repair a native map whose mutex's holder died, and unlock it
    KFUNC = -7  # (r1..r5) with ARG = the BTF id: a kernel function (``pybpf.kfuncs``)
    ARENA = -8  # (address, size): where an arena access the page bitmap did not clear lands, or 0


assert Field.MAPS_ARMED == Field.TABLE + 3 * TABLE_ENTRIES
assert Field.PACKET_MOVED == Field.HOT + 3 * HOT_ENTRIES

NEED_READ = 1
NEED_WRITE = 2
NEED_READ_WRITE = 3

ATOMIC_FUNCTIONS: tuple[str, ...] = tuple(
    [f"{op}{size}" for size in (4, 8) for op in ("add", "or", "and", "xor", "xchg", "cmpxchg")]
    + [f"{op}{size}" for size in (1, 2, 4, 8) for op in ("load_acq", "store_rel")]
)
"""The ``pybpf.vm.atomics.Atomics.functions`` a misaligned atomic calls, by index (``Field.ARG``)."""


class NativeState(ctypes.Structure):
    """The state as ctypes sees it (``fields`` indexed by ``Field``)."""

    _fields_ = [("fields", ctypes.c_uint64 * STATE_FIELDS)]


TRAMPOLINE_TYPE = ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64)
"""``u64 trampoline(state *, i64 op, i64 pc)``: ``op`` is a helper id or an ``Op``, its operands are in
the state's ``ARGS`` fields (three arguments convert faster than eight)."""
ENTRY_TYPE = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)
"""``i64 entry(state *, u64 regs[11], i64 start_slot)``: 0 after exit, 1 when STATUS says why not."""

__all__ = [
    "ATOMIC_FUNCTIONS",
    "ENTRY_TYPE",
    "HOT_ENTRIES",
    "NEED_READ",
    "NEED_READ_WRITE",
    "NEED_WRITE",
    "STATE_FIELDS",
    "TABLE_ENTRIES",
    "TRAMPOLINE_TYPE",
    "Field",
    "NativeState",
    "Op",
    "Status",
]
