"""Netlink requests: a dump (one ``NLM_F_DUMP`` request and the bodies of the messages that answer
it) and a plain request answered by one message.

Mirrors the message framing of include/uapi/linux/netlink.h (``struct nlmsghdr``, ``NLMSG_ALIGN``,
``NLMSG_DONE``, ``NLMSG_ERROR``) and of ``struct rtattr`` / ``struct nlattr`` attributes.  Every length
in a reply is checked before it is used: a short or malformed message ends the walk over that reply.
An error reply raises ``OSError`` with its errno, as do the socket calls.
"""

from __future__ import annotations

import errno
import os
import socket
import struct

NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
_NLMSGHDR = struct.Struct("=IHHII")
_ATTR = struct.Struct("=HH")
_RECV_SIZE = 1 << 16


def align(length: int) -> int:
    """``NLMSG_ALIGN`` / ``RTA_ALIGN``: to 4 bytes."""
    return (length + 3) & ~3


def attributes(body: bytes, start: int) -> dict[int, bytes]:
    """The attributes of a message body from ``start``: type -> payload (a malformed one ends the walk)."""
    found: dict[int, bytes] = {}
    at = start
    while at + _ATTR.size <= len(body):
        length, kind = _ATTR.unpack_from(body, at)
        if length < _ATTR.size or at + length > len(body):
            break
        found[kind & 0x3FFF] = body[at + _ATTR.size : at + length]  # without NLA_F_NESTED/NET_BYTEORDER
        at += align(length)
    return found


def dump(protocol: int, message_type: int, request: bytes) -> list[bytes]:
    """The bodies of the messages answering a dump request of ``message_type`` on a netlink socket of
    ``protocol`` (NETLINK_ROUTE, NETLINK_SOCK_DIAG, ...)."""
    header = _NLMSGHDR.pack(_NLMSGHDR.size + len(request), message_type, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    bodies: list[bytes] = []
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol) as sock:
        sock.send(header + request)
        while True:
            data = sock.recv(_RECV_SIZE)
            if not data:
                return bodies
            at = 0
            while at + _NLMSGHDR.size <= len(data):
                length, kind, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data, at)
                if length < _NLMSGHDR.size or at + length > len(data):
                    break
                if kind == NLMSG_DONE:
                    return bodies
                if kind == NLMSG_ERROR:
                    code = -struct.unpack_from("=i", data, at + _NLMSGHDR.size)[0]
                    raise OSError(code, f"netlink dump of message type {message_type}: error {code}")
                bodies.append(data[at + _NLMSGHDR.size : at + length])
                at += align(length)


def request(protocol: int, message_type: int, body: bytes) -> bytes:
    """The body of the one message answering a plain (not dump) request; an error reply raises
    ``OSError`` with its errno (ENOENT: nothing matched)."""
    header = _NLMSGHDR.pack(_NLMSGHDR.size + len(body), message_type, NLM_F_REQUEST, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, protocol) as sock:
        sock.send(header + body)
        data = sock.recv(_RECV_SIZE)
    if len(data) < _NLMSGHDR.size:
        raise OSError(errno.EPROTO, "netlink: a short reply")
    length, kind, _flags, _seq, _pid = _NLMSGHDR.unpack_from(data)
    if length < _NLMSGHDR.size or length > len(data):
        raise OSError(errno.EPROTO, "netlink: a malformed reply")
    if kind == NLMSG_ERROR:
        code = (
            -struct.unpack_from("=i", data, _NLMSGHDR.size)[0]
            if length >= _NLMSGHDR.size + 4
            else errno.EPROTO
        )
        raise OSError(code, f"netlink request of message type {message_type}: {os.strerror(code)}")
    return data[_NLMSGHDR.size : length]


__all__ = ["align", "attributes", "dump", "request"]
