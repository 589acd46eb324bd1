"""tcx and netkit through BPF_PROG_QUERY / DETACH / ATTACH on both backends (Linux 6.18's answers).

The loopback device (ifindex 1 in the test's network namespace) has no tcx programs: a query is
``bpf_mprog_query`` of no entry (revision 1, count 0, attach_flags 0; EINVAL for query_flags or an
attach_flags field), a detach finds no entry (ENOENT) once the program's fd was checked; an ifindex
no device has is ENODEV first.  Netkit is not configured on the machines pybpf models (its stubs:
EINVAL).  Nothing is attached: a tcx attach would change the machine's loopback device, so only
its refusals are asked.
"""

from __future__ import annotations

import ctypes
import errno
import socket

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.program import Program

INGRESS, EGRESS = uapi.BPF_TCX_INGRESS, uapi.BPF_TCX_EGRESS
PRIMARY, PEER = uapi.BPF_NETKIT_PRIMARY, uapi.BPF_NETKIT_PEER
NO_DEVICE = 0x7FFFFFF0


@pytest.fixture
def loopback() -> int:
    try:
        return socket.if_nametoindex("lo")
    except OSError:
        pytest.skip("no loopback device")


def _query(backend: Backend, attach_type: int, ifindex: int, **fields: int) -> tuple[int, ...]:
    """(errno, attach_flags, count, revision, the first id, the first link id) with the output
    fields preset (attach_flags from ``fields``, count 4, revision 99, buffers of 7s)."""
    attr = uapi.bpf_attr()
    query = attr.query
    query.target_ifindex, query.attach_type, query.count, query.revision = ifindex, attach_type, 4, 99
    ids, link_ids = (ctypes.c_uint32 * 4)(*[7] * 4), (ctypes.c_uint32 * 4)(*[7] * 4)
    query.prog_ids, query.link_ids = ctypes.addressof(ids), ctypes.addressof(link_ids)
    for name, value in fields.items():
        setattr(query, name, value)
    try:
        backend.bpf(uapi.BPF_PROG_QUERY, attr)
        code = 0
    except BPFError as exc:
        code = int(exc.errno or 0)
    return code, query.attach_flags, query.count, query.revision, ids[0], link_ids[0]


def _command(backend: Backend, cmd: int, attach_type: int, ifindex: int, prog: int, **fields: int) -> int:
    attr = uapi.bpf_attr()
    attr.target_ifindex, attr.attach_type, attr.attach_bpf_fd = ifindex, attach_type, prog
    for name, value in fields.items():
        setattr(attr, name, value)
    try:
        backend.bpf(cmd, attr)
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


@pytest.mark.parametrize("attach_type", [INGRESS, EGRESS])
def test_tcx_query_of_a_device_without_programs(backend: Backend, loopback: int, attach_type: int) -> None:
    assert _query(backend, attach_type, loopback) == (0, 0, 0, 1, 7, 7)
    assert _query(backend, attach_type, loopback, count=0, prog_ids=0) == (0, 0, 0, 1, 7, 7)
    flags = uapi.BPF_F_QUERY_EFFECTIVE
    assert _query(backend, attach_type, loopback, query_flags=flags) == (errno.EINVAL, 0, 4, 99, 7, 7)
    assert _query(backend, attach_type, loopback, attach_flags=1) == (errno.EINVAL, 1, 4, 99, 7, 7)
    assert _query(backend, attach_type, NO_DEVICE) == (errno.ENODEV, 0, 4, 99, 7, 7)
    assert _query(backend, attach_type, NO_DEVICE, query_flags=flags)[0] == errno.ENODEV
    assert _query(backend, attach_type, loopback, query_flags=2)[0] == errno.EINVAL  # not QUERY_EFFECTIVE


@pytest.mark.parametrize("attach_type", [INGRESS, EGRESS])
def test_tcx_detach_finds_nothing(backend: Backend, loopback: int, attach_type: int) -> None:
    cls = Program.load("r0 = 0\nexit", "sched_cls", backend=backend)
    xdp = Program.load("r0 = 0\nexit", "xdp", backend=backend)
    detach = uapi.BPF_PROG_DETACH
    assert _command(backend, detach, attach_type, loopback, 0) == errno.ENOENT
    assert _command(backend, detach, attach_type, loopback, cls.fd) == errno.ENOENT
    assert _command(backend, detach, attach_type, loopback, cls.fd, expected_revision=3) == errno.ENOENT
    flags = uapi.BPF_F_BEFORE
    assert _command(backend, detach, attach_type, loopback, cls.fd, attach_flags=flags) == errno.ENOENT
    assert _command(backend, detach, attach_type, loopback, cls.fd, attach_flags=1) == errno.EINVAL
    assert _command(backend, detach, attach_type, loopback, xdp.fd) == errno.EINVAL  # another type
    assert _command(backend, detach, attach_type, loopback, 9999) == errno.EBADF
    assert _command(backend, detach, attach_type, NO_DEVICE, cls.fd) == errno.ENODEV


@pytest.mark.parametrize("attach_type", [PRIMARY, PEER])
def test_netkit_is_not_configured(backend: Backend, loopback: int, attach_type: int) -> None:
    cls = Program.load("r0 = 0\nexit", "sched_cls", backend=backend)
    assert _query(backend, attach_type, loopback)[0] == errno.EINVAL
    assert _query(backend, attach_type, NO_DEVICE)[0] == errno.EINVAL
    for cmd in (uapi.BPF_PROG_ATTACH, uapi.BPF_PROG_DETACH):
        assert _command(backend, cmd, attach_type, loopback, cls.fd) == errno.EINVAL
        assert _command(backend, cmd, attach_type, NO_DEVICE, cls.fd) == errno.EINVAL
        assert _command(backend, cmd, attach_type, loopback, 9999) == errno.EBADF
