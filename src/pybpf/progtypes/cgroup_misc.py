"""BPF_PROG_TYPE_CGROUP_DEVICE, CGROUP_SYSCTL and CGROUP_SOCKOPT: the small cgroup hooks.

Mirrors kernel/bpf/cgroup.c of Linux 6.18 (``cg_dev_verifier_ops``, ``cg_sysctl_verifier_ops``,
``cg_sockopt_verifier_ops``; their ``bpf_prog_ops`` are empty: no BPF_PROG_TEST_RUN, ENOTSUPP as
the contract's default) and ``bpf_prog_load_check_attach`` in kernel/bpf/syscall.c:

* CGROUP_DEVICE (``struct bpf_cgroup_dev_ctx``): any expected attach type loads;
  ``cgroup_dev_is_valid_access``: read-only, words, ``access_type`` narrower too.  The kernel has no
  ``convert_ctx_access`` for it: the program reads the context as it is, in pybpf too.
* CGROUP_SYSCTL (``struct bpf_sysctl``): any expected attach type loads;
  ``sysctl_is_valid_access``: ``write`` is read-only, ``file_pos`` read (narrower too) and written
  as a word, nothing past them.
* CGROUP_SOCKOPT (``struct bpf_sockopt``): BPF_CGROUP_GETSOCKOPT or BPF_CGROUP_SETSOCKOPT, else
  EINVAL before the verifier runs; ``cg_sockopt_is_valid_access``: ``sk`` (PTR_TO_SOCKET),
  ``optval`` and ``optval_end`` (the option's buffer as a packet: pybpf.verifier.checks.mem, and
  writable) are u64 reads; ``retval`` is read and written by getsockopt hooks only, ``level`` and
  ``optname`` written by setsockopt hooks only, ``optlen`` by both; every access is a word.

Each ``<type>_func_proto`` set below was read off the running kernel by loading ``call N`` for every
helper id, and is checked against it by the tests; the retval helpers follow the attach type
(``pybpf.progtypes.cgroup_common``), and setsockopt hooks have bpf_setsockopt and bpf_getsockopt.
All three return [0, 1] (``pybpf.progtypes.return_ranges``).  ``sysctl_convert_ctx_access`` and
``cg_sockopt_convert_ctx_access`` load through the kernel's ``bpf_sysctl_kern`` and
``bpf_sockopt_kern``; these programs never run in pybpf (no test run, nothing attached to
cgroups), so pybpf keeps their contexts as the uapi structs and rewrites nothing.
"""

from __future__ import annotations

import ctypes
import errno
from typing import ClassVar

from pybpf.errors import BPFError
from pybpf.progtypes.base import helper_ids
from pybpf.progtypes.bpf_sock import U32, narrow_ok
from pybpf.progtypes.cgroup_common import AttachBound
from pybpf.progtypes.registry import register
from pybpf.uapi import (
    BPF_CGROUP_DEVICE,
    BPF_CGROUP_GETSOCKOPT,
    BPF_CGROUP_SETSOCKOPT,
    BPF_CGROUP_SYSCTL,
    BPF_PROG_TYPE_CGROUP_DEVICE,
    BPF_PROG_TYPE_CGROUP_SOCKOPT,
    BPF_PROG_TYPE_CGROUP_SYSCTL,
    bpf_cgroup_dev_ctx,
    bpf_sockopt,
    bpf_sysctl,
)

DEVICE_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 55, (80, 81), (87, 89), (93, 94), (105, 106), 109,
    (112, 115), (117, 118), 120, 123, 125, (130, 134), 141, (148, 149), (153, 154), (156, 158),
    (164, 165), (169, 172), (175, 177), (180, 182), 191, (194, 195), (197, 203), (208, 211),
)  # fmt: skip
"""``cgroup_dev_func_proto(id) != NULL`` on Linux 6.18 for a root loader, the retval helpers aside."""
SYSCTL_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 55, (80, 81), (87, 89), (93, 94), (101, 106), 109,
    (112, 115), (117, 118), 120, 123, 125, (130, 134), 141, (148, 149), (153, 154), (156, 158), 160,
    (164, 165), (169, 172), (175, 177), (180, 182), 191, (194, 195), (197, 203), (208, 211),
)  # fmt: skip
"""``sysctl_func_proto(id) != NULL`` on Linux 6.18 for a root loader, the retval helpers aside
(bpf_sysctl_get_name .. bpf_strtoul are its own)."""
SOCKOPT_HELPERS = helper_ids(
    (1, 3), (5, 8), 12, (14, 17), 22, 25, 35, 37, 42, 55, (80, 81), (87, 89), (93, 94), 96, (105, 109),
    (112, 115), (117, 118), 120, (122, 123), 125, (130, 134), 141, (148, 149), (153, 154), (156, 158),
    (164, 165), (169, 172), (175, 177), (180, 182), 191, (194, 195), (197, 203), (208, 211),
)  # fmt: skip
"""``cg_sockopt_func_proto(id) != NULL`` on Linux 6.18 for a root loader, the retval helpers and
the setsockopt hook's bpf_setsockopt / bpf_getsockopt aside."""
SETSOCKOPT, GETSOCKOPT = 49, 57
SOCKOPT_ATTACH_TYPES = frozenset({BPF_CGROUP_GETSOCKOPT, BPF_CGROUP_SETSOCKOPT})


