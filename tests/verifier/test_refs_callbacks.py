"""References, spin locks, callbacks, return ranges and stack depth against the kernel.

Each case is a kernel-assembly program (``map_fd(NAME)``: a map of ``refs_harness.MAPS`` created on
the same backend; every subprogram gets BTF func_info) loaded at log level 1 on pybpf and, where
bpf(2) works, on the kernel: the errno must be the one recorded here (the kernel's, Linux 6.18) and
so must the reason (the log's last line before the statistics).  Callback cases also compare the
number of processed instructions, which shows that the callback is walked as often as the kernel
walks it.  Return ranges are checked on a program type pybpf does not load (cgroup_skb), through
the verifier with a stand-in program type.
"""

from __future__ import annotations

import dataclasses
import errno
import re
from dataclasses import dataclass

import pytest

from pybpf import uapi
from pybpf.isa.asm import assemble
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes.return_ranges import return_range
from pybpf.uapi import ENOTSUPP
from pybpf.verifier import VerifierError, verify
from tests.verifier.refs_harness import load, reason
from tests.verifier.stubs import BASE_HELPERS, FakeProgType, make_request

SF, TC, XDP, CGSKB = (
    uapi.BPF_PROG_TYPE_SOCKET_FILTER,
    uapi.BPF_PROG_TYPE_SCHED_CLS,
    uapi.BPF_PROG_TYPE_XDP,
    uapi.BPF_PROG_TYPE_CGROUP_SKB,
)
EACCES, EINVAL = errno.EACCES, errno.EINVAL
LEAK = "BPF_EXIT instruction in main prog would lead to reference leak"
SK_TYPES = "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_"


@dataclass(frozen=True)
class Case:
    name: str
    prog_type: int
    text: str
    err: int
    reason: str = ""


RESERVE = "r1 = map_fd(rb) ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\n"
SUBMIT = "r1 = r0\nr2 = 0\ncall bpf_ringbuf_submit\n"
SK_LOOKUP = """
    r6 = r1
    r1 = 0
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r2 = r10
    r2 += -16
    r1 = r6
    r3 = 12
    r4 = -1
    r5 = 0
    call bpf_sk_lookup_tcp
"""
SK_CAST = """
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call bpf_tcp_sock
    if r0 == 0 goto rel
    r1 = r0
    call bpf_sk_release
    goto out
"""
SK_OUT = "out:\nr0 = 2\nexit"
TAIL_CALL = "r1 = r6\nr2 = map_fd(jmp) ll\nr3 = 0\ncall bpf_tail_call\n"
LOCK = "r1 = r6\nr1 += 4\ncall bpf_spin_lock\n"
UNLOCK = "r1 = r6\nr1 += 4\ncall bpf_spin_unlock\n"


def locked(body: str, map_name: str = "locked") -> str:
    """Look up the value of ``map_name`` into r6 and run ``body`` when it is there."""
    return f"""
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map_fd({map_name}) ll
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    {body}
out:
    r0 = 0
    exit"""


def loop(
    cb: str, *, nr: str = "r1 = 4", ctx: str = "r3 = 0", pre: str = "", post: str = "r0 = 0\nexit"
) -> str:
    return f"{pre}\n{nr}\nr2 = func(cb) ll\n{ctx}\nr4 = 0\ncall bpf_loop\n{post}\ncb:\n{cb}"


def for_each(cb: str, *, map_name: str = "arr", ctx: str = "r3 = 0", pre: str = "") -> str:
    return (
        f"{pre}r1 = map_fd({map_name}) ll\nr2 = func(cb) ll\n{ctx}\nr4 = 0\ncall bpf_for_each_map_elem\n"
        f"r0 = 0\nexit\ncb:\n{cb}"
    )


def timer(cb: str) -> str:
    """bpf_timer_set_callback on the ``struct bpf_timer`` of the ``timers`` value (at offset 8)."""
    return (
        "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd(timers) ll\n"
        "call bpf_map_lookup_elem\nif r0 == 0 goto out\nr1 = r0\nr1 += 8\nr2 = func(cb) ll\n"
        f"call bpf_timer_set_callback\nout:\nr0 = 0\nexit\ncb:\n{cb}"
    )


def timer_value(body: str, map_name: str = "timers") -> str:
    """Look up the value of ``map_name`` (``timers``: a ``struct bpf_timer`` at offset 8) into r6 and
    run ``body`` when it is there."""
    return (
        f"r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd({map_name}) ll\n"
        f"call bpf_map_lookup_elem\nif r0 == 0 goto out\nr6 = r0\n{body}\nout:\nr0 = 0\nexit"
    )


def stack(depth: int) -> str:
    return f"r1 = 0\n*(u64 *)(r10 - {depth}) = r1\n"


ZERO_FP8 = stack(8)
FP8 = "r3 = r10\nr3 += -8"
COUNT = "r1 = *(u64 *)(r2 + 0)\nr1 += 1\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit"

REFERENCES = (
    Case("ringbuf_submitted", SF, RESERVE + "if r0 == 0 goto +3\n" + SUBMIT + "r0 = 0\nexit", 0),
    Case(
        "ringbuf_discarded",
        SF,
        RESERVE + "if r0 == 0 goto +3\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_discard\nr0 = 0\nexit",
        0,
    ),
    Case(
        "ringbuf_leaked_after_check", SF, RESERVE + "if r0 == 0 goto +1\nr0 = 0\nr0 = 0\nexit", EINVAL, LEAK
    ),
    Case("ringbuf_leaked", SF, RESERVE + "r0 = 0\nexit", EINVAL, LEAK),
    Case("ringbuf_two_leaked", SF, RESERVE + "r6 = r0\n" + RESERVE + "r0 = 0\nexit", EINVAL, LEAK),
    Case(
        "ringbuf_submit_unchecked",
        SF,
        RESERVE + SUBMIT + "r0 = 0\nexit",
        EACCES,
        "R1 type=ringbuf_mem_or_null expected=ringbuf_mem",
    ),
    Case(
        "ringbuf_released_twice",
        SF,
        RESERVE
        + "if r0 == 0 goto +7\nr6 = r0\n"
        + SUBMIT
        + "r1 = r6\nr2 = 0\ncall bpf_ringbuf_discard\nr0 = 0\nexit",
        EACCES,
        "R1 type=scalar expected=ringbuf_mem",
    ),
    Case(
        "ringbuf_used_after_submit",
        SF,
        RESERVE + "if r0 == 0 goto +5\nr6 = r0\n" + SUBMIT + "r0 = *(u32 *)(r6 + 0)\nr0 = 0\nexit",
        EACCES,
        "R6 invalid mem access 'scalar'",
    ),
    Case(
        "ringbuf_submit_moved",
        SF,
        RESERVE + "if r0 == 0 goto +4\nr1 = r0\nr1 += 4\nr2 = 0\ncall bpf_ringbuf_submit\nr0 = 0\nexit",
        EINVAL,
        "R1 must have zero offset when passed to release func or trusted arg to kfunc",
    ),
    Case(
        "ringbuf_submit_stack",
        SF,
        "r1 = r10\nr1 += -8\nr2 = 0\ncall bpf_ringbuf_submit\nr0 = 0\nexit",
        EACCES,
        "R1 type=fp expected=ringbuf_mem",
    ),
    Case(
        "ringbuf_submit_null",
        SF,
        "r1 = 0\nr2 = 0\ncall bpf_ringbuf_submit\nr0 = 0\nexit",
        EACCES,
        "R1 type=scalar expected=ringbuf_mem",
    ),
    Case(
        "ringbuf_write_past_record",
        SF,
        RESERVE + "if r0 == 0 goto +5\nr1 = 0\n*(u64 *)(r0 + 4) = r1\n" + SUBMIT + "r0 = 0\nexit",
        EACCES,
        "R0 min value is outside of the allowed memory range",
    ),
    Case(
        "ringbuf_reserved_in_subprog",
        SF,
        "call f\nif r0 == 0 goto +3\n" + SUBMIT + "r0 = 0\nexit\nf:\n" + RESERVE + "exit",
        0,
    ),
    Case(
        "ringbuf_leaked_in_subprog", SF, "call f\nr0 = 0\nexit\nf:\n" + RESERVE + "r0 = 0\nexit", EINVAL, LEAK
    ),
    Case(
        "ringbuf_held_at_tail_call",
        SF,
        "r6 = r1\n" + RESERVE + "r7 = r0\n" + TAIL_CALL + "r0 = 0\nexit",
        EINVAL,
        "tail_call would lead to reference leak",
    ),
    Case(
        "ringbuf_held_at_ld_abs",
        SF,
        "r6 = r1\n" + RESERVE + "r0 = *(u8 *)skb[0]\nr0 = 0\nexit",
        EINVAL,
        "BPF_LD_[ABS|IND] would lead to reference leak",
    ),
    Case(
        "socket_released",
        XDP,
        SK_LOOKUP + "if r0 == 0 goto +2\nr1 = r0\ncall bpf_sk_release\nr0 = 2\nexit",
        0,
    ),
    Case("socket_leaked", XDP, SK_LOOKUP + "r0 = 2\nexit", EINVAL, LEAK),
    Case(
        "socket_release_unchecked",
        XDP,
        SK_LOOKUP + "r1 = r0\ncall bpf_sk_release\nr0 = 2\nexit",
        EACCES,
        f"R1 type=sock_or_null expected={SK_TYPES}",
    ),
    Case(
        "socket_release_ctx",
        XDP,
        "call bpf_sk_release\nr0 = 2\nexit",
        EACCES,
        f"R1 type=ctx expected={SK_TYPES}",
    ),
    Case(
        "socket_released_through_cast",
        TC,
        SK_LOOKUP + SK_CAST + "rel:\nr1 = r6\ncall bpf_sk_release\n" + SK_OUT,
        0,
    ),
    Case("socket_cast_leaks", TC, SK_LOOKUP + SK_CAST.replace("goto rel", "goto out") + SK_OUT, EINVAL, LEAK),
    Case(
        "socket_released_twice_through_cast",
        TC,
        SK_LOOKUP + SK_CAST.replace("    goto out\n", "") + "rel:\nr1 = r6\ncall bpf_sk_release\n" + SK_OUT,
        EACCES,
        f"R1 type=scalar expected={SK_TYPES}",
    ),
)

