"""The sockets a socket lookup hands a program: read-only ``struct bpf_sock`` / ``struct bpf_tcp_sock``
images of real sockets of the caller's network namespace.

The kernel hands a tc or XDP program a ``struct sock *`` and rewrites every read through it
(net/core/filter.c ``bpf_sock_convert_ctx_access``, ``bpf_tcp_sock_convert_ctx_access``, Linux
6.18) into a load of the socket's own field.  pybpf keeps, per address space and per socket (by
its cookie), the uapi structs filled with those fields as ``NETLINK_SOCK_DIAG`` reports them
(``pybpf.objects.sock_diag``), registered read-only, so the program's loads read them directly:

* ``struct bpf_sock``: bound_dev_if, family, type, protocol, mark, the local and peer addresses
  and ports (``src_port`` host order, ``dst_port`` network order), state (a request socket is
  ``TCP_NEW_SYN_RECV``) -- what the kernel's fields hold, with its IPv4 view of an IPv6 socket
  (``skc_rcv_saddr``/``skc_daddr``: the IPv4 address of a v4-mapped one, ``LOOPBACK4_IPV6`` --
  127.0.0.6 -- for any other bound address and for the peer of a connection a listener accepted, 0
  otherwise) and the IPv6 view of an IPv4 socket: v4-mapped addresses for a TCP connection
  (``sk_rcv_saddr_set``/``sk_daddr_set``) and a request socket, zero for the rest (an IPv4
  time-wait socket's are never written: the kernel shows what its memory held); ``priority``
  (``SO_PRIORITY``) where the socket is one of this process's files, else 0 (inet_diag does not
  report it); ``rx_queue_mapping`` -1,
  no receive queue recorded (what sockets fed by the loopback device show; an accepted IPv6
  connection's is memory the kernel never wrote: 0 or old bytes, seen in tests; a request socket's
  reads bytes of the ``struct request_sock`` at that offset: 0, seen in tests);
* ``struct bpf_tcp_sock`` of a full TCP socket.  A listener's: ``snd_cwnd`` from its ``struct
  tcp_info`` (``INET_DIAG_INFO``; ``tcp_get_info`` reports nothing else of a listener), ``rtt_min``
  ~0, ``snd_ssthresh`` TCP_INFINITE_SSTHRESH and ``mss_cache`` TCP_MSS_DEFAULT (536) as
  ``tcp_init_sock`` left them, every counter and sequence number 0, as they are on a socket that
  never connected.  A connection's (any other full state): the fields ``tcp_get_info`` copies
  unchanged (``pybpf.helpers.tcp_info``: the congestion window, ``rtt_min``, ``snd_ssthresh``,
  ``mss_cache``, the packet, segment and byte counters, ``icsk_retransmits``; ``ecn_flags`` 0 without
  ECN); ``srtt_us`` (reported shifted), the sequence numbers ``rcv_nxt`` / ``snd_nxt`` / ``snd_una``,
  the rate sample ``rate_delivered`` / ``rate_interval_us`` (and ``ecn_flags`` of an ECN connection)
  are nowhere user space can read them: their bytes are opaque (``pybpf.helpers.known_bytes``), and
  a program that loads one stops with an error naming them, where the kernel reads the value;
* the kernel struct a ``bpf_skc_to_*`` cast hands out (``pybpf.helpers.sock_kernel``).

Images stay registered as long as the address space (at most ``MAX_IMAGES`` per address space: the
oldest go first); the verifier keeps a program from using one after ``bpf_sk_release``.
"""

from __future__ import annotations

import ctypes
import os
import socket
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

from pybpf import uapi
from pybpf.helpers import tcp_info
from pybpf.helpers.known_bytes import KnownBytes, register, unregister
from pybpf.memory.regions import Memory, Region
from pybpf.objects.sock_diag import DiagSocket, own_socket_fds

