# Theme: packet dynptrs (kfuncs bpf_dynptr_from_skb / bpf_dynptr_from_xdp) and their slices
# (bpf_dynptr_slice / bpf_dynptr_slice_rdwr), on the themes of the skb and xdp parts of the kernel's
# selftests dynptr_success.c and dynptr_fail.c (written afresh): which program types may make
# them, the constant slice size and the nullable buffer, read-only slices and read-only skbs,
# slices invalidated by helpers that change packet data, the helpers bpf_dynptr_read/write/data
# and the kfuncs bpf_dynptr_adjust/size/is_null/is_rdonly/clone on packet dynptrs; a ring-buffer
# record's slice goes with the record.

=== dynptr_pkt/xdp_slice_buffer
type: xdp
desc: an xdp dynptr sliced through a stack buffer; the slice read after its NULL check
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 8
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 7)
    r0 &= 1
    r0 += 1
    exit
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_null_buffer
type: xdp
desc: no buffer (NULL): the slice is the packet or nothing
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 12
    r3 = 0
    r4 = 2
    call kfunc(bpf_dynptr_slice)
    r1 = 2
    if r0 == 0 goto out
    r1 = *(u16 *)(r0 + 0)
out:
    r0 = r1
    r0 &= 3
    exit

=== dynptr_pkt/xdp_slice_no_null_check
type: xdp
desc: refused: the slice may be NULL
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    r0 = *(u32 *)(r0 + 0)
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_past_end
type: xdp
desc: refused: a read one byte past the slice's constant size
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 4)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_write_rdonly
type: xdp
desc: refused: bpf_dynptr_slice gives read-only memory
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r1 = 0
    *(u8 *)(r0 + 0) = r1
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_rdwr_write
type: xdp
desc: bpf_dynptr_slice_rdwr: the slice may be written
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 6
    call kfunc(bpf_dynptr_slice_rdwr)
    if r0 == 0 goto out
    r1 = 0xff
    *(u8 *)(r0 + 5) = r1
    r1 = *(u16 *)(r0 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_size_not_const
type: xdp
desc: refused: the slice's size must be a known constant
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    call bpf_get_prandom_u32
    r4 = r0
    r4 &= 7
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    call kfunc(bpf_dynptr_slice)
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_size_not_const_null
type: xdp
desc: refused: without a buffer too, the size must be a known constant
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    call bpf_get_prandom_u32
    r4 = r0
    r4 &= 7
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    call kfunc(bpf_dynptr_slice)
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_buffer_too_small
type: xdp
desc: refused: the buffer is 8 bytes of stack, the size 16
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 32
    call kfunc(bpf_dynptr_slice)
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_buffer_scalar
type: xdp
desc: refused: the buffer is a non-NULL scalar
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 8
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_uninit
type: xdp
desc: refused: a slice of stack that holds no dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    r0 = 2
    exit

=== dynptr_pkt/xdp_from_skb
type: xdp
desc: refused: bpf_dynptr_from_skb is not in XDP's kfunc set
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 2
    exit

=== dynptr_pkt/tc_from_xdp
type: sched_cls
desc: refused: bpf_dynptr_from_xdp is not in TC's kfunc set
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 0
    exit

=== dynptr_pkt/tracepoint_from_skb
type: raw_tracepoint
desc: refused: no skb kfuncs for raw tracepoints
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 0
    exit

=== dynptr_pkt/xdp_from_xdp_not_ctx
type: xdp
desc: refused: the first argument must be the context
    r1 = r10
    r1 += -32
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 2
    exit

=== dynptr_pkt/tc_from_skb_modified_ctx
type: sched_cls
desc: refused: the context pointer moved
    r1 += 4
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 0
    exit

=== dynptr_pkt/tc_from_skb_null_ctx
type: sched_cls
desc: refused: NULL for the context
    r1 = 0
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r0 = 0
    exit

=== dynptr_pkt/xdp_dynptr_unaligned
type: xdp
desc: refused: the dynptr is not 8-byte aligned on the stack
    r2 = 0
    r3 = r10
    r3 += -20
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 2
    exit

=== dynptr_pkt/xdp_dynptr_var_off
type: xdp
desc: refused: the dynptr at a variable stack offset
    r6 = r1
    call bpf_get_prandom_u32
    r0 &= 8
    r3 = r10
    r3 += -32
    r3 += r0
    r1 = r6
    r2 = 0
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 2
    exit

=== dynptr_pkt/tc_slice_read
type: sched_cls
desc: an skb dynptr sliced (the Ethernet header) and read
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -32
    r4 = 14
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u16 *)(r0 + 12)
    r0 &= 1
    exit
out:
    r0 = 0
    exit

