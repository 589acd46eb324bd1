"""The ELF loader's verifier-log retries are libbpf's (``bpf_object_load_prog``): a refused load with no log
asked for comes back at log level 1 with a buffer of ``BPF_LOG_BUF_SIZE`` (16 MiB - 1), doubled on each
ENOSPC while it is at most ``UINT_MAX / 2``.  A million-instruction refusal (a 30-60 MiB level-1 log)
is thus verified three times (no log, 16 MiB, 32 MiB) and answered from the kept log the fourth (64 MiB)
instead of seven times (64 KiB x 4 ... 64 MiB).  The buffer is anonymous memory: what the log fills is
read back up to its NUL.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
from typing import Any

import pytest

from pybpf import Object, ProgramLoadError, uapi
from pybpf.elf.loader import LOG_BUF_SIZE, MAX_LOG_SIZE
from pybpf.errors import BPFError
from pybpf.kernel.backend import UserBackend
from tests.elf.corpus import obj_path


class RefusingBackend:
    """pybpf's user backend, but BPF_PROG_LOAD is refused: ENOSPC while the log buffer is smaller than
    ``needed`` (the buffer then holds a partial log), EACCES with ``log`` in the buffer after that, and
    EACCES without a log at level 0.  Records every load's (log_level, log_size)."""

    name = "refusing"

    def __init__(self, needed: int, log: bytes) -> None:
        self.inner = UserBackend()
        self.needed = needed
        self.log = log
        self.loads: list[tuple[int, int]] = []

    def bpf(self, cmd: int, attr: Any, size: int | None = None) -> int:
        if cmd != uapi.BPF_PROG_LOAD:
            return self.inner.bpf(cmd, attr, size)
        self.loads.append((attr.log_level, attr.log_size))
        if not attr.log_level:
            raise BPFError(errno.EACCES, "refused")
        if attr.log_size < self.needed:
            ctypes.memmove(attr.log_buf, b"partial\0", 8)
            raise BPFError(errno.ENOSPC, "verifier log truncated")
        ctypes.memmove(attr.log_buf, self.log + b"\0", len(self.log) + 1)
        raise BPFError(errno.EACCES, "refused")


def _refusal(backend: RefusingBackend, log_level: int = 0) -> ProgramLoadError:
    obj = Object.open(obj_path("xdp_counter"), backend=backend)
    try:
        with pytest.raises(ProgramLoadError) as caught:
            obj.load(log_level=log_level)
    finally:
        obj.close()
    return caught.value


def test_a_refusal_retries_with_libbpf_buffer_sizes() -> None:
    backend = RefusingBackend(needed=50 << 20, log=b"R1 invalid mem access 'scalar'\n")
    refusal = _refusal(backend)
    assert LOG_BUF_SIZE == 16 * 1024 * 1024 - 1
    assert backend.loads == [(0, 0), (1, LOG_BUF_SIZE), (1, 2 * LOG_BUF_SIZE), (1, 4 * LOG_BUF_SIZE)]
    assert refusal.errno == errno.EACCES
    assert refusal.raw_log == "R1 invalid mem access 'scalar'\n"


def test_a_log_asked_for_starts_at_16_mib() -> None:
    backend = RefusingBackend(needed=0, log=b"processed 3 insns\n")
    refusal = _refusal(backend, log_level=uapi.BPF_LOG_LEVEL2)
    assert backend.loads == [(uapi.BPF_LOG_LEVEL2, LOG_BUF_SIZE)]
    assert refusal.raw_log == "processed 3 insns\n"


def test_the_retries_end_past_half_the_u32_range() -> None:
    try:
        mmap.mmap(-1, 1 << 32).close()
    except OSError:
        pytest.skip("4 GiB of address space is refused here (libbpf's last buffer would be ENOMEM too)")
    backend = RefusingBackend(needed=1 << 40, log=b"")
    backend_sizes = [LOG_BUF_SIZE << k for k in range(8)]  # the last one is still <= UINT_MAX / 2
    assert backend_sizes[-1] <= MAX_LOG_SIZE < 2 * backend_sizes[-1]
    # (the buffers are anonymous memory: 4 GiB of address space costs nothing until written)
    refusal = _refusal(backend)
    assert backend.loads == [(0, 0), *[(1, size) for size in [*backend_sizes, 2 * backend_sizes[-1]]]]
    assert refusal.errno == errno.ENOSPC
    assert refusal.raw_log == "partial"
