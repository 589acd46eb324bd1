"""SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL and CGROUP_SOCKOPT programs: attach types, ctx access rules
and helpers per attach type, pointer fields, return values and the missing test run, each compared
with the running kernel."""

from __future__ import annotations

import errno
import os

import pytest

from pybpf import uapi
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.progtypes import ENOTSUPP, get_prog_type
from pybpf.progtypes.cgroup_common import AttachBound
from tests.progtypes import cgroup_harness as h

SOCK_OPS, DEVICE = uapi.BPF_PROG_TYPE_SOCK_OPS, uapi.BPF_PROG_TYPE_CGROUP_DEVICE
SYSCTL, SOCKOPT = uapi.BPF_PROG_TYPE_CGROUP_SYSCTL, uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT
GET, SET = uapi.BPF_CGROUP_GETSOCKOPT, uapi.BPF_CGROUP_SETSOCKOPT
CASES = [
    (SOCK_OPS, uapi.BPF_CGROUP_SOCK_OPS),
    (SOCK_OPS, 99),
    (DEVICE, uapi.BPF_CGROUP_DEVICE),
    (DEVICE, 0),
    (SYSCTL, uapi.BPF_CGROUP_SYSCTL),
    (SOCKOPT, GET),
    (SOCKOPT, SET),
]
IDS = [f"{t}-{a}" for t, a in CASES]
SIZES = {SOCK_OPS: 224, DEVICE: 12, SYSCTL: 8, SOCKOPT: 40}
NAMES = {SOCK_OPS: "sock_ops", DEVICE: "cgroup_device", SYSCTL: "cgroup_sysctl", SOCKOPT: "cgroup_sockopt"}


def _kind(prog_type: int, attach: int) -> AttachBound:
    kind = get_prog_type(prog_type)
    assert kind is not None
    bound = kind.for_attach_type(attach)
    assert isinstance(bound, AttachBound) and bound.attach_type == attach
    return bound


@pytest.mark.parametrize("prog_type", sorted(SIZES))
def test_registered(prog_type: int) -> None:
    kind = get_prog_type(prog_type)
    assert kind is not None and kind.name == NAMES[prog_type] and kind.ctx_size == SIZES[prog_type]


ATTACH_CASES = [(SOCK_OPS, 0), (SOCK_OPS, 1), (DEVICE, 3), (SYSCTL, 50), (SOCKOPT, GET), (SOCKOPT, SET),
                (SOCKOPT, 0), (SOCKOPT, 18)]  # fmt: skip


@pytest.mark.parametrize(("prog_type", "attach"), ATTACH_CASES)
def test_expected_attach_type(prog_type: int, attach: int) -> None:
    """Only CGROUP_SOCKOPT has a rule in bpf_prog_load_check_attach()."""
    mine = h.load_errno(UserBackend(), prog_type, "r0 = 1\nexit\n", attach)
    assert mine == (errno.EINVAL if prog_type == SOCKOPT and attach not in (GET, SET) else 0)
    if kernel_bpf_available():
        assert mine == h.load_errno(NativeBackend(), prog_type, "r0 = 1\nexit\n", attach)


@h.needs_kernel
@pytest.mark.parametrize(("prog_type", "attach"), CASES, ids=IDS)
def test_helpers_as_the_kernel(prog_type: int, attach: int) -> None:
    kind = _kind(prog_type, attach)
    assert h.kernel_helpers(prog_type, attach) == {n for n in range(1, 212) if kind.func_allowed(n)}


@h.needs_kernel
@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize(("prog_type", "attach"), CASES, ids=IDS)
def test_ctx_access_as_the_kernel(prog_type: int, attach: int, write: bool) -> None:
    differ = h.access_differences(_kind(prog_type, attach), SIZES[prog_type], write=write, attach=attach)
    assert not differ, f"(off, size, kernel errno, pybpf errno): {differ}"


