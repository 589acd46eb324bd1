"""The SYN cookie helpers of tc and XDP programs, as far as their answers do not hang on the
kernel's cookie secret.

Mirrors net/core/filter.c (Linux 6.18) ``bpf_tcp_gen_syncookie`` (110), ``bpf_tcp_check_syncookie``
(100) and ``bpf_tcp_raw_gen_syncookie_ipv4`` / ``_ipv6`` (204, 205).  A cookie is
``__cookie_v4_init_sequence`` / ``__cookie_v6_init_sequence``: a siphash of the connection keyed with
the kernel's boot-time ``syncookie_secret`` (net/ipv4/syncookies.c), which user space cannot read,
and checking one runs the same hash.  So pybpf answers every check the kernel makes before that, in
its order, and stops the run (``HelperError``, EFAULT) where the kernel would compute or check a
cookie:

* raw gen: ``th_len`` below 20 or not ``th->doff * 4``: -EINVAL; else the cookie (stops);
* gen: the same ``th_len`` checks, a socket not a TCP listener -EINVAL, ``net.ipv4.tcp_syncookies``
  0 -ENOENT, a segment not a bare SYN (SYN without ACK, FIN, RST) -EINVAL, ``iph_len`` below 20
  -EINVAL, an IPv6-only listener given IPv4 or an IPv4 one given IPv6 (``iph_len`` below 40 first)
  -EINVAL, an IP version other than 4 and 6 -EPROTONOSUPPORT; then ``tcp_get_syncookie_mss``: with
  ``tcp_syncookies`` not 2 and the listener's SYN queue not full, no cookie: -ENOENT (the queue is
  known not full when the namespace holds fewer SYN_RECV sockets than the listener's backlog); else
  the cookie (stops);
* check: ``th_len`` below 20, a socket not a TCP listener, ``tcp_syncookies`` 0: -EINVAL; a segment
  without ACK or with RST or SYN: -ENOENT; ``iph_len`` below 20: -EINVAL; then whether the listener
  overflowed recently (``tcp_synq_no_recent_overflow``: the time of its last cookie, which nothing
  in user space shows) and the cookie check: stops.

``bpf_tcp_raw_check_syncookie_ipv4`` / ``_ipv6`` answer nothing but the cookie check and stay in
``pybpf.helpers.not_executable``.  The socket is one a lookup gave the program
(``pybpf.progtypes.socket_lookup.found_socket``); the sysctl is the caller's namespace's.
"""

from __future__ import annotations

import errno
import socket

from pybpf.errors import HelperError
from pybpf.helpers.context import HelperContext
from pybpf.helpers.registry import Helper
from pybpf.helpers.sock_images import TCP_LISTEN, kernel_state
from pybpf.progtypes.socket_lookup import found_socket, proc_sockets

TCPHDR_SIZE, IPHDR_SIZE, IPV6HDR_SIZE = 20, 20, 40
TCP_SYN_RECV = 3
_FIN, _SYN, _RST, _ACK = 0x01, 0x02, 0x04, 0x10
_SECRET = (
    "the kernel's SYN cookie secret (net/ipv4/syncookies.c syncookie_secret), which user space cannot read"
)


def _stop(name: str, what: str) -> HelperError:
    return HelperError(None, f"{name}: {what} is keyed with {_SECRET}")


def _th_len_bad(ctx: HelperContext, th: int, th_len: int) -> bool:
    """``th_len < sizeof(*th) || th_len != th->doff * 4``."""
    th_len &= 0xFFFF_FFFF
    return th_len < TCPHDR_SIZE or th_len != (ctx.memory.read(th + 12, 1)[0] >> 4) * 4


def _flags(ctx: HelperContext, th: int) -> int:
    return ctx.memory.read(th + 13, 1)[0]


def _syncookies() -> int:
    try:
        with open("/proc/sys/net/ipv4/tcp_syncookies", encoding="ascii") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 1


