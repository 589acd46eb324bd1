"""Programs the kernel refuses at BPF_PROG_LOAD: pybpf must refuse them with the same errno and log.

Each case is a program (assembly text, or raw instruction bytes where the assembler rightly refuses
to encode the mistake) with its program type and license.  It is loaded through the raw
``union bpf_attr`` on the user backend and on the kernel (log_level 1): both must fail with the
errno written in the case, the kernel's log must contain the line the case expects (so the case
tests what it says it tests), and pybpf's log must contain the kernel's key line — its first line
that is not an instruction trace or a statistics line.  Without the real bpf(2) only pybpf's half
runs, against the errno and line written in the case.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from pybpf import Map, Program, uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.program import prog_type_number
from pybpf.uapi import ENOTSUPP


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    """One raw 8-byte instruction, whatever its fields."""
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


EXIT = insn(0x95)
MOV0 = insn(0xB7)  # r0 = 0


@dataclass
class Env:
    """What a case's source may refer to: fds created for it on one backend."""

    backend: Backend
    fds: dict[str, int]


Source = str | bytes | Callable[[Env], str | bytes]


@dataclass(frozen=True)
class LoadCase:
    name: str
    source: Source
    errno: int
    line: str
    """A line (or a distinctive part of it) the kernel's log holds; empty when it writes none."""
    prog_type: str = "xdp"
    license: str = "GPL"


def _map(
    map_type: int, key_size: int, value_size: int, max_entries: int, flags: int = 0
) -> Callable[[Env], int]:
    def make(env: Env) -> int:
        attr = uapi.bpf_attr()
        attr.map_type, attr.key_size, attr.value_size = map_type, key_size, value_size
        attr.max_entries, attr.map_flags = max_entries, flags
        return env.backend.bpf(uapi.BPF_MAP_CREATE, attr)

    return make


def with_map(make: Callable[[Env], int], text: str) -> Callable[[Env], str]:
    """``text`` with ``map_fd(m)`` / ``map_value(m, N)`` naming a fresh map of the backend."""

    def source(env: Env) -> str:
        env.fds["m"] = make(env)
        return text.replace("(m", f"({env.fds['m']}")

    return source


def closed_map_fd(env: Env) -> str:
    fd = _map(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)(env)
    os.close(fd)
    return f"r1 = map_fd({fd}) ll\nr0 = 0\nexit"


def non_map_fd(env: Env) -> str:
    env.fds["file"] = os.open("/dev/null", os.O_RDONLY | os.O_CLOEXEC)
    return f"r1 = map_fd({env.fds['file']}) ll\nr0 = 0\nexit"


def prog_fd_as_map(env: Env) -> str:
    prog = Program.load("r0 = 2\nexit", "xdp", backend=env.backend)
    env.fds["prog"] = prog.fd
    return f"r1 = map_fd({prog.fd}) ll\nr0 = 0\nexit"


