"""struct_ops links (BPF_LINK_CREATE with BPF_STRUCT_OPS) on pybpf and the kernel: which maps a link
takes, its info, the registration it makes (a tcp_congestion_ops name is taken while the link holds
the map, free again after BPF_LINK_DETACH), BPF_LINK_UPDATE to another map and its errnos.

The maps and programs come from ``test_struct_ops``'s harness; every name is unique to the run."""

from __future__ import annotations

import ctypes
import errno
import os
import struct

import pytest

from pybpf import uapi
from tests.maps.test_struct_ops import _NAME, DATA, TCP_VALUE, Harness, Tcp, _call, harness, pytestmark

__all__ = ["harness", "pytestmark"]  # the fixture and the skip condition, shared


def link_create(h: Harness, map_fd: int) -> int:
    attr = uapi.bpf_attr()
    attr.link_create.map_fd = map_fd
    attr.link_create.attach_type = uapi.BPF_STRUCT_OPS
    fd = _call(h.backend, uapi.BPF_LINK_CREATE, attr)
    if fd > 0:
        h.fds.append(fd)
    return fd


def link_info(h: Harness, fd: int) -> uapi.bpf_link_info:
    info = uapi.bpf_link_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len = fd, ctypes.sizeof(info)
    attr.info.info = ctypes.addressof(info)
    assert _call(h.backend, uapi.BPF_OBJ_GET_INFO_BY_FD, attr) == 0
    return info


def update(h: Harness, link: int, new: int, flags: int = 0, old: int = 0) -> int:
    attr = uapi.bpf_attr()
    attr.link_update.link_fd, attr.link_update.new_map_fd = link, new
    attr.link_update.flags, attr.link_update.old_map_fd = flags, old
    return _call(h.backend, uapi.BPF_LINK_UPDATE, attr)


def detach(h: Harness, link: int) -> int:
    attr = uapi.bpf_attr()
    attr.link_detach.link_fd = link
    return _call(h.backend, uapi.BPF_LINK_DETACH, attr)


def ready(h: Harness, tcp: Tcp, name: bytes) -> int:
    fd = h.create(TCP_VALUE, 256, flags=uapi.BPF_F_LINK)
    assert h.update(fd, tcp.value(name)) == 0
    return fd


def test_link_create_takes_ready_link_maps(harness: Harness) -> None:
    tcp = Tcp(harness)
    empty = harness.create(TCP_VALUE, 256, flags=uapi.BPF_F_LINK)
    assert link_create(harness, empty) == -errno.EINVAL  # not READY
    plain = harness.create(TCP_VALUE, 256)
    assert link_create(harness, plain) == -errno.EINVAL  # no BPF_F_LINK
    assert link_create(harness, tcp.ssthresh) == -errno.EINVAL  # a program
    assert link_create(harness, 9999) == -errno.EBADF
    fd = ready(harness, tcp, _NAME.encode())
    link = link_create(harness, fd)
    assert link > 0
    info = link_info(harness, link)
    assert (info.type, info.prog_id, info.struct_ops.map_id) == (
        uapi.BPF_LINK_TYPE_STRUCT_OPS, 0, harness.map_info(fd).id,
    )  # fmt: skip
    assert harness.update(plain, tcp.value()) == -errno.EEXIST  # the link registered the name
    assert link_create(harness, fd) == -errno.EEXIST  # a second registration of the same
    err, got = harness.lookup(fd, 256)
    assert (err, struct.unpack_from("<Ii", got)[1]) == (0, 3)  # the map stays READY
    assert got[DATA + tcp.off["name"] :].startswith(_NAME.encode() + b"\0")
    assert detach(harness, link) == 0
    assert link_info(harness, link).struct_ops.map_id == 0
    assert detach(harness, link) == 0
    assert update(harness, link, fd) == -errno.ENOLINK
    assert harness.update(plain, tcp.value()) == 0  # the name is free again
    assert harness.delete(plain) == 0


def test_link_update(harness: Harness) -> None:
    tcp = Tcp(harness)
    first = ready(harness, tcp, _NAME.encode())
    second = ready(harness, tcp, _NAME.encode())  # the same name: registered by the link's update
    renamed = ready(harness, tcp, (_NAME + "b").encode())
    link = link_create(harness, first)
    assert link > 0
    not_ready = harness.create(TCP_VALUE, 256, flags=uapi.BPF_F_LINK)
    assert update(harness, link, not_ready) == -errno.EINVAL
    assert update(harness, link, second, flags=2) == -errno.EINVAL
    assert update(harness, link, second, old=first) == -errno.EINVAL  # old_map_fd without BPF_F_REPLACE
    assert update(harness, link, second, uapi.BPF_F_REPLACE, second) == -errno.EPERM
    assert update(harness, link, tcp.ssthresh) == -errno.EINVAL  # a program
    assert update(harness, link, renamed) == -errno.EINVAL  # another name
    assert update(harness, link, second, uapi.BPF_F_REPLACE, first) == 0
    assert link_info(harness, link).struct_ops.map_id == harness.map_info(second).id
    plain = harness.create(TCP_VALUE, 256)
    assert harness.update(plain, tcp.value()) == -errno.EEXIST  # still registered, by the second map
    assert update(harness, link, first) == 0
    assert detach(harness, link) == 0
    assert harness.update(plain, tcp.value()) == 0
    assert harness.delete(plain) == 0


def test_map_link_is_pinned_and_found_by_id(harness: Harness) -> None:
    tcp = Tcp(harness)
    fd = ready(harness, tcp, _NAME.encode())
    link = link_create(harness, fd)
    link_id = link_info(harness, link).id
    attr = uapi.bpf_attr()
    attr.link_id = link_id
    again = _call(harness.backend, uapi.BPF_LINK_GET_FD_BY_ID, attr)
    assert again > 0
    assert link_info(harness, again).struct_ops.map_id == harness.map_info(fd).id
    os.close(again)
    assert detach(harness, link) == 0


@pytest.mark.parametrize("flags", [0, uapi.BPF_F_REPLACE])
def test_update_of_another_links_type(harness: Harness, flags: int) -> None:
    """A struct_ops link takes maps: a program fd is EINVAL whatever the flags."""
    tcp = Tcp(harness)
    link = link_create(harness, ready(harness, tcp, _NAME.encode()))
    assert update(harness, link, tcp.ssthresh, flags, tcp.ssthresh if flags else 0) == -errno.EINVAL
    assert detach(harness, link) == 0