SPIN_LOCKS = (
    Case("lock_unlock", TC, locked(LOCK + UNLOCK), 0),
    Case("lock_value_written_inside", TC, locked(LOCK + "r1 = 1\n*(u64 *)(r6 + 8) = r1\n" + UNLOCK), 0),
    Case("lock_subprog_called_inside", TC, locked(LOCK + "call f\n" + UNLOCK) + "\nf:\nr0 = 0\nexit", 0),
    Case(
        "lock_in_socket_filter",
        SF,
        locked(LOCK + UNLOCK),
        EINVAL,
        "socket filter progs cannot use bpf_spin_lock yet",
    ),
    Case(
        "lock_held_at_exit",
        TC,
        locked(LOCK),
        EINVAL,
        "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region",
    ),
    Case("unlock_without_lock", TC, locked(UNLOCK), EINVAL, "bpf_spin_unlock without taking a lock"),
    Case(
        "lock_wrong_offset",
        TC,
        locked("r1 = r6\ncall bpf_spin_lock\n"),
        EINVAL,
        "off 0 doesn't point to 'struct bpf_spin_lock' that is at 4",
    ),
    Case(
        "lock_map_without_btf",
        TC,
        locked(LOCK + UNLOCK, "plain16"),
        EINVAL,
        "map '' has to have BTF in order to use bpf_spin_lock",
    ),
    Case(
        "lock_helper_inside",
        TC,
        locked(LOCK + "call bpf_get_prandom_u32\n" + UNLOCK),
        EINVAL,
        "function calls are not allowed while holding a lock",
    ),
    Case(
        "lock_twice", TC, locked(LOCK + LOCK), EINVAL, "function calls are not allowed while holding a lock"
    ),
    Case(
        "lock_kptr_xchg_inside",
        TC,
        locked(LOCK + "r1 = r6\nr2 = 0\ncall bpf_kptr_xchg\n" + UNLOCK),
        EINVAL,
        "function calls are not allowed while holding a lock",
    ),
    Case(
        "lock_stack_pointer",
        TC,
        "r1 = r10\nr1 += -8\ncall bpf_spin_lock\nr0 = 0\nexit",
        EACCES,
        "R1 type=fp expected=map_value, ptr_",
    ),
    Case(
        "lock_variable_offset",
        TC,
        locked("r1 = r6\nr2 = *(u32 *)(r6 + 0)\nr2 &= 4\nr1 += r2\ncall bpf_spin_lock\n" + UNLOCK),
        EINVAL,
        "R1 doesn't have constant offset. bpf_spin_lock has to be at the constant offset",
    ),
    Case(
        "lock_field_stored_to",
        TC,
        locked("r1 = 0\n*(u32 *)(r6 + 4) = r1\n"),
        EACCES,
        "bpf_spin_lock cannot be accessed directly by load/store",
    ),
    Case(
        "lock_field_loaded",
        TC,
        locked("r1 = *(u64 *)(r6 + 0)\n"),
        EACCES,
        "bpf_spin_lock cannot be accessed directly by load/store",
    ),
    Case(
        "lock_held_at_tail_call",
        TC,
        "r7 = r1\n" + locked(LOCK + "r6 = r7\n" + TAIL_CALL),
        EINVAL,
        "function calls are not allowed while holding a lock",
    ),
    Case(
        "lock_held_at_ld_abs",
        TC,
        "r7 = r1\n" + locked(LOCK + "r8 = r6\nr6 = r7\nr0 = *(u8 *)skb[0]\nr6 = r8\n" + UNLOCK),
        EINVAL,
        "BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region",
    ),
    Case(
        "lock_exit_inside_branch",
        TC,
        locked(LOCK + "r0 = *(u32 *)(r6 + 0)\nif r0 == 0 goto out\n" + UNLOCK),
        EINVAL,
        "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region",
    ),
)

