"""The verifier's structural decisions against the kernel's: same errno, same log lines.

Every case carries the kernel's answer (errno and the reason's log line), release by release where
Linux changed it (``since``: the release that introduced each later answer, see
``tests.kernel_releases``).  pybpf is checked against the answer of the release it models
(``pybpf.KERNEL_VERSION``) always; where bpf(2) works the same program is loaded into the running
kernel with BPF_PROG_LOAD at log level 1, which must give the answer recorded for its release, and
where that is pybpf's answer too, the errno must be equal and every line of pybpf's log must be a
line of the kernel's log.
"""

from __future__ import annotations

import errno
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from pybpf.isa import opcodes as op
from pybpf.isa.instruction import Instruction, encode_program
from pybpf.kernel_version import KernelVersion
from pybpf.verifier import VerifierError, verify
from tests.kernel_releases import RUNNING_RELEASE, ByRelease, Since
from tests.verifier.conftest import kernel_allowed_helpers
from tests.verifier.kernel_load import kernel_load
from tests.verifier.stubs import ENOTSUPP, SOCKET_FILTER, XDP, FakeMap, make_request

Maps = dict[str, tuple[int, FakeMap]]
_DEVNULL = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
_NOFILE = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
_CLOSED_FD = _NOFILE if 0 < _NOFILE < 2**30 else 2**30
"""An fd no process can have open (at or above the hard limit of open files): a long test process may
hold any lower number."""


