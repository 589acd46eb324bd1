"""``struct bpf_sock``: which of its fields a program may access, and how wide.

Mirrors bpf_sock_is_valid_access() in net/core/filter.c (Linux 6.18), shared by the socket pointers the
verifier hands out (``ctx->sk``, bpf_sk_lookup_*: pybpf.verifier.sock_fields) and by CGROUP_SOCK
programs, whose context is a ``struct bpf_sock``: the addresses, the ports' words, family, type,
protocol, state and rx_queue_mapping may be accessed narrower than 4 bytes (a power of two, aligned);
``dst_port`` is a 2-byte field, the padding after it is never reachable; every other field is one
4-byte word.  Whether an access may write is the caller's rule.
"""

from __future__ import annotations

import ctypes

from pybpf import uapi

U32 = 4
BPF_SOCK_SIZE = ctypes.sizeof(uapi.bpf_sock)


def sock_field(name: str) -> range:
    """The bytes of one ``struct bpf_sock`` field."""
    descriptor = getattr(uapi.bpf_sock, name)
    return range(descriptor.offset, descriptor.offset + descriptor.size)


_NARROW_AT = frozenset(
    sock_field(name).start for name in ("state", "family", "type", "protocol", "src_port", "rx_queue_mapping")
)
"""The words bpf_sock_is_valid_access() names by their first byte: narrow accesses at that byte."""
_NARROW_RANGES = tuple(sock_field(name) for name in ("src_ip4", "src_ip6", "dst_ip4", "dst_ip6"))
"""The address fields: narrow accesses anywhere in them (bpf_ctx_range / bpf_ctx_range_till)."""
_DST_PORT = sock_field("dst_port")
_DST_PORT_PAD = range(_DST_PORT.stop, sock_field("dst_ip4").start)


def narrow_ok(size: int, size_default: int) -> bool:
    """bpf_ctx_narrow_access_ok()."""
    return size <= size_default and size & (size - 1) == 0


def sock_is_valid_access(off: int, size: int) -> bool:
    """bpf_sock_is_valid_access()."""
    if off < 0 or off >= BPF_SOCK_SIZE or off % size:
        return False
    if off in _NARROW_AT or any(off in r for r in _NARROW_RANGES):
        return narrow_ok(size, U32)
    if off in _DST_PORT:
        return narrow_ok(size, U32 if size == U32 else len(_DST_PORT))
    if off in _DST_PORT_PAD:
        return False
    return size == U32


__all__ = ["BPF_SOCK_SIZE", "U32", "narrow_ok", "sock_field", "sock_is_valid_access"]
