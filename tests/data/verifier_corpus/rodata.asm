# Theme: reads of a frozen BPF_F_RDONLY_PROG map (clang's .rodata, frozen by the loader) at a
# constant offset load the constant the map holds (check_mem_access()'s bpf_map_direct_read()); the
# maps here are created zeroed, so every such read is a known 0.  Not frozen, not read-only or at a
# variable offset the read is an unknown scalar; a frozen read-only array of more than one element
# has no direct value address, and the kernel refuses the load with ENOTSUPP.

=== rodata/const_offset_into_value
maps: ro=array(4,8,1,rdonly_prog,frozen) m=array(4,8,1)
desc: the frozen constant (0) is a safe offset into another map's value
    r6 = map_value(ro, 0) ll
    r7 = map_value(m, 0) ll
    r1 = *(u32 *)(r6 + 0)
    r7 += r1
    r0 = *(u64 *)(r7 + 0)
    r0 = 0
    exit

=== rodata/not_frozen_offset_into_value
maps: ro=array(4,8,1,rdonly_prog) m=array(4,8,1)
desc: without the freeze the read is an unknown scalar: an unbounded offset
    r6 = map_value(ro, 0) ll
    r7 = map_value(m, 0) ll
    r1 = *(u32 *)(r6 + 0)
    r7 += r1
    r0 = *(u64 *)(r7 + 0)
    r0 = 0
    exit

=== rodata/frozen_writable_offset_into_value
maps: ro=array(4,8,1,frozen) m=array(4,8,1)
desc: frozen but writable by programs: an unknown scalar
    r6 = map_value(ro, 0) ll
    r7 = map_value(m, 0) ll
    r1 = *(u32 *)(r6 + 0)
    r7 += r1
    r0 = *(u64 *)(r7 + 0)
    r0 = 0
    exit

=== rodata/dead_branch_pruned
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: the constant decides the branch: the unsafe side is never walked
    r6 = map_value(ro, 8) ll
    r1 = *(u64 *)(r6 + 0)
    if r1 == 0 goto ok
    r2 = 0
    r0 = *(u64 *)(r2 + 0)
ok:
    r0 = 0
    exit

=== rodata/live_branch_not_frozen
maps: ro=array(4,16,1,rdonly_prog)
desc: not frozen: both branches are walked and the NULL dereference is found
    r6 = map_value(ro, 8) ll
    r1 = *(u64 *)(r6 + 0)
    if r1 == 0 goto ok
    r2 = 0
    r0 = *(u64 *)(r2 + 0)
ok:
    r0 = 0
    exit

=== rodata/narrow_reads
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: byte, half and word reads at odd offsets are constants as well
    r6 = map_value(ro, 0) ll
    r1 = *(u8 *)(r6 + 3)
    r2 = *(u16 *)(r6 + 6)
    r3 = *(u32 *)(r6 + 12)
    r1 |= r2
    r1 |= r3
    if r1 != 0 goto bad
    r0 = 0
    exit
bad:
    r2 = 0
    r0 = *(u64 *)(r2 + 0)
    exit

=== rodata/sign_extending_read
maps: ro=array(4,8,1,rdonly_prog,frozen)
desc: a sign-extending read of a frozen byte is a constant too
    r6 = map_value(ro, 0) ll
    r1 = *(s8 *)(r6 + 1)
    if r1 s< 0 goto bad
    if r1 s> 0 goto bad
    r0 = 0
    exit
bad:
    r2 = 0
    r0 = *(u64 *)(r2 + 0)
    exit

=== rodata/variable_offset_read
maps: ro=array(4,16,1,rdonly_prog,frozen) m=array(4,8,1)
desc: at a variable offset the read is not a constant
    r6 = map_value(ro, 0) ll
    r7 = map_value(m, 0) ll
    r1 = *(u32 *)(r1 + 16)
    r1 &= 8
    r6 += r1
    r2 = *(u32 *)(r6 + 0)
    r7 += r2
    r0 = *(u64 *)(r7 + 0)
    r0 = 0
    exit

=== rodata/lookup_value_is_constant
maps: ro=array(4,8,1,rdonly_prog,frozen) m=array(4,8,1)
desc: a value pointer from bpf_map_lookup_elem reads constants too
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(ro) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 4)
    r7 = map_value(m, 0) ll
    r7 += r1
    r0 = *(u64 *)(r7 + 0)
out:
    r0 = 0
    exit

=== rodata/frozen_array_of_two
maps: ro=array(4,8,2,rdonly_prog,frozen)
desc: a frozen read-only array of two elements has no direct value: the load fails (ENOTSUPP)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(ro) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== rodata/frozen_hash_read
maps: ro=hash(4,8,4,rdonly_prog,frozen)
desc: a frozen read-only hash map has no map_direct_value_addr: its reads are unknown scalars
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(ro) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit
