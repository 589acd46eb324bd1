# kptrs in map values and the task/cgroup/cpumask acquire/release kfuncs (the kernel's selftests map_kptr.c,
# map_kptr_fail.c, task_kfunc_failure.c and cpumask_failure.c give the themes; written afresh).  Maps with ``kptr``
# have tests.verifier.kptr_harness's value: long x @0, task_struct __kptr @8,
# task_struct __kptr_untrusted @16, cgroup __kptr @24, kv_node (the map's own type) __kptr @32.

=== map_kptr/load_ref_rcu
type: xdp
maps: m=array(4,40,1,kptr)
desc: a referenced kptr loads as rcu_ptr_or_null_task_struct in a non-sleepable program; read after the NULL check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 +0)
out:
    r0 = 0
    exit

=== map_kptr/load_unref_untrusted
type: xdp
maps: m=array(4,40,1,kptr)
desc: an unreferenced kptr loads as untrusted_ptr_or_null_task_struct; read after the NULL check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +16)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 +0)
out:
    r0 = 0
    exit

=== map_kptr/load_local_rcu
type: xdp
maps: m=array(4,40,1,kptr)
desc: a kptr to a type of the map's own BTF loads as an rcu pointer to it
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +32)
    if r1 == 0 goto out
    r0 = *(u64 *)(r1 +0)
out:
    r0 = 0
    exit

=== map_kptr/load_ref_no_null_check
type: xdp
maps: m=array(4,40,1,kptr)
desc: a loaded kptr may be NULL: read without the check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    r0 = *(u32 *)(r1 +0)
out:
    r0 = 0
    exit

=== map_kptr/load_local_beyond
type: xdp
maps: m=array(4,40,1,kptr)
desc: a read past the end of the program's own pointee type
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +32)
    if r1 == 0 goto out
    r0 = *(u64 *)(r1 +8)
out:
    r0 = 0
    exit

=== map_kptr/local_write_allowed
type: xdp
maps: m=array(4,40,1,kptr)
desc: a program's own object may be written through its rcu pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +32)
    if r1 == 0 goto out
    r2 = 7
    *(u64 *)(r1 +0) = r2
out:
    r0 = 0
    exit

=== map_kptr/store_ref_refused
type: xdp
maps: m=array(4,40,1,kptr)
desc: a register store to a referenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r6 +8) = r1
out:
    r0 = 0
    exit

=== map_kptr/st_ref_refused
type: xdp
maps: m=array(4,40,1,kptr)
desc: even an immediate 0 may not be stored into a referenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    *(u64 *)(r6 +24) = 0
out:
    r0 = 0
    exit

=== map_kptr/st_unref_null
type: xdp
maps: m=array(4,40,1,kptr)
desc: an immediate 0 stored into an unreferenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    *(u64 *)(r6 +16) = 0
out:
    r0 = 0
    exit

