"""The current task as a program reads it (``pybpf.helpers.task_image``): fields loaded through the
trusted ``bpf_get_current_task_btf()`` pointer -- pid, tgid, comm, real_parent->tgid,
group_leader->pid, cgroups->dfl_cgrp->kn->id and ->level -- and the cgroup reached through
``task->cgroups->dfl_cgrp`` given to ``bpf_cgrp_storage_get``, in XDP test runs on pybpf (each
engine) and on the kernel, which runs the program as the calling thread too: the same values."""

from __future__ import annotations

import os

import pytest

from pybpf import uapi
from pybpf.objects.cgroups import current_cgroup_path
from tests.helpers.test_cgrp_storage_run import FOUND, compare
from tests.progtypes.net_diff import compare_net, recording
from tests.progtypes.test_skb_support import IPV4_UDP, needs_kernel
from tests.verifier import verifier_corpus as corpus

pytestmark = [needs_kernel, pytest.mark.usefixtures("engine")]

TASK = "call bpf_get_current_task_btf\n"
DFL_CGRP = (
    TASK + "r1 = *(u64 *)(r0 + offsetof(task_struct, cgroups))\n"
    "r1 = *(u64 *)(r1 + offsetof(css_set, dfl_cgrp))\n"
)
PARENT = "r1 = *(u64 *)(r0 + offsetof(task_struct, real_parent))\n"
LEADER = "r1 = *(u64 *)(r0 + offsetof(task_struct, group_leader))\n"
READS = (
    TASK + "r0 = *(u32 *)(r0 + offsetof(task_struct, pid))",
    TASK + "r0 = *(u32 *)(r0 + offsetof(task_struct, tgid))",
    TASK + "r0 = *(u64 *)(r0 + offsetof(task_struct, comm))",
    TASK + PARENT + "r0 = *(u32 *)(r1 + offsetof(task_struct, tgid))",
    TASK + LEADER + "r0 = *(u32 *)(r1 + offsetof(task_struct, pid))",
    DFL_CGRP + "r1 = *(u64 *)(r1 + offsetof(cgroup, kn))\nr0 = *(u64 *)(r1 + offsetof(kernfs_node, id))",
    DFL_CGRP + "r0 = *(u32 *)(r1 + offsetof(cgroup, level))",
    "call bpf_get_current_cgroup_id",
)


def test_fields_of_the_current_task_and_its_cgroup() -> None:
    text = corpus.resolve_kernel_types(recording(*READS))
    outcome = compare_net(uapi.BPF_PROG_TYPE_XDP, text, IPV4_UDP, record=True)
    pid, tgid, comm, ppid, leader, cgroup_id, _level, current_cgroup = outcome.out
    assert (pid, tgid, ppid, leader) == (pid, os.getpid(), os.getppid(), os.getpid())
    assert comm.to_bytes(8, "little").rstrip(b"\0")
    assert cgroup_id == current_cgroup


def test_task_parents_up_to_the_idle_task() -> None:
    """real_parent followed 8 times: pid 1's parent is the idle task (pid 0), its own parent."""
    walk = TASK + "\n".join(["r0 = *(u64 *)(r0 + offsetof(task_struct, real_parent))"] * 8)
    text = corpus.resolve_kernel_types(recording(walk + "\nr0 = *(u32 *)(r0 + offsetof(task_struct, pid))"))
    compare_net(uapi.BPF_PROG_TYPE_XDP, text, IPV4_UDP, record=True)


def test_cgroup_storage_of_the_task_cgroup() -> None:
    """``bpf_cgrp_storage_get(task->cgroups->dfl_cgrp)``: the value user space finds by the calling
    process's cgroup directory, as on the kernel."""
    directory = current_cgroup_path()
    if directory is None:
        pytest.skip("no cgroup v2 hierarchy")
    body = corpus.resolve_kernel_types(DFL_CGRP) + (
        "r2 = r1\nr1 = map_fd(c) ll\nr3 = 0\nr4 = 1\ncall bpf_cgrp_storage_get\n"
        f"r6 = r0\nr0 = 7\nif r6 == 0 goto +4\nr1 = *(u64 *)(r6 + 8)\nr1 += 1\n"
        f"*(u64 *)(r6 + 8) = r1\nr0 = {FOUND}\n"
        "exit\n"
    )
    retvals, value = compare(body, 3, directory)
    assert retvals == [FOUND] * 3
    assert value is not None
    assert int.from_bytes(value[8:16], "little") == 3
