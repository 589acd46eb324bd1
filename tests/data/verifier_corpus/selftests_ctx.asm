# Theme: the context pointer as the kernel's verifier_ctx selftests probe it, written afresh: a
# modified ctx pointer (constant or variable offset) may not be dereferenced or passed to a helper
# (check_ctx_reg, __check_ptr_off_reg), ctx may not be the target of an atomic or a store of a
# pointer, ctx arithmetic that cancels out, ctx spilled and filled, and ctx compared with NULL.

=== selftests_ctx/modified_ctx_read
desc: ctx + 4 dereferenced at offset 0
    r1 += 4
    r0 = *(u32 *)(r1 + 0)
    r0 = 2
    exit

=== selftests_ctx/modified_ctx_cancels
desc: ctx + 4 - 4 is the ctx again
    r1 += 4
    r1 += -4
    r0 = *(u32 *)(r1 + 12)
    r0 = 2
    exit

=== selftests_ctx/variable_offset_ctx
desc: a variable offset added to ctx
    r2 = *(u32 *)(r1 + 16)
    r2 &= 4
    r1 += r2
    r0 = *(u32 *)(r1 + 0)
    r0 = 2
    exit

=== selftests_ctx/negative_ctx_off
desc: ctx - 8 read at +8
    r1 += -8
    r0 = *(u32 *)(r1 + 8)
    r0 = 2
    exit

=== selftests_ctx/modified_ctx_to_helper
type: sched_cls
desc: a modified ctx passed as a helper's ctx argument
    r1 += 8
    call bpf_get_hash_recalc
    r0 = 0
    exit

=== selftests_ctx/ctx_to_helper_ok
type: sched_cls
desc: the ctx as bpf_get_hash_recalc's argument
    call bpf_get_hash_recalc
    r0 = 0
    exit

=== selftests_ctx/scalar_as_ctx_arg
type: sched_cls
desc: a scalar where the helper wants the ctx
    r1 = 0
    call bpf_get_hash_recalc
    r0 = 0
    exit

=== selftests_ctx/stack_as_ctx_arg
type: sched_cls
desc: a stack pointer where the helper wants the ctx
    r1 = r10
    r1 += -8
    call bpf_get_hash_recalc
    r0 = 0
    exit

=== selftests_ctx/atomic_on_ctx
type: sched_cls
desc: an atomic add on skb->mark
    r2 = 1
    lock *(u32 *)(r1 + 8) += r2
    r0 = 0
    exit

=== selftests_ctx/store_ctx_into_ctx
type: sched_cls
desc: the ctx pointer stored into skb->mark
    *(u32 *)(r1 + 8) = r1
    r0 = 0
    exit

=== selftests_ctx/ctx_spill_fill_read
type: sched_cls
desc: ctx spilled, r1 clobbered, ctx filled and read
    *(u64 *)(r10 - 8) = r1
    r1 = 0
    r2 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r2 + 0)
    r0 = 0
    exit

=== selftests_ctx/ctx_spill_u32
type: sched_cls
desc: ctx spilled with a 4-byte store
    *(u32 *)(r10 - 8) = r1
    r0 = 0
    exit

=== selftests_ctx/ctx_null_check
desc: the ctx compared with 0: ctx is no reg_not_null() type, so the NULL branch is walked too
    if r1 == 0 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u64 *)(r5 + 0)
    exit

=== selftests_ctx/ctx_cmp_scalar
desc: the ctx compared with a non-zero constant: both branches live
    if r1 == 4 goto bad
    r0 = 2
    exit
bad:
    r0 = *(u64 *)(r5 + 0)
    exit

=== selftests_ctx/ctx_mul
desc: multiplying the ctx pointer
    r1 *= 2
    r0 = 2
    exit

=== selftests_ctx/ctx_and
desc: masking the ctx pointer
    r1 &= -8
    r0 = 2
    exit

=== selftests_ctx/ctx_sub_ctx
desc: ctx - ctx
    r2 = r1
    r1 -= r2
    r0 = r1
    exit

=== selftests_ctx/ctx_neg
desc: negating the ctx pointer
    r1 = -r1
    r0 = 2
    exit

=== selftests_ctx/ctx_mov32
desc: a 32-bit move of the ctx pointer makes a scalar
    w2 = w1
    r0 = r2
    r0 &= 3
    exit

=== selftests_ctx/ctx_mov32_deref
desc: a 32-bit move of the ctx pointer cannot be dereferenced
    w2 = w1
    r0 = *(u32 *)(r2 + 0)
    exit

=== selftests_ctx/rawtp_ctx_modified
type: raw_tracepoint
desc: a raw tracepoint ctx + 8 read at 0
    r1 += 8
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ctx/syscall_ctx_var_read
type: syscall
flags: sleepable
desc: a syscall program's ctx read at a variable offset
    r2 = *(u32 *)(r1 + 0)
    r2 &= 8
    r1 += r2
    r0 = *(u32 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ctx/syscall_ctx_write
type: syscall
flags: sleepable
desc: a syscall program writes its ctx
    r2 = 5
    *(u64 *)(r1 + 8) = r2
    r0 = 0
    exit

=== selftests_ctx/syscall_ctx_modified_read
type: syscall
flags: sleepable
desc: a syscall program reads ctx + 8 at offset 0
    r1 += 8
    r0 = *(u64 *)(r1 + 0)
    r0 = 0
    exit

=== selftests_ctx/sf_cb_read_u8
type: socket_filter
desc: a byte of skb->cb[1]
    r0 = *(u8 *)(r1 + 53)
    r0 = 0
    exit

=== selftests_ctx/tc_sk_read
type: sched_cls
desc: skb->sk read as a u64 is a sock_common or NULL
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + 4)
out:
    r0 = 0
    exit

=== selftests_ctx/tc_sk_no_null_check
type: sched_cls
desc: skb->sk dereferenced without the NULL check
    r2 = *(u64 *)(r1 + 168)
    r0 = *(u32 *)(r2 + 4)
    r0 = 0
    exit

=== selftests_ctx/tc_flow_keys
type: sched_cls
desc: skb->flow_keys is for flow dissectors only
    r2 = *(u64 *)(r1 + 144)
    r0 = 0
    exit

=== selftests_ctx/tc_tstamp_write
type: sched_cls
desc: a tc classifier writes skb->tstamp
    r2 = 0
    *(u64 *)(r1 + 152) = r2
    r0 = 0
    exit

=== selftests_ctx/sf_tstamp_write
type: socket_filter
desc: a socket filter may not write skb->tstamp
    r2 = 0
    *(u64 *)(r1 + 152) = r2
    r0 = 0
    exit

=== selftests_ctx/tc_wire_len
type: sched_cls
desc: skb->wire_len is readable in tc
    r0 = *(u32 *)(r1 + 160)
    r0 = 0
    exit

=== selftests_ctx/tc_hwtstamp_u32
type: sched_cls
desc: skb->hwtstamp read with 4 bytes
    r0 = *(u32 *)(r1 + 184)
    r0 = 0
    exit