=== map_kptr/st_unref_imm
type: xdp
maps: m=array(4,40,1,kptr)
desc: a non-zero immediate stored into an unreferenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    *(u64 *)(r6 +16) = 1
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_null_reg
type: xdp
maps: m=array(4,40,1,kptr)
desc: a NULL register stored into an unreferenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u64 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_untrusted
type: xdp
maps: m=array(4,40,1,kptr)
desc: an unreferenced kptr copied back into itself
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +16)
    *(u64 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_from_rcu
type: xdp
maps: m=array(4,40,1,kptr)
desc: a referenced kptr's rcu pointer stored into an unreferenced kptr of the same type
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    *(u64 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_wrong_type
type: xdp
maps: m=array(4,40,1,kptr)
desc: a cgroup pointer stored into a task_struct kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +24)
    *(u64 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_local_type
type: xdp
maps: m=array(4,40,1,kptr)
desc: a pointer to the program's own type stored into a task_struct kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +32)
    *(u64 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_stack_ptr
type: xdp
maps: m=array(4,40,1,kptr)
desc: a stack pointer stored into an unreferenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    *(u64 *)(r6 +16) = r10
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_scalar
type: xdp
maps: m=array(4,40,1,kptr)
desc: a non-NULL scalar stored into an unreferenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 5
    *(u64 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/stx_unref_offset_ptr
type: xdp
maps: m=array(4,40,1,kptr)
desc: a kptr pointer moved by a constant is no longer of the field's type
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +16)
    if r1 == 0 goto out
    r1 += 4
    *(u64 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/narrow_load
type: xdp
maps: m=array(4,40,1,kptr)
desc: a 4-byte read of a kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u32 *)(r6 +16)
out:
    r0 = 0
    exit

=== map_kptr/narrow_store
type: xdp
maps: m=array(4,40,1,kptr)
desc: a 4-byte store into a kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u32 *)(r6 +16) = r1
out:
    r0 = 0
    exit

=== map_kptr/misaligned_load
type: xdp
maps: m=array(4,40,1,kptr)
desc: an 8-byte read straddling a kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +12)
out:
    r0 = 0
    exit

=== map_kptr/sign_extending_load
type: xdp
maps: m=array(4,40,1,kptr)
desc: a sign-extending load of a kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(s32 *)(r6 +16)
out:
    r0 = 0
    exit

=== map_kptr/atomic_add
type: xdp
maps: m=array(4,40,1,kptr)
desc: an atomic add on a kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    lock *(u64 *)(r6 +16) += r1
out:
    r0 = 0
    exit

=== map_kptr/atomic_xchg
type: xdp
maps: m=array(4,40,1,kptr)
desc: an atomic exchange on a referenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    r1 = xchg_64(r6 + 8, r1)
out:
    r0 = 0
    exit

=== map_kptr/variable_offset_load
type: xdp
maps: m=array(4,40,1,kptr)
desc: a read whose variable offset may reach a kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u32 *)(r6 +0)
    r1 &= 8
    r6 += r1
    r1 = *(u64 *)(r6 +0)
out:
    r0 = 0
    exit

=== map_kptr/plain_member_untouched
type: xdp
maps: m=array(4,40,1,kptr)
desc: the plain member beside the kptrs is data
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +0)
    r1 += 1
    *(u64 *)(r6 +0) = r1
    r0 = *(u32 *)(r6 +4)
out:
    r0 = 0
    exit

=== map_kptr/helper_reads_kptr
type: xdp
maps: m=array(4,40,1,kptr)
desc: a helper handed the value memory that holds the kptrs
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = map_fd(m)
    r2 = r10
    r2 += -4
    r3 = r6
    r4 = 0
    call 2
out:
    r0 = 0
    exit

=== map_kptr/xchg_null_out
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg takes the task out of the map and releases it
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    r2 = 0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_result_leaked
type: xdp
maps: m=array(4,40,1,kptr)
desc: the pointer bpf_kptr_xchg gives back is a reference to release
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    r2 = 0
    call 194
out:
    r0 = 0
    exit

=== map_kptr/xchg_result_unchecked
type: xdp
maps: m=array(4,40,1,kptr)
desc: the old pointer may be NULL: released without the check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    r2 = 0
    call 194
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_from_pid_in
type: xdp
maps: m=array(4,40,1,kptr)
desc: a task acquired by bpf_task_from_pid moved into the map, the old one released
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r6
    r1 += 8
    r2 = r0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_moved_then_released
type: xdp
maps: m=array(4,40,1,kptr)
desc: the reference moved into the map by bpf_kptr_xchg is released again
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r1 += 8
    r2 = r0
    call 194
    if r0 == 0 goto l1
    r1 = r0
    call kfunc(bpf_task_release)
l1:
    r1 = r7
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_scalar_value
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg given a scalar to store
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    r2 = 5
    call 194
out:
    r0 = 0
    exit

=== map_kptr/xchg_unreferenced_value
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg given an rcu pointer it holds no reference to
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r2 = *(u64 *)(r6 +8)
    if r2 == 0 goto out
    r1 = r6
    r1 += 8
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_wrong_type
type: xdp
maps: m=array(4,40,1,kptr)
desc: a referenced cgroup moved into a task_struct kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r1 = r6
    r1 += 8
    r2 = r0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_task_into_local
type: xdp
maps: m=array(4,40,1,kptr)
desc: a task moved into a kptr of the program's own type
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r6
    r1 += 32
    r2 = r0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_unref_field
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg on an unreferenced kptr
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 16
    r2 = 0
    call 194
