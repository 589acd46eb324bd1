# Theme: helper arguments by kind (check_func_arg, check_reg_type's compatible_reg_types,
# check_helper_mem_access, check_helper_call's return types): constant strings in frozen read-only
# maps (check_reg_const_str) and bpf_snprintf's format (check_bpf_snprintf_call), pointers to kernel
# structs (arg_btf_id, btf_struct_ids_match, reads through them as memory), per-cpu BTF pointers,
# fixed-size memory the helper writes (PTR_TO_LONG/INT), map keys and read-only memory as
# destinations, and the structs RET_PTR_TO_BTF_ID results point to.

=== helper_args/const_str_rodata
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: bpf_strncmp's constant string in a frozen read-only array (zeroed: the empty string)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_stack
desc: a constant string on the stack: ARG_PTR_TO_CONST_STR takes only a map value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = r10
    r3 += -8
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_writable_map
maps: ro=array(4,16,1)
desc: a constant string in a map the program may write
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_not_frozen
maps: ro=array(4,16,1,rdonly_prog)
desc: a constant string in a BPF_F_RDONLY_PROG map user space may still change
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_var_off
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: a constant string at a variable offset
    call bpf_get_prandom_u32
    r0 &= 7
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    r3 += r0
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_past_end
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: a constant string starting at the end of the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    r3 += 16
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_last_byte
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: a constant string in the value's last byte (a NUL)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 15) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_hash_not_frozen
maps: ro=hash(4,16,1,rdonly_prog)
desc: a constant string in a read-only hash map that is not frozen
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(ro) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = r0
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 8
    call bpf_strncmp
out:
    r0 = 0
    exit

=== helper_args/snprintf_empty_format
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: bpf_snprintf with an empty constant format and no data
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = 0
    r5 = 0
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_data_len_odd
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: bpf_snprintf's data length must be a multiple of 8 (EINVAL, no message)
    r1 = 0
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = r10
    r4 += -24
    r5 = 4
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_format_on_stack
desc: bpf_snprintf's format on the stack
    r1 = 0
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = r10
    r3 += -24
    r4 = 0
    r5 = 0
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/btf_arg_task
desc: bpf_get_task_stack of bpf_get_current_task_btf()'s task
    call bpf_get_current_task_btf
    r1 = r0
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_get_task_stack
    r0 = 0
    exit

=== helper_args/btf_arg_scalar
desc: a scalar as bpf_get_task_stack's task
    r1 = 0
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_get_task_stack
    r0 = 0
    exit

=== helper_args/btf_arg_ctx
desc: the context as bpf_get_task_stack's task
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_get_task_stack
    r0 = 0
    exit

=== helper_args/btf_arg_stack
desc: a stack pointer as bpf_get_task_stack's task
    r1 = r10
    r1 += -32
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_get_task_stack
    r0 = 0
    exit

=== helper_args/btf_ret_pt_regs
desc: bpf_task_pt_regs of the current task
    call bpf_get_current_task_btf
    r1 = r0
    call bpf_task_pt_regs
    r0 = 0
    exit

=== helper_args/btf_ret_pt_regs_read
desc: a read inside the struct pt_regs bpf_task_pt_regs returns
    call bpf_get_current_task_btf
    r1 = r0
    call bpf_task_pt_regs
    r0 = *(u64 *)(r0 + 0)
    r0 = 0
    exit

=== helper_args/btf_ret_pt_regs_read_past
desc: a read past the struct pt_regs bpf_task_pt_regs returns
    call bpf_get_current_task_btf
    r1 = r0
    call bpf_task_pt_regs
    r0 = *(u64 *)(r0 + 4096)
    r0 = 0
    exit

=== helper_args/btf_arg_task_moved
desc: the task pointer moved by 8: no struct task_struct starts there
    call bpf_get_current_task_btf
    r1 = r0
    r1 += 8
    call bpf_task_pt_regs
    r0 = 0
    exit

=== helper_args/btf_arg_wrong_struct
desc: a struct pt_regs where a struct task_struct is expected
    call bpf_get_current_task_btf
    r1 = r0
    call bpf_task_pt_regs
    r1 = r0
    call bpf_task_pt_regs
    r0 = 0
    exit