CALLBACKS = (
    Case("loop", SF, loop("r0 = 0\nexit"), 0),
    Case(
        "loop_returns_2",
        SF,
        loop("r0 = 2\nexit"),
        EINVAL,
        "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
    ),
    Case(
        "loop_returns_unknown",
        SF,
        loop("call bpf_get_prandom_u32\nexit"),
        EINVAL,
        "At callback return the register R0 has unknown scalar value should have been in [0, 1]",
    ),
    Case(
        "loop_returns_negative",
        SF,
        loop("r0 = -1\nexit"),
        EINVAL,
        "At callback return the register R0 has smin=-1 smax=-1 should have been in [0, 1]",
    ),
    Case(
        "loop_returns_stack_pointer",
        SF,
        loop("r0 = r10\nexit"),
        EINVAL,
        "cannot return stack pointer to the caller",
    ),
    Case("loop_returns_nothing", SF, loop("exit"), EACCES, "R0 not a scalar value"),
    Case(
        "loop_returns_index",
        SF,
        loop("r0 = r1\nexit", nr="r1 = 1"),
        EINVAL,
        "At callback return the register R0 has unknown scalar value should have been in [0, 1]",
    ),
    Case("loop_returns_index_masked", SF, loop("r0 = r1\nr0 &= 1\nexit"), 0),
    Case("loop_reads_context", SF, loop("r0 = *(u64 *)(r2 + 0)\nr0 = 0\nexit", ctx=FP8, pre=ZERO_FP8), 0),
    Case(
        "loop_writes_context",
        SF,
        loop("r1 = 1\n*(u64 *)(r2 + 0) = r1\nr0 = 0\nexit", ctx=FP8, pre=ZERO_FP8),
        0,
    ),
    Case(
        "loop_reads_past_context",
        SF,
        loop("r0 = *(u64 *)(r2 + 8)\nr0 = 0\nexit", ctx=FP8, pre=ZERO_FP8),
        EACCES,
        "invalid read from stack R2 off=0 size=8",
    ),
    Case(
        "loop_null_context",
        SF,
        loop("r0 = *(u64 *)(r2 + 0)\nr0 = 0\nexit"),
        EACCES,
        "R2 invalid mem access 'scalar'",
    ),
    Case(
        "loop_not_a_function",
        SF,
        "r1 = 4\nr2 = 0\nr3 = 0\nr4 = 0\ncall bpf_loop\nr0 = 0\nexit",
        EACCES,
        "R2 type=scalar expected=func",
    ),
    Case("loop_counts", SF, loop(COUNT, nr="r1 = 100", ctx=FP8, pre=ZERO_FP8), 0),
    Case(
        "loop_counts_returned",
        SF,
        loop(COUNT, nr="r1 = 100", ctx=FP8, pre=ZERO_FP8, post="r0 = *(u64 *)(r10 - 8)\nexit"),
        0,
    ),
    Case("loop_three_rounds", SF, loop(COUNT, nr="r1 = 3", ctx=FP8, pre=ZERO_FP8), 0),
    Case("loop_unknown_count", SF, loop("r0 = 0\nexit", nr="r1 = *(u32 *)(r1 + 0)"), 0),
    Case(
        "loop_nested",
        SF,
        "r1 = 2\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_loop\nr0 = 0\nexit\ncb:\n"
        "r1 = 2\nr2 = func(cb2) ll\nr3 = 0\nr4 = 0\ncall bpf_loop\nr0 = 0\nexit\ncb2:\nr0 = 1\nexit",
        0,
    ),
    Case("loop_callback_leaks", SF, loop(RESERVE + "r0 = 0\nexit"), EINVAL, LEAK),
    Case("for_each", SF, for_each("r0 = *(u64 *)(r3 + 0)\nr0 = *(u32 *)(r2 + 0)\nr0 = 0\nexit"), 0),
    Case(
        "for_each_value_past_end",
        SF,
        for_each("r0 = *(u64 *)(r3 + 8)\nr0 = 0\nexit"),
        EACCES,
        "R3 min value is outside of the allowed memory range",
    ),
    Case(
        "for_each_key_past_end",
        SF,
        for_each("r0 = *(u32 *)(r2 + 4)\nr0 = 0\nexit"),
        EACCES,
        "R2 min value is outside of the allowed memory range",
    ),
    Case(
        "for_each_key_written",
        SF,
        for_each("r0 = 0\n*(u32 *)(r2 + 0) = r0\nexit"),
        EACCES,
        "write to change key R2 not allowed",
    ),
    Case(
        "for_each_ringbuf",
        SF,
        for_each("r0 = 0\nexit", map_name="rb"),
        ENOTSUPP,
        "callback function not allowed for map",
    ),
    Case(
        "for_each_stack_map",
        SF,
        for_each("r0 = 0\nexit", map_name="stk"),
        ENOTSUPP,
        "callback function not allowed for map",
    ),
    Case(
        "for_each_hash_counts",
        SF,
        for_each(
            "r1 = *(u64 *)(r4 + 0)\nr1 += 1\n*(u64 *)(r4 + 0) = r1\nr0 = 0\nexit",
            map_name="hash",
            ctx=FP8,
            pre=ZERO_FP8,
        ),
        0,
    ),
    Case(
        "for_each_returns_2",
        SF,
        for_each("r0 = 2\nexit"),
        EINVAL,
        "At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]",
    ),
    Case(
        "timer_map_without_btf",
        TC,
        "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd(arr) ll\n"
        "call bpf_map_lookup_elem\nif r0 == 0 goto out\nr1 = r0\nr2 = func(cb) ll\n"
        "call bpf_timer_set_callback\nout:\nr0 = 0\nexit\ncb:\nr0 = 0\nexit",
        EINVAL,
        "map '' has to have BTF in order to use bpf_timer",
    ),
    Case(
        "loop_spills_its_stack_pointer_to_caller",
        SF,
        loop("r3 = r10\nr3 += -8\n*(u64 *)(r2 + 0) = r3\nr0 = 0\nexit", ctx=FP8, pre=ZERO_FP8),
        EINVAL,
        "cannot spill pointers to stack into stack frame of the caller",
    ),
    Case(
        "loop_spills_caller_pointer_to_caller",
        SF,
        loop("*(u64 *)(r2 + 0) = r2\nr0 = 0\nexit", ctx=FP8, pre=ZERO_FP8),
        EINVAL,
        "cannot spill pointers to stack into stack frame of the caller",
    ),
    Case(
        "subprog_spills_its_stack_pointer_to_caller",
        SF,
        ZERO_FP8
        + "r1 = r10\nr1 += -8\ncall f\nr0 = 0\nexit\nf:\nr2 = r10\n*(u64 *)(r1 + 0) = r2\nr0 = 0\nexit",
        EINVAL,
        "cannot spill pointers to stack into stack frame of the caller",
    ),
    Case(
        "loop_recursive_callback",
        SF,
        "r1 = 2\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_loop\nr0 = 0\nexit\ncb:\n"
        "r1 = 2\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_loop\nr0 = 0\nexit",
        errno.E2BIG,
        "the call stack of 9 frames is too deep",
    ),
    Case(
        "for_each_counter_converges",
        SF,
        for_each(
            "r1 = *(u64 *)(r4 + 0)\nr1 *= 3\nr1 += 7\n*(u64 *)(r4 + 0) = r1\nr0 = 0\nexit",
            map_name="hash",
            ctx=FP8,
            pre=ZERO_FP8,
        ),
        0,
    ),
    Case("timer", TC, timer("r0 = 0\nexit"), 0),
    Case(
        "timer_reads_value_and_key",
        TC,
        timer("r0 = *(u64 *)(r3 + 0)\nr0 = *(u32 *)(r2 + 0)\nr0 = 0\nexit"),
        0,
    ),
    Case(
        "timer_returns_1",
        TC,
        timer("r0 = 1\nexit"),
        EINVAL,
        "At async callback return the register R0 has smin=1 smax=1 should have been in [0, 0]",
    ),
    Case(
        "timer_returns_pointer",
        TC,
        timer("r0 = r3\nexit"),
        EINVAL,
        "At async callback return the register R0 is not a known value (map_value)",
    ),
    Case("timer_returns_nothing", TC, timer("exit"), EACCES, "R0 !read_ok"),
    Case(
        "timer_value_past_end",
        TC,
        timer("r0 = *(u64 *)(r3 + 24)\nr0 = 0\nexit"),
        EACCES,
        "R3 min value is outside of the allowed memory range",
    ),
    Case("timer_callback_leaks", TC, timer(RESERVE + "r0 = 0\nexit"), EINVAL, LEAK),
    Case(
        "timer_init",
        TC,
        timer_value("r1 = r6\nr1 += 8\nr2 = map_fd(timers) ll\nr3 = 1\ncall bpf_timer_init"),
        0,
    ),
    Case(
        "timer_init_other_map",
        TC,
        timer_value("r1 = r6\nr1 += 8\nr2 = map_fd(timers2) ll\nr3 = 1\ncall bpf_timer_init"),
        EINVAL,
        "timer pointer in R1 map_uid=0 doesn't match map pointer in R2 map_uid=0",
    ),
    Case("timer_start", TC, timer_value("r1 = r6\nr1 += 8\nr2 = 1000\nr3 = 0\ncall bpf_timer_start"), 0),
    Case("timer_cancel", TC, timer_value("r1 = r6\nr1 += 8\ncall bpf_timer_cancel"), 0),
    Case(
        "timer_wrong_offset",
        TC,
        timer_value("r1 = r6\nr1 += 16\ncall bpf_timer_cancel"),
        EINVAL,
        "off 16 doesn't point to 'struct bpf_timer' that is at 8",
    ),
    Case(
        "timer_variable_offset",
        TC,
        timer_value("r2 = *(u32 *)(r6 + 0)\nr2 &= 8\nr1 = r6\nr1 += r2\ncall bpf_timer_cancel"),
        EINVAL,
        "R1 doesn't have constant offset. bpf_timer has to be at the constant offset",
    ),
    Case(
        "timer_in_map_without_timer",
        TC,
        timer_value("r1 = r6\nr1 += 8\ncall bpf_timer_cancel", map_name="locked"),
        EINVAL,
        "map '' has no valid bpf_timer",
    ),
    Case(
        "timer_loaded_directly",
        TC,
        timer_value("r1 = *(u64 *)(r6 + 8)"),
        EACCES,
        "bpf_timer cannot be accessed directly by load/store",
    ),
    Case(
        "timer_stored_over",
        TC,
        timer_value("r1 = 1\n*(u32 *)(r6 + 20) = r1"),
        EACCES,
        "bpf_timer cannot be accessed directly by load/store",
    ),
    Case("timer_neighbour_read", TC, timer_value("r1 = *(u64 *)(r6 + 0)"), 0),
    Case(
        "timer_value_passed_to_helper",
        TC,
        timer_value("r1 = map_fd(timers) ll\nr2 = r10\nr2 += -4\nr3 = r6\nr4 = 0\ncall bpf_map_update_elem"),
        EACCES,
        "bpf_timer cannot be accessed directly by load/store",
    ),
)