CASES: tuple[LoadCase, ...] = (
    # --- control flow structure ---
    LoadCase("unreachable_insn", "r0 = 0\nexit\nr0 = 1\nexit", errno.EINVAL, "unreachable insn 2"),
    LoadCase(
        "jump_out_of_range",
        MOV0 + insn(0x05, off=5) + EXIT,
        errno.EINVAL,
        "jump out of range from insn 1 to 7",
    ),
    LoadCase(
        "jump_backwards_out_of_range",
        MOV0 + insn(0x05, off=-3) + EXIT,
        errno.EINVAL,
        "jump out of range from insn 1 to -1",
    ),
    LoadCase(
        "jump_into_lddw",
        insn(0x15, 1, off=1) + insn(0x18, 1, imm=1) + insn(0) + MOV0 + EXIT,
        errno.EINVAL,
        "jump into the middle of ldimm64 insn 1",
    ),
    LoadCase("missing_exit", "r0 = 0\nr0 += 1", errno.EINVAL, "last insn is not an exit or jmp"),
    LoadCase(
        "falls_off_after_jump",
        "r0 = 0\nif r0 == 0 goto +1\nexit\nr0 = 1",
        errno.EINVAL,
        "last insn is not an exit or jmp",
    ),
    LoadCase("infinite_loop", "r0 = 0\nl:\ngoto l", errno.EINVAL, "infinite loop detected at insn 1"),
    LoadCase(
        "call_out_of_range",
        MOV0 + insn(0x85, src=1, imm=100) + EXIT,
        errno.EINVAL,
        "call to invalid destination",
    ),
    LoadCase("empty_program", b"", errno.E2BIG, ""),
    # --- instruction encoding ---
    LoadCase("unknown_opcode", MOV0 + insn(0xFF) + EXIT, errno.EINVAL, "unknown opcode ff"),
    LoadCase("unknown_alu_opcode", MOV0 + insn(0xE7) + EXIT, errno.EINVAL, "unknown opcode e7"),
    LoadCase("bad_dst_register", insn(0xB7, dst=11) + MOV0 + EXIT, errno.EINVAL, "R11 is invalid"),
    LoadCase("bad_src_register", insn(0xBF, dst=0, src=12) + EXIT, errno.EINVAL, "R12 is invalid"),
    LoadCase(
        "mov_reserved_src", insn(0xB7, src=1, imm=1) + EXIT, errno.EINVAL, "BPF_MOV uses reserved fields"
    ),
    LoadCase(
        "alu_reserved_off",
        MOV0 + insn(0x07, off=1, imm=1) + EXIT,
        errno.EINVAL,
        "BPF_ALU uses reserved fields",
    ),
    LoadCase("exit_reserved_imm", MOV0 + insn(0x95, imm=1), errno.EINVAL, "BPF_EXIT uses reserved fields"),
    LoadCase("ja_reserved_src", MOV0 + insn(0x05, src=1) + EXIT, errno.EINVAL, "BPF_JA uses reserved fields"),
    LoadCase(
        "store_reserved_imm",
        MOV0 + insn(0x7B, 10, 0, -8, imm=3) + EXIT,
        errno.EINVAL,
        "BPF_STX uses reserved fields",
    ),
    LoadCase(
        "lddw_second_slot_nonzero",
        insn(0x18, 1, imm=1) + insn(0x18) + MOV0 + EXIT,
        errno.EINVAL,
        "invalid bpf_ld_imm64 insn",
    ),
    LoadCase(
        "lddw_truncated", MOV0 + EXIT + insn(0x18, 1, imm=1), errno.EINVAL, "last insn is not an exit or jmp"
    ),
    LoadCase(
        "lddw_unknown_pseudo",
        insn(0x18, 1, src=7, imm=1) + insn(0) + MOV0 + EXIT,
        errno.EINVAL,
        "unrecognized bpf_ld_imm64 insn",
    ),
    LoadCase("frame_pointer_write", "r10 = 0\nr0 = 0\nexit", errno.EACCES, "frame pointer is read only"),
    LoadCase("uninitialized_r0_at_exit", "exit", errno.EACCES, "R0 !read_ok"),
    LoadCase("uninitialized_source", "r0 = r5\nexit", errno.EACCES, "R5 !read_ok"),
    LoadCase("div_by_zero_imm", "r0 = 1\nr0 /= 0\nexit", errno.EINVAL, "div by zero"),
    LoadCase(
        "stack_out_of_bounds",
        "r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit",
        errno.EACCES,
        "invalid write to stack R10 off=-520 size=8",
    ),
    LoadCase(
        "ld_abs_in_xdp",
        "r6 = r1\nr0 = *(u8 *)skb[0]\nexit",
        errno.EINVAL,
        "BPF_LD_[ABS|IND] instructions not allowed for this program type",
    ),
    # --- helpers ---
    LoadCase("unknown_helper", "call 100000\nexit", errno.EINVAL, "invalid func unknown#100000"),
    LoadCase(
        "helper_not_for_socket_filter",
        "r2 = 4\ncall bpf_xdp_adjust_head\nexit",
        errno.EINVAL,
        "program of this type cannot use helper bpf_xdp_adjust_head#44",
        prog_type="socket_filter",
    ),
    LoadCase(
        "gpl_helper_from_proprietary",
        "r1 = r10\nr1 += -8\n*(u64 *)(r10 - 8) = 0\nr2 = 8\ncall bpf_trace_printk\nr0 = 0\nexit",
        errno.EINVAL,
        "cannot call GPL-restricted function from non-GPL compatible program",
        license="Proprietary",
    ),
    LoadCase(
        "helper_wrong_arg_type",
        "r1 = 0\nr2 = r10\nr2 += -8\ncall bpf_map_lookup_elem\nr0 = 0\nexit",
        errno.EACCES,
        "R1 type=scalar expected=map_ptr",
    ),
    # --- map references ---
    LoadCase(
        "bad_map_fd",
        "r1 = map_fd(9999) ll\nr0 = 0\nexit",
        errno.EBADF,
        "fd 9999 is not pointing to valid bpf_map",
    ),
    LoadCase("closed_map_fd", closed_map_fd, errno.EBADF, "is not pointing to valid bpf_map"),
    LoadCase("non_map_fd", non_map_fd, errno.EINVAL, "is not pointing to valid bpf_map"),
    LoadCase("prog_fd_as_map_fd", prog_fd_as_map, errno.EINVAL, "is not pointing to valid bpf_map"),
    LoadCase(
        "map_value_on_hash",
        with_map(_map(uapi.BPF_MAP_TYPE_HASH, 4, 8, 4), "r1 = map_value(m, 0) ll\nr0 = 0\nexit"),
        errno.EINVAL,
        "no direct value access support for this map type",
    ),
    LoadCase(
        "map_value_on_multi_entry_array",
        with_map(_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 24, 4), "r1 = map_value(m, 0) ll\nr0 = 0\nexit"),
        ENOTSUPP,
        "invalid access to map value pointer, value_size=24 off=0",
    ),
    LoadCase(
        "map_value_offset_past_value",
        with_map(_map(uapi.BPF_MAP_TYPE_ARRAY, 4, 24, 1), "r1 = map_value(m, 100) ll\nr0 = 0\nexit"),
        errno.EINVAL,
        "invalid access to map value pointer, value_size=24 off=100",
    ),
    LoadCase(
        "pseudo_func_without_btf",
        "r2 = func(f) ll\nr0 = 0\nexit\nf:\nr0 = 0\nexit",
        errno.EINVAL,
        "missing btf func_info",
    ),
    LoadCase(
        "pseudo_func_out_of_range",
        insn(0x18, 2, src=4, imm=50) + insn(0) + MOV0 + EXIT,
        errno.EINVAL,
        "call to invalid destination",
    ),
    LoadCase(
        "pseudo_func_into_main_body",
        "r2 = func(l) ll\nr0 = 0\nl:\nr0 = 1\nexit",
        errno.EINVAL,
        "last insn is not an exit or jmp",
    ),
    LoadCase(
        "jump_across_subprograms",
        "call f\nr0 = 0\nif r0 == 0 goto l\nexit\nf:\nr0 = 1\nl:\nexit",
        errno.EINVAL,
        "jump out of range from insn 2 to 5",
    ),
    LoadCase("callx_unknown_to_the_kernel", "r0 = 0\ncallx r0\nexit", errno.EINVAL, "unknown opcode 8d"),
    LoadCase(
        "kfunc_not_a_function", "call kfunc(1)\nexit", errno.EINVAL, "kernel btf_id 1 is not a function"
    ),
    # --- context access ---
    LoadCase(
        "xdp_ctx_read_past_end",
        "r0 = *(u32 *)(r1 + 24)\nexit",
        errno.EACCES,
        "invalid bpf_context access off=24 size=4",
    ),
    LoadCase(
        "xdp_ctx_write",
        "r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit",
        errno.EACCES,
        "invalid bpf_context access off=0 size=4",
    ),
    LoadCase(
        "xdp_ctx_misaligned",
        "r0 = *(u32 *)(r1 + 2)\nexit",
        errno.EACCES,
        "invalid bpf_context access off=2 size=4",
    ),
    LoadCase(
        "xdp_ctx_egress_ifindex",
        "r0 = *(u32 *)(r1 + 20)\nexit",
        errno.EACCES,
        "invalid bpf_context access off=20 size=4",
    ),
    LoadCase(
        "socket_filter_ctx_data",
        "r0 = *(u32 *)(r1 + 76)\nexit",
        errno.EACCES,
        "invalid bpf_context access off=76 size=4",
        prog_type="socket_filter",
    ),
    LoadCase(
        "socket_filter_ctx_write_mark",
        "r2 = 1\n*(u32 *)(r1 + 8) = r2\nr0 = 0\nexit",
        errno.EACCES,
        "invalid bpf_context access off=8 size=4",
        prog_type="socket_filter",
    ),
    LoadCase(
        "socket_filter_ctx_past_end",
        "r0 = *(u32 *)(r1 + 192)\nexit",
        errno.EACCES,
        "invalid bpf_context access off=192 size=4",
        prog_type="socket_filter",
    ),
    LoadCase(
        "socket_filter_ctx_u64_len",
        "r0 = *(u64 *)(r1 + 0)\nexit",
        errno.EACCES,
        "invalid bpf_context access off=0 size=8",
        prog_type="socket_filter",
    ),
)

