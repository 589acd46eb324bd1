# Theme: helper calls (check_helper_call, check_func_arg): argument types from the prototypes (map
# pointer, key and value of the map's sizes on the stack or in a map value or packet, memory with a
# size, context), the program type's helper set, GPL-only helpers, return types, r1-r5 clobbered.

=== helpers/lookup_ok
maps: m=hash(4,8,16)
desc: a lookup with a 4-byte key on the stack
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/lookup_key_too_small
maps: m8=hash(8,8,4)
desc: a 4-byte key for an 8-byte-key map
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m8) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/lookup_key_past_fp
maps: m=hash(4,8,16)
desc: a key running past r10
    r2 = r10
    r2 += -2
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/lookup_key_scalar
maps: m=hash(4,8,16)
desc: NULL as the key
    r2 = 0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/lookup_key_ctx
maps: m=hash(4,8,16)
desc: the context as the key
    r2 = r1
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/lookup_key_from_value
maps: m=hash(4,8,16)
desc: a map value as the key of another lookup
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r2 = r0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 0
    exit

=== helpers/lookup_key_packet
maps: m=hash(4,8,16)
desc: a checked packet pointer as the key
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
out:
    r0 = 0
    exit

=== helpers/lookup_key_packet_unchecked
maps: m=hash(4,8,16)
desc: an unchecked packet pointer as the key
    r2 = *(u32 *)(r1 + 0)
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/lookup_map_scalar
maps: m=hash(4,8,16)
desc: a scalar as the map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/update_ok
maps: m=hash(4,8,16)
desc: an update with key and value on the stack
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(m) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== helpers/update_value_short
maps: m=hash(4,8,16)
desc: an 8-byte value read from 4 bytes below r10
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -4
    r4 = 0
    r1 = map_fd(m) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== helpers/update_flags_unknown
maps: m=hash(4,8,16)
desc: flags from the stack (any scalar)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = *(u32 *)(r10 - 4)
    r1 = map_fd(m) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== helpers/update_rdonly_map
maps: r=hash(4,8,4,rdonly_prog)
desc: updating a BPF_F_RDONLY_PROG map from the program
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(r) ll
    call bpf_map_update_elem
    r0 = 0
    exit

=== helpers/delete_ok
maps: m=hash(4,8,16)
desc: a delete
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_delete_elem
    r0 = 0
    exit

=== helpers/delete_array
maps: a=array(4,8,4)
desc: a delete on an array (refused at run time only)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_delete_elem
    r0 = 0
    exit

=== helpers/clobbered_r1
desc: r1 read after a call
    call bpf_get_prandom_u32
    r0 = r1
    exit

=== helpers/clobbered_r5
desc: r5 read after a call
    r5 = 1
    call bpf_ktime_get_ns
    r0 = r5
    exit

=== helpers/preserved_r6
desc: r6 survives a call
    r6 = 1
    call bpf_ktime_get_ns
    r0 = r6
    exit

=== helpers/ret_scalar_deref
desc: a helper's scalar result dereferenced
    call bpf_get_prandom_u32
    r0 = *(u8 *)(r0 + 0)
    exit

=== helpers/ret_bounds
maps: m=hash(4,8,16)
desc: an unbounded helper result added to a value pointer
    call bpf_get_smp_processor_id
    r6 = r0
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
out:
    r0 = 0
    exit

=== helpers/unknown_helper
desc: a helper id that does not exist
    call 9999
    r0 = 0
    exit

=== helpers/helper_not_for_type
type: socket_filter
desc: an XDP helper in a socket filter
    call bpf_xdp_adjust_head
    r0 = 0
    exit

=== helpers/helper_skb_in_xdp
desc: an skb helper in an XDP program
    r2 = 0
    r3 = 0
    r4 = 4
    call bpf_skb_load_bytes
    r0 = 0
    exit

=== helpers/gpl_helper_non_gpl
license: MIT
desc: a GPL-only helper in a program without a GPL license
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = 0
    r2 = 8
    call bpf_trace_printk
    r0 = 0
    exit

=== helpers/gpl_helper_gpl
desc: bpf_trace_printk from a GPL program
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = 0
    r2 = 8
    call bpf_trace_printk
    r0 = 0
    exit

