# Theme: maps of maps (the kernel's verifier_map_in_map selftests' subject, written afresh).  An
# ARRAY_OF_MAPS / HASH_OF_MAPS lookup gives the inner map or NULL (map_ptr_or_null): after the NULL
# check it is a map pointer shaped like the outer map's inner template (inner_map_fd), usable as
# the map argument of the helpers that map type takes; only bpf_map_lookup_elem takes the outer
# map itself.  The corpus creates the template (``inner:NAME``) and stores the maps of the
# ``KEY:NAME`` entries in the outer map before the load.

=== selftests_map_in_map/lookup_inner_then_value
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: outer lookup, NULL check, inner lookup, NULL check, read the inner value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_without_null_check
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: the outer lookup's result passed as a map without its NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== selftests_map_in_map/inner_value_without_null_check
maps: tmpl=hash(4,8,4) a=hash(4,8,4) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: the inner hash lookup's value read without its NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/read_outer_value_as_memory
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: the outer lookup's result (a map) read as if it were a value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/write_outer_value
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: a store through the inner map pointer
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 7
    *(u32 *)(r0 + 0) = r1
out:
    r0 = 2
    exit

=== selftests_map_in_map/arith_on_inner_or_null
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: pointer arithmetic on map_ptr_or_null
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    r0 += 8
    r0 = 2
    exit

=== selftests_map_in_map/arith_on_inner
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: pointer arithmetic on the inner map after the NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 += 8
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_value_write_in_bounds
maps: tmpl=array(4,16,1) a=array(4,16,1) outer=array_of_maps(4,4,1,inner:tmpl,0:a)
desc: the last 4 bytes of a 16-byte inner value written
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u32 *)(r0 + 12) = r1
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_value_write_past_end
maps: tmpl=array(4,16,1) a=array(4,16,1) outer=array_of_maps(4,4,1,inner:tmpl,0:a)
desc: one byte past a 16-byte inner value written (the template's value size bounds it)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    *(u32 *)(r0 + 13) = r1
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_value_var_offset_masked
maps: tmpl=array(4,16,1) a=array(4,16,1) outer=array_of_maps(4,4,1,inner:tmpl,0:a)
desc: an inner value read at a variable offset masked to 0..8
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 &= 8
    r0 += r6
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_value_var_offset_too_wide
maps: tmpl=array(4,16,1) a=array(4,16,1) outer=array_of_maps(4,4,1,inner:tmpl,0:a)
desc: an inner value read at a variable offset up to 12, 8 bytes wide
    r6 = *(u32 *)(r1 + 16)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 &= 12
    r0 += r6
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/update_outer_from_program
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: bpf_map_update_elem on an array of maps
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -8
    r4 = 0
    r1 = map_fd(outer) ll
    call bpf_map_update_elem
    r0 = 2
    exit

=== selftests_map_in_map/delete_hash_of_maps_from_program
maps: tmpl=hash(4,8,4) a=hash(4,8,4) outer=hash_of_maps(4,4,2,inner:tmpl,5:a)
desc: bpf_map_delete_elem on a hash of maps
    r1 = 5
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_delete_elem
    r0 = 2
    exit

=== selftests_map_in_map/update_inner_array
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: bpf_map_update_elem on the inner array map
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/update_inner_value_too_short
maps: tmpl=array(4,16,1) a=array(4,16,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: bpf_map_update_elem on the inner map, its 16-byte value half written (root may read the rest)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/delete_inner_hash
maps: tmpl=hash(4,8,4) a=hash(4,8,4) outer=hash_of_maps(4,4,2,inner:tmpl,5:a)
desc: a hash of maps: bpf_map_delete_elem on its inner hash
    r1 = 5
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/hash_of_maps_key_8
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=hash_of_maps(8,4,2,inner:tmpl,3:a)
desc: a hash of maps with 8-byte keys looked up with an 8-byte key
    r1 = 3
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r10 - 12) = r1
    r1 = r0
    r2 = r10
    r2 += -12
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/hash_of_maps_key_uninit
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=hash_of_maps(8,4,2,inner:tmpl,3:a)
desc: a hash of maps with 8-byte keys looked up with 4 bytes written (root may read the rest)
    r1 = 3
    *(u32 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== selftests_map_in_map/inner_key_too_short
maps: tmpl=hash(8,8,4) a=hash(8,8,4) outer=array_of_maps(4,4,1,inner:tmpl,0:a)
desc: the inner hash (8-byte keys) looked up with a 4-byte key at the top of the stack
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_map_flag_other_size
maps: tmpl=array(4,8,1,inner_map) a=array(4,8,16,inner_map) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: BPF_F_INNER_MAP on the template: an inner array of 16 entries, looked up with key 9
    r1 = 9
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_map_flag_const_key_no_null_check
maps: tmpl=array(4,8,4,inner_map) a=array(4,8,4,inner_map) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: BPF_F_INNER_MAP template: the inner value of constant key 0 read without a NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_array_const_key_no_null_check
maps: tmpl=array(4,8,4) a=array(4,8,4) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: plain array template: the inner value of constant key 0 read without a NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/outer_const_key_no_null_check
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: the outer array of maps looked up with constant key 0, its result used without a NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    r0 = 2
    exit

=== selftests_map_in_map/inner_spilled_and_filled
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: the inner map pointer spilled to the stack, filled and used
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r10 - 16) = r0
    r0 = 0
    r1 = *(u64 *)(r10 - 16)
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_or_null_spilled_checked_after_fill
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: map_ptr_or_null spilled, filled, then NULL-checked and used
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    *(u64 *)(r10 - 16) = r0
    r1 = *(u64 *)(r10 - 16)
    if r1 == 0 goto out
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/two_lookups_wrong_check
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: two outer lookups: the first NULL-checked, the second used
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r6 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_returned
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: the inner map pointer returned from the program
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    exit
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_stored_in_value
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a) v=array(4,8,1)
desc: the inner map pointer stored into another map's value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r2 = r10
    r2 += -4
    r1 = map_fd(v) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 2
    exit

