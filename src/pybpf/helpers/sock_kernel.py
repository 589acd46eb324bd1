"""The kernel socket structs the ``bpf_skc_to_*`` casts hand out for a socket a lookup found: images
of ``struct tcp_sock`` / ``tcp6_sock`` / ``udp_sock`` / ``udp6_sock`` / ``tcp_timewait_sock`` /
``tcp_request_sock`` in the running kernel's BTF layout, with the fields user space can learn.

Mirrors net/core/filter.c ``bpf_skc_to_tcp6_sock`` & co. (Linux 6.18), which return the socket
pointer itself, typed (``PTR_TO_BTF_ID``): a program then reads the kernel struct's members with
probe loads.  pybpf makes one image per socket, of the struct its kind is (a full TCP socket's
``tcp_sock``, or ``tcp6_sock`` for IPv6; a UDP socket's ``udp_sock`` / ``udp6_sock``; a time-wait
socket's ``tcp_timewait_sock``; a request socket's ``tcp_request_sock``), so that every cast of the
same socket gives the same pointer, as in the kernel (but not the pointer the lookup gave: that is
the socket's ``struct bpf_sock`` image, laid out for the uapi reads; the kernel's are one address).
Known, from sock_diag (``pybpf.objects.sock_diag``) and the ``struct bpf_sock`` image
(``pybpf.helpers.sock_images``):

* ``struct sock_common``: ``skc_daddr``, ``skc_rcv_saddr``, ``skc_dport``, ``skc_num``,
  ``skc_family``, ``skc_state``, ``skc_bound_dev_if``, ``skc_v6_daddr`` and ``skc_v6_rcv_saddr``
  (not of an IPv4 time-wait socket: never written), ``skc_cookie`` (sock_diag made it);
* of a full socket, ``struct sock``'s ``sk_protocol``, ``sk_type``, ``sk_mark``, ``sk_uid`` and
  ``sk_priority`` (``SO_PRIORITY``, where the socket is one of this process's files) and
  ``struct inet_sock``'s ``inet_sport``;
* of a TCP socket, the ``struct tcp_sock`` fields its ``struct bpf_tcp_sock`` image knows
  (``sock_images.tcp_sock_values``) and the others ``struct tcp_info`` reports as they are
  (``pybpf.helpers.tcp_info``: windows, ``advmss``, byte counters, ``icsk_probes_out`` ...).

Everything else -- pointers such as ``skc_net`` or ``sk_socket``, locks, queues, timers, bitfields,
the sequence numbers, the smoothed RTT -- is opaque (``pybpf.helpers.known_bytes``): a load of it
stops the run, where the kernel reads memory pybpf does not have.  Without the kernel's BTF no image
is made (the casts stop the run).
"""

from __future__ import annotations

import ctypes
import socket

from pybpf import uapi
from pybpf.btf.raw import BTFError
from pybpf.btf.types import BTF, Struct
from pybpf.helpers import tcp_info
from pybpf.helpers.known_bytes import KnownBytes
from pybpf.helpers.sock_images import (
    TCP_LISTEN,
    TCP_NEW_SYN_RECV,
    TCP_TIME_WAIT,
    SocketImage,
    SocketTable,
    is_fullsock,
    kernel_state,
    tcp_sock_values,
)
from pybpf.helpers.task_image import btf_layout

_COMMON = {
    "skc_daddr": "dst_ip4",
    "skc_rcv_saddr": "src_ip4",
    "skc_family": "family",
    "skc_state": "state",
    "skc_bound_dev_if": "bound_dev_if",
    "skc_v6_daddr": "dst_ip6",
    "skc_v6_rcv_saddr": "src_ip6",
}
"""``struct sock_common`` member -> the ``struct bpf_sock`` field whose bytes it holds (the kernel's
``bpf_sock_convert_ctx_access`` reads the one for the other)."""
_V6_MEMBERS = frozenset({"skc_v6_daddr", "skc_v6_rcv_saddr"})
_RTT_MIN_VALUE = 4
"""``offsetof(struct minmax_sample, v)``: ``rtt_min``'s current minimum is ``rtt_min.s[0].v``."""
_TCP_MEMBER = {name: f"inet_conn.{name}" for name in ("icsk_retransmits", "icsk_probes_out", "icsk_backoff")}
"""``struct tcp_sock`` fields that live in its ``struct inet_connection_sock``."""


def struct_of(image: SocketImage) -> str | None:
    """The kernel struct a socket is, as the casts see it (None: none a cast returns)."""
    diag = image.diag
    state = kernel_state(diag)
    if diag.protocol == socket.IPPROTO_TCP:
        if state == TCP_TIME_WAIT:
            return "tcp_timewait_sock"
        if state == TCP_NEW_SYN_RECV:
            return "tcp_request_sock"
        return "tcp6_sock" if diag.family == socket.AF_INET6 else "tcp_sock"
    if diag.protocol == socket.IPPROTO_UDP:
        return "udp6_sock" if diag.family == socket.AF_INET6 else "udp_sock"
    return None


