"""Hot helpers as native code: which helper calls of a program the JIT lowers itself, and how.

Mirrors the kernel's JIT-time fixups of helper calls (kernel/bpf/verifier.c ``do_misc_fixups``:
``map_gen_lookup`` inlining of map lookups when the map is known at the call, and the direct calls
the x86 JIT emits for ``bpf_ktime_get_ns`` & co.), which turn the calls the kernel can do best
itself into straight-line code.  Every other helper goes through the one trampoline into Python
(``pybpf.jit.kinds.lower_call``, which ``NativeCalls.lowerers`` falls back to).

A call is native only when the program's registry still holds pybpf's own implementation for its
id (a registry may replace any helper), and:

* ``bpf_map_lookup_elem`` (1) when the map is known at compile time and is an ARRAY or
  PERCPU_ARRAY (``pybpf.jit.native_maps``), a preallocated HASH or PERCPU_HASH
  (``pybpf.jit.native_hash``) or an LRU_HASH or LRU_PERCPU_HASH (``pybpf.jit.native_lru``).
  The map is found as the kernel's fixups find it without the verifier's per-instruction facts:
  r1 is loaded by an ``lddw`` of a map (BPF_PSEUDO_MAP_FD / BPF_PSEUDO_MAP_IDX, resolved by the
  loader to ``MapObject.pointer``) in the same basic block before the call, and no instruction in
  between may write r1 (only stores and register writes to other registers may sit there).  A
  lookup whose r1 comes from elsewhere stays on the trampoline.  A program that calls
  ``bpf_spin_lock`` or uses ``callx`` gets no native lookup at all (the Python helper refuses
  lookups while a lock is held).  ``bpf_map_lookup_percpu_elem`` (195) likewise on a PERCPU_ARRAY,
  PERCPU_HASH or LRU_PERCPU_HASH;
  ``bpf_map_update_elem`` (2) and ``bpf_map_delete_elem`` (3) likewise on a preallocated HASH
  (``pybpf.jit.native_hash_write``, under the map's own mutex), and on an LRU hash of the common LRU
  where the policy takes the running CPU's local free node (``pybpf.jit.native_lru``; the rest of
  the policy is ``pybpf.maps.lru``'s, through the Python helpers).  A verified program
  (``verified``: it came with the verifier's facts) gets values handed out with no Python at all, a
  raw one gets each value registered as the interpreter does (``pybpf.jit.native_maps``);
* ``bpf_ringbuf_output`` (130) and ``bpf_ringbuf_query`` (134) when their r1 is a ring buffer map
  known the same way, with the same exclusions (``pybpf.jit.native_ringbuf``); in a verified program
  ``bpf_ringbuf_reserve`` (131) likewise, and then every ``bpf_ringbuf_submit`` (132) and
  ``bpf_ringbuf_discard`` (133) of the program (their r1 is a record: the rings that reserve natively
  are searched for it); ``bpf_ringbuf_reserve_dynptr`` (198) and every ``bpf_ringbuf_submit_dynptr``
  (199) and ``bpf_ringbuf_discard_dynptr`` (200) likewise (``pybpf.jit.native_dynptr``);
* in a verified program, ``bpf_dynptr_from_mem`` (197), and ``bpf_dynptr_read`` (201),
  ``bpf_dynptr_write`` (202) and ``bpf_dynptr_data`` (203) on local and ring buffer dynptrs
  (``pybpf.jit.native_dynptr``);
* ``bpf_csum_diff`` (28), its buffers read natively where they lie in the stack or the region
  table, else by the Python helper (``pybpf.jit.native_csum``);
* the packet and checksum helpers: ``bpf_skb_load_bytes`` (26), ``bpf_skb_load_bytes_relative``
  (68), ``bpf_skb_store_bytes`` (9), ``bpf_l3_csum_replace`` (10), ``bpf_l4_csum_replace`` (11),
  ``bpf_xdp_load_bytes`` (189), ``bpf_xdp_store_bytes`` (190), ``bpf_xdp_adjust_head`` (44),
  ``bpf_xdp_adjust_meta`` (54), ``bpf_xdp_adjust_tail`` (65) on the run's packet, which each run's
  session points the state at (``pybpf.jit.native_packet``: ``NativeCalls.packet_session``);
* ``bpf_loop`` (181), its callback re-entered natively, in programs that do not tail-call
  (``pybpf.jit.native_loop``);
* ``bpf_ktime_get_ns`` (5), ``bpf_ktime_get_boot_ns`` (125), ``bpf_ktime_get_coarse_ns`` (160),
  ``bpf_ktime_get_tai_ns`` (208): ``clock_gettime`` through the C library's function pointer, the
  clock the Python helper reads;
* ``bpf_get_smp_processor_id`` (8): ``sched_getcpu()`` (0 when it fails), as the Python helper;
  ``bpf_get_numa_node_id`` (42): 0; ``bpf_get_current_pid_tgid`` (14) and
  ``bpf_get_current_uid_gid`` (15): ``getpid() << 32 | gettid()``, ``getgid() << 32 | getuid()``;
* ``bpf_get_prandom_u32`` (7): a splitmix64 generator whose state is the run state's
  ``Field.PRANDOM``, seeded per session from the ``HelperContext``'s random source (the kernel's
  is a per-CPU generator too; only the distribution is specified).

Kernel functions likewise: in a verified program, a kfunc call (``Kind.CALL_KFUNC``) whose BTF id names
a kfunc of ``pybpf.jit.native_iter.NATIVE_KFUNCS`` (found by name, as the trampoline finds the
implementation: ``pybpf.kfuncs.kernel_btf``) is lowered by it -- bpf_iter_num_new/next/destroy; the
others go through the trampoline (``pybpf.jit.kinds.lower_call_kfunc``).

These helpers charge nothing to the budget (nor do their Python forms), so the budget is the
interpreter's.  A program whose helper calls are all native may run its repeats in the native
repeat loop (``pybpf.jit.repeat``).  The object code names the maps' storage and mutexes and the C
library's functions by relocations (``pybpf.jit.lower.ADDRESS_SYMBOL``: ``map<index>``,
``map<index>_lock``, ``libc_<name>``), bound to this process's addresses when the code is linked
(``NativeCalls.addresses``): the object is cached on disk like any other, under ``NativeCalls.layout``
(the calls and the maps' shapes); the linked code of a process is kept under ``NativeCalls.key``
(the maps' identities and addresses too).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from llvmlite import ir

from pybpf.helpers import basic, csum, dynptr
from pybpf.helpers import maps as map_helpers
from pybpf.helpers.registry import Helper
from pybpf.isa import opcodes
from pybpf.isa.opcodes import Kind, OpSpec
from pybpf.isa.program import ProgramView
from pybpf.jit.libc import libc_addresses
from pybpf.jit.lower import I32, I64, Lowerer, Lowering, Site
from pybpf.jit.native_csum import lower_csum_diff
from pybpf.jit.native_dynptr import (
    lower_dynptr_data,
    lower_dynptr_from_mem,
    lower_dynptr_read,
    lower_dynptr_write,
    lower_ringbuf_commit_dynptr,
    lower_ringbuf_reserve_dynptr,
)
from pybpf.jit.native_hash import NativeHash, lower_hash_lookup, native_hash
from pybpf.jit.native_hash_write import lower_hash_delete, lower_hash_update, writable
from pybpf.jit.native_iter import NATIVE_KFUNCS
from pybpf.jit.native_loop import lower_loop
from pybpf.jit.native_lru import (
    NativeLru,
    lower_lru_delete,
    lower_lru_lookup,
    lower_lru_update,
    native_lru,
    writable_lru,
)
from pybpf.jit.native_maps import (
    NativeArray,
    NativeMap,
    NativeMapSession,
    lower_array_lookup,
    map_addresses,
    native_array,
)
from pybpf.jit.native_packet import PACKET_CALLS, PACKET_LOWERERS, NativePacket
from pybpf.jit.native_ringbuf import (
    PID_CELL_ROLE,
    NativeRing,
    lower_ringbuf_commit,
    lower_ringbuf_output,
    lower_ringbuf_query,
    lower_ringbuf_reserve,
    native_ring,
)
from pybpf.jit.state import Field, NativeState
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.maps.object import MapObject, map_object_at
from pybpf.maps.ringbuf import pid_cell_address
from pybpf.memory.regions import Memory

SPIN_LOCK_HELPER = 93
TAIL_CALL_HELPER = 12
MAP_LDDW_SOURCES = frozenset({opcodes.BPF_PSEUDO_MAP_FD, opcodes.BPF_PSEUDO_MAP_IDX})
WRITES_DST_ONLY = frozenset({Kind.ALU, Kind.NEG, Kind.MOVSX, Kind.END, Kind.LDDW, Kind.LDX, Kind.LDXSX})
"""Kinds that write only their dst register (and nothing else that matters between lddw and call)."""
STORES = frozenset({Kind.ST, Kind.STX})

CLOCKS: dict[Helper, int] = {
    basic.ktime_get_ns: time.CLOCK_MONOTONIC,
    basic.ktime_get_boot_ns: getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC),
    basic.ktime_get_coarse_ns: getattr(time, "CLOCK_MONOTONIC_COARSE", 6),
    basic.ktime_get_tai_ns: getattr(time, "CLOCK_TAI", time.CLOCK_REALTIME),
}
"""The clock each ktime helper reads (the Python helpers' clocks)."""

TIMESPEC = ir.LiteralStructType([I64, I64])
CLOCK_GETTIME_TYPE = ir.FunctionType(I32, [I32, TIMESPEC.as_pointer()])
NO_ARGUMENT_INT = ir.FunctionType(I32, [])
"""``int f(void)``: sched_getcpu, getpid, gettid, getuid, getgid (pid_t, uid_t and gid_t are 32 bits)."""
NS_PER_S = 1_000_000_000

NativeLowerer = Callable[[Lowering, Site, Sequence[ir.Value]], None]
"""Lowers one helper call natively, given the helper's arguments (r1..r5 at the call)."""


# -- the helpers -------------------------------------------------------------------------------------
def _clock_lowerer(clock: int) -> NativeLowerer:
    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        b = lo.b
        with b.goto_entry_block():
            timespec = b.alloca(TIMESPEC, name="timespec")
        function = b.inttoptr(lo.libc("clock_gettime"), CLOCK_GETTIME_TYPE.as_pointer())
        b.call(function, [lo.const(clock, 32), timespec])
        zero = lo.const(0, 32)
        seconds = b.load(b.gep(timespec, [zero, zero], inbounds=True))
        nanoseconds = b.load(b.gep(timespec, [zero, lo.const(1, 32)], inbounds=True))
        lo.set_reg(0, b.add(b.mul(seconds, lo.const(NS_PER_S)), nanoseconds))

    return lower


def _call_int(lo: Lowering, function: str) -> ir.Value:
    """``function()`` (an ``int f(void)`` of the C library), zero-extended to 64 bits."""
    b = lo.b
    return b.zext(b.call(b.inttoptr(lo.libc(function), NO_ARGUMENT_INT.as_pointer()), []), I64)


def lower_smp_processor_id(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    b = lo.b
    cpu = b.trunc(_call_int(lo, "sched_getcpu"), I32)
    known = b.icmp_signed(">=", cpu, lo.const(0, 32))
    lo.set_reg(0, b.zext(b.select(known, cpu, lo.const(0, 32)), I64))


def _pair_lowerer(high: str, low: str) -> NativeLowerer:
    """r0 = ``high() << 32 | low()`` (pid_tgid: tgid and thread id; uid_gid: gid and uid)."""

    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        b = lo.b
        upper = b.shl(_call_int(lo, high), lo.const(32))
        lo.set_reg(0, b.or_(upper, _call_int(lo, low)))

    return lower


def lower_numa_node_id(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    lo.set_reg(0, lo.const(0))


def lower_prandom_u32(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
    """splitmix64's step on ``Field.PRANDOM``; r0 = the upper 32 bits of its output."""
    b = lo.b
    state = b.add(lo.load_field(Field.PRANDOM), lo.const(0x9E37_79B9_7F4A_7C15))
    lo.store_field(Field.PRANDOM, state)
    z = b.mul(b.xor(state, b.lshr(state, lo.const(30))), lo.const(0xBF58_476D_1CE4_E5B9))
    z = b.mul(b.xor(z, b.lshr(z, lo.const(27))), lo.const(0x94D0_49BB_1331_11EB))
    z = b.xor(z, b.lshr(z, lo.const(31)))
    lo.set_reg(0, b.lshr(z, lo.const(32)))


def _lookup_lowerer(
    nmap: NativeArray | NativeHash | NativeLru, cpu_in_r3: bool, verified: bool
) -> NativeLowerer:
    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        if isinstance(nmap, NativeLru):
            lower_lru_lookup(lo, site, nmap, args, verified=verified, cpu_in_r3=cpu_in_r3)
        elif isinstance(nmap, NativeHash):
            lower_hash_lookup(lo, site, nmap, args, verified=verified, cpu_in_r3=cpu_in_r3)
        else:
            lower_array_lookup(lo, site, nmap, args, verified=verified, cpu_in_r3=cpu_in_r3)

    return lower


def _write_lowerer(table: NativeHash, lower_write: HashWrite) -> NativeLowerer:
    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        lower_write(lo, site, table, args)

    return lower


def _lru_write_lowerer(lru: NativeLru, lower_write: LruWrite) -> NativeLowerer:
    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        lower_write(lo, site, lru, args)

    return lower


LruWrite = Callable[[Lowering, Site, NativeLru, Sequence[ir.Value]], None]
LRU_WRITES: dict[Helper, LruWrite] = {
    map_helpers.map_update_elem: lower_lru_update,
    map_helpers.map_delete_elem: lower_lru_delete,
}
"""The map helpers that change an LRU hash natively (``pybpf.jit.native_lru``: the common case of the
policy; the rest goes to ``pybpf.maps.lru`` through the Python helpers)."""
HashWrite = Callable[[Lowering, Site, NativeHash, Sequence[ir.Value]], None]
WRITES: dict[Helper, HashWrite] = {
    map_helpers.map_update_elem: lower_hash_update,
    map_helpers.map_delete_elem: lower_hash_delete,
}
"""The map helpers that change a hash map natively (``pybpf.jit.native_hash_write``)."""
RingLowerer = Callable[[Lowering, Site, NativeRing, Sequence[ir.Value]], None]
RING_CALLS: dict[Helper, RingLowerer] = {
    map_helpers.ringbuf_output: lower_ringbuf_output,
    map_helpers.ringbuf_query: lower_ringbuf_query,
    map_helpers.ringbuf_reserve: lower_ringbuf_reserve,
    map_helpers.ringbuf_reserve_dynptr: lower_ringbuf_reserve_dynptr,
}
"""Ring buffer helpers lowered natively when their ring is known (``pybpf.jit.native_ringbuf``,
``pybpf.jit.native_dynptr``; the reservations in verified programs only)."""
RESERVES = frozenset({map_helpers.ringbuf_reserve, map_helpers.ringbuf_reserve_dynptr})


class CommitLowerer(Protocol):
    """Lowers a release of a reserved record (``lower_ringbuf_commit``, ``lower_ringbuf_commit_dynptr``)."""

    def __call__(
        self,
        lo: Lowering,
        site: Site,
        rings: Sequence[NativeRing],
        args: Sequence[ir.Value],
        *,
        discard: bool,
    ) -> None: ...


COMMITS: dict[Helper, tuple[bool, CommitLowerer]] = {
    map_helpers.ringbuf_submit: (False, lower_ringbuf_commit),
    map_helpers.ringbuf_discard: (True, lower_ringbuf_commit),
    map_helpers.ringbuf_submit_dynptr: (False, lower_ringbuf_commit_dynptr),
    map_helpers.ringbuf_discard_dynptr: (True, lower_ringbuf_commit_dynptr),
}
"""The helpers that release a reserved record (whether they discard it, and how they are lowered),
native in a verified program whose reservations are (``pybpf.jit.native_ringbuf``,
``pybpf.jit.native_dynptr``)."""
DYNPTR_CALLS: dict[Helper, NativeLowerer] = {
    dynptr.dynptr_from_mem: lower_dynptr_from_mem,
    dynptr.dynptr_read: lower_dynptr_read,
    dynptr.dynptr_write: lower_dynptr_write,
    dynptr.dynptr_data: lower_dynptr_data,
}
"""The dynptr helpers lowered natively in verified programs (``pybpf.jit.native_dynptr``)."""
MAP_CALLS = frozenset({map_helpers.map_lookup_elem, map_helpers.map_lookup_percpu_elem, *WRITES, *RING_CALLS})
"""The helpers native when their map is known (``plan_native_calls``)."""


def _ring_lowerer(ring: NativeRing, lower_call: RingLowerer) -> NativeLowerer:
    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        lower_call(lo, site, ring, args)

    return lower


def _commit_lowerer(rings: Sequence[NativeRing], discard: bool, lower_commit: CommitLowerer) -> NativeLowerer:
    def lower(lo: Lowering, site: Site, args: Sequence[ir.Value]) -> None:
        lower_commit(lo, site, rings, args, discard=discard)

    return lower


SIMPLE: dict[Helper, NativeLowerer] = {
    **{helper: _clock_lowerer(clock) for helper, clock in CLOCKS.items()},
    basic.get_smp_processor_id: lower_smp_processor_id,
    basic.get_prandom_u32: lower_prandom_u32,
    basic.get_numa_node_id: lower_numa_node_id,
    basic.get_current_pid_tgid: _pair_lowerer("getpid", "gettid"),
    basic.get_current_uid_gid: _pair_lowerer("getgid", "getuid"),
    csum.bpf_csum_diff: lower_csum_diff,
    **PACKET_CALLS,
}
"""Helpers lowered natively whatever their arguments, by pybpf's implementation."""


# -- the plan ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NativeCalls:
    """The helper calls of one program lowered natively: call slot -> (helper name, lowerer)."""

    calls: Mapping[int, tuple[str, NativeLowerer]]
    """Helper and kfunc calls (a kfunc by its BTF name: ``bpf_iter_num_next``)."""
    maps: tuple[NativeMap, ...]
    """The maps whose lookups are native, by their ``index``."""
    verified: bool = False
    """Whether the program went through the verifier (its lookups hand values out without
    registering them: ``pybpf.jit.native_maps``)."""

    @property
    def key(self) -> tuple[object, ...]:
        """What the linked code depends on besides the program, its resolved values and helper ids:
        ``layout`` and the maps' identities and addresses."""
        calls = tuple(sorted((slot, name) for slot, (name, _) in self.calls.items()))
        return (calls, tuple(nmap.key for nmap in self.maps), self.verified)

    @property
    def layout(self) -> tuple[object, ...]:
        """What the object code depends on (part of its object cache key): the calls lowered natively
        and the maps' shapes, none of this process's addresses (``addresses``)."""
        calls = tuple(sorted((slot, name) for slot, (name, _) in self.calls.items()))
        return (calls, tuple((nmap.index, nmap.layout) for nmap in self.maps), self.verified)

    def addresses(self) -> dict[str, int]:
        """Role -> this process's address of everything the object code names by relocation
        (``pybpf.jit.lower.ADDRESS_SYMBOL``): the C library's functions, the maps' storage and mutexes,
        the ring buffers' process cell."""
        if not self.calls:
            return {}
        return {**libc_addresses(), **map_addresses(self.maps), PID_CELL_ROLE: pid_cell_address()}

    def lowerers(self, table: Mapping[Kind, Lowerer]) -> dict[Kind, Lowerer]:
        """``table`` with helper and kfunc calls dispatched here first (the others to ``table``'s)."""
        calls = self.calls

        def first_native(fallback: Lowerer) -> Lowerer:
            def lower_native_call(lo: Lowering, site: Site) -> None:
                native = calls.get(site.slot)
                if native is None:
                    fallback(lo, site)
                else:
                    native[1](lo, site, lo.helper_args())

            return lower_native_call

        return {
            **table,
            Kind.CALL: first_native(table[Kind.CALL]),
            Kind.CALL_KFUNC: first_native(table[Kind.CALL_KFUNC]),
        }

    def session(self, state: NativeState, memory: Memory, seed: int) -> NativeMapSession | None:
        """Prepare a run session's state for the native helpers: the random state, and the map
        session (None when no lookup is native)."""
        state.fields[Field.PRANDOM] = seed & 0xFFFF_FFFF_FFFF_FFFF
        return NativeMapSession(self.maps, state, memory, verified=self.verified) if self.maps else None

    def packet_session(self, state: NativeState) -> NativePacket | None:
        """A run session's packet fields (``pybpf.jit.native_packet``); None when no packet helper is
        native."""
        if any(lowerer in PACKET_LOWERERS for _, lowerer in self.calls.values()):
            return NativePacket(state)
        return None


NO_NATIVE_CALLS = NativeCalls({}, ())


def _map_in_r1(
    view: ProgramView, specs: Sequence[OpSpec], index: int, resolved: Mapping[int, int]
) -> int | None:
    """The resolved map pointer r1 holds at the call at instruction ``index``, when an lddw of a map
    in the same basic block loads it (see the module docstring); else None."""
    starts, leaders = view.starts, view.leaders
    while index > 0:
        if starts[index] in leaders:
            return None
        index -= 1
        insn, kind = view.insns[index], specs[index].kind
        if kind in WRITES_DST_ONLY and insn.dst == 1:
            if kind is Kind.LDDW and insn.src in MAP_LDDW_SOURCES:
                return resolved.get(starts[index])
            return None
        if kind not in WRITES_DST_ONLY and kind not in STORES:
            return None
    return None


def plan_native_calls(
    view: ProgramView,
    specs: Sequence[OpSpec],
    *,
    resolved: Mapping[int, int],
    helpers: Mapping[int, Helper],
    known_maps: Mapping[int, int] | None = None,
    verified: bool = False,
) -> NativeCalls:
    """Which helper calls of the program to lower natively.  ``known_maps``: call slot -> map pointer
    where something else (the verifier's facts) already knows the map a call is given.  ``verified``:
    the program went through the verifier (``pybpf.jit.native_maps``: how values are handed out)."""
    calls: dict[int, tuple[str, NativeLowerer]] = {}
    maps: dict[int, NativeArray | NativeHash | NativeLru | NativeRing] = {}
    insns = view.insns
    lookups_allowed = not any(
        spec.kind is Kind.CALLX or (spec.kind is Kind.CALL and insn.imm == SPIN_LOCK_HELPER)
        for insn, spec in zip(insns, specs, strict=True)
    )
    tail_calls = any(
        spec.kind is Kind.CALL and insn.imm == TAIL_CALL_HELPER
        for insn, spec in zip(insns, specs, strict=True)
    )
    commits: dict[int, tuple[str, tuple[bool, CommitLowerer]]] = {}
    for index, (insn, spec) in enumerate(zip(insns, specs, strict=True)):
        if spec.kind is Kind.CALL_KFUNC and verified:
            kfunc = kernel_btf().kfunc(insn.imm & 0xFFFF_FFFF)
            native_kfunc = NATIVE_KFUNCS.get(kfunc.name) if kfunc is not None else None
            if kfunc is not None and native_kfunc is not None:
                calls[view.starts[index]] = (kfunc.name, native_kfunc)
            continue
        if spec.kind is not Kind.CALL:
            continue
        slot = view.starts[index]
        function = helpers.get(insn.imm)
        if function is None:
            continue
        simple = SIMPLE.get(function)
        if simple is not None:
            calls[slot] = (function.__name__, simple)
            continue
        if function is basic.loop:
            if not tail_calls:
                calls[slot] = (function.__name__, lower_loop)
            continue
        if function in DYNPTR_CALLS:
            if verified:
                calls[slot] = (function.__name__, DYNPTR_CALLS[function])
            continue
        if function in COMMITS and verified and lookups_allowed:
            commits[slot] = (function.__name__, COMMITS[function])
            continue
        if function in RESERVES and not verified:
            continue
        if not lookups_allowed or function not in MAP_CALLS:
            continue
        pointer = (known_maps or {}).get(slot) or _map_in_r1(view, specs, index, resolved)
        obj = map_object_at(pointer) if pointer is not None else None
        if not isinstance(obj, MapObject) or obj.pointer != pointer:
            continue
        ring_call = RING_CALLS.get(function)
        if ring_call is not None:
            ring = maps.get(pointer) or native_ring(obj, len(maps))
            if isinstance(ring, NativeRing):
                if function in RESERVES:
                    ring = replace(ring, reserves=True)
                maps[pointer] = ring
                calls[slot] = (function.__name__, _ring_lowerer(ring, ring_call))
            continue
        nmap = (
            maps.get(pointer)
            or native_array(obj, len(maps))
            or native_hash(obj, len(maps))
            or native_lru(obj, len(maps))
        )
        if not isinstance(nmap, (NativeArray, NativeHash, NativeLru)):
            continue
        if function in WRITES:
            if isinstance(nmap, NativeLru):
                if not writable_lru(nmap):
                    continue
                lowerer = _lru_write_lowerer(nmap, LRU_WRITES[function])
            elif not isinstance(nmap, NativeHash) or not writable(nmap):
                continue
            else:
                lowerer = _write_lowerer(nmap, WRITES[function])
        else:
            percpu_lookup = function is map_helpers.map_lookup_percpu_elem
            if percpu_lookup and not nmap.percpu:
                continue
            lowerer = _lookup_lowerer(nmap, percpu_lookup, verified)
        maps[pointer] = nmap
        calls[slot] = (function.__name__, lowerer)
    reserving = tuple(ring for ring in maps.values() if isinstance(ring, NativeRing) and ring.reserves)
    if reserving:
        for slot, (name, (discard, lower_commit)) in commits.items():
            calls[slot] = (name, _commit_lowerer(reserving, discard, lower_commit))
    if not calls:
        return NO_NATIVE_CALLS
    return NativeCalls(calls, tuple(maps.values()), verified)


__all__ = ["CLOCKS", "NO_NATIVE_CALLS", "NativeCalls", "plan_native_calls"]