out:
    r0 = 0
    exit

=== map_kptr/xchg_plain_member
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg on the value's plain member
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = 0
    call 194
out:
    r0 = 0
    exit

=== map_kptr/xchg_variable_offset
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg at a variable offset
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u32 *)(r6 +0)
    r1 &= 8
    r2 = r6
    r2 += r1
    r1 = r2
    r2 = 0
    call 194
out:
    r0 = 0
    exit

=== map_kptr/xchg_stack_dest
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg's destination on the stack
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r10
    r1 += -8
    r2 = 0
    call 194
out:
    r0 = 0
    exit

=== map_kptr/xchg_local_out_leaked
type: xdp
maps: m=array(4,40,1,kptr)
desc: a program object taken out of the map must be freed (or put back)
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 32
    r2 = 0
    call 194
out:
    r0 = 0
    exit

=== map_kptr/xchg_hash_map
type: xdp
maps: m=hash(4,40,1,kptr)
desc: bpf_kptr_xchg on a hash map's value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    r2 = 0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_percpu_array
type: sched_cls
maps: m=percpu_array(4,40,1,kptr)
desc: bpf_kptr_xchg on a per-CPU array's value
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 24
    r2 = 0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== map_kptr/xchg_socket_filter_leak
type: socket_filter
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg is offered to every program type; its result must still be released
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    r2 = 0
    call 194
out:
    r0 = 0
    exit

=== map_kptr/acquire_from_rcu
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_task_acquire on the rcu pointer a referenced kptr loads as
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    if r1 == 0 goto out
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/acquire_from_untrusted
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_task_acquire on an untrusted pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +16)
    if r1 == 0 goto out
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/acquire_maybe_null
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_task_acquire on a kptr not checked for NULL
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/acquire_result_leaked
type: xdp
maps: m=array(4,40,1,kptr)
desc: a task acquired from a kptr and never released
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    if r1 == 0 goto out
    call kfunc(bpf_task_acquire)
out:
    r0 = 0
    exit

=== map_kptr/cgroup_acquire_swap
type: sched_cls
maps: m=array(4,40,1,kptr)
desc: a cgroup acquired from its kptr and swapped back in
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +24)
    if r1 == 0 goto out
    call kfunc(bpf_cgroup_acquire)
    if r0 == 0 goto out
    r1 = r6
    r1 += 24
    r2 = r0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cgroup_release)
out:
    r0 = 0
    exit

=== map_kptr/release_rcu_pointer
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_task_release of a pointer the program holds no reference to
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    if r1 == 0 goto out
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/release_twice
type: xdp
maps: m=array(4,40,1,kptr)
desc: a task released twice: the second pointer is a scalar by then
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    call kfunc(bpf_task_release)
    r1 = r7
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/release_with_offset
type: xdp
maps: m=array(4,40,1,kptr)
desc: a referenced task moved by a constant before its release
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r0 += 8
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/release_scalar
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_task_release of a scalar
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 5
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/release_wrong_type
type: xdp
maps: m=array(4,40,1,kptr)
desc: bpf_task_release of a referenced cgroup
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    call kfunc(bpf_cgroup_from_id)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/from_pid_leaked
type: xdp
maps: m=array(4,40,1,kptr)
desc: a task looked up and never released
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
out:
    r0 = 0
    exit

=== map_kptr/use_after_release
type: xdp
maps: m=array(4,40,1,kptr)
desc: a copy of a released task is a scalar
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r7 = r0
    r1 = r0
    call kfunc(bpf_task_release)
    r0 = *(u32 *)(r7 +0)
out:
    r0 = 0
    exit

