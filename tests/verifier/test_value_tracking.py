"""Value tracking against the kernel: the classic mistakes and their correct forms.

Each case is a program in kernel assembly (``map_fd(NAME)`` names a map created for it on each
backend) loaded through the raw ``union bpf_attr`` at log level 1 on pybpf and, where bpf(2)
works, on the kernel: the errno must be the kernel's and so must the reason (the log's last line
before the statistics).  Without the syscall pybpf's answer is checked against the one recorded
in the case.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
from dataclasses import dataclass

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

ARRAY, HASH = uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_HASH
MAPS = {
    "arr": (ARRAY, 4, 8, 4),
    "hash": (HASH, 4, 8, 16),
    "hash8": (HASH, 8, 8, 16),
    "arr16": (ARRAY, 4, 16, 1),
}

LOOKUP = """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(hash) ll
    call bpf_map_lookup_elem
"""


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    err: int
    reason: str = ""
    prog_type: int = uapi.BPF_PROG_TYPE_XDP


CASES = (
    Case("null_check_missing", LOOKUP + "r0 = *(u64 *)(r0 + 0)\nexit", errno.EACCES,
         "R0 invalid mem access 'map_value_or_null'"),
    Case("null_checked", LOOKUP + "if r0 == 0 goto +1\nr0 = *(u64 *)(r0 + 0)\nr0 = 0\nexit", 0),
    Case("null_checked_through_copy",
         LOOKUP + "r6 = r0\nif r0 == 0 goto +2\nr1 = *(u64 *)(r6 + 0)\nr0 = 0\nr0 = 0\nexit", 0),
    Case("null_checked_ne", LOOKUP + "if r0 != 0 goto +2\nr0 = 0\nexit\nr0 = *(u32 *)(r0 + 4)\nexit", 0),
    Case("value_off_by_one", LOOKUP + "if r0 == 0 goto +1\nr1 = *(u64 *)(r0 + 8)\nr0 = 0\nexit", errno.EACCES,
         "R0 min value is outside of the allowed memory range"),
    Case("value_last_byte", LOOKUP + "if r0 == 0 goto +1\nr1 = *(u8 *)(r0 + 7)\nr0 = 0\nexit", 0),
    Case("value_negative", LOOKUP + "if r0 == 0 goto +1\nr1 = *(u8 *)(r0 - 1)\nr0 = 0\nexit", errno.EACCES,
         "R0 min value is outside of the allowed memory range"),
    Case("pointer_arith_on_null", LOOKUP + "r0 += 8\nr0 = 0\nexit", errno.EACCES,
         "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first"),
    Case("key_too_small", """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(hash8) ll
    call bpf_map_lookup_elem
    r0 = 0
    exit""", errno.EINVAL, "invalid read from stack R2 off=-4 size=8"),
    Case("key_not_a_pointer",
         "r2 = 0\nr1 = map_fd(hash) ll\ncall bpf_map_lookup_elem\nr0 = 0\nexit", errno.EACCES,
         "R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, "
         "trusted_ptr_"),
    Case("map_arg_not_a_map", "r1 = r10\nr2 = r10\nr2 += -8\ncall bpf_map_lookup_elem\nr0 = 0\nexit",
         errno.EACCES, "R1 type=fp expected=map_ptr"),
    Case("map_ptr_arith", "r1 = map_fd(hash) ll\nr1 += 8\nr0 = 0\nexit", errno.EACCES,
         "R1 pointer arithmetic on map_ptr prohibited"),
    Case("update_value_on_stack", """
    r1 = 0
    *(u64 *)(r10 - 8) = r1
    *(u32 *)(r10 - 12) = r1
    r2 = r10
    r2 += -12
    r3 = r10
    r3 += -8
    r4 = 0
    r1 = map_fd(hash) ll
    call bpf_map_update_elem
    r0 = 0
    exit""", 0),
    Case("update_value_too_small", """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -4
    r4 = 0
    r1 = map_fd(hash) ll
    call bpf_map_update_elem
    r0 = 0
    exit""", errno.EINVAL, "invalid read from stack R3 off=-4 size=8"),
    Case("packet_unchecked", "r2 = *(u32 *)(r1 + 0)\nr0 = *(u8 *)(r2 + 0)\nexit", errno.EACCES,
         "R2 offset is outside of the packet"),
    Case("packet_checked", """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto +2
    r0 = *(u16 *)(r2 + 12)
    exit
    r0 = 0
    exit""", 0),
    Case("packet_past_check", """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto +2
    r0 = *(u16 *)(r2 + 13)
    exit
    r0 = 0
    exit""", errno.EACCES, "R2 offset is outside of the packet"),
    Case("packet_check_other_way", """
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 4
    if r3 >= r4 goto +2
    r0 = 0
    exit
    r0 = *(u32 *)(r2 + 0)
    exit""", 0),
    Case("stack_uninit_read_privileged", "r0 = *(u64 *)(r10 - 8)\nexit", 0),
    Case("stack_misaligned", "r1 = 0\n*(u64 *)(r10 - 4) = r1\nr0 = 0\nexit", errno.EACCES,
         "misaligned stack access off 0+0+-4 size 8"),
    Case("stack_past_fp", "r1 = 0\n*(u32 *)(r10 + 0) = r1\nr0 = 0\nexit", errno.EACCES,
         "invalid write to stack R10 off=0 size=4"),
    Case("spill_fill_ctx", "*(u64 *)(r10 - 8) = r1\nr2 = *(u64 *)(r10 - 8)\nr0 = *(u32 *)(r2 + 4)\nexit", 0),
    Case("partial_spill_of_pointer", "*(u32 *)(r10 - 8) = r1\nr0 = 0\nexit", errno.EACCES,
         "invalid size of register spill"),
    Case("partial_fill_of_pointer", "*(u64 *)(r10 - 8) = r1\nr0 = *(u32 *)(r10 - 8)\nexit", errno.EACCES,
         "invalid size of register fill"),
    Case("scalar_deref", "r1 = 8\nr0 = *(u64 *)(r1 + 0)\nexit", errno.EACCES,
         "R1 invalid mem access 'scalar'"),
    Case("ctx_pointer_moved_by_scalar", "r2 = *(u32 *)(r1 + 12)\nr1 += r2\nr0 = *(u32 *)(r1 + 0)\nexit",
         errno.EACCES, "variable ctx access var_off=(0x0; 0xffffffff) disallowed"),
    Case("bounded_loop", "r0 = 0\nr1 = 0\nr0 += r1\nr1 += 1\nif r1 < 50 goto -3\nexit", 0),
    Case("infinite_loop", "r0 = 0\nr1 = 0\nr1 &= 1\ngoto -2", errno.EINVAL,
         "infinite loop detected at insn 2"),
    Case("array_const_key_not_null", """
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit""", 0),
    Case("array_spilled_const_key_not_null", """
    r1 = 3
    *(u32 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit""", 0),
    Case("array_key_past_end_maybe_null", """
    r1 = 4
    *(u32 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    r1 = map_fd(arr) ll
    call bpf_map_lookup_elem
    r0 = *(u64 *)(r0 + 0)
    exit""", errno.EACCES, "R0 invalid mem access 'map_value_or_null'"),
    Case("dead_branch_not_checked", "r0 = 0\nr1 = 1\nif r1 == 1 goto +1\nr0 = *(u64 *)(r1 + 0)\nexit", 0),
    Case("bounds_from_and", """
    r6 = *(u32 *)(r1 + 12)
    r6 &= 3
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr16) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto +3
    r6 <<= 2
    r0 += r6
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit""", 0),
    Case("bounds_too_wide", """
    r6 = *(u32 *)(r1 + 12)
    r6 &= 7
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr16) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto +3
    r6 <<= 2
    r0 += r6
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit""", errno.EACCES, "R0 max value is outside of the allowed memory range"),
    Case("signed_bounds_negative", """
    r6 = *(u32 *)(r1 + 12)
    r6 s>>= 0
    w6 = w6
    r6 <<= 32
    r6 s>>= 32
    if r6 s> 12 goto +11
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd(arr16) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto +3
    r0 += r6
    r0 = *(u32 *)(r0 + 0)
    r0 = 0
    exit""", errno.EINVAL, "value -2147483648 makes map_value pointer be out of bounds"),
    Case("exit_without_r0", "r1 = 0\nexit", errno.EACCES, "R0 !read_ok"),
    Case("helper_clobbers_r1", "call bpf_get_prandom_u32\nr0 = r1\nexit", errno.EACCES, "R1 !read_ok"),
    Case("subprog_returns_value", "call f\nexit\nf:\nr0 = 7\nexit", 0),
    Case("subprog_stack_pointer_returned", "call f\nexit\nf:\nr0 = r10\nexit", errno.EINVAL,
         "cannot return stack pointer to the caller"),
)  # fmt: skip


_STATS = re.compile(r"^(processed \d+ insns|verification time|stack depth|cur state:|old state:)")


def reason(log: str) -> str:
    lines = [line for line in log.splitlines() if line and not _STATS.match(line)]
    return lines[-1] if lines else ""


def load(case: Case, backend: Backend) -> tuple[int, str]:
    fds: dict[str, int] = {}
    try:
        text = case.text
        for name in sorted(MAPS, key=len, reverse=True):
            if f"map_fd({name})" in text:
                map_type, key, value, entries = MAPS[name]
                attr = uapi.bpf_attr()
                attr.map_type, attr.key_size, attr.value_size, attr.max_entries = (
                    map_type,
                    key,
                    value,
                    entries,
                )
                fds[name] = backend.bpf(uapi.BPF_MAP_CREATE, attr)
                text = text.replace(f"map_fd({name})", f"map_fd({fds[name]})")
        code = encode_program(assemble(text, "kernel"))
        insns = ctypes.create_string_buffer(code, len(code))
        lic = ctypes.create_string_buffer(b"GPL")
        log = ctypes.create_string_buffer(1 << 20)
        attr = uapi.bpf_attr()
        attr.prog_type = case.prog_type
        attr.insns, attr.insn_cnt = ctypes.addressof(insns), len(code) // 8
        attr.license = ctypes.addressof(lic)
        attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
        try:
            os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
        except BPFError as exc:
            return exc.errno or 0, log.value.decode(errors="replace")
        return 0, log.value.decode(errors="replace")
    finally:
        for fd in fds.values():
            os.close(fd)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_like_the_kernel(case: Case) -> None:
    err, log = load(case, UserBackend())
    if kernel_bpf_available():
        kerr, klog = load(case, NativeBackend())
        assert (kerr, reason(klog) if kerr else "") == (case.err, case.reason), f"the kernel says:\n{klog}"
    assert err == case.err, log
    if case.err:
        assert reason(log) == case.reason, log


def test_case_count() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)
