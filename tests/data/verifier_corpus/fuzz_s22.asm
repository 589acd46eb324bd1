# Disagreements scripts/fuzz_verifier.py found between pybpf and Linux 6.18 in session 22, loading the
# shapes of tests/verifier/shape_generator.py as a caller without every capability (--caps): each
# minimised by hand and fixed in pybpf; the shape and seed that found it are in the desc, with the
# privileged counterpart where the rule is the unprivileged loader's alone.

=== fuzz_s22/spin_lock_field_by_pointer_arith
type: xdp
caps: bpf,net_admin
maps: lk=array(4,16,1,spin_lock)
btf: func_info
desc: spin_lock:0 (--caps bpf,net_admin) -- a map value pointer moved onto its bpf_spin_lock: sanitize_check_bounds()'s check_map_access() of one byte meets the lock field ("bpf_spin_lock cannot be accessed directly by load/store"), so the ALU is refused for !root (pybpf failed the load with EPERM before: it opened the map's BTF through BPF_BTF_GET_FD_BY_ID, which needs CAP_SYS_ADMIN)
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(lk) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 4
    call bpf_spin_lock
out:
    r0 = 2
    exit

=== fuzz_s22/spin_lock_field_by_pointer_arith_root
type: xdp
maps: lk=array(4,16,1,spin_lock)
btf: func_info
desc: the same with every capability: no sanitation, the lock taken and released
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(lk) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r1 += 4
    call bpf_spin_lock
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 2
    exit

=== fuzz_s22/spin_lock_value_read_without_sys_admin
type: xdp
caps: bpf,net_admin
maps: lk=array(4,16,1,spin_lock)
btf: func_info
desc: a read of a spin-lock map's value by a loader without CAP_SYS_ADMIN: the value's BTF decides the field, read from within (pybpf's EPERM before)
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(lk) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u32 *)(r0 +0)
    r1 = *(u32 *)(r0 +4)
out:
    r0 = 2
    exit

=== fuzz_s22/var_size_helper_uninit_stack
type: xdp
caps: bpf,net_admin
desc: var_size:2 (--caps bpf,net_admin) -- bpf_xdp_load_bytes into a stack buffer never written with a size bounded but not constant: check_mem_size_reg() drops the raw mode, so check_stack_range_initialized() wants the bytes written and refuses the call without allow_uninit_stack (pybpf took the raw mode and refused a later read)
    r6 = r1
    r9 = *(u32 *)(r6 +16)
    r9 &= 7
    r9 += 1
    r1 = r6
    r2 = 14
    r3 = r10
    r3 += -64
    r4 = r9
    call bpf_xdp_load_bytes
    r0 = 2
    exit

=== fuzz_s22/var_size_helper_uninit_stack_root
type: xdp
desc: the same with every capability: uninitialised stack may be read
    r6 = r1
    r9 = *(u32 *)(r6 +16)
    r9 &= 7
    r9 += 1
    r1 = r6
    r2 = 14
    r3 = r10
    r3 += -64
    r4 = r9
    call bpf_xdp_load_bytes
    r0 = 2
    exit

=== fuzz_s22/const_size_helper_uninit_stack
type: xdp
caps: bpf,net_admin
desc: the same call with a constant size: raw mode, the helper fills the buffer, accepted without allow_uninit_stack
    r6 = r1
    r1 = r6
    r2 = 14
    r3 = r10
    r3 += -64
    r4 = 8
    call bpf_xdp_load_bytes
    r0 = *(u64 *)(r10 -64)
    r0 = 2
    exit

=== fuzz_s22/pkt_end_after_adjust_head
type: xdp
caps: bpf,net_admin
desc: pkt_invalidate:7 (--caps bpf,net_admin) -- after bpf_xdp_adjust_head every packet pointer is invalid: clear_all_pkt_pointers()' mark_reg_invalid() leaves them never written for a loader without allow_ptr_leaks ("R8 !read_ok"; pybpf made them unknown scalars)
    r6 = r1
    r7 = *(u32 *)(r6 +0)
    r8 = *(u32 *)(r6 +4)
    r2 = r7
    r2 += 34
    if r2 > r8 goto out
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r3 = r8
    r3 -= r7
