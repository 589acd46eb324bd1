"""BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY: the checks of every target, the targets pybpf owns.

Mirrors ``bpf_prog_attach``, ``bpf_prog_detach`` and ``bpf_prog_query`` (kernel/bpf/syscall.c,
Linux 6.18) in their order: the attach type names a program type (``attach_type_to_prog_type``;
none: EINVAL), the flags are those of the target kind (the multi-program targets, tcx and netkit,
take ``BPF_F_ATTACH_MASK_MPROG``, cgroups both masks (6.16's ordered cgroup programs: BPF_F_BEFORE,
BPF_F_AFTER, BPF_F_ID, BPF_F_PREORDER, a ``relative_fd`` and an ``expected_revision``; a detach no
flags and no ``relative_fd``), the others ``BPF_F_ATTACH_MASK_BASE`` and no ``relative_fd`` nor
``expected_revision``: EINVAL), the program (``bpf_prog_get_type``: EBADF, or EINVAL for a program of
another type), ``bpf_prog_attach_check_attach_type`` (EINVAL), then the target's own handler:

* sockmaps and sockhashes (SK_MSG / SK_SKB): ``pybpf.kernel.sock_map_progs``, modelled in full;
* the network namespace (FLOW_DISSECTOR; SK_LOOKUP and FLOW_DISSECTOR queries):
  ``pybpf.kernel.netns_progs``;
* cgroups (the CGROUP_* types, SOCK_OPS, LSM_CGROUP): ``pybpf.kernel.cgroup_progs``, pybpf's own
  attachments to the kernel's cgroup v2 directories (EBADF for any other fd);
* LIRC_MODE2 (``lirc_prog_attach`` / ``_detach`` / ``_query``): no ``attach_flags`` / ``query_flags``
  (EINVAL), then ``rc_dev_get_from_fd`` -- EBADF for no open fd, EINVAL for any file but a lirc
  device, and pybpf has no lirc device (a kernel without CONFIG_BPF_LIRC_MODE2 answers EINVAL to all);
* tcx and netkit (SCHED_CLS): ``pybpf.kernel.tcx_progs`` (the device is an ifindex; pybpf has no
  traffic control layer: an attach is EOPNOTSUPP, a detach finds nothing, a query an empty device);
* every other program type (tracing, LSM, XDP, SK_LOOKUP attach ...) has no BPF_PROG_ATTACH: EINVAL.

A query's ``query_flags`` beyond BPF_F_QUERY_EFFECTIVE are EINVAL; its attach type chooses the
target the same way (EINVAL for one without a query).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel import cgroup_progs, netns_progs, sock_map_progs, tcx_progs
from pybpf.kernel.progobj import ProgObject, prog_get_type
from pybpf.progtypes.cgroup_sock import sock_create_attach_type

_CGROUP_TYPES = {
    uapi.BPF_PROG_TYPE_CGROUP_SKB: (uapi.BPF_CGROUP_INET_INGRESS, uapi.BPF_CGROUP_INET_EGRESS),
    uapi.BPF_PROG_TYPE_CGROUP_SOCK: (
        uapi.BPF_CGROUP_INET_SOCK_CREATE, uapi.BPF_CGROUP_INET_SOCK_RELEASE,
        uapi.BPF_CGROUP_INET4_POST_BIND, uapi.BPF_CGROUP_INET6_POST_BIND,
    ),
    uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR: (
        uapi.BPF_CGROUP_INET4_BIND, uapi.BPF_CGROUP_INET6_BIND,
        uapi.BPF_CGROUP_INET4_CONNECT, uapi.BPF_CGROUP_INET6_CONNECT,
        uapi.BPF_CGROUP_INET4_GETPEERNAME, uapi.BPF_CGROUP_INET6_GETPEERNAME,
        uapi.BPF_CGROUP_INET4_GETSOCKNAME, uapi.BPF_CGROUP_INET6_GETSOCKNAME,
        uapi.BPF_CGROUP_UDP4_SENDMSG, uapi.BPF_CGROUP_UDP6_SENDMSG,
        uapi.BPF_CGROUP_UDP4_RECVMSG, uapi.BPF_CGROUP_UDP6_RECVMSG,
        uapi.BPF_CGROUP_UNIX_CONNECT, uapi.BPF_CGROUP_UNIX_SENDMSG, uapi.BPF_CGROUP_UNIX_RECVMSG,
        uapi.BPF_CGROUP_UNIX_GETPEERNAME, uapi.BPF_CGROUP_UNIX_GETSOCKNAME,
    ),
    uapi.BPF_PROG_TYPE_SOCK_OPS: (uapi.BPF_CGROUP_SOCK_OPS,),
    uapi.BPF_PROG_TYPE_CGROUP_DEVICE: (uapi.BPF_CGROUP_DEVICE,),
    uapi.BPF_PROG_TYPE_CGROUP_SYSCTL: (uapi.BPF_CGROUP_SYSCTL,),
    uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT: (uapi.BPF_CGROUP_GETSOCKOPT, uapi.BPF_CGROUP_SETSOCKOPT),
}  # fmt: skip
_OTHER_TYPES = {
    uapi.BPF_PROG_TYPE_SK_MSG: (uapi.BPF_SK_MSG_VERDICT,),
    uapi.BPF_PROG_TYPE_SK_SKB: (
        uapi.BPF_SK_SKB_STREAM_PARSER, uapi.BPF_SK_SKB_STREAM_VERDICT, uapi.BPF_SK_SKB_VERDICT,
    ),
    uapi.BPF_PROG_TYPE_LIRC_MODE2: (uapi.BPF_LIRC_MODE2,),
    uapi.BPF_PROG_TYPE_FLOW_DISSECTOR: (uapi.BPF_FLOW_DISSECTOR,),
    uapi.BPF_PROG_TYPE_TRACING: (
        uapi.BPF_TRACE_ITER, uapi.BPF_TRACE_RAW_TP, uapi.BPF_TRACE_FENTRY, uapi.BPF_TRACE_FEXIT,
        uapi.BPF_MODIFY_RETURN,
    ),
    uapi.BPF_PROG_TYPE_LSM: (uapi.BPF_LSM_MAC, uapi.BPF_LSM_CGROUP),
    uapi.BPF_PROG_TYPE_SK_LOOKUP: (uapi.BPF_SK_LOOKUP,),
    uapi.BPF_PROG_TYPE_XDP: (uapi.BPF_XDP,),
    uapi.BPF_PROG_TYPE_SCHED_CLS: (
        uapi.BPF_TCX_INGRESS, uapi.BPF_TCX_EGRESS, uapi.BPF_NETKIT_PRIMARY, uapi.BPF_NETKIT_PEER,
    ),
}  # fmt: skip
ATTACH_TYPE_PROG_TYPE = {
    attach_type: prog_type
    for table in (_CGROUP_TYPES, _OTHER_TYPES)
    for prog_type, attach_types in table.items()
    for attach_type in attach_types
}
"""``attach_type_to_prog_type``: the program type of each attach type BPF_PROG_ATTACH knows."""
CGROUP_LINK_PROG_TYPES = frozenset(_CGROUP_TYPES)
"""The program types BPF_LINK_CREATE attaches to a cgroup (and LSM_CGROUP, which pybpf does not attach)."""
_CGROUP_PROG_TYPES = CGROUP_LINK_PROG_TYPES | {uapi.BPF_PROG_TYPE_LSM}
_MPROG = uapi.BPF_PROG_TYPE_SCHED_CLS
"""``bpf_mprog_supported``: the program type whose targets keep ordered lists (tcx, netkit)."""
_MASK_BASE = uapi.BPF_F_ALLOW_OVERRIDE | uapi.BPF_F_ALLOW_MULTI | uapi.BPF_F_REPLACE | uapi.BPF_F_PREORDER
"""``BPF_F_ATTACH_MASK_BASE``."""
_MASK_MPROG = uapi.BPF_F_REPLACE | uapi.BPF_F_BEFORE | uapi.BPF_F_AFTER | uapi.BPF_F_ID | uapi.BPF_F_LINK
"""``BPF_F_ATTACH_MASK_MPROG``: the multi-program attach flags."""
_EXPECTED_EQUAL = frozenset({
    uapi.BPF_PROG_TYPE_CGROUP_SOCK, uapi.BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    uapi.BPF_PROG_TYPE_CGROUP_SOCKOPT, uapi.BPF_PROG_TYPE_SK_LOOKUP,
})  # fmt: skip
"""The types whose program must have been loaded for the very attach type (else EINVAL)."""


def _check_attach_type(prog: ProgObject, attach_type: int) -> None:
    """``bpf_prog_attach_check_attach_type`` for the program types that reach it here."""
    prog_type, expected = prog.prog_type, prog.meta.expected_attach_type
    if prog_type == uapi.BPF_PROG_TYPE_CGROUP_SOCK:  # as bpf_prog_load_fixup_attach_type left it
        expected = sock_create_attach_type(expected)
    if prog_type in _EXPECTED_EQUAL and attach_type != expected:
        raise BPFError(errno.EINVAL, "the program was loaded for another attach type")


def _lirc(target_fd: int, flags: int) -> None:
    """``lirc_prog_attach`` / ``_detach`` / ``_query`` up to ``rc_dev_get_from_fd`` (pybpf has no
    lirc device)."""
    if flags:
        raise BPFError(errno.EINVAL, "lirc attachments take no flags")
    if not 0 <= target_fd <= 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {target_fd} is not open")
    try:
        os.fstat(target_fd)
    except OSError:
        raise BPFError(errno.EBADF, f"fd {target_fd} is not open") from None
    raise BPFError(errno.EINVAL, "not a lirc device (pybpf has none)")


def prog_attach(a: uapi.bpf_attr) -> int:
    """BPF_PROG_ATTACH after the attr checks."""
    attach_type = a.attach_type
    prog_type = ATTACH_TYPE_PROG_TYPE.get(attach_type)
    if prog_type is None:
        raise BPFError(errno.EINVAL, f"attach type {attach_type} has no BPF_PROG_ATTACH")
    if prog_type == _MPROG:
        if a.attach_flags & ~_MASK_MPROG:
            raise BPFError(errno.EINVAL, "unknown attach_flags")
    elif prog_type in _CGROUP_PROG_TYPES:
        if a.attach_flags & ~(_MASK_BASE | _MASK_MPROG):
            raise BPFError(errno.EINVAL, "unknown attach_flags")
    elif a.attach_flags & ~_MASK_BASE or a.relative_fd or a.expected_revision:
        raise BPFError(errno.EINVAL, "unknown attach_flags, or relative_fd / expected_revision given")
    prog = prog_get_type(a.attach_bpf_fd, prog_type)
    _check_attach_type(prog, attach_type)
    if prog_type in (uapi.BPF_PROG_TYPE_SK_SKB, uapi.BPF_PROG_TYPE_SK_MSG):
        return sock_map_progs.attach(a, prog)
    if prog_type == uapi.BPF_PROG_TYPE_FLOW_DISSECTOR:
        return netns_progs.attach(a, prog)
    if prog_type == uapi.BPF_PROG_TYPE_LIRC_MODE2:
        _lirc(a.target_fd, a.attach_flags)
    if prog_type in _CGROUP_PROG_TYPES:
        if prog_type == uapi.BPF_PROG_TYPE_LSM and prog.meta.expected_attach_type != uapi.BPF_LSM_CGROUP:
            raise BPFError(errno.EINVAL, "only BPF_LSM_CGROUP programs attach to cgroups")
        return cgroup_progs.attach(a, prog)
    if prog_type == _MPROG:
        return tcx_progs.attach(attach_type, a.target_ifindex)
    raise BPFError(errno.EINVAL, "this program type does not attach through BPF_PROG_ATTACH")


def link_create(lc: Any, prog: ProgObject) -> int:
    """BPF_LINK_CREATE of a cgroup program (``link_create``'s ``bpf_prog_attach_check_attach_type``,
    then ``cgroup_bpf_link_attach``): the link's fd."""
    if ATTACH_TYPE_PROG_TYPE.get(lc.attach_type) != prog.prog_type:
        raise BPFError(errno.EINVAL, "the attach type is not one of the program's type")
    _check_attach_type(prog, lc.attach_type)
    return cgroup_progs.link_attach(lc, prog, lc.prog_fd)


