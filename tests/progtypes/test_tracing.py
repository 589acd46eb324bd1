"""KPROBE, TRACEPOINT and PERF_EVENT programs: ctx access rules, rewrites and helper sets, on pybpf and on
the kernel."""

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
from pybpf.progtypes.tracing import (
    PERF_EVENT_FUNC_IDS,
    PT_REGS_SIZE,
    KprobeProgType,
    PerfEventProgType,
    TracepointProgType,
)

KPROBE, TRACEPOINT = uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_TRACEPOINT
PERF_EVENT = uapi.BPF_PROG_TYPE_PERF_EVENT
TYPES = [KPROBE, TRACEPOINT, PERF_EVENT]
ACCESSES = [
    (off, size, write)
    for off, size in ((0, 8), (0, 4), (4, 4), (2, 4), (0, 1), (3, 1), (8, 8), (160, 8), (164, 4),
                      (168, 8), (168, 4), (170, 2), (171, 1), (172, 4), (174, 2), (176, 8), (180, 4),
                      (183, 1), (184, 8), (184, 1), (2040, 8), (8184, 8), (8192, 8), (8190, 2))
    for write in (False, True)
]  # fmt: skip


def load(backend: Backend, prog_type: int, text: str) -> int:
    """The errno of loading ``text`` as ``prog_type`` (0: loaded)."""
    try:
        os.close(load_fd(backend, prog_type, text))
    except BPFError as exc:
        return exc.errno or 0
    return 0


def load_fd(backend: Backend, prog_type: int, text: str) -> int:
    code = encode_program(assemble(text, "kernel"))
    insns = ctypes.create_string_buffer(code, len(code))
    lic = ctypes.create_string_buffer(b"GPL")
    attr = uapi.bpf_attr()
    attr.prog_type, attr.insns, attr.insn_cnt = prog_type, ctypes.addressof(insns), len(code) // 8
    attr.license = ctypes.addressof(lic)
    return backend.bpf(uapi.BPF_PROG_LOAD, attr)


def xlated(backend: Backend, fd: int) -> bytes:
    """The program as the verifier's fixups left it (BPF_OBJ_GET_INFO_BY_FD's xlated_prog_insns)."""
    info = uapi.bpf_prog_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    buf = ctypes.create_string_buffer(info.xlated_prog_len)
    info2 = uapi.bpf_prog_info()
    info2.xlated_prog_len, info2.xlated_prog_insns = info.xlated_prog_len, ctypes.addressof(buf)
    attr.info.info_len, attr.info.info = ctypes.sizeof(info2), ctypes.addressof(info2)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return buf.raw


def access(off: int, size: int, write: bool) -> str:
    width = {1: "u8", 2: "u16", 4: "u32", 8: "u64"}[size]
    op = f"*({width} *)(r1 + {off}) = r0" if write else f"r2 = *({width} *)(r1 + {off})"
    return f"r0 = 0\n{op}\nexit\n"


def test_registered() -> None:
    assert isinstance(get_prog_type(KPROBE), KprobeProgType)
    assert isinstance(get_prog_type(TRACEPOINT), TracepointProgType)
    assert isinstance(get_prog_type(PERF_EVENT), PerfEventProgType)
    assert KprobeProgType.ctx_size == PT_REGS_SIZE == 168
    assert PerfEventProgType.ctx_size == 184


@pytest.mark.parametrize("prog_type", TYPES)
@pytest.mark.parametrize(("off", "size", "write"), ACCESSES)
def test_ctx_access_as_the_kernel(prog_type: int, off: int, size: int, write: bool) -> None:
    mine = load(UserBackend(), prog_type, access(off, size, write))
    kind = get_prog_type(prog_type)
    assert kind is not None
    assert (mine == 0) == kind.is_valid_access(off, size, write)
    if kernel_bpf_available():
        assert mine == load(NativeBackend(), prog_type, access(off, size, write))


@pytest.mark.parametrize("prog_type", TYPES)
def test_helpers_as_the_kernel(prog_type: int) -> None:
    """Which helper ids a program of the type may call (the kernel says "unknown func" or "program of
    this type cannot use helper" only for a helper the type lacks)."""
    kind = get_prog_type(prog_type)
    assert kind is not None
    expected = PERF_EVENT_FUNC_IDS if prog_type == PERF_EVENT else RAW_TP_FUNC_IDS
    assert {h for h in range(1, 212) if kind.func_allowed(h)} == expected
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    for helper in (1, 4, 14, 16, 25, 27, 35, 56, 58, 67, 113, 119, 136, 173, 174, 196):
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


PERF_EVENT_READS = """
    r2 = *(u64 *)(r1 + 128)
    r3 = *(u64 *)(r1 + 168)
    r4 = *(u64 *)(r1 + 176)
    r5 = *(u32 *)(r1 + 168)
    r5 = *(u32 *)(r1 + 172)
    r5 = *(u16 *)(r1 + 170)
    r5 = *(u8 *)(r1 + 183)
    r5 = *(s32 *)(r1 + 176)
    r0 = 0
    exit
"""


def test_perf_event_ctx_rewrite_as_the_kernel() -> None:
    """Registers through bpf_perf_event_data_kern.regs, sample_period and addr through its
    perf_sample_data, narrow reads widened, shifted and masked: the kernel's xlated program."""
    fd = load_fd(UserBackend(), PERF_EVENT, PERF_EVENT_READS)
    try:
        mine = xlated(UserBackend(), fd)
    finally:
        os.close(fd)
    assert len(mine) // 8 == 27  # 8 loads become 16, 5 narrow ones gain 9 shifts, masks and a sign extension
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    fd = load_fd(NativeBackend(), PERF_EVENT, PERF_EVENT_READS)
    try:
        assert mine == xlated(NativeBackend(), fd)
    finally:
        os.close(fd)


@pytest.mark.parametrize("prog_type", TYPES)
def test_no_test_run(prog_type: int) -> None:
    kind = get_prog_type(prog_type)
    assert kind is not None
    with pytest.raises(BPFError) as info:
        kind.check_test_run_attr(TestRunArgs())
    assert info.value.errno == ENOTSUPP
