"""BPF_PROG_TYPE_CGROUP_SOCK_ADDR: per-cgroup bind/connect/sendmsg/recvmsg/get*name hooks on a
struct bpf_sock_addr.

Mirrors net/core/filter.c ``cg_sock_addr_verifier_ops``/``cg_sock_addr_prog_ops`` and
kernel/bpf/syscall.c of Linux 6.18:

* ``bpf_prog_load_check_attach``: one of the seventeen address hooks (``SOCK_ADDR_ATTACH_TYPES``);
  anything else, 0 included, is EINVAL before the verifier runs (no log);
* ``sock_addr_is_valid_access``: user_ip4 only for the IPv4 hooks, user_ip6 only for the IPv6
  ones, msg_src_ip4/msg_src_ip6 only for UDP4/UDP6 sendmsg (none of them for the unix hooks);
  those and user_port are read narrower than 4 bytes too, written as whole words, and user_ip6 and
  msg_src_ip6 also as aligned 8-byte halves; ``sk`` is a u64 read giving a PTR_TO_SOCKET
  (pybpf.verifier.checks.mem); user_family, family, type and protocol are read-only words;
* ``sock_addr_func_proto``: the sets below were read off the running kernel by loading ``call N``
  for every helper id under every attach type and are checked against it by the tests: bpf_bind
  for the inet connect hooks only; bpf_get_retval/bpf_set_retval for every hook but recvmsg,
  getpeername and getsockname;
* ``check_return_code``: [0, 1]; [0, 3] for the bind hooks; [1, 1] for recvmsg, getpeername and
  getsockname (``pybpf.progtypes.return_ranges``);
* no BPF_PROG_TEST_RUN (``cg_sock_addr_prog_ops`` is empty: ENOTSUPP, the contract's default).

``sock_addr_convert_ctx_access`` rewrites the fields into loads and stores through ``struct
bpf_sock_addr_kern`` (the sockaddr, the socket, the sendmsg source address); a SOCK_ADDR program
never runs in pybpf (no test run, nothing attached to cgroups), so pybpf keeps the context as the
uapi ``struct bpf_sock_addr`` itself and rewrites nothing.
"""

from __future__ import annotations

import ctypes
import errno
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.progtypes.base import helper_ids
from pybpf.progtypes.bpf_sock import U32, narrow_ok
from pybpf.progtypes.cgroup_common import AttachBound, retval_helpers
from pybpf.progtypes.registry import register
from pybpf.uapi import (
    BPF_CGROUP_INET4_BIND,
    BPF_CGROUP_INET4_CONNECT,
    BPF_CGROUP_INET4_GETPEERNAME,
    BPF_CGROUP_INET4_GETSOCKNAME,
    BPF_CGROUP_INET6_BIND,
    BPF_CGROUP_INET6_CONNECT,
    BPF_CGROUP_INET6_GETPEERNAME,
    BPF_CGROUP_INET6_GETSOCKNAME,
    BPF_CGROUP_UDP4_RECVMSG,
    BPF_CGROUP_UDP4_SENDMSG,
    BPF_CGROUP_UDP6_RECVMSG,
    BPF_CGROUP_UDP6_SENDMSG,
    BPF_CGROUP_UNIX_CONNECT,
    BPF_CGROUP_UNIX_GETPEERNAME,
    BPF_CGROUP_UNIX_GETSOCKNAME,
    BPF_CGROUP_UNIX_RECVMSG,
    BPF_CGROUP_UNIX_SENDMSG,
    BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
    bpf_sock_addr,
)

INET4_HOOKS = frozenset(
    {
        BPF_CGROUP_INET4_BIND,
        BPF_CGROUP_INET4_CONNECT,
        BPF_CGROUP_INET4_GETPEERNAME,
        BPF_CGROUP_INET4_GETSOCKNAME,
        BPF_CGROUP_UDP4_SENDMSG,
        BPF_CGROUP_UDP4_RECVMSG,
    }
)
INET6_HOOKS = frozenset(
    {
        BPF_CGROUP_INET6_BIND,
        BPF_CGROUP_INET6_CONNECT,
        BPF_CGROUP_INET6_GETPEERNAME,
        BPF_CGROUP_INET6_GETSOCKNAME,
        BPF_CGROUP_UDP6_SENDMSG,
        BPF_CGROUP_UDP6_RECVMSG,
    }
)
UNIX_HOOKS = frozenset(
    {
        BPF_CGROUP_UNIX_CONNECT,
        BPF_CGROUP_UNIX_SENDMSG,
        BPF_CGROUP_UNIX_RECVMSG,
        BPF_CGROUP_UNIX_GETPEERNAME,
        BPF_CGROUP_UNIX_GETSOCKNAME,
    }
)
SOCK_ADDR_ATTACH_TYPES = INET4_HOOKS | INET6_HOOKS | UNIX_HOOKS
"""The expected attach types ``bpf_prog_load_check_attach`` accepts for a CGROUP_SOCK_ADDR program."""

