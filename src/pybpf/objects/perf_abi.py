"""The perf ABI pieces pybpf needs for BPF output events, and ``perf_event_open`` on the real kernel.

Mirrors what user space does to receive ``bpf_perf_event_output`` records from the kernel (libbpf's
``perf_buffer__new``): ``perf_event_open`` of a ``PERF_TYPE_SOFTWARE`` / ``PERF_COUNT_SW_BPF_OUTPUT``
event per CPU with ``sample_type = PERF_SAMPLE_RAW``, ``sample_period = 1``, ``wakeup_events = 1``,
then an mmap of 1 + 2^n pages: the ``struct perf_event_mmap_page`` control page (``data_head`` at
1024, ``data_tail`` at 1032, ``data_offset`` at 1040, ``data_size`` at 1048) followed by the data
pages the kernel writes records into.

pybpf has no ``perf_event_open``: ``pybpf.objects.perf_event`` makes perf event objects whose
file starts with exactly that mmap layout; ``native_perf_event_open`` calls the real
``perf_event_open(2)`` through ctypes (``pybpf.perf.open_bpf_output`` chooses between them).

Records are the kernel's: ``struct perf_event_header`` (u32 type, u16 misc, u16 size) then, for
PERF_RECORD_SAMPLE with PERF_SAMPLE_RAW, a u32 raw size and the raw bytes, padded so the whole
record is a multiple of 8; PERF_RECORD_LOST is the header, u64 id and u64 lost count.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import mmap
import os
import platform
import struct
from typing import Any

from pybpf.errors import BPFError

PAGE = mmap.PAGESIZE

PERF_TYPE_SOFTWARE = 1
PERF_COUNT_SW_BPF_OUTPUT = 10
PERF_SAMPLE_RAW = 1 << 10
PERF_RECORD_LOST = 2
PERF_RECORD_SAMPLE = 9
PERF_RECORD_MISC_KERNEL = 1
PERF_FLAG_FD_CLOEXEC = 1 << 3
PERF_EVENT_IOC_ENABLE = 0x2400
PERF_EVENT_IOC_DISABLE = 0x2401
PERF_EVENT_IOC_ID = 0x80082407  # _IOR('$', 7, __u64 *)
PERF_ATTR_SIZE = 128  # PERF_ATTR_SIZE_VER7

# struct perf_event_mmap_page
DATA_HEAD_AT = 1024
DATA_TAIL_AT = 1032
DATA_OFFSET_AT = 1040
DATA_SIZE_AT = 1048
USERPAGE_SIZE_AT = 72
"""``size``: what ``perf_event_init_userpage`` stores there (offsetof(.., __reserved) = 96)."""
USERPAGE_SIZE = 96
CAPABILITIES_AT = 40
CAP_BIT0_IS_DEPRECATED = 1 << 1

HEADER = struct.Struct("<IHH")
"""``struct perf_event_header``: type, misc, size."""
LOST = struct.Struct("<IHHQQ")
"""PERF_RECORD_LOST: header, id, lost."""

_PERF_EVENT_OPEN = {"x86_64": 298, "amd64": 298, "aarch64": 241, "arm64": 241, "riscv64": 241}


def sample_size(raw_size: int) -> int:
    """Bytes of a PERF_SAMPLE_RAW sample record carrying ``raw_size`` bytes (header included)."""
    return HEADER.size + (raw_size + 4 + 7) // 8 * 8


def check_pages(pages: int) -> None:
    """The data area must be a power-of-two number of pages (``perf_mmap``: EINVAL otherwise)."""
    if pages <= 0 or pages & (pages - 1):
        raise BPFError(errno.EINVAL, f"perf buffer pages must be a power of 2, not {pages}")


def bpf_output_attr() -> bytes:
    """The ``perf_event_attr`` libbpf's ``perf_buffer__new`` opens (sample_period = 1, RAW samples)."""
    attr = bytearray(PERF_ATTR_SIZE)
    struct.pack_into("<IIQQQ", attr, 0, PERF_TYPE_SOFTWARE, PERF_ATTR_SIZE, PERF_COUNT_SW_BPF_OUTPUT, 1,
                     PERF_SAMPLE_RAW)  # fmt: skip
    struct.pack_into("<I", attr, 48, 1)  # wakeup_events
    return bytes(attr)


@functools.cache
def _libc() -> Any:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def native_perf_event_open(cpu: int, pid: int = -1) -> int:
    """``perf_event_open(bpf_output_attr(), pid, cpu, -1, PERF_FLAG_FD_CLOEXEC)`` on the real kernel."""
    number = _PERF_EVENT_OPEN.get(platform.machine())
    if number is None:
        raise BPFError(errno.ENOSYS, f"perf_event_open: unknown syscall number on {platform.machine()}")
    attr = ctypes.create_string_buffer(bpf_output_attr(), PERF_ATTR_SIZE)
    libc = _libc()
    fd = libc.syscall(ctypes.c_long(number), attr, ctypes.c_int(pid), ctypes.c_int(cpu), ctypes.c_int(-1),
                      ctypes.c_ulong(PERF_FLAG_FD_CLOEXEC))  # fmt: skip
    if fd < 0:
        err = ctypes.get_errno()
        raise BPFError(err, f"perf_event_open(cpu {cpu}): {os.strerror(err)}")
    return int(fd)


def native_event_id(fd: int) -> int:
    """The kernel's id of perf event ``fd`` (PERF_EVENT_IOC_ID): what PERF_RECORD_LOST names."""
    buf = bytearray(8)
    fcntl.ioctl(fd, PERF_EVENT_IOC_ID, buf)
    return int.from_bytes(buf, "little")


__all__ = [
    "DATA_HEAD_AT",
    "DATA_OFFSET_AT",
    "DATA_SIZE_AT",
    "DATA_TAIL_AT",
    "HEADER",
    "LOST",
    "PAGE",
    "PERF_COUNT_SW_BPF_OUTPUT",
    "PERF_RECORD_LOST",
    "PERF_RECORD_SAMPLE",
    "PERF_SAMPLE_RAW",
    "PERF_TYPE_SOFTWARE",
    "bpf_output_attr",
    "check_pages",
    "native_event_id",
    "native_perf_event_open",
    "sample_size",
]
