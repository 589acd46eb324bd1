"""BPF_TOKEN_CREATE: a BPF token, the delegation of bpf() rights from a bpffs instance.

Mirrors ``token_create`` and ``bpf_token_create`` (kernel/bpf/syscall.c, token.c, Linux 6.18) up to
where pybpf stops: ``flags`` must be 0 (EINVAL), ``bpffs_fd`` must be open (EBADF) and be the root
directory of a BPF filesystem (any other file or directory: EINVAL), then the user namespace checks
-- and a token is only ever made for a bpffs mounted with delegation inside a user namespace other
than the initial one: created from the initial user namespace, the kernel refuses it (EOPNOTSUPP).
pybpf runs in the initial user namespace and has no delegating bpffs, so no token is ever created:
the root of pybpf's own bpffs (``PYBPF_BPFFS``) and of any real bpffs mount get EOPNOTSUPP, as the
kernel answers for a bpffs root.  (Commands that take a token fd answer for one as for a closed fd
or a file that is no token, ``pybpf.kernel.btfobj``.)
"""

from __future__ import annotations

import errno
import os
import stat

from pybpf.errors import BPFError
from pybpf.objects.files import bpffs_root_name


def _bpffs_mounts() -> set[str]:
    """The mount points of the BPF filesystems this process sees (/proc/self/mountinfo)."""
    found = set()
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            for line in handle:
                fields = line.split()
                separator = fields.index("-")
                if fields[separator + 1] == "bpf":
                    found.add(fields[4].replace("\\040", " "))
    except (OSError, ValueError, IndexError):
        pass
    return found


def token_create(flags: int, bpffs_fd: int) -> int:
    """The BPF_TOKEN_CREATE handler after the attr checks."""
    if flags:
        raise BPFError(errno.EINVAL, "BPF_TOKEN_CREATE takes no flags")
    if not 0 <= bpffs_fd <= 0x7FFFFFFF:
        raise BPFError(errno.EBADF, f"fd {bpffs_fd} is not open")
    try:
        st = os.fstat(bpffs_fd)
        path = os.readlink(f"/proc/self/fd/{bpffs_fd}")
    except OSError:
        raise BPFError(errno.EBADF, f"fd {bpffs_fd} is not open") from None
    root = os.path.realpath(bpffs_root_name())
    if not stat.S_ISDIR(st.st_mode) or (path != root and path not in _bpffs_mounts()):
        raise BPFError(errno.EINVAL, "not the root of a BPF filesystem")
    raise BPFError(
        errno.EOPNOTSUPP, "BPF tokens are made only in a user namespace other than the initial one"
    )
