# Theme: programs written for the disagreements scripts/selftests_conformance.py found between pybpf and
# the kernel on the kernel's verifier selftests (each program is new, written on the same theme).

=== conformance_fixes/ld_abs_after_join_pruned
type: socket_filter
flags: test_state_freq
desc: a legacy packet load right after two paths join: its liveness (every register read) decides the pruning there
    r6 = r1
    call bpf_get_prandom_u32
    if r0 == 0 goto join
    r2 = 1
join:
    r0 = *(u8 *)skb[0]
    r0 = *(u16 *)skb[2]
    exit

=== conformance_fixes/ld_ind_after_join_pruned
type: socket_filter
flags: test_state_freq
desc: the same with an indirect load, whose index register comes from both paths
    r6 = r1
    call bpf_get_prandom_u32
    r7 = 4
    if r0 > 7 goto join
    r7 = 2
join:
    r0 = *(u32 *)skb[r7 + 0]
    exit
