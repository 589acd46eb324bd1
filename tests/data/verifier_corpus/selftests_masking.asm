# Theme: the index-masking sequence the kernel's verifier_masking selftests probe, written afresh:
# ``limit - index | index``, negated and arithmetically shifted right by 63, gives an all-ones mask
# for an index below the limit and zero otherwise; the index is then and-ed with the mask.  Every
# variant is a pure scalar computation the verifier must follow (constants loaded by 32- and
# 64-bit moves, negative values, a product) and accept with the exact constant in r0; a variant
# reads the stack at the masked index (scalar_min_max_arsh, scalar_min_max_or, tnum_neg).

=== selftests_masking/w_index_at_limit
type: socket_filter
desc: index 7 against the last valid index 6 (32-bit moves): masked to 0
    w1 = 7
    w2 = 6
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/w_index_zero_limit_zero
type: socket_filter
desc: index 2, last valid index 0
    w1 = 2
    w2 = 0
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/w_index_u32_max
type: socket_filter
desc: index 0xfffffffe, last valid one below it
    w1 = 0xfffffffe
    w2 = 0xfffffffd
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/w_index_u32_max_limit_zero
type: socket_filter
desc: index 0xffffffff, last valid index 0
    w1 = 0xffffffff
    w2 = 0
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/w_index_minus_one
type: socket_filter
desc: w1 = -2 (zero-extended to 0xfffffffe), last valid index 3
    w1 = -2
    w2 = 3
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/w_index_minus_one_big_limit
type: socket_filter
desc: w1 = -1 against 0xfffffffe
    w1 = -1
    w2 = 0xfffffffe
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/r_index_at_limit
type: socket_filter
desc: a 64-bit index 9 against 8
    r1 = 9
    w2 = 8
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/r_index_two_limit_one
type: socket_filter
desc: a 64-bit index 2 against 1
    r1 = 2
    w2 = 1
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/r_index_u32_max
type: socket_filter
desc: a 64-bit 0xffffffff against 0xfffffffe
    r1 = 0xffffffff
    w2 = 0xfffffffe
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/r_index_negative
type: socket_filter
desc: a negative 64-bit index: the or keeps the sign bit
    r1 = -3
    w2 = 5
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/r_index_negative_big_limit
type: socket_filter
desc: a 64-bit -1 against 0xfffffffe
    r1 = -1
    w2 = 0xfffffffe
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/in_w_small
type: socket_filter
desc: index 3 below 6: kept
    w1 = 3
    w2 = 6
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/in_w_zero
type: socket_filter
desc: index 0: kept as 0
    w1 = 0
    w2 = 0xfffffffe
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/in_w_big
type: socket_filter
desc: index 0xfffffff0 below 0xfffffffe: kept
    w1 = 0xfffffff0
    w2 = 0xfffffffe
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/in_w_mid
type: socket_filter
desc: index 0x12345 below 0x123456: kept
    w1 = 0x12345
    w2 = 0x123456
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/in_w_equal
type: socket_filter
desc: index equal to the last valid index: kept
    w1 = 30
    w2 = 30
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/in_r_small
type: socket_filter
desc: a 64-bit index 12 below 40
    r1 = 12
    w2 = 40
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 = r1
    exit

=== selftests_masking/in_product
type: socket_filter
desc: an index made by a multiplication (-30 * -1) below 40: kept
    r3 = -30
    r3 *= -1
    w2 = 40
    r2 -= r3
    r2 |= r3
    r2 = -r2
    r2 s>>= 63
    r3 &= r2
    r0 = r3
    exit

=== selftests_masking/out_product
type: socket_filter
desc: an index made by a multiplication (-41 * -1) past 40: masked
    r3 = -41
    r3 *= -1
    w2 = 40
    r2 -= r3
    r2 |= r3
    r2 = -r2
    r2 s>>= 63
    r3 &= r2
    r0 = r3
    exit

=== selftests_masking/unknown_index_masked_stack_read
type: socket_filter
desc: an unknown byte masked against 7 indexes an 8-byte stack buffer (the mask is 0 or -1: the and keeps the byte's bits, a variable-offset read)
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    r1 = *(u32 *)(r1 + 0)
    r1 &= 0xff
    w2 = 7
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r3 = r10
    r3 += -8
    r3 += r1
    r0 = *(u8 *)(r3 + 0)
    r0 = 0
    exit

=== selftests_masking/unknown_index_masked_bad_limit
type: socket_filter
desc: the same with a limit of 8 (index 8 would read fp+0)
    r6 = 0
    *(u64 *)(r10 - 8) = r6
    r1 = *(u32 *)(r1 + 0)
    r1 &= 0xff
    w2 = 8
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r3 = r10
    r3 += -8
    r3 += r1
    r0 = *(u8 *)(r3 + 0)
    r0 = 0
    exit

=== selftests_masking/unknown_index_masked_value
type: socket_filter
maps: m=hash(8,16,1)
desc: a masked unknown 64-bit index into a 16-byte map value (the mask gives no bounds)
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    w2 = 15
    r2 -= r1
    r2 |= r1
    r2 = -r2
    r2 s>>= 63
    r1 &= r2
    r0 += r1
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
