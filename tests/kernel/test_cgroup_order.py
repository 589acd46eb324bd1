"""6.16's ordered cgroup attachments, on both backends (Linux 6.18's answers).

BPF_F_BEFORE / BPF_F_AFTER with or without an anchor (a program by fd or, with BPF_F_ID, by id; a
cgroup link with BPF_F_LINK, by fd or id), BPF_F_PREORDER and the effective order it gives, the
anchors' errnos in ``get_prog_list``'s order and ``link_create.cgroup``'s ``relative_fd`` /
``relative_id`` and ``expected_revision`` -- as ``kernel/bpf/cgroup.c`` answers them and
``pybpf.kernel.cgroup_progs`` models them, on the three-level hierarchy of
``tests/kernel/test_cgroup_attach.py``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
from collections.abc import Iterator

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from tests.kernel.test_cgroup_attach import DEVICE, MULTI, OVERRIDE, REPLACE, Hierarchy, cgroups

BEFORE, AFTER, ID, PREORDER, LINK = (
    uapi.BPF_F_BEFORE,
    uapi.BPF_F_AFTER,
    uapi.BPF_F_ID,
    uapi.BPF_F_PREORDER,
    uapi.BPF_F_LINK,
)

__all__ = ["cgroups"]  # the fixture, shared with test_cgroup_attach


def _link(
    c: Hierarchy, level: int, prog: int, flags: int = 0, *, relative: int = 0, revision: int = 0
) -> int:
    """BPF_LINK_CREATE of ``prog`` on cgroup ``level`` with ``link_create.cgroup``'s fields: the
    link's fd, or -errno."""
    attr = uapi.bpf_attr()
    lc = attr.link_create
    lc.prog_fd, lc.target_fd, lc.attach_type, lc.flags = c.progs[prog].fd, c.fds[level], DEVICE, flags
    lc.cgroup.relative_fd, lc.cgroup.expected_revision = relative, revision
    try:
        return int(c.backend.bpf(uapi.BPF_LINK_CREATE, attr))
    except BPFError as exc:
        return -int(exc.errno or 0)


def _link_id(c: Hierarchy, fd: int) -> int:
    info = uapi.bpf_link_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = fd, ctypes.sizeof(info), ctypes.addressof(info)
    c.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return int(info.id)


@pytest.fixture
def links(cgroups: Hierarchy) -> Iterator[list[int]]:
    """The fds of the links a test makes (closed before the hierarchy goes)."""
    made: list[int] = []
    yield made
    for fd in made:
        if fd >= 0:
            os.close(fd)


def test_link_create_cgroup_fields_are_where_the_kernel_reads_them() -> None:
    """``link_create.cgroup``: relative_fd / relative_id at offset 16, expected_revision at 24."""
    assert uapi.offsetof(uapi.bpf_attr, "link_create.cgroup.relative_fd") == 16
    assert uapi.offsetof(uapi.bpf_attr, "link_create.cgroup.expected_revision") == 24
    attr = uapi.bpf_attr()
    attr.link_create.cgroup.relative_id, attr.link_create.cgroup.expected_revision = 7, 9
    assert struct.unpack_from("<IIQ", attr, 16) == (7, 0, 9)


