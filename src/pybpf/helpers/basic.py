"""Helpers that need neither maps nor a program context: time, ids, randomness, strings, loops.

Each mirrors the kernel's implementation of the same helper id (kernel/bpf/helpers.c,
kernel/trace/bpf_trace.c, kernel/bpf/bpf_iter.c), with "current task" meaning the calling process
and thread, as a user-space bpf() must:

* ``bpf_ktime_get_ns`` (5), ``bpf_ktime_get_boot_ns`` (125), ``bpf_ktime_get_coarse_ns`` (160),
  ``bpf_ktime_get_tai_ns`` (208): CLOCK_MONOTONIC / BOOTTIME / MONOTONIC_COARSE / TAI.
* ``bpf_jiffies64`` (118): the kernel's ``jiffies_64`` (``get_jiffies_64``), read as
  MONOTONIC_COARSE in ticks (its resolution is the tick, 1/HZ) plus the count jiffies had when that
  clock was 0 -- once per process from /proc/timer_list ("now at N nsecs", "jiffies: J"), else the
  kernel's INITIAL_JIFFIES (-300 * HZ as an unsigned int, include/linux/jiffies.h).  The verifier
  inlines the call (do_misc_fixups(), as the kernel's with its JIT on) as a load from the
  ``jiffies`` variable at ``JIFFIES_ADDRESS``: every process keeps that variable as a
  ``JiffiesCell``, read-only memory the program runner refreshes when a run that reads it starts.
* ``bpf_get_prandom_u32`` (7), ``bpf_get_smp_processor_id`` (8), ``bpf_get_numa_node_id`` (42).
* ``bpf_get_current_pid_tgid`` (14): tgid << 32 | tid;  ``bpf_get_current_uid_gid`` (15): gid << 32 | uid;
  ``bpf_get_current_comm`` (16);  ``bpf_get_current_cgroup_id`` (80).
* ``bpf_probe_read``/``_user``/``_kernel`` (4, 112, 113) and their ``_str`` forms (45, 114, 115):
  copies from the program's address space; an unreadable source zero-fills the destination and
  returns the error of the kernel's nofault copies: -EFAULT, except where a kernel copy
  (``_kernel``, and ``bpf_probe_read`` above the user range) refuses the address itself,
  copy_from_kernel_nofault_allowed() of arch/x86/mm/maccess.c: a user-range or non-canonical
  address is -ERANGE (``kernel_nofault_error``).
* ``bpf_strtol`` (105), ``bpf_strtoul`` (106), ``bpf_strncmp`` (182).
* ``bpf_loop`` (181): calls a BPF callback up to 2**23 times.

Work proportional to an argument is charged to the run's budget (``pybpf.helpers.context``): the
bytes a probe read, string compare or conversion handles, the /proc reads behind ``comm`` and the
cgroup id, and (in ``HelperContext.call_function``) each callback of ``bpf_loop``.
* the printf family (6, 165, 177) lives in ``pybpf.helpers.printk`` and is registered here too.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import struct
import threading
import time
from collections.abc import Callable

from pybpf.errors import MemoryAccessError, UnknownMemoryError
from pybpf.helpers import percpu_obj, printk
from pybpf.helpers.context import SYSCALL_CHARGE, HelperContext
from pybpf.helpers.registry import HelperRegistry
from pybpf.maps.base import running_cpu
from pybpf.memory.regions import Memory
from pybpf.uapi import BPF_MAX_LOOPS, BPF_STRTOX_BASE_MASK

TASK_COMM_LEN = 16
U64 = (1 << 64) - 1

BASIC_HELPERS = HelperRegistry()
"""The helpers of this module (and the printf family), by kernel id."""
_helper = BASIC_HELPERS.helper


# -- time -------------------------------------------------------------------------------------
@_helper("bpf_ktime_get_ns")
def ktime_get_ns(ctx: HelperContext, *_: int) -> int:
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


@_helper("bpf_ktime_get_boot_ns")
def ktime_get_boot_ns(ctx: HelperContext, *_: int) -> int:
    return time.clock_gettime_ns(getattr(time, "CLOCK_BOOTTIME", time.CLOCK_MONOTONIC))


@_helper("bpf_ktime_get_coarse_ns")
def ktime_get_coarse_ns(ctx: HelperContext, *_: int) -> int:
    return time.clock_gettime_ns(_CLOCK_MONOTONIC_COARSE)


@_helper("bpf_ktime_get_tai_ns")
def ktime_get_tai_ns(ctx: HelperContext, *_: int) -> int:
    return time.clock_gettime_ns(getattr(time, "CLOCK_TAI", time.CLOCK_REALTIME))


@_helper("bpf_jiffies64")
def jiffies64(ctx: HelperContext, *_: int) -> int:
    return jiffies_now()


def jiffies_now() -> int:
    """``get_jiffies_64()``: the tick count of the running kernel now (MONOTONIC_COARSE in ticks)."""
    tick, offset = _jiffies_clock()
    return (offset + time.clock_gettime_ns(_CLOCK_MONOTONIC_COARSE) // tick) & U64


JIFFIES_ADDRESS = 0xFFFF_FFFF_8300_0000
"""Where the xlated program says the kernel's ``jiffies`` variable is: the ``lddw`` the inlined
bpf_jiffies64 loads (an address of the kernel image's range, which no user memory has; the kernel's
dump shows its own).  Each process runs that ``lddw`` as the address of its ``JiffiesCell``."""


class JiffiesCell:
    """The ``jiffies`` variable of one address space: 8 read-only bytes registered in ``memory``
    holding the tick count of the last ``refresh`` -- the kernel's is written by the timer tick, this
    one by whoever starts a run of a program that loads it."""

    __slots__ = ("_view", "address")

    def __init__(self, memory: Memory) -> None:
        region = memory.add_buffer(8, writable=False, name="jiffies")
        self._view = region.view[region.start - region.base : region.start - region.base + 8]
        self.address = region.start
        self.refresh()

    def refresh(self) -> None:
        """Store the tick count of now."""
        _U64_STRUCT.pack_into(self._view, 0, jiffies_now())


_U64_STRUCT = struct.Struct("=Q")


# -- ids and randomness -----------------------------------------------------------------------
@_helper("bpf_get_prandom_u32")
def get_prandom_u32(ctx: HelperContext, *_: int) -> int:
    return ctx.random.getrandbits(32)


@_helper("bpf_get_smp_processor_id")
def get_smp_processor_id(ctx: HelperContext, *_: int) -> int:
    return running_cpu()


@_helper("bpf_get_numa_node_id")
def get_numa_node_id(ctx: HelperContext, *_: int) -> int:
    return 0


@_helper("bpf_get_current_pid_tgid")
def get_current_pid_tgid(ctx: HelperContext, *_: int) -> int:
    return (os.getpid() << 32) | threading.get_native_id()


@_helper("bpf_get_current_uid_gid")
def get_current_uid_gid(ctx: HelperContext, *_: int) -> int:
    return (os.getgid() << 32) | os.getuid()


@_helper("bpf_get_current_comm")
def get_current_comm(ctx: HelperContext, buf: int, size: int, *_: int) -> int:
    """strncpy the task name into ``buf`` (zero-padded), always NUL-terminating it."""
    size &= 0xFFFFFFFF
    if size == 0:
        return -errno.EINVAL
    ctx.charge(SYSCALL_CHARGE)
    ctx.memory.check(buf, size, True)
    ctx.charge_bytes(size)
    comm = _comm_bytes()[: size - 1]
    ctx.memory.write(buf, comm + bytes(size - len(comm)))
    return 0


@_helper("bpf_get_current_cgroup_id")
def get_current_cgroup_id(ctx: HelperContext, *_: int) -> int:
    """The cgroup v2 id of the calling process: the inode number of its cgroup directory."""
    ctx.charge(2 * SYSCALL_CHARGE)  # open and read /proc/self/cgroup, stat the directory
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("0::"):
                    return os.stat("/sys/fs/cgroup" + line[3:].strip()).st_ino
    except OSError:
        pass
    return 0


# -- reading memory ---------------------------------------------------------------------------
TASK_SIZE_MAX = (1 << 47) - 4096
"""x86-64's highest user address plus one under 4-level paging (arch/x86/include/asm/page_64.h)."""
PAGE_SIZE = 4096
X86_VIRT_BITS = 48
"""The virtual address width of 4-level paging: addresses are canonical when bits 63..47 agree."""