def I(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> Instruction:  # noqa: E743
    return Instruction(code, dst, src, off, imm)


def LDDW(dst: int, src: int, imm: int, imm_hi: int = 0) -> Instruction:
    return Instruction(0x18, dst, src, 0, imm, imm_hi)


EXIT = I(0x95)
MOV0 = I(0xB7)


@dataclass(frozen=True)
class Answer:
    err: int  # the kernel's errno, 0 when it accepts
    line: str = ""  # the kernel's reason (last message line)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Maps], list[Instruction]]
    err: int  # the answer of Linux 6.0 (of every 6.x release when ``since`` is empty)
    line: str = ""
    prog_type: int = SOCKET_FILTER
    gpl: bool = True
    fd_array: tuple[str, ...] | None = None
    exact_count: bool = True  # False: the kernel walks a loop several times, pybpf's walk once
    since: tuple[Since[Answer], ...] = ()  # later releases' answers, keyed by the release that changed it

    @property
    def answers(self) -> ByRelease[Answer]:
        return ByRelease(Answer(self.err, self.line), self.since)


def since(major: int, minor: int, err: int, line: str = "", *also: Answer) -> Since[Answer]:
    """From Linux ``major.minor`` on the kernel answers ``err`` / ``line`` (some builds: ``also``)."""
    return Since(KernelVersion(major, minor), Answer(err, line), also)


def prog(*insns: Instruction) -> Callable[[Maps], list[Instruction]]:
    return lambda _maps: list(insns)


def fd(name: str, maps: Maps) -> int:
    return maps[name][0] if name in maps else 3


EINVAL, EACCES = errno.EINVAL, errno.EACCES

# Release history of the answers below, from kernel/bpf/verifier.c and kernel/bpf/core.c:
# * 6.6 (cpu v4): sdiv/smod (off 1), gotol (BPF_JMP32 | BPF_JA); before, reserved fields / unknown opcode.
# * 6.9: may_goto (BPF_JMP | BPF_JCOND, "unknown opcode e5" before) and addr_space_cast (arena;
#   before, an off of 1 on BPF_MOV is a reserved field).
# * 6.15: load-acquire / store-release (BPF_ATOMIC imm 0x100 / 0x110: "invalid atomic opcode" before)
#   and 8/16-bit BPF_ATOMIC opcodes (0xd3, 0xcb: "unknown opcode" before); check_atomic_load() runs
#   check_load_mem() before atomic_ptr_type_ok() (commit c03bb2fa327e, in 6.15).
# * 6.18 (6.18.44 as built for this project's CI): a load-acquire from ctx is refused before the
#   access is looked at; the 6.18.44 build this suite was first recorded on (pybpf.uapi's) still
#   answered as 6.15-6.17, hence ``also``.

CASES = [
    # check_subprogs / add_subprog_and_kfunc
    Case("last_not_exit", prog(MOV0), EINVAL, "last insn is not an exit or jmp"),
    Case("lddw_last", prog(MOV0, EXIT, LDDW(0, 0, 1)), EINVAL, "last insn is not an exit or jmp"),
    Case("jump_out_of_range", prog(MOV0, I(0x05, off=5), EXIT), EINVAL, "jump out of range from insn 1 to 7"),
    Case("jump_backwards_out", prog(I(0x05, off=-3), EXIT), EINVAL, "jump out of range from insn 0 to -2"),
    Case("call_bad_target", prog(I(0x85, src=1, imm=50), EXIT), EINVAL, "call to invalid destination"),
    Case("func_bad_target", prog(MOV0, LDDW(1, 4, 50), EXIT), EINVAL, "call to invalid destination"),
    Case("kfunc", prog(I(0x85, src=2, imm=1), EXIT), EINVAL, "kernel btf_id 1 is not a function"),
    Case(
        "subprog_jump_out",
        prog(I(0x85, src=1, imm=1), EXIT, I(0x05, off=-3), EXIT),
        EINVAL,
        "jump out of range from insn 2 to 0",
    ),
    Case(
        "subprog_fallthrough",
        prog(I(0x85, src=1, imm=1), MOV0, MOV0, EXIT),
        EINVAL,
        "last insn is not an exit or jmp",
    ),
    Case(
        "ld_abs_in_subprog",
        prog(I(0xBF, 6, 1), I(0x85, src=1, imm=1), EXIT, I(0x30), EXIT),
        EINVAL,
        "LD_ABS is not allowed in subprogs without BTF",
    ),
    Case(
        "tail_call_in_subprog",
        prog(I(0x85, src=1, imm=1), EXIT, I(0xBF, 6, 1), I(0x85, imm=12), MOV0, EXIT),
        EINVAL,
        "tail_call is not allowed in subprogs without BTF",
    ),
    Case(
        "ld_abs_main_with_subprog", prog(I(0xBF, 6, 1), I(0x85, src=1, imm=2), I(0x30), EXIT, MOV0, EXIT), 0
    ),
    Case(
        "recursion",
        prog(MOV0, I(0x85, src=1, imm=-2), EXIT),
        errno.E2BIG,
        "the call stack of 9 frames is too deep",
    ),
    Case(
        "call_chain_9",
        prog(*[I(0x85, src=1, imm=1), EXIT] * 9, MOV0, EXIT),
        errno.E2BIG,
        "the call stack of 9 frames is too deep",
    ),
    Case("call_chain_8", prog(*[I(0x85, src=1, imm=1), EXIT] * 7, MOV0, EXIT), 0),
    # check_and_resolve_insns
    Case("ldx_reserved_imm", prog(MOV0, I(0x61, 0, 1, 0, 5), EXIT), EINVAL, "BPF_LDX uses reserved fields"),
    Case("ldx_mode_abs", prog(MOV0, I(0x21, 0, 1), EXIT), EINVAL, "BPF_LDX uses reserved fields"),
    Case("opcode_00", prog(MOV0, I(0x00), EXIT), EINVAL, "unknown opcode 00"),
    Case("callx", prog(I(0x8D, 1), EXIT), EINVAL, "unknown opcode 8d"),
    Case("ldxdw_memsx", prog(I(0x99, 0, 10, -8), EXIT), EINVAL, "unknown opcode 99"),
    Case("lddw_src7", prog(MOV0, LDDW(1, 7, 1), EXIT), EINVAL, "unrecognized bpf_ld_imm64 insn"),
    Case(
        "lddw_btf_id",
        prog(MOV0, LDDW(1, 3, 1), EXIT),
        EINVAL,
        "pseudo btf_id 1 in ldimm64 isn't KIND_VAR or KIND_FUNC",
    ),
    Case(
        "map_fd_closed",
        prog(MOV0, LDDW(1, 1, _CLOSED_FD), EXIT),
        errno.EBADF,
        f"fd {_CLOSED_FD} is not pointing to valid bpf_map",
    ),
    Case(
        "map_fd_not_map",
        prog(MOV0, LDDW(1, 1, _DEVNULL), EXIT),
        EINVAL,
        f"fd {_DEVNULL} is not pointing to valid bpf_map",
    ),
    Case(
        "map_fd_imm_hi",
        lambda m: [MOV0, LDDW(1, 1, fd("array", m), 1), EXIT],
        EINVAL,
        "unrecognized bpf_ld_imm64 insn",
    ),
    Case(
        "map_idx_no_fd_array",
        prog(MOV0, LDDW(1, 5, 0), EXIT),
        errno.EPROTO,
        "fd_idx without fd_array is invalid",
    ),
    Case("map_idx_ok", prog(LDDW(1, 5, 0), MOV0, EXIT), 0, fd_array=("hash",)),
    Case("map_idx_value_ok", prog(LDDW(1, 6, 0, 4), MOV0, EXIT), 0, fd_array=("array",)),
    Case("map_fd_ok", lambda m: [LDDW(1, 1, fd("hash", m)), MOV0, EXIT], 0),
    Case(
        "map_value_hash",
        lambda m: [LDDW(1, 2, fd("hash", m)), MOV0, EXIT],
        EINVAL,
        "no direct value access support for this map type",
    ),
    Case(
        "map_value_past_end",
        lambda m: [LDDW(1, 2, fd("array", m), 100), MOV0, EXIT],
        EINVAL,
        "invalid access to map value pointer, value_size=8 off=100",
    ),
    Case(
        "map_value_big_array",
        lambda m: [LDDW(1, 2, fd("array4", m), 0), MOV0, EXIT],
        ENOTSUPP,
        "invalid access to map value pointer, value_size=8 off=0",
    ),
    Case(
        "map_value_huge_off",
        lambda m: [LDDW(1, 2, fd("array", m), 1 << 29), MOV0, EXIT],
        EINVAL,
        f"direct value offset of {1 << 29} is not allowed",
    ),
    # check_cfg
    Case("unreachable", prog(MOV0, EXIT, MOV0, EXIT), EINVAL, "unreachable insn 2"),
    Case(
        "jump_into_lddw",
        prog(MOV0, I(0x15, off=1), LDDW(0, 0, 1), EXIT),
        EINVAL,
        "jump into the middle of ldimm64 insn 2",
    ),
    Case("self_loop_unreachable", prog(MOV0, I(0x05, off=-1), EXIT), EINVAL, "unreachable insn 2"),
    Case("bounded_loop", prog(MOV0, I(0x07, imm=1), I(0x55, off=-2, imm=10), EXIT), 0),
    # do_check: reserved fields, registers
    Case("mov_reserved_src", prog(I(0xB7, 0, 1), EXIT), EINVAL, "BPF_MOV uses reserved fields"),
    Case("alu_reserved_off", prog(MOV0, I(0x07, off=1), EXIT), EINVAL, "BPF_ALU uses reserved fields"),
    Case(
        "alu_reserved_off_neg",
        prog(MOV0, I(0x07, off=-1, imm=2), EXIT),
        EINVAL,
        "BPF_ALU uses reserved fields",
    ),
    Case(
        "sdiv_k_ok",
        prog(MOV0, I(0x37, off=1, imm=2), EXIT),
        EINVAL,
        "BPF_ALU uses reserved fields",
        since=(since(6, 6, 0),),
    ),
    Case("neg_reserved", prog(MOV0, I(0x87, imm=1), EXIT), EINVAL, "BPF_NEG uses reserved fields"),
    Case("end_reserved", prog(MOV0, I(0xD4, imm=17), EXIT), EINVAL, "BPF_END uses reserved fields"),
    Case("movsx_bad_off", prog(MOV0, I(0xBF, 0, 1, 7), EXIT), EINVAL, "BPF_MOV uses reserved fields"),
    Case(
        "addr_space_cast",
        prog(MOV0, I(0xBF, 0, 1, 1, 1), EXIT),
        EINVAL,
        "BPF_MOV uses reserved fields",
        since=(
            since(
                6,
                9,
                EINVAL,
                "addr_space_cast insn can only be used in a program that has an associated arena",
            ),
        ),
    ),
    Case(
        "addr_space_cast_imm",
        prog(MOV0, I(0xBF, 0, 1, 1, 5), EXIT),
        EINVAL,
        "BPF_MOV uses reserved fields",
        since=(since(6, 9, EINVAL, "addr_space_cast insn can only convert between address space 1 and 0"),),
    ),
    Case("div_by_zero", prog(MOV0, I(0x37), EXIT), EINVAL, "div by zero"),
    Case("mod32_by_zero", prog(MOV0, I(0x94), EXIT), EINVAL, "div by zero"),
    Case(
        "sdiv_by_zero",
        prog(MOV0, I(0x37, off=1), EXIT),
        EINVAL,
        "BPF_ALU uses reserved fields",
        since=(since(6, 6, EINVAL, "div by zero"),),
    ),
    Case("shift_64", prog(MOV0, I(0x67, imm=64), EXIT), EINVAL, "invalid shift 64"),
    Case("shift32_32", prog(MOV0, I(0x64, imm=32), EXIT), EINVAL, "invalid shift 32"),
    Case("shift_negative", prog(MOV0, I(0x67, imm=-1), EXIT), EINVAL, "invalid shift -1"),
    Case("fp_write", prog(I(0xB7, 10), MOV0, EXIT), EACCES, "frame pointer is read only"),
    Case("fp_mov_self", prog(MOV0, I(0xBF, 10, 10), EXIT), EACCES, "frame pointer is read only"),
    Case("fp_end", prog(MOV0, I(0xD4, 10, imm=16), EXIT), EACCES, "frame pointer is read only"),
    Case("fp_ldx", prog(I(0x79, 10, 1), MOV0, EXIT), EACCES, "frame pointer is read only"),
    Case("fp_lddw", prog(LDDW(10, 0, 1), MOV0, EXIT), EACCES, "frame pointer is read only"),
    Case("r11_dst", prog(I(0xB7, 11), MOV0, EXIT), EINVAL, "R11 is invalid"),
    Case("r11_src", prog(MOV0, I(0xBF, 0, 11), EXIT), EINVAL, "R11 is invalid"),
    Case("jmp_regs_dst_first", prog(MOV0, I(0x1D, 12, 11), EXIT), EINVAL, "R12 is invalid"),
    Case("stx_regs_src_first", prog(MOV0, I(0x7B, 12, 11), EXIT), EINVAL, "R11 is invalid"),
    Case("ldx_regs_src_first", prog(MOV0, I(0x79, 12, 11), EXIT), EINVAL, "R11 is invalid"),
    Case("st_reserved", prog(MOV0, I(0x62, 10, 1, -8), EXIT), EINVAL, "BPF_ST uses reserved fields"),
    Case("stx_reserved", prog(MOV0, I(0x63, 10, 1, -8, 1), EXIT), EINVAL, "BPF_STX uses reserved fields"),
    Case("exit_reserved", prog(MOV0, I(0x95, imm=1)), EINVAL, "BPF_EXIT uses reserved fields"),
    Case("exit_off_ok", prog(MOV0, I(0x95, off=3)), 0),
    Case("jmp_reserved", prog(MOV0, I(0x15, 0, 1), EXIT), EINVAL, "BPF_JMP/JMP32 uses reserved fields"),
    Case("ja_reserved", prog(MOV0, I(0x05, imm=1), EXIT), EINVAL, "BPF_JA uses reserved fields"),
    Case(
        "gotol_reserved",
        prog(MOV0, I(0x06, off=1), EXIT),
        EINVAL,
        "unknown opcode 06",
        since=(since(6, 6, EINVAL, "BPF_JA uses reserved fields"),),
    ),
    Case(
        "may_goto_imm",
        prog(MOV0, I(0xE5, imm=1), EXIT),
        EINVAL,
        "unknown opcode e5",
        since=(since(6, 9, EINVAL, "invalid may_goto imm 1"),),
    ),
    Case(
        "may_goto_dst",
        prog(MOV0, I(0xE5, 1), EXIT),
        EINVAL,
        "unknown opcode e5",
        since=(since(6, 9, EINVAL, "invalid may_goto imm 0"),),
    ),
    Case(
        "jcond_src",
        prog(MOV0, I(0xE5, 0, 1), EXIT),
        EINVAL,
        "unknown opcode e5",
        since=(since(6, 9, EINVAL, "invalid may_goto imm 0"),),
    ),
    Case("call_src3", prog(I(0x85, src=3, imm=1), EXIT), EINVAL, "BPF_CALL uses reserved fields"),
    Case("call_off", prog(I(0x85, off=1, imm=1), EXIT), EINVAL, "BPF_CALL uses reserved fields"),
    Case("lddw_off", prog(Instruction(0x18, 0, 0, 3, 1), EXIT), EINVAL, "BPF_LD_IMM64 uses reserved fields"),
    Case("lddw_func_no_btf", prog(MOV0, LDDW(2, 4, 2), EXIT, MOV0, EXIT), EINVAL, "missing btf func_info"),
    Case(
        "atomic_bad_op",
        prog(MOV0, I(0x7A, 10, 0, -8), I(0xDB, 10, 0, -8, 0x33), EXIT),
        EINVAL,
        "BPF_ATOMIC uses invalid atomic opcode 33",
    ),
    Case(
        "atomic_size_b",
        prog(MOV0, I(0x7A, 10, 0, -8), I(0xD3, 10, 0, -8), EXIT),
        EINVAL,
        "unknown opcode d3",
        since=(since(6, 15, EINVAL, "invalid atomic operand size"),),
    ),
    Case("atomic_fetch_fp", prog(MOV0, I(0xDB, 0, 10, 0, 1), EXIT), EACCES, "frame pointer is read only"),
    Case("atomic_src_r11", prog(MOV0, I(0xDB, 10, 11, -8, 1), EXIT), EINVAL, "R11 is invalid"),
    Case(
        "subprog_bad_insn",
        prog(MOV0, I(0x85, src=1, imm=1), EXIT, I(0xB7, 0, 1), EXIT),
        EINVAL,
        "BPF_MOV uses reserved fields",
    ),
    Case("subprog_ok", prog(I(0x85, src=1, imm=1), EXIT, MOV0, EXIT), 0),
    # helpers
    Case("helper_unknown", prog(I(0x85, imm=9999), EXIT), EINVAL, "invalid func unknown#9999"),
    Case("helper_past_max", prog(I(0x85, imm=212), EXIT), EINVAL, "invalid func unknown#212"),
    Case(
        "helper_unspec",
        prog(I(0x85, imm=0), EXIT),
        EINVAL,
        "program of this type cannot use helper bpf_unspec#0",
    ),
    Case(
        "helper_not_allowed",
        prog(I(0x85, imm=23), EXIT),
        EINVAL,
        "program of this type cannot use helper bpf_redirect#23",
    ),
    Case(
        "helper_gpl",
        prog(I(0x85, imm=6), EXIT),
        EINVAL,
        "cannot call GPL-restricted function from non-GPL compatible program",
        gpl=False,
    ),
    Case("helper_ok", prog(I(0x85, imm=7), EXIT), 0),
    # LD_ABS / LD_IND
    Case(
        "ld_abs_xdp",
        prog(I(0xBF, 6, 1), I(0x30), EXIT),
        EINVAL,
        "BPF_LD_[ABS|IND] instructions not allowed for this program type",
        prog_type=XDP,
    ),
    Case(
        "ld_abs_reserved",
        prog(I(0xBF, 6, 1), I(0x30, 1), EXIT),
        EINVAL,
        "BPF_LD_[ABS|IND] uses reserved fields",
    ),
    Case("ld_ind_r11", prog(I(0xBF, 6, 1), I(0x50, 0, 11), EXIT), EINVAL, "R11 is invalid"),
    Case("ld_abs_ok", prog(I(0xBF, 6, 1), I(0x30), EXIT), 0),
    # context accesses
    Case("ctx_load_ok", prog(I(0x61, 0, 1), EXIT), 0),
    Case(
        "ctx_load_bad", prog(I(0x61, 0, 1, 1000), EXIT), EACCES, "invalid bpf_context access off=1000 size=4"
    ),
    Case("ctx_store_bad", prog(MOV0, I(0x63, 1, 0), EXIT), EACCES, "invalid bpf_context access off=0 size=4"),
    Case("ctx_st_bad", prog(MOV0, I(0x62, 1), EXIT), EACCES, "invalid bpf_context access off=0 size=4"),
    Case("ctx_stb_bad", prog(MOV0, I(0x72, 1), EXIT), EACCES, "invalid bpf_context access off=0 size=1"),
    Case("ctx_atomic", prog(MOV0, I(0xDB, 1), EXIT), EACCES, "BPF_ATOMIC stores into R1 ctx is not allowed"),
    Case(
        "ctx_spill_fill",
        prog(I(0x7B, 10, 1, -8), I(0x79, 3, 10, -8), I(0x61, 0, 3, 2000), EXIT),
        EACCES,
        "invalid bpf_context access off=2000 size=4",
    ),
    Case(
        "ctx_copy",
        prog(I(0xBF, 6, 1), I(0x85, imm=7), I(0x61, 0, 6, 1000), EXIT),
        EACCES,
        "invalid bpf_context access off=1000 size=4",
    ),
    Case(
        "ctx_in_subprog",
        prog(I(0x85, src=1, imm=1), EXIT, I(0x61, 0, 1, 1000), EXIT),
        EACCES,
        "invalid bpf_context access off=1000 size=4",
    ),
    Case("xdp_ctx_ok", prog(I(0x61, 0, 1, 4), MOV0, EXIT), 0, prog_type=XDP),
    Case(
        "xdp_ctx_bad",
        prog(I(0x61, 0, 1, 400), MOV0, EXIT),
        EACCES,
        "invalid bpf_context access off=400 size=4",
        prog_type=XDP,
    ),
    Case(  # r6 holds the context on both paths of the branch, through different copies
        "ctx_join_both_paths",
        prog(
            I(0xBF, 7, 1),
            I(0x61, 2, 1),
            I(0x15, 2, 0, 2, 0),
            I(0xBF, 6, 1),
            I(0x05, off=1),
            I(0xBF, 6, 7),
            I(0x61, 0, 6, 1000),
            EXIT,
        ),
        EACCES,
        "invalid bpf_context access off=1000 size=4",
    ),
    Case(  # the context kept in r6 across a bounded loop with a helper call in it
        "ctx_across_loop",
        prog(
            I(0xBF, 6, 1),
            I(0xB7, 7),
            I(0x85, imm=7),
            I(0x07, 7, imm=1),
            I(0xA5, 7, 0, -3, 4),
            I(0x61, 0, 6, 996),
            EXIT,
        ),
        EACCES,
        "invalid bpf_context access off=996 size=4",
        exact_count=False,
    ),
    Case(
        "ctx_loop_ok",
        prog(I(0xBF, 6, 1), I(0xB7, 7), I(0x61, 0, 6, 0), I(0x07, 7, imm=1), I(0xA5, 7, 0, -3, 4), EXIT),
        0,
    ),
    Case(
        "ctx_moved_load",
        prog(I(0xBF, 2, 1), I(0x07, 2, imm=4), I(0x61, 0, 2), EXIT),
        EACCES,
        "dereference of modified ctx ptr R2 off=4 disallowed",
    ),
    Case(
        "ctx_moved_back_ok", prog(I(0xBF, 2, 1), I(0x07, 2, imm=4), I(0x17, 2, imm=4), I(0x61, 0, 2), EXIT), 0
    ),
    Case(
        "ctx_moved_atomic",
        prog(I(0x07, 1, imm=-8), MOV0, I(0xDB, 1), EXIT),
        EACCES,
        "BPF_ATOMIC stores into R1 ctx is not allowed",
    ),
    Case(
        "ctx_moved_store",
        prog(I(0x07, 1, imm=8), MOV0, I(0x63, 1), EXIT),
        EACCES,
        "dereference of modified ctx ptr R1 off=8 disallowed",
    ),
    Case(
        "ctx_load_acquire_valid",
        prog(MOV0, I(0xC3, 0, 1, 0, 0x100), EXIT),
        EINVAL,
        "BPF_ATOMIC uses invalid atomic opcode 100",
        since=(since(6, 15, EACCES, "BPF_ATOMIC loads from R1 ctx is not allowed"),),
    ),
    Case(
        "ctx_load_acquire_invalid",
        prog(MOV0, I(0xDB, 0, 1, 0, 0x100), EXIT),
        EINVAL,
        "BPF_ATOMIC uses invalid atomic opcode 100",
        since=(
            since(6, 15, EACCES, "invalid bpf_context access off=0 size=8"),
            since(
                6,
                18,
                EACCES,
                "BPF_ATOMIC loads from R1 ctx is not allowed",
                Answer(EACCES, "invalid bpf_context access off=0 size=8"),
            ),
        ),
    ),
    Case(  # the checks before atomic_ptr_type_ok(): on 6.18 only the source register's
        "ctx_load_acquire_dst_r11",
        prog(MOV0, I(0xDB, 11, 1, 0, 0x100), EXIT),
        EINVAL,
        "BPF_ATOMIC uses invalid atomic opcode 100",
        since=(
            since(6, 15, EINVAL, "R11 is invalid"),
            since(
                6, 18, EACCES, "BPF_ATOMIC loads from R1 ctx is not allowed", Answer(EINVAL, "R11 is invalid")
            ),
        ),
    ),
    Case(
        "ctx_store_release_invalid",
        prog(MOV0, I(0xD3, 1, 0, 0, 0x110), EXIT),
        EINVAL,
        "unknown opcode d3",
        since=(since(6, 15, EACCES, "invalid bpf_context access off=0 size=1"),),
    ),
    Case(
        "ctx_store_release_valid",
        prog(MOV0, I(0xC3, 1, 0, 48, 0x110), EXIT),
        EINVAL,
        "BPF_ATOMIC uses invalid atomic opcode 110",
        since=(since(6, 15, EACCES, "BPF_ATOMIC stores into R1 ctx is not allowed"),),
    ),
    # order: first failing check in the kernel's order wins
    Case("order_cfg_before_docheck", prog(I(0xB7, 10), EXIT, MOV0, EXIT), EINVAL, "unreachable insn 2"),
    Case("order_resolve_before_cfg", prog(MOV0, EXIT, I(0x00), EXIT), EINVAL, "unknown opcode 00"),
    Case(
        "order_subprogs_before_resolve",
        prog(I(0x00), I(0x05, off=9), EXIT),
        EINVAL,
        "jump out of range from insn 1 to 11",
    ),
    Case(
        "order_fallthrough_first",
        prog(I(0x61, 0, 1), I(0x15, off=2), I(0xB7, 10), EXIT, I(0x85, imm=9999), EXIT),
        EACCES,
        "frame pointer is read only",
    ),
]


def _run_pybpf(case: Case, maps: Maps, allowed: frozenset[int] | None) -> tuple[int, str, list[Instruction]]:
    insns = case.build(maps)
    fakes = {fd_: fake for fd_, fake in maps.values()}
    fd_array = [maps[n][0] if n in maps else 3 for n in case.fd_array] if case.fd_array else None
    if not maps and (case.fd_array or "map" in case.name):  # no kernel: stand-ins under made-up fds
        fakes = {
            3: FakeMap(0x7F0000000000, 2 if "array" in str(case.fd_array) or "value" in case.name else 1)
        }
        fakes[3].max_entries = 4 if "big_array" in case.name else 1
        fakes[3].map_type = 1 if "hash" in case.name or case.fd_array == ("hash",) else 2
    request = make_request(
        insns, case.prog_type, allowed=allowed, gpl=case.gpl, maps=fakes, fd_array=fd_array
    )
    try:
        result = verify(request)
    except VerifierError as err:
        return err.errno or 0, err.log, insns
    return 0, result.log, insns


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_recorded_kernel_answer(case: Case, kernel_maps: Maps) -> None:
    """pybpf gives the answer of the release it models."""
    allowed = kernel_allowed_helpers(case.prog_type)
    err, log, _ = _run_pybpf(case, kernel_maps, allowed)
    assert Answer(err, log.splitlines()[-2] if err else "") == case.answers.modelled, log


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_against_kernel(case: Case, kernel: bool, kernel_maps: Maps) -> None:
    """The running kernel gives the answer recorded for its release; where pybpf's is the same,
    the two logs agree line by line."""
    allowed = kernel_allowed_helpers(case.prog_type)
    err, log, insns = _run_pybpf(case, kernel_maps, allowed)
    fd_array = [kernel_maps[n][0] for n in case.fd_array] if case.fd_array else None
    license_ = b"GPL" if case.gpl else b"Proprietary"
    kerr, klog = kernel_load(encode_program(insns), case.prog_type, license_=license_, fd_array=fd_array)
    kernel_lines = {_comparable(line) for line in klog.splitlines()}

    def given(answer: Answer) -> bool:
        return kerr == answer.err and (not answer.err or answer.line in kernel_lines)

    recorded = case.answers.running
    assert any(given(answer) for answer in recorded), (
        f"{RUNNING_RELEASE} should answer one of {recorded}\n{klog}"
    )
    if not given(case.answers.modelled):
        return  # this release answers otherwise than the one pybpf models (checked above)
    assert err == kerr, (
        f"pybpf {errno.errorcode.get(err)} vs kernel {errno.errorcode.get(kerr)}\n{log}\n--\n{klog}"
    )
    if kerr:
        ours = [line for line in log.splitlines() if case.exact_count or not line.startswith("processed ")]
        missing = [line for line in ours if _comparable(line) not in kernel_lines]
        assert not missing, f"lines not in the kernel's log: {missing}\n--\n{klog}"


def _comparable(line: str) -> str:
    """Log lines as compared: the state counters of the statistics line are value tracking's."""
    return line.split(" max_states_per_insn", maxsplit=1)[0] if line.startswith("processed ") else line


def test_case_count() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


_ = op  # the opcode constants are spelled as numbers above, as the kernel's log prints them
