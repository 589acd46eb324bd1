"""Random XDP programs by shape: the value-tracking cases the seeded corpus generator does not build.

``shaped_program(shape, seed)`` builds a program of one shape out of ``SHAPES``; scripts/fuzz_verifier.py
loads thousands of them into pybpf and the running kernel and tables where the two verifiers
disagree, and the disagreements found (once fixed) are kept, minimised, as corpus entries.  The
shapes are the parts of the kernel's verifier (kernel/bpf/verifier.c) that the hand-written themes
only sample:

* ``ptr_var_off``: a bounded unknown added to (or subtracted from) a map value, stack or packet
  pointer, then an access (adjust_ptr_min_max_vals, check_mem_access's variable-offset paths);
* ``alu32``: 32-bit ALU operations and JMP32 comparisons on a 64-bit unknown, then the 64-bit
  register used (zero-extension, reg_bounds_sync, reg_set_min_max on subregisters);
* ``mixed_bounds``: signed and unsigned comparisons on the same register, constants either side of
  the sign boundaries (the deductions between smin/smax and umin/umax);
* ``sign_extend``: BPF_MEMSX loads from a map value, the stack or the packet and BPF_MOVSX moves
  (coerce_reg_to_size_sx, coerce_subreg_to_size_sx);
* ``bswap``: BPF_END conversions of constants and bounded unknowns;
* ``sdiv``: signed division and modulo (cpu v4), immediates and registers, 32- and 64-bit;
* ``partial_spill``: 1/2/4/8-byte spills of constants, bounded scalars and pointers, filled at other
  sizes and offsets (check_stack_write_fixed_off, check_stack_read_fixed_off);
* ``linked_ids``: copies of an unknown (also with a constant added) bounded through the other copy
  (sync_linked_regs, BPF_ADD_CONST);
* ``subprog_stack``: bpf-to-bpf calls taking a pointer into the caller's stack or a map value and a
  scalar, reading and writing through them (per-frame stack state, argument passing);
* ``bounded_loop``: counted loops, nested or over an unknown bound, accessing memory at the counter
  (is_state_visited's loop detection, widening, the processed-instruction budget);
* ``may_goto``: may_goto loops (BPF_JCOND) with accesses in their bodies;
* ``helper_mem``: helper calls with map keys and values from the stack, a map value or the packet,
  and memory + size pairs with constant, bounded or unknown sizes (check_helper_mem_access,
  check_mem_size_reg);
* ``null_copies``: map lookups whose result is copied, spilled or offset before or after the NULL
  check (mark_ptr_or_null_regs on every register sharing the id);
* ``atomics``: BPF_ATOMIC operations (add/and/or/xor with and without fetch, xchg, cmpxchg, 32 and
  64 bits) on the stack (written or not) and on map values at any offset, the fetched value used;
* ``ptr_kinds``: arithmetic on every pointer an XDP program holds (ctx, packet, data_end, data_meta,
  the map itself, a map value, the stack, ring-buffer memory): constants, bounded scalars, 32-bit
  and bitwise ALU, pointer minus pointer, then an access, a spill and fill, or a comparison
  (adjust_ptr_min_max_vals's refusals, check_mem_access per pointer type);
* ``jmp32_bounds``: JMP32 comparisons (immediates and registers) of 64-bit values whose upper half
  is unknown, then the 64-bit value used (reg_set_min_max on subregisters, the 32-to-64 deductions);
* ``callbacks``: bpf_loop and bpf_for_each_map_elem with a callback that reads and writes state in
  the caller's stack or a map value, returning constants or a register (callback verification,
  its convergence, the return range check);
* ``iter_num``: open-coded bpf_iter_num loops over constant or unknown ranges whose bodies write
  the caller's stack (iterator states, is_state_visited for iterators, leaked iterators);
* ``subprog_precision``: one to three calls of a subprogram with constants, bounded scalars or stack
  pointers, the result (or what it wrote into the caller's frame) used as an offset (precision
  backtracking across frames, callee state pruning);
* ``var_size``: helpers taking memory and a size (ARG_CONST_SIZE_OR_ZERO and ARG_CONST_SIZE:
  probe_read_kernel, ringbuf_output, csum_diff, xdp_load_bytes) with constant, masked, compared
  or unknown sizes over a stack buffer written fully, partly or not at all, or a map value; the
  buffer read afterwards (check_mem_size_reg, check_stack_range_initialized, raw-mode marks);
* ``ctx_access``: loads, stores and moved-pointer accesses of the context's fields at their own
  and other sizes and offsets, for XDP and six __sk_buff program types (each type's
  is_valid_access, narrow loads, the packet pointers read from it);
* ``prune_merge``: diamonds whose two sides leave constants, bounded scalars or stack slots of
  different kinds, joined and then relied on (states_equal, regsafe/stacksafe, precision);
* ``pkt_ranges``: one to three data_end checks of packet pointers at constant and variable offsets,
  compared in every direction with data_end on either side (sometimes on 32 bits, or with another
  packet pointer or a scalar), then accesses from data, through the checked pointer (below it or
  moved on) or from data_meta (find_good_pkt_pointers, try_match_pkt_pointers, check_packet_access);
* ``ringbuf_records``: bpf_ringbuf_reserve of constant or unknown sizes, the record kept in a
  register and/or spilled, accessed in and past its size, submitted or discarded on one or both
  sides of a branch, through a filled copy or a moved pointer, used or released again afterwards
  (reference tracking of PTR_TO_MEM | MEM_RINGBUF, release_reference);
* ``spin_lock``: bpf_spin_lock regions on map values with a lock field (the right or a wrong
  offset, a second lookup's lock), loads and stores of the fields and of the lock itself, helper
  calls, nested locks, unlocks on one side of a branch only (process_spin_lock, the active lock);
* ``stack_var_off``: variable-offset reads and writes of the stack over slots holding nothing,
  zeros, scalars or pointers, after aligned (or not) narrow spills of bounded values, the value
  read relied on (check_stack_read_var_off, check_stack_write_var_off, precision of stack reads);
* ``ld_abs``: BPF_LD_ABS / BPF_LD_IND of 1, 2 and 4 bytes at constant offsets and through constant,
  bounded, unknown or pointer index registers, for socket filters, tc and XDP (check_ld_abs, the
  clobbered r1-r5, r0 an unknown);
* ``ptr_compare``: a map value pointer compared (64 or 32 bits, every operator) with packet,
  data_end, stack, ctx and map pointers, constants and unknowns, then subtracted from them
  (is_branch_taken on pointers, "pointer comparison prohibited", pointer minus pointer);
* ``dynptrs``: ring-buffer and local (bpf_dynptr_from_mem) dynptrs at aligned or misaligned stack
  slots, bpf_dynptr_read/write, slices of bpf_dynptr_data accessed in and past their length, the
  dynptr's own slots overwritten or read, size/is_null/clone kfuncs, released (or not) and used after
  release (process_dynptr_func, dynptr stack slots, reference tracking);
* ``tail_calls``: bpf_tail_call from the main program or a subprogram, mixed with bpf-to-bpf calls,
  stack depths up to and past the limits, a reference held across the call (check_max_stack_depth's
  tail-call rule, the reference-leak check of a tail call);
* ``nested_loops``: two nested loops, each a may_goto loop, an open-coded bpf_iter_num loop or a
  counted loop, the inner body writing the caller's stack at a counter (loop detection across
  iterator and may_goto states, widening);
* ``alu64_ranges``: two bounded unknowns (or constants) combined by 64- and 32-bit register-register
  ALU operations (mul, shifts by a register, signed and unsigned division and modulo, bitwise) and
  register-register comparisons, the result relied on (scalar_min_max_* per operation, the
  shift-amount checks, reg_set_min_max with two unknowns);
* ``kptrs``: the kptr fields of a map value (tests.verifier.kptr_harness: referenced, untrusted and
  program-local kptrs) loaded at their size or not, dereferenced with or without the NULL check,
  stored into, exchanged with bpf_kptr_xchg and the object released, put back or leaked, acquired
  from the rcu pointer, reached by variable offsets, helpers and atomics (check_map_kptr_access,
  the kptr_xchg reference, KF_ACQUIRE/KF_RELEASE);
* ``global_funcs``: global (sometimes static) subprograms with BTF prototypes taking the context,
  a scalar, an ``int *`` or a 16-byte struct pointer (nullable, ``__arg_nonnull``, or
  ``__arg_nullable``) and a size, handed the context, stack (written or not), map values, NULL,
  packet pointers or a lookup's unchecked result, reading or writing through them; the unknown
  result relied on (btf_check_subprog_call, the global function verified once on its own).
* ``pkt_invalidate``: a checked packet pointer kept in a register, a copy or a stack slot, or a
  slice of an xdp or skb dynptr, across a helper that changes the packet (bpf_xdp_adjust_head/
  _tail/_meta, bpf_skb_pull_data,
  bpf_skb_change_head/_tail/_proto, bpf_skb_store_bytes, bpf_skb_vlan_pop, bpf_skb_adjust_room,
  bpf_l3_csum_replace, the kfunc bpf_xdp_pull_data, a tail call) or one that does not
  (bpf_xdp_load_bytes/_store_bytes, bpf_skb_load_bytes), called here or from a static or global
  subprogram (or bpf_dynptr_write into the packet dynptr a slice was taken from); then the old
  pointer or slice used, or data and data_end read again and checked (or not),
  for XDP and tc (clear_all_pkt_pointers, a subprogram's changes_pkt_data);
* ``stack_ptr_chain``: a pointer into the caller's stack (written fully, partly or not at all)
  handed to a subprogram that moves it, spills and fills it, writes scalars or pointers (its own
  frame's: refused) through it, at fixed or variable offsets, or hands it (or its own stack holding
  it) down a second call; the caller relies on what came back (per-frame stack state across
  two levels, "cannot spill pointers to stack into stack frame of the caller");
* ``callback_stack``: bpf_loop and bpf_for_each_map_elem callbacks writing the caller's buffer at
  the index's variable offset, incrementing counters in it (bounded or not), spilling pointers into
  it, using their own stack, or handing it to a static subprogram; the caller relies on the buffer
  afterwards (callback state convergence, stack writes across frames);
* ``spill_precision``: a bounded scalar (or a constant) spilled at 8 or 4 bytes, through r10 or a
  copy of it, the register bounded after the spill (the slot linked to it by its id), the slot
  overwritten wholly or partly (or not) on some branches, maybe handed to a
  subprogram, filled at 8, 4 or 1 bytes and used as an offset (precision backtracking through
  stack slots, spilled-scalar pruning).
* ``atomic_stack``: BPF_ATOMIC operations (add/and/or/xor, fetching or not, xchg, cmpxchg,
  load-acquire and store-release at every width) on a stack slot holding a constant, a bounded
  spill, a spilled pointer (map value, ctx, packet, stack), a narrow write or nothing, through r10
  or a copy of it, or on a map value; the fetched value or the slot read back relied on
  (check_atomic on the stack, the slot's type after the write, the fetched register's bounds).
* ``helper_ret``: the results of helpers whose return range the verifier knows or narrows
  (bpf_get_smp_processor_id, bpf_get_numa_node_id, bpf_probe_read_kernel_str/_user_str into a
  stack buffer, bpf_xdp_get_buff_len, bpf_csum_diff, bpf_ringbuf_query, bpf_loop,
  bpf_map_update_elem), the errors compared away (or not) and the value used as an offset
  (do_refine_retval_range, the helpers' return types).
* ``pkt_end_marks``: a packet pointer compared with data_end (either side first, every operator)
  on one, both or neither side of a diamond, or checked through a copy, then compared again after
  the join and accessed at and below it (the AT_PKT_END/BEYOND_PKT_END marks, their decided
  comparisons, and regsafe() of packet ranges at the join).
* ``map_value_imm``: BPF_PSEUDO_MAP_VALUE (``map_value(m, off)``) loads of single-element arrays --
  writable, read-only and frozen (reads are constants), write-only -- and of maps without direct
  value access, at offsets in and past the value, then reads and writes at constant and variable
  offsets, helpers' keys and values, spills, NULL comparisons (resolve_pseudo_ldimm64,
  map_direct_value_addr, the map's access flags, bpf_map_is_rdonly reads).
* ``signed_value_off``: a scalar with a signed range (sign-extended, arithmetic shifts, masked
  minus a constant, negated) windowed by signed and unsigned comparisons, added to or subtracted
  from a map value pointer, then an access (adjust_ptr_min_max_vals with negative smin,
  check_map_access's "min value is negative").
* ``jset_chains``: BPF_JSET chains (64 and 32 bits, immediates, registers, wide masks) on masked
  unknowns or constants, either outcome continuing, mixed with equalities the known bits decide
  (is_branch_taken and regs_refine_cond_op for JSET, the tnum they leave).
* ``subprog_ret_ptr``: static subprograms returning pointers -- the argument (stack, ctx, packet,
  map value) back or moved, a lookup's result checked or not, their own stack, a pointer on one
  path and 0 on the other, a register they never had -- the caller relying on r0 (prepare_func_exit,
  "cannot return stack pointer to the caller", the r0 id across frames).
* ``array_const_key``: lookups into arrays, per-CPU arrays, a one-element array and a hash whose
  key is a constant in range, past it, written narrow, partly overwritten, bounded or changed on a
  branch, the NULL check made or not (Linux 6.14's constant-key lookup that cannot fail:
  get_constant_map_key, can_elide_value_nullness).
* ``map_helpers``: map helpers on every kind of map -- push/pop/peek on queues, stacks and others,
  lookup/update/delete/lookup_percpu, ringbuf_output -- with the value buffer written fully,
  partly or not at all, then read back (check_map_func_compatibility, ARG_PTR_TO_UNINIT_MAP_VALUE,
  zero-sized keys and values of maps without them).
* ``reg_compare_ids``: register-register comparisons (64 and 32 bits, every operator) between an
  unknown and its copy, its copy plus a constant, a 32-bit copy, another unknown or a constant,
  then either register relied on (reg_set_min_max with two registers, linked ids, is_branch_taken
  of registers sharing an id).
* ``callee_fill``: a constant (different on two branches), a bounded spill or nothing in the
  caller's stack, handed to a subprogram (once or twice) that fills it at 8, 4 or 1 bytes and uses
  it as an offset into its own stack or the map value or stack handed along, or writes it back
  changed (precision backtracking from the callee into the caller's stack slot, callee pruning).
* ``const_str``: bpf_snprintf and bpf_strncmp with a string from a frozen read-only map at the
  offset of a format (valid or not for bpf_bprintf_prepare: ``%d``, ``%pI4``, ``%llx``, ``%q``,
  ``%n``, ...), inside one or past its terminator, from a writable map, the stack or a variable
  offset, with as many u64 arguments as conversions or not, a data length not a multiple of 8
  (check_reg_const_str, check_bpf_snprintf_call's format check, its silent EINVAL).
* ``spec_paths``: a bounded unknown or a constant added to (or subtracted from) a map value, stack or
  packet pointer on one side of a branch, or with an offset bounded differently on each side, then
  spilled and filled, walked by a counted loop or accessed (for a loader without CAP_PERFMON:
  sanitize_ptr_alu's limits, the speculative paths it pushes, Spectre v4's barriers after spills;
  for one without CAP_BPF, the back-edges).
* ``ptr_leaks``: a map value, stack, packet, context or map pointer stored into a map value or the
  context, compared with pointers, constants and unknowns, spilled and partly overwritten or filled
  narrow, copied on 32 bits or mangled, handed to map_update_elem as a value, returned, subtracted
  from another pointer, an atomic's operand; stack never written read (the !allow_ptr_leaks and
  !allow_uninit_stack rules: "leaks addr", "pointer comparison prohibited", "partial copy").

* ``alu_mix``: chains of three to eight steps over two bounded unknowns (or constants) mixing every
  64- and 32-bit ALU operation with immediates and registers (signed division and modulo
  included), sign-extending moves, byte swaps, negation, 64-bit constants and comparisons with
  each other or boundary constants, the result relied on (the transfer functions composed).
* ``map_in_map``: lookups in an array and a hash of maps (constant or unknown keys), the inner map
  pointer checked for NULL or not, read, moved, spilled and filled, handed to
  bpf_map_update_elem as a value, or used for a lookup, update or delete of the inner map whose
  value is then read or written at constant and variable offsets (CONST_PTR_TO_MAP | MAYBE_NULL,
  the inner map's value size, check_ptr_to_map_access).
* ``callback_ret``: bpf_loop (constant, huge or unknown counts) and bpf_for_each_map_elem callbacks
  returning masked, compared or shifted unknowns, 32-bit constants, 64-bit constants, pointers,
  nothing at all or a nested bpf_loop's result, the caller relying on r0 or on a counter the
  callback increments (the callback's return range [0, 1], the nested callback's verification).
* ``timers``: a ``struct bpf_timer`` in an array's or a hash's value (or a map without one):
  bpf_timer_init (the same map, another, clocks), _set_callback, _start and _cancel in order or
  not, on the timer's offset or another, the timer read or written directly or reached by a
  variable offset; callbacks reading the key and value, writing the key, re-arming their own
  timer, returning 0 or not (process_timer_func, the timer callback's return range).
* ``stack_mix``: two to six writes into three stack slots -- immediates, constants, bounded scalars,
  pointers (ctx, packet, stack, map value), at 1, 2, 4 and 8 bytes, aligned or not, through r10
  or a copy, atomic adds, a helper's writes -- then one read at any size and offset used as a
  pointer, a map key or an offset (the slot kinds' mixing: spills overwritten partly, STACK_ZERO
  and STACK_MISC bytes, the fills that keep or lose a spilled register).
* ``sock_refs``: bpf_sk_lookup_tcp/_udp and bpf_skc_lookup_tcp with IPv4, IPv6 and wrong tuple
  sizes (constant or not), netns and flags, the socket checked for NULL or not, its fields read
  (in and past struct bpf_sock, narrow) or written, spilled and filled, moved, compared, handed
  to bpf_sk_fullsock / bpf_tcp_sock / bpf_skc_to_tcp_sock, released once, twice, never, or on one
  path only, used after release (acquired references: release_reference, check_reference_leak,
  the sock types' field access).
A few snippets end in a ``trap``, an access that always fails, behind a condition: it is reached
only when the verifier cannot prove the branch dead, so a difference in the bounds shows in the
verdict.  Registers as in ``tests.verifier.corpus_generator``: r6 the context, r7 data, r8
data_end; snippets use r0-r5 and r9.  Subprograms and callbacks follow the main program (``tail``).
"""

from __future__ import annotations

from tests.verifier import kptr_harness
from tests.verifier.corpus_generator import _ALU, _JMP, SIZES, ProgramBuilder

MAPS = "hmap=hash(4,16,8) amap=array(4,16,4) rb=ringbuf(0,0,4096)"
_SIGNED = {1: "s8", 2: "s16", 4: "s32"}
_EDGES = (0, 1, 7, 8, 15, 16, 255, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, -1, -8, -16, -0x80000000)
"""Comparison constants near the boundaries of the value ranges (an s32 immediate each)."""
_CTX_TYPES = ("xdp", "socket_filter", "sched_cls", "sched_act", "cgroup_skb", "sk_skb", "lwt_in")
"""The program types ``ctx_access`` draws from: XDP's xdp_md and the __sk_buff of the others."""
_XDP_FIELDS = ((0, 4), (4, 4), (8, 4), (12, 4), (16, 4), (20, 4))
_SKB_FIELDS = (
    *((off, 4) for off in range(0, 76, 4)),  # len ... cb[] hash tc_classid
    (76, 4),  # data
    (80, 4),  # data_end
    *((off, 4) for off in range(84, 140, 4)),  # napi_id family ips ports
    (140, 4),  # data_meta
    (144, 8),  # flow_keys
    (152, 8),  # tstamp
    (160, 4),  # wire_len
    (164, 4),  # gso_segs
    (168, 8),  # sk
    (176, 4),  # gso_size
    (180, 1),  # tstamp_type
    (184, 8),  # hwtstamp
)
"""(offset, size) of the fields of xdp_md and __sk_buff (include/uapi/linux/bpf.h)."""
_WIDE_EDGES = ("0x80000000", "0xffffffff", "0x100000000", "0x7fffffffffffffff", "0x8000000000000000")
"""64-bit constants an immediate cannot hold (loaded with lddw into r4 first)."""
_FORMATS = (
    b"%d",
    b"%s %d",
    b"hello",
    b"%llx %u",
    b"%pI4",
    b"%5d%%",
    b"%q",
    b"%d %d %d %d",
    b"%pK",
    b"%-08x",
    b"%c",
    b"%lld%i",
    b"%n",
    b"%pS %px",
    b"%",
    b"%hhd",
)
"""``const_str``'s strings: conversions bpf_bprintf_prepare() takes and some it refuses."""
_FMT_DATA = b"".join(f + b"\0" for f in _FORMATS) + b"xyz"
"""The read-only map value holding them, NUL-terminated, then an unterminated tail."""
_FMT_OFFSETS = (*(_FMT_DATA.index(f + b"\0") for f in _FORMATS), len(_FMT_DATA) - 3)


