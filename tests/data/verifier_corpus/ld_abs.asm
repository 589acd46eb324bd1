# Theme: the legacy packet loads BPF_LD | BPF_ABS / BPF_IND (check_ld_abs): only for program types
# with skb access, r6 must hold the unmodified context, reserved fields, r1-r5 clobbered and r0 an
# unknown scalar afterwards.

=== ld_abs/abs_byte
type: socket_filter
desc: a byte at offset 12
    r6 = r1
    r0 = *(u8 *)skb[12]
    exit

=== ld_abs/abs_half_word
type: socket_filter
desc: a half word and a word
    r6 = r1
    r0 = *(u16 *)skb[12]
    r0 = *(u32 *)skb[26]
    exit

=== ld_abs/abs_without_r6
type: socket_filter
desc: r6 was never set
    r0 = *(u8 *)skb[12]
    exit

=== ld_abs/abs_r6_scalar
type: socket_filter
desc: r6 holds a scalar
    r6 = 0
    r0 = *(u8 *)skb[12]
    exit

=== ld_abs/abs_r6_moved_ctx
type: socket_filter
desc: r6 holds a moved context pointer
    r6 = r1
    r6 += 8
    r0 = *(u8 *)skb[12]
    exit

=== ld_abs/abs_in_xdp
desc: XDP programs have no LD_ABS
    r6 = r1
    r0 = *(u8 *)skb[12]
    exit

=== ld_abs/abs_tc
type: sched_cls
desc: a tc classifier uses LD_ABS
    r6 = r1
    r0 = *(u16 *)skb[12]
    exit

=== ld_abs/abs_clobbers_r1
type: socket_filter
desc: r1 is unreadable after LD_ABS
    r6 = r1
    r1 = 5
    r0 = *(u8 *)skb[12]
    r0 = r1
    exit

=== ld_abs/abs_keeps_r7
type: socket_filter
desc: r7 survives LD_ABS
    r6 = r1
    r7 = 5
    r0 = *(u8 *)skb[12]
    r0 = r7
    exit

=== ld_abs/abs_result_deref
type: socket_filter
desc: the loaded value is a scalar
    r6 = r1
    r0 = *(u8 *)skb[12]
    r0 = *(u8 *)(r0 + 0)
    exit

=== ld_abs/abs_dw
type: socket_filter
desc: an 8-byte LD_ABS does not exist
    r6 = r1
    .insn 0x38, 0, 0, 0, 12
    exit

=== ld_abs/abs_reserved_dst
type: socket_filter
desc: an LD_ABS with a destination register
    r6 = r1
    .insn 0x30, 1, 0, 0, 12
    r0 = 0
    exit

=== ld_abs/ind_ok
type: socket_filter
desc: an indirect load at r7 + 2
    r6 = r1
    r7 = 14
    r0 = *(u8 *)skb[r7 + 2]
    exit

=== ld_abs/ind_uninit_src
type: socket_filter
desc: the index register was never set
    r6 = r1
    r0 = *(u8 *)skb[r7 + 2]
    exit

=== ld_abs/ind_src_pointer
type: socket_filter
desc: a pointer as the index (allowed when privileged)
    r6 = r1
    r7 = r10
    r0 = *(u8 *)skb[r7 + 2]
    exit

=== ld_abs/abs_in_raw_tp
type: raw_tracepoint
desc: raw tracepoints have no LD_ABS
    r6 = r1
    r0 = *(u8 *)skb[12]
    exit
