# Theme: the string kfuncs of Linux 6.18 (bpf_strcmp ... bpf_strnstr, kernel/bpf/helpers.c's common
# set: every program type, strings passed as __ign, anything goes for them), the user-memory and
# dynptr kfuncs beside them (bpf_copy_from_user_str and the *_dynptr copies, the sleepable ones
# only in sleepable programs; bpf_dynptr_copy, bpf_dynptr_memset), as the kernel's
# string_kfuncs_success / string_kfuncs_failure selftests probe them, written afresh: the strings
# on the stack, in a map value, in the context, NULL or a scalar; scalar parameters that are not
# scalars; the memory, len pair of bpf_copy_from_user_str.

=== selftests_string_kfuncs/strcmp_stack
type: socket_filter
desc: two stack strings compared
    r1 = 0x6f6c6c6568 ll
    *(u64 *)(r10 - 8) = r1
    r1 = 0x646c726f77 ll
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -8
    r2 = r10
    r2 += -16
    call kfunc(bpf_strcmp)
    exit

=== selftests_string_kfuncs/strlen_null
type: xdp
desc: NULL is accepted (refused at run time with -ERANGE)
    r1 = 0
    call kfunc(bpf_strlen)
    r0 = 2
    exit

=== selftests_string_kfuncs/strlen_ctx
type: sched_cls
desc: the context pointer as a string
    call kfunc(bpf_strlen)
    r0 = 0
    exit

=== selftests_string_kfuncs/strlen_uninit
type: xdp
desc: an uninitialised register as the string: __ign is not checked at all
    call 7
    call kfunc(bpf_strlen)
    r0 = 2
    exit

=== selftests_string_kfuncs/strnlen_pointer_count
type: xdp
desc: a pointer where the count (a scalar) goes
    r1 = 0
    r2 = r10
    call kfunc(bpf_strnlen)
    r0 = 2
    exit

=== selftests_string_kfuncs/strnchr_uninit_char
type: syscall
flags: sleepable
desc: the character register not initialised
    r1 = 0
    r2 = 4
    call kfunc(bpf_strnchr)
    r0 = 0
    exit

=== selftests_string_kfuncs/strchr_map_value
type: syscall
flags: sleepable
maps: a=array(4,64,1)
desc: a character of a map value's string, found or not
    r1 = map_value(a, 0) ll
    r2 = 0x61
    call kfunc(bpf_strchr)
    exit

=== selftests_string_kfuncs/strnstr_unknown_len
type: cgroup_skb
desc: an unknown length for bpf_strnstr
    call 7
    r3 = r0
    r1 = 0
    r2 = 0
    call kfunc(bpf_strnstr)
    r0 = 1
    exit

=== selftests_string_kfuncs/strspn_r0_is_scalar
type: socket_filter
desc: the result is a scalar: no pointer arithmetic with it
    r1 = 0
    r2 = 0
    call kfunc(bpf_strspn)
    r1 = r10
    r1 += r0
    r0 = 0
    exit