def prog_detach(a: uapi.bpf_attr) -> int:
    """BPF_PROG_DETACH after the attr checks."""
    attach_type = a.attach_type
    prog_type = ATTACH_TYPE_PROG_TYPE.get(attach_type)
    if prog_type == _MPROG:
        if a.attach_flags & ~_MASK_MPROG:
            raise BPFError(errno.EINVAL, "unknown attach_flags")
        if a.attach_bpf_fd:
            prog_get_type(a.attach_bpf_fd, prog_type)
        return tcx_progs.detach(attach_type, a.target_ifindex)
    if a.attach_flags or a.relative_fd or (a.expected_revision and prog_type not in _CGROUP_PROG_TYPES):
        raise BPFError(errno.EINVAL, "detach takes no attach_flags, relative_fd nor expected_revision")
    if prog_type in (uapi.BPF_PROG_TYPE_SK_SKB, uapi.BPF_PROG_TYPE_SK_MSG):
        return sock_map_progs.detach(a, prog_type)
    if prog_type == uapi.BPF_PROG_TYPE_FLOW_DISSECTOR:
        return netns_progs.detach(a, prog_type)
    if prog_type == uapi.BPF_PROG_TYPE_LIRC_MODE2:
        _lirc(a.target_fd, 0)
    if prog_type in _CGROUP_PROG_TYPES:
        return cgroup_progs.detach(a, prog_type)
    raise BPFError(errno.EINVAL, "this attach type has no BPF_PROG_DETACH")


