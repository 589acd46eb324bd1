"""Helpers 27, ``bpf_get_stackid`` (the id of the current stack in a BPF_MAP_TYPE_STACK_TRACE map), and
67, ``bpf_get_stack`` (the current stack copied into the program's buffer).

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

``bpf_get_stack(ctx, buf, size, flags)`` (kernel/bpf/stackmap.c ``__bpf_get_stack``, reached by every
flavour): flags outside BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID,
BPF_F_USER_BUILD_ID without BPF_F_USER_STACK, or a size that is not a multiple of the entry (8 bytes,
32 with BPF_F_USER_BUILD_ID) are -EINVAL; past those checks the kernel walks the stack, and pybpf,
with none to walk, answers -EFAULT as the kernel does without a trace.  Either way ``buf`` is zeroed.
The kernel's own test runs (a raw tracepoint's BPF_PROG_TEST_RUN) do have a kernel stack and the
calling task's user stack, so there it returns a trace, and ``bpf_get_stackid`` an id: a known
difference (tests/helpers/test_stack_helpers.py).
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


GET_STACK_FLAGS = uapi.BPF_F_SKIP_FIELD_MASK | uapi.BPF_F_USER_STACK | uapi.BPF_F_USER_BUILD_ID
"""The flags ``bpf_get_stack`` knows."""
BUILD_ID_ENTRY = 32
"""``sizeof(struct bpf_stack_build_id)``: an entry with BPF_F_USER_BUILD_ID (else a u64 ip)."""


@_helper("bpf_get_stack")
def get_stack(ctx: HelperContext, _regs: int, buf: int, size: int, flags: int, *_: int) -> int:
    """``long bpf_get_stack(ctx, buf, size, flags)``: -EINVAL for bad flags or sizes, else -EFAULT (no
    stack); ``buf`` zeroed."""
    size &= 0xFFFF_FFFF
    build_id = flags & uapi.BPF_F_USER_BUILD_ID
    entry = BUILD_ID_ENTRY if build_id else 8
    invalid = flags & ~GET_STACK_FLAGS or (build_id and not flags & uapi.BPF_F_USER_STACK) or size % entry
    if size:
        ctx.memory.write(buf, bytes(size))
    return -errno.EINVAL if invalid else -errno.EFAULT
