# Theme: the map-element iterators (kernel/bpf/map_iter.c's bpf_map_elem, net/core/bpf_sk_storage.c's
# bpf_sk_storage_map, net/core/sock_map.c's sockmap), whose ctx holds the element's key and value as
# maybe-NULL buffers (PTR_TO_BUF, the key MEM_RDONLY: their ctx_arg_info), checked by
# check_buffer_access().  The recording kernel refuses every load of these targets with EPERM (at
# check_attach_btf_id, nothing logged); pybpf follows Linux 6.18's source (known_disagreements.txt,
# tests/verifier/test_iter_map_elem.py checks pybpf's answers, on these and on the
# further programs of tests/data/verifier_iter_map_elem.asm, kept out of the corpus as no kernel here
# can label them).

=== iter_map_elem/map_elem_read_key_write_value
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the key read and the value written after their NULL checks (max_rdonly_access 4, max_rdwr_access 16)
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    if r2 == 0 goto out
    if r3 == 0 goto out
    r0 = *(u32 *)(r2 + 0)
    *(u64 *)(r3 + 8) = r0
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_write_key
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the key is read-only (PTR_TO_BUF | MEM_RDONLY)
    r2 = *(u64 *)(r1 + 16)
    if r2 == 0 goto out
    *(u32 *)(r2 + 0) = 1
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_key_unchecked
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the key may be NULL (the call past the last element)
    r2 = *(u64 *)(r1 + 16)
    r0 = *(u32 *)(r2 + 0)
    r0 = 0
    exit

=== iter_map_elem/map_elem_value_negative_offset
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: a buffer is never reached below its start
    r3 = *(u64 *)(r1 + 24)
    if r3 == 0 goto out
    r3 += -4
    r0 = *(u32 *)(r3 + 0)
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_value_variable_offset
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: a buffer is reached at a constant offset only
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    if r2 == 0 goto out
    if r3 == 0 goto out
    r4 = *(u32 *)(r2 + 0)
    r4 &= 7
    r3 += r4
    r0 = *(u8 *)(r3 + 0)
out:
    r0 = 0
    exit

=== iter_map_elem/map_elem_far_offsets
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_map_elem
desc: the verifier knows no map: any constant offset is taken, the furthest kept for the attach (key 104, value 4096)
    r2 = *(u64 *)(r1 + 16)
    r3 = *(u64 *)(r1 + 24)
    if r2 == 0 goto out
    if r3 == 0 goto out
    r0 = *(u64 *)(r2 + 96)
    *(u64 *)(r3 + 4088) = r0
out:
    r0 = 0
    exit

=== iter_map_elem/sk_storage_value_write
type: tracing
attach: trace_iter
attach_btf: bpf_iter_bpf_sk_storage_map
desc: the socket storage iterator's value is writable
    r3 = *(u64 *)(r1 + 24)
    if r3 == 0 goto out
    r2 = 7
    *(u32 *)(r3 + 0) = r2
out:
    r0 = 0
    exit

=== iter_map_elem/sockmap_key_write
type: tracing
attach: trace_iter
attach_btf: bpf_iter_sockmap
desc: the socket-map iterator's key written
    r2 = *(u64 *)(r1 + 16)
    if r2 == 0 goto out
    r0 = 0
    *(u32 *)(r2 + 0) = r0
out:
    r0 = 0
    exit
