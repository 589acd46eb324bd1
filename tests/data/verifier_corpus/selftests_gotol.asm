# Theme: the 32-bit-offset jump gotol (the kernel's verifier_gotol selftests, written afresh):
# forward and backward targets, into the middle of an lddw, out of the program, reserved fields.

=== selftests_gotol/gotol_forward
desc: gotol over an instruction another path reaches
    call bpf_get_prandom_u32
    if r0 > 5 goto skip
    gotol +1
skip:
    r0 = 2
    exit

=== selftests_gotol/gotol_over_bad_read
desc: gotol skips a read of an uninitialised register that another path makes
    call bpf_get_prandom_u32
    if r0 > 5 goto bad
    gotol +1
bad:
    r0 = *(u64 *)(r9 + 0)
    r0 = 0
    exit

=== selftests_gotol/gotol_skips_bad_read_unreachable
desc: gotol skips an instruction no path reaches
    r0 = 0
    gotol +1
    r0 = *(u64 *)(r9 + 0)
    exit

=== selftests_gotol/gotol_back_loop_infinite
desc: gotol back to itself: an infinite loop
    r0 = 0
l:
    gotol l

=== selftests_gotol/gotol_back_bounded
desc: a bounded loop whose back edge is gotol
    r0 = 0
    r1 = 0
loop:
    r1 += 1
    if r1 > 4 goto done
    gotol loop
done:
    r0 = 0
    exit

=== selftests_gotol/gotol_out_of_range
desc: gotol past the end of the program
    r0 = 0
    gotol +5
    exit

=== selftests_gotol/gotol_into_lddw
desc: gotol into the second half of an lddw reached by another path
    call bpf_get_prandom_u32
    if r0 > 5 goto wide
    gotol +1
wide:
    r1 = 0x1122334455667788 ll
    r0 = 0
    exit

=== selftests_gotol/gotol_negative_before_start
desc: gotol before the first instruction
    r0 = 0
    gotol -3
    exit

=== selftests_gotol/gotol_with_off_field
desc: gotol with a nonzero off field is malformed
    r0 = 0
    .insn 0x06, 0, 0, 1, 0
    exit

=== selftests_gotol/goto_with_imm_field
desc: goto (JMP, not JMP32) with a nonzero imm field is malformed
    r0 = 0
    .insn 0x05, 0, 0, 0, 1
    exit