STACK_DEPTH = (
    Case("combined_512", SF, stack(256) + "call f\nr0 = 0\nexit\nf:\n" + stack(256) + "r0 = 0\nexit", 0),
    Case(
        "combined_528",
        SF,
        stack(256) + "call f\nr0 = 0\nexit\nf:\n" + stack(264) + "r0 = 0\nexit",
        EACCES,
        "combined stack size of 2 calls is 528. Too large",
    ),
    Case(
        "combined_rounded_to_16",
        SF,
        stack(248) + "call f\nr0 = 0\nexit\nf:\n" + stack(264) + "r0 = 0\nexit",
        EACCES,
        "combined stack size of 2 calls is 528. Too large",
    ),
    Case(
        "combined_three_calls",
        SF,
        stack(200)
        + "call f\nr0 = 0\nexit\nf:\n"
        + stack(200)
        + "call g\nr0 = 0\nexit\ng:\n"
        + stack(120)
        + "r0 = 0\nexit",
        EACCES,
        "combined stack size of 3 calls is 544. Too large",
    ),
    Case(
        "combined_with_callback",
        SF,
        stack(256) + "r1 = 1\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_loop\n"
        "r0 = 0\nexit\ncb:\n" + stack(264) + "r0 = 0\nexit",
        EACCES,
        "combined stack size of 2 calls is 528. Too large",
    ),
    Case(
        "combined_call_never_taken",
        SF,
        stack(256) + "r1 = 0\nif r1 == 0 goto +1\ncall f\nr0 = 0\nexit\nf:\n" + stack(264) + "r0 = 0\nexit",
        0,
    ),
    Case(
        "tail_call_in_subprog",
        SF,
        "r6 = r1\n"
        + stack(240)
        + "r1 = r6\ncall f\nr0 = 0\nexit\nf:\nr6 = r1\n"
        + TAIL_CALL
        + "r0 = 0\nexit",
        0,
    ),
    Case(
        "tail_call_in_subprog_256_below",
        SF,
        "r6 = r1\n" + stack(248) + "r1 = r6\ncall f\nr0 = 0\nexit\n"
        "f:\nr6 = r1\n" + TAIL_CALL + "r0 = 0\nexit",
        EACCES,
        "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large",
    ),
    Case(
        "tail_call_two_frames_below",
        SF,
        "r6 = r1\n" + stack(128) + "r1 = r6\ncall f\nr0 = 0\nexit\nf:\n"
        "r6 = r1\n"
        + stack(128)
        + "r1 = r6\ncall g\nr0 = 0\nexit\ng:\nr6 = r1\n"
        + TAIL_CALL
        + "r0 = 0\nexit",
        EACCES,
        "tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large",
    ),
    Case(
        "tail_call_in_main_with_subprogs",
        SF,
        "r6 = r1\n" + stack(512) + TAIL_CALL + "call f\nr0 = 0\nexit\nf:\nr0 = 0\nexit",
        0,
    ),
    Case(
        "tail_call_subprog_own_stack",
        SF,
        "r6 = r1\ncall f\nr0 = 0\nexit\nf:\nr6 = r1\n" + stack(400) + TAIL_CALL + "r0 = 0\nexit",
        0,
    ),
    Case(
        "nine_frames",
        SF,
        "call f1\nr0 = 0\nexit\n"
        + "".join(f"f{i}:\ncall f{i + 1}\nr0 = 0\nexit\n" for i in range(1, 9))
        + "f9:\nr0 = 0\nexit",
        errno.E2BIG,
        "the call stack of 9 frames is too deep",
    ),
)

