# Theme: sleepable programs (BPF_F_SLEEPABLE) in the program types pybpf has: which types may be
# loaded sleepable (check_attach_btf_id(): only SYSCALL here, and it must be), the helpers only
# sleepable programs get (bpf_copy_from_user: "helper call might sleep" / not offered at all), global
# and static functions that sleep, and the maps a sleepable program may use
# (check_map_prog_compatibility()).

=== selftests_sleepable/socket_filter_sleepable
type: socket_filter
flags: sleepable
desc: a socket filter program loaded with BPF_F_SLEEPABLE
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/sched_cls_sleepable
type: sched_cls
flags: sleepable
desc: a sched cls program loaded with BPF_F_SLEEPABLE
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/sched_act_sleepable
type: sched_act
flags: sleepable
desc: a sched act program loaded with BPF_F_SLEEPABLE
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/raw_tracepoint_sleepable
type: raw_tracepoint
flags: sleepable
desc: a raw tracepoint program loaded with BPF_F_SLEEPABLE
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/raw_tp_copy_from_user
type: raw_tracepoint
desc: bpf_copy_from_user in a raw tracepoint program (not sleepable)
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/syscall_copy_from_user_short_buffer
type: syscall
flags: sleepable
desc: bpf_copy_from_user into 16 bytes from 8 below the frame
    r1 = r10
    r1 += -8
    r2 = 16
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/syscall_copy_from_user_var_size
type: syscall
flags: sleepable
desc: bpf_copy_from_user of a masked size from the context
    r2 = *(u32 *)(r1 + 0)
    r2 &= 7
    r1 = r10
    r1 += -8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/syscall_global_copy_from_user
type: syscall
flags: sleepable
btf: global_subprogs
desc: a sleepable program's global function calls bpf_copy_from_user
    call f
    r0 = 0
    exit
f:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/syscall_static_copy_from_user
type: syscall
flags: sleepable
btf: func_info
desc: a sleepable program's static function calls bpf_copy_from_user
    call f
    r0 = 0
    exit
f:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/xdp_global_copy_from_user
type: xdp
btf: global_subprogs
desc: an XDP program's global function calls bpf_copy_from_user
    call f
    r0 = 0
    exit
f:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/raw_tp_global_copy_from_user
type: raw_tracepoint
btf: global_subprogs
desc: a raw tracepoint program's global function calls bpf_copy_from_user
    call f
    r0 = 0
    exit
f:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_hash
type: syscall
flags: sleepable
maps: m=hash(4,8,4)
desc: a sleepable program uses a hash map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_array
type: syscall
flags: sleepable
maps: m=array(4,8,4)
desc: a sleepable program uses a array map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_lru_hash
type: syscall
flags: sleepable
maps: m=lru_hash(4,8,4)
desc: a sleepable program uses a lru hash map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_percpu_array
type: syscall
flags: sleepable
maps: m=percpu_array(4,8,4)
desc: a sleepable program uses a percpu array map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_no_prealloc_hash
type: syscall
flags: sleepable
maps: m=hash(4,8,4,no_prealloc)
desc: a sleepable program uses a no prealloc hash map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_queue
type: syscall
flags: sleepable
maps: m=queue(0,8,4)
desc: a sleepable program uses a queue map
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_prog_array
type: syscall
flags: sleepable
maps: m=prog_array(4,4,4)
desc: a sleepable program uses a prog array map
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_perf_event_array
type: syscall
flags: sleepable
maps: m=perf_event_array(4,4,4)
desc: a sleepable program uses a perf event array map
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/syscall_map_ringbuf
type: syscall
flags: sleepable
maps: m=ringbuf(0,0,4096)
desc: a sleepable program uses a ringbuf map
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/raw_tp_map_prog_array
type: raw_tracepoint
maps: m=prog_array(4,4,4)
desc: a raw tracepoint program (not sleepable) uses a prog array
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/raw_tp_spin_lock_map
type: raw_tracepoint
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: a raw tracepoint program uses a map whose value has a bpf_spin_lock
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/syscall_spin_lock_map
type: syscall
flags: sleepable
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: a sleepable syscall program uses a map whose value has a bpf_spin_lock
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/socket_filter_spin_lock_map
type: socket_filter
maps: m=array(4,16,1,spin_lock)
btf: func_info
desc: a socket filter uses a map whose value has a bpf_spin_lock
    r1 = map_fd(m) ll
    r0 = 0
    r0 = 0
    exit

=== selftests_sleepable/syscall_tail_call
type: syscall
flags: sleepable
maps: m=prog_array(4,4,4)
desc: a sleepable syscall program makes a tail call
    r2 = map_fd(m) ll
    r3 = 0
    call bpf_tail_call
    r0 = 0
    exit

=== selftests_sleepable/xdp_global_sleeps_bad_args
btf: global_subprogs
proto: int f1(int x)
desc: XDP: a sleeping global function called with bad arguments: the sleep is reported
    r1 = r10
    call f
    r0 = 2
    exit
f:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/xdp_global_sleeps_through_static
btf: global_subprogs
proto: int f1(void)
proto: static int f2(void)
desc: XDP: a global function whose static callee calls bpf_copy_from_user
    call f
    r0 = 2
    exit
f:
    call g
    r0 = 0
    exit
g:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit

=== selftests_sleepable/xdp_global_sleeps_through_global
btf: global_subprogs
desc: XDP: a global function whose global callee calls bpf_copy_from_user
    call f
    r0 = 2
    exit
f:
    call g
    r0 = 0
    exit
g:
    r1 = r10
    r1 += -8
    r2 = 8
    r3 = 0
    call bpf_copy_from_user
    r0 = 0
    exit
