# Theme: the bpf_fastcall contract as the kernel's verifier_bpf_fastcall selftests probe it,
# written afresh: spill/fill pairs of caller-saved registers around a call of a helper the kernel
# inlines (bpf_get_smp_processor_id on x86-64) that mark_fastcall_patterns() recognises, the stack
# those pairs use left out of the subprogram's stack depth (remove_fastcall_spills_fills), and what
# breaks a pattern: another register, base, offset, size or instruction in between, or any other
# access to the pattern's stack region (check_fastcall_stack_contract).

=== selftests_bpf_fastcall/five_pairs
type: raw_tracepoint
desc: r1-r5 spilled before and filled after bpf_get_smp_processor_id
    r1 = 1
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r2
    *(u64 *)(r10 - 32) = r3
    *(u64 *)(r10 - 40) = r4
    *(u64 *)(r10 - 48) = r5
    call bpf_get_smp_processor_id
    r5 = *(u64 *)(r10 - 48)
    r4 = *(u64 *)(r10 - 40)
    r3 = *(u64 *)(r10 - 32)
    r2 = *(u64 *)(r10 - 24)
    r1 = *(u64 *)(r10 - 16)
    exit

=== selftests_bpf_fastcall/one_pair
type: raw_tracepoint
desc: r1 spilled at fp-8 around the call
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    exit

=== selftests_bpf_fastcall/fill_other_reg
type: raw_tracepoint
desc: r1 spilled, r2 filled: no pattern
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_smp_processor_id
    r2 = *(u64 *)(r10 - 16)
    exit

=== selftests_bpf_fastcall/callee_saved_reg
type: raw_tracepoint
desc: r7 (callee-saved) spilled and filled: no pattern
    r7 = 1
    *(u64 *)(r10 - 16) = r7
    call bpf_get_smp_processor_id
    r7 = *(u64 *)(r10 - 16)
    r0 = r7
    exit

=== selftests_bpf_fastcall/r0_pair
type: raw_tracepoint
desc: r0, the return register, spilled and filled: no pattern
    r0 = 1
    *(u64 *)(r10 - 16) = r0
    call bpf_get_smp_processor_id
    r0 = *(u64 *)(r10 - 16)
    exit

=== selftests_bpf_fastcall/base_not_r10
type: raw_tracepoint
desc: the spill goes through a copy of r10: no pattern
    r1 = 1
    r2 = r10
    *(u64 *)(r2 - 16) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 16)
    exit

=== selftests_bpf_fastcall/insn_between
type: raw_tracepoint
desc: an instruction between the call and the fill: no pattern
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_smp_processor_id
    r2 = 1
    r1 = *(u64 *)(r10 - 16)
    exit

=== selftests_bpf_fastcall/not_lowest_offset
type: raw_tracepoint
desc: the pair uses fp-8 while fp-16 is the subprogram's lowest spill: no pattern
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    exit

=== selftests_bpf_fastcall/u32_pair
type: raw_tracepoint
desc: 4-byte spill and fill: no pattern
    r1 = 1
    *(u32 *)(r10 - 16) = r1
    call bpf_get_smp_processor_id
    r1 = *(u32 *)(r10 - 16)
    exit

=== selftests_bpf_fastcall/two_calls_second_lower
type: raw_tracepoint
desc: the first call's pairs sit above the lowest spill, the second call's are the pattern
    r1 = 1
    r2 = 2
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r2
    call bpf_get_smp_processor_id
    r2 = *(u64 *)(r10 - 16)
    r1 = *(u64 *)(r10 - 8)
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r2
    call bpf_get_smp_processor_id
    r2 = *(u64 *)(r10 - 32)
    r1 = *(u64 *)(r10 - 24)
    exit

=== selftests_bpf_fastcall/region_read_later
type: raw_tracepoint
desc: the pattern's slot read again through a stack pointer: the contract is off
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -8
    r1 = *(u64 *)(r1 + 0)
    exit

=== selftests_bpf_fastcall/region_written_later
type: raw_tracepoint
desc: the pattern's slot written again through a stack pointer
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = r1
    exit

=== selftests_bpf_fastcall/region_variable_read
type: raw_tracepoint
desc: a byte read at a variable offset that may fall into the pattern's slot
    r6 = *(u64 *)(r1 + 0)
    r6 &= 7
    r6 += 2
    r7 = 0
    r7 -= r6
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 16)
    r1 = r10
    r1 += r7
    r1 = *(u8 *)(r1 + 0)
    exit

=== selftests_bpf_fastcall/region_written_by_subprog
type: raw_tracepoint
desc: a subprogram writes the caller's pattern slot through a pointer
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -8
    call write_it
    exit
write_it:
    r0 = 1
    *(u64 *)(r1 + 0) = r0
    exit

=== selftests_bpf_fastcall/region_written_by_helper
type: raw_tracepoint
desc: bpf_probe_read_kernel writes the pattern's slot
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    r1 = r10
    r1 += -8
    r2 = 1
    r3 = 42
    call bpf_probe_read_kernel
    exit