out:
    r0 = 2
    exit

=== fuzz_s22/pkt_end_after_adjust_head_root
type: xdp
desc: the same with every capability: the old pointers are unknown scalars, their difference one too
    r6 = r1
    r7 = *(u32 *)(r6 +0)
    r8 = *(u32 *)(r6 +4)
    r2 = r7
    r2 += 34
    if r2 > r8 goto out
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r3 = r8
    r3 -= r7
out:
    r0 = 2
    exit

=== fuzz_s22/spilled_pkt_ptr_after_adjust_head
type: xdp
caps: bpf,net_admin
desc: a spilled packet pointer after bpf_xdp_adjust_head: filled, it is a register never written
    r6 = r1
    r7 = *(u32 *)(r6 +0)
    r8 = *(u32 *)(r6 +4)
    r2 = r7
    r2 += 34
    if r2 > r8 goto out
    *(u64 *)(r10 -8) = r7
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r3 = *(u64 *)(r10 -8)
    r0 = r3
    r0 = 2
out:
    r0 = 2
    exit

=== fuzz_s22/narrow_spill_map_key
type: xdp
caps: bpf,net_admin
maps: hmap=hash(4,16,8)
desc: array_const_key:0 and map_helpers:13 (--caps bpf,net_admin) -- a 4-byte key of which a 2-byte store of 0 wrote the first half (a spill, with CAP_BPF): the bytes past the spill were never written, refused without allow_uninit_stack (pybpf let the spill's slot pass them)
    *(u16 *)(r10 -8) = 0
    r2 = r10
    r2 += -8
    r1 = map_fd(hmap) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== fuzz_s22/narrow_reg_spill_map_key
type: xdp
caps: bpf,net_admin
maps: hmap=hash(4,16,8)
desc: the same with a 2-byte register spill of a constant
    r1 = 5
    *(u16 *)(r10 -8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(hmap) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== fuzz_s22/narrow_spill_map_key_none
type: socket_filter
caps: none
maps: hmap=hash(4,16,8)
desc: the same without CAP_BPF (no spill: two zero bytes and two never written)
    *(u16 *)(r10 -8) = 0
    r2 = r10
    r2 += -8
    r1 = map_fd(hmap) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== fuzz_s22/two_narrow_stores_map_key
type: xdp
caps: bpf,net_admin
maps: hmap=hash(4,16,8)
desc: both halves of the key written by 2-byte stores: accepted
    *(u16 *)(r10 -6) = 0
    *(u16 *)(r10 -8) = 0
    r2 = r10
    r2 += -8
    r1 = map_fd(hmap) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== fuzz_s22/narrow_spill_read_past
type: xdp
caps: bpf,net_admin
desc: a 4-byte load over a 2-byte spill: check_stack_read_fixed_off's own refusal (agreed before)
    *(u16 *)(r10 -8) = 0
    r0 = *(u32 *)(r10 -8)
    r0 = 2
    exit

=== fuzz_s22/dynptr_slice_after_slot_overwritten
type: xdp
caps: bpf,net_admin
maps: amap=array(4,16,4)
desc: a slice of a local dynptr whose stack slot is then overwritten: destroy_if_dynptr_stack_slot()'s mark_reg_invalid() leaves the slice never written for a loader without allow_ptr_leaks (pybpf made it an unknown scalar)
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto out
    r9 = r0
    *(u64 *)(r10 -24) = 0
    r0 = r9
out:
    r0 = 2
    exit

=== fuzz_s22/dynptr_slice_after_slot_overwritten_root
type: xdp
maps: amap=array(4,16,4)
desc: the same with every capability: the slice is an unknown scalar, its copy allowed
    *(u32 *)(r10 -4) = 0
    r2 = r10
    r2 += -4
    r1 = map_fd(amap) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -24
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -24
    r2 = 0
    r3 = 8
    call bpf_dynptr_data
    if r0 == 0 goto out
    r9 = r0
    *(u64 *)(r10 -24) = 0
    r0 = r9
out:
    r0 = 2
    exit
