# Theme: uninitialised registers (the kernel's verifier_uninit selftests, written afresh): reads
# of never-written registers, registers clobbered by a call, r0 at exit, r1-r5 in a subprogram.

=== selftests_uninit/read_r2_at_start
desc: r2 is not initialised at entry
    r0 = r2
    exit

=== selftests_uninit/exit_without_r0
desc: exit with r0 never written
    exit

=== selftests_uninit/r1_after_call
desc: r1 is clobbered by a helper call
    call bpf_get_prandom_u32
    r0 = r1
    exit

=== selftests_uninit/r6_survives_call
desc: r6 survives a helper call
    r6 = 3
    call bpf_get_prandom_u32
    r0 = r6
    exit

=== selftests_uninit/r0_written_before_exit
type: sched_cls
desc: r0 written right before exit, nothing else initialised
    r0 = 0
    exit

=== selftests_uninit/store_uninit_reg
desc: storing an uninitialised register to the stack
    *(u64 *)(r10 - 8) = r3
    r0 = 0
    exit

=== selftests_uninit/compare_uninit
desc: comparing an uninitialised register
    if r4 > 3 goto out
    r0 = 0
    exit
out:
    r0 = 1
    exit

=== selftests_uninit/uninit_on_one_path
desc: r7 written on one path only, read after the join
    call bpf_get_prandom_u32
    if r0 > 3 goto join
    r7 = 1
join:
    r0 = r7
    exit

=== selftests_uninit/subprog_reads_r3
desc: a subprogram reads r3 the caller did not set
    call sub
    r0 = 0
    exit
sub:
    r0 = r3
    exit