KEY4 = "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\n"
STK8 = "r3 = 0\n*(u64 *)(r10 - 8) = r3\n"
HELPER_MAPS = (
    Case(
        "ringbuf_reserve_zero_bytes",
        SF,
        "r1 = map_fd(rb) ll\nr2 = 0\nr3 = 0\ncall bpf_ringbuf_reserve\n"
        "if r0 == 0 goto +3\n" + SUBMIT + "r0 = 0\nexit",
        0,
    ),
    Case(
        "ringbuf_reserve_variable_size",
        SF,
        "r2 = *(u32 *)(r1 + 0)\nr1 = map_fd(rb) ll\nr3 = 0\n"
        "call bpf_ringbuf_reserve\nif r0 == 0 goto +3\n" + SUBMIT + "r0 = 0\nexit",
        EACCES,
        "R2 is not a known constant'",
    ),
    Case(
        "ringbuf_reserve_array",
        SF,
        "r1 = map_fd(arr) ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nr0 = 0\nexit",
        EINVAL,
        "cannot pass map_type 2 into func bpf_ringbuf_reserve#131",
    ),
    Case(
        "ringbuf_output_array",
        SF,
        STK8 + "r1 = map_fd(arr) ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\n"
        "call bpf_ringbuf_output\nr0 = 0\nexit",
        EINVAL,
        "cannot pass map_type 2 into func bpf_ringbuf_output#130",
    ),
    Case(
        "ringbuf_submitted_in_subprog",
        SF,
        RESERVE + "if r0 == 0 goto +2\nr1 = r0\ncall f\nr0 = 0\nexit\nf:\n"
        "r2 = 0\ncall bpf_ringbuf_submit\nr0 = 0\nexit",
        0,
    ),
    Case(
        "ringbuf_submitted_in_callback",
        SF,
        RESERVE + "if r0 == 0 goto out\n*(u64 *)(r10 - 8) = r0\nr1 = 1\n"
        "r2 = func(cb) ll\nr3 = r10\nr3 += -8\nr4 = 0\ncall bpf_loop\nout:\nr0 = 0\nexit\ncb:\n"
        "r1 = *(u64 *)(r2 + 0)\nr2 = 0\ncall bpf_ringbuf_submit\nr0 = 0\nexit",
        EINVAL,
        LEAK,
    ),
    Case(
        "lookup_ringbuf",
        SF,
        KEY4 + "r1 = map_fd(rb) ll\ncall bpf_map_lookup_elem\nr0 = 0\nexit",
        EACCES,
        "invalid zero-sized read",
    ),
    Case(
        "lookup_prog_array",
        SF,
        KEY4 + "r1 = map_fd(jmp) ll\ncall bpf_map_lookup_elem\nr0 = 0\nexit",
        EINVAL,
        "cannot pass map_type 3 into func bpf_map_lookup_elem#1",
    ),
    Case(
        "tail_call_array",
        SF,
        "r2 = map_fd(arr) ll\nr3 = 0\ncall bpf_tail_call\nr0 = 0\nexit",
        EINVAL,
        "expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 "
        "total_states 0 peak_states 0 mark_read 0",
    ),
    Case(
        "push_array",
        SF,
        STK8 + "r2 = r10\nr2 += -8\nr1 = map_fd(arr) ll\nr3 = 0\ncall bpf_map_push_elem\nr0 = 0\nexit",
        EINVAL,
        "cannot pass map_type 2 into func bpf_map_push_elem#87",
    ),
    Case("pop_stack", SF, "r2 = r10\nr2 += -8\nr1 = map_fd(stk) ll\ncall bpf_map_pop_elem\nr0 = 0\nexit", 0),
    Case(
        "lookup_stack",
        SF,
        "r2 = r10\nr2 += -8\nr1 = map_fd(stk) ll\ncall bpf_map_lookup_elem\nr0 = 0\nexit",
        EACCES,
        "invalid zero-sized read",
    ),
    Case(
        "perf_event_output_array",
        SF,
        STK8 + "r2 = map_fd(arr) ll\nr3 = 0\nr4 = r10\nr4 += -8\nr5 = 8\n"
        "call bpf_perf_event_output\nr0 = 0\nexit",
        EINVAL,
        "cannot pass map_type 2 into func bpf_perf_event_output#25",
    ),
    Case(
        "lock_taken_in_subprog",
        TC,
        locked("r1 = r6\ncall f\n" + UNLOCK) + "\nf:\nr1 += 4\ncall bpf_spin_lock\nr0 = 0\nexit",
        0,
    ),
)

RESERVE_DYNPTR = "r1 = map_fd(rb) ll\nr2 = 8\nr3 = 0\nr4 = r10\nr4 += -16\ncall bpf_ringbuf_reserve_dynptr\n"
SUBMIT_DYNPTR = "r1 = r10\nr1 += -16\nr2 = 0\ncall bpf_ringbuf_submit_dynptr\n"
DYNPTR_DATA = "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data\n"
LOOKUP_ARR = (
    "r1 = 0\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd(arr) ll\ncall bpf_map_lookup_elem\n"
    "if r0 == 0 goto out\nr7 = r0\n"
)
FROM_MEM = "r1 = r7\nr2 = 8\nr3 = 0\nr4 = r10\nr4 += -24\ncall bpf_dynptr_from_mem\n"
READ_LOCAL = "r1 = r10\nr1 += -40\nr2 = 8\nr3 = r10\nr3 += -24\nr4 = 0\nr5 = 0\ncall bpf_dynptr_read\n"
OUT = "out:\nr0 = 0\nexit"
END = "r0 = 0\nexit"

