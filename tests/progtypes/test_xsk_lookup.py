"""XDP programs' ``bpf_map_lookup_elem`` on an XSKMAP (``pybpf.helpers.xsk_lookup``) against the
kernel's test run: an empty slot and an index past the array are NULL on both; a slot holding an
AF_XDP socket gives the kernel's ``struct xdp_sock`` (its ``queue_id`` read), which pybpf answers
from the AF_XDP sock_diag dump where the kernel has one, and otherwise stops the run (EFAULT)."""

from __future__ import annotations

import ctypes
import errno
import os
import socket
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend
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
    theirs = _run(NativeBackend(), 0, xdp_socket.fileno())
    assert theirs == (0, 0)  # an unbound socket's queue_id
    mine = _run(UserBackend(), 0, xdp_socket.fileno())
    try:
        xdp_queues()
    except OSError:  # no AF_XDP sock_diag in this kernel: pybpf cannot know the queue
        assert mine == (errno.EFAULT, 0)
    else:
        assert mine == theirs
