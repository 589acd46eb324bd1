"""The errors of bpf_probe_read_kernel / _user / the legacy bpf_probe_read and their _str forms on
sources they cannot read, against the kernel (kernel/trace/bpf_trace.c's *_common() functions over
mm/maccess.c's nofault copies).

A kernel copy refuses a user-range or non-canonical address before touching it
(copy_from_kernel_nofault_allowed(): -ERANGE) and answers -EFAULT for a kernel address that faults;
a user copy answers -EFAULT; the legacy helpers copy as the user below TASK_SIZE, else as the
kernel.  Each program returns the helper's result; pybpf's engines must give the kernel's answer
(measured on Linux 6.18 x86-64 when this was written: the table below).

pybpf's x86-64 has 48-bit virtual addresses (``X86_VIRT_BITS``); the kernel's canonical check uses
the CPU's width (``boot_cpu_data.x86_virt_bits``, /proc/cpuinfo's "address sizes"), which a CPU able
to run 5-level paging reports as 57 even under 4-level paging: there ``1 << 47`` is canonical, the
copy is tried and faults.  The kernel is held to the answer for its CPU's width.
"""

from __future__ import annotations

import errno
import re
from functools import cache
from pathlib import Path

import pytest

import pybpf
from pybpf.helpers.basic import PAGE_SIZE, TASK_SIZE_MAX, X86_VIRT_BITS
from pybpf.kernel.native import NativeBackend, kernel_bpf_available

pytestmark = pytest.mark.usefixtures("engine")  # every program runs on each engine (tests/conftest.py)

ADDRESSES = {
    "low": 12345,
    "user_top": TASK_SIZE_MAX - 4096,
    "non_canonical_low": 1 << 47,
    "non_canonical_high": 1 << 63,
    "kernel_unmapped": 0xFFFF_8000_0000_0000,
    "kernel_last_page": 0xFFFF_FFFF_FFFF_0000,
}
KERNEL = {"low", "user_top", "non_canonical_low", "non_canonical_high"}  # -ERANGE for the kernel copies
HELPERS = (
    "bpf_probe_read_kernel",
    "bpf_probe_read_kernel_str",
    "bpf_probe_read_user",
    "bpf_probe_read_user_str",
)


def expected(helper: str, where: str) -> int:
    return -errno.ERANGE if "kernel" in helper and where in KERNEL else -errno.EFAULT


@cache
def cpu_virtual_bits() -> int:
    """The running CPU's virtual address width (/proc/cpuinfo), else pybpf's ``X86_VIRT_BITS``."""
    try:
        found = re.search(r"address sizes\s*:.*?(\d+) bits virtual", Path("/proc/cpuinfo").read_text())
    except OSError:
        found = None
    return int(found.group(1)) if found else X86_VIRT_BITS


def refused_up_front(where: str, bits: int) -> bool:
    """copy_from_kernel_nofault_allowed() refuses ``where`` on a CPU of ``bits``-bit virtual addresses."""
    address = ADDRESSES[where]
    return address < TASK_SIZE_MAX + PAGE_SIZE or address >> (bits - 1) not in (0, (1 << (65 - bits)) - 1)


def kernel_where(where: str) -> bool:
    """Whether the running kernel's kernel copies refuse ``where`` up front (``KERNEL`` on pybpf's CPU)."""
    assert refused_up_front(where, X86_VIRT_BITS) == (where in KERNEL)
    return refused_up_front(where, cpu_virtual_bits())


@pytest.mark.parametrize("helper", HELPERS)
@pytest.mark.parametrize("where", sorted(ADDRESSES))
def test_unreadable_source_error(helper: str, where: str) -> None:
    src = f"r1 = r10\nr1 += -8\nr2 = 8\nr3 = {ADDRESSES[where]:#x} ll\ncall {helper}\nexit"
    with pybpf.Program.load(src, "xdp", name="probe_read") as prog:
        got = prog.run(bytes(64)).retval
    assert got == expected(helper, where) & 0xFFFFFFFF
    if kernel_bpf_available():
        theirs = -errno.ERANGE if "kernel" in helper and kernel_where(where) else -errno.EFAULT
        with pybpf.Program.load(src, "xdp", name="probe_read", backend=NativeBackend()) as prog:
            assert prog.run(bytes(64)).retval == theirs & 0xFFFFFFFF


@pytest.mark.parametrize("helper", HELPERS)
@pytest.mark.parametrize("where", sorted(ADDRESSES))
def test_zero_size_reads_refuse_only_addresses_refused_up_front(helper: str, where: str) -> None:
    """Size 0: nothing is copied, but the checks made before copying still answer: a kernel read
    of a user-range or non-canonical address is -ERANGE (copy_from_kernel_nofault_allowed()), a user
    read above the user range -EFAULT (access_ok()); the _str forms answer 0 for a count of 0 before
    checking anything."""
    src = f"r1 = r10\nr1 += -8\nr2 = 0\nr3 = {ADDRESSES[where]:#x} ll\ncall {helper}\nexit"
    with pybpf.Program.load(src, "xdp", name="probe_read") as prog:
        got = prog.run(bytes(64)).retval
    answer = 0
    if helper == "bpf_probe_read_kernel" and where in KERNEL:
        answer = -errno.ERANGE
    if helper == "bpf_probe_read_user" and ADDRESSES[where] >= TASK_SIZE_MAX:
        answer = -errno.EFAULT
    assert got == answer & 0xFFFFFFFF
    if kernel_bpf_available():
        if helper == "bpf_probe_read_kernel" and where in KERNEL and not kernel_where(where):
            answer = 0  # canonical on this CPU: nothing to copy, nothing refused
        with pybpf.Program.load(src, "xdp", name="probe_read", backend=NativeBackend()) as prog:
            assert prog.run(bytes(64)).retval == answer & 0xFFFFFFFF
