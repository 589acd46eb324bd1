"""BPF_PROG_ATTACH / DETACH / QUERY on cgroups, on both backends (Linux 6.18's answers).

A three-level hierarchy of empty cgroups is made under the cgroup v2 mount for each test and
removed after it (no process is ever in them, and every program is detached before): the modes
(none, ALLOW_OVERRIDE, ALLOW_MULTI), replacement, the hierarchy's EPERM, revisions and effective
queries, as ``kernel/bpf/cgroup.c`` answers them and ``pybpf.kernel.cgroup_progs`` models them.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.backend import Backend
from pybpf.objects.cgroups import cgroup2_mount
from pybpf.program import Program

DEVICE = uapi.BPF_CGROUP_DEVICE
MULTI, OVERRIDE, REPLACE = uapi.BPF_F_ALLOW_MULTI, uapi.BPF_F_ALLOW_OVERRIDE, uapi.BPF_F_REPLACE


def _errno(call: Callable[[], object]) -> int:
    try:
        call()
    except BPFError as exc:
        return int(exc.errno or 0)
    return 0


class Hierarchy:
    """parent / child / grandchild cgroups and four cgroup_device programs p0..p3."""

    def __init__(self, backend: Backend, base: str) -> None:
        self.backend = backend
        self.paths = [base, os.path.join(base, "child"), os.path.join(base, "child", "grand")]
        for path in self.paths:
            os.mkdir(path)
        self.fds = [os.open(path, os.O_RDONLY | os.O_DIRECTORY) for path in self.paths]
        self.progs = [Program.load(f"r0 = {i % 2}\nexit", "cgroup_device", backend=backend) for i in range(4)]
        self.names = {prog.id: f"p{i}" for i, prog in enumerate(self.progs)}

    def attach(self, level: int, prog: int, flags: int = 0, replace: int | None = None, **fields: int) -> int:
        attr = uapi.bpf_attr()
        attr.target_fd, attr.attach_bpf_fd, attr.attach_type = self.fds[level], self.progs[prog].fd, DEVICE
        attr.attach_flags = flags
        if replace is not None:
            attr.replace_bpf_fd = self.progs[replace].fd
        for name, value in fields.items():
            setattr(attr, name, value)
        return _errno(lambda: self.backend.bpf(uapi.BPF_PROG_ATTACH, attr))

    def detach(self, level: int, prog: int | None, **fields: int) -> int:
        attr = uapi.bpf_attr()
        attr.target_fd, attr.attach_type = self.fds[level], DEVICE
        attr.attach_bpf_fd = self.progs[prog].fd if prog is not None else 9999
        for name, value in fields.items():
            setattr(attr, name, value)
        return _errno(lambda: self.backend.bpf(uapi.BPF_PROG_DETACH, attr))

    def query(self, level: int, *, effective: bool = False, count: int = 6) -> tuple[Any, ...]:
        """(errno, attach_flags, prog_cnt, the programs by name, their attach flags (7: not written;
        an effective query is given no buffer for them), revision)."""
        attr = uapi.bpf_attr()
        query = attr.query
        query.target_fd, query.attach_type = self.fds[level], DEVICE
        query.query_flags = uapi.BPF_F_QUERY_EFFECTIVE if effective else 0
        ids = (ctypes.c_uint32 * 6)()
        flags = (ctypes.c_uint32 * 6)(*[7] * 6)
        query.prog_ids, query.prog_cnt, query.revision = ctypes.addressof(ids), count, 99
        if not effective:
            query.prog_attach_flags = ctypes.addressof(flags)
        code = _errno(lambda: self.backend.bpf(uapi.BPF_PROG_QUERY, attr))
        shown = min(query.prog_cnt, count)
        names = [self.names.get(found, found) for found in ids[:shown]]
        return code, query.attach_flags, query.prog_cnt, names, list(flags[:shown]), query.revision

    def close(self) -> None:
        for fd in reversed(self.fds):
            for prog in range(len(self.progs)):
                while self.detach(self.fds.index(fd), prog) == 0:
                    pass
            os.close(fd)
        for prog in self.progs:
            prog.close()
        for path in reversed(self.paths):
            with contextlib.suppress(OSError):
                os.rmdir(path)


@pytest.fixture
def cgroups(backend: Backend) -> Iterator[Hierarchy]:
    mount = cgroup2_mount()
    if mount is None or not os.access(mount, os.W_OK):
        pytest.skip("no writable cgroup v2 hierarchy")
    made = Hierarchy(backend, os.path.join(mount, f"pybpf-test-{uuid.uuid4().hex[:12]}"))
    try:
        yield made
    finally:
        made.close()


def test_single_and_override_modes(cgroups: Hierarchy) -> None:
    c = cgroups
    assert c.query(0) == (0, 0, 0, [], [], 1)
    assert c.attach(0, 0) == 0
    assert c.query(0) == (0, 0, 1, ["p0"], [0], 2)
    assert c.attach(0, 1) == 0  # replaces p0
    assert c.attach(0, 1) == 0  # and itself
    assert c.query(0) == (0, 0, 1, ["p1"], [0], 4)
    assert c.attach(0, 2, MULTI) == errno.EPERM  # another mode while programs are attached
    assert c.attach(1, 0) == errno.EPERM  # below a program that allows no override
    assert c.detach(0, 0) == 0  # any program detaches the single one
    assert c.detach(0, None) == errno.ENOENT
    assert c.query(0) == (0, 0, 0, [], [], 5)
    assert c.attach(0, 0, OVERRIDE) == 0
    assert c.query(0) == (0, OVERRIDE, 1, ["p0"], [OVERRIDE], 6)
    assert c.attach(1, 1) == 0
    assert c.query(1) == (0, 0, 1, ["p1"], [0], 2)
    assert c.query(1, effective=True) == (0, 0, 1, ["p1"], [7], 0)
    assert c.query(2, effective=True) == (0, 0, 1, ["p1"], [7], 0)
    assert c.attach(2, 2, OVERRIDE) == errno.EPERM
    assert c.detach(2, 2) == errno.ENOENT


def test_multi_mode(cgroups: Hierarchy) -> None:
    c = cgroups
    assert c.attach(0, 0, MULTI) == 0
    assert c.attach(0, 1, MULTI) == 0
    assert c.attach(0, 1, MULTI) == errno.EINVAL  # the same program twice
    assert c.query(0) == (0, MULTI, 2, ["p0", "p1"], [MULTI, MULTI], 3)
    assert c.attach(0, 2, MULTI | OVERRIDE) == errno.EINVAL
    assert c.attach(0, 2, REPLACE, replace=0) == errno.EINVAL  # REPLACE without MULTI
    assert c.attach(0, 2, MULTI | REPLACE, replace=0) == 0
    assert c.query(0) == (0, MULTI, 2, ["p2", "p1"], [MULTI, MULTI], 4)
    assert c.attach(0, 3, MULTI | REPLACE, replace=0) == errno.ENOENT
    assert c.attach(0, 3) == errno.EPERM
    assert c.attach(1, 3, MULTI) == 0
    assert c.attach(1, 0) == errno.EPERM
    assert c.query(1) == (0, MULTI, 1, ["p3"], [MULTI], 2)
    assert c.query(1, effective=True) == (0, 0, 3, ["p3", "p2", "p1"], [7, 7, 7], 0)
    assert c.query(2, effective=True) == (0, 0, 3, ["p3", "p2", "p1"], [7, 7, 7], 0)
    assert c.query(2, effective=True, count=2) == (errno.ENOSPC, 0, 3, ["p3", "p2"], [7, 7], 0)
    assert c.query(0, count=1)[:4] == (errno.ENOSPC, MULTI, 2, ["p2"])
    assert c.detach(0, None) == errno.EINVAL  # the multi mode needs the program
    assert c.detach(0, 0) == errno.ENOENT
    assert c.detach(0, 1) == 0
    assert c.query(0) == (0, MULTI, 1, ["p2"], [MULTI], 5)
    assert c.attach(0, 1, MULTI, expected_revision=4) == errno.ESTALE
    assert c.attach(0, 1, MULTI, expected_revision=5) == 0
    assert c.detach(0, 1, expected_revision=5) == errno.ESTALE
    assert c.detach(0, 1, expected_revision=6) == 0


def test_the_attached_program_is_held(cgroups: Hierarchy, backend: Backend) -> None:
    prog = Program.load("r0 = 1\nexit", "cgroup_device", backend=backend)
    attr = uapi.bpf_attr()
    attr.target_fd, attr.attach_bpf_fd, attr.attach_type = cgroups.fds[0], prog.fd, DEVICE
    backend.bpf(uapi.BPF_PROG_ATTACH, attr)
    prog_id = prog.id
    prog.close()
    again = Program.from_id(prog_id, backend=backend)
    assert cgroups.query(0)[2] == 1
    attr.attach_bpf_fd = again.fd
    backend.bpf(uapi.BPF_PROG_DETACH, attr)
    again.close()


@pytest.mark.parametrize("effective", [False, True])
@pytest.mark.parametrize("count", [0, 4])
@pytest.mark.parametrize("ids", [False, True])
@pytest.mark.parametrize("with_flags", [False, True])
def test_lsm_cgroup_query_and_detach_of_none(
    cgroups: Hierarchy, effective: bool, count: int, ids: bool, with_flags: bool
) -> None:
    """BPF_LSM_CGROUP on a cgroup without LSM programs (found by scripts/fuzz_abi.py, family
    cgroup_links): a plain query for ids needs ``prog_attach_flags`` (EINVAL), an effective one
    must not have them (EINVAL); else no flags, no programs, revision 0.  A detach is ENOENT."""
    attr = uapi.bpf_attr()
    query = attr.query
    query.target_fd, query.attach_type = cgroups.fds[0], uapi.BPF_LSM_CGROUP
    query.query_flags = uapi.BPF_F_QUERY_EFFECTIVE if effective else 0
    buffer = (ctypes.c_uint32 * 4)()
    flags = (ctypes.c_uint32 * 4)()
    query.prog_cnt, query.revision, query.attach_flags = count, 99, 77
    if ids:
        query.prog_ids = ctypes.addressof(buffer)
    if with_flags:
        query.prog_attach_flags = ctypes.addressof(flags)
    refused = (effective and with_flags) or (not effective and count and ids and not with_flags)
    code = _errno(lambda: cgroups.backend.bpf(uapi.BPF_PROG_QUERY, attr))
    written = (query.attach_flags, query.prog_cnt, query.revision)
    assert (code, written) == ((errno.EINVAL, (77, count, 99)) if refused else (0, (0, 0, 0)))
    detach = uapi.bpf_attr()
    detach.target_fd, detach.attach_bpf_fd, detach.attach_type = cgroups.fds[0], 9999, uapi.BPF_LSM_CGROUP
    assert _errno(lambda: cgroups.backend.bpf(uapi.BPF_PROG_DETACH, detach)) == errno.ENOENT


def _link_create(c: Hierarchy, level: int, prog: int, flags: int = 0) -> int:
    """BPF_LINK_CREATE of program ``prog`` on cgroup ``level``: the link's fd, or -errno."""
    attr = uapi.bpf_attr()
    lc = attr.link_create
    lc.prog_fd, lc.target_fd, lc.attach_type, lc.flags = c.progs[prog].fd, c.fds[level], DEVICE, flags
    try:
        return int(c.backend.bpf(uapi.BPF_LINK_CREATE, attr))
    except BPFError as exc:
        return -int(exc.errno or 0)


