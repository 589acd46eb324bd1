# Theme: stack offsets that wrap (the kernel's verifier_direct_stack_access_wraparound
# selftests, written afresh): large positive and negative adds to a stack pointer that would come
# back into the frame if offsets wrapped.

=== selftests_direct_stack_access_wraparound/two_big_adds
desc: fp + 0x7fffffff then -0x7fffffff: the first add is refused
    r1 = r10
    r1 += 0x7fffffff
    r1 += -0x7fffffff
    r2 = 1
    *(u8 *)(r1 - 8) = r2
    r0 = 0
    exit

=== selftests_direct_stack_access_wraparound/many_medium_adds
desc: fp + 0x1fffffff twice, then back: the sum leaves the allowed range
    r1 = r10
    r1 += 0x1fffffff
    r1 += 0x1fffffff
    r1 += -0x1fffffff
    r1 += -0x1fffffff
    r2 = 1
    *(u8 *)(r1 - 8) = r2
    r0 = 0
    exit

=== selftests_direct_stack_access_wraparound/medium_add_and_back
desc: fp + 0x10000000 then back: the pointer is fp again
    r1 = r10
    r1 += 0x10000000
    r1 += -0x10000000
    r2 = 1
    *(u8 *)(r1 - 8) = r2
    r0 = 0
    exit

=== selftests_direct_stack_access_wraparound/ldimm_offset
desc: fp + (1 << 32) via a register
    r2 = 0x100000000 ll
    r1 = r10
    r1 += r2
    r2 = 1
    *(u8 *)(r1 - 8) = r2
    r0 = 0
    exit

=== selftests_direct_stack_access_wraparound/negative_wrap_register
desc: fp + (-0x80000000) via a register
    r2 = -0x80000000
    r1 = r10
    r1 += r2
    r2 = 1
    *(u8 *)(r1 - 8) = r2
    r0 = 0
    exit
