"""The basic helpers and the printf family, called directly and from programs."""

from __future__ import annotations

import errno
import os
import threading
import time

import pytest

from pybpf.helpers import BASIC_HELPERS, HelperContext, TracePipe, basic, printk
from pybpf.vm import Interpreter, Memory
from tests.vm.builders import EXIT, M64, insn, lddw, mov


class Scratch:
    """A helper context over one writable buffer; ``put`` places bytes and returns their address."""

    def __init__(self, size: int = 512) -> None:
        self.memory = Memory()
        self.buffer = bytearray(size)
        self.region = self.memory.add_region(self.buffer, writable=True, name="scratch")
        self.pipe = TracePipe()
        self.ctx = HelperContext(self.memory, self.pipe)
        self.used = 0

    def put(self, data: bytes) -> int:
        address = self.region.start + self.used
        self.buffer[self.used : self.used + len(data)] = data
        self.used += (len(data) + 7) & ~7
        return address

    def u64(self, address: int) -> int:
        return self.memory.load(address, 8)


# -- ids, time, randomness ------------------------------------------------------------------------------
def test_helper_numbering_follows_the_kernel() -> None:
    expected = {
        "bpf_ktime_get_ns": 5,
        "bpf_trace_printk": 6,
        "bpf_get_prandom_u32": 7,
        "bpf_get_smp_processor_id": 8,
        "bpf_get_current_pid_tgid": 14,
        "bpf_get_current_uid_gid": 15,
        "bpf_get_current_comm": 16,
        "bpf_strtol": 105,
        "bpf_strtoul": 106,
        "bpf_ktime_get_boot_ns": 125,
        "bpf_loop": 181,
    }
    for name, number in expected.items():
        assert number in BASIC_HELPERS and BASIC_HELPERS.name(number) == name


def test_pid_tgid_uid_gid() -> None:
    scratch = Scratch()
    pid_tgid = os.getpid() << 32 | threading.get_native_id()
    assert basic.get_current_pid_tgid(scratch.ctx, 0, 0, 0, 0, 0) == pid_tgid
    assert basic.get_current_uid_gid(scratch.ctx, 0, 0, 0, 0, 0) == os.getgid() << 32 | os.getuid()


def test_clocks_are_monotonic_and_plausible() -> None:
    scratch = Scratch()
    first = basic.ktime_get_ns(scratch.ctx, 0, 0, 0, 0, 0)
    second = basic.ktime_get_ns(scratch.ctx, 0, 0, 0, 0, 0)
    assert 0 < first <= second <= time.monotonic_ns()
    assert basic.ktime_get_boot_ns(scratch.ctx, 0, 0, 0, 0, 0) >= first - 10**9
    assert basic.ktime_get_coarse_ns(scratch.ctx, 0, 0, 0, 0, 0) > 0


def test_prandom_and_cpu() -> None:
    scratch = Scratch()
    values = {basic.get_prandom_u32(scratch.ctx, 0, 0, 0, 0, 0) for _ in range(20)}
    assert all(0 <= value < 1 << 32 for value in values) and len(values) > 1
    assert 0 <= basic.get_smp_processor_id(scratch.ctx, 0, 0, 0, 0, 0) < (os.cpu_count() or 1024)


def test_get_current_comm_pads_and_terminates() -> None:
    scratch = Scratch()
    buf = scratch.put(b"\xff" * 16)
    assert basic.get_current_comm(scratch.ctx, buf, 16, 0, 0, 0) == 0
    comm = scratch.memory.read(buf, 16)
    assert comm.rstrip(b"\0") == basic._comm_bytes() and comm[15] == 0
    assert basic.get_current_comm(scratch.ctx, buf, 3, 0, 0, 0) == 0
    assert scratch.memory.read(buf, 3)[2] == 0
    assert basic.get_current_comm(scratch.ctx, buf, 0, 0, 0, 0) == -errno.EINVAL


# -- strtol / strtoul ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "flags", "result", "value"),
    [
        (b"123", 10, 3, 123),
        (b"  -42xyz", 0, 5, -42),
        (b"0x1f", 0, 4, 31),
        (b"0x1f", 16, 4, 31),
        (b"1f", 16, 2, 31),
        (b"017", 0, 3, 15),
        (b"0x", 0, 1, 0),  # "0x" without a hex digit: octal "0"
        (b"9223372036854775807", 10, 19, (1 << 63) - 1),
        (b"-9223372036854775808", 10, 20, -(1 << 63)),
        (b"9223372036854775808", 10, -errno.ERANGE, None),
        (b"99999999999999999999", 10, -errno.ERANGE, None),
        (b"abc", 10, -errno.EINVAL, None),
        (b"   ", 10, -errno.EINVAL, None),
        (b"12", 7, -errno.EINVAL, None),
        (b"12", 0x20 | 10, -errno.EINVAL, None),
    ],
)
def test_strtol(text: bytes, flags: int, result: int, value: int | None) -> None:
    scratch = Scratch()
    buf, res = scratch.put(text), scratch.put(b"\x55" * 8)
    assert basic.strtol(scratch.ctx, buf, len(text), flags, res, 0) == result
    assert scratch.u64(res) == (0x5555_5555_5555_5555 if value is None else value & M64)


