"""The ids the caller's network namespace has given other namespaces (``RTM_GETNSID`` dump).

Mirrors net/core/net_namespace.c ``rtnl_net_dumpid`` (Linux 6.18): one message per id of the
namespace's ``netns_ids`` -- the ids ``get_net_ns_by_id`` resolves, as a BPF socket lookup's
``netns`` argument names them -- each a ``struct rtgenmsg`` then a ``NETNSA_NSID`` attribute (s32).
"""

from __future__ import annotations

from pybpf.objects import netlink

NETLINK_ROUTE = 0
RTM_GETNSID = 90
NETNSA_NSID = 1
_RTGENMSG = netlink.align(1)


def namespace_ids() -> set[int]:
    """The ids this namespace knows for others (``OSError`` where rtnetlink cannot be asked)."""
    found: set[int] = set()
    for body in netlink.dump(NETLINK_ROUTE, RTM_GETNSID, bytes(_RTGENMSG)):
        nsid = netlink.attributes(body, _RTGENMSG).get(NETNSA_NSID, b"")
        if len(nsid) == 4:
            found.add(int.from_bytes(nsid, "little", signed=True))
    return found


__all__ = ["namespace_ids"]
