"""bpf(2)'s permission checks: which caller may run which command, create which map, load which program.

Mirrors Linux 6.18's kernel/bpf/syscall.c (without BPF tokens, which pybpf does not have, so every
``bpf_token_capable(token, cap)`` is ``bpf_token_capable(NULL, cap)``):

* ``map_create``: after the type's ``map_alloc_check`` (and the token), ``unprivileged_bpf_disabled``
  refuses a caller without CAP_BPF (EPERM), then the per-map-type switch: the unprivileged types,
  those needing CAP_BPF, those needing CAP_NET_ADMIN (:data:`MAP_TYPE_CAP`);
* ``bpf_prog_load``: after the flags (and the token), the sysctl (EPERM), the instruction count
  (0 or above BPF_MAXINSNS without CAP_BPF, above BPF_COMPLEXITY_LIMIT_INSNS with it: E2BIG), then
  CAP_BPF for every type but SOCKET_FILTER and CGROUP_SKB, ``is_net_admin_prog_type`` (CAP_NET_ADMIN)
  and ``is_perfmon_prog_type`` (CAP_PERFMON), all EPERM (:func:`check_prog_load`);
* ``bpf_btf_load``: CAP_BPF; the ``*_GET_NEXT_ID`` / ``*_GET_FD_BY_ID`` commands, BPF_ENABLE_STATS and
  BPF_TASK_FD_QUERY: CAP_SYS_ADMIN itself; BPF_PROG_QUERY: ``bpf_net_capable()`` (CAP_NET_ADMIN or
  CAP_SYS_ADMIN) -- each at its place among the command's attr checks (:func:`require`).

Every check reads :func:`pybpf.objects.credentials.current`, the kernel's ``current_cred()``.
"""

from __future__ import annotations

import errno

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.objects.credentials import CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN, Credentials, current
from pybpf.uapi import BPF_COMPLEXITY_LIMIT_INSNS, BPF_MAXINSNS

_UNPRIVILEGED = 0
MAP_TYPE_CAP: dict[int, int] = {
    **dict.fromkeys(
        (
            uapi.BPF_MAP_TYPE_ARRAY, uapi.BPF_MAP_TYPE_PERCPU_ARRAY, uapi.BPF_MAP_TYPE_PROG_ARRAY,
            uapi.BPF_MAP_TYPE_PERF_EVENT_ARRAY, uapi.BPF_MAP_TYPE_CGROUP_ARRAY,
            uapi.BPF_MAP_TYPE_ARRAY_OF_MAPS, uapi.BPF_MAP_TYPE_HASH, uapi.BPF_MAP_TYPE_PERCPU_HASH,
            uapi.BPF_MAP_TYPE_HASH_OF_MAPS, uapi.BPF_MAP_TYPE_RINGBUF, uapi.BPF_MAP_TYPE_USER_RINGBUF,
            uapi.BPF_MAP_TYPE_CGROUP_STORAGE, uapi.BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
        ),
        _UNPRIVILEGED,
    ),
    **dict.fromkeys(
        (
            uapi.BPF_MAP_TYPE_SK_STORAGE, uapi.BPF_MAP_TYPE_INODE_STORAGE, uapi.BPF_MAP_TYPE_TASK_STORAGE,
            uapi.BPF_MAP_TYPE_CGRP_STORAGE, uapi.BPF_MAP_TYPE_BLOOM_FILTER, uapi.BPF_MAP_TYPE_LPM_TRIE,
            uapi.BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, uapi.BPF_MAP_TYPE_STACK_TRACE, uapi.BPF_MAP_TYPE_QUEUE,
            uapi.BPF_MAP_TYPE_STACK, uapi.BPF_MAP_TYPE_LRU_HASH, uapi.BPF_MAP_TYPE_LRU_PERCPU_HASH,
            uapi.BPF_MAP_TYPE_STRUCT_OPS, uapi.BPF_MAP_TYPE_CPUMAP, uapi.BPF_MAP_TYPE_ARENA,
        ),
        CAP_BPF,
    ),
    **dict.fromkeys(
        (
            uapi.BPF_MAP_TYPE_SOCKMAP, uapi.BPF_MAP_TYPE_SOCKHASH, uapi.BPF_MAP_TYPE_DEVMAP,
            uapi.BPF_MAP_TYPE_DEVMAP_HASH, uapi.BPF_MAP_TYPE_XSKMAP,
        ),
        CAP_NET_ADMIN,
    ),
}  # fmt: skip
"""``map_create``'s switch: the capability each map type needs (0: none); a type not listed is EPERM."""