TCP_SYN_RECV, TCP_TIME_WAIT, TCP_CLOSE, TCP_LISTEN, TCP_NEW_SYN_RECV = 3, 6, 7, 10, 12
LOOPBACK4_IPV6 = bytes((127, 0, 0, 6))
"""What an IPv6 socket's IPv4 address fields hold for a non-mapped address (include/net/ipv6.h)."""
V4_MAPPED = bytes(10) + b"\xff\xff"
MAX_IMAGES = 256
NO_QUEUE = 0xFFFF_FFFF


def v4_view(sock: DiagSocket, address: bytes) -> bytes:
    """The IPv4 address a socket's ``skc_rcv_saddr`` / ``skc_daddr`` holds for one of its addresses."""
    if sock.family == socket.AF_INET:
        return address[:4]
    if address[:12] == V4_MAPPED:
        return address[12:]
    return bytes(4) if not any(address) else LOOPBACK4_IPV6


def kernel_state(sock: DiagSocket) -> int:
    """``skc_state``: inet_diag reports a request socket (``TCP_NEW_SYN_RECV``) as ``TCP_SYN_RECV``."""
    return (
        TCP_NEW_SYN_RECV if sock.protocol == socket.IPPROTO_TCP and sock.state == TCP_SYN_RECV else sock.state
    )


def is_fullsock(sock: DiagSocket) -> bool:
    """``sk_fullsock``: neither a time-wait nor a request socket."""
    return kernel_state(sock) not in (TCP_TIME_WAIT, TCP_NEW_SYN_RECV)


def own_priority(inode: int) -> int | None:
    """``SO_PRIORITY`` of this process's socket with ``inode`` (None when it is not one of its files)."""
    target = f"socket:[{inode}]"
    for fd, link in own_socket_fds():
        if link != target:
            continue
        try:
            with socket.socket(fileno=os.dup(fd)) as sock:
                priority: int = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PRIORITY)
                return priority & 0xFFFF_FFFF
        except OSError:
            continue
    return None


def _words(address: bytes) -> list[int]:
    return [int.from_bytes(address[i : i + 4], "little") for i in range(0, 16, 4)]


def _mapped_words(address: bytes) -> list[int]:
    return _words(V4_MAPPED + address[:4])


def fill_sock(image: uapi.bpf_sock, sock: DiagSocket, *, accepted: bool = False, priority: int = 0) -> None:
    """The ``struct bpf_sock`` fields of ``sock`` (see the module docstring); ``accepted``: a TCP
    connection a listener of this namespace made (``tcp_v6_syn_recv_sock`` sets its IPv4 peer
    address to LOOPBACK4_IPV6, ``tcp_v6_connect`` leaves it 0); ``priority``: its ``SO_PRIORITY``
    where the process can ask it (inet_diag does not report it: 0 otherwise)."""
    ctypes.memset(ctypes.addressof(image), 0, ctypes.sizeof(image))
    image.bound_dev_if = sock.bound_dev_if
    image.family = sock.family
    image.type = socket.SOCK_STREAM if sock.protocol == socket.IPPROTO_TCP else socket.SOCK_DGRAM
    image.protocol = sock.protocol
    image.mark = sock.mark
    image.priority = priority
    image.src_ip4 = int.from_bytes(v4_view(sock, sock.local), "little")
    peer4 = v4_view(sock, sock.peer)
    if peer4 == LOOPBACK4_IPV6 and not accepted:
        peer4 = bytes(4)
    image.dst_ip4 = int.from_bytes(peer4, "little")
    if sock.family == socket.AF_INET6:
        local, peer = _words(sock.local), _words(sock.peer)
    elif sock.protocol == socket.IPPROTO_TCP and kernel_state(sock) not in (
        TCP_LISTEN,
        TCP_CLOSE,
        TCP_TIME_WAIT,
    ):
        # a connection's sk_rcv_saddr_set() / sk_daddr_set(), a request socket's ir_v6_* addresses
        local, peer = _mapped_words(sock.local), _mapped_words(sock.peer)
    else:
        local = peer = [0, 0, 0, 0]
    for i in range(4):
        image.src_ip6[i], image.dst_ip6[i] = local[i], peer[i]
    image.src_port = sock.local_port
    image.dst_port = socket.htons(sock.peer_port)
    image.state = kernel_state(sock)
    image.rx_queue_mapping = 0 if image.state == TCP_NEW_SYN_RECV else -1  # a request socket's: seen 0


TCP_INIT_CWND_AT = 80
"""Where ``tcp_get_info`` puts ``tcp_snd_cwnd(tp)`` in ``struct tcp_info`` (``tcpi_snd_cwnd``): the one
``struct tcp_sock`` field it reports for a listener, which it leaves after the congestion window."""
_LISTENER_FIELDS = {"rtt_min": 0xFFFF_FFFF, "snd_ssthresh": 0x7FFF_FFFF, "mss_cache": 536}
"""What ``tcp_init_sock`` sets and a listener keeps: ``minmax_reset(rtt_min, ~0U)``,
``TCP_INFINITE_SSTHRESH``, ``TCP_MSS_DEFAULT`` (every other field it shows stays 0)."""
TCP_SOCK_FIELDS = tuple(name for name, *_ in uapi.bpf_tcp_sock._fields_)


def _field_span(name: str) -> tuple[int, int]:
    descriptor = getattr(uapi.bpf_tcp_sock, name)
    return int(descriptor.offset), int(descriptor.size)


def tcp_sock_values(sock: DiagSocket) -> dict[str, int] | None:
    """The ``struct bpf_tcp_sock`` fields of a full TCP socket whose values user space can learn, by
    name (None for a socket ``bpf_tcp_sock`` gives NULL for): a listener's all of them (``snd_cwnd``
    from ``struct tcp_info``, the rest as ``tcp_init_sock`` left them), a connection's those
    ``tcp_get_info`` copies unchanged (``pybpf.helpers.tcp_info``)."""
    if sock.protocol != socket.IPPROTO_TCP or not is_fullsock(sock) or not sock.tcp_info:
        return None
    if sock.state == TCP_LISTEN:
        cwnd = sock.tcp_info[TCP_INIT_CWND_AT : TCP_INIT_CWND_AT + 4]
        if len(cwnd) != 4:
            return None
        values = dict.fromkeys(TCP_SOCK_FIELDS, 0)
        values.update(_LISTENER_FIELDS, snd_cwnd=int.from_bytes(cwnd, "little"))
        return values
    reported = tcp_info.reported(sock.tcp_info, listener=False)
    return {name: reported[name] for name in TCP_SOCK_FIELDS if name in reported}


def fill_tcp(image: uapi.bpf_tcp_sock, sock: DiagSocket) -> KnownBytes | None:
    """The ``struct bpf_tcp_sock`` of a full TCP socket (``tcp_sock_values``) and which of its bytes
    are known; None (nothing filled) for any other socket."""
    values = tcp_sock_values(sock)
    if values is None:
        return None
    ctypes.memset(ctypes.addressof(image), 0, ctypes.sizeof(image))
    known = KnownBytes(ctypes.sizeof(image))
    for name, value in values.items():
        offset, size = _field_span(name)
        setattr(image, name, value & ((1 << (8 * size)) - 1))
        known.mark(offset, size)
    return known


@dataclass
class SocketImage:
    """One socket's images in one address space: ``sock`` always, ``tcp`` for full TCP sockets (its
    unknown bytes opaque), and the kernel struct a ``bpf_skc_to_*`` cast hands out
    (``pybpf.helpers.sock_kernel``, made on the first cast)."""

    diag: DiagSocket
    sock: uapi.bpf_sock = field(default_factory=uapi.bpf_sock)
    tcp: uapi.bpf_tcp_sock = field(default_factory=uapi.bpf_tcp_sock)
    has_tcp: bool = False
    regions: list[Region] = field(default_factory=list)
    tcp_regions: list[Region] = field(default_factory=list)
    kernel: ctypes.Array[ctypes.c_char] | None = None
    """The kernel struct image (``sock_kernel``), None until a cast asks for it."""
    kernel_regions: list[Region] = field(default_factory=list)
    own_priority: int | None = None
    """``SO_PRIORITY`` where the socket is one of this process's files, else None."""

    @property
    def address(self) -> int:
        return ctypes.addressof(self.sock)

    @property
    def tcp_address(self) -> int:
        return ctypes.addressof(self.tcp)

    @property
    def kernel_address(self) -> int:
        return 0 if self.kernel is None else ctypes.addressof(self.kernel)

    def refill(self, memory: Memory, diag: DiagSocket, *, accepted: bool = False) -> None:
        self.diag = diag
        self.own_priority = own_priority(diag.inode) if diag.inode else None
        fill_sock(self.sock, diag, accepted=accepted, priority=self.own_priority or 0)
        unregister(memory, self.tcp_regions)
        known = fill_tcp(self.tcp, diag)
        self.has_tcp = known is not None
        if known is not None:
            self.tcp_regions = register(memory, self.tcp, known, "bpf_tcp_sock")
        unregister(memory, self.kernel_regions)
        self.kernel = None  # rebuilt from the new diag on the next cast

    def release(self, memory: Memory) -> None:
        """Take every image of the socket out of ``memory``."""
        unregister(memory, self.regions)
        unregister(memory, self.tcp_regions)
        unregister(memory, self.kernel_regions)


class SocketTable:
    """The socket images of one address space, by cookie and by address."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.by_cookie: OrderedDict[int, SocketImage] = OrderedDict()
        self.by_address: dict[int, SocketImage] = {}

    def image(self, diag: DiagSocket, *, accepted: bool = False) -> SocketImage:
        """The socket's images, made (or refreshed) from ``diag`` (``accepted``: see ``fill_sock``)."""
        found = self.by_cookie.get(diag.cookie)
        if found is not None:
            self.by_cookie.move_to_end(diag.cookie)
            self.by_address.pop(found.kernel_address, None)
            found.refill(self.memory, diag, accepted=accepted)
            return found
        if len(self.by_cookie) >= MAX_IMAGES:
            _, oldest = self.by_cookie.popitem(last=False)
            for address in (oldest.address, oldest.tcp_address, oldest.kernel_address):
                self.by_address.pop(address, None)
            oldest.release(self.memory)
        made = SocketImage(diag)
        made.refill(self.memory, diag, accepted=accepted)
        made.regions = [
            self.memory.add_region(made.address, ctypes.sizeof(made.sock), writable=False, name="bpf_sock")
        ]
        self.by_cookie[diag.cookie] = made
        self.by_address[made.address] = self.by_address[made.tcp_address] = made
        return made

    def add_kernel_image(self, image: SocketImage, kernel: ctypes.Array[ctypes.c_char], known: KnownBytes,
                         name: str) -> int:  # fmt: skip
        """Register ``kernel`` as ``image``'s kernel struct (``known``: its known bytes); its address."""
        unregister(self.memory, image.kernel_regions)
        self.by_address.pop(image.kernel_address, None)
        image.kernel = kernel
        image.kernel_regions = register(self.memory, kernel, known, name)
        self.by_address[image.kernel_address] = image
        return image.kernel_address

    def find(self, address: int) -> SocketImage | None:
        """The socket whose ``struct bpf_sock``, ``struct bpf_tcp_sock`` or kernel struct image is at
        ``address``."""
        return self.by_address.get(address)


_tables: weakref.WeakKeyDictionary[Memory, SocketTable] = weakref.WeakKeyDictionary()


def socket_table(memory: Memory) -> SocketTable:
    """The socket images of ``memory``'s address space."""
    table = _tables.get(memory)
    if table is None:
        table = _tables[memory] = SocketTable(memory)
    return table


def known_table(memory: Memory) -> SocketTable | None:
    """The address space's socket images, None if it has none yet."""
    return _tables.get(memory)


__all__ = [
    "LOOPBACK4_IPV6",
    "TCP_CLOSE",
    "TCP_LISTEN",
    "TCP_NEW_SYN_RECV",
    "TCP_TIME_WAIT",
    "V4_MAPPED",
    "SocketImage",
    "SocketTable",
    "fill_sock",
    "fill_tcp",
    "is_fullsock",
    "kernel_state",
    "known_table",
    "own_priority",
    "socket_table",
    "tcp_sock_values",
    "v4_view",
]
