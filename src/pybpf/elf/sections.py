"""libbpf's SEC() table as data: which program type, expected attach type and load flags a section name means.

Mirrors ``section_defs[]``, ``sec_def_matches`` and ``libbpf_prepare_prog_load`` (tools/lib/bpf/libbpf.c):
each row is a section-name pattern, the ``BPF_PROG_TYPE_*`` and ``BPF_*`` attach type it implies, and
libbpf's flags for it.  A pattern ending in ``/`` matches any name with that prefix; one ending in ``+``
matches the name itself or the name followed by ``/`` and anything; any other pattern matches exactly.
The first matching row wins, so the table keeps libbpf's order.  Loading a program then sets
``BPF_F_SLEEPABLE`` for sleepable sections and ``BPF_F_XDP_HAS_FRAGS`` for ``xdp.frags`` ones, and the
part after the ``/`` names the attach target (a kprobe's function, an fentry's BTF function ...).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pybpf import uapi

__all__ = ["SECTION_DEFS", "ProgramKind", "SecFlag", "SectionDef", "find_section_def", "program_kind"]


class SecFlag(enum.IntFlag):
    """libbpf's ``enum sec_def_flags``."""

    NONE = 0
    EXP_ATTACH_OPT = 1
    """expected_attach_type may be left out on kernels that do not know it."""
    ATTACHABLE = 2
    ATTACHABLE_OPT = 3
    ATTACH_BTF = 4
    """the attach target is a BTF id (a kernel function, tracepoint or LSM hook)."""
    SLEEPABLE = 8
    XDP_FRAGS = 16
    USDT = 32


@dataclass(frozen=True, slots=True)
class SectionDef:
    """One row of the table."""

    pattern: str
    prog_type: int
    expected_attach_type: int = 0
    flags: SecFlag = SecFlag.NONE

    def matches(self, section: str) -> bool:
        """``sec_def_matches``."""
        if self.pattern.endswith("/"):
            return section.startswith(self.pattern)
        if self.pattern.endswith("+"):
            stem = self.pattern[:-1]
            return section == stem or section.startswith(stem + "/")
        return section == self.pattern


_F = SecFlag


def _row(pattern: str, prog: str, attach: str | None = None, flags: SecFlag = _F.NONE) -> SectionDef:
    attach_type = uapi.bpf_attach_type[f"BPF_{attach}"] if attach else 0
    return SectionDef(pattern, uapi.bpf_prog_type[f"BPF_PROG_TYPE_{prog}"], attach_type, flags)


