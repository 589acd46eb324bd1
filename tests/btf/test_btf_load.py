"""BPF_BTF_LOAD and the BTF object commands, against the real kernel where it answers.

Every blob of ``tests/btf/btfcases.py`` is loaded into pybpf and into the kernel: the errno, the
whole verifier log and ``btf_log_true_size`` must be equal.  Then the log buffer rules, and the
object side: fds, ids, BPF_BTF_GET_FD_BY_ID / GET_NEXT_ID, OBJ_GET_INFO_BY_FD, pinning.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pybpf import libbpf, uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from tests.btf.btfcases import DATASEC, I32, STRUCT, blob, malformed_cases, t, valid_cases

VALID = valid_cases()
MALFORMED = malformed_cases()
BPF_LOG_FIXED = 8


@pytest.fixture
def kernel() -> Backend:
    if not kernel_bpf_available():
        pytest.skip("the real bpf(2) is not available here")
    return NativeBackend()


@dataclass
class Outcome:
    errno: int
    log: bytes
    true_size: int
    fd: int = -1


def load(backend: Backend, data: bytes, *, level: int = 1, log_size: int = 1 << 16, flags: int = 0,
         keep: bool = False, size: int | None = None) -> Outcome:  # fmt: skip
    """BPF_BTF_LOAD ``data`` with a log buffer of ``log_size`` bytes (0: none)."""
    buf = ctypes.create_string_buffer(data, max(len(data), 1))
    log = ctypes.create_string_buffer(log_size) if log_size else None
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = ctypes.addressof(buf), len(data) if size is None else size
    if log is not None:
        attr.btf_log_buf, attr.btf_log_size = ctypes.addressof(log), log_size
    attr.btf_log_level, attr.btf_flags = level, flags
    try:
        fd = backend.bpf(uapi.BPF_BTF_LOAD, attr)
    except BPFError as exc:
        return Outcome(exc.errno or 0, log.raw if log is not None else b"", attr.btf_log_true_size)
    if not keep:
        os.close(fd)
        fd = -1
    return Outcome(0, log.raw if log is not None else b"", attr.btf_log_true_size, fd)


# --- user backend alone ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_blobs_load(name: str) -> None:
    out = load(UserBackend(), VALID[name])
    assert out.errno == 0, out.log.rstrip(b"\0").decode()
    assert out.true_size == len(out.log.rstrip(b"\0")) + 1


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_blobs_refused(name: str) -> None:
    out = load(UserBackend(), MALFORMED[name])
    assert out.errno in (errno.EINVAL, errno.E2BIG, errno.EEXIST, errno.ELOOP, errno.EFAULT, 524)


def test_typical_messages() -> None:
    def last_line(name: str) -> str:
        return load(UserBackend(), MALFORMED[name]).log.rstrip(b"\0").decode().splitlines()[-1]

    assert last_line("bad_magic") == "Invalid magic"
    assert last_line("struct_loop") == "[2] STRUCT s size=4 vlen=1 Loop detected"
    assert last_line("int_bad_encoding").endswith("Unsupported encoding")
    assert load(UserBackend(), MALFORMED["bad_version"]).errno == 524  # ENOTSUPP


# --- differential: the kernel's answers --------------------------------------------------------------
@pytest.mark.kernel
@pytest.mark.parametrize("name", sorted(VALID) + sorted(MALFORMED))
def test_same_errno_and_log_as_kernel(kernel: Backend, name: str) -> None:
    data = VALID.get(name) or MALFORMED[name]
    mine, theirs = load(UserBackend(), data), load(kernel, data)
    assert mine.errno == theirs.errno
    assert mine.log.rstrip(b"\0").decode("latin-1") == theirs.log.rstrip(b"\0").decode("latin-1")
    assert mine.true_size == theirs.true_size


@pytest.mark.kernel
@pytest.mark.parametrize(
    ("data_name", "level", "log_size"),
    [
        ("struct", 1, 64),  # a valid blob whose log does not fit: ENOSPC, the end of the log kept
        ("struct", 1 | BPF_LOG_FIXED, 64),  # ... the beginning kept
        ("struct_loop", 1, 32),  # a refusal whose log does not fit: ENOSPC wins over EEXIST
        ("struct", 0, 0),  # no log at all
        ("struct", 1, 0),  # a level without a buffer: fine, the true size still reported
        ("bad_magic", 2, 4096),
    ],
)
def test_log_buffer_like_kernel(kernel: Backend, data_name: str, level: int, log_size: int) -> None:
    data = VALID.get(data_name) or MALFORMED[data_name]
    mine = load(UserBackend(), data, level=level, log_size=log_size)
    theirs = load(kernel, data, level=level, log_size=log_size)
    assert (mine.errno, mine.log, mine.true_size) == (theirs.errno, theirs.log, theirs.true_size)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"level": 0, "log_size": 64}, errno.EINVAL),  # a buffer without a level
        ({"level": 64, "log_size": 64}, errno.EINVAL),  # unknown level bits
        ({"flags": 1}, errno.EINVAL),  # unknown btf_flags
        ({"size": 16 * 1024 * 1024 + 1}, errno.E2BIG),  # checked before anything is copied
        ({"size": 0}, errno.EINVAL),  # "hdr_len not found"
    ],
)
def test_attr_checks(backend: Backend, kwargs: dict[str, int], expected: int) -> None:
    out = load(backend, VALID["int"], **kwargs)
    assert out.errno == expected


def test_token_flag_without_token(backend: Backend) -> None:
    data = VALID["int"]
    buf = ctypes.create_string_buffer(data)
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size, attr.btf_flags = ctypes.addressof(buf), len(data), uapi.BPF_F_TOKEN_FD
    attr.btf_token_fd = 0  # stdin is no token
    with pytest.raises(BPFError) as info:
        backend.bpf(uapi.BPF_BTF_LOAD, attr)
    assert info.value.errno == errno.EINVAL


def test_bad_data_pointer(backend: Backend) -> None:
    attr = uapi.bpf_attr()
    attr.btf, attr.btf_size = 8, 64
    with pytest.raises(BPFError) as info:
        backend.bpf(uapi.BPF_BTF_LOAD, attr)
    assert info.value.errno == errno.EFAULT


# --- the object ----------------------------------------------------------------------------------
def _info(backend: Backend, fd: int, btf_size: int = 0, name_len: int = 0) -> tuple[int, Any, bytes, bytes]:
    out = ctypes.create_string_buffer(max(btf_size, 1))
    name = ctypes.create_string_buffer(max(name_len, 1))
    info = uapi.bpf_btf_info()
    if btf_size:
        info.btf, info.btf_size = ctypes.addressof(out), btf_size
    if name_len:
        info.name, info.name_len = ctypes.addressof(name), name_len
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return attr.info.info_len, info, out.raw[:btf_size], name.raw[:name_len]


def test_fd_is_read_only_and_info(backend: Backend) -> None:
    data = VALID["every_kind"]
    fd = load(backend, data, keep=True).fd
    try:
        assert fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY
        assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        info_len, info, raw, name = _info(backend, fd, btf_size=len(data) + 16, name_len=8)
        assert info_len == ctypes.sizeof(uapi.bpf_btf_info)
        assert info.btf_size == len(data) and raw[: len(data)] == data
        assert info.id > 0 and info.kernel_btf == 0 and info.name_len == 0 and name[:1] == b"\0"
        _, short, raw, _ = _info(backend, fd, btf_size=10)  # a short buffer: the first bytes, the full size
        assert short.btf_size == len(data) and raw == data[:10]
    finally:
        os.close(fd)


def test_get_fd_by_id_and_next_id(backend: Backend) -> None:
    first = load(backend, VALID["int"], keep=True).fd
    second = load(backend, VALID["struct"], keep=True).fd
    try:
        ids = [_info(backend, fd)[1].id for fd in (first, second)]
        assert ids[0] != ids[1]
        attr = uapi.bpf_attr()
        attr.start_id = min(ids) - 1
        backend.bpf(uapi.BPF_BTF_GET_NEXT_ID, attr)
        assert attr.next_id == min(ids)
        attr = uapi.bpf_attr()
        attr.btf_id = ids[1]
        again = backend.bpf(uapi.BPF_BTF_GET_FD_BY_ID, attr)
        try:
            assert fcntl.fcntl(again, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY
            assert _info(backend, again)[1].id == ids[1]
        finally:
            os.close(again)
        for flags, expected in ((uapi.BPF_F_RDONLY, errno.EINVAL), (0, errno.ENOENT)):
            attr = uapi.bpf_attr()
            attr.btf_id, attr.open_flags = (ids[1] if flags else 0x7FFFFFF0), flags
            with pytest.raises(BPFError) as info:
                backend.bpf(uapi.BPF_BTF_GET_FD_BY_ID, attr)
            assert info.value.errno == expected
        attr = uapi.bpf_attr()
        attr.start_id = 0x7FFFFFFF
        with pytest.raises(BPFError) as info:
            backend.bpf(uapi.BPF_BTF_GET_NEXT_ID, attr)
        assert info.value.errno == errno.EINVAL
    finally:
        os.close(first)
        os.close(second)


def test_user_btf_gone_after_last_fd() -> None:
    backend = UserBackend()
    fd = load(backend, VALID["int"], keep=True).fd
    btf_id = _info(backend, fd)[1].id
    os.close(fd)
    attr = uapi.bpf_attr()
    attr.start_id = btf_id - 1
    with pytest.raises(BPFError) as info:
        backend.bpf(uapi.BPF_BTF_GET_NEXT_ID, attr)  # collects first: the unused BTF is gone
    assert info.value.errno == errno.ENOENT
    attr = uapi.bpf_attr()
    attr.btf_id = btf_id
    with pytest.raises(BPFError) as info:
        backend.bpf(uapi.BPF_BTF_GET_FD_BY_ID, attr)
    assert info.value.errno == errno.ENOENT


def test_btf_cannot_be_pinned(backend: Backend, _private_bpffs: Path) -> None:
    """The kernel's bpf_fd_probe_obj knows maps, programs and links: a BTF fd is EINVAL."""
    fd = load(backend, VALID["int"], keep=True).fd
    path = ctypes.create_string_buffer(str(_private_bpffs / "btf").encode())
    attr = uapi.bpf_attr()
    attr.pathname, attr.bpf_fd = ctypes.addressof(path), fd
    try:
        with pytest.raises(BPFError) as info:
            backend.bpf(uapi.BPF_OBJ_PIN, attr)
        assert info.value.errno == errno.EINVAL
    finally:
        os.close(fd)


def test_libbpf_wrappers(backend: Backend) -> None:
    data = blob(I32 + t("s", 4, 0, sot=0))
    fd = libbpf.bpf_btf_load(data, backend=backend)
    try:
        info = libbpf.bpf_btf_get_info_by_fd(fd, backend=backend)
        assert info.btf_size == len(data)
        again = libbpf.bpf_btf_get_fd_by_id(info.id, backend=backend)
        os.close(again)
        assert libbpf.bpf_btf_get_next_id(info.id - 1, backend=backend) == info.id
        with pytest.raises(BPFError) as refused:
            libbpf.bpf_btf_load(MALFORMED["struct_loop"], log_level=1, backend=backend)
        assert refused.value.errno == errno.EEXIST
        assert "Loop detected" in getattr(refused.value, "log", "")
    finally:
        os.close(fd)


@pytest.mark.kernel
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    base=st.sampled_from(sorted(VALID)),
    edits=st.lists(st.tuples(st.integers(0, 1 << 16), st.integers(0, 255)), min_size=1, max_size=3),
)
def test_mutated_blobs_like_kernel(kernel: Backend, base: str, edits: list[tuple[int, int]]) -> None:
    """Random byte edits of valid blobs: same errno, same log bytes, same true size as the kernel."""
    data = bytearray(VALID[base])
    for where, byte in edits:
        data[where % len(data)] = byte
    mine, theirs = load(UserBackend(), bytes(data)), load(kernel, bytes(data))
    assert (mine.errno, mine.log, mine.true_size) == (theirs.errno, theirs.log, theirs.true_size)


@pytest.mark.kernel
def test_name_rules_like_kernel(kernel: Backend) -> None:
    """Every byte as the first and as a later character of a struct name, and of a section name: the
    kernel's Latin-1 ctype decides (``btf_name_valid_identifier`` / ``_section``)."""
    names = [bytes([b]) for b in range(1, 256)] + [b"a" + bytes([b]) for b in range(1, 256)]
    for name in names:
        strings = b"\0int\0" + name + b"\0"
        struct_ = blob(I32 + t(5, STRUCT, 0, sot=0), strings)
        section = blob(I32 + t(5, DATASEC, 0, sot=4), strings)
        for data in (struct_, section):
            mine, theirs = load(UserBackend(), data, log_size=0), load(kernel, data, log_size=0)
            assert mine.errno == theirs.errno, name


@pytest.mark.kernel
def test_vmlinux_like_kernel(kernel: Backend) -> None:
    """The running kernel's own BTF: accepted, with the same (many-megabyte) log, every type in it."""
    vmlinux = Path("/sys/kernel/btf/vmlinux")
    if not vmlinux.exists():
        pytest.skip(f"{vmlinux} is not available")
    data = vmlinux.read_bytes()
    mine = load(UserBackend(), data, log_size=1 << 25)
    theirs = load(kernel, data, log_size=1 << 25)
    assert (mine.errno, mine.true_size) == (theirs.errno, theirs.true_size) == (0, theirs.true_size)
    assert mine.log == theirs.log
