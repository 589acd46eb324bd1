"""KPROBE and TRACEPOINT programs: ctx access rules and helper sets, on pybpf and on the kernel."""

from __future__ import annotations

import contextlib
import ctypes
import os

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes import ENOTSUPP, TestRunArgs, get_prog_type
from pybpf.progtypes.generic import RAW_TP_FUNC_IDS
from pybpf.progtypes.tracing import PT_REGS_SIZE, KprobeProgType, TracepointProgType

KPROBE, TRACEPOINT = uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_TRACEPOINT
ACCESSES = [
    (off, size, write)
    for off, size in ((0, 8), (0, 4), (4, 4), (2, 4), (0, 1), (3, 1), (8, 8), (160, 8), (164, 4), (168, 8),
                      (168, 4), (2040, 8), (8184, 8), (8192, 8), (8190, 2))
    for write in (False, True)
]  # fmt: skip


def load(backend: Backend, prog_type: int, text: str) -> int:
    """The errno of loading ``text`` as ``prog_type`` (0: loaded)."""
    code = encode_program(assemble(text, "kernel"))
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(insns), len(code) // 8
    attr.license = ctypes.addressof(lic)
    try:
        os.close(backend.bpf(uapi.BPF_PROG_LOAD, attr))
    except BPFError as exc:
        return exc.errno or 0
    return 0


def access(off: int, size: int, write: bool) -> str:
    width = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[size]
    op = f"*({width} *)(r1 + {off}) = r0" if write else f"r2 = *({width} *)(r1 + {off})"
    return f"r0 = 0\n{op}\nexit\n"


def test_registered() -> None:
    assert isinstance(get_prog_type(KPROBE), KprobeProgType)
    assert isinstance(get_prog_type(TRACEPOINT), TracepointProgType)
    assert KprobeProgType.ctx_size == PT_REGS_SIZE == 168


@pytest.mark.parametrize("prog_type", [KPROBE, TRACEPOINT])
@pytest.mark.parametrize(("off", "size", "write"), ACCESSES)
def test_ctx_access_as_the_kernel(prog_type: int, off: int, size: int, write: bool) -> None:
    mine = load(UserBackend(), prog_type, access(off, size, write))
    kind = get_prog_type(prog_type)
    assert kind is not None
    assert (mine == 0) == kind.is_valid_access(off, size, write)
    if kernel_bpf_available():
        assert mine == load(NativeBackend(), prog_type, access(off, size, write))


@pytest.mark.parametrize("prog_type", [KPROBE, TRACEPOINT])
def test_helpers_as_the_kernel(prog_type: int) -> None:
    """Which helper ids a program of the type may call (the kernel says "unknown func" or "program of
    this type cannot use helper" only for a helper the type lacks)."""
    kind = get_prog_type(prog_type)
    assert kind is not None
    assert {h for h in range(1, 212) if kind.func_allowed(h)} == RAW_TP_FUNC_IDS
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    for helper in (1, 4, 14, 16, 25, 27, 35, 58, 67, 113, 136, 173, 174, 196):
        text = f"r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall {helper}\nr0 = 0\nexit\n"
        log = ctypes.create_string_buffer(1 << 14)
        code = encode_program(assemble(text, "kernel"))
        insns, lic = ctypes.create_string_buffer(code, len(code)), ctypes.create_string_buffer(b"GPL")
        attr = uapi.bpf_attr()
        attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(insns), len(code) // 8
        attr.license, attr.log_level, attr.log_size = ctypes.addressof(lic), 1, len(log)
        attr.log_buf = ctypes.addressof(log)
        with contextlib.suppress(BPFError):
            os.close(NativeBackend().bpf(uapi.BPF_PROG_LOAD, attr))
        refused = "unknown func" in log.value.decode() or "cannot use helper" in log.value.decode()
        assert refused != kind.func_allowed(helper), helper


@pytest.mark.parametrize("prog_type", [KPROBE, TRACEPOINT])
def test_no_test_run(prog_type: int) -> None:
    kind = get_prog_type(prog_type)
    assert kind is not None
    with pytest.raises(BPFError) as info:
        kind.check_test_run_attr(TestRunArgs())
    assert info.value.errno == ENOTSUPP
