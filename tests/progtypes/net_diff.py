"""Load and test-run one program on pybpf's user-space backend and on the kernel, through ``bpf()``
on each (the verifier, the ctx rewrite, the engine and the type's test run all in the loop), and
compare: the load's errno (and reason), the run's errno, retval, data_out, ctx_out, and what the
program recorded.  A program whose return value is range-checked (NETFILTER's) reports what it read
through ``recording``: an array map of ``OUT_SLOTS`` u64 its source names ``map_fd(out)``, created
per load and read back after the run (``run_on(..., record=True)``).  No tests here."""

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
from tests.verifier.verifier_corpus import reason

OUT_SIZE = 4096
OUT_SLOTS = 8
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
    out: tuple[int, ...] = ()
    """What a ``recording`` program stored (``record=True``)."""
    reason: str = ""
    """A refused load's reason (the log's last line before the statistics)."""


def recording(*snippets: str) -> str:
    """A program (r6 = ctx) that runs each snippet -- computing r0 from r6 -- and stores r0 in the
    next slot of the ``out`` map, then returns 1."""
    body = [
        "r6 = r1", "r1 = 0", "*(u32 *)(r10 - 4) = r1", "r2 = r10", "r2 += -4", "r1 = map_fd(out) ll",
        "call bpf_map_lookup_elem", "if r0 == 0 goto done", "r7 = r0",
    ]  # fmt: skip
    for slot, snippet in enumerate(snippets):
        body += [snippet.strip(), f"*(u64 *)(r7 + {8 * slot}) = r0"]
    body += ["done:", "r0 = 1", "exit"]
    return "\n".join(body) + "\n"


def _out_map(backend: Backend) -> int:
    attr = uapi.bpf_attr()
    attr.map_type, attr.key_size, attr.max_entries = uapi.BPF_MAP_TYPE_ARRAY, 4, 1
    attr.value_size = 8 * OUT_SLOTS
    return backend.bpf(uapi.BPF_MAP_CREATE, attr)


def _read_out(backend: Backend, fd: int) -> tuple[int, ...]:
    key = ctypes.c_uint32(0)
    value = (ctypes.c_uint64 * OUT_SLOTS)()
    attr = uapi.bpf_attr()
    attr.map_fd, attr.key, attr.value = fd, ctypes.addressof(key), ctypes.addressof(value)
    backend.bpf(uapi.BPF_MAP_LOOKUP_ELEM, attr)
    return tuple(value)


def load_fd(
    backend: Backend,
    prog_type: int,
    text: str,
    expected_attach_type: int = 0,
    *,
    maps: dict[str, int] | None = None,
    license_: bytes = b"GPL",
) -> int:
    return _load(backend, prog_type, text, expected_attach_type, None, maps=maps, license_=license_)


def _load(
    backend: Backend,
    prog_type: int,
    text: str,
    expected_attach_type: int,
    log: ctypes.Array[ctypes.c_char] | None,
    *,
    maps: dict[str, int] | None = None,
    license_: bytes = b"GPL",
) -> int:
    code = encode_program(assemble(text, "kernel", maps=maps))
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(license_)
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(insns), len(code) // 8
    attr.license, attr.expected_attach_type = ctypes.addressof(lic), expected_attach_type
    if log is not None:
        attr.log_level, attr.log_size, attr.log_buf = 1, len(log), ctypes.addressof(log)
    return backend.bpf(uapi.BPF_PROG_LOAD, attr)


def load_log(
    backend: Backend,
    prog_type: int,
    text: str,
    expected_attach_type: int = 0,
    *,
    maps: dict[str, int] | None = None,
    license_: bytes = b"GPL",
) -> tuple[int, str]:
    """(errno, level-1 log) of loading ``text`` (errno 0: loaded)."""
    log = ctypes.create_string_buffer(1 << 16)
    try:
        os.close(_load(backend, prog_type, text, expected_attach_type, log, maps=maps, license_=license_))
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
    cpu: int = 0,
    batch_size: int = 0,
    record: bool = False,
    explain: bool = False,
    license_: bytes = b"GPL",
) -> NetOutcome:
    """Load (refused: the errno, and with ``explain`` the reason) and test-run ``text``; with
    ``record`` the ``out`` map a ``recording`` program fills is created for it and read back."""
    out_fd = _out_map(backend) if record else -1
    try:
        return _run_on(backend, prog_type, text, data, ctx_in, ctx_size_out=ctx_size_out, repeat=repeat,
                       expected_attach_type=expected_attach_type, flags=flags, cpu=cpu, batch_size=batch_size,
                       out_fd=out_fd, explain=explain, license_=license_)  # fmt: skip
    finally:
        if out_fd >= 0:
            os.close(out_fd)


def _run_on(
    backend: Backend,
    prog_type: int,
    text: str,
    data: bytes,
    ctx_in: bytes | None,
    *,
    ctx_size_out: int,
    repeat: int,
    expected_attach_type: int,
    flags: int,
    cpu: int,
    batch_size: int,
    out_fd: int,
    explain: bool,
    license_: bytes,
) -> NetOutcome:
    maps = {"out": out_fd} if out_fd >= 0 else None
    try:
        fd = load_fd(backend, prog_type, text, expected_attach_type, maps=maps, license_=license_)
    except BPFError as err:
        if not explain:
            return NetOutcome(load_errno=err.errno or 0)
        _, log = load_log(backend, prog_type, text, expected_attach_type, maps=maps, license_=license_)
        return NetOutcome(load_errno=err.errno or 0, reason=reason(log))
    data_buf = ctypes.create_string_buffer(data, max(len(data), 1))
    out_buf = ctypes.create_string_buffer(OUT_SIZE)
    ctx_buf = ctypes.create_string_buffer(ctx_in or b"", max(len(ctx_in or b""), 1))
    ctx_out = ctypes.create_string_buffer(max(ctx_size_out, 1))
    attr = uapi.bpf_attr()
    attr.test.prog_fd, attr.test.repeat, attr.test.flags = fd, repeat, flags
    attr.test.cpu, attr.test.batch_size = cpu, batch_size
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
        _read_out(backend, out_fd) if out_fd >= 0 else (),
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
