"""What the cgroup program types share: the expected-attach-type binding and the retval helpers.

Mirrors two pieces of Linux 6.18 that several cgroup types read:

* ``prog->expected_attach_type``: the rules of CGROUP_SOCK_ADDR, SOCK_OPS, CGROUP_DEVICE,
  CGROUP_SYSCTL and CGROUP_SOCKOPT programs depend on it, so each type serves one object per attach
  type (``AttachBound``, returned by ``ProgType.for_attach_type``);
* ``cgroup_common_func_proto`` (kernel/bpf/cgroup.c): bpf_get_retval and bpf_set_retval exist for
  every expected attach type but INET_INGRESS, INET_EGRESS, SOCK_OPS and the recvmsg, getpeername
  and getsockname hooks (measured on the kernel by the tests of each type).
"""

from __future__ import annotations

from typing import ClassVar

from pybpf.progtypes.base import ProgType
from pybpf.uapi import (
    BPF_CGROUP_INET4_GETPEERNAME,
    BPF_CGROUP_INET4_GETSOCKNAME,
    BPF_CGROUP_INET6_GETPEERNAME,
    BPF_CGROUP_INET6_GETSOCKNAME,
    BPF_CGROUP_INET_EGRESS,
    BPF_CGROUP_INET_INGRESS,
    BPF_CGROUP_SOCK_OPS,
    BPF_CGROUP_UDP4_RECVMSG,
    BPF_CGROUP_UDP6_RECVMSG,
    BPF_CGROUP_UNIX_GETPEERNAME,
    BPF_CGROUP_UNIX_GETSOCKNAME,
    BPF_CGROUP_UNIX_RECVMSG,
)

GET_RETVAL, SET_RETVAL = 186, 187
NO_RETVAL_ATTACH_TYPES = frozenset(
    {
        BPF_CGROUP_INET_INGRESS,
        BPF_CGROUP_INET_EGRESS,
        BPF_CGROUP_SOCK_OPS,
        BPF_CGROUP_UDP4_RECVMSG,
        BPF_CGROUP_UDP6_RECVMSG,
        BPF_CGROUP_UNIX_RECVMSG,
        BPF_CGROUP_INET4_GETPEERNAME,
        BPF_CGROUP_INET6_GETPEERNAME,
        BPF_CGROUP_UNIX_GETPEERNAME,
        BPF_CGROUP_INET4_GETSOCKNAME,
        BPF_CGROUP_INET6_GETSOCKNAME,
        BPF_CGROUP_UNIX_GETSOCKNAME,
    }
)
"""``cgroup_common_func_proto``: the expected attach types without bpf_get_retval / bpf_set_retval."""


def retval_helpers(attach_type: int) -> frozenset[int]:
    """bpf_get_retval and bpf_set_retval where ``attach_type`` has them."""
    return frozenset() if attach_type in NO_RETVAL_ATTACH_TYPES else frozenset({GET_RETVAL, SET_RETVAL})


class AttachBound(ProgType):
    """A cgroup program type whose rules read the expected attach type: one object per attach type,
    made on first use (the registered one stands for ``default_attach_type``).  ``helper_base`` is
    the set every attach type has; ``extra_helpers`` adds what one attach type has besides."""

    default_attach_type: ClassVar[int] = 0
    helper_base: ClassVar[frozenset[int]] = frozenset()

    def __init__(self, attach_type: int | None = None) -> None:
        self.attach_type = self.default_attach_type if attach_type is None else attach_type
        self.allowed_helpers = self.helper_base | self.extra_helpers(self.attach_type)
        self._bound: dict[int, AttachBound] = {}

    def extra_helpers(self, attach_type: int) -> frozenset[int]:
        """The helpers a program of ``attach_type`` has beyond ``helper_base`` (the retval pair)."""
        return retval_helpers(attach_type)

    def for_attach_type(self, expected_attach_type: int) -> ProgType:
        if expected_attach_type == self.attach_type:
            return self
        bound = self._bound.get(expected_attach_type)
        if bound is None:
            bound = self._bound[expected_attach_type] = type(self)(expected_attach_type)
        return bound

    def func_allowed(self, helper_id: int) -> bool:
        return helper_id in self.allowed_helpers


__all__ = ["GET_RETVAL", "NO_RETVAL_ATTACH_TYPES", "SET_RETVAL", "AttachBound", "retval_helpers"]
