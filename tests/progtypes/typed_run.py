"""Load an assembled program with an expected attach type and test-run it, on either backend.

The differential tests of the program types whose load needs ``expected_attach_type`` (NETFILTER)
or whose return value is range-checked: the same ``union bpf_attr`` through ``Backend.bpf`` on the
user-space implementation and on the kernel (``pybpf.kernel.native.NativeBackend``).  A program
reports what it read in ``out`` -- an array map of one ``OUT_SLOTS`` x u64 value its source names
``map_fd(out)``, created per load and read back after the run -- since its return value may be
confined to a range.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from dataclasses import dataclass

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend

LOG_SIZE = 1 << 16
OUT_SLOTS = 8


@dataclass(frozen=True)
class Outcome:
    """What a load and a test run answered: errno 0 and the run's fields, or the errno of the first
    call that failed (``stage``: "load" or "run") with the log's last line for a load."""

    errno: int = 0
    stage: str = ""
    retval: int = 0
    data_size_out: int = 0
    ctx_size_out: int = 0
    out: tuple[int, ...] = ()
    message: str = ""


def recording(*snippets: str) -> str:
    """A program (r6 = ctx) that runs each snippet -- computing r0 from r6 -- and stores r0 in the
    next slot of ``out``, then returns 1."""
    body = [
        "r6 = r1",
        "r1 = 0",
        "*(u32 *)(r10 - 4) = r1",
        "r2 = r10",
        "r2 += -4",
        "r1 = map_fd(out) ll",
        "call bpf_map_lookup_elem",
        "if r0 == 0 goto done",
        "r7 = r0",
    ]
    for slot, snippet in enumerate(snippets):
        body += [snippet.strip(), f"*(u64 *)(r7 + {8 * slot}) = r0"]
    body += ["done:", "r0 = 1", "exit"]
    return "\n".join(body) + "\n"


def _out_map(backend: Backend) -> int:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.value_size, attr.max_entries = (
        uapi.BPF_MAP_TYPE_ARRAY,
        4,
        8 * OUT_SLOTS,
        1,
    )
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


def _read_out(backend: Backend, fd: int) -> tuple[int, ...]:
    key = ctypes.c_uint32(0)
    value = (ctypes.c_uint64 * OUT_SLOTS)()
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key, attr.value = fd, ctypes.addressof(key), ctypes.addressof(value)
    backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, attr)
    return tuple(value)


def load(
    backend: Backend, source: str, prog_type: int, expected_attach_type: int = 0, out_fd: int = -1
) -> int:
    """BPF_PROG_LOAD of ``source`` (GPL, log level 1); BPFError carries the log's last line."""
    code = encode_program(assemble(source, "kernel", maps={"out": out_fd}))
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(LOG_SIZE)
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(insns), len(code) // 8
    attr.license, attr.expected_attach_type = ctypes.addressof(lic), expected_attach_type
    attr.log_level, attr.log_size, attr.log_buf = 1, LOG_SIZE, ctypes.addressof(log)
    try:
        return backend.bpf(uapi.BPF_PROG_LOAD, attr)
    except BPFError as exc:
        lines = log.value.decode(errors="replace").strip().splitlines()
        raise BPFError(exc.errno or 0, lines[-1] if lines else "") from None


def run(
    backend: Backend,
    fd: int,
    data: bytes = b"",
    *,
    ctx_in: bytes | None = None,
    ctx_size_out: int = 0,
    data_size_out: int = 0,
    repeat: int = 0,
    flags: int = 0,
    cpu: int = 0,
    batch_size: int = 0,
) -> Outcome:
    """BPF_PROG_TEST_RUN with every field through ``backend``."""
    data_buf = ctypes.create_string_buffer(data, max(len(data), 1))
    out_buf = ctypes.create_string_buffer(max(data_size_out, 1))
    ctx_buf = ctypes.create_string_buffer(ctx_in or b"\0", max(len(ctx_in or b""), 1))
    ctx_out_buf = ctypes.create_string_buffer(max(ctx_size_out, 1))
    attr = uapi.bpf_attr()
    t = attr.test
    t.prog_fd, t.repeat, t.flags, t.cpu, t.batch_size = fd, repeat, flags, cpu, batch_size
    if data:
        t.data_in, t.data_size_in = ctypes.addressof(data_buf), len(data)
    if data_size_out:
        t.data_out, t.data_size_out = ctypes.addressof(out_buf), data_size_out
    if ctx_in is not None:
        t.ctx_in, t.ctx_size_in = ctypes.addressof(ctx_buf), len(ctx_in)
    if ctx_size_out:
        t.ctx_out, t.ctx_size_out = ctypes.addressof(ctx_out_buf), ctx_size_out
    try:
        backend.bpf(uapi.BPF_PROG_TEST_RUN, attr)
    except BPFError as exc:
        return Outcome(exc.errno or 0, "run")
    return Outcome(0, "", t.retval, t.data_size_out, t.ctx_size_out)


def load_and_run(
    backend: Backend,
    source: str,
    prog_type: int,
    expected_attach_type: int = 0,
    data: bytes = b"",
    **kwargs: int | bytes | None,
) -> Outcome:
    """``load`` then ``run`` (a refused load as an Outcome of stage "load"), with ``out`` read back."""
    out_fd = _out_map(backend)
    try:
        try:
            fd = load(backend, source, prog_type, expected_attach_type, out_fd)
        except BPFError as exc:
            return Outcome(exc.errno or 0, "load", message=exc.strerror or "")
        try:
            done = run(backend, fd, data, **kwargs)  # type: ignore[arg-type]
        finally:
            os.close(fd)
        return Outcome(done.errno, done.stage, done.retval, done.data_size_out, done.ctx_size_out,
                       _read_out(backend, out_fd) if not done.errno else ())  # fmt: skip
    finally:
        os.close(out_fd)


def slots(outcome: Outcome, count: int) -> Sequence[int]:
    """The first ``count`` recorded values."""
    return outcome.out[:count]
