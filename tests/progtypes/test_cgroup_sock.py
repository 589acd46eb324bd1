"""CGROUP_SOCK programs: attach types, ctx access rules per attach type, helpers, return values and the
missing test run, each compared with the running kernel."""

from __future__ import annotations

import errno
import os

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes import ENOTSUPP, get_prog_type
from pybpf.progtypes.bpf_sock import BPF_SOCK_SIZE
from pybpf.progtypes.cgroup_sock import CGROUP_SOCK_ATTACH_TYPES, CGROUP_SOCK_HELPERS, CgroupSock
from tests.progtypes import cgroup_harness as h

CGROUP_SOCK = uapi.BPF_PROG_TYPE_CGROUP_SOCK
CREATE, RELEASE = uapi.BPF_CGROUP_INET_SOCK_CREATE, uapi.BPF_CGROUP_INET_SOCK_RELEASE
POST_BIND4, POST_BIND6 = uapi.BPF_CGROUP_INET4_POST_BIND, uapi.BPF_CGROUP_INET6_POST_BIND
ATTACH_TYPES = [0, CREATE, RELEASE, POST_BIND4, POST_BIND6]


def _kind(attach: int = 0) -> CgroupSock:
    kind = get_prog_type(CGROUP_SOCK)
    assert isinstance(kind, CgroupSock)
    bound = kind.for_attach_type(attach)
    assert isinstance(bound, CgroupSock)
    return bound


def test_registered() -> None:
    kind = _kind()
    assert kind.name == "cgroup_sock" and kind.ctx_size == BPF_SOCK_SIZE == 80
    assert kind.attach_type == CREATE  # bpf_prog_load_fixup_attach_type: 0 is SOCK_CREATE
    assert {_kind(a).attach_type for a in CGROUP_SOCK_ATTACH_TYPES} == CGROUP_SOCK_ATTACH_TYPES


@pytest.mark.parametrize(
    "attach", [*ATTACH_TYPES, uapi.BPF_CGROUP_INET_EGRESS, uapi.BPF_CGROUP_INET4_BIND, 99]
)
def test_expected_attach_type(attach: int) -> None:
    """bpf_prog_load_check_attach(): the four socket hooks (0 counting as SOCK_CREATE), EINVAL else."""
    mine = h.load_errno(UserBackend(), CGROUP_SOCK, "r0 = 1\nexit\n", attach)
    assert mine == (0 if attach in ATTACH_TYPES else errno.EINVAL)
    if kernel_bpf_available():
        assert mine == h.load_errno(NativeBackend(), CGROUP_SOCK, "r0 = 1\nexit\n", attach)


@pytest.mark.parametrize("attach", [CREATE, POST_BIND6])
def test_helpers_as_the_kernel(attach: int) -> None:
    kind = _kind(attach)
    assert {n for n in range(1, 212) if kind.func_allowed(n)} == CGROUP_SOCK_HELPERS | {186, 187}
    assert not kind.func_allowed(26) and kind.func_allowed(46)  # no packet; get_socket_cookie
    if kernel_bpf_available():
        assert h.kernel_helpers(CGROUP_SOCK, attach) == CGROUP_SOCK_HELPERS | {186, 187}


@h.needs_kernel
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("attach", ATTACH_TYPES)
def test_ctx_access_as_the_kernel(attach: int, write: bool) -> None:
    """sock_filter_is_valid_access() on every aligned offset and size of struct bpf_sock."""
    differ = h.access_differences(_kind(attach), BPF_SOCK_SIZE, write=write, attach=attach)
    assert not differ, f"(off, size, kernel errno, pybpf errno): {differ}"


def test_ctx_access_rules() -> None:
    """What the create hook may set, what the post-bind hooks may read."""
    create, bind4, bind6 = _kind(CREATE), _kind(POST_BIND4), _kind(POST_BIND6)
    assert create.is_valid_access(16, 4, True) and not bind4.is_valid_access(16, 4, False)  # mark
    assert bind4.is_valid_access(24, 4, False) and not bind4.is_valid_access(24, 4, True)  # src_ip4
    assert not bind6.is_valid_access(24, 4, False) and bind6.is_valid_access(31, 1, False)  # src_ip6
    assert not create.is_valid_access(44, 4, False) and bind6.is_valid_access(44, 2, False)  # src_port
    assert create.is_valid_access(4, 1, False) and not create.is_valid_access(4, 4, True)  # family


@pytest.mark.parametrize("attach", [CREATE, POST_BIND4])
@pytest.mark.parametrize("value", [0, 1, 2, -1])
def test_return_range(attach: int, value: int) -> None:
    text = f"r0 = {value}\nexit\n"
    mine = h.load(UserBackend(), CGROUP_SOCK, text, attach)
    if mine.fd >= 0:
        os.close(mine.fd)
    assert mine.errno == (0 if value in (0, 1) else errno.EINVAL)
    if kernel_bpf_available():
        theirs = h.load(NativeBackend(), CGROUP_SOCK, text, attach)
        if theirs.fd >= 0:
            os.close(theirs.fd)
        assert (mine.errno, mine.last_line) == (theirs.errno, theirs.last_line)


def test_no_test_run() -> None:
    """cg_sock_prog_ops has no test_run: ENOTSUPP."""
    mine = h.run_text(UserBackend(), CGROUP_SOCK, "r0 = 1\nexit\n", bytes(64), ctx_in=bytes(BPF_SOCK_SIZE))
    assert mine.errno == ENOTSUPP
    if kernel_bpf_available():
        theirs = h.run_text(
            NativeBackend(), CGROUP_SOCK, "r0 = 1\nexit\n", bytes(64), ctx_in=bytes(BPF_SOCK_SIZE)
        )
        assert theirs.errno == ENOTSUPP
