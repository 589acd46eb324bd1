"""XDP programs' ``bpf_map_lookup_elem`` on an XSKMAP (``pybpf.helpers.xsk_lookup``) against the
kernel's test run: an empty slot and an index past the array are NULL on both; a slot holding an
AF_XDP socket gives the kernel's ``struct xdp_sock`` (its ``queue_id`` read), which pybpf answers
from the AF_XDP sock_diag dump where the kernel has one, and otherwise from the socket (bound or not)
and the netdev queues with an XSK pool; where neither answers, it stops the run (EFAULT)."""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import socket
import struct
import time
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.helpers import xsk_lookup
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
from pybpf.objects.netdev_queues import xsk_queues
from pybpf.objects.sock_diag import xdp_queues
from tests.maps.helpers import create
from tests.progtypes.net_diff import load_fd
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

AF_XDP = 44


def _program(index: int) -> str:
    """r0 = -1 for NULL, else the socket's queue_id (the XDP retval)."""
    return (
        f"r1 = {index}\n*(u32 *)(r10 - 4) = r1\nr2 = r10\nr2 += -4\nr1 = map_fd(xsk) ll\n"
        "call bpf_map_lookup_elem\nif r0 != 0 goto +2\nr0 = -1\nexit\nr0 = *(u32 *)(r0 + 0)\nexit\n"
    )


def _run(backend: Backend, index: int, fd: int) -> tuple[int, int]:
    """(errno of the test run, retval) of the lookup program on ``backend``, the map holding ``fd`` at 0."""
    xsk = create(backend, uapi.BPF_MAP_TYPE_XSKMAP, 4, 4, 4)
    try:
        key, value = ctypes.c_uint32(0), ctypes.c_uint32(fd)
        attr = uapi.bpf_attr()
        attr.map_fd, attr.key, attr.value = xsk, ctypes.addressof(key), ctypes.addressof(value)
        backend.bpf(uapi.BPF_MAP_UPDATE_ELEM, attr)
        prog = load_fd(backend, uapi.BPF_PROG_TYPE_XDP, _program(index), maps={"xsk": xsk})
        try:
            data = ctypes.create_string_buffer(IPV4_UDP, len(IPV4_UDP))
            run = uapi.bpf_attr()
            run.test.prog_fd, run.test.data_in, run.test.data_size_in = (
                prog,
                ctypes.addressof(data),
                len(IPV4_UDP),
            )
            try:
                backend.bpf(uapi.BPF_PROG_TEST_RUN, run)
            except BPFError as err:
                return err.errno or 0, 0
            return 0, run.test.retval
        finally:
            os.close(prog)
    finally:
        os.close(xsk)


@pytest.fixture
def xdp_socket() -> Iterator[socket.socket]:
    try:
        sock = socket.socket(AF_XDP, socket.SOCK_RAW)
    except OSError as exc:
        pytest.skip(f"no AF_XDP sockets here: {exc}")
    with sock:
        yield sock


@pytest.mark.parametrize("index", [1, 3, 4, 0xFFFF_FFFF])
def test_an_empty_slot_or_an_index_past_the_array_is_null(xdp_socket: socket.socket, index: int) -> None:
    mine, theirs = (_run(backend, index, xdp_socket.fileno()) for backend in (UserBackend(), NativeBackend()))
    assert mine == theirs == (0, 0xFFFF_FFFF)


def test_a_filled_slot_gives_the_socket_s_queue(xdp_socket: socket.socket) -> None:
    """An unbound socket's queue_id is 0: without AF_XDP sock_diag pybpf learns that it is unbound from
    the socket itself (a ``recv`` fails with ENXIO)."""
    theirs = _run(NativeBackend(), 0, xdp_socket.fileno())
    assert theirs == (0, 0)  # an unbound socket's queue_id
    assert _run(UserBackend(), 0, xdp_socket.fileno()) == theirs


SOL_XDP, XDP_RX_RING, XDP_UMEM_REG, XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING = 283, 2, 4, 5, 6
XDP_COPY = 2
FRAME, FRAMES = 4096, 16


@pytest.fixture
def bound_xdp_socket(xdp_socket: socket.socket) -> Iterator[socket.socket]:
    """An AF_XDP socket bound, in copy mode, to queue 0 of the loopback device (with a UMEM of its
    own and RX, fill and completion rings)."""
    umem = mmap.mmap(-1, FRAME * FRAMES)
    area = ctypes.c_char.from_buffer(umem)
    try:
        reg = struct.pack("=QQIIII", ctypes.addressof(area), FRAME * FRAMES, FRAME, 0, 0, 0)
        xdp_socket.setsockopt(SOL_XDP, XDP_UMEM_REG, reg)
        for ring in (XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING):
            xdp_socket.setsockopt(SOL_XDP, ring, 64)
        address = ctypes.create_string_buffer(struct.pack("=HHIII", AF_XDP, XDP_COPY, 1, 0, 0))
        libc = ctypes.CDLL(None, use_errno=True)
        failure = 0
        for _ in range(40):  # (the kernel lets go of the last test's socket and its queue a little later)
            failure = (
                0 if libc.bind(xdp_socket.fileno(), address, len(address.raw)) == 0 else ctypes.get_errno()
            )
            if failure != errno.EBUSY:
                break
            time.sleep(0.05)
        if failure:
            pytest.skip(f"cannot bind an AF_XDP socket to lo: {os.strerror(failure)}")
        yield xdp_socket
    finally:
        del area
        xdp_socket.close()
        umem.close()


def test_a_bound_socket_s_queue(bound_xdp_socket: socket.socket) -> None:
    """Bound to lo's queue 0: the netdev generic-netlink family lists that queue with an XSK pool."""
    theirs = _run(NativeBackend(), 0, bound_xdp_socket.fileno())
    assert theirs == (0, 0)
    assert _run(UserBackend(), 0, bound_xdp_socket.fileno()) == theirs
    assert (1, 0) in xsk_queues()


def test_a_socket_of_no_file_of_the_process_stops_the_run(
    monkeypatch: pytest.MonkeyPatch, xdp_socket: socket.socket
) -> None:
    """Without AF_XDP sock_diag, a socket pybpf cannot find among the process's files (another process
    holds it) has a queue nothing in user space tells: the run stops."""
    try:
        xdp_queues()
    except OSError:
        pass
    else:
        pytest.skip("this kernel has AF_XDP sock_diag")
    monkeypatch.setattr(xsk_lookup, "_own_xdp_socket", lambda cookie: None)
    assert _run(UserBackend(), 0, xdp_socket.fileno()) == (errno.EFAULT, 0)


def test_bound_and_unbound_take_their_own_way(
    monkeypatch: pytest.MonkeyPatch, bound_xdp_socket: socket.socket
) -> None:
    """The queue of a bound socket is the netdev family's (here made to say queue 3 of some device), an
    unbound one's 0 whatever it says; sockets bound to queues of different numbers: unknown."""
    try:
        xdp_queues()
    except OSError:
        pass
    else:
        pytest.skip("this kernel has AF_XDP sock_diag")
    monkeypatch.setattr(xsk_lookup, "xsk_queues", lambda: {(5, 3)})
    assert _run(UserBackend(), 0, bound_xdp_socket.fileno()) == (0, 3)
    with socket.socket(AF_XDP, socket.SOCK_RAW) as unbound:
        assert _run(UserBackend(), 0, unbound.fileno()) == (0, 0)
    monkeypatch.setattr(xsk_lookup, "xsk_queues", lambda: {(5, 3), (6, 1)})
    assert _run(UserBackend(), 0, bound_xdp_socket.fileno()) == (errno.EFAULT, 0)