def test_before_and_after(cgroups: Hierarchy) -> None:
    """Without an anchor BEFORE puts the program first, else last; BEFORE with AFTER is refused
    unless the list is empty; an anchor program by fd or id places it next to that one."""
    c = cgroups
    fds, ids = [p.fd for p in c.progs], [p.id for p in c.progs]
    assert c.attach(0, 0, MULTI | BEFORE | AFTER) == 0  # the empty list takes both
    assert c.attach(0, 1, MULTI | BEFORE | AFTER) == errno.EINVAL
    assert c.attach(0, 1, MULTI | BEFORE) == 0
    assert c.query(0) == (0, MULTI, 2, ["p1", "p0"], [MULTI, MULTI], 3)
    assert c.attach(0, 2, MULTI | AFTER, relative_fd=fds[1]) == 0
    assert c.query(0)[3] == ["p1", "p2", "p0"]
    assert c.attach(0, 3, MULTI | BEFORE | ID, relative_fd=ids[0]) == 0
    assert c.query(0)[3:] == (["p1", "p2", "p3", "p0"], [MULTI] * 4, 5)
    assert c.detach(0, 3) == 0
    assert c.attach(0, 3, MULTI | AFTER | ID, relative_fd=ids[1]) == 0
    assert c.query(0)[3] == ["p1", "p3", "p2", "p0"]
    assert c.attach(0, 3, MULTI | REPLACE | AFTER, replace=3) == errno.EINVAL  # REPLACE or ordering
    assert c.attach(0, 3, MULTI | REPLACE, replace=3, relative_fd=fds[0]) == 0  # (no anchor read)
    assert c.query(0)[3] == ["p1", "p3", "p2", "p0"]  # a replacement keeps its place


def test_anchor_errors(cgroups: Hierarchy) -> None:
    """``get_prog_list``'s errnos: an anchor without exactly one of BEFORE / AFTER, BPF_F_LINK for a
    program, the anchor's lookup (EBADF, EINVAL, ENOENT), an anchor not in the list, and one of the
    other BPF_F_PREORDER."""
    c = cgroups
    fds, ids = [p.fd for p in c.progs], [p.id for p in c.progs]
    assert c.attach(0, 0, MULTI) == 0
    assert c.attach(0, 1, MULTI | ID, relative_fd=ids[0]) == errno.EINVAL  # neither BEFORE nor AFTER
    assert c.attach(0, 1, MULTI | BEFORE | AFTER, relative_fd=fds[0]) == errno.EINVAL
    assert c.attach(0, 1, MULTI | BEFORE | LINK, relative_fd=fds[0]) == errno.EINVAL  # not a link's attach
    assert c.attach(0, 1, MULTI | BEFORE | ID, relative_fd=0) == errno.ENOENT  # bpf_prog_by_id(0)
    assert c.attach(0, 1, MULTI | BEFORE | ID, relative_fd=0x7FFFFFF0) == errno.ENOENT
    assert c.attach(0, 1, MULTI | BEFORE, relative_fd=9999) == errno.EBADF
    assert c.attach(0, 1, MULTI | BEFORE, relative_fd=0xFFFFFFFF) == errno.EBADF
    assert c.attach(0, 1, MULTI | BEFORE, relative_fd=c.fds[0]) == errno.EINVAL  # not a program
    assert c.attach(0, 1, MULTI | BEFORE, relative_fd=fds[3]) == errno.ENOENT  # not attached here
    assert c.attach(0, 1, MULTI | BEFORE | PREORDER, relative_fd=fds[0]) == errno.EINVAL
    assert c.attach(0, 1, MULTI, relative_fd=fds[0]) == errno.EINVAL  # an anchor needs an order
    assert c.query(0)[2:] == (1, ["p0"], [MULTI], 2)  # none of them changed anything
    assert c.attach(0, 1, MULTI | BEFORE, relative_fd=fds[0], expected_revision=1) == errno.ESTALE
    assert c.attach(1, 1, BEFORE, relative_fd=fds[0]) == errno.ENOENT  # (an empty list looks too)
    assert c.attach(1, 1, OVERRIDE | BEFORE | AFTER) == 0
    assert c.attach(1, 2, OVERRIDE | BEFORE, relative_fd=fds[1]) == 0  # the single mode replaces
    assert c.query(1)[2:4] == (1, ["p2"])


