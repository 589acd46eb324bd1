"""BPF_MAP_TYPE_CGROUP_ARRAY from user space and from programs, on both backends (and both engines).

Every expectation below is the kernel's answer (Linux 6.18), asserted on pybpf and on the kernel:
creation, the element commands with cgroup v2, cgroup v1 and other fds, and
``bpf_current_task_under_cgroup`` / ``bpf_skb_under_cgroup`` in a test run (the skb's socket is the
caller's: ``bpf_prog_test_run_skb``), for the calling process and for one moved into a child cgroup.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from pybpf import Program, uapi
from pybpf.kernel.backend import Backend
from pybpf.objects import cgroups
from pybpf.uapi import ENOTSUPP

from .helpers import create, create_outcome, delete, lookup, next_key, u32, update

CGROUP_ARRAY = uapi.BPF_MAP_TYPE_CGROUP_ARRAY


def _cgroup2() -> str:
    mount = cgroups.cgroup2_mount()
    if mount is None:
        pytest.skip("no cgroup v2 hierarchy is mounted")
    return mount


@pytest.fixture
def child_cgroup() -> Iterator[str]:
    """A fresh cgroup v2 directory below the root (removed afterwards)."""
    path = os.path.join(_cgroup2(), f"pybpf-test-{uuid.uuid4().hex[:12]}")
    try:
        os.mkdir(path)
    except OSError as exc:
        pytest.skip(f"cannot create a cgroup: {exc}")
    try:
        yield path
    finally:
        os.rmdir(path)


def _dir_fd(path: str) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY)


@pytest.mark.parametrize(
    ("key_size", "value_size", "max_entries", "flags", "expected"),
    [
        (4, 4, 2, 0, "ok"),
        (4, 8, 2, 0, ("errno", errno.EINVAL)),
        (8, 4, 2, 0, ("errno", errno.EINVAL)),
        (4, 0, 2, 0, ("errno", errno.EINVAL)),
        (4, 4, 0, 0, ("errno", errno.EINVAL)),
        (4, 4, 2, uapi.BPF_F_RDONLY, "ok"),
        (4, 4, 2, uapi.BPF_F_WRONLY, "ok"),
        (4, 4, 2, uapi.BPF_F_NUMA_NODE, "ok"),
        (4, 4, 2, uapi.BPF_F_PRESERVE_ELEMS, ("errno", errno.EINVAL)),
        (4, 4, 2, uapi.BPF_F_MMAPABLE, ("errno", errno.EINVAL)),
        (4, 4, 2, uapi.BPF_F_INNER_MAP, ("errno", errno.EINVAL)),
        (4, 4, 2, uapi.BPF_F_RDONLY_PROG, ("errno", errno.EINVAL)),
        (4, 4, 2, uapi.BPF_F_WRONLY_PROG, ("errno", errno.EINVAL)),
        (4, 4, 2, uapi.BPF_F_NO_PREALLOC, ("errno", errno.EINVAL)),
        (4, 4, 2, uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY, ("errno", errno.EINVAL)),
    ],
)
def test_create(  # noqa: PLR0917
    backend: Backend, key_size: int, value_size: int, max_entries: int, flags: int, expected: object
) -> None:
    assert create_outcome(backend, CGROUP_ARRAY, key_size, value_size, max_entries, flags) == expected


def test_values_are_cgroup_v2_directories(backend: Backend) -> None:
    """An update takes only BPF_ANY, an index inside the array and then the fd of a cgroup v2
    directory; every other fd is EBADF."""
    root = _cgroup2()
    fd = create(backend, CGROUP_ARRAY, 4, 4, 2)
    others = [
        os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY),
        os.open(os.path.join(root, "cgroup.procs"), os.O_RDONLY),
        os.open("/proc/self/status", os.O_RDONLY),
        create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 4, 1),
    ]
    v1 = [os.path.join("/sys/fs/cgroup", d) for d in ("cpu", "memory", "pids")]
    others += [_dir_fd(p) for p in v1 if os.path.isdir(p) and cgroups.cgroup2_mount() != p]
    cgroup = _dir_fd(root)
    cgroup_path = os.open(root, os.O_PATH)
    try:
        for other in others:
            assert update(backend, fd, u32(0), u32(other)) == ("errno", errno.EBADF)
        assert update(backend, fd, u32(0), u32(0x7FFF_FFF0)) == ("errno", errno.EBADF)  # not open
        assert update(backend, fd, u32(0), u32(0xFFFF_FFFF)) == ("errno", errno.EBADF)  # fd -1
        for flags in (uapi.BPF_NOEXIST, uapi.BPF_EXIST, uapi.BPF_F_LOCK):
            assert update(backend, fd, u32(0), u32(cgroup), flags) == ("errno", errno.EINVAL)
        assert update(backend, fd, u32(2), u32(cgroup)) == ("errno", errno.E2BIG)
        assert update(backend, fd, u32(2), u32(others[0])) == ("errno", errno.E2BIG)  # index first
        assert update(backend, fd, u32(0), u32(cgroup)) == "ok"
        assert update(backend, fd, u32(1), u32(cgroup_path)) == "ok"
        assert update(backend, fd, u32(1), u32(cgroup)) == "ok"  # replaces
    finally:
        for other in [*others, cgroup, cgroup_path, fd]:
            os.close(other)


def test_element_commands(backend: Backend) -> None:
    """Lookup is ENOTSUPP for every key (no map_fd_sys_lookup_elem), delete E2BIG past the end and
    ENOENT for an empty slot, get_next_key as arrays."""
    fd = create(backend, CGROUP_ARRAY, 4, 4, 3)
    cgroup = _dir_fd(_cgroup2())
    try:
        assert update(backend, fd, u32(1), u32(cgroup)) == "ok"
        for key in (0, 1, 3):
            assert lookup(backend, fd, u32(key), 4) == ("errno", ENOTSUPP)
        assert delete(backend, fd, u32(0)) == ("errno", errno.ENOENT)
        assert delete(backend, fd, u32(3)) == ("errno", errno.E2BIG)
        assert delete(backend, fd, u32(1)) == "ok"
        assert delete(backend, fd, u32(1)) == ("errno", errno.ENOENT)
        assert next_key(backend, fd, None, 4) == u32(0)
        assert next_key(backend, fd, u32(0), 4) == u32(1)
        assert next_key(backend, fd, u32(2), 4) == ("errno", errno.ENOENT)
        assert next_key(backend, fd, u32(9), 4) == u32(0)
    finally:
        os.close(cgroup)
        os.close(fd)


UNDER_CGROUP = """
    r6 = r1
    r1 = map_fd(cgroups) ll
    r2 = {index}
    call bpf_current_task_under_cgroup
    r7 = r0
    r1 = r6
    r2 = map_fd(cgroups) ll
    r3 = {index}
    call bpf_skb_under_cgroup
    r0 <<= 8
    r7 &= 0xff
    r0 |= r7
    exit
