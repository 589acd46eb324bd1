# Theme: flow dissector programs: flow_dissector_is_valid_access (data, data_end and the flow_keys
# pointer, read only), PTR_TO_FLOW_KEYS (check_flow_keys_access: inside struct bpf_flow_keys;
# pointer arithmetic with known offsets only), read-only direct packet access, the helper set.

=== flow_dissector/parse_ipv4
type: flow_dissector
desc: the IPv4 protocol and addresses copied into the flow keys after the data_end check
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = *(u64 *)(r1 + 144)
    r5 = r2
    r5 += 34
    r0 = 2
    if r5 > r3 goto +9
    r6 = *(u8 *)(r2 + 23)
    *(u8 *)(r4 + 9) = r6
    r6 = *(u32 *)(r2 + 26)
    *(u32 *)(r4 + 16) = r6
    r6 = *(u32 *)(r2 + 30)
    *(u32 *)(r4 + 20) = r6
    r6 = 34
    *(u16 *)(r4 + 2) = r6
    r0 = 0
    exit

=== flow_dissector/packet_unchecked
type: flow_dissector
desc: a packet read before the data_end check
    r2 = *(u32 *)(r1 + 76)
    r0 = *(u8 *)(r2 + 23)
    exit

=== flow_dissector/packet_write
type: flow_dissector
desc: the packet is read-only for flow dissectors
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r5 = r2
    r5 += 14
    if r5 > r3 goto +2
    r6 = 0
    *(u8 *)(r2 + 0) = r6
    r0 = 0
    exit

=== flow_dissector/flow_keys_u32
type: flow_dissector
desc: the flow_keys pointer read as 4 bytes
    r2 = *(u32 *)(r1 + 144)
    r0 = 0
    exit

=== flow_dissector/flow_keys_write
type: flow_dissector
desc: the flow_keys pointer overwritten
    *(u64 *)(r1 + 144) = r1
    r0 = 0
    exit

=== flow_dissector/len
type: flow_dissector
desc: __sk_buff.len is out of reach of flow dissectors
    r0 = *(u32 *)(r1 + 0)
    exit

=== flow_dissector/data_meta
type: flow_dissector
desc: data_meta is out of reach of flow dissectors
    r0 = *(u32 *)(r1 + 140)
    exit

=== flow_dissector/cb_write
type: flow_dissector
desc: no __sk_buff field is writable, cb[] neither
    r2 = 1
    *(u32 *)(r1 + 48) = r2
    r0 = 0
    exit

=== flow_dissector/keys_last_field
type: flow_dissector
desc: flow_label, the last 4 bytes of the flow keys
    r2 = *(u64 *)(r1 + 144)
    r0 = *(u32 *)(r2 + 52)
    exit

=== flow_dissector/keys_past_end
type: flow_dissector
desc: a read that ends one byte past the flow keys
    r2 = *(u64 *)(r1 + 144)
    r0 = *(u32 *)(r2 + 53)
    exit

=== flow_dissector/keys_u64_past_end
type: flow_dissector
desc: an 8-byte store over the last 4 bytes and past them
    r2 = *(u64 *)(r1 + 144)
    r3 = 0
    *(u64 *)(r2 + 52) = r3
    r0 = 0
    exit

=== flow_dissector/keys_negative
type: flow_dissector
desc: a read before the flow keys
    r2 = *(u64 *)(r1 + 144)
    r0 = *(u8 *)(r2 - 1)
    exit

=== flow_dissector/keys_const_arith
type: flow_dissector
desc: flow keys moved by a known offset, then read inside them
    r2 = *(u64 *)(r1 + 144)
    r2 += 16
    r0 = *(u32 *)(r2 + 4)
    exit

=== flow_dissector/keys_const_arith_past_end
type: flow_dissector
desc: flow keys moved by a known offset, then read past them
    r2 = *(u64 *)(r1 + 144)
    r2 += 48
    r0 = *(u64 *)(r2 + 4)
    exit

=== flow_dissector/keys_var_arith
type: flow_dissector
desc: flow keys moved by an unknown (bounded) offset
    r2 = *(u64 *)(r1 + 144)
    r3 = *(u32 *)(r1 + 76)
    r4 = *(u32 *)(r1 + 80)
    r5 = r3
    r5 += 1
    r0 = 0
    if r5 > r4 goto +4
    r6 = *(u8 *)(r3 + 0)
    r6 &= 7
    r2 += r6
    r0 = *(u8 *)(r2 + 0)
    exit

=== flow_dissector/keys_pointer_store
type: flow_dissector
desc: a pointer stored into the flow keys (a privileged loader may)
    r2 = *(u64 *)(r1 + 144)
    *(u64 *)(r2 + 16) = r1
    r0 = 0
    exit

=== flow_dissector/keys_atomic
type: flow_dissector
desc: an atomic add on the flow keys
    r2 = *(u64 *)(r1 + 144)
    r3 = 1
    lock *(u32 *)(r2 + 48) += r3
    r0 = 0
    exit

=== flow_dissector/keys_unaligned
type: flow_dissector
desc: a misaligned read of the flow keys
    r2 = *(u64 *)(r1 + 144)
    r0 = *(u32 *)(r2 + 1)
    exit

=== flow_dissector/load_bytes
type: flow_dissector
desc: bpf_flow_dissector_load_bytes into the stack
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call 26
    r0 = 0
    exit

=== flow_dissector/load_bytes_into_keys
type: flow_dissector
desc: bpf_flow_dissector_load_bytes into the flow keys (not memory a helper takes)
    r3 = *(u64 *)(r1 + 144)
    r2 = 0
    r4 = 8
    call 26
    r0 = 0
    exit

=== flow_dissector/perf_event_output
type: flow_dissector
desc: flow dissectors have no bpf_perf_event_output
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call 25
    r0 = 0
    exit

=== flow_dissector/store_bytes
type: flow_dissector
desc: flow dissectors have no bpf_skb_store_bytes
    r2 = 0
    r3 = 0
    r4 = 0
    r5 = 0
    call 9
    r0 = 0
    exit

=== flow_dissector/ld_abs
type: flow_dissector
desc: LD_ABS is for socket filters and tc only
    r6 = r1
    r0 = *(u8 *)skb[0]
    exit

=== flow_dissector/return_any
type: flow_dissector
desc: any return value (BPF_OK, BPF_DROP ... unchecked)
    r0 = -1
    exit
