"""bpf_map_sum_elem_count, bpf_cgroup_ancestor, bpf_task_under_cgroup and bpf_send_signal_task run
by pybpf's engines as by the kernel (``pybpf.kfuncs.kernel_objects``).

SYSCALL programs, test-run in the calling thread on both: the current task is the caller, cgroups
are the cgroup v2 directories, named by id (the root's and the caller's own).  Each answer is
compared with the kernel's where bpf(2) works, and with what the semantics say everywhere.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable

import pytest

import pybpf
from pybpf import uapi
from pybpf.kernel.backend import Backend, UserBackend
from pybpf.kernel.native import NativeBackend, kernel_bpf_available
from pybpf.kfuncs.kernel_btf import kernel_btf
from pybpf.map import Map
from pybpf.objects.cgroups import cgroup2_mount, current_cgroup_path

pytestmark = pytest.mark.usefixtures("engine")


def _resolve(text: str) -> str:
    k = kernel_btf()
    return re.sub(r"kfunc\((\w+)\)", lambda m: f"kfunc({k.func_id(m.group(1))})", text)


def _run(text: str, backend: Backend, maps: dict[str, Map] | None = None) -> int:
    flags = uapi.BPF_F_SLEEPABLE
    with pybpf.Program.load(_resolve(text), "syscall", maps=maps, backend=backend, prog_flags=flags) as prog:
        retval: int = prog.run(ctx=b"").retval
    return retval


def _both(run: Callable[[Backend], int]) -> int:
    """pybpf's answer, checked against the kernel's where bpf(2) works."""
    got = run(UserBackend())
    if kernel_bpf_available():
        assert got == run(NativeBackend())
    return got


# -- bpf_map_sum_elem_count ---------------------------------------------------------------------------
MAP_TYPES = {
    "hash": (uapi.BPF_MAP_TYPE_HASH, 0),
    "hash_no_prealloc": (uapi.BPF_MAP_TYPE_HASH, uapi.BPF_F_NO_PREALLOC),
    "percpu_hash": (uapi.BPF_MAP_TYPE_PERCPU_HASH, 0),
    "lru_hash": (uapi.BPF_MAP_TYPE_LRU_HASH, 0),
    "lru_percpu_hash": (uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH, 0),
    "array": (uapi.BPF_MAP_TYPE_ARRAY, 0),
    "percpu_array": (uapi.BPF_MAP_TYPE_PERCPU_ARRAY, 0),
}
SUM = """
    r1 = 7
    *(u32 *)(r10 - 4) = r1
    r1 = map_fd(m) ll
    r2 = r10
    r2 += -4
    call bpf_map_delete_elem
    r1 = map_fd(m) ll
    call kfunc(bpf_map_sum_elem_count)
    exit
"""


@pytest.mark.parametrize("kind", sorted(MAP_TYPES))
def test_map_sum_elem_count_counts_hash_elements(kind: str) -> None:
    """Five elements stored from user space, key 7 deleted by the program: 4 for the hash types."""
    map_type, flags = MAP_TYPES[kind]

    def run(backend: Backend) -> int:
        m = Map.create(map_type, 4, 8, 16, flags, backend=backend)
        try:
            for key in (1, 2, 3, 7, 9):
                m[key] = [0] * m.nr_cpus if "percpu" in kind else 0
            return _run(SUM, backend, {"m": m})
        finally:
            m.close()

    assert _both(run) == (0 if "array" in kind else 4)


# -- cgroups ------------------------------------------------------------------------------------------
def _own_cgroup() -> tuple[int, int]:
    """The caller's cgroup v2 id and depth below the root."""
    mount, path = cgroup2_mount(), current_cgroup_path()
    if mount is None or path is None:
        pytest.skip("no cgroup v2 hierarchy here")
    depth = len([p for p in os.path.relpath(path, mount).split(os.sep) if p not in ("", ".")])
    return os.stat(path).st_ino, depth


def _cgroup_program(cgid: int, level: int) -> str:
    """1 + 2 * (the ancestor at ``level`` exists) + 4 * (the caller is under it), or 100 when the
    cgroup ``cgid`` is not found."""
    return f"""
        r1 = {cgid} ll
        call kfunc(bpf_cgroup_from_id)
        if r0 == 0 goto none
        r7 = r0
        r6 = 1
        r1 = r7
        r2 = {level}
        call kfunc(bpf_cgroup_ancestor)
        if r0 == 0 goto release
        r8 = r0
        r6 += 2
        call bpf_get_current_task_btf
        r1 = r0
        r2 = r8
        call kfunc(bpf_task_under_cgroup)
        r0 <<= 2
        r6 += r0
        r1 = r8
        call kfunc(bpf_cgroup_release)
    release:
        r1 = r7
        call kfunc(bpf_cgroup_release)
        r0 = r6
        exit
    none:
        r0 = 100
        exit
    """


def test_cgroup_ancestor_and_task_under_cgroup_of_the_callers_cgroup() -> None:
    cgid, depth = _own_cgroup()
    for level in sorted({0, 1, depth, depth + 1, -1}):
        got = _both(lambda backend, level=level: _run(_cgroup_program(cgid, level), backend))
        expected = 1 if not 0 <= level <= depth else 7
        assert got == expected, f"level {level} of depth {depth}"


def test_the_root_cgroup_has_no_ancestor_below_it() -> None:
    root = os.stat(cgroup2_mount() or pytest.skip("no cgroup v2 hierarchy here")).st_ino
    assert _both(lambda backend: _run(_cgroup_program(root, 0), backend)) == 7
    assert _both(lambda backend: _run(_cgroup_program(root, 1), backend)) == 1


# -- bpf_send_signal_task -----------------------------------------------------------------------------
def _signal_program(sig: int, kind: int) -> str:
    return f"""
        call bpf_get_current_task_btf
        r1 = r0
        r2 = {sig}
        r3 = {kind}
        r4 = 0
        call kfunc(bpf_send_signal_task)
        exit
    """


@pytest.mark.parametrize(("sig", "kind"), [(0, 0), (0, 1), (65, 0), (0, 2), (0, 3)])
def test_send_signal_task_to_the_caller(sig: int, kind: int) -> None:
    """Signal 0 checks only; a signal past 64 is EINVAL (valid_signal())."""
    got = _both(lambda backend: _run(_signal_program(sig, kind), backend)) & 0xFFFFFFFF
    if sig > 64:
        assert got == -errno.EINVAL & 0xFFFFFFFF
    elif kind in (0, 1):
        assert got == 0
