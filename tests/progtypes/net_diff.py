"""Load and test-run one program on pybpf's user-space backend and on the kernel, through ``bpf()``
on each (the verifier, the ctx rewrite, the engine and the type's test run all in the loop), and
compare: the load's errno, the run's errno, retval, data_out, ctx_out.  No tests here."""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend

OUT_SIZE = 4096
DEFAULT_ATTACH = {
    uapi.BPF_PROG_TYPE_SK_LOOKUP: uapi.BPF_SK_LOOKUP,
    uapi.BPF_PROG_TYPE_NETFILTER: uapi.BPF_NETFILTER,
}
"""The expected_attach_type a program type cannot load without."""


@dataclass
class NetOutcome:
    """The load's errno (0: loaded), then the run's errno or its results."""

    load_errno: int = 0
    run_errno: int = 0
    retval: int = 0
    data_out: bytes = b""
    ctx_out: bytes = b""


def load_fd(backend: Backend, prog_type: int, text: str, expected_attach_type: int = 0) -> int:
    return _load(backend, prog_type, text, expected_attach_type, None)


def _load(
    backend: Backend,
    prog_type: int,
    text: str,
    expected_attach_type: int,
    log: ctypes.Array[ctypes.c_char] | None,
) -> int:
    code = encode_program(assemble(text, "kernel"))
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(insns), len(code) // 8
    attr.license, attr.expected_attach_type = ctypes.addressof(lic), expected_attach_type
    if log is not None:
        attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
    return backend.bpf(uapi.BPF_PROG_LOAD, attr)


def load_log(backend: Backend, prog_type: int, text: str, expected_attach_type: int = 0) -> tuple[int, str]:
    """(errno, level-1 log) of loading ``text`` (errno 0: loaded)."""
    log = ctypes.create_string_buffer(1 << 16)
    try:
        os.close(_load(backend, prog_type, text, expected_attach_type, log))
    except BPFError as err:
        return err.errno or 0, log.value.decode(errors="replace")
    return 0, log.value.decode(errors="replace")


def run_on(
    backend: Backend,
    prog_type: int,
    text: str,
    data: bytes = b"",
    ctx_in: bytes | None = None,
    *,
    ctx_size_out: int = 0,
    repeat: int = 0,
    expected_attach_type: int = 0,
    flags: int = 0,
) -> NetOutcome:
    try:
        fd = load_fd(backend, prog_type, text, expected_attach_type)
    except BPFError as err:
        return NetOutcome(load_errno=err.errno or 0)
    data_buf = ctypes.create_string_buffer(data, max(len(data), 1))
    out_buf = ctypes.create_string_buffer(OUT_SIZE)
    ctx_buf = ctypes.create_string_buffer(ctx_in or b"", max(len(ctx_in or b""), 1))
    ctx_out = ctypes.create_string_buffer(max(ctx_size_out, 1))
    attr = uapi.bpf_attr()
    attr.test.prog_fd, attr.test.repeat, attr.test.flags = fd, repeat, flags
    if data:
        attr.test.data_in, attr.test.data_size_in = ctypes.addressof(data_buf), len(data)
        attr.test.data_out, attr.test.data_size_out = ctypes.addressof(out_buf), OUT_SIZE
    if ctx_in is not None:
        attr.test.ctx_in, attr.test.ctx_size_in = ctypes.addressof(ctx_buf), len(ctx_in)
    if ctx_size_out:
        attr.test.ctx_out, attr.test.ctx_size_out = ctypes.addressof(ctx_out), ctx_size_out
    try:
        backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    except BPFError as err:
        return NetOutcome(run_errno=err.errno or 0)
    finally:
        os.close(fd)
    data_size = attr.test.data_size_out if data else 0
    return NetOutcome(
        0,
        0,
        attr.test.retval,
        out_buf.raw[:data_size],
        ctx_out.raw[: attr.test.ctx_size_out] if ctx_size_out else b"",
    )


def compare_net(
    prog_type: int, text: str, data: bytes = b"", ctx_in: bytes | None = None, **kwargs: int
) -> NetOutcome:
    """The outcome on pybpf, asserted equal to the kernel's (loaded with the attach type the type needs)."""
    kwargs.setdefault("expected_attach_type", DEFAULT_ATTACH.get(prog_type, 0))
    mine = run_on(UserBackend(), prog_type, text, data, ctx_in, **kwargs)
    theirs = run_on(NativeBackend(), prog_type, text, data, ctx_in, **kwargs)
    assert mine == theirs, f"pybpf {mine} != kernel {theirs}"
    return mine