=== helper_args/btf_mem_written
desc: a trusted task pointer as bpf_probe_read_kernel's destination
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 8
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== helper_args/btf_mem_read
desc: 8 bytes of the task read by bpf_strtol
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/btf_mem_read_past
desc: 64 KiB of the task read by bpf_strtol: past the struct
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 0x10000
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/long_misaligned
desc: bpf_strtol's result at fp-12: 8 aligned bytes needed
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -12
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/long_rdonly_map
maps: ro=array(4,16,1,rdonly_prog)
desc: bpf_strtol's result in a BPF_F_RDONLY_PROG map value
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 8
    r3 = 0
    r4 = map_value(ro, 0) ll
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/long_map_value
maps: ro=array(4,16,1)
desc: bpf_strtol's result in a map value
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 8
    r3 = 0
    r4 = map_value(ro, 0) ll
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/long_written
maps: m=array(4,16,1)
desc: bpf_strtol's result over a zeroed slot is unknown afterwards
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -16
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r1 = *(u64 *)(r10 - 8)
    r6 = map_value(m, 0) ll
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
    r0 = 0
    exit

=== helper_args/int_written
maps: m=array(4,16,1)
desc: bpf_check_mtu writes its mtu_len: a zeroed slot is unknown afterwards
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r1 = *(u32 *)(r10 - 8)
    r6 = map_value(m, 0) ll
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
    r0 = 0
    exit

=== helper_args/int_rdonly_map
maps: ro=array(4,16,1,rdonly_prog)
desc: bpf_check_mtu's mtu_len in a BPF_F_RDONLY_PROG map value
    r6 = r1
    r1 = r6
    r2 = 0
    r3 = map_value(ro, 0) ll
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== helper_args/alloc_size_variable
maps: rb=ringbuf(0,0,4096)
desc: bpf_ringbuf_reserve of a variable size
    call bpf_get_prandom_u32
    r2 = r0
    r2 &= 7
    r1 = map_fd(rb) ll
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 0
    exit

=== helper_args/alloc_size_pointer
maps: rb=ringbuf(0,0,4096)
desc: a pointer as bpf_ringbuf_reserve's size
    r2 = r10
    r1 = map_fd(rb) ll
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_discard
out:
    r0 = 0
    exit

=== helper_args/stack_arg_map_value
maps: m=array(4,16,1)
btf: func_info
desc: a map value as bpf_loop's callback context
    r1 = 1
    r2 = func(cb) ll
    r3 = map_value(m, 0) ll
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== helper_args/percpu_arg_scalar
desc: a scalar as bpf_per_cpu_ptr's per-cpu variable
    r1 = 0
    r2 = 0
    call bpf_per_cpu_ptr
    r0 = 0
    exit

=== helper_args/percpu_arg_task
desc: a task pointer as bpf_this_cpu_ptr's per-cpu variable
    call bpf_get_current_task_btf
    r1 = r0
    call bpf_this_cpu_ptr
    r0 = 0
    exit

=== helper_args/btf_arg_maybe_null
type: sched_cls
desc: a maybe-NULL tcp_sock from bpf_skc_to_tcp_sock passed on unchecked
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_skc_to_tcp_sock
    r1 = r0
    call bpf_skc_to_tcp6_sock
out:
    r0 = 0
    exit

=== helper_args/btf_ret_tcp_sock_read
type: sched_cls
desc: a read inside the struct tcp_sock bpf_skc_to_tcp_sock returns
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 0
    exit

=== helper_args/btf_ret_tcp_sock_read_past
type: sched_cls
desc: a read past the struct tcp_sock bpf_skc_to_tcp_sock returns
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 30000)
out:
    r0 = 0
    exit

=== helper_args/btf_arg_task_as_sock
type: sched_cls
desc: a task where a struct sock_common is expected
    call bpf_get_current_task_btf
    r1 = r0
    call bpf_skc_to_tcp_sock
    r0 = 0
    exit

=== helper_args/btf_arg_tcp_as_task
type: sched_cls
desc: a tcp_sock where a struct task_struct is expected
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -16
    r3 = 16
    r4 = 0
    call bpf_get_task_stack
out:
    r0 = 0
    exit

=== helper_args/stack_arg_stack
btf: func_info
desc: a stack pointer as bpf_loop's callback context
    r1 = 1
    r2 = func(cb) ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r0 = 0
    exit
cb:
    r0 = 0
    exit

=== helper_args/map_key_written
maps: m=array(4,16,1)
btf: func_info
desc: a for_each callback's key as bpf_probe_read_kernel's destination
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r1 = r2
    r2 = 4
    r3 = 0
    call bpf_probe_read_kernel
    r0 = 0
    exit

=== helper_args/map_key_read
maps: m=array(4,16,1)
btf: func_info
desc: 4 bytes of a for_each callback's key read by bpf_strtol
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r1 = r2
    r2 = 4
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/const_str_unterminated
maps: ro=array(4,8,1,rdonly_prog,frozen,data=4141414141414141)
desc: a constant string without its NUL inside the value
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_nul_last
maps: ro=array(4,8,1,rdonly_prog,frozen,data=41414141414141)
desc: a constant string whose NUL is the value's last byte
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_after_nul
maps: ro=array(4,8,1,rdonly_prog,frozen,data=4100414141414141)
desc: a constant string starting after the value's only NUL
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 2) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_two_elements
maps: ro=array(4,8,2,rdonly_prog,frozen)
desc: a read-only array of two elements has no direct value address
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = map_value(ro, 0) ll
    call bpf_strncmp
    r0 = 0
    exit

