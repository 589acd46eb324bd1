# More map-element iterator programs (the corpus theme verifier_corpus/iter_map_elem.asm's format and
# names), checked against Linux 6.18's source by tests/verifier/test_iter_map_elem.py: the recording
# kernel refuses every load of these targets with EPERM, so they stay out of the corpus, whose
# agreement they could not count in.

=== iter_map_elem/map_elem_value_unchecked_write
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the value may be NULL: written without the check
    r3 = *(u64 *)(r1 + 24)
    *(u64 *)(r3 + 0) = 0
    r0 = 0
    exit

=== iter_map_elem/map_elem_value_negative_insn_offset
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the instruction's negative offset: refused too
    r3 = *(u64 *)(r1 + 24)
    if r3 == 0 goto out
    r3 += 8
    r0 = *(u32 *)(r3 - 12)
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_arith_before_null_check
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: no pointer arithmetic on a maybe-NULL buffer
    r2 = *(u64 *)(r1 + 16)
    r2 += 4
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_moved_pointer
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: a buffer pointer moved by a constant, then read at its offset
    r3 = *(u64 *)(r1 + 24)
    if r3 == 0 goto out
    r3 += 8
    r0 = *(u32 *)(r3 + 4)
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_seq_write_key
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the key as bpf_seq_write()'s memory: read, 8 bytes
    r6 = *(u64 *)(r1 + 16)
    if r6 == 0 goto out
    r2 = *(u64 *)(r1 + 0)
    r1 = *(u64 *)(r2 + 0)
    r2 = r6
    r3 = 8
    call 127
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_probe_read_into_key
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: a helper may not write into the read-only key
    r6 = *(u64 *)(r1 + 16)
    r7 = *(u64 *)(r1 + 24)
    if r6 == 0 goto out
    if r7 == 0 goto out
    r1 = r6
    r2 = 4
    r3 = r7
    call 113
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_probe_read_into_value
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: a helper writes into the value (max_rdwr_access 12)
    r6 = *(u64 *)(r1 + 16)
    r7 = *(u64 *)(r1 + 24)
    if r6 == 0 goto out
    if r7 == 0 goto out
    r1 = r7
    r1 += 4
    r2 = 8
    r3 = r6
    call 113
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_lookup_with_key
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
maps: m=hash(4,8,16)
desc: the element's key as another map's key: the map's key_size read
    r2 = *(u64 *)(r1 + 16)
    if r2 == 0 goto out
    r1 = map_fd(m) ll
    call 1
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_read_the_map
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the ctx's map: a trusted struct bpf_map, never NULL
    r2 = *(u64 *)(r1 + 8)
    r0 = *(u32 *)(r2 + offsetof(bpf_map, key_size))
    r0 = 0
    exit

=== iter_map_elem/map_elem_atomic_add_value
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: an atomic add on the writable value
    r3 = *(u64 *)(r1 + 24)
    if r3 == 0 goto out
    r2 = 1
    lock *(u64 *)(r3 + 0) += r2
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_spill_and_fill
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: a maybe-NULL buffer spilled and filled keeps its type and id
    r2 = *(u64 *)(r1 + 24)
    *(u64 *)(r10 - 8) = r2
    r3 = *(u64 *)(r10 - 8)
    if r2 == 0 goto out
    r0 = *(u64 *)(r3 + 0)
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_misaligned_strict
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
flags: strict_alignment
desc: with BPF_F_STRICT_ALIGNMENT a buffer is aligned like any memory
    r3 = *(u64 *)(r1 + 24)
    if r3 == 0 goto out
    r0 = *(u64 *)(r3 + 4)
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_ctx_key_narrow
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the ctx's key pointer read with 4 bytes
    r2 = *(u32 *)(r1 + 16)
    r0 = 0
    exit

=== iter_map_elem/map_elem_ctx_past_value
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: nothing after the value
    r2 = *(u64 *)(r1 + 32)
    r0 = 0
    exit

=== iter_map_elem/sk_storage_sk_read
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_sk_storage_map
desc: its socket: an untrusted maybe-NULL struct sock
    r2 = *(u64 *)(r1 + 16)
    if r2 == 0 goto out
    r0 = *(u16 *)(r2 + offsetof(sock, __sk_common.skc_family))
out:
    r0 = 0
    exit

=== iter_map_elem/sk_storage_sk_unchecked
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_sk_storage_map
desc: its socket read without the NULL check
    r2 = *(u64 *)(r1 + 16)
    r0 = *(u16 *)(r2 + offsetof(sock, __sk_common.skc_family))
    r0 = 0
    exit

=== iter_map_elem/sk_storage_value_variable_offset
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_sk_storage_map
desc: a variable offset into the storage value
    r3 = *(u64 *)(r1 + 24)
    if r3 == 0 goto out
    r4 = *(u32 *)(r3 + 0)
    r4 &= 4
    r3 += r4
    r0 = *(u32 *)(r3 + 0)
out:
    r0 = 0
    exit

=== iter_map_elem/sockmap_key_read
type: tracing
attach: trace_iter
attach_btf: bpf_iter_sockmap
desc: the socket-map iterator's key: read-only
    r2 = *(u64 *)(r1 + 16)
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + 0)
out:
    r0 = 0
    exit
