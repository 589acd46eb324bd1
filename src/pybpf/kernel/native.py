"""The native backend: the real Linux bpf(2) system call, reached through ctypes.

This is the kernel side of the backend seam described in DESIGN.md (``Backend.bpf(cmd, attr) -> int``).
It passes a caller-built ``union bpf_attr`` to ``syscall(__NR_bpf, cmd, attr, size)`` unchanged and
mirrors the kernel's answer exactly: the non-negative return value (an fd or 0) is returned, and a
failure raises :class:`~pybpf.errors.BPFError` carrying the errno the kernel set.  Commands that write
results back into the attr (``BPF_PROG_TEST_RUN``'s retval, ``BPF_OBJ_GET_INFO_BY_FD``'s info_len ...)
reach the caller by the rules of :class:`~pybpf.kernel.usermem.UserAttr`, which the user backend
follows too: a writable buffer at least as long as ``union bpf_attr`` is handed to the kernel itself;
any other (an immutable ``bytes``, a buffer shorter than the union, a ctypes object over foreign
memory) is handed over as a copy and the kernel's writes reach the caller through ``UserAttr``, so
none lands outside the caller's buffer and an immutable buffer is input only.

The module knows nothing about the attr layout (the generated ``union bpf_attr`` structures belong in
``pybpf.uapi``) beyond its size; its one exception is the availability probe, which packs the first
four fields of a BPF_MAP_CREATE attr.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
import struct
from typing import Any, TypeAlias

from pybpf.errors import BPFError
from pybpf.kernel.usermem import UserAttr
from pybpf.uapi import ATTR_SIZE, bpf_cmd

# __NR_bpf per architecture: arch/*/entry/syscalls/*.tbl and include/uapi/asm-generic/unistd.h.
# Architectures using the generic table (arm64, riscv, loongarch) share 280.
_SYSCALL_NUMBERS_64 = {
    "x86_64": 321,
    "amd64": 321,
    "aarch64": 280,
    "arm64": 280,
    "riscv64": 280,
    "loongarch64": 280,
    "ppc64": 361,
    "ppc64le": 361,
    "s390x": 351,
    "sparc64": 349,
    "mips64": 5315,  # n64 ABI
}
_SYSCALL_NUMBERS_32 = {
    "x86_64": 357,  # i386 user space on an x86_64 kernel
    "amd64": 357,
    "i386": 357,
    "i486": 357,
    "i586": 357,
    "i686": 357,
    "aarch64": 386,  # 32-bit arm user space on an arm64 kernel
    "arm64": 386,
    "armv6l": 386,
    "armv7l": 386,
    "armv8l": 386,
    "arm": 386,
    "ppc": 361,
    "ppc64": 361,
    "s390": 351,
    "s390x": 351,
    "mips": 4355,  # o32 ABI
    "mips64": 4355,
}

# BPF_MAP_CREATE and BPF_MAP_TYPE_ARRAY, only for the availability probe below.
_BPF_MAP_CREATE = 0
_BPF_MAP_TYPE_ARRAY = 2


def syscall_number(machine: str | None = None, pointer_bits: int | None = None) -> int:
    """``__NR_bpf`` for ``machine`` (default: this machine) and user-space word size (default: ours).

    Raises ``BPFError(ENOSYS)`` for an architecture whose number is not known.
    """
    machine = (machine if machine is not None else platform.machine()).lower()
    bits = pointer_bits if pointer_bits is not None else ctypes.sizeof(ctypes.c_void_p) * 8
    table = _SYSCALL_NUMBERS_64 if bits == 64 else _SYSCALL_NUMBERS_32
    number = table.get(machine)
    if number is None:
        raise BPFError(errno.ENOSYS, f"bpf(2) syscall number unknown for {machine} ({bits}-bit)")
    return number


@functools.cache
def _syscall() -> tuple[Any, int]:
    """libc's ``syscall(long, ...)`` typed for bpf (number, cmd, attr pointer, size) -> long, and __NR_bpf."""
    number = syscall_number()
    libc = ctypes.CDLL(None, use_errno=True)
    function = libc.syscall
    function.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_uint]
    function.restype = ctypes.c_long
    return function, number


AttrBuffer: TypeAlias = "bytes | bytearray | memoryview | ctypes.Structure | ctypes.Union | ctypes.Array[Any]"
"""What ``native_bpf`` accepts as attr: a ctypes object laid out as ``union bpf_attr``, or any
C-contiguous buffer of its bytes (``bytes``, ``bytearray``, ``memoryview``, ``array.array`` ...)."""