SECTION_DEFS: tuple[SectionDef, ...] = (
    _row("socket", "SOCKET_FILTER"),
    _row("sk_reuseport/migrate", "SK_REUSEPORT", "SK_REUSEPORT_SELECT_OR_MIGRATE", _F.ATTACHABLE),
    _row("sk_reuseport", "SK_REUSEPORT", "SK_REUSEPORT_SELECT", _F.ATTACHABLE),
    _row("kprobe+", "KPROBE"),
    _row("uprobe+", "KPROBE"),
    _row("uprobe.s+", "KPROBE", None, _F.SLEEPABLE),
    _row("kretprobe+", "KPROBE"),
    _row("uretprobe+", "KPROBE"),
    _row("uretprobe.s+", "KPROBE", None, _F.SLEEPABLE),
    _row("kprobe.multi+", "KPROBE", "TRACE_KPROBE_MULTI"),
    _row("kretprobe.multi+", "KPROBE", "TRACE_KPROBE_MULTI"),
    _row("kprobe.session+", "KPROBE", "TRACE_KPROBE_SESSION"),
    _row("uprobe.multi+", "KPROBE", "TRACE_UPROBE_MULTI"),
    _row("uretprobe.multi+", "KPROBE", "TRACE_UPROBE_MULTI"),
    _row("uprobe.session+", "KPROBE", "TRACE_UPROBE_SESSION"),
    _row("uprobe.multi.s+", "KPROBE", "TRACE_UPROBE_MULTI", _F.SLEEPABLE),
    _row("uretprobe.multi.s+", "KPROBE", "TRACE_UPROBE_MULTI", _F.SLEEPABLE),
    _row("uprobe.session.s+", "KPROBE", "TRACE_UPROBE_SESSION", _F.SLEEPABLE),
    _row("ksyscall+", "KPROBE"),
    _row("kretsyscall+", "KPROBE"),
    _row("usdt+", "KPROBE", None, _F.USDT),
    _row("usdt.s+", "KPROBE", None, _F.USDT | _F.SLEEPABLE),
    _row("tc/ingress", "SCHED_CLS", "TCX_INGRESS"),
    _row("tc/egress", "SCHED_CLS", "TCX_EGRESS"),
    _row("tcx/ingress", "SCHED_CLS", "TCX_INGRESS"),
    _row("tcx/egress", "SCHED_CLS", "TCX_EGRESS"),
    _row("tc", "SCHED_CLS"),
    _row("classifier", "SCHED_CLS"),
    _row("action", "SCHED_ACT"),
    _row("netkit/primary", "SCHED_CLS", "NETKIT_PRIMARY"),
    _row("netkit/peer", "SCHED_CLS", "NETKIT_PEER"),
    _row("tracepoint+", "TRACEPOINT"),
    _row("tp+", "TRACEPOINT"),
    _row("raw_tracepoint+", "RAW_TRACEPOINT"),
    _row("raw_tp+", "RAW_TRACEPOINT"),
    _row("raw_tracepoint.w+", "RAW_TRACEPOINT_WRITABLE"),
    _row("raw_tp.w+", "RAW_TRACEPOINT_WRITABLE"),
    _row("tp_btf+", "TRACING", "TRACE_RAW_TP", _F.ATTACH_BTF),
    _row("fentry+", "TRACING", "TRACE_FENTRY", _F.ATTACH_BTF),
    _row("fmod_ret+", "TRACING", "MODIFY_RETURN", _F.ATTACH_BTF),
    _row("fexit+", "TRACING", "TRACE_FEXIT", _F.ATTACH_BTF),
    _row("fentry.s+", "TRACING", "TRACE_FENTRY", _F.ATTACH_BTF | _F.SLEEPABLE),
    _row("fmod_ret.s+", "TRACING", "MODIFY_RETURN", _F.ATTACH_BTF | _F.SLEEPABLE),
    _row("fexit.s+", "TRACING", "TRACE_FEXIT", _F.ATTACH_BTF | _F.SLEEPABLE),
    _row("freplace+", "EXT", None, _F.ATTACH_BTF),
    _row("lsm+", "LSM", "LSM_MAC", _F.ATTACH_BTF),
    _row("lsm.s+", "LSM", "LSM_MAC", _F.ATTACH_BTF | _F.SLEEPABLE),
    _row("lsm_cgroup+", "LSM", "LSM_CGROUP", _F.ATTACH_BTF),
    _row("iter+", "TRACING", "TRACE_ITER", _F.ATTACH_BTF),
    _row("iter.s+", "TRACING", "TRACE_ITER", _F.ATTACH_BTF | _F.SLEEPABLE),
    _row("syscall", "SYSCALL", None, _F.SLEEPABLE),
    _row("xdp.frags/devmap", "XDP", "XDP_DEVMAP", _F.XDP_FRAGS),
    _row("xdp/devmap", "XDP", "XDP_DEVMAP", _F.ATTACHABLE),
    _row("xdp.frags/cpumap", "XDP", "XDP_CPUMAP", _F.XDP_FRAGS),
    _row("xdp/cpumap", "XDP", "XDP_CPUMAP", _F.ATTACHABLE),
    _row("xdp.frags", "XDP", "XDP", _F.XDP_FRAGS),
    _row("xdp", "XDP", "XDP", _F.ATTACHABLE_OPT),
    _row("perf_event", "PERF_EVENT"),
    _row("lwt_in", "LWT_IN"),
    _row("lwt_out", "LWT_OUT"),
    _row("lwt_xmit", "LWT_XMIT"),
    _row("lwt_seg6local", "LWT_SEG6LOCAL"),
    _row("sockops", "SOCK_OPS", "CGROUP_SOCK_OPS", _F.ATTACHABLE_OPT),
    _row("sk_skb/stream_parser", "SK_SKB", "SK_SKB_STREAM_PARSER", _F.ATTACHABLE_OPT),
    _row("sk_skb/stream_verdict", "SK_SKB", "SK_SKB_STREAM_VERDICT", _F.ATTACHABLE_OPT),
    _row("sk_skb/verdict", "SK_SKB", "SK_SKB_VERDICT", _F.ATTACHABLE_OPT),
    _row("sk_skb", "SK_SKB"),
    _row("sk_msg", "SK_MSG", "SK_MSG_VERDICT", _F.ATTACHABLE_OPT),
    _row("lirc_mode2", "LIRC_MODE2", "LIRC_MODE2", _F.ATTACHABLE_OPT),
    _row("flow_dissector", "FLOW_DISSECTOR", "FLOW_DISSECTOR", _F.ATTACHABLE_OPT),
    _row("cgroup_skb/ingress", "CGROUP_SKB", "CGROUP_INET_INGRESS", _F.ATTACHABLE_OPT),
    _row("cgroup_skb/egress", "CGROUP_SKB", "CGROUP_INET_EGRESS", _F.ATTACHABLE_OPT),
    _row("cgroup/skb", "CGROUP_SKB"),
    _row("cgroup/sock_create", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE", _F.ATTACHABLE),
    _row("cgroup/sock_release", "CGROUP_SOCK", "CGROUP_INET_SOCK_RELEASE", _F.ATTACHABLE),
    _row("cgroup/sock", "CGROUP_SOCK", "CGROUP_INET_SOCK_CREATE", _F.ATTACHABLE_OPT),
    _row("cgroup/post_bind4", "CGROUP_SOCK", "CGROUP_INET4_POST_BIND", _F.ATTACHABLE),
    _row("cgroup/post_bind6", "CGROUP_SOCK", "CGROUP_INET6_POST_BIND", _F.ATTACHABLE),
    _row("cgroup/bind4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_BIND", _F.ATTACHABLE),
    _row("cgroup/bind6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_BIND", _F.ATTACHABLE),
    _row("cgroup/connect4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_CONNECT", _F.ATTACHABLE),
    _row("cgroup/connect6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_CONNECT", _F.ATTACHABLE),
    _row("cgroup/connect_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_CONNECT", _F.ATTACHABLE),
    _row("cgroup/sendmsg4", "CGROUP_SOCK_ADDR", "CGROUP_UDP4_SENDMSG", _F.ATTACHABLE),
    _row("cgroup/sendmsg6", "CGROUP_SOCK_ADDR", "CGROUP_UDP6_SENDMSG", _F.ATTACHABLE),
    _row("cgroup/sendmsg_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_SENDMSG", _F.ATTACHABLE),
    _row("cgroup/recvmsg4", "CGROUP_SOCK_ADDR", "CGROUP_UDP4_RECVMSG", _F.ATTACHABLE),
    _row("cgroup/recvmsg6", "CGROUP_SOCK_ADDR", "CGROUP_UDP6_RECVMSG", _F.ATTACHABLE),
    _row("cgroup/recvmsg_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_RECVMSG", _F.ATTACHABLE),
    _row("cgroup/getpeername4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_GETPEERNAME", _F.ATTACHABLE),
    _row("cgroup/getpeername6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_GETPEERNAME", _F.ATTACHABLE),
    _row("cgroup/getpeername_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_GETPEERNAME", _F.ATTACHABLE),
    _row("cgroup/getsockname4", "CGROUP_SOCK_ADDR", "CGROUP_INET4_GETSOCKNAME", _F.ATTACHABLE),
    _row("cgroup/getsockname6", "CGROUP_SOCK_ADDR", "CGROUP_INET6_GETSOCKNAME", _F.ATTACHABLE),
    _row("cgroup/getsockname_unix", "CGROUP_SOCK_ADDR", "CGROUP_UNIX_GETSOCKNAME", _F.ATTACHABLE),
    _row("cgroup/sysctl", "CGROUP_SYSCTL", "CGROUP_SYSCTL", _F.ATTACHABLE),
    _row("cgroup/getsockopt", "CGROUP_SOCKOPT", "CGROUP_GETSOCKOPT", _F.ATTACHABLE),
    _row("cgroup/setsockopt", "CGROUP_SOCKOPT", "CGROUP_SETSOCKOPT", _F.ATTACHABLE),
    _row("cgroup/dev", "CGROUP_DEVICE", "CGROUP_DEVICE", _F.ATTACHABLE_OPT),
    _row("struct_ops+", "STRUCT_OPS"),
    _row("struct_ops.s+", "STRUCT_OPS", None, _F.SLEEPABLE),
    _row("sk_lookup", "SK_LOOKUP", "SK_LOOKUP", _F.ATTACHABLE),
    _row("netfilter", "NETFILTER", "NETFILTER"),
)
"""libbpf's ``section_defs[]``, in its order (the first match wins)."""


def find_section_def(section: str) -> SectionDef | None:
    """``find_sec_def``: the first row matching ``section``, or None."""
    for row in SECTION_DEFS:
        if row.matches(section):
            return row
    return None


@dataclass(frozen=True, slots=True)
class ProgramKind:
    """What a program's section says about loading it."""

    prog_type: int
    """``BPF_PROG_TYPE_*``; 0 (unspec) when the section name is not in the table."""
    expected_attach_type: int
    prog_flags: int
    """``BPF_F_SLEEPABLE`` / ``BPF_F_XDP_HAS_FRAGS`` as ``libbpf_prepare_prog_load`` sets them."""
    attach_target: str
    """The part after the ``/`` (``kprobe/do_unlinkat`` -> ``do_unlinkat``), or ``""``."""
    flags: SecFlag = SecFlag.NONE


def program_kind(section: str) -> ProgramKind:
    """The program type, expected attach type, flags and attach target a section name implies."""
    row = find_section_def(section)
    if row is None:
        return ProgramKind(0, 0, 0, "")
    prog_flags = 0
    if row.flags & SecFlag.SLEEPABLE:
        prog_flags |= uapi.BPF_F_SLEEPABLE
    if row.flags & SecFlag.XDP_FRAGS and row.prog_type == uapi.BPF_PROG_TYPE_XDP:
        prog_flags |= uapi.BPF_F_XDP_HAS_FRAGS
    stem = row.pattern.rstrip("+")
    target = section[len(stem) :].removeprefix("/") if section != stem else ""
    return ProgramKind(row.prog_type, row.expected_attach_type, prog_flags, target, row.flags)
