# Theme: what a map lookup returns and what a bad map reference gives, as the kernel's
# verifier_map_ret_val selftests probe it, written afresh: an lddw whose fd names no map, a map
# value read or written before the NULL check, an unaligned value access with and without
# BPF_F_STRICT_ALIGNMENT, and an access on the branch where the pointer is NULL
# (resolve_pseudo_ldimm64, check_mem_access on PTR_TO_MAP_VALUE_OR_NULL, check_ptr_alignment).

=== selftests_map_ret_val/fd_not_a_map
type: socket_filter
desc: an lddw of a map fd that is not open
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r2 = r10
    r2 += -8
    .insn 0x18, 1, 1, 0, 32000, 0
    call bpf_map_delete_elem
    exit

=== selftests_map_ret_val/fd_negative
type: socket_filter
desc: an lddw of the map fd -1
    .insn 0x18, 1, 1, 0, -1, 0
    r0 = 0
    exit

=== selftests_map_ret_val/map_value_fd_not_a_map
type: socket_filter
desc: a map-value lddw (BPF_PSEUDO_MAP_VALUE) of an fd that is not open
    .insn 0x18, 1, 2, 0, 32000, 0
    r0 = 0
    exit

=== selftests_map_ret_val/write_before_null_check
type: socket_filter
maps: m=hash(8,8,1)
desc: a store through the lookup's result before the NULL check
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r1 = 0
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit

=== selftests_map_ret_val/read_before_null_check
type: socket_filter
maps: m=array(4,8,2)
desc: a load through an array lookup's result before the NULL check
    r1 = 1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = *(u32 *)(r0 + 4)
    exit

=== selftests_map_ret_val/add_before_null_check
type: socket_filter
maps: m=hash(8,8,1)
desc: arithmetic on the maybe-NULL result
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 += 4
    r0 = 0
    exit

=== selftests_map_ret_val/unaligned_value_store
type: socket_filter
maps: m=hash(8,16,1)
desc: an 8-byte store at value+4 without BPF_F_STRICT_ALIGNMENT (x86: allowed)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    *(u64 *)(r0 + 4) = r1
out:
    r0 = 0
    exit

=== selftests_map_ret_val/unaligned_value_store_strict
type: socket_filter
maps: m=hash(8,8,1)
flags: strict_alignment
desc: an 8-byte store at value+4 with BPF_F_STRICT_ALIGNMENT
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    *(u64 *)(r0 + 4) = r1
out:
    r0 = 0
    exit

=== selftests_map_ret_val/unaligned_value_load_strict
type: socket_filter
maps: m=hash(8,16,1)
flags: strict_alignment
desc: a 4-byte load at value+2 with BPF_F_STRICT_ALIGNMENT
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 2)
out:
    r0 = 0
    exit

=== selftests_map_ret_val/aligned_value_access_strict
type: socket_filter
maps: m=hash(8,16,1)
flags: strict_alignment
desc: aligned accesses of each size with BPF_F_STRICT_ALIGNMENT
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
    r1 = *(u32 *)(r0 + 4)
    r1 = *(u16 *)(r0 + 6)
    r1 = *(u8 *)(r0 + 3)
out:
    r0 = 0
    exit

=== selftests_map_ret_val/unaligned_moved_pointer_strict
type: socket_filter
maps: m=hash(8,16,1)
flags: strict_alignment
desc: the pointer moved by 2 then read with offset 2: aligned in sum
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 2
    r1 = *(u32 *)(r0 + 2)
    r1 = *(u32 *)(r0 + 4)
out:
    r0 = 0
    exit

=== selftests_map_ret_val/unaligned_var_offset_strict
type: socket_filter
maps: m=hash(8,16,1)
flags: strict_alignment
desc: a variable offset known only to be even, then a 4-byte load with BPF_F_STRICT_ALIGNMENT
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 &= 6
    r0 += r1
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_map_ret_val/unaligned_ctx_load_strict
type: sched_cls
flags: strict_alignment
desc: a 4-byte load of skb->len at an odd offset: the ctx check refuses it first
    r0 = *(u32 *)(r1 + 1)
    r0 = 0
    exit

=== selftests_map_ret_val/unaligned_pkt_load_strict
type: xdp
flags: strict_alignment
desc: a 4-byte packet load at data+2 with BPF_F_STRICT_ALIGNMENT (NET_IP_ALIGN makes it 4)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 2)
    r0 = *(u32 *)(r2 + 4)
out:
    r0 = 2
    exit

=== selftests_map_ret_val/unaligned_pkt_load_strict_bad
type: xdp
flags: strict_alignment
desc: a 4-byte packet load at data+0 with BPF_F_STRICT_ALIGNMENT (NET_IP_ALIGN makes it 2)
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 8
    if r4 > r3 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 2
    exit

=== selftests_map_ret_val/strict_and_any_alignment
type: socket_filter
maps: m=hash(8,16,1)
flags: strict_alignment any_alignment
desc: BPF_F_ANY_ALIGNMENT wins over BPF_F_STRICT_ALIGNMENT
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 2)
out:
    r0 = 0
    exit

=== selftests_map_ret_val/null_branch_access
type: socket_filter
maps: m=hash(8,8,1)
desc: the store on the NULL branch goes through a scalar 0
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto null
    r1 = 0
    *(u64 *)(r0 + 0) = r1
    exit
null:
    r1 = 1
    *(u64 *)(r0 + 0) = r1
    exit
