"""Load and test-run programs of any type on the real kernel (the oracle of the program-type tests).

Packs the few ``union bpf_attr`` layouts needed with ``struct`` (offsets from linux/bpf.h) and calls
``pybpf.kernel.native.native_bpf``: BPF_PROG_LOAD with a log, BPF_PROG_TEST_RUN with every field
(data, ctx, repeat, flags, cpu, batch_size), BPF_OBJ_GET_INFO_BY_FD for the xlated instructions.
"""

from __future__ import annotations

import ctypes
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from pybpf.errors import BPFError
from pybpf.isa.instruction import Instruction, decode_program, encode_program
from pybpf.kernel.native import native_bpf

BPF_PROG_LOAD = 5
BPF_PROG_TEST_RUN = 10
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_F_SLEEPABLE = 1 << 4
LOG_SIZE = 1 << 18


class LoadError(Exception):
    def __init__(self, errno_: int, log: str) -> None:
        super().__init__(f"errno {errno_}: {log}")
        self.errno = errno_
        self.log = log


def load(
    program: Sequence[Instruction], prog_type: int, prog_flags: int = 0, expected_attach_type: int = 0
) -> int:
    """BPF_PROG_LOAD (GPL, log level 1); raises LoadError with the verifier log."""
    code = ctypes.create_string_buffer(encode_program(program))
    license_ = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(LOG_SIZE)
    count = len(code.raw) // 8
    head = struct.pack(
        "<IIQQIIQII",
        prog_type,
        count,
        ctypes.addressof(code),
        ctypes.addressof(license_),
        1,
        LOG_SIZE,
        ctypes.addressof(log),
        0,
        prog_flags,
    ) + struct.pack("<16sII", b"", 0, expected_attach_type)
    try:
        return native_bpf(BPF_PROG_LOAD, head + bytes(128 - len(head)))
    except BPFError as err:
        raise LoadError(err.errno or 0, log.value.decode(errors="replace")) from None


@dataclass
class KernelRun:
    retval: int
    data_out: bytes
    data_size_out: int
    ctx_out: bytes
    ctx_size_out: int
    duration: int
    ctx_in_after: bytes = b""
    """The ctx_in buffer after the run (SYSCALL programs write their ctx back into it)."""


def test_run(
    fd: int,
    data: bytes = b"",
    *,
    data_size_out: int = 0,
    ctx_in: bytes | None = None,
    ctx_size_out: int = 0,
    repeat: int = 0,
    flags: int = 0,
    cpu: int = 0,
    batch_size: int = 0,
    data_out: bool = True,
) -> KernelRun:
    """BPF_PROG_TEST_RUN with every field; raises BPFError with the kernel's errno."""
    data_buf = ctypes.create_string_buffer(data, max(len(data), 1))
    out_buf = ctypes.create_string_buffer(max(data_size_out, 1))
    ctx_buf = ctypes.create_string_buffer(ctx_in or b"\0", max(len(ctx_in or b""), 1))
    ctx_out_buf = ctypes.create_string_buffer(max(ctx_size_out, 1))
    attr = bytearray(
        struct.pack(
            "<IIIIQQIIIIQQIII",
            fd,
            0,
            len(data),
            data_size_out,
            ctypes.addressof(data_buf) if data else 0,
            ctypes.addressof(out_buf) if data_out and data_size_out else 0,
            repeat,
            0,
            len(ctx_in or b""),
            ctx_size_out,
            ctypes.addressof(ctx_buf) if ctx_in is not None else 0,
            ctypes.addressof(ctx_out_buf) if ctx_size_out else 0,
            flags,
            cpu,
            batch_size,
        )
    )
    attr += bytes(80 - len(attr))
    native_bpf(BPF_PROG_TEST_RUN, attr)
    (_, retval, _, size_out, _, _, _, duration, _, ctx_size) = struct.unpack_from("<IIIIQQIIII", attr)
    return KernelRun(
        retval,
        out_buf.raw[: min(size_out, data_size_out)],
        size_out,
        ctx_out_buf.raw[: min(ctx_size, ctx_size_out)],
        ctx_size,
        duration,
        ctx_buf.raw[: len(ctx_in or b"")],
    )


def helper_allowed(
    prog_type: int, helper_id: int, prog_flags: int = 0, expected_attach_type: int = 0
) -> bool:
    """Whether a program of ``prog_type`` calling helper ``helper_id`` gets past the helper lookup.

    The program calls the helper with r1-r5 = 0: it may still be refused for its arguments, but
    only "unknown func" / "program of this type cannot use helper" mean the type lacks the helper.
    """
    import pybpf

    source = f"r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall {helper_id}\nr0 = 0\nexit"
    try:
        fd = load(pybpf.assemble(source), prog_type, prog_flags, expected_attach_type)
    except LoadError as err:
        return "cannot use helper" not in err.log and "unknown func" not in err.log
    os.close(fd)
    return True


def access_allowed(prog_type: int, off: int, size: int, write: bool, prog_flags: int = 0) -> bool:
    """Whether the verifier accepts one ctx access of ``size`` bytes at ``off`` (r1 + off)."""
    import pybpf

    ctype = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[size]
    sign = "+" if off >= 0 else "-"
    access = f"*({ctype} *)(r1 {sign} {abs(off)})"
    body = f"r2 = 0\n{access} = r2\n" if write else f"r2 = {access}\n"
    try:
        fd = load(pybpf.assemble(body + "r0 = 0\nexit"), prog_type, prog_flags)
    except LoadError as err:
        if "invalid bpf_context access" in err.log or "cannot write into" in err.log:
            return False
        raise
    os.close(fd)
    return True


def xlated(fd: int) -> list[Instruction]:
    """The kernel's rewritten program (bpf_prog_info.xlated_prog_insns)."""
    info = ctypes.create_string_buffer(256)
    native_bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack("<IIQ", fd, 256, ctypes.addressof(info)))
    length = struct.unpack_from("<I", info.raw, 20)[0]
    buf = ctypes.create_string_buffer(length)
    info2 = ctypes.create_string_buffer(256)
    struct.pack_into("<Q", info2, 32, ctypes.addressof(buf))
    struct.pack_into("<I", info2, 20, length)
    native_bpf(BPF_OBJ_GET_INFO_BY_FD, struct.pack("<IIQ", fd, 256, ctypes.addressof(info2)))
    return decode_program(buf.raw)


def run_once(program: Sequence[Instruction], prog_type: int, data: bytes, **kwargs: object) -> KernelRun:
    fd = load(program, prog_type)
    try:
        return test_run(fd, data, **kwargs)  # type: ignore[arg-type]
    finally:
        os.close(fd)
