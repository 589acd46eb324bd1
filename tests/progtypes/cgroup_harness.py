"""Shared plumbing of the cgroup program-type tests (no tests here): load a program with an expected
attach type and run BPF_PROG_TEST_RUN on either backend, through ``Backend.bpf`` (pybpf's whole load
path: its verifier, its rewrites, its engine), so that both answers are compared as a user sees them."""

from __future__ import annotations

import contextlib
import ctypes
import os
from dataclasses import dataclass

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes.base import ProgType

needs_kernel = pytest.mark.skipif(not kernel_bpf_available(), reason="the real bpf(2) is not available here")
LOG_SIZE = 1 << 16


@dataclass
class Loaded:
    """A load's outcome: the fd (-1 when refused), the errno (0: loaded) and the log's last line."""

    fd: int
    errno: int
    last_line: str


def load(backend: Backend, prog_type: int, text: str, attach: int = 0) -> Loaded:
    """BPF_PROG_LOAD of ``text`` (GPL, log level 1) as ``prog_type`` with ``attach`` as
    expected_attach_type; the caller closes a returned fd."""
    code = encode_program(assemble(text, "kernel"))
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(LOG_SIZE)
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(insns), len(code) // 8
    attr.license, attr.expected_attach_type = ctypes.addressof(lic), attach
    attr.log_level, attr.log_size, attr.log_buf = 1, LOG_SIZE, ctypes.addressof(log)
    try:
        fd = backend.bpf(uapi.BPF_PROG_LOAD, attr)
    except BPFError as exc:
        lines = log.value.decode(errors="replace").strip().splitlines()
        reasons = [line for line in lines if not line.startswith(("processed ", "verification time"))]
        return Loaded(-1, exc.errno or 0, reasons[-1] if reasons else "")
    return Loaded(fd, 0, "")


def load_errno(backend: Backend, prog_type: int, text: str, attach: int = 0) -> int:
    """The errno of loading ``text`` (0: it loaded; the program is closed again)."""
    loaded = load(backend, prog_type, text, attach)
    if loaded.fd >= 0:
        os.close(loaded.fd)
    return loaded.errno


@dataclass
class Run:
    """What one BPF_PROG_TEST_RUN produced, or the errno it failed with."""

    retval: int = 0
    data_out: bytes = b""
    ctx_out: bytes = b""
    errno: int = 0


def prog_test_run(
    backend: Backend, fd: int, data: bytes, ctx_in: bytes | None = None, ctx_size_out: int = 0
) -> Run:
    """BPF_PROG_TEST_RUN with a 4096-byte data_out and ``ctx_size_out`` bytes of ctx_out."""
    data_in = ctypes.create_string_buffer(data, max(len(data), 1))
    data_out = ctypes.create_string_buffer(4096)
    ctx = ctypes.create_string_buffer(ctx_in or b"\0", max(len(ctx_in or b""), 1))
    ctx_out = ctypes.create_string_buffer(max(ctx_size_out, 1))
    attr = uapi.bpf_attr()
    attr.test.prog_fd = fd
    attr.test.data_in, attr.test.data_size_in = ctypes.addressof(data_in), len(data)
    attr.test.data_out, attr.test.data_size_out = ctypes.addressof(data_out), 4096
    if ctx_in is not None:
        attr.test.ctx_in, attr.test.ctx_size_in = ctypes.addressof(ctx), len(ctx_in)
    if ctx_size_out:
        attr.test.ctx_out, attr.test.ctx_size_out = ctypes.addressof(ctx_out), ctx_size_out
    try:
        backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    except BPFError as exc:
        return Run(errno=exc.errno or 0)
    return Run(
        attr.test.retval,
        data_out.raw[: attr.test.data_size_out],
        ctx_out.raw[: min(attr.test.ctx_size_out, ctx_size_out)],
    )


def run_text(
    backend: Backend,
    prog_type: int,
    text: str,
    data: bytes,
    *,
    ctx_in: bytes | None = None,
    ctx_size_out: int = 0,
    attach: int = 0,
) -> Run:
    """Load ``text`` and test-run it once; a refused load is the Run's errno."""
    loaded = load(backend, prog_type, text, attach)
    if loaded.fd < 0:
        return Run(errno=loaded.errno)
    try:
        return prog_test_run(backend, loaded.fd, data, ctx_in, ctx_size_out)
    finally:
        with contextlib.suppress(OSError):
            os.close(loaded.fd)


BACKENDS: tuple[type[Backend], ...] = (UserBackend, NativeBackend)


def xlated(backend: Backend, fd: int) -> list[int]:
    """The opcodes of the program as the verifier's fixups left it (BPF_OBJ_GET_INFO_BY_FD's
    xlated_prog_insns): the shape of the ctx rewrites, whose offsets are each side's own structs."""
    info = uapi.bpf_prog_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    buf = ctypes.create_string_buffer(info.xlated_prog_len)
    again = uapi.bpf_prog_info()
    again.xlated_prog_len, again.xlated_prog_insns = info.xlated_prog_len, ctypes.addressof(buf)
    attr.info.info_len, attr.info.info = ctypes.sizeof(again), ctypes.addressof(again)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return [buf.raw[i] for i in range(0, len(buf.raw), 8)]


def access_text(off: int, size: int, write: bool) -> str:
    """One ctx read into r2, or one store of r2 = 0, at ``r1 + off``; the program returns 1."""
    width = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[size]
    body = f"r2 = 0\n*({width} *)(r1 + {off}) = r2\n" if write else f"r2 = *({width} *)(r1 + {off})\n"
    return body + "r0 = 1\nexit\n"


def kernel_helpers(prog_type: int, attach: int = 0) -> frozenset[int]:
    """The helper ids 1..211 the running kernel lets a ``prog_type`` program of ``attach`` call (only
    "unknown func" or "program of this type cannot use helper" mean the type lacks a helper)."""
    allowed = set()
    for helper in range(1, 212):
        loaded = load(
            NativeBackend(),
            prog_type,
            f"r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall {helper}\nr0 = 0\nexit\n",
            attach,
        )
        if loaded.fd >= 0:
            os.close(loaded.fd)
        if "unknown func" not in loaded.last_line and "cannot use helper" not in loaded.last_line:
            allowed.add(helper)
    return frozenset(allowed)


def access_differences(
    kind: ProgType, ctx_size: int, *, write: bool, attach: int = 0
) -> list[tuple[int, int, int, int]]:
    """Every aligned ctx access (offsets up to 8 bytes past ``ctx_size``, sizes 1..8) on which the
    kernel, pybpf's whole load path and ``kind.is_valid_access`` do not all agree: (off, size, kernel
    errno, pybpf errno)."""
    differ = []
    for size in (1, 2, 4, 8):
        for off in range(0, ctx_size + 8, size):
            text = access_text(off, size, write)
            theirs = load_errno(NativeBackend(), kind.prog_type, text, attach)
            mine = load_errno(UserBackend(), kind.prog_type, text, attach)
            if mine != theirs or (mine == 0) != kind.is_valid_access(off, size, write):
                differ.append((off, size, theirs, mine))
    return differ