_PAGE = os.sysconf("SC_PAGESIZE")
_CDATA = (ctypes.Structure, ctypes.Union, ctypes.Array)


def _attr_pointer(attr: AttrBuffer) -> tuple[Any, int, UserAttr | None]:
    """The memory to hand the kernel, the caller's size in bytes, and the ``UserAttr`` the kernel's
    writes must go through when that memory is a copy (None: the caller's own memory)."""
    if isinstance(attr, _CDATA):
        size = ctypes.sizeof(attr)
        if size >= ATTR_SIZE:
            return attr, size, None
    elif type(attr) is not bytes:
        try:
            view = memoryview(attr)
        except TypeError:
            view = None  # UserAttr says what is wrong with it
        if view is not None and not view.readonly and view.c_contiguous and view.nbytes >= ATTR_SIZE:
            return (ctypes.c_char * view.nbytes).from_buffer(view), view.nbytes, None
    uattr = UserAttr(attr)
    size = len(uattr.raw)
    # a page, zero past the caller's bytes: the kernel writes results at offsets within the union
    return ctypes.create_string_buffer(uattr.raw, max(size, _PAGE)), size, uattr


def _write_back(copy: Any, uattr: UserAttr) -> None:
    """What the kernel changed in ``copy`` goes to the caller's buffer through ``uattr``."""
    before = uattr.raw
    after = ctypes.string_at(copy, len(before))
    if after == before:
        return
    first = next(i for i in range(len(before)) if after[i] != before[i])
    last = next(i for i in range(len(before), 0, -1) if after[i - 1] != before[i - 1])
    uattr.write(first, after[first:last])


def command_name(cmd: int) -> str:
    """The uapi name of bpf command ``cmd`` (``enum bpf_cmd``: ``BPF_PROG_LOAD``), or ``bpf cmd N``."""
    try:
        return bpf_cmd(cmd).name
    except ValueError:
        return f"bpf cmd {cmd}"


def native_bpf(cmd: int, attr: AttrBuffer, size: int | None = None) -> int:
    """Call the real ``bpf(cmd, attr, size)``; ``size`` defaults to the size of ``attr``.

    Returns the kernel's non-negative result (a new fd or 0).  Raises ``BPFError`` with the kernel's
    errno on failure, and ``ValueError`` when ``size`` exceeds the buffer (the kernel would read past it).
    """
    buffer, available, uattr = _attr_pointer(attr)
    if size is None:
        size = available
    elif not 0 <= size <= available:
        raise ValueError(f"attr size {size} outside the {available}-byte buffer")
    function, number = _syscall()
    pointer = ctypes.c_void_p(ctypes.addressof(buffer))
    ctypes.set_errno(0)
    result = int(function(number, cmd, pointer, size))
    err = (ctypes.get_errno() or errno.EINVAL) if result < 0 else 0
    if uattr is not None and uattr.writable:
        _write_back(buffer, uattr)  # also on failure: a refused load still reports log_true_size
    del buffer, pointer  # the caller's buffer is exported to it: release it before a traceback keeps it
    if err:
        raise BPFError(err, f"{command_name(cmd)}: {os.strerror(err)}")
    return result


@functools.cache
def kernel_bpf_available() -> bool:
    """Whether this process can use the real bpf(2): it creates (and closes) a one-entry array map.

    False when the architecture is unknown, the syscall is missing (ENOSYS), or it is refused by
    permissions, sysctl ``kernel.unprivileged_bpf_disabled``, LSMs or a seccomp filter that returns
    an errno.  (A seccomp filter that kills the process cannot be probed from inside it.)  Cached.
    """
    # map_type, key_size, value_size, max_entries; the rest of the attr zero
    attr = struct.pack("<4I", _BPF_MAP_TYPE_ARRAY, 4, 4, 1) + bytes(56)
    try:
        fd = native_bpf(_BPF_MAP_CREATE, attr)
    except (OSError, AttributeError):
        return False
    os.close(fd)
    return True


class NativeBackend:
    """The backend seam implemented by the running kernel: ``bpf(cmd, attr)`` is the real syscall.

    Pointers inside ``attr`` must be real addresses in this process, as for the syscall itself.
    """

    name = "native"

    def bpf(self, cmd: int, attr: AttrBuffer, size: int | None = None) -> int:
        """Run bpf command ``cmd`` on the kernel; see :func:`native_bpf`."""
        return native_bpf(cmd, attr, size)

    @staticmethod
    def available() -> bool:
        """Whether the real bpf(2) can be used from this process."""
        return kernel_bpf_available()

    def __repr__(self) -> str:
        return "NativeBackend()"
