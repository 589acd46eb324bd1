# Theme: the frame pointer and stack pointers (the kernel's verifier_stack_ptr selftests, written
# afresh): r10 is read-only, arithmetic on copies, alignment, the 512-byte bound, pointers that
# leave the frame and come back.

=== selftests_stack_ptr/write_r10
desc: r10 cannot be written
    r10 = 0
    r0 = 0
    exit

=== selftests_stack_ptr/add_to_r10
desc: r10 += -8 is a write to the frame pointer
    r10 += -8
    r0 = 0
    exit

=== selftests_stack_ptr/copy_and_move
desc: a copy of r10 moved down 8 addresses a slot
    r1 = r10
    r1 += -8
    r2 = 3
    *(u64 *)(r1 + 0) = r2
    r0 = *(u64 *)(r10 - 8)
    exit

=== selftests_stack_ptr/copy_move_up_and_back
desc: fp + 8 - 16 is fp-8 again
    r1 = r10
    r1 += 8
    r1 += -16
    r2 = 3
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_stack_ptr/copy_above_frame
desc: a store at fp + 0 is above the frame
    r1 = r10
    r2 = 3
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_stack_ptr/misaligned_u32
desc: a u32 at fp-6 is misaligned (root runs with strict alignment off for the stack? the answer is recorded)
    r1 = 3
    *(u32 *)(r10 - 6) = r1
    r0 = 0
    exit

=== selftests_stack_ptr/fp_minus_513
desc: fp-513 is past the 512-byte frame
    r1 = r10
    r1 += -513
    r2 = 3
    *(u8 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_stack_ptr/fp_minus_512_u64
desc: fp-512 is the lowest u64 slot
    r1 = r10
    r1 += -512
    r2 = 3
    *(u64 *)(r1 + 0) = r2
    r0 = 0
    exit

=== selftests_stack_ptr/fp_huge_offset
desc: fp + 0x40000000 is refused at the add
    r1 = r10
    r1 += 0x40000000
    r0 = 0
    exit

=== selftests_stack_ptr/stack_ptr_returned
type: socket_filter
desc: a stack pointer returned from the program leaks an address
    r0 = r10
    exit

=== selftests_stack_ptr/stack_ptr_compare_scalar
desc: a stack pointer compared with a scalar (root: allowed)
    r1 = r10
    if r1 == 0 goto out
    r0 = 0
    exit
out:
    r0 = 1
    exit