=== selftests_bpf_fastcall/subprogs_own_offsets
type: raw_tracepoint
desc: main and a subprogram each have a pattern; the subprogram also stores at fp-16 above its pattern
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 16)
    call sub
    exit
sub:
    r1 = 1
    *(u64 *)(r10 - 24) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 24)
    *(u64 *)(r10 - 16) = r1
    exit

=== selftests_bpf_fastcall/not_fastcall_helper_after
type: raw_tracepoint
desc: the same slot spilled around bpf_get_prandom_u32 (no fastcall helper) after a pattern: the stack is kept
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    *(u64 *)(r10 - 8) = r1
    call bpf_get_prandom_u32
    r1 = *(u64 *)(r10 - 8)
    exit

=== selftests_bpf_fastcall/pattern_plus_deep_stack
type: raw_tracepoint
desc: a pattern below a 16-byte data area used elsewhere
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    r1 = 7
    *(u64 *)(r10 - 24) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 24)
    r0 = *(u64 *)(r10 - 16)
    exit

=== selftests_bpf_fastcall/fill_uses_dead_value
type: raw_tracepoint
desc: a pattern whose filled r1 is then used as a pointer: still a scalar, refused
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u64 *)(r1 + 0)
    exit

=== selftests_bpf_fastcall/combined_stack_fits_without_pattern
type: raw_tracepoint
desc: main's pattern slot at fp-504 plus data down to fp-496 and a 16-byte subprogram: 520 bytes with the pattern, 512 without it
    r1 = 0
    *(u64 *)(r10 - 496) = r1
    r1 = 1
    *(u64 *)(r10 - 504) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 504)
    call sub
    r0 = 0
    exit
sub:
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r0 = 0
    exit

=== selftests_bpf_fastcall/combined_stack_too_big
type: raw_tracepoint
desc: the same with the pattern broken by a later read of its slot: 520 bytes, too large
    r1 = 0
    *(u64 *)(r10 - 496) = r1
    r1 = 1
    *(u64 *)(r10 - 504) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 504)
    call sub
    r1 = r10
    r1 += -504
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit
sub:
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r0 = 0
    exit

=== selftests_bpf_fastcall/combined_stack_subprog_breaks_contract
type: raw_tracepoint
desc: the pattern slot at fp-504 written by the subprogram through a pointer: the pattern's stack stays, 528 bytes
    r1 = 0
    *(u64 *)(r10 - 496) = r1
    r1 = 1
    *(u64 *)(r10 - 504) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 504)
    r1 = r10
    r1 += -504
    call sub
    r0 = 0
    exit
sub:
    r2 = 0
    *(u64 *)(r10 - 16) = r2
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_bpf_fastcall/combined_stack_other_helper_keeps
type: raw_tracepoint
desc: a second pair at the pattern's slot around bpf_get_prandom_u32 keeps the stack: 528 bytes
    r1 = 0
    *(u64 *)(r10 - 496) = r1
    r1 = 1
    *(u64 *)(r10 - 504) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 504)
    *(u64 *)(r10 - 504) = r1
    call bpf_get_prandom_u32
    r1 = *(u64 *)(r10 - 504)
    call sub
    r0 = 0
    exit
sub:
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r0 = 0
    exit

=== selftests_bpf_fastcall/combined_stack_two_pairs
type: raw_tracepoint
desc: r1 and r2 spilled at fp-504 and fp-496 around the call, data down to fp-488: 488 bytes and the subprogram's 16 fit
    r1 = 0
    *(u64 *)(r10 - 488) = r1
    r1 = 1
    r2 = 2
    *(u64 *)(r10 - 496) = r2
    *(u64 *)(r10 - 504) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 504)
    r2 = *(u64 *)(r10 - 496)
    call sub
    r0 = 0
    exit
sub:
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r0 = 0
    exit

=== selftests_bpf_fastcall/combined_stack_helper_reads_region
type: raw_tracepoint
maps: m=hash(8,8,1)
desc: the pattern slot used later as a lookup key: a helper's read breaks the contract too, 528 bytes
    r1 = 0
    *(u64 *)(r10 - 496) = r1
    r1 = 1
    *(u64 *)(r10 - 504) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 504)
    r2 = r10
    r2 += -504
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    call sub
    r0 = 0
    exit
sub:
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r0 = 0
    exit

=== selftests_bpf_fastcall/combined_stack_in_subprog
type: raw_tracepoint
desc: the subprogram's own pattern at its fp-40 under 32 bytes of data: 480 + 32 bytes fit
    r1 = 0
    *(u64 *)(r10 - 480) = r1
    call sub
    r0 = 0
    exit
sub:
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    r1 = 1
    *(u64 *)(r10 - 40) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 40)
    r0 = 0
    exit

=== selftests_bpf_fastcall/pattern_below_512
type: raw_tracepoint
desc: a pattern pair at fp-520, below the 512-byte frame, with data down to fp-512
    r1 = 0
    *(u64 *)(r10 - 512) = r1
    r1 = 1
    *(u64 *)(r10 - 520) = r1
    call bpf_get_smp_processor_id
    r1 = *(u64 *)(r10 - 520)
    r0 = 0
    exit