"""
"""Both helpers on slot ``index``: r0 = skb's answer << 8 | the task's (low byte of each)."""

PACKET = bytes(64)


def _answers(backend: Backend, fd: int, entries: int) -> list[tuple[int, int]]:
    """(task helper, skb helper) for every slot and one past the end, as signed bytes."""
    found = []
    for index in range(entries + 1):
        with Program.load(
            UNDER_CGROUP.format(index=index), "sched_cls", maps={"cgroups": fd}, backend=backend
        ) as p:
            retval = p.run(PACKET).retval
        found.append((int.from_bytes(bytes([retval & 0xFF]), "little", signed=True),
                      int.from_bytes(bytes([(retval >> 8) & 0xFF]), "little", signed=True)))  # fmt: skip
    return found


@pytest.mark.usefixtures("engine")
def test_helpers_in_a_test_run(backend: Backend, child_cgroup: str) -> None:
    """Slot 0: the root (the caller is in it or below), 1: a child the caller is not in, 2: empty
    (-EAGAIN), 3: past the end (-E2BIG)."""
    fd = create(backend, CGROUP_ARRAY, 4, 4, 3)
    root, child = _dir_fd(_cgroup2()), _dir_fd(child_cgroup)
    try:
        assert update(backend, fd, u32(0), u32(root)) == "ok"
        assert update(backend, fd, u32(1), u32(child)) == "ok"
        assert _answers(backend, fd, 3) == [(1, 1), (0, 0), (-errno.EAGAIN,) * 2, (-errno.E2BIG,) * 2]
    finally:
        for each in (root, child, fd):
            os.close(each)


_IN_CHILD = """
import os, sys
sys.path[:0] = {paths!r}
with open(os.path.join({child!r}, "cgroup.procs"), "w") as procs:
    procs.write(str(os.getpid()))
from pybpf import Program
from pybpf.kernel.backend import UserBackend
from pybpf.kernel.native import NativeBackend
backend = NativeBackend() if {native!r} else UserBackend()
with Program.load({source!r}, "sched_cls", maps={{"cgroups": {fd}}}, backend=backend) as p:
    print(p.run(bytes(64)).retval)
"""


def test_a_task_moved_into_a_child_cgroup(backend: Backend, child_cgroup: str) -> None:
    """A process in the child cgroup is under the child and under the root."""
    fd = create(backend, CGROUP_ARRAY, 4, 4, 2)
    root, child = _dir_fd(_cgroup2()), _dir_fd(child_cgroup)
    try:
        assert update(backend, fd, u32(0), u32(root)) == "ok"
        assert update(backend, fd, u32(1), u32(child)) == "ok"
        answers = []
        for index in (0, 1):
            script = _IN_CHILD.format(
                paths=sys.path, child=child_cgroup, native=backend.name == "native",
                source=UNDER_CGROUP.format(index=index), fd=fd,
            )  # fmt: skip
            done = subprocess.run(
                [sys.executable, "-c", script], capture_output=True, text=True, check=True, pass_fds=(fd,)
            )
            answers.append(int(done.stdout))
        assert answers == [0x101, 0x101]
    finally:
        for each in (root, child, fd):
            os.close(each)


def test_other_maps_are_refused_by_the_helpers(backend: Backend) -> None:
    """check_map_func_compatibility: a cgroup array only goes to its two helpers, and they take only
    cgroup arrays."""
    array = create(backend, uapi.BPF_MAP_TYPE_ARRAY, 4, 8, 1)
    cgroup_array = create(backend, CGROUP_ARRAY, 4, 4, 1)
    wrong_map = UNDER_CGROUP.format(index=0)
    lookup_source = """
        r1 = map_fd(cgroups) ll
        r2 = r10
        r2 += -4
        *(u32 *)(r10 - 4) = 0
        call bpf_map_lookup_elem
        r0 = 0
        exit
    """
    try:
        for source, fd, message in (
            (wrong_map, array, "cannot pass map_type 2 into func bpf_current_task_under_cgroup#37"),
            (lookup_source, cgroup_array, "cannot pass map_type 8 into func bpf_map_lookup_elem#1"),
        ):
            with pytest.raises(OSError) as refused:
                Program.load(source, "sched_cls", maps={"cgroups": fd}, backend=backend, log_level=1)
            assert refused.value.errno == errno.EINVAL
            assert message in str(getattr(refused.value, "log", "")), getattr(refused.value, "log", "")
    finally:
        os.close(array)
        os.close(cgroup_array)