=== helpers/printk_size_too_big
desc: a format size past the initialised stack
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = 0
    r2 = 16
    call bpf_trace_printk
    r0 = 0
    exit

=== helpers/printk_size_zero
desc: a zero size where the helper needs one
    r1 = r10
    r1 += -8
    r2 = 0
    call bpf_trace_printk
    r0 = 0
    exit

=== helpers/printk_size_unknown
desc: an unbounded size
    r2 = *(u32 *)(r1 + 12)
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = 0
    call bpf_trace_printk
    r0 = 0
    exit

=== helpers/printk_size_bounded
desc: a size of 1..8
    r2 = *(u32 *)(r1 + 12)
    r2 &= 7
    r2 += 1
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = 0
    call bpf_trace_printk
    r0 = 0
    exit

=== helpers/printk_size_negative
desc: a negative size
    r2 = -1
    r1 = r10
    r1 += -8
    *(u64 *)(r1 + 0) = 0
    call bpf_trace_printk
    r0 = 0
    exit

=== helpers/csum_diff_null_zero
desc: bpf_csum_diff with NULL buffers of size 0
    r1 = 0
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== helpers/csum_diff_stack
desc: bpf_csum_diff over 8 stack bytes
    *(u64 *)(r10 - 8) = 0
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== helpers/csum_diff_size_unaligned
desc: a size that is not a multiple of 4 (checked at run time)
    *(u64 *)(r10 - 8) = 0
    r1 = r10
    r1 += -8
    r2 = 6
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== helpers/probe_read_kernel_stack
type: raw_tracepoint
desc: an uninitialised stack destination
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== helpers/probe_read_kernel_too_big
type: raw_tracepoint
desc: 16 bytes into 8
    r1 = r10
    r1 += -8
    r2 = 16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== helpers/get_current_comm
type: raw_tracepoint
desc: bpf_get_current_comm into 16 stack bytes
    r1 = r10
    r1 += -16
    r2 = 16
    call bpf_get_current_comm
    r0 = 0
    exit

=== helpers/perf_event_output
maps: p=perf_event_array(4,4,2)
desc: perf output from the stack
    *(u64 *)(r10 - 8) = 0
    r4 = r10
    r4 += -8
    r5 = 8
    r2 = map_fd(p) ll
    r3 = 0xffffffff ll
    call bpf_perf_event_output
    r0 = 0
    exit

=== helpers/perf_event_output_wrong_map
maps: m=hash(4,8,16)
desc: a hash map where a perf event array is needed
    *(u64 *)(r10 - 8) = 0
    r4 = r10
    r4 += -8
    r5 = 8
    r2 = map_fd(m) ll
    r3 = 0
    call bpf_perf_event_output
    r0 = 0
    exit

=== helpers/queue_push
maps: q=queue(0,8,4)
desc: a queue push
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -8
    r3 = 0
    r1 = map_fd(q) ll
    call bpf_map_push_elem
    r0 = 0
    exit

=== helpers/queue_lookup
maps: q=queue(0,8,4)
desc: a lookup on a queue
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(q) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helpers/ringbuf_output_stack
maps: rb=ringbuf(0,0,4096)
desc: ring buffer output from the stack
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    r1 = map_fd(rb) ll
    call bpf_ringbuf_output
    r0 = 0
    exit

=== helpers/ringbuf_output_wrong_map
maps: m=hash(4,8,16)
desc: a hash map for bpf_ringbuf_output
    *(u64 *)(r10 - 8) = 0
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    r1 = map_fd(m) ll
    call bpf_ringbuf_output
    r0 = 0
    exit

=== helpers/redirect_map_xdp
maps: a=array(4,4,4)
desc: bpf_redirect_map on an array (not a devmap)
    r1 = map_fd(a) ll
    r2 = 0
    r3 = 0
    call bpf_redirect_map
    exit

=== helpers/tail_call_ok
maps: pa=prog_array(4,4,4)
desc: a tail call
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== helpers/tail_call_wrong_map
maps: m=hash(4,8,16)
desc: a tail call through a hash map
    r2 = map_fd(m) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== helpers/tail_call_ctx_not_r1
maps: pa=prog_array(4,4,4)
desc: a tail call with NULL as the context
    r1 = 0
    r2 = map_fd(pa) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit
