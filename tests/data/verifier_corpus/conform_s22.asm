# Session 22's conformance fixes (the kernel's test_verifier suite run as test_verifier runs it: its
# privileged tests load with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN but without CAP_SYS_ADMIN).  Maps
# with ``kptr`` have tests.verifier.kptr_harness's value (task_struct __kptr @8); ``spin_lock`` maps a
# bpf_spin_lock in their value.  The verifier reads a map's BTF as the kernel holds it (map->btf):
# no capability asked, where BPF_BTF_GET_FD_BY_ID from user space wants CAP_SYS_ADMIN.

=== conform_s22/kptr_st_imm_no_sys_admin
type: xdp
caps: bpf,net_admin,perfmon
maps: m=array(4,40,1,kptr)
desc: without CAP_SYS_ADMIN a store of a non-zero immediate to a kptr field is refused for the kptr, not EPERM
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    *(u64 *)(r0 +8) = 1
out:
    r0 = 0
    exit

=== conform_s22/kptr_load_no_sys_admin
type: xdp
caps: bpf,net_admin,perfmon
maps: m=array(4,40,1,kptr)
desc: without CAP_SYS_ADMIN a referenced kptr loads as an rcu pointer, read after its NULL check
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 +8)
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 +0)
out:
    r0 = 0
    exit

=== conform_s22/kptr_size_no_sys_admin
type: xdp
caps: bpf,net_admin,perfmon
maps: m=array(4,40,1,kptr)
desc: without CAP_SYS_ADMIN a 4-byte read of a kptr field is refused for its size
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m)
    call 1
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 +8)
out:
    r0 = 0
    exit

=== conform_s22/spin_lock_value_no_sys_admin
type: xdp
caps: bpf,net_admin,perfmon
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: without CAP_SYS_ADMIN a task storage with a bpf_spin_lock in its value is used as with it
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 1
    call bpf_task_storage_get
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
out:
    r0 = 2
    exit

=== conform_s22/spin_lock_direct_write_no_sys_admin
type: xdp
caps: bpf,net_admin,perfmon
maps: t=task_storage(4,16,0,no_prealloc,spin_lock)
btf: func_info
desc: without CAP_SYS_ADMIN a store over the value's bpf_spin_lock is refused as with CAP_SYS_ADMIN
    call bpf_get_current_task_btf
    r2 = r0
    r1 = map_fd(t) ll
    r3 = 0
    r4 = 1
    call bpf_task_storage_get
    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r0 + 4) = r1
out:
    r0 = 2
    exit