class _Shape:
    """Offsets and sizes of the members the images fill (the running kernel's BTF)."""

    def __init__(self, btf: BTF) -> None:
        self.btf = btf
        kinds = ("tcp_sock", "tcp6_sock", "udp_sock", "udp6_sock", "tcp_timewait_sock", "tcp_request_sock")
        self.sizes = {name: btf.size_of(btf.find(name, Struct)) for name in kinds}
        sock, inet, tcp = (btf.find(name, Struct) for name in ("sock", "inet_sock", "tcp_sock"))
        common = (*_COMMON, "skc_dport", "skc_num", "skc_cookie")
        self.common = {name: self._member(sock, f"__sk_common.{name}") for name in common}
        fields = ("sk_protocol", "sk_type", "sk_mark", "sk_uid", "sk_priority")
        self.sock = {name: self._member(sock, name) for name in fields}
        self.inet_sport = self._member(inet, "inet_sport")
        names = {*(name for name, *_ in uapi.bpf_tcp_sock._fields_), *tcp_info.TCP_INFO_OF}
        self.tcp: dict[str, tuple[int, int]] = {}
        for name in names:
            try:
                self.tcp[name] = self._member(tcp, _TCP_MEMBER.get(name, name))
            except BTFError:
                continue  # (a release without the field)
        if "rtt_min" in self.tcp:
            self.tcp["rtt_min"] = (self.tcp["rtt_min"][0] + _RTT_MIN_VALUE, 4)

    def _member(self, type_id: int, path: str) -> tuple[int, int]:
        """(offset, size) of a whole-byte member; BTFError for a bitfield."""
        found = self.btf.member_at(type_id, path)
        if found.bit_offset % 8 or found.bitfield_size:
            raise BTFError(f"{path} is a bitfield")
        return found.bit_offset // 8, self.btf.size_of(found.type_id)


_shape = btf_layout(_Shape)
"""The layout of the running kernel's socket structs, None without its BTF."""


class _Filler:
    def __init__(self, size: int) -> None:
        self.buffer = (ctypes.c_char * size)()
        self.known = KnownBytes(size)

    def put(self, where: tuple[int, int], value: int | bytes) -> None:
        offset, size = where
        data = (
            value if isinstance(value, bytes) else (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        )
        if len(data) != size or offset + size > len(self.buffer):
            return
        ctypes.memmove(ctypes.addressof(self.buffer) + offset, data, size)
        self.known.mark(offset, size)


def _sock_bytes(image: SocketImage, name: str) -> bytes:
    descriptor = getattr(uapi.bpf_sock, name)
    raw = bytes(image.sock)
    return raw[descriptor.offset : descriptor.offset + descriptor.size]


def kernel_image(table: SocketTable, image: SocketImage) -> int:
    """The address of the socket's kernel struct image (made on first use, registered in the table's
    address space); 0 without the kernel's BTF or for a socket no cast returns."""
    if image.kernel is not None:
        return image.kernel_address
    shape, kind = _shape(), struct_of(image)
    if shape is None or kind is None:
        return 0
    diag = image.diag
    fill = _Filler(shape.sizes[kind])
    for member, field in _COMMON.items():
        if member in _V6_MEMBERS and diag.family == socket.AF_INET and kernel_state(diag) == TCP_TIME_WAIT:
            continue  # an IPv4 time-wait socket's IPv6 words are never written
        raw = _sock_bytes(image, field)
        fill.put(shape.common[member], raw[: shape.common[member][1]])
    fill.put(shape.common["skc_dport"], diag.peer_port.to_bytes(2, "big"))
    fill.put(shape.common["skc_num"], diag.local_port)
    fill.put(shape.common["skc_cookie"], diag.cookie)
    if is_fullsock(diag):
        fill.put(shape.sock["sk_protocol"], diag.protocol)
        fill.put(shape.sock["sk_type"], image.sock.type)
        fill.put(shape.sock["sk_mark"], diag.mark)
        fill.put(shape.sock["sk_uid"], diag.uid)
        if image.own_priority is not None:
            fill.put(shape.sock["sk_priority"], image.own_priority)
        fill.put(shape.inet_sport, diag.local_port.to_bytes(2, "big"))
    if kind in ("tcp_sock", "tcp6_sock"):
        values = tcp_info.reported(diag.tcp_info, listener=diag.state == TCP_LISTEN)
        values.update(tcp_sock_values(diag) or {})
        for name, value in values.items():
            where = shape.tcp.get(name)
            if where is not None:
                fill.put(where, value)
    return table.add_kernel_image(image, fill.buffer, fill.known, kind)


__all__ = ["kernel_image", "struct_of"]