BIND = 64

SOCK_ADDR_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 46, 49, 55, 57, (80, 81), (84, 89), (93, 94), 99,
    (105, 109), (112, 115), (117, 118), 120, (122, 123), 125, (130, 134), (136, 141), (148, 149),
    (153, 154), (156, 158), 160, (164, 165), (169, 172), (175, 178), (180, 182), 191, (194, 203),
    (208, 211),
)  # fmt: skip
"""``sock_addr_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211), under
every attach type: what all hooks share (bpf_bind and the retval helpers aside,
``pybpf.progtypes.cgroup_common``)."""


def sock_addr_helpers(attach_type: int) -> frozenset[int]:
    """The helper ids a program of ``attach_type`` may call."""
    connect = attach_type in (BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT)
    return SOCK_ADDR_HELPERS | retval_helpers(attach_type) | ({BIND} if connect else set())


def _field(name: str) -> range:
    descriptor = getattr(bpf_sock_addr, name)
    return range(descriptor.offset, descriptor.offset + descriptor.size)


SOCK_ADDR_SIZE = ctypes.sizeof(bpf_sock_addr)
SK_OFF = _field("_anon_sk").start
_USER_IP4, _USER_IP6, _USER_PORT = _field("user_ip4"), _field("user_ip6"), _field("user_port")
_MSG_SRC_IP4, _MSG_SRC_IP6 = _field("msg_src_ip4"), _field("msg_src_ip6")
_ADDRESS_HOOKS = (
    (_USER_IP4, INET4_HOOKS),
    (_USER_IP6, INET6_HOOKS),
    (_MSG_SRC_IP4, frozenset({BPF_CGROUP_UDP4_SENDMSG})),
    (_MSG_SRC_IP6, frozenset({BPF_CGROUP_UDP6_SENDMSG})),
)
"""Each address field and the hooks whose address family it belongs to."""


def _wide_ok(off: int, size: int, field: range) -> bool:
    """bpf_ctx_wide_access_ok(): an aligned u64 inside ``field``."""
    return size == 8 and field.start <= off and off + 8 <= field.stop and off % 8 == 0


@register
class SockAddr(AttachBound):
    """BPF_PROG_TYPE_CGROUP_SOCK_ADDR, as a program of one expected attach type sees it."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_CGROUP_SOCK_ADDR
    name: ClassVar[str] = "cgroup_sock_addr"
    ctx_size: ClassVar[int] = SOCK_ADDR_SIZE
    default_attach_type: ClassVar[int] = BPF_CGROUP_INET4_CONNECT
    helper_base: ClassVar[frozenset[int]] = SOCK_ADDR_HELPERS

    def extra_helpers(self, attach_type: int) -> frozenset[int]:
        return sock_addr_helpers(attach_type) - SOCK_ADDR_HELPERS

    def check_expected_attach_type(self, expected_attach_type: int) -> None:
        """``bpf_prog_load_check_attach``."""
        if expected_attach_type not in SOCK_ADDR_ATTACH_TYPES:
            raise BPFError(
                errno.EINVAL, f"cgroup_sock_addr programs cannot have attach type {expected_attach_type}"
            )

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``sock_addr_is_valid_access``."""
        if off < 0 or off >= SOCK_ADDR_SIZE or off % size:
            return False
        for field, hooks in _ADDRESS_HOOKS:
            if off in field and self.attach_type not in hooks:
                return False
        if any(off in field for field, _ in _ADDRESS_HOOKS) or off in _USER_PORT:
            if _wide_ok(off, size, _USER_IP6) or _wide_ok(off, size, _MSG_SRC_IP6):
                return True
            return size == U32 if write else narrow_ok(size, U32)
        if off >= _MSG_SRC_IP6.stop:  # the padding and the halves of sk are refused (measured)
            return off == SK_OFF and not write and size == 8
        return not write and size == U32


__all__ = [
    "BPF_PROG_TYPE_CGROUP_SOCK_ADDR",
    "SK_OFF",
    "SOCK_ADDR_ATTACH_TYPES",
    "SOCK_ADDR_HELPERS",
    "SockAddr",
    "sock_addr_helpers",
]
