# Theme: global functions as the kernel's selftests progs/test_global_func1.c .. test_global_func17.c
# probe them (written afresh; verifier_global_subprogs/global_args are separate themes): the combined
# stack of global call chains and the call depth, void results, the memory arguments a global function
# takes from BTF (an int * or a sized struct pointer is nullable memory of that size: what the caller
# must pass and what the callee may do), forward-declared types, ctx arguments, scalars.

=== selftests_global_func/stack_combined_too_large
btf: global_subprogs
desc: main, f1 and f2 each use 200 bytes of stack: 600 combined
    r1 = 0
    *(u64 *)(r10 - 200) = r1
    call f1
    r0 = 0
    exit
f1:
    r1 = 0
    *(u64 *)(r10 - 200) = r1
    call f2
    r0 = 0
    exit
f2:
    r1 = 0
    *(u64 *)(r10 - 200) = r1
    r0 = 0
    exit

=== selftests_global_func/stack_combined_fits
btf: global_subprogs
desc: main, f1 and f2 use 160 bytes each: 480 combined
    r1 = 0
    *(u64 *)(r10 - 160) = r1
    call f1
    r0 = 0
    exit
f1:
    r1 = 0
    *(u64 *)(r10 - 160) = r1
    call f2
    r0 = 0
    exit
f2:
    r1 = 0
    *(u64 *)(r10 - 160) = r1
    r0 = 0
    exit

=== selftests_global_func/stack_rounded_up_too_large
btf: global_subprogs
desc: 168 bytes each round up to 176 per frame: 528 combined, too large
    r1 = 0
    *(u64 *)(r10 - 168) = r1
    call f1
    r0 = 0
    exit
f1:
    r1 = 0
    *(u64 *)(r10 - 168) = r1
    call f2
    r0 = 0
    exit
f2:
    r1 = 0
    *(u64 *)(r10 - 168) = r1
    r0 = 0
    exit

=== selftests_global_func/stack_sibling_calls_fit
btf: global_subprogs
desc: main calls two global functions of 256 bytes one after the other: the deepest chain is 264
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    call f1
    call f2
    r0 = 0
    exit
f1:
    r1 = 0
    *(u64 *)(r10 - 256) = r1
    r0 = 0
    exit
f2:
    r1 = 0
    *(u64 *)(r10 - 256) = r1
    r0 = 0
    exit

=== selftests_global_func/call_chain_nine_frames
btf: global_subprogs
desc: a chain of eight nested global calls: nine frames
    call f1
    r0 = 0
    exit
f1:
    call f2
    r0 = 0
    exit
f2:
    call f3
    r0 = 0
    exit
f3:
    call f4
    r0 = 0
    exit
f4:
    call f5
    r0 = 0
    exit
f5:
    call f6
    r0 = 0
    exit
f6:
    call f7
    r0 = 0
    exit
f7:
    call f8
    r0 = 0
    exit
f8:
    r0 = 0
    exit

=== selftests_global_func/call_chain_eight_frames
btf: global_subprogs
desc: a chain of seven nested global calls: eight frames
    call f1
    r0 = 0
    exit
f1:
    call f2
    r0 = 0
    exit
f2:
    call f3
    r0 = 0
    exit
f3:
    call f4
    r0 = 0
    exit
f4:
    call f5
    r0 = 0
    exit
f5:
    call f6
    r0 = 0
    exit
f6:
    call f7
    r0 = 0
    exit
f7:
    r0 = 0
    exit

=== selftests_global_func/recursion
btf: global_subprogs
desc: a global function calling itself
    call f1
    r0 = 0
    exit
f1:
    call f1
    r0 = 0
    exit

=== selftests_global_func/void_return
btf: global_subprogs
proto: void f1(void)
desc: a global function declared void
    call f1
    r0 = 0
    exit
f1:
    exit

=== selftests_global_func/int_arg_deref_unchecked
btf: global_subprogs
proto: int f1(int *p)
desc: an int * argument may be NULL: read without the check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -4
    call f1
    r0 = 0
    exit
