# Theme: helpers' memory arguments of variable length (the kernel's verifier_helper_access_var_len
# selftests' subject, written afresh): check_mem_size_reg() bounds the size register (negative,
# unbounded, zero where the helper allows it) and check_helper_mem_access() the memory before it
# (stack, map values, NULL), for bpf_probe_read_kernel, bpf_ringbuf_output and bpf_csum_diff.

=== selftests_helper_access_var_len/probe_read_masked
type: raw_tracepoint
desc: bpf_probe_read_kernel into 64 stack bytes, the size masked to 0..63
    r6 = *(u64 *)(r1 + 0)
    r6 &= 63
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_masked_64
type: raw_tracepoint
desc: the size masked to 0 or 64 (the whole buffer)
    r6 = *(u64 *)(r1 + 0)
    r6 &= 64
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_masked_127
type: raw_tracepoint
desc: the size masked to 0..127 for 64 stack bytes
    r6 = *(u64 *)(r1 + 0)
    r6 &= 127
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_unbounded
type: raw_tracepoint
desc: the size unknown
    r6 = *(u64 *)(r1 + 0)
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_jle_bound
type: raw_tracepoint
desc: the size checked <= 64 unsigned
    r6 = *(u64 *)(r1 + 0)
    if r6 > 64 goto out
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_jle_65
type: raw_tracepoint
desc: the size checked <= 65 for 64 bytes
    r6 = *(u64 *)(r1 + 0)
    if r6 > 65 goto out
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_signed_bound
type: raw_tracepoint
desc: the size checked <= 64 signed only (may be negative)
    r6 = *(u64 *)(r1 + 0)
    if r6 s> 64 goto out
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_signed_both
type: raw_tracepoint
desc: the size checked 0..64 with two signed comparisons
    r6 = *(u64 *)(r1 + 0)
    if r6 s> 64 goto out
    if r6 s< 0 goto out
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_min_one
type: raw_tracepoint
desc: the size checked 1..64
    r6 = *(u64 *)(r1 + 0)
    if r6 > 64 goto out
    if r6 == 0 goto out
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_size_pointer
type: raw_tracepoint
desc: a pointer as the size
    r6 = r10
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_var_dst
type: raw_tracepoint
desc: the destination at a variable stack offset (-64..-33), 16 bytes
    r6 = *(u64 *)(r1 + 0)
    r7 = *(u64 *)(r1 + 8)
    r7 &= 31
    r1 = r10
    r1 += -64
    r1 += r7
    r2 = 16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/probe_read_var_dst_over
type: raw_tracepoint
desc: the destination at a variable stack offset up to -1, 16 bytes (past the frame)
    r6 = *(u64 *)(r1 + 0)
    r7 = *(u64 *)(r1 + 8)
    r7 &= 63
    r1 = r10
    r1 += -64
    r1 += r7
    r2 = 16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/ringbuf_output_masked
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_output of 0..31 initialised stack bytes
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r6 &= 31
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -32
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
    r0 = 0
    exit

=== selftests_helper_access_var_len/ringbuf_output_uninit
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_output of 0..31 stack bytes never written (root may read them)
    r6 = *(u32 *)(r1 + 16)
    r6 &= 31
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -32
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
    r0 = 0
    exit

=== selftests_helper_access_var_len/ringbuf_output_zero
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_output of 0 bytes
    r6 = 0
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -32
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
    r0 = 0
    exit

=== selftests_helper_access_var_len/ringbuf_output_too_long
type: xdp
maps: rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_output of 0..63 bytes from 32 below the frame
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r6 &= 63
    r1 = map_fd(rb) ll
    r2 = r10
    r2 += -32
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
    r0 = 0
    exit

=== selftests_helper_access_var_len/map_value_masked
type: xdp
maps: m=array(4,16,1) rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_output of 0..15 bytes of a 16-byte map value
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 &= 15
    r1 = map_fd(rb) ll
    r2 = r0
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/map_value_too_long
type: xdp
maps: m=array(4,16,1) rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_output of 0..31 bytes of a 16-byte map value
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 &= 31
    r1 = map_fd(rb) ll
    r2 = r0
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/map_value_offset_plus_size
type: xdp
maps: m=array(4,16,1) rb=ringbuf(0,0,4096)
desc: 0..7 bytes from 8 into a 16-byte map value
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 &= 7
    r0 += 8
    r1 = map_fd(rb) ll
    r2 = r0
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/map_value_offset_plus_size_over
type: xdp
maps: m=array(4,16,1) rb=ringbuf(0,0,4096)
desc: 0..15 bytes from 8 into a 16-byte map value
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 &= 15
    r0 += 8
    r1 = map_fd(rb) ll
    r2 = r0
    r3 = r6
    r4 = 0
    call bpf_ringbuf_output
out:
    r0 = 0
    exit

=== selftests_helper_access_var_len/csum_diff_var_from
type: xdp
desc: bpf_csum_diff from 0..28 stack bytes, nothing to
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r6 &= 28
    r1 = r10
    r1 += -32
    r2 = r6
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== selftests_helper_access_var_len/csum_diff_null_from_zero
type: xdp
desc: bpf_csum_diff with a NULL from of size 0
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = 0
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== selftests_helper_access_var_len/csum_diff_null_from_var
type: xdp
desc: bpf_csum_diff with a NULL from of size 0..28
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r6 &= 28
    r1 = 0
    r2 = r6
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== selftests_helper_access_var_len/csum_diff_null_from_nonzero
type: xdp
desc: bpf_csum_diff with a NULL from of size 4
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = 0
    r2 = 4
    r3 = r10
    r3 += -8
    r4 = 8
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== selftests_helper_access_var_len/csum_diff_to_var_over
type: xdp
desc: bpf_csum_diff to 0..60 bytes from 32 below the frame
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r6 &= 60
    r1 = 0
    r2 = 0
    r3 = r10
    r3 += -32
    r4 = r6
    r5 = 0
    call bpf_csum_diff
    r0 = 0
    exit

=== selftests_helper_access_var_len/size_from_spilled_bounded
type: raw_tracepoint
desc: the masked size spilled and filled before the call
    r6 = *(u64 *)(r1 + 0)
    r6 &= 63
    *(u64 *)(r10 - 72) = r6
    r6 = *(u64 *)(r10 - 72)
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/size_32bit_bounded
type: raw_tracepoint
desc: the size masked in 32 bits (upper half zeroed)
    r6 = *(u64 *)(r1 + 0)
    w6 &= 63
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_helper_access_var_len/size_32bit_unbounded_upper
type: raw_tracepoint
desc: the size's low 32 bits checked <= 64, the upper half unknown
    r6 = *(u64 *)(r1 + 0)
    if w6 > 64 goto out
    r1 = r10
    r1 += -64
    r2 = r6
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit
