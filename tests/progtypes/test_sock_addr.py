"""CGROUP_SOCK_ADDR programs: attach types, ctx access rules and helpers per attach type, the ctx->sk
socket, return values and the missing test run, each compared with the running kernel."""

from __future__ import annotations

import errno
import os

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes import ENOTSUPP, get_prog_type
from pybpf.progtypes.sock_addr import SOCK_ADDR_ATTACH_TYPES, SockAddr, sock_addr_helpers
from tests.progtypes import cgroup_harness as h

SOCK_ADDR = uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR
ATTACH_TYPES = sorted(SOCK_ADDR_ATTACH_TYPES)
SIZE = 72


def _kind(attach: int) -> SockAddr:
    kind = get_prog_type(SOCK_ADDR)
    assert isinstance(kind, SockAddr)
    bound = kind.for_attach_type(attach)
    assert isinstance(bound, SockAddr) and bound.attach_type == attach
    return bound


def test_registered() -> None:
    assert _kind(uapi.BPF_CGROUP_INET4_CONNECT).ctx_size == SIZE
    assert len(ATTACH_TYPES) == 17


@pytest.mark.parametrize("attach", [0, uapi.BPF_CGROUP_INET_SOCK_CREATE, uapi.BPF_CGROUP_INET4_POST_BIND, 99])
def test_other_attach_types_refused(attach: int) -> None:
    mine = h.load_errno(UserBackend(), SOCK_ADDR, "r0 = 1\nexit\n", attach)
    assert mine == errno.EINVAL
    if kernel_bpf_available():
        assert h.load_errno(NativeBackend(), SOCK_ADDR, "r0 = 1\nexit\n", attach) == errno.EINVAL


@pytest.mark.parametrize("attach", ATTACH_TYPES)
def test_helpers_as_the_kernel(attach: int) -> None:
    kind = _kind(attach)
    assert {n for n in range(1, 212) if kind.func_allowed(n)} == sock_addr_helpers(attach)
    assert kind.func_allowed(64) == (attach in (uapi.BPF_CGROUP_INET4_CONNECT, uapi.BPF_CGROUP_INET6_CONNECT))
    if kernel_bpf_available():
        assert h.kernel_helpers(SOCK_ADDR, attach) == sock_addr_helpers(attach)


@h.needs_kernel
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("attach", ATTACH_TYPES)
def test_ctx_access_as_the_kernel(attach: int, write: bool) -> None:
    """sock_addr_is_valid_access() on every aligned offset and size of struct bpf_sock_addr."""
    differ = h.access_differences(_kind(attach), SIZE, write=write, attach=attach)
    assert not differ, f"(off, size, kernel errno, pybpf errno): {differ}"


def test_ctx_access_rules() -> None:
    connect4, connect6 = _kind(uapi.BPF_CGROUP_INET4_CONNECT), _kind(uapi.BPF_CGROUP_INET6_CONNECT)
    sendmsg6 = _kind(uapi.BPF_CGROUP_UDP6_SENDMSG)
    assert connect4.is_valid_access(4, 4, True) and connect4.is_valid_access(5, 1, False)
    assert not connect4.is_valid_access(5, 1, True) and not connect4.is_valid_access(8, 4, False)
    assert connect6.is_valid_access(8, 8, True) and connect6.is_valid_access(16, 8, False)
    assert not connect6.is_valid_access(12, 8, False) and not connect6.is_valid_access(44, 4, False)
    assert sendmsg6.is_valid_access(48, 8, True) and sendmsg6.is_valid_access(24, 2, False)
    assert connect4.is_valid_access(64, 8, False) and not connect4.is_valid_access(64, 8, True)


SOCKET_READS = {
    "family": ("r0 = *(u32 *)(r2 + 4)\nr0 &= 1", 0),
    "mark": ("r0 = *(u32 *)(r2 + 16)\nr0 &= 1", 0),
    "null_check": ("if r2 == 0 goto +1\nr0 = 1", 0),
    "write": ("r3 = 1\n*(u32 *)(r2 + 16) = r3\nr0 = 1", errno.EACCES),
    "past_end": ("r0 = *(u32 *)(r2 + 80)\nr0 = 1", errno.EACCES),
}


@pytest.mark.parametrize("name", sorted(SOCKET_READS))
def test_ctx_sk_is_a_socket(name: str) -> None:
    """bpf_sock_addr.sk is a PTR_TO_SOCKET (never NULL): read as a struct bpf_sock."""
    body, expected = SOCKET_READS[name]
    text = f"r2 = *(u64 *)(r1 + 64)\n{body}\nexit\n"
    mine = h.load(UserBackend(), SOCK_ADDR, text, uapi.BPF_CGROUP_INET4_CONNECT)
    if mine.fd >= 0:
        os.close(mine.fd)
    assert mine.errno == expected
    if kernel_bpf_available():
        theirs = h.load(NativeBackend(), SOCK_ADDR, text, uapi.BPF_CGROUP_INET4_CONNECT)
        if theirs.fd >= 0:
            os.close(theirs.fd)
        assert (mine.errno, mine.last_line) == (theirs.errno, theirs.last_line)


@pytest.mark.parametrize(
    "attach", [uapi.BPF_CGROUP_INET4_BIND, uapi.BPF_CGROUP_UDP6_RECVMSG, uapi.BPF_CGROUP_UNIX_CONNECT]
)
@pytest.mark.parametrize("value", [0, 1, 2, 3, 4])
def test_return_range(attach: int, value: int) -> None:
    """[0, 3] for bind, [1, 1] for recvmsg, [0, 1] for the rest, with the kernel's message."""
    text = f"r0 = {value}\nexit\n"
    mine = h.load(UserBackend(), SOCK_ADDR, text, attach)
    if mine.fd >= 0:
        os.close(mine.fd)
    low, high = {uapi.BPF_CGROUP_INET4_BIND: (0, 3), uapi.BPF_CGROUP_UDP6_RECVMSG: (1, 1)}.get(attach, (0, 1))
    assert mine.errno == (0 if low <= value <= high else errno.EINVAL)
    if kernel_bpf_available():
        theirs = h.load(NativeBackend(), SOCK_ADDR, text, attach)
        if theirs.fd >= 0:
            os.close(theirs.fd)
        assert (mine.errno, mine.last_line) == (theirs.errno, theirs.last_line)


def test_no_test_run() -> None:
    for backend in (UserBackend(), NativeBackend()) if kernel_bpf_available() else (UserBackend(),):
        run = h.run_text(
            backend,
            SOCK_ADDR,
            "r0 = 1\nexit\n",
            bytes(64),
            ctx_in=bytes(SIZE),
            attach=uapi.BPF_CGROUP_INET4_CONNECT,
        )
        assert run.errno == ENOTSUPP