def prog_query(a: uapi.bpf_attr, write_back: Callable[[int, bytes], None]) -> int:
    """BPF_PROG_QUERY after the attr checks; ``write_back(offset, data)`` into the caller's attr."""
    q = a.query
    if q.query_flags & ~uapi.BPF_F_QUERY_EFFECTIVE:
        raise BPFError(errno.EINVAL, "unknown query_flags")
    attach_type = q.attach_type

    def write_field(name: str, value: int) -> None:
        size = 8 if name == "revision" else 4
        write_back(uapi.offsetof(uapi.bpf_attr, f"query.{name}"), value.to_bytes(size, "little"))

    prog_type = ATTACH_TYPE_PROG_TYPE.get(attach_type)
    if prog_type in (uapi.BPF_PROG_TYPE_SK_SKB, uapi.BPF_PROG_TYPE_SK_MSG):
        return sock_map_progs.query(q, write_field)
    if attach_type in (uapi.BPF_FLOW_DISSECTOR, uapi.BPF_SK_LOOKUP):
        return netns_progs.query(q, write_field)
    if attach_type == uapi.BPF_LIRC_MODE2:
        _lirc(q.target_fd, q.query_flags)
    if prog_type in _CGROUP_PROG_TYPES and attach_type != uapi.BPF_LSM_MAC:
        return cgroup_progs.query(q, write_field)
    if prog_type == _MPROG:
        return tcx_progs.query(q, write_field)
    raise BPFError(errno.EINVAL, f"attach type {attach_type} has no BPF_PROG_QUERY")