NET_ADMIN_PROG_TYPES = frozenset(
    (
        uapi.BPF_PROG_TYPE_SCHED_CLS, uapi.BPF_PROG_TYPE_SCHED_ACT, uapi.BPF_PROG_TYPE_XDP,
        uapi.BPF_PROG_TYPE_LWT_IN, uapi.BPF_PROG_TYPE_LWT_OUT, uapi.BPF_PROG_TYPE_LWT_XMIT,
        uapi.BPF_PROG_TYPE_LWT_SEG6LOCAL, uapi.BPF_PROG_TYPE_SK_SKB, uapi.BPF_PROG_TYPE_SK_MSG,
        uapi.BPF_PROG_TYPE_FLOW_DISSECTOR, uapi.BPF_PROG_TYPE_CGROUP_DEVICE, uapi.BPF_PROG_TYPE_CGROUP_SOCK,
        uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR, uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT,
        uapi.BPF_PROG_TYPE_CGROUP_SYSCTL, uapi.BPF_PROG_TYPE_SOCK_OPS, uapi.BPF_PROG_TYPE_EXT,
        uapi.BPF_PROG_TYPE_NETFILTER,
    )
)  # fmt: skip
"""``is_net_admin_prog_type``: program types loaded with CAP_NET_ADMIN only."""

PERFMON_PROG_TYPES = frozenset(
    (
        uapi.BPF_PROG_TYPE_KPROBE, uapi.BPF_PROG_TYPE_TRACEPOINT, uapi.BPF_PROG_TYPE_PERF_EVENT,
        uapi.BPF_PROG_TYPE_RAW_TRACEPOINT, uapi.BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
        uapi.BPF_PROG_TYPE_TRACING, uapi.BPF_PROG_TYPE_LSM, uapi.BPF_PROG_TYPE_STRUCT_OPS,
        uapi.BPF_PROG_TYPE_EXT,
    )
)  # fmt: skip
"""``is_perfmon_prog_type``: program types loaded with CAP_PERFMON only."""

UNPRIVILEGED_PROG_TYPES = frozenset((uapi.BPF_PROG_TYPE_SOCKET_FILTER, uapi.BPF_PROG_TYPE_CGROUP_SKB))
"""The program types a caller without CAP_BPF may load (with ``unprivileged_bpf_disabled`` at 0)."""

_CAP_NAMES = {CAP_BPF: "CAP_BPF", CAP_NET_ADMIN: "CAP_NET_ADMIN", CAP_SYS_ADMIN: "CAP_SYS_ADMIN"}


def require(cap: int, what: str, credentials: Credentials | None = None) -> None:
    """``capable(cap)`` as the command asks it: EPERM without it.  CAP_SYS_ADMIN is asked itself; any
    other capability as ``bpf_token_capable`` asks it (CAP_SYS_ADMIN stands in for it)."""
    creds = current() if credentials is None else credentials
    if not creds.token_capable(cap):
        raise BPFError(errno.EPERM, f"{what} needs {_CAP_NAMES.get(cap, f'capability {cap}')}")


def require_net_admin(what: str) -> None:
    """``bpf_net_capable()``: CAP_NET_ADMIN or CAP_SYS_ADMIN, else EPERM."""
    require(CAP_NET_ADMIN, what)


def check_unprivileged_disabled(creds: Credentials, what: str) -> None:
    """``sysctl_unprivileged_bpf_disabled && !bpf_capable()``: EPERM (map_create, bpf_prog_load)."""
    if not creds.bpf_allowed:
        raise BPFError(
            errno.EPERM,
            f"kernel.unprivileged_bpf_disabled={creds.unprivileged_bpf_disabled}: {what} needs CAP_BPF",
        )


def check_map_create(map_type: int) -> None:
    """``map_create``'s checks after ``map_alloc_check``: the sysctl, then the map type's capability."""
    creds = current()
    check_unprivileged_disabled(creds, "BPF_MAP_CREATE")
    cap = MAP_TYPE_CAP.get(map_type)
    if cap is None:
        raise BPFError(errno.EPERM, f"map type {map_type} has no capability rule")
    if cap:
        require(cap, f"map type {map_type}", creds)


def check_prog_load(prog_type: int, insn_cnt: int) -> Credentials:
    """``bpf_prog_load``'s checks after the flags: the sysctl (EPERM), the instruction count (E2BIG),
    then the program type's capabilities (EPERM); returns the credentials read."""
    creds = current()
    check_unprivileged_disabled(creds, "BPF_PROG_LOAD")
    limit = BPF_COMPLEXITY_LIMIT_INSNS if creds.bpf_capable else BPF_MAXINSNS
    if insn_cnt == 0 or insn_cnt > limit:
        raise BPFError(errno.E2BIG, f"insn_cnt {insn_cnt} is 0 or above {limit}")
    if creds.bpf_capable:
        if prog_type in NET_ADMIN_PROG_TYPES and not creds.net_admin_capable:
            raise BPFError(errno.EPERM, "this program type needs CAP_NET_ADMIN")
        if prog_type in PERFMON_PROG_TYPES and not creds.perfmon_capable:
            raise BPFError(errno.EPERM, "this program type needs CAP_PERFMON")
    elif prog_type not in UNPRIVILEGED_PROG_TYPES:
        raise BPFError(errno.EPERM, "only socket filter and cgroup skb programs load without CAP_BPF")
    return creds