def _offset(struct: type[ctypes.Structure], name: str) -> int:
    offset: int = getattr(struct, name).offset
    return offset


@register
class CgroupDevice(AttachBound):
    """BPF_PROG_TYPE_CGROUP_DEVICE."""

    prog_type: ClassVar[int] = BPF_PROG_TYPE_CGROUP_DEVICE
    name: ClassVar[str] = "cgroup_device"
    ctx_size: ClassVar[int] = ctypes.sizeof(bpf_cgroup_dev_ctx)
    default_attach_type: ClassVar[int] = BPF_CGROUP_DEVICE
    helper_base: ClassVar[frozenset[int]] = DEVICE_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``cgroup_dev_is_valid_access``."""
        if write or off < 0 or off + size > self.ctx_size or off % size:
            return False
        if off < U32:  # access_type
            return narrow_ok(size, U32)
        return size == U32


@register
class CgroupSysctl(AttachBound):
    """BPF_PROG_TYPE_CGROUP_SYSCTL."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_CGROUP_SYSCTL
    name: ClassVar[str] = "cgroup_sysctl"
    ctx_size: ClassVar[int] = ctypes.sizeof(bpf_sysctl)
    default_attach_type: ClassVar[int] = BPF_CGROUP_SYSCTL
    helper_base: ClassVar[frozenset[int]] = SYSCTL_HELPERS

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``sysctl_is_valid_access``: ``write`` (the first word) read-only, ``file_pos`` writable."""
        if off < 0 or off + size > self.ctx_size or off % size:
            return False
        if write:
            return off == _offset(bpf_sysctl, "file_pos") and size == U32
        return narrow_ok(size, U32)


_SOCKOPT_SK, _OPTVAL, _OPTVAL_END = (
    _offset(bpf_sockopt, n) for n in ("_anon_sk", "_anon_optval", "_anon_optval_end")
)
_LEVEL, _OPTNAME, _OPTLEN, _RETVAL = (
    _offset(bpf_sockopt, n) for n in ("level", "optname", "optlen", "retval")
)
_POINTER_FIELDS = (
    range(_SOCKOPT_SK, _SOCKOPT_SK + 8),
    range(_OPTVAL, _OPTVAL + 8),
    range(_OPTVAL_END, _OPTVAL_END + 8),
)
"""sk, optval and optval_end: u64 reads anywhere in them (bpf_ctx_range_ptr)."""


@register
class CgroupSockopt(AttachBound):
    """BPF_PROG_TYPE_CGROUP_SOCKOPT, as a getsockopt or setsockopt hook sees it."""

    converts_ctx: ClassVar[bool] = True

    prog_type: ClassVar[int] = BPF_PROG_TYPE_CGROUP_SOCKOPT
    name: ClassVar[str] = "cgroup_sockopt"
    ctx_size: ClassVar[int] = ctypes.sizeof(bpf_sockopt)
    default_attach_type: ClassVar[int] = BPF_CGROUP_GETSOCKOPT
    helper_base: ClassVar[frozenset[int]] = SOCKOPT_HELPERS

    def check_expected_attach_type(self, expected_attach_type: int) -> None:
        """``bpf_prog_load_check_attach``."""
        if expected_attach_type not in SOCKOPT_ATTACH_TYPES:
            raise BPFError(
                errno.EINVAL, f"cgroup_sockopt programs cannot have attach type {expected_attach_type}"
            )

    def extra_helpers(self, attach_type: int) -> frozenset[int]:
        own = {SETSOCKOPT, GETSOCKOPT} if attach_type == BPF_CGROUP_SETSOCKOPT else set()
        return super().extra_helpers(attach_type) | own

    def is_valid_access(self, off: int, size: int, write: bool) -> bool:
        """``cg_sockopt_is_valid_access``."""
        if off < 0 or off >= self.ctx_size or off % size:
            return False
        getsockopt = self.attach_type == BPF_CGROUP_GETSOCKOPT
        if write:
            if off == _RETVAL:
                return size == U32 and getsockopt
            if off in (_OPTNAME, _LEVEL):
                return size == U32 and not getsockopt
            return off == _OPTLEN and size == U32
        if any(off in field for field in _POINTER_FIELDS):
            return size == 8
        if off == _RETVAL:
            return size == U32 and getsockopt
        return size == U32


__all__ = [
    "BPF_PROG_TYPE_CGROUP_DEVICE",
    "BPF_PROG_TYPE_CGROUP_SOCKOPT",
    "BPF_PROG_TYPE_CGROUP_SYSCTL",
    "DEVICE_HELPERS",
    "SOCKOPT_ATTACH_TYPES",
    "SOCKOPT_HELPERS",
    "SYSCTL_HELPERS",
    "CgroupDevice",
    "CgroupSockopt",
    "CgroupSysctl",
]
