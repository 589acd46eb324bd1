# Theme: a 32-bit or with a constant followed by 32-bit conditional jumps on the result, as the
# kernel's verifier_or_jmp32_k selftest probes it, written afresh: the or sets known bits, the
# 32-bit jump must keep both outcomes possible when the remaining bits are unknown, so a store
# through a scalar hidden on a deep branch is reached and refused (scalar32_min_max_or,
# is_branch32_taken, reg_set_min_max on JMP32 with an immediate).

=== selftests_or_jmp32_k/or_then_jne_deep_store
type: socket_filter
desc: w0 = unknown & 0x7fffffff | 4; a chain of 32-bit jumps reaches a store through a scalar
    r0 = 0xfffffffe
    r0 /= 1
    r1 = 0
    w1 = -1
    w1 >>= 1
    w0 &= w1
    w0 |= 4
    if w0 != 0x7ffffffc goto a
    r0 = 1
    exit
c:
    r0 = 7
    *(u64 *)(r0 - 8) = r0
    exit
b:
    w0 -= 0xc
    if w0 == 2 goto c
    r0 = 4
    exit
a:
    w0 -= 0x7ffffff0
    if w0 s>= 0xe goto b
    r0 = 3
    exit

=== selftests_or_jmp32_k/or_then_jne_no_store
type: socket_filter
desc: the same chain without the bad store: accepted
    r0 = 0xfffffffe
    r0 /= 1
    r1 = 0
    w1 = -1
    w1 >>= 1
    w0 &= w1
    w0 |= 4
    if w0 != 0x7ffffffc goto a
    r0 = 1
    exit
c:
    r0 = 7
    exit
b:
    w0 -= 0xc
    if w0 == 2 goto c
    r0 = 4
    exit
a:
    w0 -= 0x7ffffff0
    if w0 s>= 0xe goto b
    r0 = 3
    exit

=== selftests_or_jmp32_k/or_bit_makes_eq_impossible
type: socket_filter
desc: w0 | 1 can never equal 2: the store after if w0 == 2 is dead
    call bpf_get_prandom_u32
    w0 |= 1
    if w0 == 2 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_or_jmp32_k/or_bit_allows_eq
type: socket_filter
desc: w0 | 1 may equal 3: the store after if w0 == 3 is reached
    call bpf_get_prandom_u32
    w0 |= 1
    if w0 == 3 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_or_jmp32_k/or_sets_high_bit_signed
type: socket_filter
desc: w0 | 0x80000000 is negative as s32: if w0 s> 0 is never taken
    call bpf_get_prandom_u32
    w0 |= 0x80000000
    if w0 s> 0 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_or_jmp32_k/or_then_ult
type: socket_filter
desc: w0 | 0x10 is at least 0x10: if w0 < 0x10 is never taken
    call bpf_get_prandom_u32
    w0 |= 0x10
    if w0 < 0x10 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_or_jmp32_k/or_then_ult_reachable
type: socket_filter
desc: w0 | 0x10 may be 0x10: if w0 < 0x11 is taken
    call bpf_get_prandom_u32
    w0 |= 0x10
    if w0 < 0x11 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit

=== selftests_or_jmp32_k/or64_then_jmp32
type: socket_filter
desc: a 64-bit or of a high bit leaves the low half unknown: a 32-bit test of 0 may pass
    call bpf_get_prandom_u32
    r1 = 1
    r1 <<= 40
    r0 |= r1
    if w0 == 0 goto bad
    r0 = 0
    exit
bad:
    r0 = 0
    *(u64 *)(r0 + 0) = r0
    exit