POINTER_PROGRAMS = {
    "sock_ops_sk_checked": (SOCK_OPS, 3, "r2 = *(u64 *)(r1 + 184)\nr0 = 0\nif r2 == 0 goto +2\n"
                            "r0 = *(u32 *)(r2 + 16)\nr0 &= 1\nexit\n"),
    "sock_ops_sk_unchecked": (SOCK_OPS, 3, "r2 = *(u64 *)(r1 + 184)\nr0 = *(u32 *)(r2 + 16)\n"
                              "r0 &= 1\nexit\n"),
    "sock_ops_packet_read": (SOCK_OPS, 3, "r2 = *(u64 *)(r1 + 192)\nr3 = *(u64 *)(r1 + 200)\nr4 = r2\n"
                             "r4 += 20\nr0 = 1\nif r4 > r3 goto +2\nr0 = *(u8 *)(r2 + 13)\nr0 &= 1\nexit\n"),
    "sock_ops_packet_write": (SOCK_OPS, 3, "r2 = *(u64 *)(r1 + 192)\nr3 = *(u64 *)(r1 + 200)\nr4 = r2\n"
                              "r4 += 20\nr0 = 1\nif r4 > r3 goto +1\n*(u8 *)(r2 + 13) = 0\nexit\n"),
    "sockopt_optval_write": (SOCKOPT, SET, "r2 = *(u64 *)(r1 + 8)\nr3 = *(u64 *)(r1 + 16)\nr4 = r2\n"
                             "r4 += 4\nr0 = 1\nif r4 > r3 goto +1\n*(u32 *)(r2 + 0) = 1\nexit\n"),
    "sockopt_optval_unchecked": (SOCKOPT, GET, "r2 = *(u64 *)(r1 + 8)\nr0 = *(u8 *)(r2 + 0)\nr0 = 1\nexit\n"),
    "sockopt_sk": (SOCKOPT, GET, "r2 = *(u64 *)(r1 + 0)\nr0 = *(u32 *)(r2 + 4)\nr0 &= 1\nexit\n"),
}  # fmt: skip


_ACCEPTED = {"sock_ops_sk_checked", "sock_ops_packet_read", "sockopt_optval_write", "sockopt_sk"}


@pytest.mark.parametrize("name", sorted(POINTER_PROGRAMS))
def test_pointer_fields_as_the_kernel(name: str) -> None:
    """sk, the packet pointers of sock_ops and sockopt's option buffer, with the kernel's verdicts."""
    prog_type, attach, text = POINTER_PROGRAMS[name]
    mine = h.load(UserBackend(), prog_type, text, attach)
    if mine.fd >= 0:
        os.close(mine.fd)
    assert (mine.errno == 0) == (name in _ACCEPTED)
    if kernel_bpf_available():
        theirs = h.load(NativeBackend(), prog_type, text, attach)
        if theirs.fd >= 0:
            os.close(theirs.fd)
        assert (mine.errno, mine.last_line) == (theirs.errno, theirs.last_line)


@pytest.mark.parametrize(("prog_type", "attach"), CASES, ids=IDS)
def test_return_range_and_no_test_run(prog_type: int, attach: int) -> None:
    """check_return_code(): [0, 1]; and no BPF_PROG_TEST_RUN (ENOTSUPP)."""
    backends = (UserBackend(), NativeBackend()) if kernel_bpf_available() else (UserBackend(),)
    answers = []
    for backend in backends:
        refused = h.load(backend, prog_type, "r0 = 2\nexit\n", attach)
        assert refused.errno == errno.EINVAL
        answers.append(refused.last_line)
        run = h.run_text(
            backend, prog_type, "r0 = 1\nexit\n", bytes(64), ctx_in=bytes(SIZES[prog_type]), attach=attach
        )
        assert run.errno == ENOTSUPP
    assert (
        answers[0]
        == answers[-1]
        == "At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]"
    )