f1:
    r0 = *(u32 *)(r1 + 0)
    exit

=== selftests_global_func/int_arg_deref_checked
btf: global_subprogs
proto: int f1(int *p)
desc: an int * argument read after its NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -4
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 0)
out:
    exit

=== selftests_global_func/int_arg_read_past
btf: global_subprogs
proto: int f1(int *p)
desc: an int * argument read 8 bytes wide
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto out
    r0 = *(u64 *)(r1 + 0)
out:
    exit

=== selftests_global_func/int_arg_write
btf: global_subprogs
proto: int f1(int *p)
desc: a global function writes through its int * argument
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r1 = r10
    r1 += -4
    call f1
    r0 = *(u32 *)(r10 - 4)
    r0 = 0
    exit
f1:
    if r1 == 0 goto out
    r2 = 7
    *(u32 *)(r1 + 0) = r2
out:
    r0 = 0
    exit

=== selftests_global_func/int_arg_null_passed
btf: global_subprogs
proto: int f1(int *p)
desc: NULL passed for an int * argument
    r1 = 0
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 0)
out:
    exit

=== selftests_global_func/int_arg_uninit_stack
btf: global_subprogs
proto: int f1(int *p)
desc: a pointer to uninitialised stack passed for an int * argument
    r1 = r10
    r1 += -4
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 0)
out:
    exit

=== selftests_global_func/int_arg_short_stack
btf: global_subprogs
proto: int f1(int *p)
desc: two bytes of stack passed for an int * argument
    r1 = 0
    *(u16 *)(r10 - 2) = r1
    r1 = r10
    r1 += -2
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 0)
out:
    exit

=== selftests_global_func/int_arg_scalar
btf: global_subprogs
proto: int f1(int *p)
desc: a non-zero scalar passed for an int * argument
    r1 = 42
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto out
    r0 = *(u32 *)(r1 + 0)
out:
    exit

=== selftests_global_func/int_arg_map_value_tail
btf: global_subprogs
maps: m=array(4,8,1)
proto: int f1(int *p)
desc: the last 4 bytes of an 8-byte map value passed for an int *
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 4
    call f1
out:
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto done
    r0 = *(u32 *)(r1 + 0)
done:
    exit

=== selftests_global_func/int_arg_map_value_past
btf: global_subprogs
maps: m=array(4,8,1)
proto: int f1(int *p)
desc: an 8-byte map value at offset 6 passed for an int *
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r1 += 6
    call f1
out:
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto done
    r0 = *(u32 *)(r1 + 0)
done:
    exit

=== selftests_global_func/int_arg_map_value_or_null
btf: global_subprogs
maps: m=array(4,8,1)
proto: int f1(int *p)
desc: a lookup result passed for an int * before its NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r1 = r0
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto done
    r0 = *(u32 *)(r1 + 0)
done:
    exit

=== selftests_global_func/int_arg_rdonly_map
btf: global_subprogs
maps: m=array(4,8,1,rdonly_prog)
proto: int f1(int *p)
desc: a value of a map the program may only read passed for an int * the function writes
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    call f1
out:
    r0 = 0
    exit
f1:
    if r1 == 0 goto done
    r2 = 1
    *(u32 *)(r1 + 0) = r2
done:
    r0 = 0
    exit

=== selftests_global_func/int_arg_packet_unchecked
btf: global_subprogs
proto: int f1(int *p)
desc: a packet pointer passed for an int * without the data_end check
    r2 = *(u32 *)(r1 + 0)
    r1 = r2
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto done
    r0 = *(u32 *)(r1 + 0)
done:
    exit

=== selftests_global_func/int_arg_packet_checked
btf: global_subprogs
proto: int f1(int *p)
desc: a packet pointer passed for an int * after a 4-byte data_end check
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r4 > r3 goto out
    r1 = r2
    call f1
out:
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto done
    r0 = *(u32 *)(r1 + 0)
done:
    exit