MISMATCHES: dict[str, str] = {}
"""Cases where pybpf is known to answer differently from the kernel: name -> what differs."""

_TRACE = re.compile(
    r"^(\d+: |; |processed \d+ insns|verification time|stack depth|func#|mark_precise|last_idx|"
    r"from \d+ to \d+|\(\w+\) |R\d+=|\s*$)"
)


_FD = re.compile(r"\bfd \d+")


def key_line(log: str) -> str:
    """The first line of a verifier log that says what is wrong (not a trace or statistics line)."""
    for line in log.splitlines():
        if not _TRACE.match(line):
            return line.strip()
    return ""


def code_of(source: Source, env: Env) -> bytes:
    text = source(env) if callable(source) else source
    if isinstance(text, str):
        return encode_program(assemble(text, "kernel"))
    return text


def try_load(case: LoadCase, backend: Backend) -> tuple[int, str]:
    """Load ``case`` on ``backend`` through the raw attr: (errno, log); errno 0 when it loaded."""
    env = Env(backend, {})
    try:
        code = code_of(case.source, env)
        buffer = ctypes.create_string_buffer(code, max(1, len(code)))
        lic = ctypes.create_string_buffer(case.license.encode())
        log = ctypes.create_string_buffer(1 << 16)
        attr = uapi.bpf_attr()
        attr.prog_type = prog_type_number(case.prog_type)
        attr.insns, attr.insn_cnt = ctypes.addressof(buffer), len(code) // 8
        attr.license = ctypes.addressof(lic)
        attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
        try:
            fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
        except BPFError as exc:
            return exc.errno or 0, log.value.decode(errors="replace")
        os.close(fd)
        return 0, log.value.decode(errors="replace")
    finally:
        for fd in env.fds.values():
            os.close(fd)