def kernel_nofault_error(address: int) -> int:
    """The error of a kernel nofault copy (copy_from_kernel_nofault(), strncpy_from_kernel_nofault())
    from ``address`` when it cannot be read: -ERANGE for an address the architecture refuses up front
    (copy_from_kernel_nofault_allowed(): below TASK_SIZE_MAX + PAGE_SIZE, or not canonical), else
    -EFAULT (the access faulted)."""
    return _kernel_refused(address) or -errno.EFAULT


def _kernel_refused(address: int) -> int:
    """copy_from_kernel_nofault_allowed() (x86-64): -ERANGE for a source below TASK_SIZE_MAX +
    PAGE_SIZE or not canonical, checked before anything (even nothing) is copied; else 0."""
    address &= 0xFFFF_FFFF_FFFF_FFFF
    if (
        address < TASK_SIZE_MAX + PAGE_SIZE
        or address >> (X86_VIRT_BITS - 1) != (1 << (65 - X86_VIRT_BITS)) - 1
    ):
        return -errno.ERANGE
    return 0


def _user_nofault_error(_address: int) -> int:
    """copy_from_user_nofault() / strncpy_from_user_nofault(): any unreadable source is -EFAULT."""
    return -errno.EFAULT


def _user_refused(address: int) -> int:
    """copy_from_user_nofault()'s __access_ok(): -EFAULT for a source above the user range, checked
    before anything (even nothing) is copied; else 0."""
    return -errno.EFAULT if (address & 0xFFFF_FFFF_FFFF_FFFF) >= TASK_SIZE_MAX else 0


