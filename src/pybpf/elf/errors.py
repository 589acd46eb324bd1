"""``ELFError``: an ELF object pybpf cannot read or load, naming the section, symbol or record at fault.

Mirrors how libbpf refuses a bad object (``-LIBBPF_ERRNO__FORMAT`` / ``-LIBBPF_ERRNO__RELOC`` /
``-EINVAL``, with a message naming the section and the relocation or symbol): an ``OSError`` whose errno
is EINVAL unless the cause says otherwise (E2BIG for sizes past a limit, ENOENT for a missing file,
ESRCH for a CO-RE target that cannot be found).  It is a :class:`~pybpf.errors.BPFError`, so code that
catches bpf() failures catches it too, and every error from the ELF reader, pyelftools or the BTF
decoder reaches a user as one of these -- never as a traceback.
"""

from __future__ import annotations

import errno

from pybpf.errors import BPFError

__all__ = ["ELFError"]


class ELFError(BPFError):
    """A malformed, unsupported or inconsistent ELF object; the message names the file and the part."""

    def __init__(self, message: str, err: int = errno.EINVAL) -> None:
        super().__init__(err, message)
