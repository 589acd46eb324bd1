"""libbpf's program functions (bpf_prog_load, bpf_prog_test_run_opts, ids, info) on both backends.

Each test runs on pybpf's bpf() and on the real kernel and compares results and errnos.
"""

from __future__ import annotations

import ctypes
import errno
import os

import pytest

from pybpf import libbpf, uapi
from pybpf.errors import BPFError
from pybpf.isa.asm import assemble
from pybpf.isa.instruction import encode_program
from pybpf.kernel.backend import Backend
from pybpf.libbpf import ProgLoadOpts, TestRunOpts

XDP = uapi.BPF_PROG_TYPE_XDP
RET2 = encode_program(assemble("r0 = 2\nexit"))
NO_EXIT = encode_program(assemble("r0 = 0"))
BAD_CTX = encode_program(assemble("r0 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r0 + 0)\nexit"))


def load(backend: Backend, code: bytes = RET2, opts: ProgLoadOpts | None = None, name: str = "t") -> int:
    return libbpf.bpf_prog_load(XDP, name, "GPL", code, len(code) // 8, opts, backend=backend)


def test_load_returns_a_program_fd(backend: Backend) -> None:
    fd = load(backend, name="hello")
    try:
        info = libbpf.bpf_prog_get_info_by_fd(fd, backend=backend)
        assert info.type == XDP
        assert bytes(info.name).rstrip(b"\0") == b"hello"
        assert info.xlated_prog_len == len(RET2)
        assert info.gpl_compatible == 1
    finally:
        os.close(fd)


def test_instructions_as_objects_or_ctypes(backend: Backend) -> None:
    insns = assemble("r0 = 2\nexit")
    array = (uapi.bpf_insn * 2).from_buffer_copy(RET2)
    for source in (insns, array, bytearray(RET2)):
        os.close(libbpf.bpf_prog_load(XDP, None, "GPL", source, 2, backend=backend))


def test_refused_load_retries_with_a_log(backend: Backend) -> None:
    """log_level 0 with a log_buf: libbpf loads again at level 1 so the buffer says why."""
    buf = bytearray(4096)
    opts = ProgLoadOpts(log_buf=buf, log_size=len(buf))
    with pytest.raises(BPFError) as info:
        load(backend, NO_EXIT, opts)
    assert info.value.errno == errno.EINVAL
    text = bytes(buf).split(b"\0", 1)[0].decode()
    assert "last insn is not an exit or jmp" in text
    assert opts.log_true_size == len(text) + 1


def test_refusals_have_the_kernels_errno(backend: Backend) -> None:
    buf = (ctypes.c_char * 4096)()
    opts = ProgLoadOpts(log_level=1, log_buf=buf, log_size=4096)
    with pytest.raises(BPFError) as info:
        load(backend, BAD_CTX, opts)
    assert info.value.errno == errno.EACCES
    assert b"invalid bpf_context access" in buf.value


def test_log_of_a_successful_load(backend: Backend) -> None:
    buf = bytearray(8192)
    opts = ProgLoadOpts(log_level=1, log_buf=buf, log_size=len(buf))
    os.close(load(backend, RET2, opts))
    text = bytes(buf).split(b"\0", 1)[0].decode()
    assert "processed 2 insns" in text
    assert opts.log_true_size == len(text) + 1


@pytest.mark.parametrize(
    "opts",
    [ProgLoadOpts(log_level=1), ProgLoadOpts(log_size=100)],
    ids=["level-without-buffer", "size-without-buffer"],
)
def test_log_arguments_checked_like_libbpf(backend: Backend, opts: ProgLoadOpts) -> None:
    with pytest.raises(BPFError) as info:
        load(backend, RET2, opts)
    assert info.value.errno == errno.EINVAL


@pytest.mark.usefixtures("engine")  # the program runs on each engine (tests/conftest.py)
def test_test_run_fills_results(backend: Backend) -> None:
    fd = load(backend)
    try:
        packet = bytes(range(64))
        out = bytearray(128)
        opts = TestRunOpts(data_in=packet, data_out=out, data_size_out=len(out), repeat=3)
        libbpf.bpf_prog_test_run_opts(fd, opts, backend=backend)
        assert opts.retval == 2
        assert opts.data_size_out == 64
        assert bytes(out[:64]) == packet
        assert opts.duration >= 0
    finally:
        os.close(fd)


@pytest.mark.usefixtures("engine")  # the program runs on each engine (tests/conftest.py)
def test_test_run_enospc_still_reports(backend: Backend) -> None:
    fd = load(backend)
    try:
        out = bytearray(10)
        opts = TestRunOpts(data_in=bytes(range(64)), data_out=out, data_size_out=10)
        with pytest.raises(BPFError) as info:
            libbpf.bpf_prog_test_run_opts(fd, opts, backend=backend)
        assert info.value.errno == errno.ENOSPC
        assert opts.data_size_out == 64  # the size the output needed
        assert opts.retval == 2
        assert bytes(out) == bytes(range(10))
    finally:
        os.close(fd)


def test_test_run_bad_fd(backend: Backend) -> None:
    with pytest.raises(BPFError) as info:
        libbpf.bpf_prog_test_run_opts(9999, TestRunOpts(data_in=bytes(64)), backend=backend)
    assert info.value.errno == errno.EBADF


def test_ids_and_fd_by_id(backend: Backend) -> None:
    fd = load(backend)
    try:
        prog_id = libbpf.bpf_prog_get_info_by_fd(fd, backend=backend).id
        assert libbpf.bpf_prog_get_next_id(prog_id - 1, backend=backend) == prog_id
        other = libbpf.bpf_prog_get_fd_by_id(prog_id, backend=backend)
        try:
            assert libbpf.bpf_prog_get_info_by_fd(other, backend=backend).id == prog_id
        finally:
            os.close(other)
    finally:
        os.close(fd)
    with pytest.raises(BPFError) as info:
        libbpf.bpf_prog_get_fd_by_id(0x7FFFFFF0, backend=backend)
    assert info.value.errno == errno.ENOENT


def test_info_fills_caller_arrays(backend: Backend) -> None:
    fd = load(backend)
    try:
        code = (ctypes.c_char * 64)()
        info = uapi.bpf_prog_info()
        info.xlated_prog_len, info.xlated_prog_insns = 64, ctypes.addressof(code)
        same = libbpf.bpf_prog_get_info_by_fd(fd, info, backend=backend)
        assert same is info
        assert info.xlated_prog_len == len(RET2)
        assert bytes(code)[: len(RET2)] == RET2
    finally:
        os.close(fd)


def test_info_of_a_map_fd_is_not_a_program(backend: Backend) -> None:
    fd = libbpf.bpf_map_create(uapi.BPF_MAP_TYPE_ARRAY, "m", 4, 4, 1, backend=backend)
    try:
        info = libbpf.bpf_map_get_info_by_fd(fd, backend=backend)
        assert info.type == uapi.BPF_MAP_TYPE_ARRAY
        with pytest.raises(BPFError) as caught:
            libbpf.bpf_prog_test_run_opts(fd, TestRunOpts(data_in=bytes(64)), backend=backend)
        assert caught.value.errno == errno.EINVAL
    finally:
        os.close(fd)