def _compat_nofault_error(address: int) -> int:
    """bpf_probe_read_compat() and its _str twin: a user copy below TASK_SIZE, a kernel copy above."""
    if (address & 0xFFFF_FFFF_FFFF_FFFF) < TASK_SIZE_MAX:
        return _user_nofault_error(address)
    return kernel_nofault_error(address)


def _compat_refused(address: int) -> int:
    if (address & 0xFFFF_FFFF_FFFF_FFFF) < TASK_SIZE_MAX:
        return _user_refused(address)
    return _kernel_refused(address)


def _probe_read_with(error: Callable[[int], int], refused: Callable[[int], int]) -> Callable[..., int]:
    """bpf_probe_read*(): ``error`` of a source that cannot be read, ``refused`` the check made
    before copying (a read of 0 bytes answers it alone: measured, tests/helpers/test_probe_read_errors.py)."""

    def probe_read(ctx: HelperContext, dst: int, size: int, unsafe: int, *_: int) -> int:
        size &= 0xFFFFFFFF
        if not size:
            return refused(unsafe)
        ctx.memory.check(dst, size, True)  # the verifier's check of dst/size, before anything is read
        ctx.charge_bytes(size)
        try:
            data = ctx.memory.read(unsafe, size)
        except UnknownMemoryError:
            raise  # kernel memory pybpf stands in for but cannot know: the run stops
        except MemoryAccessError:
            ctx.memory.write(dst, bytes(size))
            return error(unsafe)
        ctx.memory.write(dst, data)
        return 0

    return probe_read


