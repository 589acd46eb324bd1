# Disagreements scripts/fuzz_verifier.py found between pybpf and Linux 6.18 in session 19 (the shapes
# of tests/verifier/shape_generator.py, seeds 200000 and up), each minimised by hand and fixed in
# pybpf; the shape and seed that found it are in the desc.  Maps with ``kptr`` have
# tests.verifier.kptr_harness's value: long x @0, task_struct __kptr @8, task_struct __kptr_untrusted
# @16, cgroup __kptr @24, kv_node (the map's own type) __kptr @32.

=== fuzz_s19/kptr_xchg_maybe_null_wrong_type
type: xdp
maps: km=array(4,40,1,kptr)
desc: kptrs:200030 -- a possibly-NULL cgroup from one bpf_kptr_xchg handed to another on a task_struct field: check_reg_type refuses the NULL before map_kptr_match_type looks at the type
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(km) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = r9
    r1 += 24
    r2 = 0
    call bpf_kptr_xchg
    r2 = r0
    r1 = r9
    r1 += 8
    call bpf_kptr_xchg
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit

=== fuzz_s19/kptr_xchg_maybe_null_same_type
type: xdp
maps: km=array(4,40,1,kptr)
desc: the same with a possibly-NULL task_struct into a task_struct field: the NULL is refused too
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(km) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = r9
    r1 += 8
    r2 = 0
    call bpf_kptr_xchg
    r2 = r0
    r1 = r9
    r1 += 8
    call bpf_kptr_xchg
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit

=== fuzz_s19/kptr_xchg_maybe_null_local
type: xdp
maps: km=array(4,40,1,kptr)
desc: a possibly-NULL program-local object (kv_node) from bpf_kptr_xchg put back without the NULL check: refused before the type match
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(km) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = r9
    r1 += 32
    r2 = 0
    call bpf_kptr_xchg
    r2 = r0
    r1 = r9
    r1 += 32
    call bpf_kptr_xchg
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call kfunc(bpf_obj_drop_impl)
out:
    r0 = 2
    exit

=== fuzz_s19/kptr_xchg_checked_back
type: xdp
maps: km=array(4,40,1,kptr)
desc: the accepted form: the task taken out is checked, then put back and the old one released
    r1 = 0
    *(u32 *)(r10 -4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(km) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r1 = r9
    r1 += 8
    r2 = 0
    call bpf_kptr_xchg
    if r0 == 0 goto out
    r2 = r0
    r1 = r9
    r1 += 8
    call bpf_kptr_xchg
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 2
    exit
