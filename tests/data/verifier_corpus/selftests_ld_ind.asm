# Theme: legacy packet loads as the kernel's verifier_ld_ind selftests probe them, written afresh:
# LD_IND/LD_ABS need the ctx in r6, clobber r1-r5, keep r6-r9 and the callee-saved stack, and take a
# scalar index register (check_ld_abs).

=== selftests_ld_ind/ind_keeps_r7
type: socket_filter
desc: r7 survives an LD_IND
    r6 = r1
    r7 = 1
    r2 = 2
    r0 = *(u8 *)skb[r2 + 0]
    r0 = r7
    exit

=== selftests_ld_ind/ind_clobbers_r3
type: socket_filter
desc: r3 is scratched by an LD_IND
    r6 = r1
    r3 = 1
    r2 = 2
    r0 = *(u8 *)skb[r2 + 0]
    r0 = r3
    exit

=== selftests_ld_ind/ind_clobbers_r1
type: socket_filter
desc: r1 is scratched by an LD_IND
    r6 = r1
    r2 = 2
    r0 = *(u16 *)skb[r2 + 4]
    r0 = r1
    exit

=== selftests_ld_ind/ind_keeps_stack
type: socket_filter
desc: the stack survives an LD_IND
    r6 = r1
    r3 = 7
    *(u64 *)(r10 - 8) = r3
    r2 = 2
    r0 = *(u32 *)skb[r2 + 0]
    r0 = *(u64 *)(r10 - 8)
    exit

=== selftests_ld_ind/ind_keeps_r9
type: sched_cls
desc: r9 survives an LD_IND in tc
    r6 = r1
    r9 = 3
    r2 = 0
    r0 = *(u8 *)skb[r2 + 12]
    r0 = r9
    exit

=== selftests_ld_ind/ind_ctx_index
type: socket_filter
desc: the ctx as the LD_IND index register
    r6 = r1
    r0 = *(u8 *)skb[r1 + 0]
    exit

=== selftests_ld_ind/ind_index_from_packet
type: socket_filter
desc: an LD_IND whose index came from an earlier LD_ABS
    r6 = r1
    r0 = *(u8 *)skb[0]
    r7 = r0
    r0 = *(u8 *)skb[r7 + 1]
    exit

=== selftests_ld_ind/abs_xdp
type: xdp
desc: LD_ABS in XDP
    r6 = r1
    r0 = *(u8 *)skb[0]
    r0 = 2
    exit

=== selftests_ld_ind/abs_result_range
type: socket_filter
desc: an LD_ABS byte is at most 255: used as an index into a 256-byte stack area
    r6 = r1
    r0 = *(u8 *)skb[0]
    r1 = r10
    r1 += -256
    r0 &= 0xff
    r1 += r0
    r0 = *(u8 *)(r1 + 0)
    exit

=== selftests_ld_ind/abs_u16_unbounded_index
type: socket_filter
desc: an LD_ABS half-word is up to 65535: too large an index into the stack
    r6 = r1
    r0 = *(u16 *)skb[0]
    r1 = r10
    r1 += -256
    r1 += r0
    r0 = *(u8 *)(r1 + 0)
    exit

=== selftests_ld_ind/abs_in_subprog
type: socket_filter
desc: LD_ABS inside a bpf-to-bpf subprogram
    r6 = r1
    call f
    exit
f:
    r0 = *(u8 *)skb[0]
    exit