DYNPTRS = (
    Case("dynptr_ringbuf_submitted", TC, RESERVE_DYNPTR + SUBMIT_DYNPTR + END, 0),
    Case(
        "dynptr_ringbuf_discarded",
        TC,
        RESERVE_DYNPTR + "r1 = r10\nr1 += -16\nr2 = 0\ncall bpf_ringbuf_discard_dynptr\n" + END,
        0,
    ),
    Case("dynptr_ringbuf_leaked", TC, RESERVE_DYNPTR + END, EINVAL, LEAK),
    Case(
        "dynptr_ringbuf_leaked_in_subprog",
        TC,
        "call f\n" + END + "\nf:\n" + RESERVE_DYNPTR + END,
        EINVAL,
        LEAK,
    ),
    Case(
        "dynptr_ringbuf_leaked_on_a_branch",
        TC,
        "r6 = r1\n" + RESERVE_DYNPTR + "r0 = *(u32 *)(r6 + 0)\nif r0 > 5 goto +4\n" + SUBMIT_DYNPTR + END,
        EINVAL,
        LEAK,
    ),
    Case(
        "dynptr_ringbuf_submitted_twice",
        TC,
        RESERVE_DYNPTR + SUBMIT_DYNPTR + SUBMIT_DYNPTR + END,
        EINVAL,
        "arg 1 is an unacquired reference",
    ),
    Case("dynptr_submit_uninit", TC, SUBMIT_DYNPTR + END, EINVAL, "arg 1 is an unacquired reference"),
    Case(
        "dynptr_ringbuf_overwritten",
        TC,
        RESERVE_DYNPTR + "r1 = 0\n*(u64 *)(r10 - 8) = r1\n" + SUBMIT_DYNPTR + END,
        EINVAL,
        "cannot overwrite referenced dynptr",
    ),
    Case(
        "dynptr_ringbuf_partly_overwritten",
        TC,
        RESERVE_DYNPTR + "r1 = 0\n*(u32 *)(r10 - 12) = r1\n" + SUBMIT_DYNPTR + END,
        EINVAL,
        "cannot overwrite referenced dynptr",
    ),
    Case(
        "dynptr_ringbuf_reinitialised",
        TC,
        RESERVE_DYNPTR + RESERVE_DYNPTR + SUBMIT_DYNPTR + END,
        EINVAL,
        "cannot overwrite referenced dynptr",
    ),
    Case(
        "dynptr_slot_loaded",
        TC,
        RESERVE_DYNPTR + "r0 = *(u64 *)(r10 - 16)\n" + SUBMIT_DYNPTR + END,
        EACCES,
        "invalid read from stack off -16+0 size 8",
    ),
    Case(
        "dynptr_misaligned",
        TC,
        "r1 = map_fd(rb) ll\nr2 = 8\nr3 = 0\nr4 = r10\nr4 += -12\ncall bpf_ringbuf_reserve_dynptr\n" + END,
        EINVAL,
        "Dynptr has to be an uninitialized dynptr",
    ),
    Case(
        "dynptr_not_on_stack",
        TC,
        "r1 = map_fd(rb) ll\nr2 = 8\nr3 = 0\nr4 = 0\ncall bpf_ringbuf_reserve_dynptr\n" + END,
        EACCES,
        "R4 type=scalar expected=fp, dynptr_ptr",
    ),
    Case(
        "dynptr_data_written",
        TC,
        RESERVE_DYNPTR
        + DYNPTR_DATA
        + "if r0 == 0 goto +2\nr1 = 1\n*(u64 *)(r0 + 0) = r1\n"
        + SUBMIT_DYNPTR
        + END,
        0,
    ),
    Case(
        "dynptr_data_past_its_size",
        TC,
        RESERVE_DYNPTR
        + DYNPTR_DATA
        + "if r0 == 0 goto +2\nr1 = 1\n*(u64 *)(r0 + 4) = r1\n"
        + SUBMIT_DYNPTR
        + END,
        EACCES,
        "R0 min value is outside of the allowed memory range",
    ),
    Case(
        "dynptr_data_without_null_check",
        TC,
        RESERVE_DYNPTR + DYNPTR_DATA + "r1 = 1\n*(u64 *)(r0 + 0) = r1\n" + SUBMIT_DYNPTR + END,
        EACCES,
        "R0 invalid mem access 'mem_or_null'",
    ),
    Case(
        "dynptr_data_after_submit",
        TC,
        RESERVE_DYNPTR
        + DYNPTR_DATA
        + "r6 = r0\n"
        + SUBMIT_DYNPTR
        + "if r6 == 0 goto +2\nr1 = 1\n*(u64 *)(r6 + 0) = r1\n"
        + END,
        EACCES,
        "R6 invalid mem access 'scalar'",
    ),
    Case("dynptr_local_from_map_value", TC, LOOKUP_ARR + FROM_MEM + READ_LOCAL + OUT, 0),
    Case(
        "dynptr_local_from_stack",
        TC,
        "r1 = 0\n*(u64 *)(r10 - 32) = r1\nr7 = r10\nr7 += -32\n" + FROM_MEM + END,
        EACCES,
        "Unsupported reg type fp for bpf_dynptr_from_mem data",
    ),
    Case(
        "dynptr_local_written",
        TC,
        LOOKUP_ARR
        + FROM_MEM
        + "r1 = r10\nr1 += -24\nr2 = 0\nr3 = r7\nr4 = 8\nr5 = 0\ncall bpf_dynptr_write\n"
        + OUT,
        0,
    ),
    Case(
        "dynptr_local_overwritten", TC, LOOKUP_ARR + FROM_MEM + "r1 = 0\n*(u64 *)(r10 - 24) = r1\n" + OUT, 0
    ),
    Case(
        "dynptr_local_read_after_overwrite",
        TC,
        LOOKUP_ARR + FROM_MEM + "r1 = 0\n*(u64 *)(r10 - 16) = r1\n" + READ_LOCAL + OUT,
        EINVAL,
        "Expected an initialized dynptr as arg #2",
    ),
    Case(
        "dynptr_read_uninit",
        TC,
        READ_LOCAL + END,
        EINVAL,
        "Expected an initialized dynptr as arg #2",
    ),
    Case(
        "dynptr_read_into_itself",
        TC,
        LOOKUP_ARR + FROM_MEM + "r1 = r10\nr1 += -24\nr2 = 8\nr3 = r10\nr3 += -24\nr4 = 0\nr5 = 0\n"
        "call bpf_dynptr_read\n" + OUT,
        EACCES,
        "potential write to dynptr at off=-24 disallowed",
    ),
    Case(
        "dynptr_as_map_key",
        TC,
        LOOKUP_ARR + FROM_MEM + "r1 = map_fd(arr) ll\nr2 = r10\nr2 += -24\ncall bpf_map_lookup_elem\n" + OUT,
        EACCES,
        "invalid read from stack R2 off -24+0 size 4",
    ),
    Case(
        "dynptr_local_submitted",
        TC,
        LOOKUP_ARR + FROM_MEM + "r1 = r10\nr1 += -24\nr2 = 0\ncall bpf_ringbuf_submit_dynptr\n" + OUT,
        EINVAL,
        "arg 1 is an unacquired reference",
    ),
    Case(
        "dynptr_local_data",
        TC,
        LOOKUP_ARR + FROM_MEM + "r1 = r10\nr1 += -24\nr2 = 0\nr3 = 4\ncall bpf_dynptr_data\n"
        "if r0 == 0 goto out\nr0 = *(u32 *)(r0 + 0)\n" + OUT,
        0,
    ),
)
"""Dynptrs of the helpers (``pybpf.verifier.dynptr``): ring-buffer dynptrs hold a reference, local
ones are made from map values; their stack slots, slices and releases."""