def _probe_read_str_with(error: Callable[[int], int]) -> Callable[..., int]:
    def probe_read_str(ctx: HelperContext, dst: int, size: int, unsafe: int, *_: int) -> int:
        """Copy a NUL-terminated string of at most ``size`` bytes (NUL included); its length with NUL."""
        size &= 0xFFFFFFFF
        if size == 0:
            return 0
        ctx.memory.check(dst, size, True)
        ctx.charge_bytes(size)
        try:
            if size == 1:
                ctx.memory.check(unsafe, 1, False)
            text = ctx.memory.read_cstring(unsafe, size - 1)
        except UnknownMemoryError:
            raise  # kernel memory pybpf stands in for but cannot know: the run stops
        except MemoryAccessError:
            ctx.memory.write(dst, bytes(size))
            return error(unsafe)
        ctx.memory.write(dst, text + b"\0")
        return len(text) + 1

    return probe_read_str


_probe_read = _probe_read_with(
    _compat_nofault_error, _compat_refused
)  # bpf_probe_read (4), bpf_probe_read_str (45)
_probe_read_str = _probe_read_str_with(_compat_nofault_error)
_probe_read_kernel = _probe_read_with(kernel_nofault_error, _kernel_refused)
_probe_read_kernel_str = _probe_read_str_with(kernel_nofault_error)
BASIC_HELPERS.register("bpf_probe_read", _probe_read)
BASIC_HELPERS.register("bpf_probe_read_str", _probe_read_str)
BASIC_HELPERS.register("bpf_probe_read_user", _probe_read_with(_user_nofault_error, _user_refused))
BASIC_HELPERS.register("bpf_probe_read_user_str", _probe_read_str_with(_user_nofault_error))
BASIC_HELPERS.register("bpf_probe_read_kernel", _probe_read_kernel)
BASIC_HELPERS.register("bpf_probe_read_kernel_str", _probe_read_kernel_str)


# -- strings ----------------------------------------------------------------------------------
def _parse_unsigned(buf: bytes, flags: int) -> tuple[int, bool, int]:
    """The kernel's __bpf_strtoull: (value, negative, consumed) or raises ValueError(-errno)."""
    base = flags & BPF_STRTOX_BASE_MASK
    if not buf or base not in (0, 8, 10, 16) or flags & ~BPF_STRTOX_BASE_MASK:
        raise ValueError(-errno.EINVAL)
    pos = 0
    while pos < len(buf) and buf[pos] in b" \t\n\v\f\r\xa0":
        pos += 1
    negative = pos < len(buf) and buf[pos] == 0x2D  # '-'
    if negative:
        pos += 1
    if pos == len(buf):
        raise ValueError(-errno.EINVAL)
    text = buf[pos : pos + 63].split(b"\0", 1)[0].lower()
    start = 0
    if base == 0:
        if text[:1] == b"0":
            base = 16 if text[1:2] == b"x" and text[2:3] and text[2:3] in b"0123456789abcdef" else 8
        else:
            base = 10
    if base == 16 and text[:2] == b"0x":
        start = 2
    digits = "0123456789abcdef"[:base]
    end = start
    while end < len(text) and chr(text[end]) in digits:
        end += 1
    if end == start:
        raise ValueError(-errno.EINVAL)
    value = int(text[start:end], base)
    if value > U64:
        raise ValueError(-errno.ERANGE)
    return value, negative, pos + end


@_helper("bpf_strtol")
def strtol(ctx: HelperContext, buf: int, buf_len: int, flags: int, res: int, _r5: int) -> int:
    """``long bpf_strtol(const char *buf, size_t buf_len, u64 flags, long *res)``."""
    text = ctx.memory.read(buf, buf_len)
    ctx.charge_bytes(buf_len)
    try:
        value, negative, consumed = _parse_unsigned(text, flags)
    except ValueError as exc:
        return int(exc.args[0])
    signed = -value if negative else value
    if not -(1 << 63) <= signed < (1 << 63):
        return -errno.ERANGE
    ctx.memory.store(res, 8, signed)
    return consumed


