# Theme: bpf_check_mtu's mtu_len argument as the kernel's verifier_mtu selftest probes it, written
# afresh: a pointer to 4 aligned, initialised bytes the helper reads and writes (ARG_PTR_TO_INT:
# an uninitialised stack slot is accepted for a privileged loader), on the stack or in a map
# value, never read-only, NULL or misaligned.

=== selftests_mtu/tc_uninit_stack
type: sched_cls
desc: mtu_len on an uninitialised stack slot
    r2 = 0
    r3 = r10
    r3 += -4
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== selftests_mtu/xdp_init_stack
type: xdp
desc: mtu_len on a written stack slot, read back after the call
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r3 = r10
    r3 += -4
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = *(u32 *)(r10 - 4)
    r0 = 2
    exit

=== selftests_mtu/tc_null
type: sched_cls
desc: mtu_len NULL
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== selftests_mtu/tc_misaligned
type: sched_cls
desc: mtu_len at fp-6
    r2 = 0
    *(u64 *)(r10 - 8) = r2
    r3 = r10
    r3 += -6
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== selftests_mtu/tc_map_value
type: sched_cls
maps: a=array(4,8,1)
desc: mtu_len in a map value
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r6
    r2 = 0
    r3 = r0
    r4 = 0
    r5 = 0
    call bpf_check_mtu
out:
    r0 = 0
    exit

=== selftests_mtu/tc_map_value_end
type: sched_cls
maps: a=array(4,8,1)
desc: mtu_len at offset 6 of an 8-byte value
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r6
    r2 = 0
    r3 = r0
    r3 += 6
    r4 = 0
    r5 = 0
    call bpf_check_mtu
out:
    r0 = 0
    exit

=== selftests_mtu/tc_rodata
type: sched_cls
maps: ro=array(4,8,1,rdonly_prog,frozen)
desc: mtu_len in a read-only global
    r2 = 0
    r3 = map_value(ro, 0) ll
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== selftests_mtu/tc_ctx_field
type: sched_cls
desc: mtu_len pointing into the context
    r3 = r1
    r3 += 48
    r2 = 0
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== selftests_mtu/socket_filter_not_allowed
type: socket_filter
desc: bpf_check_mtu in a socket filter
    r2 = 0
    r3 = r10
    r3 += -4
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== selftests_mtu/result_range
type: xdp
desc: bpf_check_mtu's result is an unknown integer: a pointer offset by it is refused
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r3 = r10
    r3 += -4
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r1 = r10
    r1 += r0
    r0 = *(u8 *)(r1 - 1)
    r0 = 2
    exit
