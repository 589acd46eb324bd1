# Theme: global data a helper writes, as the kernel's verifier_const selftests probe it, written
# afresh: a helper's output argument in a BPF_F_RDONLY_PROG array (clang's .rodata) is refused
# ("write into map forbidden", check_map_access_type through check_helper_mem_access), in a
# writable array (.data, .bss) accepted, whether the address comes from an lddw of a map value or
# from a lookup; reads of the read-only value are fine.

=== selftests_const/strtol_into_rodata
type: sched_cls
maps: ro=array(4,8,1,rdonly_prog,frozen)
desc: bpf_strtol's result written into a read-only global
    r1 = 0x3438
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 3
    r3 = 0
    r4 = map_value(ro, 0) ll
    call bpf_strtol
    r0 = 0
    exit

=== selftests_const/strtol_into_bss
type: sched_cls
maps: bss=array(4,8,1)
desc: bpf_strtol's result written into a writable global
    r1 = 0x3438
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 3
    r3 = 0
    r4 = map_value(bss, 0) ll
    call bpf_strtol
    r0 = 0
    exit

=== selftests_const/strtol_into_data_offset
type: sched_cls
maps: data=array(4,16,1,data=6000000000000000)
desc: bpf_strtol's result written at offset 8 of an initialised writable global
    r1 = 0x3438
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 3
    r3 = 0
    r4 = map_value(data, 8) ll
    call bpf_strtol
    r0 = 0
    exit

=== selftests_const/strtol_into_data_past_end
type: sched_cls
maps: data=array(4,12,1)
desc: bpf_strtol's 8-byte result at offset 8 of a 12-byte global
    r1 = 0x3438
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 3
    r3 = 0
    r4 = map_value(data, 8) ll
    call bpf_strtol
    r0 = 0
    exit

=== selftests_const/strtoul_into_rodata_lookup
type: sched_cls
maps: ro=array(4,8,1,rdonly_prog)
desc: bpf_strtoul's result written into a read-only map's value found by a lookup
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -16
    r1 = map_fd(ro) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r4 = r0
    r1 = 0x3438
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 3
    r3 = 0
    call bpf_strtoul
out:
    r0 = 0
    exit

=== selftests_const/rodata_as_input
type: sched_cls
maps: ro=array(4,8,1,rdonly_prog,frozen,data=3432)
desc: a read-only global as bpf_strtol's input buffer, the result on the stack
    r1 = map_value(ro, 0) ll
    r2 = 2
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== selftests_const/probe_read_into_rodata
type: raw_tracepoint
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: bpf_probe_read_kernel's destination in a read-only global
    r1 = map_value(ro, 0) ll
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_const/probe_read_into_bss
type: raw_tracepoint
maps: bss=array(4,16,1)
desc: bpf_probe_read_kernel's destination in a writable global
    r1 = map_value(bss, 0) ll
    r2 = 16
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_const/store_into_rodata
type: sched_cls
maps: ro=array(4,8,1,rdonly_prog,frozen)
desc: a plain store into a read-only global
    r1 = map_value(ro, 0) ll
    r2 = 7
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_const/load_from_rodata
type: sched_cls
maps: ro=array(4,8,1,rdonly_prog,frozen,data=2a)
desc: a read of a frozen read-only global is its constant: the dead branch is not walked
    r1 = map_value(ro, 0) ll
    r0 = *(u64 *)(r1 + 0)
    if r0 == 42 goto out
    r0 = *(u64 *)(r9 + 0)
out:
    r0 = 0
    exit

=== selftests_const/wronly_read
type: sched_cls
maps: wo=array(4,8,1,wronly_prog)
desc: a read of a global the program may only write
    r1 = map_value(wo, 0) ll
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_const/strtol_into_wronly
type: sched_cls
maps: wo=array(4,8,1,wronly_prog)
desc: bpf_strtol's result written into a write-only global: the helper only writes it
    r1 = 0x3438
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 3
    r3 = 0
    r4 = map_value(wo, 0) ll
    call bpf_strtol
    r0 = 0
    exit