def test_preorder_runs_first(cgroups: Hierarchy, links: list[int]) -> None:
    """BPF_F_PREORDER: the effective list has every pre-order program first, the root-most
    cgroup's first and each cgroup's in its order, then the others, the cgroup's own first."""
    c = cgroups
    assert c.attach(0, 0, MULTI) == 0
    assert c.attach(0, 1, MULTI | PREORDER) == 0
    assert c.attach(0, 2, MULTI | PREORDER) == 0
    assert c.attach(0, 3, MULTI) == 0
    assert c.query(0) == (0, MULTI, 4, ["p0", "p1", "p2", "p3"], [MULTI] * 4, 5)
    assert c.query(1, effective=True)[3] == ["p1", "p2", "p0", "p3"]
    links.append(_link(c, 1, 3, PREORDER))
    links.append(_link(c, 1, 0))
    assert min(links) >= 0
    assert c.query(1)[3] == ["p3", "p0"]
    assert c.query(2, effective=True) == (
        0, 0, 6, ["p1", "p2", "p3", "p0", "p0", "p3"], [7] * 6, 0,
    )  # fmt: skip
    assert c.attach(2, 1, PREORDER) == 0  # the none mode, below ancestors in the multi mode
    assert c.query(2, effective=True)[:4] == (
        errno.ENOSPC, 0, 7, ["p1", "p2", "p3", "p1", "p0", "p0"],
    )  # fmt: skip


def test_ordered_links(cgroups: Hierarchy, links: list[int]) -> None:
    """Links anchor to links (BPF_F_LINK, by fd or id), never to programs; the id of the very link
    being created is EAGAIN (it is not settled); ``expected_revision`` is checked."""
    c = cgroups
    links.append(_link(c, 0, 0))
    first = _link_id(c, links[0])
    assert _link(c, 0, 1, BEFORE | LINK | ID, relative=first + 1) == -errno.EAGAIN
    links.append(_link(c, 0, 1, BEFORE | LINK, relative=links[0]))
    assert links[1] >= 0
    assert _link(c, 0, 2, BEFORE, relative=c.progs[0].fd) == -errno.EINVAL  # a link needs BPF_F_LINK
    assert _link(c, 0, 2, BEFORE | LINK) == -errno.EINVAL  # no anchor fd
    assert _link(c, 0, 2, BEFORE | LINK, relative=c.progs[0].fd) == -errno.EINVAL  # not a link
    assert _link(c, 0, 2, BEFORE | LINK, relative=9999) == -errno.EBADF
    assert _link(c, 0, 2, BEFORE | LINK | ID, relative=0x7FFFFFF0) == -errno.ENOENT
    assert _link(c, 0, 2, AFTER | LINK | PREORDER, relative=links[0]) == -errno.EINVAL
    assert _link(c, 0, 2, 0, revision=2) == -errno.ESTALE
    assert _link(c, 0, 2, REPLACE) == -errno.EINVAL  # not a link_create flag
    links.append(_link(c, 0, 2, AFTER | LINK | ID, relative=first, revision=3))
    assert links[2] >= 0
    assert c.attach(0, 3, MULTI | BEFORE | ID, relative_fd=c.progs[0].id) == errno.ENOENT  # a link's
    assert c.query(0) == (0, MULTI, 3, ["p1", "p0", "p2"], [MULTI] * 3, 4)
    detach = uapi.bpf_attr()
    detach.link_detach.link_fd = links[0]
    c.backend.bpf(uapi.BPF_LINK_DETACH, detach)
    assert _link(c, 0, 3, AFTER | LINK, relative=links[0]) == -errno.ENOENT  # detached: not in the list
    assert c.query(0)[3:] == (["p1", "p2"], [MULTI] * 2, 5)


def test_lsm_mac_detach_is_no_cgroup_attach_type(cgroups: Hierarchy) -> None:
    """BPF_PROG_DETACH of BPF_LSM_MAC reaches ``cgroup_bpf_prog_detach`` (an LSM program's attach
    type) and finds no cgroup attach type there: EINVAL once the cgroup is found, before the
    revision (found by scripts/fuzz_abi.py, family cgroup_links)."""
    c = cgroups
    assert c.detach(0, 0, attach_type=uapi.BPF_LSM_MAC) == errno.EINVAL
    assert c.detach(0, None, attach_type=uapi.BPF_LSM_MAC, expected_revision=5) == errno.EINVAL
    assert c.detach(0, None, attach_type=uapi.BPF_LSM_MAC, target_fd=9999) == errno.EBADF