=== dynptr_pkt/tc_slice_rdwr
type: sched_cls
desc: a writable slice of a TC program's skb
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 6
    call kfunc(bpf_dynptr_slice_rdwr)
    if r0 == 0 goto out
    r1 = 0x42
    *(u8 *)(r0 + 0) = r1
out:
    r0 = 0
    exit

=== dynptr_pkt/sf_slice_read
type: socket_filter
desc: a socket filter's skb dynptr, read through a slice
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 1
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 0)
    exit
out:
    r0 = 0
    exit

=== dynptr_pkt/sf_slice_rdwr
type: socket_filter
desc: refused: a socket filter may not write the packet
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 1
    call kfunc(bpf_dynptr_slice_rdwr)
    r0 = 0
    exit

=== dynptr_pkt/tc_slice_after_pull_data
type: sched_cls
desc: refused: bpf_skb_pull_data invalidates the slice
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = 0
    call bpf_skb_pull_data
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit

=== dynptr_pkt/tc_slice_after_dynptr_write
type: sched_cls
desc: refused: bpf_dynptr_write to an skb dynptr invalidates its slices
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r7 = r0
    r1 = 0
    *(u32 *)(r10 - 32) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -32
    r4 = 4
    r5 = 0
    call bpf_dynptr_write
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 0
    exit

=== dynptr_pkt/xdp_slice_after_dynptr_write
type: xdp
desc: bpf_dynptr_write to an xdp dynptr leaves its slices valid
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r7 = r0
    r1 = 0
    *(u32 *)(r10 - 32) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -32
    r4 = 4
    r5 = 0
    call bpf_dynptr_write
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_after_adjust_head
type: xdp
desc: refused: bpf_xdp_adjust_head invalidates the slice
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r7 = r0
    r1 = r6
    r2 = 0
    call bpf_xdp_adjust_head
    r0 = *(u8 *)(r7 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_after_overwrite
type: xdp
desc: a store over the dynptr does not invalidate a packet slice (Linux 6.18 matches only plain PTR_TO_MEM slices)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    r0 = *(u8 *)(r0 + 3)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_use_after_overwrite
type: xdp
desc: refused: the dynptr was overwritten before the slice call
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    r0 = 2
    exit

=== dynptr_pkt/xdp_read_dynptr_bytes
type: xdp
desc: refused: the dynptr's bytes are not data
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r0 = *(u64 *)(r10 - 16)
    r0 = 2
    exit

=== dynptr_pkt/xdp_dynptr_read
type: xdp
desc: bpf_dynptr_read of an xdp dynptr into the stack
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -32
    r2 = 8
    r3 = r10
    r3 += -16
    r4 = 6
    r5 = 0
    call bpf_dynptr_read
    r0 = *(u64 *)(r10 - 32)
    r0 = 2
    exit

=== dynptr_pkt/tc_dynptr_read_too_big
type: sched_cls
desc: refused: bpf_dynptr_read into 8 bytes of stack, 16 asked
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -24
    r2 = 16
    r3 = r10
    r3 += -16
    r4 = 0
    r5 = 0
    call bpf_dynptr_read
    r0 = 0
    exit

=== dynptr_pkt/xdp_dynptr_data
type: xdp
desc: bpf_dynptr_data of an xdp dynptr is allowed (at run time it is NULL)
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 4
    call bpf_dynptr_data
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_adjust_size
type: xdp
desc: bpf_dynptr_adjust, bpf_dynptr_size, bpf_dynptr_is_null, bpf_dynptr_is_rdonly on an xdp dynptr
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 2
    r3 = 10
    call kfunc(bpf_dynptr_adjust)
    r1 = r10
    r1 += -16
    call kfunc(bpf_dynptr_size)
    r6 = r0
    r1 = r10
    r1 += -16
    call kfunc(bpf_dynptr_is_null)
    r6 += r0
    r1 = r10
    r1 += -16
    call kfunc(bpf_dynptr_is_rdonly)
    r6 += r0
    r0 = r6
    r0 &= 3
    exit

=== dynptr_pkt/xdp_adjust_uninit
type: xdp
desc: refused: bpf_dynptr_adjust of no dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 4
    call kfunc(bpf_dynptr_adjust)
    r0 = 2
    exit

=== dynptr_pkt/xdp_clone_slice
type: xdp
desc: a clone of an xdp dynptr, sliced
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    call kfunc(bpf_dynptr_clone)
    r1 = r10
    r1 += -32
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_clone_uninit
type: xdp
desc: refused: a clone of no dynptr
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -32
    call kfunc(bpf_dynptr_clone)
    r0 = 2
    exit

=== dynptr_pkt/xdp_clone_onto_itself
type: xdp
desc: refused? a clone whose destination is the source's own slots
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = r10
    r2 += -16
    call kfunc(bpf_dynptr_clone)
    r0 = 2
    exit

=== dynptr_pkt/xdp_recreate
type: xdp
desc: an xdp dynptr made twice in the same slots (an unreferenced dynptr may be overwritten)
    r6 = r1
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_arith
type: xdp
desc: a slice moved forward by a constant stays within its size
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 8
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 += 4
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_var_offset
type: xdp
desc: the offset into the dynptr may be any scalar (checked at run time)
    r6 = r1
    call bpf_get_prandom_u32
    r7 = r0
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = r7
    r3 = r10
    r3 += -24
    r4 = 2
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u16 *)(r0 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_zero_size
type: xdp
desc: refused? a slice of size zero read
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 0
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 0)
out:
    r0 = 2
    exit