def _listener(ctx: HelperContext, sk: int, name: str) -> tuple[bool, int, bool, int]:
    """(a TCP listener, its family, IPv6-only, its backlog) of the socket the program passes."""
    diag = found_socket(ctx, sk, name).diag
    listening = diag.protocol == socket.IPPROTO_TCP and kernel_state(diag) == TCP_LISTEN
    return listening, diag.family, diag.v6only, diag.backlog


def _family_error(ctx: HelperContext, iph: int, iph_len: int, family: int, v6only: bool) -> int:
    """The version switch: 0 when the listener takes the header's version."""
    version = ctx.memory.read(iph, 1)[0] >> 4
    if version == 4:
        return -errno.EINVAL if family == socket.AF_INET6 and v6only else 0
    if version == 6:
        if iph_len & 0xFFFF_FFFF < IPV6HDR_SIZE or family != socket.AF_INET6:
            return -errno.EINVAL
        return 0
    return -errno.EPROTONOSUPPORT


def tcp_gen_syncookie(  # noqa: PLR0917 - the helper ABI and the kernel's checks
    ctx: HelperContext, sk: int, iph: int, iph_len: int, th: int, th_len: int
) -> int:
    name = "bpf_tcp_gen_syncookie"
    if _th_len_bad(ctx, th, th_len):
        return -errno.EINVAL
    listening, family, v6only, backlog = _listener(ctx, sk, name)
    if not listening:
        return -errno.EINVAL
    mode = _syncookies()
    if not mode:
        return -errno.ENOENT
    flags = _flags(ctx, th)
    if not flags & _SYN or flags & (_ACK | _FIN | _RST):
        return -errno.EINVAL
    if iph_len & 0xFFFF_FFFF < IPHDR_SIZE:
        return -errno.EINVAL
    error = _family_error(ctx, iph, iph_len, family, v6only)
    if error:
        return error
    pending = sum(1 for *_, state in proc_sockets(socket.IPPROTO_TCP) if state == TCP_SYN_RECV)
    if mode != 2 and pending < backlog:
        return -errno.ENOENT  # tcp_get_syncookie_mss(): the SYN queue is not full, no cookie
    raise _stop(name, "the cookie of a listener whose SYN queue may be full")


def tcp_check_syncookie(  # noqa: PLR0917 - the helper ABI
    ctx: HelperContext, sk: int, iph: int, iph_len: int, th: int, th_len: int
) -> int:
    name = "bpf_tcp_check_syncookie"
    if th_len & 0xFFFF_FFFF < TCPHDR_SIZE:
        return -errno.EINVAL
    listening, _family, _v6only, _backlog = _listener(ctx, sk, name)
    if not listening or not _syncookies():
        return -errno.EINVAL
    flags = _flags(ctx, th)
    if not flags & _ACK or flags & (_RST | _SYN):
        return -errno.ENOENT
    if iph_len & 0xFFFF_FFFF < IPHDR_SIZE:
        return -errno.EINVAL
    raise _stop(name, "whether the listener overflowed recently, and the cookie check,")


def tcp_raw_gen_syncookie(ctx: HelperContext, iph: int, th: int, th_len: int, *_: int) -> int:
    if _th_len_bad(ctx, th, th_len):
        return -errno.EINVAL
    raise _stop("bpf_tcp_raw_gen_syncookie", "the cookie")


SYNCOOKIE_HELPERS: dict[int, Helper] = {
    100: tcp_check_syncookie,
    110: tcp_gen_syncookie,
    204: tcp_raw_gen_syncookie,
    205: tcp_raw_gen_syncookie,
}
"""Helper id -> implementation (tc's in ``pybpf.progtypes.skb_helpers``, XDP's in its registry)."""

__all__ = ["SYNCOOKIE_HELPERS", "tcp_check_syncookie", "tcp_gen_syncookie", "tcp_raw_gen_syncookie"]