class ShapeBuilder(ProgramBuilder):
    """The snippets of every shape; ``program(shape)`` strings one to three of a shape together."""

    # -- values -------------------------------------------------------------------------------
    def unknown(self, reg: str) -> None:
        """``reg`` = an unknown: 32 bits from the context, or a helper's 32- or 64-bit result."""
        kind = self.rng.randrange(5)
        if kind < 2:
            self.unknown_scalar(reg)
        elif kind == 2:
            self.emit("call bpf_get_prandom_u32", f"{reg} = r0")
        else:
            self.emit("call bpf_ktime_get_ns", f"{reg} = r0")

    def refine(self, reg: str, out: str) -> None:
        """Zero to three bounding steps on ``reg``: a mask, a shift, a comparison, an ALU op."""
        rng = self.rng
        for _ in range(rng.randrange(4)):
            step = rng.randrange(5)
            if step == 0:
                self.emit(f"{reg} &= {rng.choice((1, 3, 7, 15, 31, 63, 0xFF, 0xFFFF, -8, 0x7FFFFFFF))}")
            elif step == 1:
                self.emit(f"{reg} >>= {rng.choice((1, 8, 24, 32, 56, 60))}")
            elif step == 2:
                self.bound(reg, out)
            elif step == 3:
                self.compare_edge(reg, out)
            else:
                self.alu_chain(reg)

    def compare_edge(self, reg: str, out: str) -> None:
        """A comparison of ``reg`` (64 or 32 bits) with a boundary constant, jumping to ``out``."""
        rng = self.rng
        op = rng.choice(_JMP)
        if rng.random() < 0.3:
            self.emit(f"r4 = {rng.choice(_WIDE_EDGES)} ll", f"if {reg} {op} r4 goto {out}")
            return
        name = reg if rng.random() < 0.6 else "w" + reg[1:]
        self.emit(f"if {name} {op} {rng.choice(_EDGES)} goto {out}")

    def trap(self) -> None:
        """An access every verifier refuses: reached only where the branch is not proven dead."""
        self.emit(f"r0 = *(u64 *)(r10 +{8 * self.rng.randrange(1, 4)})")

    def guarded_trap(self, reg: str) -> None:
        """A comparison of ``reg`` that falls through to a trap: dead only if the bounds prove it."""
        rng = self.rng
        name = reg if rng.random() < 0.6 else "w" + reg[1:]
        self.emit(f"if {name} {rng.choice(_JMP)} {rng.choice(_EDGES)} goto +1")
        self.trap()

    def use(self, reg: str, out: str) -> None:
        """``reg`` relied on: an offset into a map value or the stack, or the guard of a trap."""
        rng = self.rng
        sink = rng.randrange(5)
        if sink <= 1:
            self.emit("*(u64 *)(r10 -56) = " + reg)
            self.lookup(rng.choice(("hmap", "amap")))
            self.emit(f"if r0 == 0 goto {out}", f"{reg} = *(u64 *)(r10 -56)", f"r0 += {reg}")
            size = rng.choice(list(SIZES))
            self.emit(f"r3 = *({SIZES[size]} *)(r0 +{rng.randrange(0, 9)})")
        elif sink <= 3:
            ptr = "r4" if reg == "r3" else "r3"  # not the register relied on
            self.emit(f"{ptr} = r10", f"{ptr} += -{rng.choice((16, 32, 64, 128))}", f"{ptr} += {reg}")
            self.emit(f"*(u8 *)({ptr} +{rng.randrange(0, 4)}) = 0")
        else:
            self.guarded_trap(reg)

    def value_pointer(self, out: str, reg: str = "r0") -> None:
        """``reg`` = a checked map value pointer (of a 16-byte value)."""
        self.lookup(self.rng.choice(("hmap", "amap")))
        self.emit(f"if r0 == 0 goto {out}")
        if reg != "r0":
            self.emit(f"{reg} = r0")

    # -- shapes ---------------------------------------------------------------------------------
    def shape_ptr_var_off(self) -> None:
        rng = self.rng
        out = self.label()
        base = rng.randrange(3)
        self.unknown("r9")
        self.refine("r9", out)
        if rng.random() < 0.6:
            self.emit(f"r9 &= {rng.choice((3, 7, 8, 15, 31, 63))}")
        size = rng.choice(list(SIZES))
        access = rng.randrange(-4, 20)
        if base == 0:
            self.emit("*(u64 *)(r10 -48) = r9")
            self.value_pointer(out, "r5")
            self.emit("r9 = *(u64 *)(r10 -48)")
            pointer = "r5"
        elif base == 1:
            if rng.random() < 0.6:
                for off in range(-64, 0, 8):
                    self.emit(f"*(u64 *)(r10 {off}) = 0")
            self.emit("r5 = r10", f"r5 += {rng.choice((-64, -48, -32, -16))}")
            pointer = "r5"
        else:
            self.emit("r5 = r7")
            pointer = "r5"
        form = rng.randrange(4)
        if form == 0:
            self.emit(f"{pointer} += r9")
        elif form == 1:
            self.emit(f"r9 += {pointer}", f"{pointer} = r9")
        elif form == 2:
            self.emit(f"{pointer} -= r9", f"{pointer} += {rng.choice((8, 16, 32, 63))}")
        else:
            self.emit(f"{pointer} += r9", f"{pointer} += {rng.randrange(-8, 12)}")
        if base == 2:
            self.emit("r2 = r5", f"r2 += {rng.choice((size, size + access, 8, 16))}")
            self.emit(f"if r2 {rng.choice(('>', '>='))} r8 goto {out}")
            access = max(access, 0)
        if rng.random() < 0.6:
            self.emit(f"r3 = *({SIZES[size]} *)({pointer} {access:+d})")
        else:
            self.emit(f"*({SIZES[size]} *)({pointer} {access:+d}) = {rng.randrange(100)}")
        self.emit(f"{out}:")

    def shape_alu32(self) -> None:
        rng = self.rng
        out = self.label()
        self.unknown("r9")
        for _ in range(rng.randint(1, 4)):
            step = rng.randrange(4)
            if step == 0:
                op = rng.choice(_ALU)
                imm = (
                    rng.randrange(32)
                    if "<" in op or ">" in op
                    else rng.choice((1, 3, 7, 255, -1, -8, 0x7FFF))
                )
                if op in ("/=", "%=") and imm <= 0:
                    imm = 3
                self.emit(f"w9 {op} {imm}")
            elif step == 1:
                self.emit(f"w9 = w{rng.choice((9, 9, 0))}" if rng.random() < 0.5 else "w9 = -w9")
            elif step == 2:
                self.emit(f"if w9 {rng.choice(_JMP)} {rng.choice(_EDGES)} goto {out}")
            else:
                self.emit(f"w5 = {rng.choice(_EDGES)}", f"if w9 {rng.choice(_JMP)} w5 goto {out}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_mixed_bounds(self) -> None:
        rng = self.rng
        out = self.label()
        self.unknown("r9")
        if rng.random() < 0.3:
            self.emit("r9 <<= 32", "r9 s>>= 32")
        for _ in range(rng.randint(2, 4)):
            self.compare_edge("r9", out)
        if rng.random() < 0.5:
            self.emit(f"r9 += {rng.choice((-1, 1, 8, -0x80000000, 0x7FFFFFFF))}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_sign_extend(self) -> None:
        rng = self.rng
        out = self.label()
        size = rng.choice(list(_SIGNED))
        source = rng.randrange(4)
        if source == 0:
            self.value_pointer(out)
            self.emit(f"r9 = *({_SIGNED[size]} *)(r0 +{rng.randrange(0, 16 - size + 2)})")
        elif source == 1:
            self.emit(f"*(u64 *)(r10 -8) = {rng.choice((0, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, -1))}")
            if rng.random() < 0.5:
                self.unknown("r4")
                self.emit(f"*({SIZES[size]} *)(r10 -{8 - rng.randrange(0, 9 - size)}) = r4")
            self.emit(f"r9 = *({_SIGNED[size]} *)(r10 -{rng.choice((8, 7, 6, 4, 2))})")
        elif source == 2:
            self.emit("r2 = r7", "r2 += 8", f"if r2 > r8 goto {out}")
            self.emit(f"r9 = *({_SIGNED[size]} *)(r7 +{rng.randrange(0, 8)})")
        else:
            self.unknown("r9")
            self.refine("r9", out)
            width = rng.choice((8, 16, 32))
            if width == 32 or rng.random() < 0.6:
                self.emit(f"r9 = (s{width})r9")
            else:
                self.emit(f"w9 = (s{width})w9")
        if rng.random() < 0.5:
            self.compare_edge("r9", out)
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_bswap(self) -> None:
        rng = self.rng
        out = self.label()
        if rng.random() < 0.4:
            self.emit(f"r9 = {rng.choice((0, 1, 0x100, 0x1234, 0x7F, -1, 0x10000))}")
        else:
            self.unknown("r9")
            self.refine("r9", out)
        for _ in range(rng.randint(1, 2)):
            kind = rng.choice(("be", "le", "bswap"))
            self.emit(f"r9 = {kind}{rng.choice((16, 32, 64))} r9")
        if rng.random() < 0.5:
            self.emit(f"r9 &= {rng.choice((7, 15, 0xFF00, 0xFFFF))}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_sdiv(self) -> None:
        rng = self.rng
        out = self.label()
        self.unknown("r9")
        if rng.random() < 0.5:
            self.emit("r9 <<= 32", "r9 s>>= 32")
        self.refine("r9", out)
        for _ in range(rng.randint(1, 2)):
            wide = rng.random() < 0.6
            dst = "r9" if wide else "w9"
            op = rng.choice(("s/=", "s%="))
            if rng.random() < 0.5:
                self.emit(f"{dst} {op} {rng.choice((1, 2, 3, -1, -2, 7, -8, 0x7FFFFFFF, -0x80000000))}")
            else:
                divisor = rng.choice((0, 1, -1, 3, -3, 16))
                self.emit(f"r5 = {divisor}")
                if rng.random() < 0.3:
                    self.unknown("r5")
                    self.emit(f"r5 &= {rng.choice((3, 7, 15))}")
                self.emit(f"{dst} {op} {'r5' if wide else 'w5'}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_partial_spill(self) -> None:
        rng = self.rng
        out = self.label()
        slot = rng.choice((-8, -16, -24))
        what = rng.randrange(4)
        if what == 0:
            self.emit(f"r9 = {rng.choice((0, 1, 0xFF, 0x1234, -1, 0x7FFFFFFF))}")
        elif what == 1:
            self.unknown("r9")
            self.emit(f"r9 &= {rng.choice((7, 15, 0xFF, 0xFFFF))}")
        elif what == 2:
            self.value_pointer(out, "r9")
        else:
            self.emit("r9 = r10", f"r9 += {rng.choice((-32, -40))}")
        if rng.random() < 0.4:
            self.emit(f"*(u64 *)(r10 {slot}) = 0")
        spill = rng.choice((1, 2, 4, 8, 8))
        at = (
            slot + rng.randrange(0, 9 - spill)
            if rng.random() < 0.3
            else slot + (8 - spill) * rng.randrange(2)
        )
        self.emit(f"*({SIZES[spill]} *)(r10 {at}) = r9")
        if rng.random() < 0.2:
            self.emit(f"*(u8 *)(r10 {slot + rng.randrange(8)}) = {rng.randrange(4)}")
        fill = rng.choice((1, 2, 4, 8))
        fill_at = at if rng.random() < 0.5 else slot + rng.randrange(0, 9 - fill)
        self.emit(f"r5 = *({SIZES[fill]} *)(r10 {fill_at})")
        if what >= 2 and rng.random() < 0.6:
            self.emit(f"r3 = *(u8 *)(r5 +{rng.randrange(0, 8)})")
        else:
            self.use("r5", out)
        self.emit(f"{out}:")

    def shape_linked_ids(self) -> None:
        rng = self.rng
        out = self.label()
        self.unknown("r9")
        if rng.random() < 0.5:
            self.emit(f"r9 &= {rng.choice((0xFF, 0xFFFF, 0x7FFFFFFF))}")
        copy = rng.randrange(4)
        if copy == 0:
            self.emit("r5 = r9")
        elif copy == 1:
            self.emit("w5 = w9")
        elif copy == 2:
            self.emit("r5 = r9", f"r5 += {rng.choice((1, 4, -4, 16, 0x7FFFFFFF))}")
        else:
            self.emit("*(u64 *)(r10 -16) = r9", "r5 = *(u64 *)(r10 -16)")
        if rng.random() < 0.3:
            self.emit(f"r{rng.choice((5, 9))} += {rng.choice((0, 1, 2))}")
        first, second = ("r9", "r5") if rng.random() < 0.5 else ("r5", "r9")
        op = rng.choice(("<", "<=", ">", ">=", "s<", "s>", "=="))
        self.emit(
            f"if {first if rng.random() < 0.7 else 'w' + first[1:]} {op} {rng.choice((8, 16, 17))} goto +1"
        )
        self.emit(f"goto {out}")
        self.use(second, out)
        self.emit(f"{out}:")

    def shape_subprog_stack(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"f{self.label()}"
        written = rng.choice((0, 8, 16))
        for off in range(-written, 0, 8):
            self.emit(f"*(u64 *)(r10 {off}) = {rng.randrange(32)}")
        if rng.random() < 0.5:
            self.unknown("r9")
            self.emit(f"r9 &= {rng.choice((3, 7, 15))}")
        else:
            self.emit(f"r9 = {rng.randrange(-2, 12)}")
        if rng.random() < 0.3:
            self.value_pointer(out, "r1")
        else:
            self.emit("r1 = r10", f"r1 += {rng.choice((-16, -8, -4))}")
        self.emit("r2 = r9")
        self.emit(f"call {func}")
        if rng.random() < 0.5:
            self.emit("r9 = r0")
            self.use("r9", out)
        self.emit(f"{out}:")
        body = [f"{func}:"]
        size = rng.choice(list(SIZES))
        act = rng.randrange(4)
        if act == 0:
            body.append(f"r0 = *({SIZES[size]} *)(r1 +{rng.randrange(0, 9)})")
        elif act == 1:
            body.append(f"*({SIZES[size]} *)(r1 +{rng.randrange(0, 9)}) = 7")
            body.append(f"r0 = *({SIZES[size]} *)(r1 +0)")
        elif act == 2:
            body += ["r1 += r2", f"r0 = *(u8 *)(r1 +{rng.randrange(0, 4)})"]
        else:
            body += [f"if r2 > {rng.randrange(0, 8)} goto +2", "r0 = r2", "exit", "r0 = *(u32 *)(r1 +0)"]
        if rng.random() < 0.3:
            body.append("r0 &= 15")
        body.append("exit")
        self.tail.extend(body)

    def shape_bounded_loop(self) -> None:
        rng = self.rng
        out = self.label()
        top = self.label()
        bound = rng.choice((4, 8, 12, 16))
        step = rng.choice((1, 1, 2, 4))
        self.value_pointer(out, "r9")
        counter = rng.randrange(3)
        if counter == 2:
            self.unknown("r5")
            self.emit(f"r5 &= {rng.choice((7, 15, 31))}")
        self.emit("r1 = 0")
        self.emit(f"{top}:")
        body = rng.randrange(3)
        if body == 0:
            self.emit("r2 = r9", "r2 += r1", f"r3 = *(u8 *)(r2 +{rng.choice((0, 0, 1))})")
        elif body == 1:
            self.emit("r3 = r10", "r3 += -32", "r3 += r1", "*(u8 *)(r3 +0) = 1")
        else:
            self.emit(f"r3 = {rng.randrange(10)}", "r3 += r1")
        self.emit(f"r1 += {step}")
        limit = "r5" if counter == 2 else str(bound + rng.choice((0, 0, 1)))
        op = rng.choice(("<", "<", "<=", "!="))
        if counter == 1:
            self.emit(f"if w1 {op} {limit} goto {top}")
        else:
            self.emit(f"if r1 {op} {limit} goto {top}")
        self.emit(f"{out}:")

    def shape_may_goto(self) -> None:
        rng = self.rng
        out = self.label()
        top = self.label()
        done = self.label()
        self.value_pointer(out, "r9")
        self.emit("r1 = 0", f"{top}:", f"may_goto {done}")
        body = rng.randrange(3)
        if body == 0:
            self.emit("r2 = r9", "r2 += r1", "r3 = *(u8 *)(r2 +0)")
        elif body == 1:
            self.emit(
                "r2 = r1", f"r2 &= {rng.choice((7, 15, 16))}", "r3 = r9", "r3 += r2", "*(u8 *)(r3 +0) = 1"
            )
        else:
            self.emit("r3 = *(u64 *)(r9 +0)", "r1 += r3")
        self.emit(f"r1 += {rng.choice((1, 2))}")
        if rng.random() < 0.5:
            self.emit(f"if r1 < {rng.choice((8, 15, 16, 100))} goto {top}")
        else:
            self.emit(f"goto {top}")
        self.emit(f"{done}:", f"{out}:")

    def shape_helper_mem(self) -> None:
        rng = self.rng
        out = self.label()
        kind = rng.randrange(4)
        if kind == 0:  # map_update_elem: key and value from the stack, written or not
            self.emit("*(u32 *)(r10 -4) = 0")
            for off in range(-24, -8, 8):
                if rng.random() < 0.8:
                    self.emit(f"*(u64 *)(r10 {off}) = 1")
            self.emit("r2 = r10", f"r2 += {rng.choice((-4, -4, -2, -8))}")
            self.emit("r3 = r10", f"r3 += {rng.choice((-24, -24, -20, -16))}", "r4 = 0")
            self.emit(f"r1 = map_fd({rng.choice(('hmap', 'amap'))}) ll", "call bpf_map_update_elem")
        elif kind == 1:  # a map value as another map's key or value
            self.value_pointer(out, "r9")
            self.emit("r2 = r9", f"r2 += {rng.choice((0, 4, 12, 13, 16))}")
            if rng.random() < 0.5:
                self.emit("r1 = map_fd(hmap) ll", "call bpf_map_lookup_elem")
            else:
                self.emit("r3 = r9", "r2 = r10", "r2 += -4", "r4 = 0", "r1 = map_fd(hmap) ll")
                self.emit("call bpf_map_update_elem")
        elif kind == 2:  # memory + size: probe_read_kernel into the stack or a map value
            size = rng.randrange(3)
            if size == 0:
                self.emit(f"r5 = {rng.choice((0, 1, 8, 16, 17, 32))}")
            else:
                self.unknown("r5")
                self.refine("r5", out)
                if size == 1:
                    self.emit(f"r5 &= {rng.choice((7, 15, 16, 31))}")
            self.emit("*(u64 *)(r10 -40) = r5")
            self.value_pointer(out, "r9")
            self.emit("r2 = *(u64 *)(r10 -40)")
            if rng.random() < 0.5:
                self.emit("r1 = r9")
            else:
                self.emit("r1 = r10", f"r1 += -{rng.choice((8, 16, 32))}")
            self.emit("r3 = 0", "call bpf_probe_read_kernel")
        else:  # csum_diff / xdp_load_bytes over the packet, the stack or a value
            self.emit("*(u64 *)(r10 -8) = 0", "*(u64 *)(r10 -16) = 0")
            if rng.random() < 0.5:
                self.emit("r2 = r7", "r2 += 8", f"if r2 > r8 goto {out}", "r1 = r7")
            else:
                self.emit("r1 = r10", "r1 += -16")
            self.emit(f"r2 = {rng.choice((0, 4, 8, 12, 16))}", "r3 = r10", "r3 += -16")
            self.emit(f"r4 = {rng.choice((0, 4, 8, 16, 20))}", "r5 = 0", "call bpf_csum_diff")
            if rng.random() < 0.5:
                self.emit("r1 = r6", f"r2 = {rng.randrange(0, 20)}", "r3 = r10", "r3 += -16")
                self.unknown("r4")
                self.emit(
                    f"r4 &= {rng.choice((7, 15, 16, 31))}", "r1 = r6", "r3 = r10", "r3 += -16", "r2 = 0"
                )
                self.emit("call bpf_xdp_load_bytes")
        self.emit(f"{out}:")

    def shape_null_copies(self) -> None:
        rng = self.rng
        out = self.label()
        self.lookup(rng.choice(("hmap", "amap")))
        form = rng.randrange(5)
        if form == 0:
            self.emit("r5 = r0", f"if r5 == 0 goto {out}", f"r3 = *(u64 *)(r0 +{rng.choice((0, 8, 9))})")
        elif form == 1:
            self.emit("*(u64 *)(r10 -16) = r0", "r5 = *(u64 *)(r10 -16)", "if r5 != 0 goto +1", f"goto {out}")
            self.emit(f"r3 = *(u32 *)({rng.choice(('r0', 'r5'))} +4)")
        elif form == 2:
            self.emit(
                "r5 = r0", f"r5 += {rng.choice((0, 4))}", f"if r0 == 0 goto {out}", "r3 = *(u32 *)(r5 +0)"
            )
        elif form == 3:
            self.emit("r9 = r0")
            self.lookup("amap")
            self.emit(
                f"if r{rng.choice((0, 9))} == 0 goto {out}", "r3 = *(u8 *)(r9 +0)", "r3 = *(u8 *)(r0 +0)"
            )
        else:
            self.emit("r5 = r0", f"if {rng.choice(('w5', 'r5'))} {rng.choice(('==', '!='))} 0 goto +1")
            self.emit(f"goto {out}" if rng.random() < 0.5 else "r3 = 0", "r3 = *(u8 *)(r0 +0)")
        self.emit(f"{out}:")

    def shape_atomics(self) -> None:
        rng = self.rng
        out = self.label()
        wide = rng.random() < 0.6
        size = 8 if wide else 4
        where = rng.randrange(2)
        if where == 0:
            if rng.random() < 0.8:
                self.emit(f"*({SIZES[size]} *)(r10 -16) = {rng.randrange(8)}")
            base, off = "r10", -16 + (rng.choice((0, 0, 4)) if not wide else rng.choice((0, 0, 4, 8)))
        else:
            self.value_pointer(out, "r9")
            base, off = "r9", rng.choice((0, 4, 8, 8, 12, 16, 2))
        self.emit(f"r1 = {rng.randrange(8)}")
        reg, ptr = ("r1", f"(u64 *)({base} {off:+d})") if wide else ("w1", f"(u32 *)({base} {off:+d})")
        form = rng.randrange(4)
        if form == 0:
            self.emit(f"lock *{ptr} {rng.choice(('+=', '|=', '&=', '^='))} {reg}")
            self.emit(f"r5 = *({SIZES[size]} *)({base} {off:+d})")
        elif form == 1:
            self.emit(
                f"{reg} = atomic_fetch_{rng.choice(('add', 'and', 'or', 'xor'))}({ptr}, {reg})", "r5 = r1"
            )
        elif form == 2:
            call = "xchg_64" if wide else "xchg32_32"
            self.emit(f"{reg} = {call}({base} {off:+d}, {reg})", "r5 = r1")
        else:
            if rng.random() < 0.8:
                self.emit("r0 = 0")
            call, r0 = ("cmpxchg_64", "r0") if wide else ("cmpxchg32_32", "w0")
            self.emit(f"{r0} = {call}({base} {off:+d}, {r0}, {reg})", "r5 = r0")
        self.use("r5", out)
        self.emit(f"{out}:")

    def shape_ptr_kinds(self) -> None:
        rng = self.rng
        out = self.label()
        kind = rng.choice(("ctx", "data", "data_end", "meta", "map", "value", "stack", "ringbuf"))
        if kind == "ctx":
            self.emit("r9 = r6")
        elif kind == "data":
            self.emit("r9 = r7")
        elif kind == "data_end":
            self.emit("r9 = r8")
        elif kind == "meta":
            self.emit("r9 = *(u32 *)(r6 + 8)")
        elif kind == "map":
            self.emit(f"r9 = map_fd({rng.choice(('hmap', 'amap'))}) ll")
        elif kind == "value":
            self.value_pointer(out, "r9")
        elif kind == "stack":
            for off in range(-32, 0, 8):
                self.emit(f"*(u64 *)(r10 {off}) = {rng.randrange(4)}")
            self.emit("r9 = r10", f"r9 += {rng.choice((-32, -16, -8))}")
        else:
            self.emit("r1 = map_fd(rb) ll", f"r2 = {rng.choice((8, 16, 32))}", "r3 = 0")
            self.emit(
                "call bpf_ringbuf_reserve", f"if r0 == 0 goto {out}", "*(u64 *)(r10 -40) = r0", "r9 = r0"
            )
        for _ in range(rng.randint(1, 2)):
            form = rng.randrange(9)
            if form == 0:
                self.emit(f"r9 += {rng.choice((-8, -1, 1, 2, 4, 8, 14, 16, 0x7FFFFFFF, -0x80000000))}")
            elif form == 1:
                self.emit(f"r9 -= {rng.choice((-4, 1, 4, 8))}")
            elif form in (2, 3):
                self.unknown("r5")
                self.refine("r5", out)
                if rng.random() < 0.7:
                    self.emit(f"r5 &= {rng.choice((1, 3, 7, 8, 15))}")
                self.emit(f"r9 {rng.choice(('+=', '+=', '-='))} r5")
            elif form == 4:
                self.emit(f"w9 {rng.choice(('+=', '-=', '&=', '='))} {rng.choice((0, 4, 8))}")
            elif form == 5:
                self.emit(
                    f"r9 {rng.choice(('&=', '|=', '^=', '<<=', '>>=', '*=', '/='))} {rng.choice((1, 2, 8))}"
                )
            elif form == 6:
                self.emit(rng.choice(("r9 = -r9", "r9 = be16 r9", "r9 = (s32)r9", "r5 = r9", "r9 += r9")))
            elif form == 7:
                other = rng.choice(("r6", "r7", "r8", "r10"))
                self.emit(f"r5 = {other}", f"r5 {rng.choice(('-=', '+='))} r9", "r9 = r5")
            else:
                self.emit("r5 = r7", "r5 += 8", f"if r5 {rng.choice(('>', '<=', '>='))} r8 goto {out}")
        sink = rng.randrange(6)
        size = rng.choice(list(SIZES))
        off = rng.choice((0, 0, 1, 4, 8, -8, 12))
        if sink <= 1:
            self.emit(f"r3 = *({SIZES[size]} *)(r9 {off:+d})")
        elif sink == 2:
            self.emit(f"*({SIZES[size]} *)(r9 {off:+d}) = {rng.randrange(9)}")
        elif sink == 3:
            self.emit("*(u64 *)(r10 -48) = r9", f"r5 = *(u{rng.choice((64, 64, 32))} *)(r10 -48)")
            self.emit(f"r3 = *(u8 *)(r5 +{rng.randrange(4)})")
        elif sink == 4:
            self.emit(f"if r9 {rng.choice(_JMP)} r{rng.choice((6, 7, 8, 10))} goto +1")
            self.trap()
        else:
            self.emit(f"if r9 {rng.choice(('==', '!=', '>'))} {rng.choice((0, 1))} goto +1")
            self.trap()
        if kind == "ringbuf":
            self.emit("r1 = *(u64 *)(r10 -40)", "r2 = 0", "call bpf_ringbuf_discard")
        self.emit(f"{out}:")

    def shape_jmp32_bounds(self) -> None:
        rng = self.rng
        out = self.label()
        origin = rng.randrange(5)
        if origin == 0:
            self.unknown("r9")
        elif origin == 1:
            self.emit("call bpf_ktime_get_ns", "r9 = r0")
        elif origin == 2:
            self.unknown("r9")
            self.emit("r9 <<= 32")
            self.unknown("r5")
            self.emit("r9 |= r5")
        elif origin == 3:
            self.emit(
                "call bpf_get_prandom_u32", "r9 = r0", f"r9 += {rng.choice((-1, 1, 0x7FFFFFFF, -0x80000000))}"
            )
        else:
            self.emit(
                "call bpf_ktime_get_ns", "r9 = r0", f"r9 {rng.choice(('&=', '|='))} {rng.choice(_EDGES)}"
            )
        for _ in range(rng.randint(1, 3)):
            op = rng.choice(_JMP)
            if rng.random() < 0.3:
                self.emit(f"w5 = {rng.choice(_EDGES)}", f"if w9 {op} w5 goto {out}")
            elif rng.random() < 0.2:
                self.emit(f"if w9 {op} {rng.choice(_EDGES)} goto +1", f"goto {out}")
            else:
                self.emit(f"if w9 {op} {rng.choice(_EDGES)} goto {out}")
        if rng.random() < 0.4:
            self.compare_edge("r9", out)
        if rng.random() < 0.3:
            self.emit(rng.choice(("w9 = w9", "r9 >>= 32", "w9 += 1", "r9 = (s32)r9")))
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_callbacks(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"cb{self.label()}"
        slot_value = rng.choice((0, 1, 4, 8, 16))
        self.emit(f"*(u64 *)(r10 -8) = {slot_value}")
        if rng.random() < 0.5:
            self.emit("*(u64 *)(r10 -16) = 0")
        ctx = rng.randrange(4)
        foreach = rng.random() < 0.35
        if foreach:
            self.emit(f"r1 = map_fd({rng.choice(('hmap', 'amap'))}) ll", f"r2 = func({func}) ll")
            ctx_arg = "r3"
        else:
            if rng.random() < 0.6:
                self.emit(f"r1 = {rng.choice((0, 1, 3, 10, 1000))}")
            else:
                self.unknown("r1")
                self.emit(f"r1 &= {rng.choice((7, 63, 0xFFFF))}")
            self.emit(f"r2 = func({func}) ll")
            ctx_arg = "r3"
        if ctx == 0:
            self.emit(f"{ctx_arg} = 0")
        elif ctx == 3:
            self.emit(f"{ctx_arg} = map_value(amap, 0) ll")
        else:
            self.emit(f"{ctx_arg} = r10", f"{ctx_arg} += {rng.choice((-8, -8, -16))}")
        self.emit(f"r4 = {0 if rng.random() < 0.9 else 1}")
        self.emit("call bpf_for_each_map_elem" if foreach else "call bpf_loop")
        if rng.random() < 0.4:
            self.emit("r9 = r0")
        else:
            self.emit(f"r9 = *(u64 *)(r10 -{rng.choice((8, 8, 16))})")
        if rng.random() < 0.4:
            self.emit(f"r9 &= {rng.choice((7, 15))}")
        self.use("r9", out)
        self.emit(f"{out}:")
        # bpf_loop: r1 the index, r2 the context; for_each: r1 map, r2 key, r3 value, r4 context
        ctx_reg = "r4" if foreach else "r2"
        body = [f"{func}:"]
        act = rng.randrange(5)
        if act == 0:
            body += [
                f"r5 = *(u64 *)({ctx_reg} +0)",
                f"r5 += {rng.choice((1, 4, 8))}",
                f"*(u64 *)({ctx_reg} +0) = r5",
            ]
        elif act == 1:
            index = "r1" if not foreach else "r5"
            if foreach:
                body.append("r5 = *(u32 *)(r2 +0)")
            body.append(f"*(u64 *)({ctx_reg} +0) = {index}")
        elif act == 2:
            body += [f"r5 = *(u64 *)({ctx_reg} +0)", f"if r5 > {rng.choice((4, 8, 15))} goto +2"]
            body += ["r5 = r10", "*(u64 *)(r5 -8) = 1"]
        elif act == 3 and foreach:
            body.append(f"r5 = *(u{rng.choice((8, 32, 64))} *)(r3 +{rng.choice((0, 8, 8, 12))})")
            body.append(f"*(u64 *)({ctx_reg} +0) = r5")
        else:
            body.append(f"*(u64 *)({ctx_reg} +0) = {rng.choice((0, 2, 8, 9, 40))}")
        ret = rng.randrange(5)
        body.append(("r0 = 0", "r0 = 1", "r0 = 2", "r0 = r1", "r0 = 0")[ret])
        body.append("exit")
        self.tail.extend(body)

    def shape_iter_num(self) -> None:
        rng = self.rng
        out = self.label()
        top = self.label()
        done = self.label()
        slot = rng.choice((-16, -24))
        self.emit("*(u64 *)(r10 -8) = 0")
        if rng.random() < 0.6:
            self.emit(f"r3 = {rng.choice((0, 3, 10, 100))}")
        else:
            self.unknown("r3")
            if rng.random() < 0.7:
                self.emit(f"r3 &= {rng.choice((7, 31))}")
        self.emit("r1 = r10", f"r1 += {slot}", f"r2 = {rng.choice((0, 0, 1, -5))}")
        self.emit("call kfunc(bpf_iter_num_new)")
        self.emit(
            f"{top}:", "r1 = r10", f"r1 += {slot}", "call kfunc(bpf_iter_num_next)", f"if r0 == 0 goto {done}"
        )
        body = rng.randrange(4)
        if body == 0:
            self.emit("r5 = *(u32 *)(r0 +0)", f"if r5 > {rng.choice((7, 15, 16))} goto {top}")
            self.emit("*(u64 *)(r10 -8) = r5")
        elif body == 1:
            self.emit("r5 = *(u64 *)(r10 -8)", f"r5 += {rng.choice((1, 2))}", "*(u64 *)(r10 -8) = r5")
        elif body == 2:
            self.emit(
                "r5 = *(u32 *)(r0 +0)", "r5 &= 15", "r4 = r10", "r4 += -48", "r4 += r5", "*(u8 *)(r4 +0) = 1"
            )
        else:
            self.emit(
                f"r5 = *(u{rng.choice((32, 64))} *)(r0 +{rng.choice((0, 0, 4))})", "*(u64 *)(r10 -8) = r5"
            )
        self.emit(f"goto {top}" if rng.random() < 0.9 else f"goto {done}")
        self.emit(f"{done}:")
        if rng.random() < 0.9:
            self.emit("r1 = r10", f"r1 += {slot}", "call kfunc(bpf_iter_num_destroy)")
        self.emit("r9 = *(u64 *)(r10 -8)")
        if rng.random() < 0.3:
            self.emit(f"r9 &= {rng.choice((7, 15))}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_subprog_precision(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"f{self.label()}"
        inner = f"g{self.label()}"
        act = rng.randrange(5)
        for _ in range(rng.randint(1, 3)):
            # the arguments the callee's action expects, mostly: r1 a pointer for a read through it
            arg = (2 if act == 1 else rng.randrange(2)) if rng.random() < 0.85 else rng.randrange(3)
            if arg == 0:
                self.emit(f"r1 = {rng.choice((0, 1, 4, 7, 8, 64))}")
            elif arg == 1:
                self.unknown("r1")
                self.emit(f"r1 &= {rng.choice((3, 7, 15))}")
            else:
                self.emit(f"*(u64 *)(r10 -8) = {rng.choice((0, 4, 12))}", "r1 = r10", "r1 += -8")
            if act == 2 or rng.random() < 0.3:
                self.emit("*(u64 *)(r10 -16) = 0", "r2 = r10", "r2 += -16")
            else:
                self.emit(f"r2 = {rng.randrange(8)}")
            self.emit(f"call {func}")
        if rng.random() < 0.5:
            self.emit("r9 = r0")
        else:
            self.emit(f"r9 = *(u64 *)(r10 -{rng.choice((8, 16))})")
        if rng.random() < 0.3:
            self.emit(f"r9 &= {rng.choice((7, 15))}")
        self.use("r9", out)
        self.emit(f"{out}:")
        body = [f"{func}:"]
        if act == 0:
            body += ["r0 = r1", f"r0 += {rng.choice((0, 1, 8))}"]
        elif act == 1:
            body += ["r0 = *(u64 *)(r1 +0)"]
        elif act == 2:
            body += [f"*(u64 *)(r2 +0) = {rng.choice(('r1', 'r1', '3', '100'))}", "r0 = 0"]
        elif act == 3:
            body += [f"call {inner}", f"r0 &= {rng.choice((7, 15, 0xFF))}"]
        else:
            body += [f"if r1 > {rng.choice((2, 4, 8))} goto +2", "r0 = r1", "exit", "r0 = 0"]
        body.append("exit")
        if act == 3:
            body += [f"{inner}:", "r0 = r1", f"r0 += {rng.choice((0, 1))}", "exit"]
        self.tail.extend(body)

    def shape_prune_merge(self) -> None:
        rng = self.rng
        out = self.label()
        for _ in range(rng.randint(1, 3)):
            other = self.label()
            join = self.label()
            self.unknown("r5")
            self.emit(f"if {rng.choice(('r5', 'w5'))} {rng.choice(_JMP)} {rng.choice(_EDGES)} goto {other}")
            for side in range(2):
                what = rng.randrange(6)
                if what == 0:
                    self.emit(f"r9 = {rng.choice((0, 1, 4, 8, 15, 16))}")
                elif what == 1:
                    self.emit("r9 = r5", f"r9 &= {rng.choice((7, 15))}")
                elif what == 2:
                    self.emit(f"*(u64 *)(r10 -8) = {rng.choice((0, 4, 8))}", "r9 = 0")
                elif what == 3:
                    self.emit(f"*(u32 *)(r10 -8) = {rng.choice((0, 4))}", "r9 = 1")
                elif what == 4:
                    self.emit("*(u64 *)(r10 -8) = r5", "r9 = 2")
                else:
                    self.emit(f"r9 = {rng.choice((0, 1, 8))}", "*(u64 *)(r10 -16) = r9")
                if side == 0:
                    self.emit(f"goto {join}", f"{other}:")
            self.emit(f"{join}:")
        if rng.random() < 0.5:
            self.emit(f"r9 = *(u{rng.choice((8, 32, 64))} *)(r10 -{rng.choice((8, 8, 16))})")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_var_size(self) -> None:
        rng = self.rng
        out = self.label()
        base = rng.choice((-64, -48, -32, -16))
        filled = rng.randrange(3)  # the buffer on the stack: not written, half written, written
        for off in range(base, 0, 8):
            if filled == 2 or (filled == 1 and off < base // 2):
                self.emit(f"*(u64 *)(r10 {off}) = 0")
        source = rng.randrange(4)
        if source == 0:
            self.emit(f"r9 = {rng.choice((0, 1, 7, 8, 16, 32, 48, 64, 65, -1))}")
        else:
            self.unknown("r9")
            if source == 1:
                self.emit(f"r9 &= {rng.choice((7, 15, 16, 31, 63, 127))}")
            elif source == 2:
                self.emit(f"if r9 {rng.choice(('>', '>=', 's>'))} {rng.choice((8, 16, 32, 64))} goto {out}")
                if rng.random() < 0.6:
                    self.emit(f"if r9 {rng.choice(('s<', '<', '=='))} {rng.choice((0, 1))} goto {out}")
            else:
                self.refine("r9", out)
        buffer = rng.randrange(3)
        helper = rng.randrange(4)
        if helper == 0:  # probe_read_kernel(dst, size, src): dst may be uninitialized
            if buffer == 0:
                self.emit("r1 = r10", f"r1 += {base}")
            else:
                self.value_pointer(out, "r1")
                self.emit(f"r1 += {rng.choice((0, 0, 4, 8))}")
            self.emit("r2 = r9", "r3 = 0", "call bpf_probe_read_kernel")
        elif helper == 1:  # ringbuf_output(rb, data, size, 0): data read
            if buffer == 0:
                self.emit("r2 = r10", f"r2 += {base}")
            else:
                self.value_pointer(out, "r2")
            self.emit("r1 = map_fd(rb) ll", "r3 = r9", "r4 = 0", "call bpf_ringbuf_output")
        elif helper == 2:  # csum_diff(from, from_size, to, to_size, seed)
            self.emit("r1 = r10", f"r1 += {base}", "r2 = r9", "r3 = 0", "r4 = 0", "r5 = 0")
            self.emit("call bpf_csum_diff")
        else:  # xdp_load_bytes(ctx, off, buf, len): buf may be uninitialized
            self.emit("r1 = r6", f"r2 = {rng.choice((0, 14))}", "r3 = r10", f"r3 += {base}", "r4 = r9")
            self.emit("call bpf_xdp_load_bytes")
        if rng.random() < 0.7:
            size = rng.choice(list(SIZES))
            self.emit(f"r3 = *({SIZES[size]} *)(r10 {base + rng.choice((0, 0, 8, 16)):+d})")
        self.emit(f"{out}:")

    def shape_ctx_access(self) -> None:
        rng = self.rng
        out = self.label()
        if not self.prog_type:
            self.prog_type = rng.choice(_CTX_TYPES)
        fields = _XDP_FIELDS if self.prog_type == "xdp" else _SKB_FIELDS
        field, width = rng.choice(fields)
        off = field + (rng.choice((0, 0, 0, 1, 2, 3, 4)) if rng.random() < 0.4 else 0)
        if rng.random() < 0.1:
            off = rng.randrange(-4, 200 if self.prog_type != "xdp" else 28)
        size = width if rng.random() < 0.5 else rng.choice(list(SIZES))
        form = rng.randrange(6)
        if form <= 2:
            self.emit(f"r3 = *({SIZES[size]} *)(r6 {off:+d})")
            if width == 8 or field in (0, 4, 8, 76, 80, 140):  # maybe a pointer: use it
                self.emit(f"r4 = *({SIZES[size]} *)(r6 {off:+d})", "r5 = r3", "r5 += 4")
                self.emit(f"if r5 > r4 goto {out}", "r0 = *(u32 *)(r3 +0)")
            else:
                self.use("r3", out)
        elif form == 3:
            self.emit(f"*({SIZES[size]} *)(r6 {off:+d}) = {rng.choice((0, 1, 7))}")
        elif form == 4:
            self.emit(f"r3 = {rng.choice((0, 3))}", f"*({SIZES[size]} *)(r6 {off:+d}) = r3")
        else:
            self.emit("r3 = r6", f"r3 += {rng.choice((0, 4, 8, 48))}", f"r0 = *(u32 *)(r3 {off % 8:+d})")
        self.emit(f"{out}:")

    def shape_pkt_ranges(self) -> None:
        rng = self.rng
        out = self.label()
        var = rng.random() < 0.4
        if var:  # a variable offset into the packet, masked or compared
            self.unknown("r4")
            if rng.random() < 0.7:
                self.emit(f"r4 &= {rng.choice((1, 7, 15, 63, 0xFF, 0xFFFF))}")
            else:
                self.emit(
                    f"if r4 {rng.choice(('>', '>', '>=', 's>'))} {rng.choice((8, 64, 0xFFFF))} goto {out}"
                )
        checked, moved = 0, False
        for _ in range(rng.randint(1, 3)):
            checked = rng.choice(
                (0, 1, 4, 8, 14, 14, 20, 34, 34, 54, 0xFFFF, 0x10000)
                if rng.random() < 0.3
                else (8, 14, 20, 34, 54)
            )
            self.emit("r2 = r7")
            moved = var and rng.random() < 0.7
            if moved:
                self.emit("r2 += r4")
            self.emit(f"r2 += {checked}")
            if rng.random() < 0.15:  # the end compared with another packet pointer or a scalar
                self.emit(f"r3 = {rng.choice(('r7', 'r7', '14'))}")
                end = "r3"
            else:
                end = "r8"
            wide = "r" if rng.random() < 0.9 else "w"
            a, b = f"{wide}2", f"{wide}{end[1:]}"
            form = rng.randrange(8)
            if form == 0:
                self.emit(f"if {a} > {b} goto {out}")
            elif form == 1:
                self.emit(f"if {b} < {a} goto {out}")
            elif form == 2:
                self.emit(f"if {a} >= {b} goto {out}")
            elif form == 3:
                self.emit(f"if {b} <= {a} goto {out}")
            elif form == 4:
                self.emit(f"if {a} <= {b} goto +1", f"goto {out}")
            elif form == 5:
                self.emit(f"if {b} >= {a} goto +1", f"goto {out}")
            elif form == 6:
                self.emit(f"if {a} < {b} goto +1", f"goto {out}")
            else:
                self.emit(f"if {b} > {a} goto +1", f"goto {out}")
        size = rng.choice(list(SIZES))
        access = rng.randrange(6)
        off = rng.choice((0, 1, 4, 6, 8, 12, 13, 16, 30, 50))
        if rng.random() < 0.6:  # an access the last check is meant to cover (or just not)
            off = max(0, min(checked, 60) - size - rng.choice((0, 0, 0, 1, 2, -1)))
        if access <= 1 and moved and rng.random() < 0.8:  # through the offset the check covered
            self.emit("r3 = r7", "r3 += r4")
            if access == 0:
                self.emit(f"r3 = *({SIZES[size]} *)(r3 +{off})")
            else:
                self.emit(f"*({SIZES[size]} *)(r3 +{off}) = {rng.randrange(9)}")
        elif access == 0:
            self.emit(f"r3 = *({SIZES[size]} *)(r7 +{off})")
        elif access == 1:
            self.emit(f"*({SIZES[size]} *)(r7 +{off}) = {rng.randrange(9)}")
        elif access == 2:  # below the checked pointer
            self.emit(f"r3 = *({SIZES[size]} *)(r2 -{rng.choice((1, 2, 4, 8, 14, 20))})")
        elif access == 3 and var:
            self.emit("r3 = r7", "r3 += r4", f"r3 = *({SIZES[size]} *)(r3 +{off})")
        elif access == 4:  # the checked pointer moved on, then read
            self.emit(f"r2 += {rng.choice((-8, -1, 0, 2, 4))}", f"r3 = *({SIZES[size]} *)(r2 +0)")
        else:
            self.emit("r3 = *(u32 *)(r6 + 8)", "r5 = r3", f"r5 += {rng.choice((0, 4, 8))}")
            self.emit(f"if r5 > r7 goto {out}", f"r3 = *({SIZES[size]} *)(r3 +{rng.choice((0, 0, 4))})")
        if rng.random() < 0.4:
            self.emit("r9 = r3")
            self.use("r9", out)
        self.emit(f"{out}:")

    def shape_ringbuf_records(self) -> None:
        rng = self.rng
        out = self.label()
        done = self.label()
        size = rng.choice((8, 16, 32)) if rng.random() < 0.85 else None
        if size is None:
            self.unknown("r2")
            self.emit(f"r2 &= {rng.choice((7, 15, 31))}")
        else:
            self.emit(f"r2 = {size}")
        self.emit("r1 = map_fd(rb) ll", "r3 = 0", "call bpf_ringbuf_reserve")
        if rng.random() < 0.92:
            self.emit(f"if r0 == 0 goto {out}")
        keep = rng.randrange(3)  # where the record lives: r9, a spill, both
        if keep != 1:
            self.emit("r9 = r0")
        if keep != 0:
            self.emit("*(u64 *)(r10 -40) = r0")
        for _ in range(rng.randint(0, 2)):
            width = rng.choice(list(SIZES))
            off = rng.choice((0, 0, 4, 8, 12, 15, 16, 24, 28, 32, -4))
            src = "r0" if keep == 1 or rng.random() < 0.3 else "r9"
            if rng.random() < 0.5:
                self.emit(f"*({SIZES[width]} *)({src} {off:+d}) = {rng.randrange(9)}")
            else:
                self.emit(f"r3 = *({SIZES[width]} *)({src} {off:+d})")
        release = rng.choice(("bpf_ringbuf_submit", "bpf_ringbuf_discard"))
        record = "r9" if keep != 1 else "r0"
        how = rng.randrange(6)
        if how == 0:  # fill the spilled record back
            self.emit(f"r1 = *(u64 *)(r10 -{rng.choice((40, 40, 40, 36))})")
        elif how == 1:
            self.emit(f"r1 = {record}", f"r1 += {rng.choice((0, 4, 8))}")
        else:
            self.emit(f"r1 = {record}")
        if rng.random() < 0.5:  # released on one side of a branch, maybe on both
            self.unknown("r5")
            other = self.label()
            self.emit(f"if r5 {rng.choice(('==', '>', 's<'))} {rng.choice((0, 7))} goto {other}")
            self.emit("r2 = 0", f"call {release}", f"goto {done}", f"{other}:")
            if rng.random() < 0.8:
                self.emit(
                    f"r1 = {'*(u64 *)(r10 -40)' if keep != 0 else 'r9'}",
                    f"r2 = {rng.choice((0, 1, 2))}",
                    f"call {rng.choice(('bpf_ringbuf_submit', 'bpf_ringbuf_discard'))}",
                )
        else:
            self.emit(f"r2 = {rng.choice((0, 0, 1, 2))}", f"call {release}")
        self.emit(f"{done}:")
        if rng.random() < 0.2:  # the record after its release
            self.emit(f"r3 = *(u8 *)({'r9' if keep != 1 else 'r10'} +{0 if keep != 1 else -40})")
            if keep == 1:
                self.emit("r3 = *(u8 *)(r3 +0)")
        if rng.random() < 0.1:  # released twice
            self.emit(f"r1 = {'*(u64 *)(r10 -40)' if keep != 0 else 'r9'}", "r2 = 0", f"call {release}")
        self.emit(f"{out}:")

    def shape_spin_lock(self) -> None:
        rng = self.rng
        out = self.label()
        # lk and hk values: struct { int a; struct bpf_spin_lock l; long b; } (the lock at 4)
        self.lookup(rng.choice(("lk", "hk")))
        self.emit(f"if r0 == 0 goto {out}", "r9 = r0")
        second = rng.random() < 0.25
        if second:
            self.lookup(rng.choice(("lk", "hk")))
            self.emit(f"if r0 == 0 goto {out}", "*(u64 *)(r10 -48) = r0")
        lock_off = 4 if rng.random() < 0.85 else rng.choice((0, 8))
        self.emit("r1 = r9", f"r1 += {lock_off}", "call bpf_spin_lock")
        for _ in range(rng.randint(0, 3)):
            act = rng.randrange(9)
            if act <= 2:
                off, width = rng.choice(((0, 4), (8, 8), (8, 4), (12, 4), (0, 8), (4, 4), (6, 2)))
                self.emit(f"r3 = *({SIZES[width]} *)(r9 +{off})")
            elif act <= 4:
                off, width = rng.choice(((0, 4), (8, 8), (12, 4), (4, 4), (0, 1)))
                self.emit(f"*({SIZES[width]} *)(r9 +{off}) = {rng.randrange(5)}")
            elif act == 5:
                self.emit(f"call {rng.choice(('bpf_get_prandom_u32', 'bpf_ktime_get_ns'))}")
            elif act == 6:
                self.emit("r3 = *(u64 *)(r9 +8)", "r3 += 1", "*(u64 *)(r9 +8) = r3")
            elif act == 7:
                self.emit(f"if r3 > {rng.choice((0, 4))} goto +1", "*(u32 *)(r9 +0) = 1")
            else:
                self.emit("r1 = r9", "r1 += 4", "call bpf_spin_lock")
        unlock = rng.randrange(8)
        if unlock == 0 and second:
            self.emit("r1 = *(u64 *)(r10 -48)", "r1 += 4", "call bpf_spin_unlock")
        elif unlock == 1:  # unlocked on one side only
            self.emit("r3 = *(u32 *)(r9 +0)", f"if r3 {rng.choice(('==', '>'))} 3 goto +3")
            self.emit("r1 = r9", "r1 += 4", "call bpf_spin_unlock")
            if rng.random() < 0.5:
                self.emit("goto +3", "r1 = r9", "r1 += 4", "call bpf_spin_unlock")
        elif unlock != 2:
            self.emit("r1 = r9", f"r1 += {lock_off if rng.random() < 0.9 else 4}", "call bpf_spin_unlock")
        if rng.random() < 0.3:
            self.emit(f"r3 = *(u32 *)(r9 +{rng.choice((0, 8))})")
        self.emit(f"{out}:")

    def shape_stack_var_off(self) -> None:
        rng = self.rng
        out = self.label()
        init = rng.randrange(4)  # the 64 bytes below fp: none, all zero, scalars, some pointers
        for off in range(-64, 0, 8):
            if init == 1 or (init >= 2 and rng.random() < 0.8):
                what = (
                    "0"
                    if init == 1
                    else rng.choice(("0", "1", "r7" if init == 3 else "7", "r6" if init == 3 else "9"))
                )
                self.emit(f"*(u64 *)(r10 {off}) = {what}")
        for _ in range(rng.randint(0, 2)):  # narrow spills of a bounded value
            self.unknown("r3")
            self.emit(f"r3 &= {rng.choice((1, 7, 15, 0xFF))}")
            width = rng.choice(list(SIZES))
            at = rng.choice((-64, -56, -48, -40)) + width * rng.randrange(0, 8 // width)
            at += 1 if rng.random() < 0.05 else 0
            self.emit(f"*({SIZES[width]} *)(r10 {at:+d}) = r3")
        self.unknown("r9")
        self.refine("r9", out)
        mask = rng.choice((1, 3, 7, 8, 15, 24, 31, 56, 0x38, 6, 12))
        if rng.random() < 0.7:
            self.emit(f"r9 &= {mask}")
        base = rng.choice((-64, -48, -32, -16, -8))
        self.emit("r5 = r10", f"r5 += {base}")
        self.emit("r5 += r9" if rng.random() < 0.85 else "r5 -= r9")
        aligned = [w for w in SIZES if not mask & (w - 1)]
        width = rng.choice(aligned if rng.random() < 0.8 else list(SIZES))
        off = rng.choice((0, 0, 0, 0, 1, 4, 8, -8))
        if rng.random() < 0.55:
            self.emit(f"r3 = *({SIZES[width]} *)(r5 {off:+d})")
            if rng.random() < 0.6:
                self.emit("r9 = r3")
                self.use("r9", out)
        else:
            self.emit(f"*({SIZES[width]} *)(r5 {off:+d}) = {rng.choice(('0', '1', 'r9', 'r7'))}")
            fill = rng.choice(list(SIZES))
            self.emit(f"r3 = *({SIZES[fill]} *)(r10 {rng.choice((-64, -56, -48, -40, -32, -16, -8))})")
            if rng.random() < 0.5:
                self.emit("r9 = r3")
                self.use("r9", out)
        self.emit(f"{out}:")

    def shape_ld_abs(self) -> None:
        rng = self.rng
        out = self.label()
        if not self.prog_type:
            self.prog_type = rng.choice(("socket_filter", "socket_filter", "sched_cls", "sched_act", "xdp"))
        if rng.random() < 0.1:
            self.emit(rng.choice(("r6 = r7", "r6 += 0", "r6 = r10")))
        for _ in range(rng.randint(1, 3)):
            width = rng.choice((1, 2, 4, 4))
            if rng.random() < 0.5:
                self.emit(
                    f"r0 = *({SIZES[width]} *)skb[{rng.choice((0, 12, 14, 23, 26, 30, -1, 0x7FFFFFFF))}]"
                )
            else:
                src = rng.randrange(3)
                if src == 0:
                    self.emit(f"r9 = {rng.choice((0, 4, 14, -4))}")
                elif src == 1:
                    self.unknown("r9")
                    self.refine("r9", out)
                    if rng.random() < 0.5:
                        self.emit(f"r9 &= {rng.choice((15, 0xFF, 0xFFFF))}")
                else:
                    self.emit("r9 = r10")
                self.emit(f"r0 = *({SIZES[width]} *)skb[r9 + {rng.choice((0, 2, 12, -2))}]")
            if rng.random() < 0.08:
                self.emit(f"r3 = r{rng.choice((1, 2, 5, 9))}")
        self.emit("r9 = r0")
        if rng.random() < 0.75:
            self.emit(f"r9 &= {rng.choice((7, 15, 0xFF))}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_ptr_compare(self) -> None:
        rng = self.rng
        out = self.label()

        def pointer(reg: str) -> None:
            kind = rng.randrange(7)
            if kind == 0:
                self.emit(f"{reg} = r7", f"{reg} += {rng.choice((0, 8, 14))}")
            elif kind == 1:
                self.emit(f"{reg} = r8")
            elif kind == 2:
                self.emit(f"{reg} = r10", f"{reg} += {rng.choice((-8, -16, -32))}")
            elif kind == 3:
                self.emit(f"{reg} = r6")
            elif kind == 4:
                self.emit(f"{reg} = map_fd(amap) ll")
            elif kind == 5:
                self.emit(f"{reg} = {rng.choice((0, 8, 14, -1))}")
            else:
                self.unknown(reg)

        self.value_pointer(out, "r9")
        pointer("r5")
        first = rng.choice(("r9", "r9", "r5", "r7"))
        second = rng.choice(("r5", "r5", "r8", "r9", "0", "8"))
        width = "r" if rng.random() < 0.8 else "w"
        op = rng.choice(_JMP)
        a = width + first[1:]
        b = second if second.isdigit() else width + second[1:]
        if rng.random() < 0.5:
            self.emit(f"if {a} {op} {b} goto +1", "r3 = *(u8 *)(r9 +0)")
        else:
            self.emit(f"if {a} {op} {b} goto {out}")
        if rng.random() < 0.5:  # pointer minus pointer (or scalar)
            self.emit(f"r3 = {first}", f"r3 -= {second if not second.isdigit() else 'r5'}")
            if rng.random() < 0.5:
                self.emit(f"r3 &= {rng.choice((7, 15))}")
            self.emit("r9 = r3")
            self.use("r9", out)
        else:
            self.emit(f"r3 = *(u{rng.choice((8, 32, 64))} *)(r9 +{rng.choice((0, 8, 12))})")
        self.emit(f"{out}:")

    def shape_dynptrs(self) -> None:
        rng = self.rng
        out = self.label()
        slot = rng.choice((-16, -16, -24, -24, -32, -12)) if rng.random() < 0.9 else -16
        ringbuf = rng.random() < 0.6
        if ringbuf:
            size = rng.choice((8, 16, 32)) if rng.random() < 0.85 else None
            if size is None:
                self.unknown("r2")
                self.emit(f"r2 &= {rng.choice((15, 31))}")
            else:
                self.emit(f"r2 = {size}")
            self.emit("r1 = map_fd(rb) ll", "r3 = 0", "r4 = r10", f"r4 += {slot}")
            self.emit("call bpf_ringbuf_reserve_dynptr")
        else:
            self.value_pointer(out, "r1")
            self.emit(f"r2 = {rng.choice((4, 8, 16, 16, 17))}", "r3 = 0", "r4 = r10", f"r4 += {slot}")
            self.emit("call bpf_dynptr_from_mem")
        for _ in range(rng.randint(1, 3)):
            act = rng.randrange(7)
            if act == 0:  # bpf_dynptr_read(dst, len, src, off, flags)
                self.emit(
                    "*(u64 *)(r10 -48) = 0", "r1 = r10", "r1 += -48", f"r2 = {rng.choice((1, 4, 8, 9))}"
                )
                self.emit(
                    "r3 = r10",
                    f"r3 += {slot}",
                    f"r4 = {rng.choice((0, 4, 8))}",
                    "r5 = 0",
                    "call bpf_dynptr_read",
                )
            elif act == 1:  # bpf_dynptr_write(dst, off, src, len, flags)
                self.emit(
                    "*(u64 *)(r10 -48) = 7", "r1 = r10", f"r1 += {slot}", f"r2 = {rng.choice((0, 4, 8))}"
                )
                self.emit(
                    "r3 = r10",
                    "r3 += -48",
                    f"r4 = {rng.choice((1, 4, 8, 9))}",
                    "r5 = 0",
                    "call bpf_dynptr_write",
                )
            elif act in (2, 3):  # a slice, NULL-checked (mostly) and accessed
                length = rng.choice((1, 4, 8, 8, 16))
                self.emit("r1 = r10", f"r1 += {slot}", f"r2 = {rng.choice((0, 0, 4))}", f"r3 = {length}")
                self.emit("call bpf_dynptr_data")
                if rng.random() < 0.9:
                    self.emit("if r0 == 0 goto +1")
                width = rng.choice(list(SIZES))
                off = rng.choice((0, 0, length - width, length - 1, length))
                self.emit(
                    f"r3 = *({SIZES[width]} *)(r0 {off:+d})"
                    if rng.random() < 0.6
                    else f"*({SIZES[width]} *)(r0 {off:+d}) = 1"
                )
            elif act == 4:  # the dynptr's own slots touched
                self.emit(
                    rng.choice(
                        (
                            f"*(u64 *)(r10 {slot}) = 0",
                            f"r3 = *(u64 *)(r10 {slot})",
                            f"*(u8 *)(r10 {slot + 8}) = 0",
                        )
                    )
                )
            elif act == 5:
                self.emit(
                    "r1 = r10",
                    f"r1 += {slot}",
                    "call kfunc(bpf_dynptr_size)" if rng.random() < 0.5 else "call kfunc(bpf_dynptr_is_null)",
                )
                self.emit("r9 = r0")
            else:
                self.emit(
                    "r1 = r10", f"r1 += {slot}", "r2 = r10", "r2 += -40", "call kfunc(bpf_dynptr_clone)"
                )
        if ringbuf and rng.random() < 0.9:
            self.emit("r1 = r10", f"r1 += {slot if rng.random() < 0.9 else slot - 8}", "r2 = 0")
            self.emit(f"call {rng.choice(('bpf_ringbuf_submit_dynptr', 'bpf_ringbuf_discard_dynptr'))}")
            if rng.random() < 0.15:  # used after its release
                self.emit("r1 = r10", f"r1 += {slot}", "r2 = 0", "r3 = 8", "call bpf_dynptr_data")
        self.emit(f"{out}:")

    def shape_tail_calls(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"f{self.label()}"
        depth = rng.choice((0, 8, 64, 256, 512))
        if depth:
            self.emit(f"*(u64 *)(r10 -{depth}) = 0")
        in_sub = rng.random() < 0.5
        held = rng.randrange(6) == 0  # a reference held across the tail call
        if held:
            self.emit("r1 = map_fd(rb) ll", "r2 = 8", "r3 = 0", "call bpf_ringbuf_reserve")
            self.emit(f"if r0 == 0 goto {out}", "r9 = r0")

        def tail_call(lines: list[str]) -> None:
            index = rng.choice(("r3 = 0", "r3 = 3", "r3 = 100", "r3 = r5"))
            lines += ["r1 = r10" if rng.random() < 0.1 else "r1 = r6", "r2 = map_fd(pa) ll", index]
            lines.append("call bpf_tail_call")

        if in_sub:
            self.emit("r1 = r6", f"r5 = {rng.randrange(4)}", f"call {func}")
        else:
            lines: list[str] = []
            self.unknown("r5")
            tail_call(lines)
            before = rng.random() < 0.5
            if before:  # the subprogram called before the tail call, after it, or both
                self.emit("r1 = r6", f"call {func}")
                self.unknown("r5")
            self.emit(*lines)
            if not before or rng.random() < 0.3:
                self.emit("r1 = r6", f"call {func}")
        if held:
            self.emit("r1 = r9", "r2 = 0", "call bpf_ringbuf_discard")
        self.emit(f"{out}:")
        body = [f"{func}:", "r6 = r1"]
        sub_depth = rng.choice((0, 8, 64, 256))
        if sub_depth:
            body.append(f"*(u64 *)(r10 -{sub_depth}) = 0")
        if in_sub:
            tail_call(body)
        body += ["r0 = 0", "exit"]
        self.tail.extend(body)

    def shape_nested_loops(self) -> None:
        rng = self.rng
        out = self.label()
        self.emit("*(u64 *)(r10 -8) = 0")
        kinds = [rng.choice(("may_goto", "iter", "counted")) for _ in range(2)]
        ends: list[tuple[str, str, str]] = []
        for level, kind in enumerate(kinds):
            top, done = self.label(), self.label()
            counter = ("r9", "r7")[level] if kind != "iter" else ""
            slot = -24 - 16 * level
            if kind == "iter":
                self.emit("r1 = r10", f"r1 += {slot}", "r2 = 0", f"r3 = {rng.choice((2, 4, 8))}")
                self.emit("call kfunc(bpf_iter_num_new)", f"{top}:", "r1 = r10", f"r1 += {slot}")
                self.emit("call kfunc(bpf_iter_num_next)", f"if r0 == 0 goto {done}")
            else:
                self.emit(f"{counter} = 0", f"{top}:")
                if kind == "may_goto":
                    self.emit(f"may_goto {done}")
            ends.append((kind, top, done))
        # the innermost body: one counter (or the stack slot) as an offset
        act = rng.randrange(3)
        if act == 0:
            self.emit("r5 = *(u64 *)(r10 -8)", f"r5 += {rng.choice((1, 2))}", "*(u64 *)(r10 -8) = r5")
        elif act == 1:
            reg = next((("r9", "r7")[i] for i, k in enumerate(kinds) if k != "iter"), "r0")
            self.emit(
                f"r5 = {reg}" if reg != "r0" else "r5 = *(u32 *)(r0 +0)", f"r5 &= {rng.choice((7, 15, 31))}"
            )
            self.emit("r4 = r10", "r4 += -64", "r4 += r5", "*(u8 *)(r4 +0) = 1")
        else:
            self.emit(
                "r5 = *(u64 *)(r10 -8)",
                f"if r5 > {rng.choice((4, 16))} goto +1",
                "r5 += 1",
                "*(u64 *)(r10 -8) = r5",
            )
        for level in reversed(range(len(kinds))):
            kind, top, done = ends[level]
            counter = ("r9", "r7")[level]
            if kind == "counted":
                self.emit(f"{counter} += 1", f"if {counter} < {rng.choice((3, 4, 8))} goto {top}", f"{done}:")
            elif kind == "may_goto":
                self.emit(f"{counter} += 1")
                self.emit(
                    f"if {counter} < {rng.choice((4, 100))} goto {top}"
                    if rng.random() < 0.5
                    else f"goto {top}"
                )
                self.emit(f"{done}:")
            else:
                slot = -24 - 16 * level
                self.emit(f"goto {top}", f"{done}:")
                if rng.random() < 0.95:
                    self.emit("r1 = r10", f"r1 += {slot}", "call kfunc(bpf_iter_num_destroy)")
        self.emit("r9 = *(u64 *)(r10 -8)")
        if rng.random() < 0.5:
            self.emit(f"r9 &= {rng.choice((7, 15))}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def bounded(self, reg: str, out: str) -> None:
        """``reg`` = an unknown, refined, sometimes a constant or a small range instead."""
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            self.emit(f"{reg} = {rng.choice((0, 1, 2, 7, 31, 32, 63, 64, -1, 0x7FFFFFFF))}")
            return
        self.unknown(reg)
        if kind == 1:
            self.emit(f"{reg} &= {rng.choice((1, 7, 31, 63, 0xFF, 0xFFFF))}")
        elif kind == 2:
            self.emit(
                f"if {reg} {rng.choice(('>', '>=', 's>', 's>='))} {rng.choice((8, 64, 1000))} goto {out}"
            )
            if rng.random() < 0.5:
                self.emit(f"if {reg} {rng.choice(('<', 's<'))} {rng.choice((0, 2, -8))} goto {out}")
        else:
            self.refine(reg, out)

    def shape_alu64_ranges(self) -> None:
        rng = self.rng
        out = self.label()
        self.bounded("r9", out)
        self.emit("*(u64 *)(r10 -64) = r9")
        self.bounded("r9", out)
        self.emit("r5 = r9", "r9 = *(u64 *)(r10 -64)")
        for _ in range(rng.randint(1, 3)):
            step = rng.randrange(5)
            if step <= 2:
                op = rng.choice((*_ALU, "*=", "<<=", ">>=", "s>>=", "s/=", "s%="))
                wide = rng.random() < 0.75
                dst, src = ("r9", "r5") if wide else ("w9", "w5")
                if rng.random() < 0.2:
                    dst, src = src, dst  # the other register takes the result
                self.emit(f"{dst} {op} {src}")
            elif step == 3:
                name = ("r9", "r5") if rng.random() < 0.7 else ("w9", "w5")
                if rng.random() < 0.5:
                    name = name[::-1]
                self.emit(f"if {name[0]} {rng.choice(_JMP)} {name[1]} goto {out}")
            else:
                self.emit(
                    rng.choice(("r9 = -r9", "r5 = r9", "r9 = r5", "w9 = w9", "r9 = (s32)r9", "r9 ^= -1"))
                )
        if rng.random() < 0.3:
            self.emit("r9 = r5")
        if rng.random() < 0.4:
            self.compare_edge("r9", out)
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_kptrs(self) -> None:
        rng = self.rng
        out = self.label()
        self.lookup("km")
        self.emit(f"if r0 == 0 goto {out}", "r9 = r0")
        field = rng.choice(
            (kptr_harness.TASK_OFF, kptr_harness.RAW_OFF, kptr_harness.CG_OFF, kptr_harness.LOCAL_OFF)
        )
        release = {kptr_harness.TASK_OFF: "bpf_task_release", kptr_harness.CG_OFF: "bpf_cgroup_release"}
        acquire = {kptr_harness.TASK_OFF: "bpf_task_acquire", kptr_harness.CG_OFF: "bpf_cgroup_acquire"}
        act = rng.randrange(6)
        if act == 0:  # a plain load of the field (at its size or not), then a dereference
            size, delta = rng.choice(((8, 0), (8, 0), (8, 0), (4, 0), (8, 4), (4, 4)))
            self.emit(f"r1 = *({SIZES[size]} *)(r9 +{field + delta})")
            if rng.random() < 0.8:
                self.emit(f"if r1 == 0 goto {out}")
            self.emit(f"r0 = *(u{rng.choice((32, 64))} *)(r1 +{rng.choice((0, 0, 4, 8))})")
            if rng.random() < 0.3:
                self.emit(f"*(u32 *)(r1 +0) = {rng.choice((0, 1))}")
        elif act == 1:  # a store into the field: zero, a scalar, itself, a stack or another kptr
            source = rng.randrange(5)
            if source == 0:
                self.emit(f"*(u64 *)(r9 +{field}) = 0")
            elif source == 1:
                self.emit(f"r1 = {rng.choice((0, 0, 1))}", f"*(u64 *)(r9 +{field}) = r1")
            elif source == 2:
                other = rng.choice((kptr_harness.TASK_OFF, kptr_harness.RAW_OFF, kptr_harness.CG_OFF))
                self.emit(
                    f"r1 = *(u64 *)(r9 +{other})", f"if r1 == 0 goto {out}", f"*(u64 *)(r9 +{field}) = r1"
                )
            elif source == 3:
                self.emit("r1 = r10", "r1 += -8", f"*(u64 *)(r9 +{field}) = r1")
            else:
                self.emit(f"r1 = *(u64 *)(r9 +{field})", f"*(u64 *)(r9 +{field}) = r1")
        elif act == 2:  # bpf_kptr_xchg: take the object out (NULL in), release it or put it back
            self.emit("r1 = r9", f"r1 += {field}", "r2 = 0", "call bpf_kptr_xchg")
            if rng.random() < 0.85:
                self.emit(f"if r0 == 0 goto {out}")
            self.emit("r8 = r0")
            fate = rng.randrange(4)
            if fate == 0 and field in release:
                self.emit("r1 = r8", f"call kfunc({release[field]})")
            elif fate == 0 and field == kptr_harness.LOCAL_OFF:
                self.emit("r1 = r8", "r2 = 0", "call kfunc(bpf_obj_drop_impl)")
            elif fate == 1:  # back into the map (the field or another), the old value released
                back = (
                    field if rng.random() < 0.7 else rng.choice((kptr_harness.TASK_OFF, kptr_harness.CG_OFF))
                )
                self.emit("r1 = r9", f"r1 += {back}", "r2 = r8", "call bpf_kptr_xchg")
                if rng.random() < 0.8:
                    self.emit(f"if r0 == 0 goto {out}")
                    self.emit("r1 = r0", f"call kfunc({release.get(back, 'bpf_task_release')})")
            elif fate == 2:  # read through it, then released (or leaked)
                self.emit(f"r0 = *(u32 *)(r8 +{rng.choice((0, 0, 4))})")
                if rng.random() < 0.7:
                    self.emit("r1 = r8", f"call kfunc({release.get(field, 'bpf_task_release')})")
            # fate 3: leaked
            self.emit("r8 = *(u32 *)(r6 + 4)")  # data_end again (r8 is the shapes' data_end)
        elif act == 3:  # an rcu pointer loaded from the field acquired, used, released
            loaded = field if field in acquire else kptr_harness.TASK_OFF
            self.emit(f"r1 = *(u64 *)(r9 +{loaded})")
            if rng.random() < 0.85:
                self.emit(f"if r1 == 0 goto {out}")
            self.emit(f"call kfunc({acquire[loaded]})")
            if rng.random() < 0.85:
                self.emit(f"if r0 == 0 goto {out}")
            if rng.random() < 0.5:  # stored with bpf_kptr_xchg into the field, the old one released
                self.emit("r2 = r0", "r1 = r9", f"r1 += {rng.choice((loaded, loaded, kptr_harness.RAW_OFF))}")
                self.emit("call bpf_kptr_xchg", f"if r0 == 0 goto {out}")
            if rng.random() < 0.85:
                self.emit("r1 = r0", f"call kfunc({release[loaded]})")
        elif act == 4:  # a variable offset into the value, over the kptrs
            self.unknown("r5")
            self.emit(f"r5 &= {rng.choice((7, 8, 24, 31))}", "r1 = r9", "r1 += r5")
            self.emit(f"r0 = *(u{rng.choice((8, 32, 64))} *)(r1 +0)")
        elif rng.random() < 0.5:
            self.emit("r1 = r10", "r1 += -48", f"r2 = {rng.choice((8, 16, 40))}", "r3 = r9")
            self.emit("call bpf_probe_read_kernel")
        else:
            self.emit("r1 = 1", f"lock *(u64 *)(r9 +{rng.choice((0, field))}) += r1")
        self.emit(f"{out}:")

    def shape_global_funcs(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"g{self.label()}"
        number = len(self.protos) + 1  # subprograms are numbered in the order the tail holds them
        kind = rng.choice(("ctx", "scalar", "int_ptr", "struct_ptr", "two"))
        linkage = "static " if rng.random() < 0.15 else ""
        end = f"{func}_end"
        body = [f"{func}:", "r0 = 0"]
        if kind == "ctx":
            param = rng.choice(("struct xdp_md:24 *c", "void *c __arg_ctx", "struct __sk_buff:8 *c"))
            self.emit(rng.choice(("r1 = r6", "r1 = r6", "r1 = r10", "r1 = 0", "r1 = r7")))
            body.append(f"r0 = *(u32 *)(r1 +{rng.choice((0, 4, 12, 16, 24))})")
        elif kind == "scalar":
            param = "int x"
            self.bounded("r1", out)
            if rng.random() < 0.1:
                self.emit("r1 = r10")
            body += ["r2 = r10", "r2 += -32"]
            if rng.random() < 0.8:
                body.append(f"r1 &= {rng.choice((7, 15, 31, 63))}")
            body += ["*(u64 *)(r10 -32) = 0", "*(u64 *)(r10 -24) = 0", "r2 += r1", "r0 = *(u8 *)(r2 +0)"]
        else:
            tag = rng.choice(("", "", " __arg_nonnull", " __arg_nullable"))
            size = 4 if kind != "struct_ptr" else 16
            param = f"int *p{tag}" if size == 4 else f"struct pair:16 *p{tag}"
            source = rng.randrange(6)
            if source == 0:
                self.emit(f"*(u64 *)(r10 -16) = {rng.choice((0, 5))}", "*(u64 *)(r10 -8) = 0")
                self.emit("r1 = r10", f"r1 += {rng.choice((-16, -16, -8, -4))}")
            elif source == 1:
                self.emit("r1 = r10", f"r1 += {rng.choice((-16, -8))}")  # not written
            elif source == 2:
                self.value_pointer(out, "r1")
                if rng.random() < 0.2:
                    self.emit(f"r1 += {rng.choice((4, 8, 12))}")
            elif source == 3:
                self.emit("r1 = 0")
            elif source == 4:
                self.emit("r1 = r7", "r2 = r7", f"r2 += {size}", f"if r2 > r8 goto {out}")
            else:
                self.lookup(rng.choice(("hmap", "amap")))
                self.emit("r1 = r0")  # may be NULL
            if "nonnull" not in tag and rng.random() < 0.8:
                body.append(f"if r1 == 0 goto {end}")
            off = rng.choice((0, 0, size - 4, size))
            if rng.random() < 0.5:
                body.append(f"r0 = *(u32 *)(r1 +{off})")
            else:
                body += [f"*(u32 *)(r1 +{off}) = {rng.choice((1, 7))}", "r0 = 1"]
            if kind == "two":
                param += ", int n"
                self.emit("r9 = r1")
                self.bounded("r2", out)
                self.emit("r1 = r9")
                body.insert(2, f"if r2 > {rng.choice((0, 3, 16))} goto {end}")
        body += [f"{end}:", "r0 = 0" if rng.random() < 0.3 else "r0 &= 15", "exit"]
        self.emit(f"call {func}")
        self.protos.append(f"{linkage}int f{number}({param})")
        if rng.random() < 0.7:  # the result: an unknown whatever the body returns
            self.emit("r9 = r0")
            if rng.random() < 0.7:
                self.emit(f"r9 &= {rng.choice((7, 15, 255))}")
            self.use("r9", out)
        self.emit(f"{out}:")
        self.tail.extend(body)

    def shape_pkt_invalidate(self) -> None:
        rng = self.rng
        out = self.label()
        if not self.prog_type:
            self.prog_type = "sched_cls" if rng.random() < 0.3 else "xdp"
        skb = self.prog_type == "sched_cls"
        data, end = (76, 80) if skb else (0, 4)
        if skb:
            self.emit(f"r7 = *(u32 *)(r6 +{data})", f"r8 = *(u32 *)(r6 +{end})")
        checked = rng.choice((8, 14, 20, 34))
        self.emit("r2 = r7", f"r2 += {checked}", f"if r2 > r8 goto {out}")
        keep = rng.randrange(5)  # where a packet pointer waits across the call
        if keep == 1:
            self.emit("r9 = r7", f"r9 += {rng.choice((0, 2, 4))}")
        elif keep == 2:
            self.emit("*(u64 *)(r10 -24) = r7")
        elif keep == 3:
            self.emit("r9 = r2")
        elif keep == 4:  # a slice of a packet dynptr (at fp-48)
            self.emit("r1 = r6", "r2 = 0", "r3 = r10", "r3 += -48")
            self.emit(f"call kfunc(bpf_dynptr_from_{'skb' if skb else 'xdp'})")
            self.emit("r1 = r10", "r1 += -48", f"r2 = {rng.choice((0, 4))}", "r3 = 0", "r4 = 8")
            self.emit(
                f"call kfunc(bpf_dynptr_slice{rng.choice(('', '', '', '_rdwr'))})",
                f"if r0 == 0 goto {out}",
                "r9 = r0",
            )
        helper = self._packet_helper(skb)
        if keep == 4 and rng.random() < 0.2:  # a write into the dynptr instead (an skb's moves the packet)
            helper = ["*(u64 *)(r10 -16) = 0", "r1 = r10", "r1 += -48", "r2 = 0", "r3 = r10", "r3 += -16"]
            helper += ["r4 = 4", "r5 = 0", "call bpf_dynptr_write"]
        how = rng.randrange(5) if helper[-1] != "call bpf_dynptr_write" else 0
        if how <= 2:  # the helper called here
            self.emit(*([] if helper[-1] == "call bpf_dynptr_write" else ["r1 = r6"]), *helper)
        else:  # from a subprogram, static or global, handed the context
            func = f"f{self.label()}"
            number = len(self.protos) + 1
            static = how == 3 or rng.random() < 0.3
            ctx_type = "struct __sk_buff:192 *c" if skb else "struct xdp_md:24 *c"
            self.protos.append(f"{'static ' if static else ''}int f{number}({ctx_type})")
            body = [f"{func}:", "r6 = r1"]
            skip = f"{func}_skip"
            if rng.random() < 0.3:  # the change on one path of the subprogram only
                body += [
                    "r0 = *(u32 *)(r6 +8)" if not skb else "r0 = *(u32 *)(r6 +0)",
                    f"if r0 > 100 goto {skip}",
                ]
            if rng.random() < 0.2:  # the subprogram's own packet pointers, (re)read after the call
                body += [f"r7 = *(u32 *)(r6 +{data})", f"r8 = *(u32 *)(r6 +{end})", "r1 = r6", *helper]
                if rng.random() < 0.6:
                    body += [f"r7 = *(u32 *)(r6 +{data})", f"r8 = *(u32 *)(r6 +{end})"]
                body += ["r2 = r7", "r2 += 4", f"if r2 > r8 goto {skip}", "r0 = *(u32 *)(r7 +0)"]
            else:
                body += ["r1 = r6", *helper]
            body += [f"{skip}:", "r0 = 0", "exit"]
            self.tail.extend(body)
            self.emit("r1 = r6", f"call {func}")
        if rng.random() < 0.3:
            self.emit(f"if r0 != 0 goto {out}")
        reload = rng.random() < 0.85
        if reload:
            self.emit(f"r7 = *(u32 *)(r6 +{data})", f"r8 = *(u32 *)(r6 +{end})")
        size = rng.choice(list(SIZES))
        access = rng.randrange(5)
        if (access == 0 and keep) or (keep == 4 and access < 3):
            self.emit("r9 = *(u64 *)(r10 -24)" if keep == 2 else "r0 = r9")
            self.emit(f"r3 = *({SIZES[size]} *)({'r9' if keep == 2 else 'r0'} +0)")
        elif access == 1:  # data checked again (or not) after the call
            if rng.random() < 0.8:
                self.emit("r2 = r7", f"r2 += {rng.choice((4, 8, 14))}", f"if r2 > r8 goto {out}")
            self.emit(f"r3 = *({SIZES[size]} *)(r7 +{rng.choice((0, 2, 4))})")
        elif access == 2:  # data_end compared with the old pointer
            self.emit("r2 = r7", "r2 += 8", f"if r2 > r8 goto {out}")
            self.emit(f"*({SIZES[size]} *)(r7 +0) = 1")
        elif access == 3:  # a packet pointer made after the call, compared and read below its end
            self.emit("r9 = r7", f"r9 += {rng.choice((4, 8, 14))}", f"if r9 > r8 goto {out}")
            self.emit(f"r3 = *({SIZES[size]} *)(r9 -{rng.choice((1, 4, 8))})")
        else:
            self.emit("r3 = r8", "r3 -= r7")  # the length, pointer minus pointer
            self.emit("r9 = r3", f"r9 &= {rng.choice((7, 15))}")
            self.use("r9", out)
        if not reload and rng.random() < 0.9:  # the next snippet's packet pointers
            self.emit(f"{out}:", f"r7 = *(u32 *)(r6 +{data})", f"r8 = *(u32 *)(r6 +{end})")
            return
        self.emit(f"{out}:")

    def _packet_helper(self, skb: bool) -> list[str]:
        """A helper call on the context in r1 (r6 too): most change the packet data, a few not."""
        rng = self.rng
        delta = rng.choice(("r2 = 0", "r2 = 8", "r2 = -8", "r2 = 14", "r2 = -64", "r2 = r9"))
        if delta == "r2 = r9":
            delta = "r2 = *(u32 *)(r6 +0)"
        if rng.random() < 0.12:  # a tail call: the called program may change the packet
            return ["r2 = map_fd(pa) ll", f"r3 = {rng.choice((0, 1))}", "call bpf_tail_call"]
        if skb:
            name = rng.choice(
                ("pull_data", "pull_data", "change_tail", "change_head", "store_bytes", "load_bytes",
                 "vlan_pop", "adjust_room", "l3_csum_replace", "change_proto")
            )  # fmt: skip
            if name == "adjust_room":
                return [
                    rng.choice(("r2 = 0", "r2 = 8", "r2 = -4")),
                    "r3 = 0",
                    "r4 = 0",
                    "call bpf_skb_adjust_room",
                ]
            if name == "l3_csum_replace":
                return ["r2 = 24", "r3 = 0", "r4 = 0", "r5 = 2", "call bpf_l3_csum_replace"]
            if name == "change_proto":
                return ["r2 = 0xdd86", "r3 = 0", "call bpf_skb_change_proto"]
            if name == "pull_data":
                return [rng.choice(("r2 = 0", "r2 = 14", "r2 = 64")), "call bpf_skb_pull_data"]
            if name in ("change_tail", "change_head"):
                return [rng.choice(("r2 = 64", "r2 = 100", "r2 = 14")), "r3 = 0", f"call bpf_skb_{name}"]
            if name == "vlan_pop":
                return ["call bpf_skb_vlan_pop"]
            return ["*(u64 *)(r10 -16) = 0", "r2 = 0", "r3 = r10", "r3 += -16", "r4 = 4",
                    *(["r5 = 0"] if name == "store_bytes" else []), f"call bpf_skb_{name}"]  # fmt: skip
        name = rng.choice(
            (
                "adjust_head",
                "adjust_head",
                "adjust_tail",
                "adjust_meta",
                "load_bytes",
                "store_bytes",
                "pull_data",
            )
        )
        if name == "pull_data":  # the kfunc (is_kfunc_pkt_changing)
            return [rng.choice(("r2 = 0", "r2 = 14", "r2 = 64")), "call kfunc(bpf_xdp_pull_data)"]
        if name == "adjust_meta":
            return [rng.choice(("r2 = -4", "r2 = -8", "r2 = 0", "r2 = -3")), "call bpf_xdp_adjust_meta"]
        if name in ("load_bytes", "store_bytes"):
            return [
                "*(u64 *)(r10 -16) = 0",
                "r2 = 0",
                "r3 = r10",
                "r3 += -16",
                "r4 = 4",
                f"call bpf_xdp_{name}",
            ]
        return [delta, f"call bpf_xdp_{name}"]

    def shape_stack_ptr_chain(self) -> None:
        rng = self.rng
        out = self.label()
        f, g = f"f{self.label()}", f"g{self.label()}"
        written = rng.choice((0, 8, 16, 32, 32))
        for off in range(-32, -32 + written, 8):
            self.emit(f"*(u64 *)(r10 {off}) = {rng.choice((0, 1, 4, 8, 100))}")
        self.bounded("r9", out)
        self.emit("r1 = r10", f"r1 += {rng.choice((-32, -32, -24, -16, -8, -4))}", "r2 = r9")
        self.emit(f"call {f}")
        if rng.random() < 0.4:
            self.emit("r9 = r0")
        else:
            size = rng.choice((1, 4, 8, 8))
            self.emit(f"r9 = *({SIZES[size]} *)(r10 -{rng.choice((32, 24, 16, 8))})")
        if rng.random() < 0.7:
            self.emit(f"r9 &= {rng.choice((7, 15, 63))}")
        self.use("r9", out)
        self.emit(f"{out}:")
        body = [f"{f}:"]
        act = rng.randrange(7)
        off = rng.choice((0, 0, 4, 8, 16, 24, 32))
        size = rng.choice(list(SIZES))
        if act == 0:  # handed down, moved or not
            if rng.random() < 0.4:
                body.append(f"r1 += {rng.choice((4, 8, 16))}")
            body += [f"call {g}"]
        elif act == 1:  # spilled into this frame, filled, written through
            body += ["*(u64 *)(r10 -8) = r1", "r4 = *(u64 *)(r10 -8)", f"*({SIZES[size]} *)(r4 +{off}) = r2"]
            body.append(f"r0 = *({SIZES[size]} *)(r4 +0)")
        elif act == 2:  # a scalar written through, then read back
            body += [f"*({SIZES[size]} *)(r1 +{off}) = r2", f"r0 = *(u64 *)(r1 +{rng.choice((0, 8))})"]
        elif act == 3:  # a variable offset into the caller's frame
            body += [
                f"r2 &= {rng.choice((3, 7, 15, 31))}",
                "r1 += r2",
                f"*(u8 *)(r1 +{rng.randrange(4)}) = 1",
            ]
            body.append(f"r0 = *(u8 *)(r1 +{rng.randrange(4)})" if rng.random() < 0.5 else "r0 = 0")
        elif act == 4:  # a pointer spilled into the caller's frame: its own, or this frame's
            ptr = rng.choice(("r1", "r10", "r3"))
            if ptr == "r3":
                body += ["r3 = r10", "r3 += -16"]
            body += [f"*(u64 *)(r1 +{rng.choice((0, 8))}) = {ptr}", "r0 = 0"]
        elif act == 5:  # this frame's stack handed down with the caller's pointer in it
            body += ["*(u64 *)(r10 -16) = r1", "*(u64 *)(r10 -8) = r2", "r1 = r10", "r1 += -16", f"call {g}"]
            body.append(f"r0 = *(u64 *)(r10 -{rng.choice((8, 8, 8, 16))})")
        else:  # the caller's value relied on here
            body += [
                f"r0 = *(u64 *)(r1 +{rng.choice((0, 8))})",
                f"if r0 > {rng.choice((8, 16, 100))} goto +1",
            ]
            body += ["r1 = r10", "r1 += -32", "r1 += r0", "r0 = *(u8 *)(r1 +0)"]
        body.append("exit")
        inner = [f"{g}:"]
        form = rng.randrange(4)
        if form == 0:
            inner += [f"*({SIZES[size]} *)(r1 +{off}) = {rng.choice(('r2', '7'))}", "r0 = 0"]
        elif form == 1:
            inner.append(f"r0 = *({SIZES[size]} *)(r1 +{rng.choice((0, 8))})")
        elif form == 2:  # a pointer filled from the frame handed down, written through
            inner += ["r3 = *(u64 *)(r1 +0)", f"*({SIZES[size]} *)(r3 +{off}) = 5", "r0 = *(u64 *)(r1 +8)"]
        else:
            inner += ["r2 &= 7", "r1 += r2", "r0 = *(u8 *)(r1 +0)"]
        inner.append("exit")
        self.tail.extend(body)
        if act in (0, 5):
            self.tail.extend(inner)

    def shape_callback_stack(self) -> None:
        rng = self.rng
        out = self.label()
        cb = f"cb{self.label()}"
        written = rng.choice((0, 16, 32, 32, 32))
        for off in range(-32, -32 + written, 8):
            self.emit(f"*(u64 *)(r10 {off}) = {rng.choice((0, 0, 1, 3))}")
        foreach = rng.random() < 0.25
        if foreach:
            self.emit("r1 = map_fd(amap) ll", f"r2 = func({cb}) ll")
        else:
            if rng.random() < 0.6:
                self.emit(f"r1 = {rng.choice((1, 4, 8, 100))}")
            else:
                self.unknown("r1")
                self.emit(f"r1 &= {rng.choice((7, 63))}")
            self.emit(f"r2 = func({cb}) ll")
        self.emit("r3 = r10", f"r3 += {rng.choice((-32, -32, -16))}", "r4 = 0")
        self.emit("call bpf_for_each_map_elem" if foreach else "call bpf_loop")
        size = rng.choice((1, 4, 8, 8))
        self.emit(f"r9 = *({SIZES[size]} *)(r10 -{rng.choice((32, 24, 16, 8))})")
        if rng.random() < 0.7:
            self.emit(f"r9 &= {rng.choice((7, 15, 63))}")
        self.use("r9", out)
        self.emit(f"{out}:")
        # bpf_loop: r1 the index, r2 the context; for_each: r1 map, r2 key, r3 value, r4 context
        ctx, index = ("r4", "r5") if foreach else ("r2", "r1")
        body = [f"{cb}:"]
        if foreach:
            body.append("r5 = *(u32 *)(r2 +0)")
        done = f"{cb}_done"
        act = rng.randrange(6)
        if act == 0:  # the index at a variable offset of the caller's buffer
            body += ["r0 = " + index, f"r0 &= {rng.choice((7, 15, 31))}", f"{ctx} += r0"]
            body.append(f"*({SIZES[rng.choice((1, 1, 4))]} *)({ctx} +0) = {index}")
        elif act == 1:  # a counter incremented, bounded or not
            slot = rng.choice((0, 8))
            body.append(f"r0 = *(u64 *)({ctx} +{slot})")
            if rng.random() < 0.6:
                body.append(f"if r0 > {rng.choice((3, 8, 15))} goto {done}")
            body += [f"r0 += {rng.choice((1, 2))}", f"*(u64 *)({ctx} +{slot}) = r0"]
        elif act == 2:  # a pointer spilled into the caller's frame
            ptr = rng.choice((ctx, "r10"))
            body.append(f"*(u64 *)({ctx} +{rng.choice((0, 8))}) = {ptr}")
        elif act == 3:  # the callback's own stack, then the caller's
            body += [f"*(u64 *)(r10 -8) = {index}", "r0 = *(u64 *)(r10 -8)", "r0 &= 7"]
            body += [f"*(u8 *)({ctx} +{rng.choice((0, 8, 15))}) = r0"]
        elif act == 4:  # a static subprogram handed the caller's pointer
            sub = f"{cb}_s"
            body += [f"r1 = {ctx}", f"r2 = {index}", f"call {sub}"]
            self.tail.extend([f"{sub}:", f"r2 &= {rng.choice((7, 15))}", "r1 += r2", "*(u8 *)(r1 +0) = 1",
                              "r0 = 0", "exit"])  # fmt: skip
        else:  # a read of the caller's buffer relied on
            body += [f"r0 = *(u{rng.choice((8, 64))} *)({ctx} +{rng.choice((0, 8, 16))})"]
            body += ["r0 &= 15", "r3 = r10", "r3 += -16", "r3 += r0", "*(u8 *)(r3 +0) = 1"]
        body += [f"{done}:", rng.choice(("r0 = 0", "r0 = 0", "r0 = 1", "r0 = 2"))]
        body.append("exit")
        self.tail.extend(body)

    def shape_spill_precision(self) -> None:
        rng = self.rng
        out = self.label()
        self.bounded("r9", out)
        slot = rng.choice((8, 16))
        how = rng.randrange(5)
        if how == 0:
            self.emit(f"*(u64 *)(r10 -{slot}) = r9")
        elif how == 1:
            self.emit(f"*(u32 *)(r10 -{slot}) = w9")
        elif how == 2:  # through a copy of r10
            self.emit("r4 = r10", f"*(u64 *)(r4 -{slot}) = r9")
        elif how == 3:
            self.emit(f"*(u64 *)(r10 -{slot}) = {rng.choice((0, 4, 8, 16, 100))}")
        else:  # two copies, one spilled
            self.emit("r5 = r9", f"*(u64 *)(r10 -{slot}) = r5")
        if how != 3 and rng.random() < 0.4:  # the register bounded after the spill: the slot shares its id
            if rng.random() < 0.3:
                self.emit(f"r9 += {rng.choice((1, 4, -2))}")
            name = "r9" if rng.random() < 0.7 else "w9"
            self.emit(
                f"if {name} {rng.choice(('>', '>=', 's>', '<'))} {rng.choice((4, 8, 15, 16, 100))} goto {out}"
            )
        for _ in range(rng.randint(0, 2)):
            other = self.label()
            self.unknown("r5")
            self.emit(f"if r5 {rng.choice(_JMP)} {rng.choice(_EDGES)} goto {other}")
            what = rng.randrange(5)
            if what == 0:
                self.emit(f"*(u64 *)(r10 -{slot}) = {rng.choice((0, 7, 8, 15, 16, 200))}")
            elif what == 1:
                self.emit(f"*(u32 *)(r10 -{slot}) = {rng.choice((0, 7, 16))}")
            elif what == 2:
                self.emit(f"*(u8 *)(r10 -{slot - rng.choice((0, 1, 7))}) = 1")
            elif what == 3:
                self.emit(f"r5 &= {rng.choice((7, 15, 31))}", f"*(u64 *)(r10 -{slot}) = r5")
            else:
                self.emit(f"r9 = {rng.choice((0, 4))}")
            self.emit(f"{other}:")
        if rng.random() < 0.3:  # a call in between: the slot read or written by the callee
            func = f"f{self.label()}"
            self.emit("r1 = r10", f"r1 += -{slot}", f"call {func}")
            self.tail += [f"{func}:", rng.choice(("r0 = *(u64 *)(r1 +0)", "*(u64 *)(r1 +0) = 3", "r0 = 0")),
                          "r0 = 0", "exit"]  # fmt: skip
        fill = rng.randrange(4)
        if fill == 0:
            self.emit(f"r9 = *(u64 *)(r10 -{slot})")
        elif fill == 1:
            self.emit(f"r9 = *(u32 *)(r10 -{slot})")
        elif fill == 2:
            self.emit(f"r9 = *(u8 *)(r10 -{slot})")
        else:
            self.emit("r4 = r10", f"r4 += -{slot}", "r9 = *(u64 *)(r4 +0)")
        if rng.random() < 0.3:
            self.emit(f"if r9 > {rng.choice((8, 15, 16))} goto {out}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_atomic_stack(self) -> None:
        rng = self.rng
        out = self.label()
        slot = rng.choice((-8, -16))
        wide = rng.random() < 0.6
        init = rng.randrange(6)
        if init == 0:
            self.emit(f"*(u64 *)(r10 {slot}) = {rng.choice((0, 1, 7, 8, 100))}")
        elif init == 1:
            self.bounded("r9", out)
            self.emit(f"*(u64 *)(r10 {slot}) = r9")
        elif init == 2:  # a pointer spilled there
            if rng.random() < 0.5:
                self.value_pointer(out, "r5")
                ptr = "r5"
            else:
                ptr = rng.choice(("r6", "r7", "r10"))
            self.emit(f"*(u64 *)(r10 {slot}) = {ptr}")
        elif init == 3:
            self.emit(f"*(u32 *)(r10 {slot}) = {rng.choice((0, 3))}")
        elif init == 4:  # a map value instead of the stack
            self.value_pointer(out, "r5")
        # else: nothing written
        if init == 4:
            base, off = "r5", rng.choice((0, 0, 8, 4, 12, 16))
        elif rng.random() < 0.25:
            self.emit("r4 = r10", f"r4 += {slot}")
            base, off = "r4", rng.choice((0, 0, 0, 4))
        else:
            base, off = "r10", slot + (rng.choice((0, 0, 4)) if not wide else 0)
        self.emit(f"r1 = {rng.choice((0, 1, 3, 8, -1))}")
        reg, ptr = ("r1", f"(u64 *)({base} {off:+d})") if wide else ("w1", f"(u32 *)({base} {off:+d})")
        form = rng.randrange(6)
        if form == 0:
            self.emit(f"lock *{ptr} {rng.choice(('+=', '|=', '&=', '^='))} {reg}", "r9 = 0")
        elif form == 1:
            self.emit(
                f"{reg} = atomic_fetch_{rng.choice(('add', 'and', 'or', 'xor'))}({ptr}, {reg})", "r9 = r1"
            )
        elif form == 2:
            call = "xchg_64" if wide else "xchg32_32"
            self.emit(f"{reg} = {call}({base} {off:+d}, {reg})", "r9 = r1")
        elif form == 3:
            self.emit(f"r0 = {rng.choice((0, 0, 1))}")
            call, r0 = ("cmpxchg_64", "r0") if wide else ("cmpxchg32_32", "w0")
            self.emit(f"{r0} = {call}({base} {off:+d}, {r0}, {reg})", "r9 = r0")
        elif form == 4:
            width = rng.choice((8, 16, 32, 64))
            self.emit(f"r9 = load_acquire((u{width} *)({base} {off:+d}))")
        else:
            width = rng.choice((8, 16, 32, 64))
            self.emit(f"store_release((u{width} *)({base} {off:+d}), r1)", "r9 = 0")
        if rng.random() < 0.6:  # the slot (or value) read back and relied on
            self.emit(f"r9 = *(u{rng.choice((32, 64, 64))} *)({base} {off:+d})")
        if rng.random() < 0.5:
            self.emit(f"r9 &= {rng.choice((7, 15, 63))}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_helper_ret(self) -> None:
        rng = self.rng
        out = self.label()
        size = rng.choice((8, 16, 32))
        call = rng.randrange(9)
        if call == 0:
            self.emit("call bpf_get_smp_processor_id")
        elif call == 1:
            self.emit("call bpf_get_numa_node_id")
        elif call in (2, 3):  # a string copied into the stack: at most its size
            self.emit("r1 = r10", f"r1 += -{size}", f"r2 = {size}")
            self.emit(rng.choice(("r3 = r6", "r3 = 0", "r3 = r10")))
            self.emit(f"call bpf_probe_read_{rng.choice(('kernel', 'user'))}_str")
        elif call == 4:
            self.emit("r1 = r6", "call bpf_xdp_get_buff_len")
        elif call == 5:
            for off in range(-size, 0, 8):
                self.emit(f"*(u64 *)(r10 {off}) = 0")
            self.emit("r1 = r10", f"r1 += -{size}", f"r2 = {size}", "r3 = 0", "r4 = 0", "r5 = 0")
            self.emit("call bpf_csum_diff")
        elif call == 6:
            self.emit("r1 = map_fd(rb) ll", f"r2 = {rng.choice((0, 1, 2, 3))}", "call bpf_ringbuf_query")
        elif call == 7:
            self.emit(f"r1 = {rng.choice((1, 8, 100))}", f"r2 = func({out}_cb) ll")
            self.emit("r3 = 0", "r4 = 0", "call bpf_loop")
            self.tail += [f"{out}_cb:", f"r0 = {rng.choice((0, 0, 1))}", "exit"]
        else:
            self.emit("*(u32 *)(r10 -4) = 0", "*(u64 *)(r10 -24) = 0", "*(u64 *)(r10 -16) = 0")
            self.emit("r1 = map_fd(hmap) ll", "r2 = r10", "r2 += -4", "r3 = r10", "r3 += -24", "r4 = 0")
            self.emit("call bpf_map_update_elem")
        self.emit("r9 = r0")
        refine = rng.randrange(4)
        if refine == 0:  # the error values out, the upper bound left to the helper's range
            self.emit(f"if r9 {rng.choice(('s<', 's<=', '<'))} {rng.choice((0, 1))} goto {out}")
            if rng.random() < 0.3:
                self.emit(f"if r9 > {rng.choice((size, 64, 1000))} goto {out}")
        elif refine == 1:
            self.emit(f"if w9 {rng.choice(('s<', '>'))} {rng.choice((0, size))} goto {out}")
        elif refine == 2:
            self.emit(f"r9 &= {rng.choice((15, 31, 63))}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_pkt_end_marks(self) -> None:
        rng = self.rng
        out = self.label()
        ops = (">", ">=", "<", "<=")
        moved = rng.choice((0, 8, 14, 14))
        self.emit("r9 = r7", f"r9 += {moved}")
        join = self.label()
        other = self.label()
        self.unknown("r5")
        self.emit(f"if r5 {rng.choice(_JMP)} {rng.choice(_EDGES)} goto {other}")
        for side in range(2):  # each side compares (or not) the pointer with data_end
            what = rng.randrange(4)
            leave = False
            if what <= 1:
                a, b = ("r9", "r8") if what == 0 else ("r8", "r9")
                leave = rng.random() < 0.4  # the other outcome leaves
                self.emit(f"if {a} {rng.choice(ops)} {b} goto {join if leave else out}")
                if leave:
                    self.emit(f"goto {out}")
            elif what == 2:
                self.emit("r2 = r9", "r2 += 4", f"if r2 > r8 goto {out}")
            if side == 0:
                if not leave:
                    self.emit(f"goto {join}")
                self.emit(f"{other}:")
        self.emit(f"{join}:")
        if rng.random() < 0.8:
            a, b = ("r9", "r8") if rng.random() < 0.6 else ("r8", "r9")
            self.emit(f"if {a} {rng.choice(ops)} {b} goto {out}")
        size = rng.choice(list(SIZES))
        off = -rng.choice((size, size, moved, moved + 1, 0, 1))
        if rng.random() < 0.7:
            self.emit(f"r3 = *({SIZES[size]} *)(r9 {off:+d})")
        else:
            self.emit(f"*({SIZES[size]} *)(r9 {off:+d}) = 1")
        self.emit(f"{out}:")

    def shape_map_value_imm(self) -> None:
        rng = self.rng
        out = self.label()
        name = rng.choice(("one", "one", "one", "ro", "ro", "ro", "wo", "amap", "hmap"))
        size = {"one": 48, "ro": 16, "wo": 16}.get(name, 16)
        off = rng.choice((0, 0, 0, 4, 8, 8, 12, size - 1, size))
        self.emit(f"r9 = map_value({name}, {off}) ll")
        act = rng.randrange(7)
        width = rng.choice(list(SIZES))
        at = rng.choice(
            (0, 0, 0, 4, -4, -off, size - off - width, size - off - width, size - off - width + 1)
        )
        if act == 0:  # a read at a constant offset, relied on (a constant when read-only and frozen)
            self.emit(f"r3 = *({SIZES[width]} *)(r9 {at:+d})")
            if rng.random() < 0.7:
                self.emit(f"r3 &= {rng.choice((7, 15, 63, 0xFF))}")
            self.use("r3", out)
        elif act == 1:  # a write
            self.emit(f"*({SIZES[width]} *)(r9 {at:+d}) = {rng.randrange(100)}")
        elif act == 2:  # a variable offset
            self.unknown("r5")
            self.emit(f"r5 &= {rng.choice((3, 7, 15, 31))}", "r9 += r5")
            if rng.random() < 0.5:
                self.emit(f"r3 = *({SIZES[width]} *)(r9 +{rng.choice((0, 0, 4, 8))})")
            else:
                self.emit(f"*({SIZES[width]} *)(r9 +{rng.choice((0, 0, 4, 8))}) = 1")
        elif act == 3:  # a helper's key, value or buffer
            what = rng.randrange(3)
            if what == 0:
                self.emit("r1 = map_fd(hmap) ll", "r2 = r9", "call bpf_map_lookup_elem")
                self.emit(f"if r0 == 0 goto {out}", "r3 = *(u64 *)(r0 +0)")
            elif what == 1:
                self.emit("*(u32 *)(r10 -4) = 0", "r1 = map_fd(hmap) ll", "r2 = r10", "r2 += -4")
                self.emit("r3 = r9", "r4 = 0", "call bpf_map_update_elem")
            else:
                self.emit(
                    "r1 = r9", f"r2 = {rng.choice((4, 8, 16, size))}", "r3 = 0", "call bpf_probe_read_kernel"
                )
        elif act == 4:  # spilled, filled, then used
            self.emit("*(u64 *)(r10 -16) = r9", "r5 = *(u64 *)(r10 -16)", f"r3 = *(u32 *)(r5 +{max(at, 0)})")
        elif act == 5:  # compared with NULL: never NULL
            self.emit(f"if r9 {rng.choice(('==', '!='))} 0 goto +1")
            self.trap()
        else:  # moved by a constant past the value or back into it
            self.emit(
                f"r9 += {rng.choice((-4, 4, 8, size, -off))}", f"r3 = *(u8 *)(r9 +{rng.choice((0, 3))})"
            )
        self.emit(f"{out}:")

    def shape_signed_value_off(self) -> None:
        rng = self.rng
        out = self.label()
        self.unknown("r9")
        form = rng.randrange(6)
        if form == 0:
            self.emit(f"r9 = (s{rng.choice((8, 16))})r9")
        elif form == 1:
            shift = rng.choice((56, 60, 61))
            self.emit(f"r9 <<= {shift}", f"r9 s>>= {shift}")
        elif form == 2:
            self.emit(f"r9 &= {rng.choice((7, 15, 31))}", f"r9 -= {rng.choice((4, 8, 16))}")
        elif form == 3:
            self.emit(f"w9 &= {rng.choice((7, 15))}", f"w9 -= {rng.choice((4, 8))}")
        elif form == 4:
            self.emit("r9 = (s8)r9", f"if r9 s> {rng.choice((0, 7, 15))} goto {out}")
        else:
            self.emit(f"r9 &= {rng.choice((7, 15))}", "r9 = -r9")
        for _ in range(rng.randint(0, 2)):
            op = rng.choice(("s<", "s<=", "s>", "s>=", "<", ">", ">=", "<="))
            imm = rng.choice((-16, -8, -1, 0, 1, 7, 8, 15, 16))
            self.emit(f"if {'r9' if rng.random() < 0.7 else 'w9'} {op} {imm} goto {out}")
        lo = 0
        if rng.random() < 0.6:  # a signed window, the pointer moved past its negative end
            lo = rng.choice((0, -4, -8, -16))
            self.emit(f"if r9 s< {lo} goto {out}")
            if rng.random() < 0.7:
                self.emit(f"if r9 s> {rng.choice((0, 4, 7, 8))} goto {out}")
        self.value_pointer(out, "r5")  # (after the helper unknown() may call: r5 survives the lookup only)
        if lo and rng.random() < 0.7:
            self.emit(f"r5 += {-lo}")
        how = rng.randrange(4)
        if how == 0:
            self.emit("r5 += r9")
        elif how == 1:
            self.emit("r5 -= r9")
        elif how == 2:
            self.emit("r9 += r5", "r5 = r9")
        else:
            self.emit(f"r5 += {rng.choice((8, 15, 16))}", "r5 += r9")
        width = rng.choice(list(SIZES))
        at = rng.choice((-16, -8, -1, 0, 0, 4, 8, 15))
        if rng.random() < 0.6:
            self.emit(f"r3 = *({SIZES[width]} *)(r5 {at:+d})")
        else:
            self.emit(f"*({SIZES[width]} *)(r5 {at:+d}) = 1")
        if rng.random() < 0.3:  # moved back by the same register: the variable part cancels only in value
            self.emit("r5 -= r9", "r3 = *(u8 *)(r5 +0)")
        self.emit(f"{out}:")

    def shape_jset_chains(self) -> None:
        rng = self.rng
        out = self.label()
        masks = (1, 2, 4, 8, 0x10, 0x80, 3, 0xF0, 0xFF, 0x100, 0x7FFFFFFF, -1, -0x80000000)
        if rng.random() < 0.3:
            self.emit(f"r9 = {rng.choice((0, 1, 6, 0x80, 0x100, -1))}")
        else:
            self.unknown("r9")
            if rng.random() < 0.6:
                self.emit(f"r9 &= {rng.choice((0xF, 0xFF, 0x1F0, 0xFFFF))}")
        for _ in range(rng.randint(1, 4)):
            name = "r9" if rng.random() < 0.65 else "w9"
            kind = rng.randrange(5)
            if kind == 0:
                self.emit(f"if {name} & {rng.choice(masks)} goto {out}")
            elif kind == 1:  # the bit required: the other side leaves
                self.emit(f"if {name} & {rng.choice(masks)} goto +1", f"goto {out}")
            elif kind == 2:
                self.emit(
                    f"r4 = {rng.choice(masks)}", f"if {name} & {'r4' if name == 'r9' else 'w4'} goto {out}"
                )
            elif kind == 3:  # a wide mask through a register
                self.emit(f"r4 = {rng.choice(_WIDE_EDGES)} ll", f"if r9 & r4 goto {out}")
            else:  # an equality the bits decide
                op = rng.choice(("==", "!=", ">", "<"))
                self.emit(f"if {name} {op} {rng.choice((0, 1, 8, 0x10, 0xF0))} goto {out}")
        if rng.random() < 0.5:
            self.emit(f"r9 &= {rng.choice((7, 15, 0xFF, 0x1F))}")
        if rng.random() < 0.5:
            self.guarded_trap("r9")
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_subprog_ret_ptr(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"f{self.label()}"
        arg = rng.randrange(5)
        if arg == 0:
            self.emit("*(u64 *)(r10 -16) = 0", "*(u64 *)(r10 -8) = 0", "r1 = r10", "r1 += -16")
        elif arg == 1:
            self.emit("r1 = r6")
        elif arg == 2:
            self.emit("r2 = r7", "r2 += 16", f"if r2 > r8 goto {out}", "r1 = r7")
        elif arg == 3:
            self.value_pointer(out, "r1")
        else:
            self.unknown("r1")
            self.emit("r1 &= 15")
        self.emit(f"call {func}", "r9 = r0")
        use = rng.randrange(5)
        if use == 0:  # a pointer or NULL: checked, then read
            self.emit(f"if r9 == 0 goto {out}", f"r3 = *(u32 *)(r9 +{rng.choice((0, 4, 12, 16))})")
        elif use == 1:  # read without a check
            self.emit(f"r3 = *(u8 *)(r9 +{rng.choice((0, 1))})")
        elif use == 2:  # written through
            self.emit(f"if r9 == 0 goto {out}", f"*(u32 *)(r9 +{rng.choice((0, 4, 8))}) = 1")
        elif use == 3:  # as a scalar
            self.emit("r9 &= 15")
            self.use("r9", out)
        else:  # compared with data_end
            self.emit(f"if r9 > r8 goto {out}", "r3 = *(u8 *)(r9 +0)")
        self.emit(f"{out}:")
        body = [f"{func}:"]
        ret = rng.randrange(8)
        if ret == 0:  # the argument back
            body.append("r0 = r1")
        elif ret == 1:  # the argument moved
            body += ["r0 = r1", f"r0 += {rng.choice((4, 8, 16))}"]
        elif ret == 2:  # a lookup's result, checked or not
            body += [
                "*(u32 *)(r10 -4) = 0",
                "r2 = r10",
                "r2 += -4",
                f"r1 = map_fd({rng.choice(('hmap', 'amap'))}) ll",
            ]
            body.append("call bpf_map_lookup_elem")
            if rng.random() < 0.5:
                body += ["if r0 != 0 goto +1", "r0 = 0"]
        elif ret == 3:  # its own stack
            body += ["*(u64 *)(r10 -8) = 0", "r0 = r10", "r0 += -8"]
        elif ret == 4:  # the pointer on one path, a scalar on the other
            body += ["r0 = 0", "if r1 == 0 goto +1", "r0 = r1"]
        elif ret == 5:  # a bounded scalar
            body += ["call bpf_get_prandom_u32", f"r0 &= {rng.choice((7, 15, 63))}"]
        elif ret == 6:  # a register the callee never had
            body.append(f"r0 = r{rng.choice((6, 7, 9))}")
        else:  # a read through the argument
            body.append(f"r0 = *(u{rng.choice((8, 32, 64))} *)(r1 +0)")
        body.append("exit")
        self.tail.extend(body)

    def shape_array_const_key(self) -> None:
        rng = self.rng
        out = self.label()
        name = rng.choice(("amap", "amap", "pcpu", "one", "hmap"))
        entries = {"amap": 4, "pcpu": 4, "one": 1, "hmap": 8}[name]
        key = rng.choice((0, 0, 1, entries - 1, entries - 1, entries, entries + 1, -1))
        slot = rng.choice((-4, -8, -8, -12))
        how = rng.randrange(7)
        if how == 0:
            self.emit(f"*(u32 *)(r10 {slot}) = {key}")
        elif how == 1:  # through a register
            self.emit(f"r1 = {key}", f"*(u32 *)(r10 {slot}) = r1")
        elif how == 2:  # an 8-byte store, the key its low half
            slot = -8
            self.emit(f"*(u64 *)(r10 -8) = {key}")
        elif how == 3:  # a bounded unknown key
            self.unknown("r1")
            self.emit(f"r1 &= {rng.choice((0, 1, 3, 7))}", f"*(u32 *)(r10 {slot}) = r1")
        elif how == 4:  # half the key written
            self.emit(f"*(u16 *)(r10 {slot}) = {key}")
        elif how == 5:  # written, then a byte of it overwritten
            self.emit(
                f"*(u32 *)(r10 {slot}) = {key}",
                f"*(u8 *)(r10 {slot + rng.randrange(4)}) = {rng.randrange(3)}",
            )
        else:  # the key from a spilled constant that a branch changes
            self.unknown("r5")
            self.emit(
                f"*(u32 *)(r10 {slot}) = {key}",
                "if r5 > 100 goto +1",
                f"*(u32 *)(r10 {slot}) = {rng.choice((0, 9))}",
            )
        self.emit("r2 = r10", f"r2 += {slot}", f"r1 = map_fd({name}) ll", "call bpf_map_lookup_elem")
        if rng.random() < 0.4:
            self.emit(f"if r0 == 0 goto {out}")
        width = rng.choice(list(SIZES))
        at = rng.choice((0, 0, 8, 12, 16 - width, 15))
        if rng.random() < 0.6:
            self.emit(f"r3 = *({SIZES[width]} *)(r0 +{at})")
        else:
            self.emit(f"*({SIZES[width]} *)(r0 +{at}) = 1")
        if rng.random() < 0.3:  # the result compared with NULL afterwards: decided or not
            self.emit("if r0 != 0 goto +1")
            self.trap()
        self.emit(f"{out}:")

    def shape_map_helpers(self) -> None:
        rng = self.rng
        out = self.label()
        name = rng.choice(("q", "st", "q", "hmap", "amap", "rb", "pcpu"))
        written = rng.choice((0, 4, 8, 8))
        if written == 8:
            self.emit(f"*(u64 *)(r10 -8) = {rng.randrange(10)}")
        elif written == 4:
            self.emit("*(u32 *)(r10 -8) = 1")
        self.emit(f"r1 = map_fd({name}) ll", "r2 = r10", f"r2 += {rng.choice((-8, -8, -8, -4))}")
        fitting = {
            "q": (0, 1, 2),
            "st": (0, 1, 2),
            "hmap": (3, 4, 5),
            "amap": (3, 5),
            "rb": (6,),
            "pcpu": (3, 5, 7),
        }
        call = rng.choice(fitting[name]) if rng.random() < 0.7 else rng.randrange(8)
        if call == 0:
            self.emit(f"r3 = {rng.choice((0, 0, 2, 4))}", "call bpf_map_push_elem")
        elif call == 1:
            self.emit("call bpf_map_pop_elem")
        elif call == 2:
            self.emit("call bpf_map_peek_elem")
        elif call == 3:
            self.emit("call bpf_map_lookup_elem", f"if r0 == 0 goto {out}", "r3 = *(u32 *)(r0 +0)")
        elif call == 4:
            self.emit("call bpf_map_delete_elem")
        elif call == 5:
            self.emit("r3 = r10", "r3 += -24", "*(u64 *)(r10 -24) = 0", "*(u64 *)(r10 -16) = 0", "r4 = 0")
            self.emit("call bpf_map_update_elem")
        elif call == 6:
            self.emit(f"r3 = {rng.choice((4, 8, 16))}", "r4 = 0", "call bpf_ringbuf_output")
        else:
            self.emit(f"r3 = {rng.choice((0, 1, 512))}", "call bpf_map_lookup_percpu_elem")
            self.emit(f"if r0 == 0 goto {out}", "r3 = *(u32 *)(r0 +0)")
        if rng.random() < 0.6:  # the buffer read back (written by pop/peek?)
            self.emit(f"r9 = *(u{rng.choice((32, 64))} *)(r10 -8)", "r9 &= 15")
            self.use("r9", out)
        elif rng.random() < 0.5:
            self.emit("r9 = r0", f"if r9 s< 0 goto {out}")
            self.use("r9", out)
        self.emit(f"{out}:")

    def shape_reg_compare_ids(self) -> None:
        rng = self.rng
        out = self.label()
        self.unknown("r9")
        if rng.random() < 0.6:
            self.emit(f"r9 &= {rng.choice((7, 15, 0xFF, 0xFFFF))}")
        copy = rng.randrange(5)
        if copy == 0:
            self.emit("r5 = r9")
        elif copy == 1:
            self.emit("r5 = r9", f"r5 += {rng.choice((1, 4, -4, 8))}")
        elif copy == 2:
            self.emit("w5 = w9")
        elif copy == 3:  # an independent unknown
            self.unknown("r5")
            self.emit(f"r5 &= {rng.choice((7, 15, 31))}")
        else:  # a constant
            self.emit(f"r5 = {rng.choice((0, 4, 8, 16))}")
        for _ in range(rng.randint(1, 3)):
            a, b = ("r9", "r5") if rng.random() < 0.5 else ("r5", "r9")
            if rng.random() < 0.3:
                a, b = "w" + a[1:], "w" + b[1:]
            op = rng.choice(_JMP)
            if rng.random() < 0.5:
                self.emit(f"if {a} {op} {b} goto {out}")
            else:  # the other outcome continues
                self.emit(f"if {a} {op} {b} goto +1", f"goto {out}")
        if rng.random() < 0.4:
            reg, op = f"r{rng.choice((5, 9))}", rng.choice((">", ">=", "s>"))
            self.emit(f"if {reg} {op} {rng.choice((8, 15, 16))} goto {out}")
        if rng.random() < 0.3:
            self.guarded_trap(rng.choice(("r5", "r9")))
        self.use(rng.choice(("r5", "r9")), out)
        self.emit(f"{out}:")

    def shape_callee_fill(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"f{self.label()}"
        slot = rng.choice((8, 16))
        how = rng.randrange(4)
        if how == 0:  # a constant different on the two sides of a branch
            self.unknown("r5")
            self.emit(
                f"*(u64 *)(r10 -{slot}) = {rng.choice((0, 4, 8))}",
                f"if r5 {rng.choice(_JMP)} {rng.choice(_EDGES)} goto +1",
            )
            self.emit(f"*(u64 *)(r10 -{slot}) = {rng.choice((4, 12, 16, 64))}")
        elif how == 1:  # a bounded spill
            self.bounded("r9", out)
            self.emit(f"*(u64 *)(r10 -{slot}) = r9")
        elif how == 2:  # a 4-byte spill
            self.unknown("r9")
            self.emit(f"w9 &= {rng.choice((7, 15, 31))}", f"*(u32 *)(r10 -{slot}) = w9")
        else:  # nothing written
            pass
        calls = rng.randint(1, 2)
        for _ in range(calls):
            self.emit("r1 = r10", f"r1 += -{slot}")
            if rng.random() < 0.4:
                self.value_pointer(out, "r2")
                self.emit("r1 = r10", f"r1 += -{slot}")
            else:
                self.emit("r2 = r10", "r2 += -48")
            self.emit(f"call {func}")
        if rng.random() < 0.5:
            self.emit(f"r9 = *(u64 *)(r10 -{slot})")
            self.use("r9", out)
        self.emit(f"{out}:")
        fill = rng.choice(("u64", "u64", "u32", "u8"))
        body = [f"{func}:", f"r3 = *({fill} *)(r1 +0)"]
        if rng.random() < 0.3:
            body.append(f"if r3 > {rng.choice((8, 16, 32))} goto {func}_done")
        sink = rng.randrange(4)
        if sink == 0:  # an offset into the callee's own stack
            body += ["r4 = r10", "r4 += -64", "r4 += r3", "*(u8 *)(r4 +0) = 1"]
        elif sink == 1:  # into the pointer handed down (map value or the caller's stack)
            body += ["r2 += r3", f"r0 = *(u8 *)(r2 +{rng.choice((0, 7))})"]
        elif sink == 2:  # written back doubled, the caller relies on it
            body += ["r3 <<= 1", "*(u64 *)(r1 +0) = r3"]
        else:  # the callee's own spill and fill of it
            body += ["*(u64 *)(r10 -8) = r3", "r4 = *(u64 *)(r10 -8)", "r2 += r4", "r0 = *(u8 *)(r2 +0)"]
        body += [f"{func}_done:", "r0 = 0", "exit"]
        self.tail.extend(body)

    def shape_const_str(self) -> None:
        rng = self.rng
        out = self.label()
        pick = rng.randrange(len(_FMT_OFFSETS))
        off = _FMT_OFFSETS[pick] if rng.random() < 0.9 else rng.choice((1, len(_FMT_DATA) - 1))
        where = rng.choice(("fmt",) * 8 + ("wfmt", "stack", "var"))
        if where == "stack":
            self.emit("*(u64 *)(r10 -8) = 0x6425", "r9 = r10", "r9 += -8")  # "%d" in the stack
        elif where == "var":
            self.unknown("r9")
            self.emit(f"r9 &= {rng.choice((0, 1, 3))}", "r1 = map_value(fmt, 0) ll", "r1 += r9", "r9 = r1")
        else:
            self.emit(f"r9 = map_value({where}, {off}) ll")
        if rng.random() < 0.7:  # bpf_snprintf(out, out_size, fmt, data, data_len)
            conversions = _FORMATS[pick].replace(b"%%", b"").count(b"%") if pick < len(_FORMATS) else 0
            nargs = conversions if rng.random() < 0.7 else rng.choice((0, 1, 2, 4))
            for i in range(nargs):
                self.emit(f"*(u64 *)(r10 -{64 - 8 * i}) = {rng.choice((0, 1, 255))}")
            self.emit("r1 = r10", "r1 += -32", f"r2 = {rng.choice((0, 8, 16, 32))}", "r3 = r9")
            if nargs or rng.random() < 0.5:
                self.emit("r4 = r10", "r4 += -64")
            else:
                self.emit("r4 = 0")
            self.emit(f"r5 = {8 * nargs + rng.choice((0, 0, 0, 0, 0, 4, 8))}", "call bpf_snprintf")
        else:  # bpf_strncmp(s1, s1_sz, s2)
            self.emit("*(u64 *)(r10 -16) = 0x6425", "*(u64 *)(r10 -8) = 0")
            self.emit("r1 = r10", "r1 += -16", f"r2 = {rng.choice((1, 2, 8, 16, 17))}", "r3 = r9")
            self.emit("call bpf_strncmp")
        self.emit("r9 = r0")
        if rng.random() < 0.85:
            self.emit(f"if r9 s< 0 goto {out}", f"if r9 > {rng.choice((8, 32))} goto {out}")
        self.use("r9", out)
        self.emit(f"{out}:")

    def pointer_into(self, kind: str, reg: str, out: str) -> None:
        """``reg`` = a pointer of ``kind``: a checked map value, the stack (its 64 bytes below r10
        written or not), the packet (64 bytes checked, or not), the context or the map itself."""
        rng = self.rng
        if kind == "value":
            self.value_pointer(out, reg)
        elif kind == "stack":
            if rng.random() < 0.6:
                for off in range(-64, 0, 8):
                    self.emit(f"*(u64 *)(r10 {off}) = {rng.randrange(3)}")
            self.emit(f"{reg} = r10", f"{reg} += {rng.choice((-64, -48, -32, -16, -8))}")
        elif kind == "packet":
            self.emit(f"{reg} = r7")
            if rng.random() < 0.8:
                self.emit("r2 = r7", f"r2 += {rng.choice((16, 64))}", f"if r2 > r8 goto {out}")
        elif kind == "ctx":
            self.emit(f"{reg} = r6")
        else:
            self.emit(f"{reg} = map_fd({rng.choice(('hmap', 'amap'))}) ll")

    def shape_spec_paths(self) -> None:
        rng = self.rng
        out = self.label()
        kind = rng.choice(("value", "value", "stack", "stack", "packet"))
        self.unknown("r9")
        if rng.random() < 0.85:  # (mostly within a 16-byte value: accepted, masked for !root)
            self.emit(f"r9 &= {rng.choice((1, 3, 7, 7, 7, 15, 31, 0xFF, 0xFFFF, 0x7FFFFFFF))}")
        self.pointer_into(kind, "r5", out)
        skip = self.label()
        branch = rng.randrange(5)
        if branch == 0:
            self.emit(f"if r9 {rng.choice(_JMP)} {rng.choice((0, 1, 8, 15, 16, 255))} goto {out}")
        elif branch == 1:  # the pointer ALU on one side only: the other is explored speculatively
            self.emit(f"if r9 {rng.choice(_JMP)} {rng.choice((1, 7, 8, 16))} goto {skip}")
        elif branch == 2:
            self.emit("r4 = r9", f"if w4 {rng.choice(_JMP)} {rng.choice((2, 8, 31))} goto {out}")
        for _ in range(rng.randint(1, 2)):
            form = rng.randrange(7)
            if form == 0:
                self.emit("r5 += r9")
            elif form == 1:
                self.emit("r5 -= r9")
            elif form == 2:
                self.emit("r3 = r9", "r3 += r5", "r5 = r3")
            elif form == 3:
                self.emit(f"r5 += {rng.choice((-64, -16, -8, -1, 1, 4, 8, 15, 16, 60))}")
            elif form == 4:
                self.emit("r5 += r9", f"r5 += {rng.choice((-16, -8, -1, 1, 8))}")
            elif form == 5:
                self.emit(
                    "r3 = r9", f"r3 {rng.choice(('+=', '-=', '*='))} {rng.choice((1, 2, 8))}", "r5 += r3"
                )
            else:  # the offset from a register bounded on the other side of a branch
                self.emit("r3 = 0", f"if r9 > {rng.choice((1, 8, 16))} goto +1", "r3 = r9", "r5 += r3")
        if branch == 1:
            self.emit(f"{skip}:")
        if rng.random() < 0.4:  # a spill and fill (Spectre v4's barrier after the store)
            self.emit("*(u64 *)(r10 -72) = r5")
            if rng.random() < 0.15:
                self.emit(f"*(u{rng.choice((8, 32))} *)(r10 -72) = 0")
            self.emit("r5 = *(u64 *)(r10 -72)")
        size = rng.choice((1, 1, 1, 2, 4, 8))  # (a variable stack offset: only bytes are aligned)
        off = rng.choice((0, 0, 0, 1, 4, 8, -8, -1, 12))
        if rng.random() < 0.25:  # a back-edge walking the pointer
            loop = self.label()
            self.emit("r1 = 0", f"{loop}:", f"r3 = *(u8 *)(r5 {off:+d})", "r5 += 1", "r1 += 1")
            self.emit(f"if r1 < {rng.randint(2, 4)} goto {loop}")
        elif rng.random() < 0.6:
            self.emit(f"r3 = *({SIZES[size]} *)(r5 {off:+d})")
            if rng.random() < 0.3:  # the loaded value an offset in turn
                self.emit("r3 &= 7", "r5 += r3", "r3 = *(u8 *)(r5 +0)")
        else:
            self.emit(f"*({SIZES[size]} *)(r5 {off:+d}) = {rng.randrange(100)}")
        self.emit(f"{out}:")

    def shape_ptr_leaks(self) -> None:
        rng = self.rng
        out = self.label()
        kind = rng.choice(("value", "stack", "packet", "ctx", "map"))
        self.pointer_into(kind, "r9", out)
        for _ in range(rng.randint(1, 2)):
            action = rng.randrange(11)
            if action == 0:  # into a map value
                self.value_pointer(out)
                self.emit(f"*(u{rng.choice((64, 64, 32))} *)(r0 +{rng.choice((0, 8))}) = r9")
            elif action == 1:  # into the context (skb->cb[] where there is one)
                self.emit(f"*(u{rng.choice((64, 32))} *)(r6 +{rng.choice((48, 52, 8))}) = r9")
            elif action == 2:  # compared
                other = rng.choice(("r6", "r7", "r8", "r10", "0", "1", "r3"))
                if other == "r3":
                    self.emit("r3 = *(u32 *)(r6 +12)")
                name = "w9" if rng.random() < 0.2 and other.startswith("r") else "r9"
                other = "w" + other[1:] if name == "w9" else other
                self.emit(f"if {name} {rng.choice(_JMP)} {other} goto +1", "r0 = 1")
            elif action == 3:  # spilled, partly overwritten, filled and used
                self.emit("*(u64 *)(r10 -24) = r9")
                size = rng.choice((1, 2, 4))
                self.emit(f"*({SIZES[size]} *)(r10 -{24 - rng.randrange(0, 8 - size + 1, size)}) = 0")
                self.emit("r3 = *(u64 *)(r10 -24)", f"r4 = *(u8 *)(r3 +{rng.randrange(2)})")
            elif action == 4:  # spilled and filled narrow
                self.emit(
                    "*(u64 *)(r10 -24) = r9",
                    f"r3 = *(u{rng.choice((32, 16, 8))} *)(r10 -{rng.choice((24, 20))})",
                )
                self.use("r3", out)
            elif action == 5:  # stack never written read
                size = rng.choice(list(SIZES))
                self.emit(f"r3 = *({SIZES[size]} *)(r10 -{rng.choice((88, 96, 100, 128))})")
                if rng.random() < 0.5:
                    self.use("r3", out)
            elif action == 6:  # copied on 32 bits or mangled
                moves = ("w3 = w9", "r3 *= 2", "r3 = -r3", "r3 &= 8", "r3 <<= 1", "w3 += 0")
                move = rng.choice(moves)
                self.emit(
                    move if move.startswith("w3 =") else "r3 = r9",
                    *(() if move.startswith("w3 =") else (move,)),
                )
                self.emit("*(u64 *)(r10 -16) = r3")
            elif action == 7:  # handed to a helper as a value to store
                self.emit("*(u64 *)(r10 -32) = r9", "*(u64 *)(r10 -24) = 0", "*(u32 *)(r10 -4) = 0")
                self.emit("r1 = map_fd(hmap) ll", "r2 = r10", "r2 += -4", "r3 = r10", "r3 += -32")
                self.emit("r4 = 0", "call bpf_map_update_elem")
            elif action == 8:  # returned
                self.emit("r4 = *(u32 *)(r6 +12)", "if r4 != 7 goto +2", "r0 = r9", "exit")
            elif action == 9:  # pointer minus pointer, the difference used
                self.emit("r3 = r9", f"r3 -= {rng.choice(('r7', 'r10', 'r9', 'r6'))}")
                self.use("r3", out)
            else:  # an atomic with the pointer as operand, or on a spilled pointer
                if rng.random() < 0.5:
                    self.emit("*(u64 *)(r10 -40) = 0", "lock *(u64 *)(r10 -40) += r9")
                else:
                    self.emit("*(u64 *)(r10 -40) = r9", "r3 = 1", "lock *(u64 *)(r10 -40) += r3")
                self.emit("r3 = *(u64 *)(r10 -40)")
        self.emit(f"{out}:")

    def shape_alu_mix(self) -> None:
        rng = self.rng
        out = self.label()
        self.bounded("r9", out)
        if rng.random() < 0.5:
            self.emit("*(u64 *)(r10 -64) = r9")
            self.bounded("r9", out)
            self.emit("r5 = r9", "r9 = *(u64 *)(r10 -64)")
        else:
            self.emit(f"r5 = {rng.choice((0, 1, 3, 8, -1, -8, 0x7FFFFFFF, 0x80000000))}")
        for _ in range(rng.randint(3, 8)):
            wide = rng.random() < 0.6
            dst, src = ("r9", "r5") if wide else ("w9", "w5")
            step = rng.randrange(9)
            if step == 0:
                op = rng.choice((*_ALU, "s/=", "s%="))
                if op in ("<<=", ">>=", "s>>="):
                    imm = rng.randrange(64 if wide else 32)
                else:
                    imm = rng.choice((*_EDGES, 3, 5, 0x55, -2))
                    if op in ("/=", "%=", "s/=", "s%=") and imm == 0:
                        imm = rng.choice((1, -1, 3))
                self.emit(f"{dst} {op} {imm}")
            elif step == 1:
                self.emit(f"{dst} {rng.choice((*_ALU, 's/=', 's%='))} {src}")
            elif step == 2:
                width = rng.choice((8, 16, 32) if wide else (8, 16))
                self.emit(f"{dst} = (s{width}){src if rng.random() < 0.3 else dst}")
            elif step == 3:
                self.emit(f"r9 = {rng.choice(('be', 'le', 'bswap'))}{rng.choice((16, 32, 64))} r9")
            elif step == 4:
                self.emit(rng.choice((f"{dst} = -{dst}", f"{dst} = {src}", f"{src} = {dst}", "w9 = w9")))
            elif step == 5:
                self.emit(f"if {dst} {rng.choice(_JMP)} {rng.choice(_EDGES)} goto {out}")
            elif step == 6:
                pair = (dst, src) if rng.random() < 0.5 else (src, dst)
                self.emit(f"if {pair[0]} {rng.choice(_JMP)} {pair[1]} goto {out}")
            elif step == 7:
                self.emit(f"{dst} &= {rng.choice((1, 3, 0xFF, 0xFFFF, -16, 0x7FFF0000))}")
            else:
                self.emit(
                    f"r4 = {rng.choice(_WIDE_EDGES)} ll",
                    f"r9 {rng.choice(('+=', '&=', '|=', '-=', '^='))} r4",
                )
        if rng.random() < 0.3:
            self.compare_edge("r9", out)
        self.use("r9", out)
        self.emit(f"{out}:")

    def shape_map_in_map(self) -> None:
        rng = self.rng
        out = self.label()
        outer = rng.choice(("om", "oh"))
        key = rng.randrange(4)
        if key == 3:
            self.unknown("r4")
            self.emit("*(u32 *)(r10 -4) = r4")
        else:
            self.emit(f"*(u32 *)(r10 -4) = {key}")
        self.emit("r2 = r10", "r2 += -4", f"r1 = map_fd({outer}) ll", "call bpf_map_lookup_elem")
        if rng.random() < 0.85:
            self.emit(f"if r0 {rng.choice(('==', '==', '!='))} 0 goto {out}")
        act = rng.randrange(8)
        if act == 1:  # the inner map pointer read or moved
            self.emit(f"r3 = *(u{rng.choice((32, 64))} *)(r0 +{rng.choice((0, 0, 4))})")
            self.emit(f"{out}:")
            return
        if act == 2:
            self.emit(f"r0 += {rng.choice((0, 4, 8))}")
        if act == 3:  # spilled and filled (at its size or not)
            self.emit("*(u64 *)(r10 -16) = r0", f"r0 = *(u{rng.choice((64, 64, 32))} *)(r10 -16)")
        if act == 4:  # the outer map's value handed to a helper taking a map value
            self.emit("r3 = r0", "r2 = r10", "r2 += -4", f"r1 = map_fd({rng.choice(('om', 'hmap'))}) ll")
            self.emit("r4 = 0", "call bpf_map_update_elem")
            self.emit(f"{out}:")
            return
        # the inner map used: a lookup (key from the stack), update or delete
        inner_key = rng.choice((0, 1, 3, 4, 7))
        self.emit(f"*(u32 *)(r10 -8) = {inner_key}", "r1 = r0", "r2 = r10", "r2 += -8")
        op = rng.randrange(5)
        if op == 0:
            self.emit("*(u64 *)(r10 -32) = 1", "*(u64 *)(r10 -24) = 2")
            self.emit(
                "r3 = r10", f"r3 += {rng.choice((-32, -32, -24))}", "r4 = 0", "call bpf_map_update_elem"
            )
            self.emit("r9 = r0")
            self.use("r9", out)
        elif op == 1:
            self.emit("call bpf_map_delete_elem")
        else:
            self.emit("call bpf_map_lookup_elem")
            if rng.random() < 0.8:
                self.emit(f"if r0 == 0 goto {out}")
            size = rng.choice(list(SIZES))
            off = rng.choice((0, 4, 8, 12, 15, 16))
            if act == 5:
                self.unknown("r9")
                self.emit(f"r9 &= {rng.choice((3, 7, 15))}", "r0 += r9")
            if rng.random() < 0.5:
                self.emit(f"r3 = *({SIZES[size]} *)(r0 +{off})")
            else:
                self.emit(f"*({SIZES[size]} *)(r0 +{off}) = {rng.randrange(9)}")
            if act == 6:  # the inner value's pointer stored into the inner value
                self.emit("*(u64 *)(r0 +0) = r0")
        self.emit(f"{out}:")

    def shape_callback_ret(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"cb{self.label()}"
        self.emit("*(u64 *)(r10 -8) = 0")
        foreach = rng.random() < 0.3
        if foreach:
            self.emit(f"r1 = map_fd({rng.choice(('hmap', 'amap'))}) ll")
        elif rng.random() < 0.5:
            self.emit(f"r1 = {rng.choice((0, 1, 5, 1 << 23, (1 << 23) + 1))}")
        else:
            self.unknown("r1")
            if rng.random() < 0.7:
                self.emit(f"r1 &= {rng.choice((7, 0xFFFF, 0xFFFFFF))}")
        self.emit(f"r2 = func({func}) ll", "r3 = r10", "r3 += -8")
        self.emit(f"r4 = {rng.choice((0, 0, 0, 0, 1))}")
        self.emit("call bpf_for_each_map_elem" if foreach else "call bpf_loop")
        if rng.random() < 0.5:
            self.emit("r9 = r0")
            self.use("r9", out)
        else:
            self.emit("r9 = *(u64 *)(r10 -8)")
            if rng.random() < 0.5:
                self.emit(f"if r9 > {rng.choice((3, 7, 16))} goto {out}")
            self.use("r9", out)
        self.emit(f"{out}:")
        ctx_reg = "r4" if foreach else "r2"
        body = [f"{func}:"]
        if rng.random() < 0.5:
            body += [
                f"r5 = *(u64 *)({ctx_reg} +0)",
                f"r5 += {rng.choice((1, 2))}",
                f"*(u64 *)({ctx_reg} +0) = r5",
            ]
        ret = rng.randrange(9)
        if ret == 0:
            body += ["r0 = r1", f"r0 &= {rng.choice((1, 1, 3))}"]
        elif ret == 1:
            body += [
                "call bpf_get_prandom_u32",
                f"r0 {rng.choice(('&=', '%=', '>>='))} {rng.choice((1, 2, 31))}",
            ]
        elif ret == 2:
            body += [
                "call bpf_get_prandom_u32",
                f"if r0 {rng.choice(('>', '>=', 's>', '<'))} 1 goto +1",
                "exit",
                "r0 = 0",
            ]
        elif ret == 3:
            body += [f"w0 = {rng.choice((0, 1, 2, -1))}"]
        elif ret == 4:
            body += ["r0 = 0x100000000 ll" if rng.random() < 0.5 else "r0 = -1"]
        elif ret == 5:
            body += ["r0 = r10"] if rng.random() < 0.5 else []  # a pointer, or never written
        elif ret == 6:
            body += ["call bpf_get_prandom_u32", "w0 &= 1", "r0 <<= 32" if rng.random() < 0.3 else "w0 = w0"]
        elif ret == 7:  # a nested bpf_loop's result returned
            body += ["r1 = 2", f"r2 = func({func}n) ll", "r3 = 0", "r4 = 0", "call bpf_loop"]
            body += ["r0 &= 1"] if rng.random() < 0.6 else []
        else:
            body += [f"r0 = {rng.choice((0, 1))}"]
        body.append("exit")
        if ret == 7:
            body += [f"{func}n:", f"r0 = {rng.choice((0, 1, 2))}", "exit"]
        self.tail.extend(body)

    def shape_timers(self) -> None:
        rng = self.rng
        out = self.label()
        func = f"cb{self.label()}"
        self.emit("*(u32 *)(r10 -4) = 0", "r2 = r10", "r2 += -4")
        self.emit(
            f"r1 = map_fd({rng.choice(('tm', 'tm', 'tm', 'tm2', 'amap'))}) ll", "call bpf_map_lookup_elem"
        )
        if rng.random() < 0.9:
            self.emit(f"if r0 == 0 goto {out}")
        self.emit("r9 = r0")
        act = rng.randrange(10)
        if act == 0:  # the timer's bytes read or written directly
            off = rng.choice((8, 12, 16, 20, 4))
            if rng.random() < 0.5:
                self.emit(f"r3 = *(u{rng.choice((32, 64))} *)(r9 +{off})")
            else:
                self.emit(f"*(u{rng.choice((32, 64))} *)(r9 +{off}) = 0")
            self.emit(f"{out}:")
            return
        timer_off = rng.choice((8, 8, 8, 8, 0, 16))
        if act == 1:  # through a variable offset
            self.unknown("r4")
            self.emit(f"r4 &= {rng.choice((0, 8, 7))}", "r9 += r4")
        steps = rng.sample(("init", "set_callback", "start", "cancel"), rng.randint(1, 4))
        if rng.random() < 0.6:
            steps = sorted(steps, key=("init", "set_callback", "start", "cancel").index)
        for step in steps:
            self.emit("r1 = r9", f"r1 += {timer_off}")
            if step == "init":
                self.emit(f"r2 = map_fd({rng.choice(('tm', 'tm', 'tm', 'tm2', 'amap'))}) ll")
                self.emit(f"r3 = {rng.choice((1, 1, 0, 7, 3))}", "call bpf_timer_init")
            elif step == "set_callback":
                self.emit(f"r2 = func({func}) ll", "call bpf_timer_set_callback")
            elif step == "start":
                if rng.random() < 0.3:
                    self.unknown("r2")
                else:
                    self.emit(f"r2 = {rng.choice((0, 1000, 1000000))}")
                self.emit(f"r3 = {rng.choice((0, 0, 1, 2))}", "call bpf_timer_start")
            else:
                self.emit("call bpf_timer_cancel")
            if rng.random() < 0.3:
                self.emit("r5 = r0")
                self.use("r5", out)
        self.emit(f"{out}:")
        if "set_callback" not in steps:
            return
        # a timer callback: r1 the map, r2 the key, r3 the value
        body = [f"{func}:"]
        what = rng.randrange(6)
        if what == 1:
            body.append(f"r0 = *(u{rng.choice((32, 64))} *)(r3 +{rng.choice((0, 0, 8, 20))})")
        elif what == 2:
            body.append(f"r0 = *(u32 *)(r2 +{rng.choice((0, 4))})")
        elif what == 3:
            body.append("*(u32 *)(r2 +0) = 1")
        elif what == 4:  # the callback re-arms or cancels its own timer
            body += ["r1 = r3", "r1 += 8", "r2 = 1000", "r3 = 0"]
            body.append(rng.choice(("call bpf_timer_start", "call bpf_timer_cancel")))
        elif what == 5:
            body += ["r6 = r3", "r1 = r10", "r1 += -8", "*(u64 *)(r1 +0) = 0"]
        body.append(rng.choice(("r0 = 0", "r0 = 0", "r0 = 1", "r0 = r1", "w0 = 0")))
        body.append("exit")
        self.tail.extend(body)

    def shape_stack_mix(self) -> None:
        rng = self.rng
        out = self.label()
        if rng.random() < 0.5:
            self.value_pointer(out, "r9")
        else:
            self.emit(rng.choice(("r9 = r6", "r9 = r7", "r9 = r10")))
        self.bounded("r5", out)
        for _ in range(rng.randint(2, 6)):
            size = rng.choice((1, 2, 4, 8, 8))
            off = -rng.randrange(size, 25)
            if rng.random() < 0.92:
                off = -(-off // size * size) if off % size else off  # misaligned: refused on the stack
            kind = rng.randrange(7)
            if kind == 0:
                self.emit(f"*({SIZES[size]} *)(r10 {off}) = {rng.choice((0, 1, -1, 0x7F, 0x80))}")
            elif kind == 1:
                self.emit(f"*({SIZES[size]} *)(r10 {off}) = r5")
            elif kind == 2:  # a pointer: narrower than 8 bytes is refused
                if rng.random() < 0.8:
                    size, off = 8, rng.choice((-8, -16, -24))
                self.emit(f"*({SIZES[size]} *)(r10 {off}) = r9")
            elif kind == 3:
                self.emit(f"r4 = {rng.choice((0, 3, 0x1234, -2))}", f"*({SIZES[size]} *)(r10 {off}) = r4")
            elif kind == 4 and size >= 4:
                self.emit(f"r4 = {rng.choice((1, 2))}", f"lock *({SIZES[size]} *)(r10 {off}) += r4")
            elif kind == 5:
                self.emit("r1 = r10", f"r1 += {off}", f"r2 = {size}", "r3 = 0", "call bpf_probe_read_kernel")
                self.emit("r5 = r0")  # (r1-r5 clobbered: the helper's result is the scalar from here)
            else:
                self.emit(
                    "r4 = r10", f"r4 += {rng.choice((-24, -16, -8))}", f"*({SIZES[size]} *)(r4 +0) = r5"
                )
        read = rng.randrange(4)
        size = rng.choice((1, 2, 4, 8, 8, 8))
        off = rng.choice((-8, -16, -24)) + rng.choice((0, 0, 0, 4, 2, 7)) // size * size
        if read == 0:  # a fill used as a pointer
            self.emit(f"r3 = *({SIZES[size]} *)(r10 {off})", f"r0 = *(u8 *)(r3 +{rng.choice((0, 1, 8))})")
        elif read == 1:  # a key from the region
            self.emit("r2 = r10", f"r2 += {rng.choice((-8, -16, -20, -24))}", "r1 = map_fd(hmap) ll")
            self.emit("call bpf_map_lookup_elem")
        else:
            self.emit(f"r3 = *({SIZES[size]} *)(r10 {off})")
            if rng.random() < 0.5:
                self.emit(f"r3 {rng.choice(('&=', '>>=', '+='))} {rng.choice((7, 8, 1))}")
            self.use("r3", out)
        self.emit(f"{out}:")

    def shape_sock_refs(self) -> None:
        rng = self.rng
        out = self.label()
        tuple_size = rng.choice((12, 12, 36, 8, 13))
        for off in range(-40, 0, 8):
            if rng.random() < 0.9 or off > -16:
                self.emit(f"*(u64 *)(r10 {off}) = 0")
        self.emit("r1 = r6", "r2 = r10", f"r2 += {-16 if tuple_size <= 12 else -40}")
        if rng.random() < 0.15:
            self.unknown("r3")
            self.emit("r3 &= 63")
        else:
            self.emit(f"r3 = {tuple_size}")
        self.emit(f"r4 = {rng.choice((-1, -1, 0, 1))}", f"r5 = {rng.choice((0, 0, 0, 1))}")
        self.emit(f"call {rng.choice(('bpf_sk_lookup_tcp', 'bpf_sk_lookup_udp', 'bpf_skc_lookup_tcp'))}")
        checked = rng.random() < 0.85
        if checked:
            self.emit(f"if r0 {rng.choice(('==', '==', '!='))} 0 goto {out}")
        self.emit("r9 = r0")
        act = rng.randrange(8)
        release = True
        if act == 0:  # a field read at its size or narrower, or past the end
            off, size = rng.choice(
                ((4, 4), (4, 2), (12, 4), (44, 4), (48, 2), (48, 4), (52, 4), (72, 4), (80, 4), (2, 1))
            )
            self.emit(f"r3 = *({SIZES[size]} *)(r9 +{off})")
            self.use("r3", out)
        elif act == 1:  # written
            self.emit(f"*(u32 *)(r9 +{rng.choice((4, 16))}) = 1")
        elif act == 2:  # spilled, filled and released through the copy
            self.emit("*(u64 *)(r10 -48) = r9", f"r9 = *(u{rng.choice((64, 64, 32))} *)(r10 -48)")
        elif act == 3:  # released, then read (or released again)
            self.emit("r1 = r9", "call bpf_sk_release")
            self.emit(rng.choice(("r3 = *(u32 *)(r9 +4)", "r1 = r9\n    call bpf_sk_release", "r0 = r9")))
            release = False
        elif act == 4:  # leaked on one path
            self.unknown("r3")
            self.emit(f"if r3 > 7 goto {out}")
        elif act == 5:  # a full socket or tcp_sock of it
            self.emit(
                "r1 = r9", f"call {rng.choice(('bpf_sk_fullsock', 'bpf_tcp_sock', 'bpf_skc_to_tcp_sock'))}"
            )
            if rng.random() < 0.7:
                self.emit("if r0 == 0 goto +1", f"r3 = *(u32 *)(r0 +{rng.choice((0, 4, 8))})")
        elif act == 6:  # the pointer moved or compared
            self.emit(rng.choice(("r9 += 4", "r9 += 0", "if r9 == r6 goto +0", "r3 = r9\n    r3 -= r6")))
        else:
            release = rng.random() < 0.5
        if release:
            self.emit("r1 = r9", "call bpf_sk_release")
        self.emit(f"{out}:")

    def program(self, shape: str = "") -> str:  # type: ignore[override]
        self.tail: list[str] = []
        self.protos: list[str] = []
        self.prog_type = ""
        self.emit("r6 = r1", "r7 = *(u32 *)(r6 + 0)", "r8 = *(u32 *)(r6 + 4)")
        build = getattr(self, f"shape_{shape}")
        for _ in range(self.rng.randint(1, 3)):
            self.kinds.append(shape)
            build()
        self.emit(f"r0 = {1 if self.prog_type == 'cgroup_skb' else 2}", "exit")
        return "\n".join(line if line.endswith(":") else f"    {line}" for line in [*self.lines, *self.tail])


SHAPES = tuple(name.removeprefix("shape_") for name in vars(ShapeBuilder) if name.startswith("shape_"))
BTF = {
    "callbacks": "func_info",
    "spin_lock": "func_info",
    "tail_calls": "func_info",
    "global_funcs": "global_subprogs",
    "pkt_invalidate": "global_subprogs",
    "callback_stack": "func_info",
    "helper_ret": "func_info",
    "callback_ret": "func_info",
    "timers": "func_info",
}
"""The shapes loaded with BTF and func_info (a callback's ``func(label)`` needs them, a spin-lock
map its value type; ``global_funcs`` its subprograms global with their prototypes), as the corpus's
``btf`` header: every other shape loads without BTF."""
SHAPE_MAPS = {
    "spin_lock": "lk=array(4,16,1,spin_lock) hk=hash(4,16,8,spin_lock)",
    "tail_calls": MAPS + " pa=prog_array(4,4,4)",
    "kptrs": MAPS + " km=array(4,40,1,kptr)",
    "pkt_invalidate": MAPS + " pa=prog_array(4,4,4)",
    "map_value_imm": MAPS + " one=array(4,48,1) ro=array(4,16,1,rdonly_prog,frozen,data=0300000011000000)"
    " wo=array(4,16,1,wronly_prog)",
    "array_const_key": MAPS + " pcpu=percpu_array(4,16,4) one=array(4,16,1)",
    "map_helpers": MAPS + " q=queue(0,8,4) st=stack(0,8,4) pcpu=percpu_hash(4,16,8)",
    "map_in_map": MAPS + " in=array(4,16,4) om=array_of_maps(4,4,2,inner:in,0:in) in2=hash(4,16,8)"
    " oh=hash_of_maps(4,4,4,inner:in2,1:in2)",
    "timers": MAPS + " tm=array(4,24,1,timer) tm2=hash(4,24,4,timer)",
    "const_str": MAPS
    + f" fmt=array(4,{len(_FMT_DATA)},1,rdonly_prog,frozen,data={_FMT_DATA.hex()})"
    + f" wfmt=array(4,{len(_FMT_DATA)},1,data={_FMT_DATA.hex()})",
}
"""The maps of the shapes that need others than ``MAPS`` (the corpus's ``maps`` header): the
spin-lock maps' value is ``struct { int a; struct bpf_spin_lock l; long b; }``, the kptr map's
tests.verifier.kptr_harness's ``struct kv``."""


def shaped(shape: str, seed: int) -> tuple[str, str, tuple[str, ...]]:
    """The program text of ``shape`` and ``seed``, its program type and its subprograms' prototypes
    (the corpus's ``proto`` headers), a pure function of the two; the type is XDP but for
    ``ctx_access``, which draws it, and only ``global_funcs`` writes prototypes."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; the shapes: {', '.join(SHAPES)}")
    builder = ShapeBuilder(seed)
    text = builder.program(shape)
    return text, builder.prog_type or "xdp", tuple(builder.protos)


def shaped_program(shape: str, seed: int) -> str:
    """The program text of ``shape`` and ``seed`` (a pure function of the two)."""
    return shaped(shape, seed)[0]