=== helper_args/const_str_hash_frozen
maps: ro=hash(4,8,1,rdonly_prog,frozen)
desc: a frozen read-only hash map: no direct value access for the string
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(ro) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r3 = r0
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -16
    r2 = 8
    call bpf_strncmp
out:
    r0 = 0
    exit

=== helper_args/snprintf_two_args
maps: ro=array(4,16,1,rdonly_prog,frozen,data=256420256400)
desc: a format of two %d with two u64 of data
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = r10
    r4 += -32
    r5 = 16
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_too_few_args
maps: ro=array(4,16,1,rdonly_prog,frozen,data=256420256400)
desc: a format of two %d with one u64 of data
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = r10
    r4 += -32
    r5 = 8
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_bad_conversion
maps: ro=array(4,16,1,rdonly_prog,frozen,data=257a00)
desc: %z is no conversion bpf_snprintf knows
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = r10
    r4 += -32
    r5 = 8
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_non_printable
maps: ro=array(4,16,1,rdonly_prog,frozen,data=4101414100)
desc: a control character in the format
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = 0
    r5 = 0
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_ipv4
maps: ro=array(4,16,1,rdonly_prog,frozen,data=2570493400)
desc: %pI4 with one u64 of data
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = r10
    r4 += -32
    r5 = 8
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_var_data_len
maps: ro=array(4,16,1,rdonly_prog,frozen,data=256400)
desc: a data length of 0 or 8: the verifier reads its known bits (0), too few for %d
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    call bpf_get_prandom_u32
    r5 = r0
    r5 &= 8
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = r10
    r4 += -32
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/snprintf_percent_s_followed
maps: ro=array(4,16,1,rdonly_prog,frozen,data=25737800)
desc: %s followed by a letter
    r1 = 0
    *(u64 *)(r10 - 32) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = map_value(ro, 0) ll
    r4 = r10
    r4 += -32
    r5 = 8
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/int_written_checked
maps: m=array(4,16,1)
desc: bpf_check_mtu's mtu_len bounds-checked before it is an offset
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r1 = *(u32 *)(r10 - 8)
    if r1 > 15 goto out
    r6 = map_value(m, 0) ll
    r6 += r1
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 0
    exit

=== helper_args/int_uninit
desc: bpf_check_mtu's mtu_len on uninitialised stack (a privileged loader)
    r6 = r1
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r0 = 0
    exit

=== helper_args/int_over_spill
desc: bpf_check_mtu's mtu_len over a spilled pointer: a scalar afterwards
    r6 = r1
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 0
    r5 = 0
    call bpf_check_mtu
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== helper_args/long_over_spill
desc: bpf_strtol's result over a spilled pointer: a scalar afterwards
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r6
    r1 = r10
    r1 += -16
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r1 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== helper_args/uninit_mem_rdonly_map
maps: ro=array(4,16,1,rdonly_prog)
desc: bpf_get_current_comm into a BPF_F_RDONLY_PROG map value
    r1 = map_value(ro, 0) ll
    r2 = 16
    call bpf_get_current_comm
    r0 = 0
    exit

=== helper_args/uninit_mem_wronly_map
maps: ro=array(4,16,1,wronly_prog)
desc: bpf_get_current_comm into a BPF_F_WRONLY_PROG map value
    r1 = map_value(ro, 0) ll
    r2 = 16
    call bpf_get_current_comm
    r0 = 0
    exit

=== helper_args/rdonly_mem_wronly_map
maps: ro=array(4,16,1,wronly_prog)
desc: bpf_strtol reading a BPF_F_WRONLY_PROG map value
    r1 = map_value(ro, 0) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/map_key_read_past
maps: m=array(4,16,1)
btf: func_info
desc: 8 bytes of a 4-byte key read by bpf_strtol
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r1 = r2
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/map_key_as_key
maps: m=array(4,16,1)
btf: func_info
desc: a for_each callback's key as a lookup key
    r1 = map_fd(m) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 0
    exit
cb:
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== helper_args/sk_release_lookup
type: sched_cls
desc: bpf_sk_release of the looked-up socket after a cast
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto rel
    r1 = r6
    call bpf_sk_release
    r0 = 0
    exit