=== selftests_global_func/struct_arg_short_stack
btf: global_subprogs
proto: int f1(struct big:16 *p)
desc: 8 bytes of stack passed for a pointer to a 16-byte struct
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_global_func/struct_arg_full_stack
btf: global_subprogs
proto: int f1(struct big:16 *p)
desc: 16 initialised bytes of stack passed for a pointer to a 16-byte struct, read at its end
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto done
    r0 = *(u64 *)(r1 + 8)
done:
    exit

=== selftests_global_func/struct_arg_read_past
btf: global_subprogs
proto: int f1(struct big:16 *p)
desc: a read at byte 16 of a 16-byte struct argument
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    if r1 == 0 goto done
    r0 = *(u8 *)(r1 + 16)
done:
    exit

=== selftests_global_func/fwd_struct_arg
btf: global_subprogs
proto: int f1(fwd opaque *p)
desc: a pointer to a forward-declared struct: its size is unknown
    r1 = 0
    call f1
    r0 = 0
    exit
f1:
    r0 = 0
    exit

=== selftests_global_func/ctx_arg_ctx_passed
btf: global_subprogs
proto: int f1(struct xdp_md *c)
desc: the context passed to a global function taking struct xdp_md *, which reads data
    call f1
    exit
f1:
    r0 = *(u32 *)(r1 + 0)
    r0 = 2
    exit

=== selftests_global_func/ctx_arg_moved_ctx
btf: global_subprogs
proto: int f1(struct xdp_md *c)
desc: the context moved by 4 passed for struct xdp_md *
    r1 += 4
    call f1
    exit
f1:
    r0 = 2
    exit

=== selftests_global_func/ctx_arg_stack_passed
btf: global_subprogs
proto: int f1(struct xdp_md *c)
desc: a stack pointer passed for struct xdp_md *
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call f1
    exit
f1:
    r0 = 2
    exit

=== selftests_global_func/scalar_arg_pointer_passed
btf: global_subprogs
proto: int f1(int x)
desc: a stack pointer passed for an int argument
    r1 = r10
    r1 += -8
    call f1
    r0 = 2
    exit
f1:
    r0 = r1
    exit

=== selftests_global_func/scalar_arg_used_as_index
btf: global_subprogs
maps: m=array(4,16,1)
proto: int f1(int x)
desc: an int argument is unknown inside: used as a map value offset without a bound
    r1 = 3
    call f1
    r0 = 2
    exit
f1:
    r6 = r1
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_global_func/scalar_arg_bounded_index
btf: global_subprogs
maps: m=array(4,16,1)
proto: int f1(int x)
desc: an int argument bounded inside before it indexes a map value
    r1 = 3
    call f1
    r0 = 2
    exit
f1:
    r6 = r1
    r6 &= 15
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += r6
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_global_func/six_args
btf: global_subprogs
proto: int f1(int a, int b, int c, int d, int e, int f)
desc: a global function with six arguments
    r1 = 1
    r2 = 2
    r3 = 3
    r4 = 4
    r5 = 5
    call f1
    r0 = 2
    exit
f1:
    r0 = r5
    exit

=== selftests_global_func/result_used_as_pointer
btf: global_subprogs
desc: the caller dereferences a global function's (scalar) result
    call f1
    r0 = *(u64 *)(r0 + 0)
    r0 = 2
    exit
f1:
    r0 = r10
    r0 += -8
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r0 = 0
    exit

=== selftests_global_func/callee_reads_caller_r6
btf: global_subprogs
desc: a global function reads r6, which the caller set
    r6 = 5
    call f1
    r0 = 2
    exit
f1:
    r0 = r6
    exit

=== selftests_global_func/spin_lock_held_across_global
btf: global_subprogs
maps: m=array(4,16,1,spin_lock)
desc: a global function called while a spin lock is held
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r1 += 4
    call bpf_spin_lock
    call f1
    r1 = r6
    r1 += 4
    call bpf_spin_unlock
out:
    r0 = 2
    exit
f1:
    r0 = 0
    exit
