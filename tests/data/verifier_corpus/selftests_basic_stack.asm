# Theme: basic stack accesses (the kernel's verifier_basic_stack selftests, written afresh):
# out of bounds below and above, misaligned, uninitialised, and the stack used as a map key.

=== selftests_basic_stack/read_above_frame
desc: a read at fp+8
    r0 = *(u64 *)(r10 + 8)
    exit

=== selftests_basic_stack/write_then_read_every_width
desc: a u64 written, read back as u8, u16, u32
    r1 = -1
    *(u64 *)(r10 - 8) = r1
    r0 = *(u8 *)(r10 - 8)
    r2 = *(u16 *)(r10 - 6)
    r3 = *(u32 *)(r10 - 4)
    r0 = 0
    exit

=== selftests_basic_stack/u16_misaligned
desc: a u16 at fp-3
    r1 = 1
    *(u16 *)(r10 - 3) = r1
    r0 = 0
    exit

=== selftests_basic_stack/key_uninitialised
maps: m=hash(8,16,1)
desc: a lookup key on never-written stack (root: allowed)
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_basic_stack/key_partly_written
maps: m=hash(8,16,1)
desc: a key whose low half only is written (root: allowed)
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_basic_stack/key_past_frame
maps: m=hash(8,16,1)
desc: an 8-byte key at fp-4
    r2 = r10
    r2 += -4
    r1 = map_fd(m) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit

=== selftests_basic_stack/deepest_byte
desc: a byte at fp-512
    r1 = 1
    *(u8 *)(r10 - 512) = r1
    r0 = *(u8 *)(r10 - 512)
    exit