@pytest.mark.parametrize(
    ("text", "result", "value"),
    [
        (b"18446744073709551615", 20, M64),
        (b"18446744073709551616", -errno.ERANGE, None),
        (b"-1", -errno.EINVAL, None),
    ],
)
def test_strtoul(text: bytes, result: int, value: int | None) -> None:
    scratch = Scratch()
    buf, res = scratch.put(text), scratch.put(bytes(8))
    assert basic.strtoul(scratch.ctx, buf, len(text), 10, res, 0) == result
    assert scratch.u64(res) == (0 if value is None else value)


def test_strtol_limits_to_buf_len() -> None:
    scratch = Scratch()
    buf, res = scratch.put(b"12345"), scratch.put(bytes(8))
    assert basic.strtol(scratch.ctx, buf, 2, 10, res, 0) == 2
    assert scratch.u64(res) == 12


def test_strncmp() -> None:
    scratch = Scratch()
    a, b = scratch.put(b"abcd\0"), scratch.put(b"abzz\0")
    assert basic.strncmp(scratch.ctx, a, 2, b, 0, 0) == 0
    assert basic.strncmp(scratch.ctx, a, 4, b, 0, 0) == -1
    assert basic.strncmp(scratch.ctx, b, 4, a, 0, 0) == 1
    assert basic.strncmp(scratch.ctx, a, 5, scratch.put(b"abcd\0"), 0, 0) == 0


# -- probe_read ---------------------------------------------------------------------------------------------
def test_probe_read_copies_or_zero_fills() -> None:
    scratch = Scratch()
    src, dst = scratch.put(b"payload!"), scratch.put(b"\xee" * 8)
    assert basic._probe_read(scratch.ctx, dst, 8, src, 0, 0) == 0
    assert scratch.memory.read(dst, 8) == b"payload!"
    assert basic._probe_read(scratch.ctx, dst, 8, 0x10, 0, 0) == -errno.EFAULT
    assert scratch.memory.read(dst, 8) == bytes(8)


def test_probe_read_str() -> None:
    scratch = Scratch()
    src, dst = scratch.put(b"hi\0there"), scratch.put(b"\xee" * 8)
    assert basic._probe_read_str(scratch.ctx, dst, 8, src, 0, 0) == 3
    assert scratch.memory.read(dst, 3) == b"hi\0"
    long_src = scratch.put(b"abcdefgh\0")
    assert basic._probe_read_str(scratch.ctx, dst, 4, long_src, 0, 0) == 4
    assert scratch.memory.read(dst, 4) == b"abc\0"
    assert basic._probe_read_str(scratch.ctx, dst, 4, 8, 0, 0) == -errno.EFAULT


@pytest.mark.parametrize(
    ("address", "kernel", "compat"),
    [
        (0x10, -errno.ERANGE, -errno.EFAULT),  # a user address: refused up front by the kernel copy
        (basic.TASK_SIZE_MAX - 8, -errno.ERANGE, -errno.EFAULT),
        (basic.TASK_SIZE_MAX, -errno.ERANGE, -errno.ERANGE),  # the guard page: a kernel copy for compat
        (1 << 47, -errno.ERANGE, -errno.ERANGE),  # not canonical
        (1 << 63, -errno.ERANGE, -errno.ERANGE),  # not canonical
        (0xFFFF_8000_0000_0000, -errno.EFAULT, -errno.EFAULT),  # a kernel address that faults
        (0xFFFF_FFFF_FFFF_0000, -errno.EFAULT, -errno.EFAULT),
    ],
)
def test_probe_read_errors_follow_the_address(address: int, kernel: int, compat: int) -> None:
    """copy_from_kernel_nofault_allowed() (arch/x86/mm/maccess.c) for the kernel flavours, the user
    copy below TASK_SIZE for bpf_probe_read (bpf_probe_read_compat()); the user flavour: -EFAULT."""
    scratch = Scratch()
    dst = scratch.put(b"\xee" * 8)
    assert basic._probe_read_kernel(scratch.ctx, dst, 8, address, 0, 0) == kernel
    assert basic._probe_read_kernel_str(scratch.ctx, dst, 8, address, 0, 0) == kernel
    assert basic._probe_read(scratch.ctx, dst, 8, address, 0, 0) == compat
    assert basic._probe_read_str(scratch.ctx, dst, 8, address, 0, 0) == compat
    assert scratch.memory.read(dst, 8) == bytes(8)


