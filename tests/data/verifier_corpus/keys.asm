# Theme: the key and signature kfuncs (bpf_lookup_user_key, bpf_lookup_system_key, bpf_key_put,
# bpf_verify_pkcs7_signature): the program types their set is registered for, acquire/release of a
# struct bpf_key, sleepable lookups, and the dynptr arguments of the signature check.

=== keys/system_key_syscall
type: syscall
flags: sleepable
desc: a system keyring looked up and put
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/system_key_xdp
type: xdp
desc: XDP may look up a system key
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/system_key_cgroup_skb
type: cgroup_skb
desc: cgroup skb may
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 1
    exit

=== keys/system_key_tracepoint
type: tracepoint
desc: a tracepoint may
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/system_key_socket_filter
type: socket_filter
desc: a socket filter may not
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/system_key_kprobe
type: kprobe
desc: a kprobe may not
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/system_key_leak
type: syscall
flags: sleepable
desc: a key never put
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    r0 = 0
    exit

=== keys/system_key_put_unchecked
type: syscall
flags: sleepable
desc: a key put before its NULL check
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    r1 = r0
    call kfunc(bpf_key_put)
    r0 = 0
    exit

=== keys/key_put_twice
type: syscall
flags: sleepable
desc: a key put twice
    r1 = 0
    call kfunc(bpf_lookup_system_key)
    if r0 == 0 goto l
    r1 = r0
    r6 = r0
    call kfunc(bpf_key_put)
    r1 = r6
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/key_put_stack
type: syscall
flags: sleepable
desc: a stack pointer as the key
    r1 = r10
    r1 += -8
    call kfunc(bpf_key_put)
    r0 = 0
    exit

=== keys/user_key_syscall
type: syscall
flags: sleepable
desc: a user key in a sleepable program
    r1 = 1
    r2 = 0
    call kfunc(bpf_lookup_user_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/user_key_xdp
type: xdp
desc: a user key lookup sleeps: not in XDP
    r1 = 1
    r2 = 0
    call kfunc(bpf_lookup_user_key)
    if r0 == 0 goto l
    r1 = r0
    call kfunc(bpf_key_put)
l:
    r0 = 0
    exit

=== keys/verify_signature
type: syscall
maps: m=array(4,32,1)
flags: sleepable
desc: a PKCS#7 check of two local dynptrs with a user key
    r1 = 1
    r2 = 0
    call kfunc(bpf_lookup_user_key)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(m, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = map_value(m, 16) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    r3 = r6
    call kfunc(bpf_verify_pkcs7_signature)
    r1 = r6
    call kfunc(bpf_key_put)
out:
    r0 = 0
    exit

=== keys/verify_signature_no_key_check
type: syscall
maps: m=array(4,32,1)
flags: sleepable
desc: the keyring used before its NULL check
    r1 = 1
    r2 = 0
    call kfunc(bpf_lookup_user_key)
    r6 = r0
    r1 = map_value(m, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = map_value(m, 16) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -32
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    r3 = r6
    call kfunc(bpf_verify_pkcs7_signature)
    r1 = r6
    call kfunc(bpf_key_put)
out:
    r0 = 0
    exit

=== keys/verify_signature_uninit_dynptr
type: syscall
maps: m=array(4,32,1)
flags: sleepable
desc: the signature dynptr never made
    r1 = 1
    r2 = 0
    call kfunc(bpf_lookup_user_key)
    if r0 == 0 goto out
    r6 = r0
    r1 = map_value(m, 0) ll
    r2 = 16
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_dynptr_from_mem
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    r3 = r6
    call kfunc(bpf_verify_pkcs7_signature)
    r1 = r6
    call kfunc(bpf_key_put)
out:
    r0 = 0
    exit