=== map_kptr/read_referenced_task
type: sched_cls
maps: m=array(4,40,1,kptr)
desc: a field of a referenced task read before its release
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r7 = *(u32 *)(r0 +8)
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/read_beyond_task
type: xdp
maps: m=array(4,40,1,kptr)
desc: a read past the end of struct task_struct
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r7 = *(u32 *)(r0 +30000)
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/write_task
type: xdp
maps: m=array(4,40,1,kptr)
desc: a write into a kernel task
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r0 +8) = r1
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/syscall_from_pid
type: syscall
flags: sleepable
maps: m=array(4,40,1,kptr)
desc: bpf_task_from_pid in a (sleepable) syscall program
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/syscall_load_untrusted
type: syscall
flags: sleepable
maps: m=array(4,40,1,kptr)
desc: a sleepable program outside an RCU section loads a referenced kptr untrusted
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +8)
    if r1 == 0 goto out
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/syscall_load_in_rcu
type: syscall
flags: sleepable
maps: m=array(4,40,1,kptr)
desc: inside bpf_rcu_read_lock the same load is an rcu pointer
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    call kfunc(bpf_rcu_read_lock)
    r1 = *(u64 *)(r6 +8)
    if r1 == 0 goto l1
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto l1
    r1 = r0
    call kfunc(bpf_task_release)
l1:
    call kfunc(bpf_rcu_read_unlock)
out:
    r0 = 0
    exit

=== map_kptr/syscall_rcu_local
type: syscall
flags: sleepable
maps: m=array(4,40,1,kptr)
desc: a sleepable program loads a program-object kptr untrusted outside an RCU section
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = *(u64 *)(r6 +32)
    if r1 == 0 goto out
    r2 = 1
    *(u64 *)(r1 +0) = r2
out:
    r0 = 0
    exit

=== map_kptr/sf_from_pid
type: socket_filter
maps: m=array(4,40,1,kptr)
desc: socket_filter programs have no task kfuncs
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/act_from_pid
type: sched_act
maps: m=array(4,40,1,kptr)
desc: nor do sched_act programs (generic_btf_ids is registered for SCHED_CLS only)
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/rtp_from_pid
type: raw_tracepoint
maps: m=array(4,40,1,kptr)
desc: nor raw tracepoints
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = 1
    call kfunc(bpf_task_from_pid)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/rtp_xchg
type: raw_tracepoint
maps: m=array(4,40,1,kptr)
desc: bpf_kptr_xchg is offered to raw tracepoints, bpf_task_release is not
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 8
    r2 = 0
    call 194
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/cm_create_release
type: syscall
flags: sleepable
desc: bpf_cpumask_create in a syscall program, released
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== map_kptr/cm_leak
type: syscall
flags: sleepable
desc: a cpumask created and never released
    call kfunc(bpf_cpumask_create)
    r0 = 0
    exit

=== map_kptr/cm_acquire
type: syscall
flags: sleepable
desc: bpf_cpumask_acquire cannot fail: a second reference, both released
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_cpumask_acquire)
    r1 = r0
    call kfunc(bpf_cpumask_release)
    r1 = r6
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== map_kptr/cm_xdp
type: xdp
desc: XDP programs have no cpumask kfuncs
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== map_kptr/cm_task_release
type: syscall
flags: sleepable
desc: a cpumask given to bpf_task_release
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== map_kptr/cm_read
type: syscall
flags: sleepable
desc: a read of a referenced cpumask
    call kfunc(bpf_cpumask_create)
    if r0 == 0 goto out
    r6 = *(u64 *)(r0 +0)
    r1 = r0
    call kfunc(bpf_cpumask_release)
out:
    r0 = 0
    exit

=== map_kptr/sock_to_task_release
type: sched_cls
desc: a referenced socket given to bpf_task_release (sockets stand for their kernel struct)
    r2 = 0
    *(u64 *)(r10 -8) = r2
    *(u64 *)(r10 -16) = r2
    *(u64 *)(r10 -24) = r2
    *(u64 *)(r10 -32) = r2
    *(u64 *)(r10 -40) = r2
    r2 = r10
    r2 += -40
    r3 = 36
    r4 = 0
    r5 = 0
    call 84
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit
=== map_kptr/sock_to_task_acquire
type: sched_cls
desc: a referenced socket given to bpf_task_acquire
    r2 = 0
    *(u64 *)(r10 -8) = r2
    *(u64 *)(r10 -16) = r2
    *(u64 *)(r10 -24) = r2
    *(u64 *)(r10 -32) = r2
    *(u64 *)(r10 -40) = r2
    r2 = r10
    r2 += -40
    r3 = 36
    r4 = 0
    r5 = 0
    call 84
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call kfunc(bpf_task_acquire)
    r1 = r6
    call 86
out:
    r0 = 0
    exit
