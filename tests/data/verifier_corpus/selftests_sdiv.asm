# Theme: signed division and modulo (the kernel's verifier_sdiv selftests, written afresh):
# s/= and s%= by constants and registers, 64- and 32-bit, including -1 and 0 divisors (the
# program runs; the verifier's answer is what we record), and the result's range.

=== selftests_sdiv/sdiv64_const
desc: r0 = -20 s/ 3, returned
    r0 = -20
    r0 s/= 3
    r0 = 0
    exit

=== selftests_sdiv/sdiv32_const
desc: w0 = -20 s/ 3
    w0 = -20
    w0 s/= 3
    w0 = 0
    exit

=== selftests_sdiv/smod64_const
desc: r0 = -20 s% 3
    r0 = -20
    r0 s%= 3
    r0 = 0
    exit

=== selftests_sdiv/smod32_const
desc: w0 = -20 s% 3
    w0 = -20
    w0 s%= 3
    w0 = 0
    exit

=== selftests_sdiv/sdiv64_by_zero_imm
desc: s/= 0 by immediate is refused
    r0 = 5
    r0 s/= 0
    exit

=== selftests_sdiv/smod32_by_zero_imm
desc: w0 s%= 0 by immediate is refused
    w0 = 5
    w0 s%= 0
    exit

=== selftests_sdiv/sdiv64_by_reg_zero
desc: a division by a register holding 0 is allowed (the result is 0)
    r0 = 5
    r1 = 0
    r0 s/= r1
    r0 = 0
    exit

=== selftests_sdiv/sdiv64_by_minus_one
desc: INT64_MIN s/ -1 is allowed (the result is defined)
    r0 = 0x8000000000000000 ll
    r1 = -1
    r0 s/= r1
    r0 = 0
    exit

=== selftests_sdiv/smod32_by_minus_one_imm
desc: w0 s%= -1 by immediate
    w0 = 7
    w0 s%= -1
    exit

=== selftests_sdiv/sdiv_result_unknown_offset
maps: m=hash(8,16,1)
desc: the quotient is not tracked: as an offset it is unbounded
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 s/= 32
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_sdiv/sdiv_result_masked
maps: m=hash(8,16,1)
desc: the quotient masked with 7 is a usable offset
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u8 *)(r0 + 0)
    r1 s/= 32
    r1 &= 7
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit

=== selftests_sdiv/sdiv_pointer
maps: m=hash(8,16,1)
desc: signed division of a pointer is refused
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 s/= 2
out:
    r0 = 0
    exit

=== selftests_sdiv/sdiv_bad_offset_field
desc: an sdiv with off=2 (neither 0 nor 1) is malformed
    r0 = 5
    r1 = 2
    .insn 0x3f, 0, 1, 2, 0
    exit
