"""The device queues of the caller's network namespace that have an AF_XDP socket bound, as the
``netdev`` generic-netlink family lists them.

Mirrors net/core/netdev-genl.c ``netdev_nl_queue_get_dumpit`` / ``netdev_nl_queue_fill_one``
(Linux 6.18, Documentation/netlink/specs/netdev.yaml): a ``NETDEV_CMD_QUEUE_GET`` dump answers one
message per RX and TX queue of every device, with ``NETDEV_A_QUEUE_ID``, ``_IFINDEX``, ``_TYPE``
and, for a queue an XSK buffer pool is registered at (``xsk_get_pool_from_qid``: a bound AF_XDP
socket), an empty ``NETDEV_A_QUEUE_XSK`` nest.  The family's id comes from the generic-netlink
controller (``CTRL_CMD_GETFAMILY``).  Errors (no generic netlink, no ``netdev`` family, a kernel
without the XSK attribute reports none) reach the caller as ``OSError`` or an empty answer.
"""

from __future__ import annotations

import errno
import struct

from pybpf.objects import netlink

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
NETDEV_CMD_QUEUE_GET = 10
NETDEV_A_QUEUE_ID, NETDEV_A_QUEUE_IFINDEX, NETDEV_A_QUEUE_XSK = 1, 2, 7
_GENL = struct.Struct("=BBH")
"""``struct genlmsghdr``: cmd, version, reserved."""
_ATTR = struct.Struct("=HH")


def _family_id(name: str) -> int:
    """The id of generic-netlink family ``name`` (``OSError`` where there is none)."""
    payload = name.encode() + b"\0"
    attr = _ATTR.pack(_ATTR.size + len(payload), CTRL_ATTR_FAMILY_NAME) + payload.ljust(
        netlink.align(len(payload)), b"\0"
    )
    reply = netlink.request(NETLINK_GENERIC, GENL_ID_CTRL, _GENL.pack(CTRL_CMD_GETFAMILY, 1, 0) + attr)
    found = netlink.attributes(reply, _GENL.size).get(CTRL_ATTR_FAMILY_ID, b"")
    if len(found) < 2:
        raise OSError(errno.EPROTO, f"generic netlink: no id for family {name!r}")
    return int.from_bytes(found[:2], "little")


def xsk_queues() -> set[tuple[int, int]]:
    """(ifindex, queue id) of every device queue of this namespace an AF_XDP socket is bound to."""
    family = _family_id("netdev")
    found: set[tuple[int, int]] = set()
    for body in netlink.dump(NETLINK_GENERIC, family, _GENL.pack(NETDEV_CMD_QUEUE_GET, 1, 0)):
        attrs = netlink.attributes(body, _GENL.size)
        queue, ifindex = attrs.get(NETDEV_A_QUEUE_ID, b""), attrs.get(NETDEV_A_QUEUE_IFINDEX, b"")
        if NETDEV_A_QUEUE_XSK in attrs and len(queue) == 4 and len(ifindex) == 4:
            found.add((int.from_bytes(ifindex, "little"), int.from_bytes(queue, "little")))
    return found


__all__ = ["xsk_queues"]