=== selftests_string_kfuncs/strcasecmp_result_read
type: socket_filter
desc: r0 is an unknown int: a bounds check on it is needed before use as an offset
    r1 = 0
    r2 = 0
    call kfunc(bpf_strcasecmp)
    r0 &= 7
    r1 = r10
    r1 += -8
    r1 += r0
    r2 = 0
    *(u8 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_string_kfuncs/strrchr_clobbers_args
type: socket_filter
desc: r1-r5 are clobbered by the call
    r1 = 0
    r2 = 0x61
    call kfunc(bpf_strrchr)
    r0 = r2
    exit

=== selftests_string_kfuncs/copy_from_user_str_not_sleepable
type: xdp
maps: a=array(4,64,1)
desc: bpf_copy_from_user_str is KF_SLEEPABLE
    r1 = map_value(a, 0) ll
    r2 = 8
    r3 = 0
    r4 = 0
    call kfunc(bpf_copy_from_user_str)
    r0 = 2
    exit

=== selftests_string_kfuncs/copy_from_user_str_ok
type: syscall
flags: sleepable
maps: a=array(4,64,1)
desc: into a map value, its whole size
    r1 = map_value(a, 0) ll
    r2 = 64
    r3 = 0
    r4 = 1
    call kfunc(bpf_copy_from_user_str)
    exit

=== selftests_string_kfuncs/copy_from_user_str_too_big
type: syscall
flags: sleepable
maps: a=array(4,64,1)
desc: a size past the map value
    r1 = map_value(a, 0) ll
    r2 = 65
    r3 = 0
    r4 = 0
    call kfunc(bpf_copy_from_user_str)
    exit

=== selftests_string_kfuncs/copy_from_user_str_unbounded
type: syscall
flags: sleepable
maps: a=array(4,64,1)
desc: an unbounded size
    call 7
    r2 = r0
    r1 = map_value(a, 0) ll
    r3 = 0
    r4 = 0
    call kfunc(bpf_copy_from_user_str)
    exit

=== selftests_string_kfuncs/copy_from_user_str_bounded
type: syscall
flags: sleepable
maps: a=array(4,64,1)
desc: a size bounded by a mask: any the value holds
    call 7
    r2 = r0
    r2 &= 63
    r1 = map_value(a, 0) ll
    r3 = 0
    r4 = 0
    call kfunc(bpf_copy_from_user_str)
    exit

=== selftests_string_kfuncs/copy_from_user_str_null
type: syscall
flags: sleepable
desc: NULL memory
    r1 = 0
    r2 = 8
    r3 = 0
    r4 = 0
    call kfunc(bpf_copy_from_user_str)
    exit

=== selftests_string_kfuncs/copy_from_user_str_stack
type: syscall
flags: sleepable
desc: into stack memory
    r1 = r10
    r1 += -32
    r2 = 32
    r3 = 0
    r4 = 0
    call kfunc(bpf_copy_from_user_str)
    exit

=== selftests_string_kfuncs/copy_from_user_str_flags_scalar
type: syscall
flags: sleepable
desc: a pointer for the flags
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    r4 = r10
    call kfunc(bpf_copy_from_user_str)
    exit

=== selftests_string_kfuncs/copy_from_user_dynptr
type: syscall
flags: sleepable
maps: a=array(4,64,1)
desc: into a local dynptr over a map value
    r1 = map_value(a, 0) ll
    r2 = 64
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    r4 = 0
    call kfunc(bpf_copy_from_user_str_dynptr)
    exit

=== selftests_string_kfuncs/probe_read_user_dynptr_uninit
type: xdp
desc: an uninitialised dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    r4 = 0
    call kfunc(bpf_probe_read_user_dynptr)
    r0 = 2
    exit

=== selftests_string_kfuncs/probe_read_kernel_str_dynptr
type: xdp
maps: a=array(4,64,1)
desc: a kernel string into a local dynptr, in any program type
    r1 = map_value(a, 0) ll
    r2 = 32
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 32
    r4 = map_value(a, 32) ll
    call kfunc(bpf_probe_read_kernel_str_dynptr)
    r0 = 2
    exit

=== selftests_string_kfuncs/dynptr_copy_memset
type: sched_cls
maps: a=array(4,64,1)
desc: a packet dynptr copied into a local one, then the local one filled
    r6 = r1
    r1 = map_value(a, 0) ll
    r2 = 64
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -32
    r2 = 0
    r3 = r10
    r3 += -16
    r4 = 0
    r5 = 8
    call kfunc(bpf_dynptr_copy)
    r1 = r10
    r1 += -32
    r2 = 8
    r3 = 8
    r4 = 0
    call kfunc(bpf_dynptr_memset)
    r0 = 0
    exit

=== selftests_string_kfuncs/dynptr_memset_size_not_scalar
type: xdp
maps: a=array(4,64,1)
desc: a pointer for the size
    r1 = map_value(a, 0) ll
    r2 = 64
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r4 = 0
    call kfunc(bpf_dynptr_memset)
    r0 = 2
    exit
