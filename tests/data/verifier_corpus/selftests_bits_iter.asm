# Theme: the bit iterator (kfuncs bpf_iter_bits_new/next/destroy of kernel/bpf/helpers.c's common
# set: every program type) as the kernel's verifier_bits_iter selftest probes it, written afresh:
# the 16-byte struct bpf_iter_bits on the stack (two slots), its lifetime (new on uninitialised
# slots, next and destroy on a live iterator, no leak at exit, no overwrite while live), the
# pointer next() answers (a 4-byte read-only int, NULL at the end) and the unchecked source
# (unsafe_ptr__ign: any value, read at run time with bpf_probe_read_kernel).

=== selftests_bits_iter/count_bits
type: socket_filter
desc: the set bits of a stack word summed
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r0 = r6
    exit

=== selftests_bits_iter/two_words
type: syscall
maps: a=array(4,16,1)
flags: sleepable
desc: two words of a map value iterated
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r8 = r0
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 2
    call kfunc(bpf_iter_bits_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
out:
    r0 = 0
    exit

=== selftests_bits_iter/scalar_source
type: xdp
desc: an arbitrary number as the source (unsafe_ptr__ign is not checked)
    r1 = r10
    r1 += -16
    r2 = 12345
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_bits_destroy)
    r0 = 2
    exit

=== selftests_bits_iter/unknown_nr_words
type: socket_filter
desc: nr_words not known to the verifier
    call bpf_get_prandom_u32
    r3 = r0
    r1 = r10
    r1 += -16
    r2 = 0
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/result_unchecked
type: socket_filter
desc: next's int read before its NULL check
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    r6 = *(u32 *)(r0 + 0)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r0 = r6
    exit

=== selftests_bits_iter/result_written
type: socket_filter
desc: next's int written through
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto d
    r1 = 1
    *(u32 *)(r0 + 0) = r1
d:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/result_past_end
type: socket_filter
desc: next's int read as 8 bytes
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto d
    r6 = *(u64 *)(r0 + 0)
d:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/leak
type: socket_filter
desc: an iterator never destroyed
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r0 = 0
    exit

=== selftests_bits_iter/destroy_twice
type: socket_filter
desc: destroy called twice
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/new_twice
type: socket_filter
desc: new on a live iterator
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/next_uninit
type: socket_filter
desc: next on slots never initialised
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_bits_next)
    r0 = 0
    exit

=== selftests_bits_iter/destroy_uninit
type: socket_filter
desc: destroy on slots never initialised
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/misaligned
type: socket_filter
desc: the iterator at fp-20 (not 8-aligned)
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -20
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -20
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/overwritten_slot
type: socket_filter
desc: the live iterator's second slot overwritten
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/partially_above_frame
type: socket_filter
desc: the iterator's 16 bytes at fp-8 (past the frame's top)
    r1 = r10
    r1 += -8
    r2 = 0
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -8
    call kfunc(bpf_iter_bits_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/num_iter_as_bits
type: socket_filter
desc: a numeric iterator handed to bits_next
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 4
    call kfunc(bpf_iter_num_new)
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_bits_next)
    r1 = r10
    r1 += -16
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/bits_as_num
type: socket_filter
desc: a bit iterator handed to num_destroy
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_num_destroy)
    r0 = 0
    exit

=== selftests_bits_iter/not_stack
type: socket_filter
maps: a=array(4,16,1)
desc: the iterator in a map value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    r3 = 1
    call kfunc(bpf_iter_bits_new)
out:
    r0 = 0
    exit

=== selftests_bits_iter/nested_with_num
type: socket_filter
desc: a bit iterator inside a numeric loop
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r9 = 0
    r1 = r10
    r1 += -40
    r2 = 0
    r3 = 3
    call kfunc(bpf_iter_num_new)
outer:
    r1 = r10
    r1 += -40
    call kfunc(bpf_iter_num_next)
    if r0 == 0 goto fin
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r6 += r1
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
    r9 += r6
    goto outer
fin:
    r1 = r10
    r1 += -40
    call kfunc(bpf_iter_num_destroy)
    r0 = r9
    exit

=== selftests_bits_iter/bit_index_bounds
type: socket_filter
maps: a=array(4,64,1)
desc: the bit index used as an offset into a 64-byte value (unbounded: refused)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r2 = r9
    r2 += r1
    r1 = *(u8 *)(r2 + 0)
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
out:
    r0 = 0
    exit

=== selftests_bits_iter/bit_index_masked
type: socket_filter
maps: a=array(4,64,1)
desc: the bit index masked to 63 indexes a 64-byte value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r9 = r0
    r7 = 0x1234 ll
    *(u64 *)(r10 - 8) = r7
    r8 = r10
    r8 += -8
    r1 = r10
    r1 += -24
    r2 = r8
    r3 = 1
    call kfunc(bpf_iter_bits_new)
    r6 = 0
loop:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_next)
    if r0 == 0 goto done
    r1 = *(u32 *)(r0 + 0)
    r1 &= 63
    r2 = r9
    r2 += r1
    r1 = *(u8 *)(r2 + 0)
    goto loop
done:
    r1 = r10
    r1 += -24
    call kfunc(bpf_iter_bits_destroy)
out:
    r0 = 0
    exit
