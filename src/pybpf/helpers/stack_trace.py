"""Helper 27, ``bpf_get_stackid``: the id of the current stack in a BPF_MAP_TYPE_STACK_TRACE map.

Mirrors kernel/bpf/stackmap.c ``bpf_get_stackid`` (and the flavours of kernel/trace/bpf_trace.c,
which all end there): flags outside BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP
| BPF_F_REUSE_STACKID are -EINVAL; then the kernel walks the kernel stack (or, with
BPF_F_USER_STACK, the task's user stack) with ``get_perf_callchain`` and stores it
(``__bpf_get_stackid``).

pybpf runs programs in user space, with neither a kernel stack nor a probed task's user stack to
walk: the helper answers as the kernel's does when ``get_perf_callchain`` has no trace to give,
-EFAULT, and stores nothing.  Code that keys counters by stack id (``key.kernel_stack =
bpf_get_stackid(...)``) then counts under -EFAULT (-14).  The map argument must be a stack trace map
the run may reach, else the call is a ``HelperError``, as the kernel's verifier refuses it.
"""

from __future__ import annotations

import errno

from pybpf import uapi
from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.map_access import access_of, describe_map
from pybpf.helpers.registry import HelperRegistry

STACK_TRACE_HELPERS = HelperRegistry()
"""The helpers of this module, by kernel id (``default_registry()`` includes them)."""
_helper = STACK_TRACE_HELPERS.helper

GET_STACKID_FLAGS = (
    uapi.BPF_F_SKIP_FIELD_MASK | uapi.BPF_F_USER_STACK | uapi.BPF_F_FAST_STACK_CMP | uapi.BPF_F_REUSE_STACKID
)
"""The flags ``bpf_get_stackid`` knows."""


@_helper("bpf_get_stackid")
def get_stackid(ctx: HelperContext, _regs: int, map_ptr: int, flags: int, *_: int) -> int:
    """``long bpf_get_stackid(ctx, map, flags)``: -EINVAL for unknown flags, else -EFAULT (no stack)."""
    helper = "bpf_get_stackid"
    stack_map = access_of(ctx.env.maps, helper).map_arg(map_ptr, helper, 2)
    if stack_map.params.map_type != uapi.BPF_MAP_TYPE_STACK_TRACE:
        raise HelperError(None, f"{helper}: R2 is {describe_map(stack_map)}; {helper} takes stack trace maps")
    if flags & ~GET_STACKID_FLAGS:
        return -errno.EINVAL
    return -errno.EFAULT
