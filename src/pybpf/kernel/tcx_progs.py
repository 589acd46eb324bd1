"""tcx and netkit through BPF_PROG_ATTACH / DETACH / QUERY: the multi-program (mprog) targets that
are network devices, named by ``target_ifindex``.

Mirrors kernel/bpf/tcx.c (``tcx_prog_attach`` / ``tcx_prog_detach`` / ``tcx_prog_query``) and
kernel/bpf/mprog.c (``bpf_mprog_query``) of Linux 6.18, for the devices of the caller's network
namespace (``__dev_get_by_index``: ENODEV for an ifindex no device has):

* pybpf has no traffic control layer, so no device ever has a tcx program: an attach is
  EOPNOTSUPP (pybpf cannot run it); a detach finds no tcx entry (ENOENT, whatever the program,
  flags and revision); a query is ``bpf_mprog_query`` of no entry -- EINVAL for any
  ``query_flags`` (even BPF_F_QUERY_EFFECTIVE) or a non-zero ``attach_flags`` field, else
  ``attach_flags`` 0, ``revision`` 1 and ``count`` 0 written back, no ids.
* netkit: pybpf models a kernel built without CONFIG_NETKIT, as the machines it runs on: the
  attach, detach and query stubs answer EINVAL once the common checks passed (a netkit kernel
  would look for a netkit device, which pybpf has none of).

The checks before these (flag masks, the program's fd and type) are ``pybpf.kernel.prog_attach``'s.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from typing import Any

from pybpf import uapi
from pybpf.errors import BPFError

TCX_TYPES = frozenset({uapi.BPF_TCX_INGRESS, uapi.BPF_TCX_EGRESS})
NETKIT_TYPES = frozenset({uapi.BPF_NETKIT_PRIMARY, uapi.BPF_NETKIT_PEER})


def _device(ifindex: int) -> None:
    """``__dev_get_by_index``: ENODEV for an ifindex no device of this namespace has."""
    try:
        socket.if_indextoname(ifindex)
    except OSError:
        raise BPFError(errno.ENODEV, f"no network device with ifindex {ifindex}") from None


def _netkit() -> None:
    raise BPFError(errno.EINVAL, "netkit is not configured (CONFIG_NETKIT=n, as pybpf models it)")


def attach(attach_type: int, ifindex: int) -> int:
    """``tcx_prog_attach`` / ``netkit_prog_attach`` after the common checks."""
    if attach_type in NETKIT_TYPES:
        _netkit()
    _device(ifindex)
    raise BPFError(errno.EOPNOTSUPP, "pybpf has no traffic control layer to attach programs to")


def detach(attach_type: int, ifindex: int) -> int:
    """``tcx_prog_detach`` / ``netkit_prog_detach`` after the common checks: no tcx entry."""
    if attach_type in NETKIT_TYPES:
        _netkit()
    _device(ifindex)
    raise BPFError(errno.ENOENT, "the device has no tcx programs (pybpf attaches none)")


def query(q: Any, write_back: Callable[[str, int], None]) -> int:
    """``tcx_prog_query`` / ``netkit_prog_query``: ``bpf_mprog_query`` of an empty device."""
    if q.attach_type in NETKIT_TYPES:
        _netkit()
    _device(q.target_ifindex)
    if q.query_flags or q.attach_flags:
        raise BPFError(errno.EINVAL, "a multi-program query takes no query_flags nor attach_flags")
    write_back("attach_flags", 0)
    write_back("revision", 1)
    write_back("count", 0)
    return 0


__all__ = ["NETKIT_TYPES", "TCX_TYPES", "attach", "detach", "query"]
