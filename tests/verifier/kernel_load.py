"""BPF_PROG_LOAD on the real kernel with a verifier log: the oracle of the verifier's differential tests.

``kernel_load(raw, prog_type, ...)`` returns ``(errno, log)``: errno 0 when the kernel accepted the
program (the fd is closed at once).  ``raw`` is the program's bytes, so malformed encodings that
``Instruction`` cannot hold (a bad lddw second slot) can be sent as well.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence

from pybpf import uapi
from pybpf.errors import BPFError
from pybpf.kernel.native import native_bpf

BPF_PROG_LOAD = 5
LOG_SIZE = 1 << 20


def kernel_load(
    raw: bytes,
    prog_type: int,
    *,
    license_: bytes = b"GPL",
    log_level: int = 1,
    fd_array: Sequence[int] | None = None,
    prog_flags: int = 0,
) -> tuple[int, str]:
    code = ctypes.create_string_buffer(raw, max(len(raw), 1))
    lic = ctypes.create_string_buffer(license_ + b"\0")
    log = ctypes.create_string_buffer(LOG_SIZE)
    fds = (ctypes.c_int * max(len(fd_array), 1))(*fd_array) if fd_array is not None else None
    attr = uapi.bpf_attr()
    load = attr._anon_prog_type
    load.prog_type = prog_type
    load.insn_cnt = len(raw) // 8
    load.insns = ctypes.addressof(code)
    load.license = ctypes.addressof(lic)
    load.log_level = log_level
    if log_level:
        load.log_size = LOG_SIZE
        load.log_buf = ctypes.addressof(log)
    load.prog_flags = prog_flags
    if fds is not None:
        load.fd_array = ctypes.addressof(fds)
    try:
        fd = native_bpf(BPF_PROG_LOAD, bytes(attr))
    except BPFError as err:
        return err.errno or 0, log.value.decode(errors="replace")
    os.close(fd)
    return 0, log.value.decode(errors="replace")