CASES = REFERENCES + SPIN_LOCKS + CALLBACKS + STACK_DEPTH + HELPER_MAPS + DYNPTRS
_PROCESSED = re.compile(r"^processed (\d+) insns", re.M)


def _processed(log: str) -> int | None:
    found = _PROCESSED.search(log)
    return int(found.group(1)) if found else None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_like_the_kernel(case: Case) -> None:
    err, log = load(case.text, case.prog_type, UserBackend())
    if kernel_bpf_available():
        kerr, klog = load(case.text, case.prog_type, NativeBackend())
        assert (kerr, reason(klog) if kerr else "") == (case.err, case.reason), f"the kernel says:\n{klog}"
        if case in CALLBACKS:
            assert _processed(log) == _processed(klog), f"pybpf:\n{log}\nthe kernel:\n{klog}"
    assert err == case.err, log
    if case.err:
        assert reason(log) == case.reason, log


def test_case_names_unique() -> None:
    assert len({c.name for c in CASES}) == len(CASES)
    groups = (REFERENCES, SPIN_LOCKS, CALLBACKS, STACK_DEPTH, HELPER_MAPS, DYNPTRS)
    assert all(any(c.err == 0 for c in group) and any(c.err for c in group) for group in groups)


# --- return ranges (check_return_code) on a type pybpf does not load ---

RETURNS = (
    ("r0 = 1\nexit", 0, 0, ""),
    (
        "r0 = 2\nexit",
        0,
        EINVAL,
        "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]",
    ),
    (
        "r0 = *(u32 *)(r1 + 0)\nexit",
        0,
        EINVAL,
        "At program exit the register R0 has smin=0 smax=4294967295 should have been in [0, 1]",
    ),
    ("r0 = *(u32 *)(r1 + 0)\nr0 &= 1\nexit", 0, 0, ""),
    ("r0 = r1\nexit", 0, EINVAL, "At program exit the register R0 is not a known value (ctx)"),
    ("exit", 0, EACCES, "R0 !read_ok"),
    ("r0 = 3\nexit", uapi.BPF_CGROUP_INET_EGRESS, 0, ""),
    (
        "r0 = 3\nexit",
        uapi.BPF_CGROUP_INET_INGRESS,
        EINVAL,
        "At program exit the register R0 has smin=3 smax=3 should have been in [0, 1]",
    ),
    (
        "r0 = 4\nexit",
        uapi.BPF_CGROUP_INET_EGRESS,
        EINVAL,
        "At program exit the register R0 has smin=4 smax=4 should have been in [0, 3]",
    ),
)


@pytest.mark.parametrize(("text", "attach", "err", "line"), RETURNS)
def test_return_range_like_the_kernel(text: str, attach: int, err: int, line: str) -> None:
    request = make_request(assemble(text, "kernel"), allowed=BASE_HELPERS)
    cgroup_skb = FakeProgType(CGSKB, "cgroup_skb", BASE_HELPERS)
    request = dataclasses.replace(request, prog_type=cgroup_skb, expected_attach_type=attach)
    if err:
        with pytest.raises(VerifierError) as refused:
            verify(request)
        assert (refused.value.errno, refused.value.reason) == (err, line)
    else:
        verify(request)
    if kernel_bpf_available():
        kerr, klog = load(text, CGSKB, NativeBackend(), expected_attach_type=attach)
        assert (kerr, reason(klog) if kerr else "") == (err, line), klog


def test_return_ranges_are_data() -> None:
    assert return_range(uapi.BPF_PROG_TYPE_XDP, 0) is None
    assert return_range(CGSKB, uapi.BPF_CGROUP_INET_EGRESS) == (0, 3)
    assert return_range(uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, uapi.BPF_CGROUP_UDP4_RECVMSG) == (1, 1)
    assert return_range(uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_TRACE_RAW_TP) is None


# --- the level-2 lines about references and callbacks ---

_MARKERS = (" cb", "async_cb", "refs=", "returning from callee:", "to caller at ")


def _reference_lines(log: str) -> list[str]:
    """The states in level-2 lines that show references and callback frames, with the line after
    each ``returning from callee:`` / ``to caller at N:`` header (the state printed there)."""
    lines = log.splitlines()
    picked: list[str] = []
    for i, line in enumerate(lines):
        if line.startswith("mark_precise"):
            continue  # precision backtracking (pybpf has no precision marks yet)
        if any(m in line for m in _MARKERS) or (i and lines[i - 1].startswith(("returning", "to caller"))):
            picked.append(_STATE.sub("", line).strip())  # the state (where it is printed varies)
    return picked


_STATE = re.compile(r"^\d+:( \([0-9a-f]{2}\) [^;]*;)?")


LOG2_CASES = (
    "loop_counts",
    "for_each_hash_counts",
    "timer",
    "loop_nested",
    "ringbuf_submitted",
    "ringbuf_two_leaked",
    "lock_unlock",
    "dynptr_data_written",
)


@pytest.mark.skipif(not kernel_bpf_available(), reason="needs bpf(2)")
@pytest.mark.parametrize("name", LOG2_CASES)
def test_level2_reference_lines_like_the_kernel(name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    _, log = load(case.text, case.prog_type, UserBackend(), log_level=2)
    _, klog = load(case.text, case.prog_type, NativeBackend(), log_level=2)
    mine = _reference_lines(log)
    assert mine and mine == _reference_lines(klog), f"pybpf:\n{log}\nthe kernel:\n{klog}"
