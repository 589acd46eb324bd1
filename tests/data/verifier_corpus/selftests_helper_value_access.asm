# Theme: helpers given map value memory (the kernel's verifier_helper_value_access selftests,
# written afresh): bpf_probe_read_kernel into a value with constant and variable offsets and
# sizes, at the edges, with negative or unbounded sizes.

=== selftests_helper_value_access/full_value
type: raw_tracepoint
maps: m=array(4,48,1)
desc: read 48 bytes into a 48-byte value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 48
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/one_past
type: raw_tracepoint
maps: m=array(4,48,1)
desc: read 49 bytes into a 48-byte value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 49
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/offset_and_size_fit
type: raw_tracepoint
maps: m=array(4,48,1)
desc: 8 bytes at value + 40
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 40
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/offset_and_size_past
type: raw_tracepoint
maps: m=array(4,48,1)
desc: 16 bytes at value + 40
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 40
    r2 = 16
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/zero_size
type: raw_tracepoint
maps: m=array(4,48,1)
desc: a zero size (allowed for this helper)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/negative_size
type: raw_tracepoint
maps: m=array(4,48,1)
desc: a negative size
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = -1
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/variable_size_bounded
type: raw_tracepoint
maps: m=array(4,48,1)
desc: a size in [0,32] from the value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = *(u8 *)(r0 + 0)
    if r2 > 32 goto out
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/variable_size_past
type: raw_tracepoint
maps: m=array(4,48,1)
desc: a size in [0,64] into 48 bytes
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = *(u8 *)(r0 + 0)
    if r2 > 64 goto out
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/variable_size_unbounded
type: raw_tracepoint
maps: m=array(4,48,1)
desc: an unbounded size
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = *(u64 *)(r0 + 0)
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/variable_offset_fixed_size
type: raw_tracepoint
maps: m=array(4,48,1)
desc: 16 bytes at value + (u8 & 31)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = *(u8 *)(r0 + 0)
    r2 &= 31
    r1 += r2
    r2 = 16
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/variable_offset_fixed_size_past
type: raw_tracepoint
maps: m=array(4,48,1)
desc: 24 bytes at value + (u8 & 31): may end at 55
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = *(u8 *)(r0 + 0)
    r2 &= 31
    r1 += r2
    r2 = 24
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit

=== selftests_helper_value_access/negative_offset
type: raw_tracepoint
maps: m=array(4,48,1)
desc: 8 bytes at value - 8
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
out:
    r0 = 0
    exit
