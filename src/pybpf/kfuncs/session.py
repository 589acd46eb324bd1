"""The session kfuncs of kprobe/uprobe session programs: bpf_session_is_return(), bpf_session_cookie().

Mirrors kernel/trace/bpf_trace.c (Linux 6.18): both are in ``kprobe_multi_kfunc_set_ids``,
registered for BPF_PROG_TYPE_KPROBE with the filter bpf_kprobe_multi_filter(), which lets only
programs loaded for BPF_TRACE_KPROBE_SESSION or BPF_TRACE_UPROBE_SESSION call them (any other:
"calling kernel function %s is not allowed", EACCES -- measured)::

    bool bpf_session_is_return(void);
    __u64 *bpf_session_cookie(void);

A session program runs at the probed function's entry and, when that run returned 0, again at its
return; ``is_return`` tells which, and the cookie is one u64 the two runs share (the kernel's
``bpf_session_run_ctx.data``).  check_kfunc_call() makes the cookie writable memory of 8 bytes
(not the read-only memory a pointer to a scalar usually gives; ``RetKind.MEM``), never NULL.

pybpf attaches no probes, so a session program's runs are the ones a caller makes: each an entry
run (``is_return`` is false), whose cookie is a zeroed u64 made for the run at its first call
(``RunEnv.session_cookie``).
"""

from __future__ import annotations

from pybpf import uapi
from pybpf.helpers.context import HelperContext
from pybpf.kfuncs.proto import KfFlag, KFunc, RetKind, do_nothing

SESSION_ATTACH_TYPES = frozenset({uapi.BPF_TRACE_KPROBE_SESSION, uapi.BPF_TRACE_UPROBE_SESSION})
_KPROBE = frozenset({uapi.BPF_PROG_TYPE_KPROBE})
COOKIE_SIZE = 8


def session_cookie(ctx: HelperContext, _r1: int, _r2: int, _r3: int, _r4: int, _r5: int) -> int:
    """``bpf_session_cookie()``: the run's cookie (made zeroed at the run's first call)."""
    env = ctx.env
    if not env.session_cookie:
        env.session_cookie = ctx.memory.add_buffer(COOKIE_SIZE, name="session cookie").start
    return env.session_cookie


KFUNCS: tuple[KFunc, ...] = (
    KFunc("bpf_session_is_return", KfFlag.NONE, (), RetKind.SCALAR, "bool", 1, do_nothing, _KPROBE,
          attach_types=SESSION_ATTACH_TYPES),
    KFunc("bpf_session_cookie", KfFlag.NONE, (), RetKind.MEM, "u64 *", COOKIE_SIZE, session_cookie, _KPROBE,
          attach_types=SESSION_ATTACH_TYPES),
)  # fmt: skip