def _params() -> Iterator[object]:
    for case in CASES:
        marks = (
            [pytest.mark.xfail(strict=True, reason=MISMATCHES[case.name])] if case.name in MISMATCHES else []
        )
        yield pytest.param(case, id=case.name, marks=marks)


def test_there_are_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", list(_params()))
def test_refused_like_the_kernel(case: LoadCase) -> None:
    mine, my_log = try_load(case, UserBackend())
    if kernel_bpf_available():
        theirs, their_log = try_load(case, NativeBackend())
        assert theirs == case.errno, f"the kernel answered errno {theirs}, log {their_log!r}"
        assert case.line in their_log, f"the kernel's log does not say {case.line!r}: {their_log!r}"
        key = key_line(their_log)
    else:
        key = case.line
    assert mine == case.errno, f"pybpf answered errno {mine} (kernel: {case.errno}), log {my_log!r}"
    key, my_log = _FD.sub("fd N", key), _FD.sub("fd N", my_log)  # each backend's own fd numbers
    assert key in my_log, f"pybpf's log lacks the kernel's line {key!r}: {my_log!r}"


def test_too_many_instructions_is_e2big(backend: Backend) -> None:
    """One instruction past BPF_COMPLEXITY_LIMIT_INSNS (1,000,000 for a privileged loader)."""
    count = 1_000_001
    code = ctypes.create_string_buffer(MOV0 * (count - 1) + EXIT, 8 * count)
    lic = ctypes.create_string_buffer(b"GPL")
    attr = uapi.bpf_attr()
    attr.prog_type = uapi.BPF_PROG_TYPE_XDP
    attr.insns, attr.insn_cnt, attr.license = ctypes.addressof(code), count, ctypes.addressof(lic)
    with pytest.raises(BPFError) as exc:
        backend.bpf(uapi.BPF_PROG_LOAD, attr)
    assert exc.value.errno == errno.E2BIG


def test_closed_map_fd_through_program_load(backend: Backend) -> None:
    """The same mistake through the Pythonic API: EBADF, and the log names the fd."""
    m = Map.create(uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1, backend=backend)
    fd = m.fd
    m.close()
    with pytest.raises(BPFError) as exc:
        Program.load("r1 = map_fd(m) ll\nr0 = 0\nexit", "xdp", maps={"m": fd}, log_level=1, backend=backend)
    assert exc.value.errno == errno.EBADF
    assert f"fd {fd} is not pointing to valid bpf_map" in getattr(exc.value, "log", "")