@_helper("bpf_strtoul")
def strtoul(ctx: HelperContext, buf: int, buf_len: int, flags: int, res: int, _r5: int) -> int:
    """``long bpf_strtoul(const char *buf, size_t buf_len, u64 flags, unsigned long *res)``."""
    text = ctx.memory.read(buf, buf_len)
    ctx.charge_bytes(buf_len)
    try:
        value, negative, consumed = _parse_unsigned(text, flags)
    except ValueError as exc:
        return int(exc.args[0])
    if negative:
        return -errno.EINVAL
    ctx.memory.store(res, 8, value)
    return consumed


@_helper("bpf_strncmp")
def strncmp(ctx: HelperContext, s1: int, s1_size: int, s2: int, *_: int) -> int:
    """``long bpf_strncmp(const char *s1, u32 s1_sz, const char *s2)``: -1, 0 or 1 like lib/string.c."""
    size = s1_size & 0xFFFFFFFF
    first = ctx.memory.read(s1, size)
    ctx.charge_bytes(2 * size)
    second = ctx.memory.read_cstring(s2, size)
    # strncmp stops at the first difference or at a NUL both strings share; ``second`` has no NUL
    # before its end, so both stop at the first difference from ``second`` + NUL within size bytes.
    length = min(size, len(second) + 1)
    a, b = first[:length], (second + b"\0")[:length]
    return (a > b) - (a < b)


# -- callbacks --------------------------------------------------------------------------------
@_helper("bpf_loop")
def loop(ctx: HelperContext, nr_loops: int, callback: int, callback_ctx: int, flags: int, _r5: int) -> int:
    """``long bpf_loop(u32 nr_loops, void *callback_fn, void *callback_ctx, u64 flags)``."""
    if flags:
        return -errno.EINVAL
    nr_loops &= 0xFFFFFFFF
    if nr_loops > BPF_MAX_LOOPS:
        return -errno.E2BIG
    for index in range(nr_loops):
        if ctx.call_function(callback, index, callback_ctx):
            return index + 1
    return nr_loops


# -- the printf family --------------------------------------------------------------------------
BASIC_HELPERS.register("bpf_trace_printk", printk.trace_printk)
BASIC_HELPERS.register("bpf_trace_vprintk", printk.trace_vprintk)
BASIC_HELPERS.register("bpf_snprintf", printk.snprintf)
BASIC_HELPERS.register("bpf_per_cpu_ptr", percpu_obj.per_cpu_ptr)
BASIC_HELPERS.register("bpf_this_cpu_ptr", percpu_obj.this_cpu_ptr)


# -- host queries -------------------------------------------------------------------------------
_CLOCK_MONOTONIC_COARSE = getattr(time, "CLOCK_MONOTONIC_COARSE", 6)


@functools.cache
def _jiffies_clock() -> tuple[int, int]:
    """(nanoseconds per tick, jiffies_64 when MONOTONIC_COARSE read 0) of the running kernel."""
    tick = max(1, round(time.clock_getres(_CLOCK_MONOTONIC_COARSE) * 1_000_000_000))
    offset = (-300 * (1_000_000_000 // tick)) & 0xFFFFFFFF  # INITIAL_JIFFIES
    now = jiffies = None
    with (
        contextlib.suppress(OSError, ValueError, UnicodeDecodeError),
        open("/proc/timer_list", encoding="ascii") as handle,
    ):
        for line in handle:
            if now is None and line.startswith("now at "):
                now = int(line.split()[2])
            elif line.startswith("jiffies: "):
                jiffies = int(line.split()[1])
                break
    if now is not None and jiffies is not None:
        offset = jiffies - now // tick
    return tick, offset


def _comm_bytes() -> bytes:
    try:
        with open(f"/proc/self/task/{threading.get_native_id()}/comm", "rb") as handle:
            return handle.read().rstrip(b"\n")[: TASK_COMM_LEN - 1]
    except OSError:  # pragma: no cover - not Linux
        return b"python"
