"""The cgroup array helpers: ``bpf_current_task_under_cgroup`` (37) and ``bpf_skb_under_cgroup`` (33).

Mirrors kernel/trace/bpf_trace.c ``bpf_current_task_under_cgroup`` and net/core/filter.c
``bpf_skb_under_cgroup``: an index past the array is -E2BIG, an empty slot -EAGAIN, else 1 when the
task (the skb's socket) is in the slot's cgroup or below it, 0 when not
(``task_under_cgroup_hierarchy``, ``sk_under_cgroup_hierarchy``; ``pybpf.objects.cgroups``).

The socket of an skb pybpf runs is the one ``bpf_prog_test_run_skb`` gives it: allocated by the
calling task, so it belongs to that task's cgroup (``cgroup_sk_alloc``) -- the skb helper then answers
as the task helper does.  The map argument must be a cgroup array (``MapOps.fd_kind`` CGROUP) the run
may reach, else the call is a ``HelperError``, as the kernel's verifier refuses such a program.
"""

from __future__ import annotations

import errno

from pybpf.errors import HelperError
from pybpf.helpers.context import SYSCALL_CHARGE, HelperContext
from pybpf.helpers.map_access import access_of, describe_map
from pybpf.helpers.registry import HelperRegistry
from pybpf.maps.base import FdKind
from pybpf.objects import cgroups

CGROUP_ARRAY_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = CGROUP_ARRAY_HELPERS.helper


def _under_cgroup(ctx: HelperContext, helper: str, map_ptr: int, index: int, reg: int) -> int:
    """The common part: the slot ``index`` of the cgroup array at ``map_ptr`` (register ``reg``)."""
    array = access_of(ctx.env.maps, helper).map_arg(map_ptr, helper, reg)
    impl = array.impl
    if impl.fd_kind is not FdKind.CGROUP:
        raise HelperError(None, f"{helper}: R{reg} is {describe_map(array)}; {helper} takes cgroup arrays")
    index &= 0xFFFFFFFF
    if index >= impl.max_entries:
        return -errno.E2BIG
    cgroup_id = impl.slot(index)
    if not cgroup_id:
        return -errno.EAGAIN
    ctx.charge(2 * SYSCALL_CHARGE)  # read /proc/self/cgroup, stat the directories
    return int(cgroups.current_task_under(cgroup_id))


@_helper("bpf_current_task_under_cgroup")
def current_task_under_cgroup(ctx: HelperContext, map_ptr: int, index: int, *_: int) -> int:
    """``long bpf_current_task_under_cgroup(map, index)``."""
    return _under_cgroup(ctx, "bpf_current_task_under_cgroup", map_ptr, index, 1)


@_helper("bpf_skb_under_cgroup")
def skb_under_cgroup(ctx: HelperContext, skb: int, map_ptr: int, index: int, *_: int) -> int:
    """``long bpf_skb_under_cgroup(skb, map, index)`` (the test run's socket: the caller's cgroup)."""
    return _under_cgroup(ctx, "bpf_skb_under_cgroup", map_ptr, index, 2)