=== selftests_map_in_map/outer_map_value_lddw
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: a direct value address (BPF_PSEUDO_MAP_VALUE) of an array of maps
    r1 = map_value(outer, 0) ll
    r0 = 2
    exit

=== selftests_map_in_map/inner_map_direct
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: a map that is also an inner map, referenced directly and looked up
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u64 *)(r0 + 0)
out:
    r0 = 2
    exit

=== selftests_map_in_map/for_each_on_outer
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
btf: func_info
desc: bpf_for_each_map_elem over an array of maps
    r1 = map_fd(outer) ll
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
    r0 = 2
    exit
cb:
    r0 = 0
    exit

=== selftests_map_in_map/for_each_on_inner
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
btf: func_info
desc: bpf_for_each_map_elem over the inner array
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = func(cb) ll
    r3 = 0
    r4 = 0
    call bpf_for_each_map_elem
out:
    r0 = 2
    exit
cb:
    r0 = 0
    exit

=== selftests_map_in_map/inner_ringbuf_reserve
maps: tmpl=ringbuf(0,0,4096) rb=ringbuf(0,0,4096) outer=array_of_maps(4,4,1,inner:tmpl,0:rb)
desc: a ring buffer as the inner map: reserve and submit through it
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
    if r0 == 0 goto out
    r1 = r0
    r2 = 0
    call bpf_ringbuf_submit
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_ringbuf_reserve_too_big
maps: tmpl=ringbuf(0,0,4096) rb=ringbuf(0,0,4096) outer=array_of_maps(4,4,1,inner:tmpl,0:rb)
desc: a ring buffer as the inner map: a reserved record leaked at exit
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = 8
    r3 = 0
    call bpf_ringbuf_reserve
out:
    r0 = 2
    exit

=== selftests_map_in_map/socket_filter_inner_lookup
type: socket_filter
maps: tmpl=percpu_array(4,8,1) a=percpu_array(4,8,1) outer=array_of_maps(4,4,1,inner:tmpl,0:a)
desc: a socket filter reads a per-CPU inner array's value
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r0 = *(u32 *)(r0 + 4)
out:
    r0 = 0
    exit

=== selftests_map_in_map/outer_passed_as_inner_shape
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: the outer map itself passed to bpf_map_update_elem as if it were the inner array
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    *(u64 *)(r10 - 16) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    r1 = map_fd(outer) ll
    call bpf_map_update_elem
    r0 = 2
    exit

=== selftests_map_in_map/inner_compared_with_pointer
maps: tmpl=array(4,8,1) a=array(4,8,1) outer=array_of_maps(4,4,2,inner:tmpl,0:a)
desc: map_ptr_or_null compared with 1 rather than 0 and then used
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(outer) ll
    call bpf_map_lookup_elem
    if r0 == 1 goto out
    r1 = r0
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
out:
    r0 = 2
    exit

=== selftests_map_in_map/inner_map_flag_direct_const_key
maps: a=array(4,8,4,inner_map)
desc: an array created with BPF_F_INNER_MAP used directly: its constant-key value read without a NULL check
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(a) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    r0 = 2
    exit
