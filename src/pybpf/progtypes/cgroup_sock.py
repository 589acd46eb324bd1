"""BPF_PROG_TYPE_CGROUP_SOCK: per-cgroup socket create/release and post-bind hooks on a struct bpf_sock.

Mirrors net/core/filter.c ``cg_sock_verifier_ops``/``cg_sock_prog_ops`` and kernel/bpf/syscall.c of
Linux 6.18:

* ``bpf_prog_load_fixup_attach_type``: expected attach type 0 means BPF_CGROUP_INET_SOCK_CREATE;
  ``bpf_prog_load_check_attach``: SOCK_CREATE, SOCK_RELEASE, INET4_POST_BIND or INET6_POST_BIND,
  anything else is EINVAL before the verifier runs (no log);
* ``sock_filter_is_valid_access``: ``bpf_sock_is_valid_access`` (``pybpf.progtypes.bpf_sock``), then
  ``__sock_filter_check_attach_type``: bound_dev_if, mark and priority may be read and written by
  the create and release hooks only; src_ip4 (INET4_POST_BIND), src_ip6 (INET6_POST_BIND) and
  src_port (both) are read by the post-bind hooks only; every other field is read-only;
* ``sock_filter_func_proto`` (cgroup_common_func_proto, cgroup_current_func_proto, the socket's
  cookie and storage helpers, bpf_base_func_proto): the set below was read off the running kernel
  by loading ``call N`` for every helper id under every attach type (the same for all four) and is
  checked against it by the tests;
* ``check_return_code``: [0, 1] (``pybpf.progtypes.return_ranges``);
* no BPF_PROG_TEST_RUN (``cg_sock_prog_ops`` is empty: ENOTSUPP, the contract's default).

``bpf_sock_convert_ctx_access`` rewrites each field into a load or store of the kernel's ``struct
sock``; a CGROUP_SOCK program never runs in pybpf (it has no test run, and pybpf attaches nothing
to cgroups), so pybpf keeps the context as the uapi ``struct bpf_sock`` itself, as it keeps
``ctx->sk`` of the skb programs, and rewrites nothing.
"""

from __future__ import annotations

import errno
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.progtypes.base import ProgType, helper_ids
from pybpf.progtypes.bpf_sock import BPF_SOCK_SIZE, sock_field, sock_is_valid_access
from pybpf.progtypes.cgroup_common import AttachBound
from pybpf.progtypes.registry import register
from pybpf.uapi import (
    BPF_CGROUP_INET4_POST_BIND,
    BPF_CGROUP_INET6_POST_BIND,
    BPF_CGROUP_INET_SOCK_CREATE,
    BPF_CGROUP_INET_SOCK_RELEASE,
    BPF_PROG_TYPE_CGROUP_SOCK,
)

CGROUP_SOCK_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 46, 55, (80, 81), (87, 89), (93, 94), (105, 107),
    109, (112, 115), (117, 118), 120, (122, 123), 125, (130, 134), 141, (148, 149), (153, 154),
    (156, 158), 160, (164, 165), (169, 172), (175, 177), (180, 182), 191, (194, 195), (197, 203),
    (208, 211),
)  # fmt: skip
"""``sock_filter_func_proto(id) != NULL`` on Linux 6.18 for a root loader (helper ids 1..211), under
each of the four attach types, which all have the retval helpers too (``pybpf.progtypes.cgroup_common``)."""

CGROUP_SOCK_ATTACH_TYPES = frozenset(
    {
        BPF_CGROUP_INET_SOCK_CREATE,
        BPF_CGROUP_INET_SOCK_RELEASE,
        BPF_CGROUP_INET4_POST_BIND,
        BPF_CGROUP_INET6_POST_BIND,
    }
)
"""The expected attach types ``bpf_prog_load_check_attach`` accepts for a CGROUP_SOCK program."""

_CREATE_OR_RELEASE = frozenset({BPF_CGROUP_INET_SOCK_CREATE, BPF_CGROUP_INET_SOCK_RELEASE})
_SOCKET_SETTINGS = (sock_field("bound_dev_if").start, sock_field("mark").start, sock_field("priority").start)
"""The fields the create and release hooks may read and write (the words, named by their first byte)."""
_POST_BIND_READS = (
    (sock_field("src_ip4"), frozenset({BPF_CGROUP_INET4_POST_BIND})),
    (sock_field("src_ip6"), frozenset({BPF_CGROUP_INET6_POST_BIND})),
    (sock_field("src_port"), frozenset({BPF_CGROUP_INET4_POST_BIND, BPF_CGROUP_INET6_POST_BIND})),
)
"""The fields only the post-bind hooks read, each with the attach types that may."""


def sock_create_attach_type(expected_attach_type: int) -> int:
    """``bpf_prog_load_fixup_attach_type``: 0 stands for BPF_CGROUP_INET_SOCK_CREATE."""
    return expected_attach_type or BPF_CGROUP_INET_SOCK_CREATE


@register
class CgroupSock(AttachBound):
    """BPF_PROG_TYPE_CGROUP_SOCK, as a program of one expected attach type sees it."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_CGROUP_SOCK
    name: ClassVar[str] = "cgroup_sock"
    ctx_size: ClassVar[int] = BPF_SOCK_SIZE
    default_attach_type: ClassVar[int] = BPF_CGROUP_INET_SOCK_CREATE
    helper_base: ClassVar[frozenset[int]] = CGROUP_SOCK_HELPERS

    def check_expected_attach_type(self, expected_attach_type: int) -> None:
        """``bpf_prog_load_check_attach`` (after the fixup of 0)."""
        if sock_create_attach_type(expected_attach_type) not in CGROUP_SOCK_ATTACH_TYPES:
            raise BPFError(
                errno.EINVAL, f"cgroup_sock programs cannot have attach type {expected_attach_type}"
            )

    def for_attach_type(self, expected_attach_type: int) -> ProgType:
        return super().for_attach_type(sock_create_attach_type(expected_attach_type))

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``sock_filter_is_valid_access``."""
        if not sock_is_valid_access(off, size):
            return False
        if off in _SOCKET_SETTINGS:
            return self.attach_type in _CREATE_OR_RELEASE
        for field, attach_types in _POST_BIND_READS:
            if off in field:
                return not write and self.attach_type in attach_types
        return not write


__all__ = [
    "BPF_PROG_TYPE_CGROUP_SOCK",
    "CGROUP_SOCK_ATTACH_TYPES",
    "CGROUP_SOCK_HELPERS",
    "CgroupSock",
    "sock_create_attach_type",
]