rel:
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== helper_args/sk_release_cast
type: sched_cls
desc: bpf_sk_release of the tcp_sock cast: sk_release matches sock_common loosely
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto rel
    r1 = r0
    call bpf_sk_release
    r0 = 0
    exit
rel:
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit

=== helper_args/btf_arg_nested_sock_common
type: sched_cls
desc: a tcp_sock where a sock_common is expected: its first members hold one
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto out
    r1 = r0
    call bpf_skc_to_udp6_sock
out:
    r0 = 0
    exit

=== helper_args/sock_as_mem
type: sched_cls
desc: the skb's socket as memory to read
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
out:
    r0 = 0
    exit

=== helper_args/global_trusted_sock_common_from_tcp_sock
type: sched_cls
btf: global_subprogs
proto: int f1(struct sock_common *sk __arg_trusted)
desc: a referenced tcp_sock (bpf_skc_to_tcp_sock's, typed) for a global function's trusted struct sock_common: its first members hold one
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto rel
    r1 = r0
    call f
rel:
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== helper_args/global_trusted_task_from_tcp_sock
type: sched_cls
btf: global_subprogs
proto: int f1(struct task_struct *t __arg_trusted)
desc: a referenced tcp_sock for a global function's trusted struct task_struct
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 40) = r1
    r1 = r6
    r2 = r10
    r2 += -40
    r3 = 36
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto rel
    r1 = r0
    call f
rel:
    r1 = r6
    call bpf_sk_release
out:
    r0 = 0
    exit
f:
    r0 = 0
    exit

=== helper_args/sk_lookup_size_zero
type: sched_cls
desc: bpf_sk_lookup_tcp with a tuple size of 0 (ARG_CONST_SIZE_OR_ZERO on Linux 6.18)
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r1 = r6
    r2 = r10
    r2 += -8
    r3 = 0
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
    if r0 == 0 goto out
    r1 = r0
    call bpf_sk_release
out:
    r0 = 0
    exit

=== helper_args/fib_lookup_rdonly_map
maps: ro=array(4,64,1,rdonly_prog,frozen)
desc: bpf_fib_lookup writes its params (MEM_WRITE): not into a BPF_F_RDONLY_PROG map value
    r2 = map_value(ro, 0) ll
    r3 = 64
    r4 = 0
    call bpf_fib_lookup
    r0 = 0
    exit

=== helper_args/fib_lookup_map
maps: m=array(4,64,1)
desc: bpf_fib_lookup's params in a writable map value
    r2 = map_value(m, 0) ll
    r3 = 64
    r4 = 0
    call bpf_fib_lookup
    r0 = 0
    exit

=== helper_args/snprintf_out_rdonly_map
maps: ro=array(4,16,1,rdonly_prog,frozen)
desc: bpf_snprintf's output buffer in a BPF_F_RDONLY_PROG map value
    r1 = map_value(ro, 0) ll
    r2 = 8
    r3 = map_value(ro, 0) ll
    r4 = 0
    r5 = 0
    call bpf_snprintf
    r0 = 0
    exit

=== helper_args/btf_load_member
desc: 8 bytes of the task at 8: one whole member of its thread_info
    call bpf_get_current_task_btf
    r0 = *(u64 *)(r0 + 8)
    r0 = 0
    exit

=== helper_args/btf_load_across_members
desc: 8 bytes of the task at 4: past the end of thread_info's flags
    call bpf_get_current_task_btf
    r0 = *(u64 *)(r0 + 4)
    r0 = 0
    exit

=== helper_args/btf_load_part_of_pointer
type: sched_cls
desc: 2 bytes in the middle of a pointer member of the tcp_sock
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto out
    call bpf_skc_to_tcp_sock
    if r0 == 0 goto out
    r0 = *(u16 *)(r0 + 179)
out:
    r0 = 0
    exit

=== helper_args/btf_mem_across_members
desc: 20 bytes of the task read by bpf_strtol: past the end of thread_info's flags
    call bpf_get_current_task_btf
    r1 = r0
    r2 = 20
    r3 = 0
    r4 = r10
    r4 += -8
    call bpf_strtol
    r0 = 0
    exit

=== helper_args/ctx_as_mem_tc
type: sched_cls
desc: the context as a helper's memory: check_reg_type refuses it before its size is checked
    r6 = r1
    r2 = 0
    r3 = r1
    r4 = 4
    r5 = 0
    call bpf_skb_store_bytes
    r0 = 0
    exit

=== helper_args/ctx_as_mem_raw_tp
type: raw_tracepoint
desc: the same where the type has no convert_ctx_access (a global function's argument may take it: c/global_ctx_args)
    r2 = 16
    call bpf_trace_printk
    r0 = 0
    exit