=== dynptr_pkt/xdp_dynptr_size_const_ptr_null
type: xdp
desc: refused: NULL for bpf_dynptr_size's dynptr
    r1 = 0
    call kfunc(bpf_dynptr_size)
    r0 = 2
    exit

=== dynptr_pkt/tc_slice_leak_to_map
type: sched_cls
maps: m=array(4,8,1)
desc: refused? a slice pointer stored into a map value
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 4
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r6 = r0
    r1 = 0
    *(u32 *)(r10 - 20) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -20
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 0
    exit

=== dynptr_pkt/sched_act_slice
type: sched_act
desc: a TC action's skb dynptr, written through bpf_dynptr_write with flags
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = 0
    *(u64 *)(r10 - 24) = r1
    r1 = r10
    r1 += -16
    r2 = 2
    r3 = r10
    r3 += -24
    r4 = 2
    r5 = 1
    call bpf_dynptr_write
    r0 = 0
    exit

=== dynptr_pkt/xdp_flags_scalar
type: xdp
desc: bpf_dynptr_from_xdp's flags may be any scalar (non-zero is -EINVAL at run time)
    r6 = r1
    call bpf_get_prandom_u32
    r2 = r0
    r1 = r6
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 2
    exit

=== dynptr_pkt/xdp_flags_pointer
type: xdp
desc: refused: bpf_dynptr_from_xdp's flags must be a scalar
    r2 = r10
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r0 = 2
    exit

=== dynptr_pkt/xdp_slice_as_write_source
type: xdp
desc: a slice is memory a helper may read: the source of bpf_dynptr_write
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_xdp)
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = r10
    r3 += -24
    r4 = 8
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r1 = r10
    r1 += -16
    r2 = 8
    r3 = r0
    r4 = 4
    r5 = 0
    call bpf_dynptr_write
out:
    r0 = 2
    exit

=== dynptr_pkt/tc_slice_csum_diff
type: sched_cls
desc: an skb slice summed by bpf_csum_diff
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 14
    r3 = r10
    r3 += -40
    r4 = 20
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r1 = r0
    r2 = 20
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
out:
    r0 = 0
    exit

=== dynptr_pkt/tc_slice_csum_diff_too_long
type: sched_cls
desc: refused: bpf_csum_diff over more bytes than the slice has
    r2 = 0
    r3 = r10
    r3 += -16
    call kfunc(bpf_dynptr_from_skb)
    r1 = r10
    r1 += -16
    r2 = 14
    r3 = r10
    r3 += -40
    r4 = 20
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r1 = r0
    r2 = 24
    r3 = 0
    r4 = 0
    r5 = 0
    call bpf_csum_diff
out:
    r0 = 0
    exit

=== dynptr_pkt/rb_slice_read
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: bpf_dynptr_slice of a ring-buffer dynptr, read before the record is discarded
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 8
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r0 = *(u8 *)(r0 + 7)
out:
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_discard_dynptr
    r0 = 0
    exit

=== dynptr_pkt/rb_slice_after_submit
type: sched_cls
maps: rb=ringbuf(0,0,4096)
desc: refused: the slice carries the record's reference, released by the submit
    r1 = map_fd(rb) ll
    r2 = 8
    r3 = 0
    r4 = r10
    r4 += -16
    call bpf_ringbuf_reserve_dynptr
    r1 = r10
    r1 += -16
    r2 = 0
    r3 = 0
    r4 = 8
    call kfunc(bpf_dynptr_slice)
    if r0 == 0 goto out
    r6 = r0
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_submit_dynptr
    r0 = *(u8 *)(r6 + 0)
    r0 = 0
    exit
out:
    r1 = r10
    r1 += -16
    r2 = 0
    call bpf_ringbuf_discard_dynptr
    r0 = 0
    exit
