"""BPF_MAP_GET_NEXT_ID and BPF_MAP_GET_FD_BY_ID for the user-space bpf(2).

Mirrors ``bpf_obj_get_next_id`` and ``bpf_map_get_fd_by_id`` in ``kernel/bpf/syscall.c``: ids are
walked in increasing order (``start_id`` >= INT_MAX is EINVAL, no larger id is ENOENT, the found id
is written back to ``next_id``), and an id is turned into a new fd opened with the access mode
``open_flags`` asks for (BPF_F_RDONLY / BPF_F_WRONLY; both, or any other flag, EINVAL; an unknown id
ENOENT).

Scope: every map of this process's bpffs root (``$PYBPF_BPFFS``) that is still alive in any
process.  Every map has a reference directory (``pybpf.objects.refs``) from creation until a
collection finds it unused (no fd in any process, no pin, not held by a program or another map);
``get_next_id`` collects first, so a map whose last fd was closed disappears as in the kernel.  Ids
come from the root's counter, so they are unique among the objects of one root.  The kernel asks for
CAP_SYS_ADMIN (EPERM otherwise); pybpf asks for nothing beyond access to the files.
"""

from __future__ import annotations

import errno
import os

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.permissions import require
from pybpf.objects import refs
from pybpf.objects.credentials import CAP_SYS_ADMIN
from pybpf.objects.files import bpffs_root


def get_next_id(start_id: int) -> int:
    """The smallest visible map id above ``start_id``; ENOENT when there is none."""
    return refs.next_id(bpffs_root(), "map", start_id)


def get_fd_by_id(map_id: int, open_flags: int, token_fd: int) -> int:
    """A new close-on-exec fd for map ``map_id`` opened as ``open_flags`` asks."""
    allowed = uapi.BPF_F_RDONLY | uapi.BPF_F_WRONLY
    if open_flags & ~allowed or token_fd:
        raise BPFError(errno.EINVAL, "invalid open_flags (bpf tokens are not implemented in pybpf)")
    require(CAP_SYS_ADMIN, "BPF_MAP_GET_FD_BY_ID")
    rd, wr = open_flags & uapi.BPF_F_RDONLY, open_flags & uapi.BPF_F_WRONLY
    if rd and wr:
        raise BPFError(errno.EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY together")
    mode = os.O_RDONLY if rd else os.O_WRONLY if wr else os.O_RDWR
    return refs.open_holder(bpffs_root(), "map", map_id, mode)
