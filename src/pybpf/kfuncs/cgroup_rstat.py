"""The cgroup rstat kfuncs: css_rstat_updated and css_rstat_flush.

Mirrors kernel/cgroup/rstat.c of Linux 6.18: ``bpf_rstat_kfunc_ids`` holds
``void css_rstat_updated(struct cgroup_subsys_state *css, int cpu)`` (no flags) and
``void css_rstat_flush(struct cgroup_subsys_state *css)`` (KF_SLEEPABLE), registered for
BPF_PROG_TYPE_TRACING: the tracing hook's types (measured: TRACEPOINT and PERF_EVENT load them;
TRACING and LSM, which this kernel's lockdown keeps from loading, from the source).  They mark a
cgroup's per-CPU statistics as changed and fold them into the totals -- kernel bookkeeping that
user space only sees through the cgroup's stat files, which pybpf does not keep: at run time both
do nothing.
"""

from __future__ import annotations

from pybpf.kfuncs.proto import TRACING_HOOK_PROG_TYPES, ArgKind, KArg, KfFlag, KFunc, RetKind, do_nothing

_CSS = KArg(ArgKind.BTF_ID, "struct cgroup_subsys_state *", "css")

KFUNCS: tuple[KFunc, ...] = (
    KFunc("css_rstat_updated", KfFlag.NONE, (_CSS, KArg(ArgKind.SCALAR, "int", "cpu")), RetKind.VOID, "void",
          0, do_nothing, TRACING_HOOK_PROG_TYPES),
    KFunc("css_rstat_flush", KfFlag.SLEEPABLE, (_CSS,), RetKind.VOID, "void", 0, do_nothing,
          TRACING_HOOK_PROG_TYPES),
)  # fmt: skip
"""The rstat kfuncs."""