def _link_update(c: Hierarchy, link: int, prog: int | None, flags: int = 0, old: int | None = None) -> int:
    attr = uapi.bpf_attr()
    attr.link_update.link_fd = link
    attr.link_update.new_prog_fd = c.progs[prog].fd if prog is not None else 9999
    attr.link_update.flags = flags
    if old is not None:
        attr.link_update.old_prog_fd = c.progs[old].fd
    return _errno(lambda: c.backend.bpf(uapi.BPF_LINK_UPDATE, attr))


def _link_info(c: Hierarchy, link: int) -> tuple[int, str, bool, int]:
    """(type, program, whether a cgroup id is given, attach type) of a link."""
    info = uapi.bpf_link_info()
    attr = uapi.bpf_attr()
    attr.info.bpf_fd, attr.info.info_len, attr.info.info = link, ctypes.sizeof(info), ctypes.addressof(info)
    c.backend.bpf(uapi.BPF_OBJ_GET_INFO_BY_FD, attr)
    return info.type, c.names.get(info.prog_id, "?"), info.cgroup.cgroup_id != 0, info.cgroup.attach_type


def test_cgroup_links(cgroups: Hierarchy) -> None:
    """BPF_LINK_CREATE / UPDATE / DETACH on a cgroup (found missing by scripts/fuzz_abi.py, family
    cgroup_links): links attach in the multi mode beside PROG_ATTACH's programs, a PROG_DETACH never
    finds a link's entry, an update swaps the link's program, a detached or released link's entry
    goes; every change is a revision."""
    c = cgroups
    links = []
    try:
        assert _link_create(c, 0, 0, flags=MULTI) == -errno.EINVAL  # link_create.flags are not attach flags
        links.append(_link_create(c, 0, 0))
        links.append(_link_create(c, 0, 0))  # the same program through a second link
        assert min(links) >= 0
        assert c.query(0) == (0, MULTI, 2, ["p0", "p0"], [MULTI, MULTI], 3)
        assert c.attach(0, 1) == errno.EPERM  # the cgroup is in the multi mode
        assert c.attach(0, 0, MULTI) == 0  # a link's program is no PROG_ATTACH duplicate
        assert c.detach(0, 0) == 0  # the directly attached one
        assert c.detach(0, 0) == errno.ENOENT  # links are not found by PROG_DETACH
        assert _link_update(c, links[0], 2) == 0
        assert _link_update(c, links[0], 1, REPLACE, old=0) == errno.EPERM  # p2 is the link's now
        assert _link_update(c, links[0], 1, REPLACE, old=2) == 0
        assert _link_update(c, links[0], 3, 0, old=1) == errno.EINVAL  # old_prog_fd without REPLACE
        assert _link_info(c, links[0]) == (uapi.BPF_LINK_TYPE_CGROUP, "p1", True, DEVICE)
        assert c.query(0) == (0, MULTI, 2, ["p1", "p0"], [MULTI, MULTI], 7)
        assert c.query(2, effective=True)[2:4] == (2, ["p1", "p0"])
        detach = uapi.bpf_attr()
        detach.link_detach.link_fd = links[0]
        assert _errno(lambda: c.backend.bpf(uapi.BPF_LINK_DETACH, detach)) == 0
        assert _errno(lambda: c.backend.bpf(uapi.BPF_LINK_DETACH, detach)) == 0  # detached already
        assert _link_info(c, links[0]) == (uapi.BPF_LINK_TYPE_CGROUP, "p1", False, DEVICE)
        assert _link_update(c, links[0], 2) == errno.ENOLINK
        assert c.query(0) == (0, MULTI, 1, ["p0"], [MULTI], 8)
        os.close(links.pop())  # the last fd of the second link: released, its entry goes
        assert c.query(0) == (0, 0, 0, [], [], 9)
        assert c.attach(0, 1) == 0  # the mode went back to none
        assert _link_create(c, 0, 2) == -errno.EPERM
    finally:
        for link in links:
            os.close(link)


