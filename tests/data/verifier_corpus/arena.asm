# Theme: arenas (BPF_MAP_TYPE_ARENA) as far as this kernel answers them: the addr_space_cast
# instruction (a 64-bit register move with off 1, imm = dst address space << 16 | src address space)
# in programs that have no arena, its field rules, and the 32-bit move's reserved fields; the arena
# kfuncs themselves are refused here ("calling kernel function ... is not allowed", and arenas cannot
# be created: EPERM), so what needs an arena is tested on pybpf alone (tests/verifier/test_arena.py).
# The cast is written raw: .insn 0xbf, dst, src, off, imm.

=== arena/cast_kern_without_arena
desc: a cast from address space 1 to 0 in a program that has no arena
    r1 = 0
    .insn 0xbf, 1, 1, 1, 1
    r0 = 0
    exit

=== arena/cast_user_without_arena
desc: a cast from address space 0 to 1 in a program that has no arena
    r1 = 0
    .insn 0xbf, 1, 1, 1, 65536
    r0 = 0
    exit

=== arena/cast_other_spaces
desc: a cast between address spaces 2 and 0
    r1 = 0
    .insn 0xbf, 1, 1, 1, 2
    r0 = 0
    exit

=== arena/cast_same_space
desc: a cast from address space 1 to 1
    r1 = 0
    .insn 0xbf, 1, 1, 1, 65537
    r0 = 0
    exit

=== arena/cast_uninit_source
desc: a cast of a register never written (no arena: the arena check comes first)
    .insn 0xbf, 1, 2, 1, 1
    r0 = 0
    exit

=== arena/cast_32bit_move
desc: off 1 on a 32-bit register move is a reserved field
    r1 = 0
    .insn 0xbc, 1, 1, 1, 1
    r0 = 0
    exit

=== arena/move_off_one_no_imm
desc: a 64-bit register move with off 1 and imm 0: reserved fields
    r1 = 0
    .insn 0xbf, 1, 1, 1, 0
    r0 = 0
    exit

=== arena/cast_with_array_map
maps: m=array(4,8,1)
desc: a program with an array map but no arena casts
    r1 = map_fd(m) ll
    r2 = 0
    .insn 0xbf, 2, 2, 1, 1
    r0 = 0
    exit

=== arena/alloc_pages_kfunc
type: syscall
flags: sleepable
maps: m=array(4,8,1)
desc: bpf_arena_alloc_pages with an array map (the kernel the corpus is recorded on refuses the kfunc)
    r1 = map_fd(m) ll
    r2 = 0
    r3 = 1
    r4 = -1
    r5 = 0
    call kfunc(bpf_arena_alloc_pages)
    r0 = 0
    exit