# -- printf family ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "args", "expected"),
    [
        (b"plain", (), b"plain"),
        (b"%d %u %x", (-5 & M64, -5 & M64, 255), b"-5 4294967291 ff"),
        (b"%ld %lu", (-5 & M64, -5 & M64), b"-5 18446744073709551611"),
        (b"%llx %lX", (M64, 0xAB), b"ffffffffffffffff AB"),
        (b"%5d|%-5d|%05d", (42, 42, 42), b"   42|42   |00042"),
        (b"%+d % d", (7, 7), b"+7  7"),
        (b"100%%", (), b"100%"),
        (b"%c%c", (0x68, 0x69), b"hi"),
        (b"%i", (0x1_0000_0007,), b"7"),
    ],
)
def test_bprintf_integers(fmt: bytes, args: tuple[int, ...], expected: bytes) -> None:
    assert printk.bprintf(Scratch().memory, fmt, args) == expected


def test_bprintf_strings_pointers_and_ips() -> None:
    scratch = Scratch()
    name, ip4 = scratch.put(b"world\0"), scratch.put(bytes([192, 168, 0, 1]))
    ip6 = scratch.put(bytes(15) + b"\1")
    memory = scratch.memory
    assert printk.bprintf(memory, b"hello %s!", (name,)) == b"hello world!"
    assert printk.bprintf(memory, b"[%8s]", (name,)) == b"[   world]"
    assert printk.bprintf(memory, b"[%s]", (0x10,)) == b"[]"  # unreadable string prints empty
    assert printk.bprintf(memory, b"%pI4 %pi4", (ip4, ip4)) == b"192.168.0.1 192.168.000.001"
    assert printk.bprintf(memory, b"%pI6", (ip6,)) == b"0000:0000:0000:0000:0000:0000:0000:0001"
    assert printk.bprintf(memory, b"%px %p", (0x1234, 0)) == b"0000000000001234 (null)"
    assert printk.bprintf(memory, b"%pks", (name,)) == b"world"


@pytest.mark.parametrize(
    ("fmt", "nargs"),
    [(b"%d %d %d %d", 3), (b"%f", 1), (b"%sx", 1), (b"%pZ", 1), (b"\x01", 0), (b"%lld%q", 2), (b"%n", 1)],
)
def test_bprintf_refuses_what_the_kernel_refuses(fmt: bytes, nargs: int) -> None:
    with pytest.raises(printk.FormatError) as info:
        printk.bprintf(Scratch().memory, fmt, (0,) * nargs)
    assert info.value.errno == -errno.EINVAL


def test_trace_printk_writes_to_the_pipe() -> None:
    scratch = Scratch()
    fmt = scratch.put(b"value=%d\n\0")
    assert printk.trace_printk(scratch.ctx, fmt, 10, 42, 0, 0) == len(b"value=42\n")
    (record,) = scratch.pipe.read()
    assert record.message == "value=42" and record.pid == os.getpid()
    assert "bpf_trace_printk: value=42" in record.format()
    assert len(scratch.pipe) == 0


def test_trace_printk_needs_nul_within_fmt_size() -> None:
    scratch = Scratch()
    fmt = scratch.put(b"abc\0")
    assert printk.trace_printk(scratch.ctx, fmt, 3, 0, 0, 0) == -errno.EINVAL
    assert printk.trace_printk(scratch.ctx, fmt, 4, 0, 0, 0) == 3


def test_snprintf_and_vprintk() -> None:
    scratch = Scratch()
    fmt = scratch.put(b"%d-%s\0")
    word = scratch.put(b"xyz\0")
    data = scratch.put((7).to_bytes(8, "little") + word.to_bytes(8, "little"))
    out = scratch.put(bytes(8))
    assert printk.snprintf(scratch.ctx, out, 4, fmt, data, 16) == len(b"7-xyz") + 1
    assert scratch.memory.read(out, 4) == b"7-x\0"
    assert printk.snprintf(scratch.ctx, out, 4, fmt, data, 12) == -errno.EINVAL
    assert printk.trace_vprintk(scratch.ctx, fmt, 6, data, 16, 0) == 5
    assert scratch.pipe.messages() == ["7-xyz"]


def test_trace_printk_from_a_program() -> None:
    pipe = TracePipe()
    message = b"n=%d\0\0\0\0"
    program = [
        lddw(1, int.from_bytes(message, "little")),
        insn("stxdw", 10, 1, off=-8),
        insn("mov", 1, 10),
        insn("add", 1, imm=-8),
        mov(2, 8),
        mov(3, 99),
        insn("call", imm=6),
        EXIT,
    ]
    assert Interpreter(program).run(trace_pipe=pipe) == 4
    assert pipe.messages() == ["n=99"]