def test_cgroup_sock_loaded_for_no_attach_type_is_sock_create(cgroups: Hierarchy, backend: Backend) -> None:
    """A cgroup_sock program loaded with expected_attach_type 0 is a BPF_CGROUP_INET_SOCK_CREATE one
    (``bpf_prog_load_fixup_attach_type``): it attaches there and nowhere else (found by
    scripts/fuzz_abi.py, family attach)."""
    prog = Program.load("r0 = 1\nexit", "cgroup_sock", backend=backend)
    attr = uapi.bpf_attr()
    attr.target_fd, attr.attach_bpf_fd = cgroups.fds[0], prog.fd
    attr.attach_type = uapi.BPF_CGROUP_INET_SOCK_RELEASE
    assert _errno(lambda: backend.bpf(uapi.BPF_PROG_ATTACH, attr)) == errno.EINVAL
    attr.attach_type = uapi.BPF_CGROUP_INET_SOCK_CREATE
    attr.target_fd = prog.fd  # the attach type passes: the target is looked at (no cgroup: EBADF)
    assert _errno(lambda: backend.bpf(uapi.BPF_PROG_ATTACH, attr)) == errno.EBADF
    attr.target_fd = cgroups.fds[0]
    assert _errno(lambda: backend.bpf(uapi.BPF_PROG_ATTACH, attr)) == 0
    assert _errno(lambda: backend.bpf(uapi.BPF_PROG_DETACH, attr)) == 0
    prog.close()
