# Theme: untrusted read-only memory (rdonly_untrusted_mem: bpf_rdonly_cast to type 0, and char/void
# pointers read out of untrusted kernel structs), on the themes of the kernel's selftests
# progs/mem_rdonly_untrusted.c (written afresh; btf_ptrs.asm has the basic casts): loads anywhere,
# no stores or atomics, no helper or kfunc memory arguments, arithmetic, joins with other pointer
# types, spills, leaks into maps, and a loop that moves the pointer each round.

=== selftests_rdonly_untrusted/read_far
type: socket_filter
desc: a cast of 0 read at offset 0x7fff
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r0 = *(u8 *)(r0 + 32767)
    exit

=== selftests_rdonly_untrusted/read_negative
type: socket_filter
desc: a cast of 0 read at offset -4096
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r0 = *(u32 *)(r0 - 4096)
    exit

=== selftests_rdonly_untrusted/read_var_off
type: socket_filter
desc: a cast pointer moved by an unknown scalar, then read
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r6 = r0
    call bpf_get_prandom_u32
    r6 += r0
    r0 = *(u64 *)(r6 + 0)
    exit

=== selftests_rdonly_untrusted/read_unaligned
type: socket_filter
flags: strict_alignment
desc: an 8-byte read at offset 1 of the cast pointer with strict alignment
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r0 = *(u64 *)(r0 + 1)
    exit

=== selftests_rdonly_untrusted/read_stack_cast
type: socket_filter
desc: a cast of a stack pointer read back
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r0 = *(u32 *)(r0 + 0)
    exit

=== selftests_rdonly_untrusted/store_imm
type: socket_filter
desc: an immediate stored through the cast pointer
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    *(u32 *)(r0 + 0) = 1
    r0 = 0
    exit

=== selftests_rdonly_untrusted/atomic_add
type: socket_filter
desc: an atomic add through the cast pointer
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r0 = 0
    exit

=== selftests_rdonly_untrusted/atomic_fetch_or
type: socket_filter
desc: an atomic fetch-or through the cast pointer
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r1 = 1
    r1 = atomic_fetch_or((u64 *)(r0 + 0), r1)
    r0 = 0
    exit

=== selftests_rdonly_untrusted/atomic_cmpxchg
type: socket_filter
desc: a compare-and-exchange through the cast pointer
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r6 = r0
    r0 = 0
    r1 = 42
    r0 = cmpxchg_64(r6 + 0, r0, r1)
    r0 = 0
    exit

=== selftests_rdonly_untrusted/helper_arg
type: kprobe
desc: the cast pointer handed to a helper as memory
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r1 = r0
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_rdonly_untrusted/helper_arg_src
type: kprobe
desc: the cast pointer as the unsafe source of bpf_probe_read_kernel (an any-value argument)
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r3 = r0
    r1 = r10
    r1 += -8
    r2 = 8
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== selftests_rdonly_untrusted/map_key
type: socket_filter
maps: m=hash(8,8,4)
desc: the cast pointer as a map key
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r2 = r0
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_rdonly_untrusted/kfunc_trusted_arg
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_task_newtask
desc: the cast pointer handed to bpf_task_acquire
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r1 = r0
    call kfunc(bpf_task_acquire)
    if r0 == 0 goto out
    r1 = r0
    call kfunc(bpf_task_release)
out:
    r0 = 0
    exit

=== selftests_rdonly_untrusted/commuted_add
type: socket_filter
desc: 0 += the cast pointer: the sum is the pointer, read
    r1 = 1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r6 = 0
    r6 += r0
    r0 = *(u32 *)(r6 + 0)
    exit

=== selftests_rdonly_untrusted/pointer_minus_pointer
type: socket_filter
desc: the difference of two cast pointers returned
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r6 = r0
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r0 -= r6
    exit

=== selftests_rdonly_untrusted/null_compare
type: socket_filter
desc: the cast pointer compared with NULL (it is not nullable: both branches continue)
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    if r0 == 0 goto zero
    r0 = 0
    exit
zero:
    r0 = 1
    exit

=== selftests_rdonly_untrusted/joined_with_sock_cast
type: socket_filter
btf: func_info
desc: a subprogram returns either a cast to struct sock or a cast to void; main reads 8 bytes
    call get
    r0 = *(u64 *)(r0 + 0)
    exit
get:
    call bpf_get_prandom_u32
    if r0 == 0 goto void
    r1 = 0
    r2 = btf_type(sock)
    call kfunc(bpf_rdonly_cast)
    exit
void:
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    exit

=== selftests_rdonly_untrusted/joined_with_map_value
type: socket_filter
maps: m=array(4,8,1)
desc: the cast pointer on one path, a map value on the other; a read at 16 after the join
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    call bpf_get_prandom_u32
    if r0 == 0 goto join
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r6 = r0
join:
    r0 = *(u64 *)(r6 + 16)
out:
    r0 = 0
    exit

=== selftests_rdonly_untrusted/spilled_and_filled
type: socket_filter
desc: the cast pointer spilled, filled and read
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    r0 = *(u8 *)(r1 + 3)
    exit

=== selftests_rdonly_untrusted/stored_into_map
type: socket_filter
maps: m=array(4,8,1)
desc: the cast pointer stored into a map value (a pointer leak)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    *(u64 *)(r6 + 0) = r0
out:
    r0 = 0
    exit

=== selftests_rdonly_untrusted/loop_walk
type: socket_filter
desc: an iterator loop advancing the cast pointer each round and reading through it
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    r6 = r0
    r7 = 0
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 1000
    call kfunc(bpf_iter_num_new)
loop:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto done
    r6 += 4
    r1 = *(u32 *)(r6 + 0)
    r7 += r1
    goto loop
done:
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_num_destroy)
    r0 = r7
    exit

=== selftests_rdonly_untrusted/walked_char_pointer
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: a char * member of an untrusted struct (current->nameidata->pathname) is untrusted read-only memory: read
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, nameidata))
    r2 = *(u64 *)(r1 + offsetof(nameidata, pathname))
    r0 = *(u8 *)(r2 + 0)
    r0 = 0
    exit

=== selftests_rdonly_untrusted/walked_char_pointer_write
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: a write through nameidata's pathname
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, nameidata))
    r2 = *(u64 *)(r1 + offsetof(nameidata, pathname))
    r3 = 0
    *(u8 *)(r2 + 0) = r3
    r0 = 0
    exit

=== selftests_rdonly_untrusted/null_branch_verified
type: socket_filter
desc: untrusted memory may be NULL: the == 0 branch is live and its context read past the end refused
    r6 = r1
    r1 = 0
    r2 = 0
    call kfunc(bpf_rdonly_cast)
    if r0 != 0 goto nonzero
    r0 = *(u32 *)(r6 + 4000)
    exit
nonzero:
    r0 = 0
    exit

=== selftests_rdonly_untrusted/null_branch_walked_pointer
type: tracing
attach: trace_raw_tp
attach_btf: btf_trace_sys_enter
desc: nameidata's pathname compared with NULL: the NULL branch reads a context argument sys_enter lacks
    r6 = r1
    call bpf_get_current_task_btf
    r1 = *(u64 *)(r0 + offsetof(task_struct, nameidata))
    r2 = *(u64 *)(r1 + offsetof(nameidata, pathname))
    if r2 != 0 goto out
    r0 = *(u64 *)(r6 + 64)
out:
    r0 = 0
    exit
